"""The `kb` command line against the real database, and `kb serve` on an external Neo4j."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.auth import create_key
from kb.cli import main
from kb.db import Database
from kb.settings import PROJECT_ROOT
from kb.warmup import WARM_URLS
from tests.conftest import KB, free_port


def run(args: list[str], neo4j_uri: str, tmp_path: Path, **extra: str) -> tuple[int, str]:
    # no plan-cache warm-up after imports unless a test asks for it (KB_WARMUP=on)
    env = {"NEO4J_URI": neo4j_uri, "KB_DATA_DIR": str(tmp_path), "KB_WARMUP": "off", **extra}
    result = CliRunner().invoke(main, args, env=env)
    return result.exit_code, result.output


def test_seed_prints_counts_per_kind_and_is_idempotent(
    neo4j_uri: str, tmp_path: Path, empty_kb: KB
) -> None:
    empty_kb.wipe()
    code, out = run(["schema", "apply"], neo4j_uri, tmp_path)
    assert code == 0, out
    assert "0 created" in out  # the session already applied it

    code, first = run(["seed"], neo4j_uri, tmp_path)
    assert code == 0, first
    assert "Mechanism" in first and "PARTY_TO" in first and "created" in first
    counts = empty_kb.counts()

    code, second = run(["seed"], neo4j_uri, tmp_path)
    assert code == 0, second
    assert "created" not in second and "updated" not in second and "unchanged" in second
    assert empty_kb.counts() == counts


def test_dates_on_the_command_line_are_checked_as_the_api_checks_them(
        neo4j_uri: str, tmp_path: Path, db: Database, empty_kb: KB) -> None:
    """A date that is none gave an export filtered by nothing meaningful, or a key that never
    expired; now each is refused with the API's message, and nothing is made."""
    def keys() -> int:
        return int(db.read("MATCH (k:ApiKey) RETURN count(k) AS n")[0]["n"])

    before = keys()
    refused = {("export", "--as-of", "2015-13-45"): "2015-13-45 does not exist",
               ("export", "--as-of", "yesterday"): "'yesterday' is not a date",
               ("keys", "create", "--role", "reader", "--name", "x", "--expires", "someday"):
                   "not an ISO 8601 date-time with an offset",
               ("keys", "create", "--role", "reader", "--name", "x", "--expires",
                "9999-12-31T23:59:59-05:00"): "not an ISO 8601 date-time with an offset",
               ("keys", "create", "--role", "reader", "--name", "x", "--expires",
                "2020-01-01T00:00:00Z"): "2020-01-01T00:00:00+00:00 is past"}
    for args, message in refused.items():
        code, out = run([*args, str(tmp_path / "out.ndjson")] if args[0] == "export"
                        else list(args), neo4j_uri, tmp_path)
        assert code == 2, (args, out)
        assert message in out, (args, out)
    assert keys() == before
    assert not (tmp_path / "out.ndjson").exists()
    code, out = run(["export", "--as-of", "2015-10", str(tmp_path / "out.ndjson")],
                    neo4j_uri, tmp_path)
    assert code == 0, out
    code, out = run(["keys", "create", "--role", "reader", "--name", "cli expiry",
                     "--expires", "2030-01-01T02:00:00+02:00"], neo4j_uri, tmp_path)
    assert code == 0, out
    create_key(db, "reader", "cli past", expires_at="2020-01-01T00:00:00Z")
    code, listed = run(["keys", "list"], neo4j_uri, tmp_path)
    assert code == 0, listed
    for name, ending in (("cli expiry", "expires 2030-01-01T00:00:00+00:00  active"),
                         ("cli past", "expires 2020-01-01T00:00:00+00:00  expired")):
        lines = [line for line in listed.splitlines() if f" {name}  created " in line]
        assert lines and all(line.endswith(ending) for line in lines), listed


