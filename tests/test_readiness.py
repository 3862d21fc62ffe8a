"""Readiness against a real Neo4j. An outage of the database and the recovery after it,
/readyz included, are tested in tests/test_outage.py."""

from flask.testing import FlaskClient

from kb.db import Database


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
