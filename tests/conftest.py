"""Fixtures: one real Neo4j per test session, and a known database state per test.

The suite starts its own local Neo4j (the project's launcher) on a free port with a
throw-away data directory. Set KB_TEST_NEO4J_URI to run against an existing Neo4j instead
(its database is wiped by the tests: never point it at data you want to keep).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb import create_app
from kb.db import Database
from kb.local_neo4j import LocalNeo4j, fetch_jars
from kb.model import get_model
from kb.queries.schema import apply_schema
from kb.settings import Settings, load_settings


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def neo4j_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Bolt URI of the test Neo4j (started here unless KB_TEST_NEO4J_URI is set)."""
    external = os.environ.get("KB_TEST_NEO4J_URI")
    if external:
        yield external
        return
    fetch_jars()
    local = LocalNeo4j(tmp_path_factory.mktemp("neo4j"), free_port(), heap_mb=768,
                       pagecache_mb=128)
    local.start(watch_stdin=True)
    yield f"bolt://127.0.0.1:{local.port}"
    local.stop()


def make_settings(uri: str, data_dir: Path, **extra: str) -> Settings:
    """Settings for a test app pointed at the given Neo4j."""
    # rate limits off unless a test sets them: the suite sends thousands of requests at once
    env = {"NEO4J_URI": uri, "KB_DATA_DIR": str(data_dir), "KB_RATE_LIMIT_ANONYMOUS": "off",
           "KB_RATE_LIMIT_KEYED": "off", **extra}
    return load_settings(env)


@pytest.fixture(scope="session")
def settings(neo4j_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(neo4j_uri, tmp_path_factory.mktemp("kbdata"))


@pytest.fixture(scope="session")
def app(settings: Settings) -> Iterator[Flask]:
    application = create_app(settings)
    application.config["TESTING"] = True
    db: Database = application.extensions["kb.db"]
    apply_schema(db, get_model())
    yield application
    db.close()


@pytest.fixture(scope="session")
def db(app: Flask) -> Database:
    database: Database = app.extensions["kb.db"]
    return database


@pytest.fixture(scope="session")
def api_keys(db: Database) -> dict[str, str]:
    """One key per role, made once per session (wipes keep API keys)."""
    from kb.auth import create_key

    return {role: create_key(db, role, f"test {role}")[0] for role in ("reader", "editor", "admin")}


@pytest.fixture
def client(app: Flask, api_keys: dict[str, str]) -> FlaskClient:
    """A test client that sends the editor key unless a test sets its own header."""
    test_client = app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_keys['editor']}"
    return test_client


@pytest.fixture
def anonymous(app: Flask) -> FlaskClient:
    """A test client that sends no key."""
    return app.test_client()


class KB:
    """Test helper over the real database: reset it, load records, count what is there."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def wipe(self) -> None:
        from kb.queries.writes import wipe

        self.db.write_tx(wipe)

    def load(self, records: list[dict[str, Any]]) -> None:
        """Load records (entity/relation dicts) through the bulk loader."""
        from kb.ingest import load_records

        load_records(self.db, [(f"test#{i}", r) for i, r in enumerate(records, 1)])

    def counts(self) -> tuple[int, int]:
        """(nodes, relationships) in the database."""
        nodes = self.db.read("MATCH (n:Entity) RETURN count(n) AS n")[0]["n"]
        rels = self.db.read("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"]
        return int(nodes), int(rels)


# What the database looked like right after the seed data was loaded (see seeded_kb).
_seeded: dict[str, Any] = {"fingerprint": None}


def fingerprint(db: Database) -> tuple[int, int, int]:
    """(nodes, relationships, sum of entity versions): any write changes one of them
    (a write adds an audit entry or a relation, or bumps a version)."""
    row = db.read("""
        MATCH (n) WITH count(n) AS nodes, sum(coalesce(n.version, 0)) AS versions
        CALL () { MATCH ()-[r]->() RETURN count(r) AS rels }
        RETURN nodes, rels, versions""")[0]
    return int(row["nodes"]), int(row["rels"]), int(row["versions"])

BASE_RECORDS: list[dict[str, Any]] = [
    {"entity": "Source", "id": "example-source", "kind": "news_report", "name": "Example source"},
]


@pytest.fixture
def empty_kb(db: Database) -> KB:
    """A database holding only the Domains, States, and one Source (example-source)."""
    from kb.generated import generated_records

    kb = KB(db)
    kb.wipe()
    kb.load(generated_records() + BASE_RECORDS)
    return kb


@pytest.fixture
def seeded_kb(db: Database) -> KB:
    """A database holding exactly seed_data/, reloaded whenever anything changed it since.

    Tests using this fixture should not write (tests that write use empty_kb); one that
    does only costs the next seeded test a reload.
    """
    from kb.ingest import load_directory
    from kb.settings import PROJECT_ROOT

    kb = KB(db)
    if fingerprint(db) != _seeded["fingerprint"]:
        kb.wipe()
        load_directory(db, PROJECT_ROOT / "seed_data")
        _seeded["fingerprint"] = fingerprint(db)
    return kb
