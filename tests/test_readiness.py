"""Readiness against a real Neo4j, including an outage and recovery of the database."""

import time
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from kb import create_app
from kb.db import Database
from kb.local_neo4j import LocalNeo4j
from tests.conftest import free_port, make_settings


def test_ready_when_neo4j_answers_and_schema_is_applied(client: FlaskClient) -> None:
    r = client.get("/readyz")
    assert r.status_code == 200, r.json
    assert r.json == {"status": "ready", "database": "neo4j"}


def test_not_ready_when_schema_is_missing(db: Database, client: FlaskClient) -> None:
    db.write_tx(lambda tx: tx.run("DROP INDEX entity_search_key IF EXISTS").consume())
    try:
        r = client.get("/readyz")
        assert r.status_code == 503
        assert r.content_type == "application/problem+json"
        assert r.json is not None and "kb schema apply" in r.json["detail"]
    finally:
        from kb.model import get_model
        from kb.queries.schema import apply_schema

        apply_schema(db, get_model())
    assert client.get("/readyz").status_code == 200


def _timed_get(client: FlaskClient, path: str) -> tuple[int, float, dict[str, str]]:
    started = time.monotonic()
    r = client.get(path)
    return r.status_code, time.monotonic() - started, dict(r.headers)


@pytest.mark.slow
def test_outage_gives_503_quickly_and_recovers_without_restart(tmp_path: Path) -> None:
    local = LocalNeo4j(tmp_path / "outage", free_port(), heap_mb=512, pagecache_mb=64)
    local.start(watch_stdin=True)
    app = create_app(make_settings(f"bolt://127.0.0.1:{local.port}", tmp_path))
    client = app.test_client()
    try:
        from kb.model import get_model
        from kb.queries.schema import apply_schema

        apply_schema(app.extensions["kb.db"], get_model())
        assert client.get("/readyz").status_code == 200

        local.stop()
        status, seconds, headers = _timed_get(client, "/readyz")
        assert status == 503
        assert headers["Content-Type"] == "application/problem+json"
        assert headers["Retry-After"] == "5"
        assert seconds < 10, f"/readyz took {seconds:.1f} s while Neo4j was down"
        assert client.get("/healthz").status_code == 200

        local.start(watch_stdin=True)
        deadline = time.monotonic() + 20
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "API did not recover after Neo4j came back"
            time.sleep(0.5)
    finally:
        app.extensions["kb.db"].close()
        local.stop()