def test_an_unreachable_database_is_one_line_for_every_command(tmp_path: Path) -> None:
    """Each command that talks to Neo4j said so with the driver's traceback and its retry
    warnings; now one line says what happened and what to do."""
    uri = f"bolt://127.0.0.1:{free_port()}"
    record = tmp_path / "one.ndjson"
    record.write_text('{"entity": "Source", "id": "s1", "kind": "news_report", "name": "S"}\n')
    expected = (f"Error: Neo4j at {uri} cannot be reached (Connection refused): check that it "
                "is running and that NEO4J_URI names it")
    for args in (["seed"], ["schema", "apply"], ["keys", "list"], ["keys", "revoke", "abc"],
                 ["keys", "create", "--role", "reader", "--name", "x"], ["explain"],
                 ["warmup"],
                 ["export", str(tmp_path / "out.ndjson")], ["import", str(record)]):
        # a short connection timeout: the driver retries for as long
        code, out = run(args, uri, tmp_path, KB_NEO4J_CONNECT_TIMEOUT="0.2")
        assert code == 1, (args, out)
        assert out.strip().splitlines()[-1] == expected, (args, out)
        assert "Traceback" not in out and "retried" not in out, (args, out)


def test_import_names_each_clashing_record_and_writes_nothing(
    neo4j_uri: str, tmp_path: Path, empty_kb: KB
) -> None:
    records = tmp_path / "records.ndjson"
    records.write_text(
        '{"entity": "Force", "id": "unit-a", "name": "Unit A", "kind": "unit"}\n'
        '{"type": "PART_OF", "from": "unit-a", "to": "nowhere", "sources": ["example-source"]}\n')
    before = empty_kb.counts()
    code, out = run(["import", str(records)], neo4j_uri, tmp_path)
    assert code == 1, out
    assert "records.ndjson:2 (unit-a PART_OF nowhere): to: no entity with id 'nowhere'" in out
    assert empty_kb.counts() == before


def test_local_neo4j_commands_refuse_when_neo4j_uri_is_set(neo4j_uri: str, tmp_path: Path) -> None:
    code, out = run(["neo4j", "status"], neo4j_uri, tmp_path)
    assert code != 0 and "NEO4J_URI is set" in out


def test_bad_setting_is_a_clear_start_up_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["schema", "apply"], env={"KB_PORT": "http"})
    assert result.exit_code != 0
    assert "KB_PORT must be an integer" in result.output


def test_validate_reports_bad_seed_files(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "- {entity: Force, id: x, name: X, kind: navy, sources: [nope]}\n"
        "- {type: PART_OF, from: x, to: nowhere, sources: [iso-3166]}\n")
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code != 0
    assert "bad.yaml#1 (x): kind:" in result.output
    assert "bad.yaml#2" in result.output and "nowhere" in result.output


def test_warmup_asks_its_questions_even_with_the_start_warm_up_off(
        neo4j_uri: str, tmp_path: Path, seeded_kb: KB) -> None:
    code, out = run(["warmup"], neo4j_uri, tmp_path)  # run() sets KB_WARMUP=off
    assert code == 0, out
    assert f"plan cache: {len(WARM_URLS)} questions asked in " in out, out
    assert "not found" not in out and "answered" not in out, out


@pytest.mark.slow
def test_serve_uses_the_external_neo4j_and_starts_none(neo4j_uri: str, tmp_path: Path,
                                                       seeded_kb: KB) -> None:
    """It warms the plan cache first (kb.warmup): every question answered on the seed."""
    port, log_path = free_port(), tmp_path / "serve.log"
    env = {**os.environ, "NEO4J_URI": neo4j_uri, "KB_PORT": str(port),
           "KB_DATA_DIR": str(tmp_path), "KB_WORKERS": "1"}
    env.pop("KB_WARMUP", None)
    with log_path.open("wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "kb.cli", "serve"], env=env,
                                  cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90  # the warm-up comes first
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "kb serve did not become ready"
                time.sleep(0.3)
        # the worker reads its /stats index without being asked (kb.stats_index)
        while "stats index: 39 Mechanisms" not in log_path.read_text():
            assert time.monotonic() < deadline, log_path.read_text()[-2000:]
            time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=30)
    # the local Neo4j keeps its store and pid file in KB_DATA_DIR: none was created
    assert not (tmp_path / "neo4j").exists() and not (tmp_path / "neo4j.pid").exists()
    warm_up = [line for line in log_path.read_text().splitlines()
               if line.startswith("plan cache:")]
    assert len(warm_up) == 1, warm_up  # no question failed
    assert warm_up[0].startswith(f"plan cache: {len(WARM_URLS)} questions asked in ")
    assert "not found" not in warm_up[0]  # each name is the seed's
