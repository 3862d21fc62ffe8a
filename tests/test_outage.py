"""A real Neo4j outage: every endpoint answers 503 quickly, and all recover by themselves."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from kb import create_app
from kb.auth import create_key
from kb.generated import generated_records
from kb.ingest import load_records
from kb.local_neo4j import LocalNeo4j
from kb.model import get_model
from kb.queries.schema import apply_schema
from tests.conftest import BASE_RECORDS, free_port, make_settings
from tests.factories import ANALYSIS_GRAPH as GRAPH

READS = [
    "/api/v1/forces", "/api/v1/forces/idf", "/api/v1/relations",
    "/api/v1/mechanisms?between=idf&between=ruaf", "/api/v1/dossier?between=idf&between=ruaf",
    "/api/v1/paths?from=golan&to=bogd", "/api/v1/graph?center=m1", "/api/v1/timeline?entity=m1",
    "/api/v1/search?q=golan", "/api/v1/gaps", "/api/v1/changes", "/api/v1/export",
]
BOUND_S = 8.0  # well below gunicorn's 30 s worker timeout


@pytest.fixture
def outage_app(tmp_path: Path) -> Iterator[tuple[Flask, LocalNeo4j, str]]:
    local = LocalNeo4j(tmp_path / "db", free_port(), heap_mb=512, pagecache_mb=64)
    local.start(watch_stdin=True)
    app = create_app(make_settings(f"bolt://127.0.0.1:{local.port}", tmp_path))
    db = app.extensions["kb.db"]
    apply_schema(db, get_model())
    load_records(db, [("t", r) for r in generated_records() + BASE_RECORDS + GRAPH])
    key, _ = create_key(db, "editor", "outage test")
    try:
        yield app, local, key
    finally:
        db.close()
        local.stop()


@pytest.mark.slow
def test_outage_and_recovery(outage_app: tuple[Flask, LocalNeo4j, str]) -> None:
    app, local, key = outage_app
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    for path in READS:
        assert client.get(path).status_code == 200, path

    local.stop()
    slowest = 0.0
    for path in ["/readyz", *READS]:
        started = time.monotonic()
        resp = client.get(path)
        elapsed = time.monotonic() - started
        slowest = max(slowest, elapsed)
        assert resp.status_code == 503, (path, resp.status_code, resp.get_data(as_text=True))
        assert resp.content_type == "application/problem+json", path
        assert resp.headers["Retry-After"] == "5", path
        assert elapsed < BOUND_S, (path, elapsed)
    assert client.get("/healthz").status_code == 200
    write = client.post("/api/v1/forces", json={"id": "during-outage", "name": "X",
                                                "kind": "unit", "sources": ["example-source"]})
    assert write.status_code == 503  # reported as failed, never as done
    print(f"\nslowest 503 while Neo4j was down: {slowest:.2f} s")

    local.start(watch_stdin=True)
    deadline = time.monotonic() + 30
    # recovered: ready, and every read answers again (a database that has just started may
    # still refuse a query or two after its first answer)
    while client.get("/readyz").status_code != 200 or any(
            client.get(path).status_code != 200 for path in READS):
        assert time.monotonic() < deadline, "no recovery after Neo4j came back"
        time.sleep(0.5)
    assert client.get("/api/v1/forces/during-outage").status_code == 404
