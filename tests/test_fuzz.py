"""Schemathesis against the service's own OpenAPI document: every operation, every check.

The service runs as in production (gunicorn, `kb serve`) on its own Neo4j holding the seed
data, so the fuzzer's writes touch nothing else. Settings (and the reasons for each) are in
schemathesis.toml; `make fuzz` runs this test alone.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from kb.auth import create_key
from kb.db import Database
from kb.ingest import load_directory
from kb.local_neo4j import LocalNeo4j
from kb.model import get_model
from kb.queries.schema import apply_schema
from kb.settings import PROJECT_ROOT
from kb.warmup import warm_plans
from tests.conftest import free_port, make_settings

BIN = Path(sys.executable).parent
EXAMPLES_PER_OPERATION = "10"
SEED = "1"  # a fixed seed: the same run each time, so a failure can be replayed


def wait_ready(url: str, timeout: float = 60.0) -> None:
    """Poll /readyz until it answers 200."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"{url} not ready after {timeout} s"
        time.sleep(0.5)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, admin key) of a gunicorn-served API over a seeded Neo4j of its own."""
    tmp_path = tmp_path_factory.mktemp("served")
    local = LocalNeo4j(tmp_path / "neo4j", free_port(), heap_mb=768, pagecache_mb=128)
    local.start(watch_stdin=True)
    uri = f"bolt://127.0.0.1:{local.port}"
    db = Database(make_settings(uri, tmp_path))
    port = free_port()
    log = (tmp_path / "server.log").open("wb")
    server = None
    try:
        apply_schema(db, get_model())
        load_directory(db, PROJECT_ROOT / "seed_data")
        key, _ = create_key(db, "admin", "schemathesis")
        # Schemathesis gives up on a request after 10 s. A newly started Neo4j plans the
        # per-type counts of /relations?as_of in about 7 s (idle box), longer than that
        # on a loaded one: ask that one question first, as `kb up`'s warm-up would.
        warmed = warm_plans(db.settings, ("/api/v1/relations?as_of=2015-10-08",))
        assert warmed.asked == 1 and not warmed.failed, warmed
        env = {**os.environ, "NEO4J_URI": uri, "KB_DATA_DIR": str(tmp_path),
               "KB_PORT": str(port), "KB_HOST": "127.0.0.1",
               # the fuzzer sends thousands of requests a minute with one key
               "KB_RATE_LIMIT_ANONYMOUS": "off", "KB_RATE_LIMIT_KEYED": "off",
               "KB_WARMUP": "off"}  # tests/test_cli.py tests it; here it would add 15 s
        server = subprocess.Popen([str(BIN / "kb"), "serve"], env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        wait_ready(url)
        yield url, key
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        log.close()
        db.close()
        local.stop()


@pytest.mark.slow
def test_requests_gunicorn_refuses_get_problem_documents(served: tuple[str, str]) -> None:
    url, _ = served
    request = urllib.request.Request(f"{url}/api/v1/forces?q={'x' * 9000}")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 414
    assert refused.value.headers["Content-Type"] == "application/problem+json"
    body = json.loads(refused.value.read())
    assert (body["status"], body["title"]) == (414, "URI Too Long"), body


@pytest.mark.slow
def test_schemathesis_finds_no_failure(served: tuple[str, str], tmp_path: Path) -> None:
    url, key = served
    report = tmp_path / "schemathesis.txt"
    started = time.monotonic()
    with report.open("w") as out:
        result = subprocess.run(
            [str(BIN / "schemathesis"), "--no-color", "run", f"{url}/openapi.json",
             "--checks", "all", "--max-examples", EXAMPLES_PER_OPERATION, "--seed", SEED,
             "--workers", "2",
             "--header", f"Authorization: Bearer {key}"],
            cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT, check=False,
            env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.fuzz_hooks",
                 "PYTHONPATH": str(PROJECT_ROOT)})
    text = report.read_text()
    summary = text[text.rfind("SUMMARY"):]
    print(f"\nschemathesis: {time.monotonic() - started:.0f} s\n{summary}")
    selected = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", summary)
    assert selected, text[-3000:]
    assert len(set(selected.groups())) == 1, f"not every operation was tested: {summary}"
    returncode = result.returncode  # (the result's repr would show the key)
    assert returncode == 0, text[-20000:]
