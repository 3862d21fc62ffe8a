"""compose.yaml, Dockerfile and .dockerignore say what docs/deployment.md promises.

No Docker here: `make image-test` builds and runs the image; these checks are offline.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from kb.cli import main
from kb.settings import PROJECT_ROOT


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())
    return data


def test_compose_runs_neo4j_526_with_auth_from_the_environment_and_a_volume() -> None:
    neo4j = compose()["services"]["neo4j"]
    assert neo4j["image"].startswith("neo4j:5.26")
    assert neo4j["environment"]["NEO4J_AUTH"] == "neo4j/${NEO4J_PASSWORD:?set NEO4J_PASSWORD}"
    volume = neo4j["volumes"][0].split(":")
    assert volume[1] == "/data" and volume[0] in compose()["volumes"]
    assert "cypher-shell" in " ".join(neo4j["healthcheck"]["test"])


def test_compose_api_waits_for_neo4j_and_the_init_job() -> None:
    services = compose()["services"]
    assert services["api"]["depends_on"] == {
        "neo4j": {"condition": "service_healthy"},
        "init": {"condition": "service_completed_successfully"}}
    assert services["api"]["environment"]["NEO4J_URI"] == "bolt://neo4j:7687"
    assert services["init"]["depends_on"]["neo4j"] == {"condition": "service_healthy"}


def test_compose_init_job_runs_real_cli_commands() -> None:
    script = compose()["services"]["init"]["command"][-1]
    for command in script.split("&&"):
        words = command.split()
        assert words[0] == "kb", script
        group: Any = main
        for word in words[1:]:
            assert word in group.commands, f"no `kb ... {word}` in kb/cli.py: {script}"
            group = group.commands[word]


def test_dockerfile_pins_its_base_runs_as_non_root_and_checks_health() -> None:
    text = (PROJECT_ROOT / "Dockerfile").read_text()
    assert re.search(r"^ARG BASE=python:3\.11-slim\S*@sha256:[0-9a-f]{64}$", text, re.M)
    user = re.findall(r"^USER (\S+)$", text, re.M)
    assert user and user[-1].split(":")[0] not in ("0", "root")
    assert "--create-home" in text
    assert re.search(r"^HEALTHCHECK .*\n.*/healthz", text, re.M)


def test_dockerignore_keeps_the_context_to_what_the_image_needs() -> None:
    lines = [line for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
             if line and not line.startswith("#")]
    assert lines[0] == "*"  # everything out, then only the listed files back in
    for needed in ("kb/", "schema/", "seed_data/", "pyproject.toml", "setup.py"):
        assert f"!{needed}" in lines
