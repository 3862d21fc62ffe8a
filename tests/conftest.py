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
    env = {"NEO4J_URI": uri, "KB_DATA_DIR": str(data_dir), **extra}
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


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
