"""Integrity under concurrency and in imports: locks, acyclic hierarchies, read-only kinds,
and bodies over the limit. Races run many rounds in threads against the real Neo4j."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import KB
from tests.factories import e, r

ROUNDS = 25


def race(first: Callable[[], Any], second: Callable[[], Any]) -> tuple[Any, Any]:
    """Run two calls at the same moment in two threads; their results."""
    start = threading.Barrier(2)

    def go(call: Callable[[], Any]) -> Any:
        start.wait()
        return call()

    with ThreadPoolExecutor(2) as pool:
        a, b = pool.submit(go, first), pool.submit(go, second)
        return a.result(), b.result()


def editor(app: Flask, api_keys: dict[str, str]) -> FlaskClient:
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_keys['editor']}"
    return c


def dangling_citations(kb: KB) -> list[str]:
    rows = kb.db.read("""
        MATCH (n:Entity) UNWIND coalesce(n.sources, []) AS s
        WITH n, s WHERE NOT EXISTS { MATCH (:Source {id: s}) } RETURN n.id + ' -> ' + s AS d""")
    return [row["d"] for row in rows]


def test_a_source_cannot_be_deleted_while_a_write_cites_it(
        app: Flask, api_keys: dict[str, str], empty_kb: KB) -> None:
    statuses: set[tuple[int, int]] = set()
    for n in range(ROUNDS):
        source, force = f"src-{n}", f"force-{n}"
        empty_kb.load([e("Source", source, kind="dataset"), e("Force", force, kind="unit")])
        a, b = editor(app, api_keys), editor(app, api_keys)
        patched, deleted = race(
            partial(a.patch, f"/api/v1/forces/{force}",
                    json={"sources": ["example-source", source]}),
            partial(b.delete, f"/api/v1/sources/{source}"))
        statuses.add((patched.status_code, deleted.status_code))
        assert patched.status_code < 500 and deleted.status_code < 500
        assert dangling_citations(empty_kb) == [], (n, patched.json, deleted.status_code)
    # either the delete went first (the patch then cites nothing: 409) or the patch did
    # (the source is cited: 409): never both succeeding
    assert statuses <= {(200, 409), (409, 204)}, statuses


def test_a_relation_cannot_be_made_to_an_entity_being_deleted(
        app: Flask, api_keys: dict[str, str], empty_kb: KB) -> None:
    statuses: set[tuple[int, int]] = set()
    for n in range(ROUNDS):
        a_id, b_id = f"unit-{n}", f"army-{n}"
        empty_kb.load([e("Force", a_id, kind="unit"), e("Force", b_id, kind="armed_forces")])
        a, b = editor(app, api_keys), editor(app, api_keys)
        created, deleted = race(
            partial(a.post, "/api/v1/relations", json=r("PART_OF", a_id, b_id)),
            partial(b.delete, f"/api/v1/forces/{b_id}"))
        statuses.add((created.status_code, deleted.status_code))
        assert created.status_code in (201, 409), created.json
        assert deleted.status_code == 204, deleted.json
        left = empty_kb.db.read("MATCH (:Force {id: $a})-[p:PART_OF]->() RETURN count(p) AS n",
                                a=a_id)[0]["n"]
        assert left == 0  # deleted with its end, or never made
    assert statuses, statuses


def test_hierarchies_stay_acyclic(client: FlaskClient, empty_kb: KB) -> None:
    empty_kb.load([e("Force", x, kind="unit") for x in ("a", "b", "c")]
                  + [r("PART_OF", "a", "b"), r("PART_OF", "b", "c")])
    itself = client.post("/api/v1/relations", json=r("PART_OF", "a", "a"))
    assert itself.status_code == 409, itself.json
    loop = client.post("/api/v1/relations", json=r("PART_OF", "c", "a"))
    assert loop.status_code == 409, loop.json
    assert "loop" in loop.json["detail"]
    assert empty_kb.db.read("MATCH (:Force {id: 'c'})-[p:PART_OF]->() RETURN count(p) AS n"
                            )[0]["n"] == 0
    imported = client.post("/api/v1/import", json=[r("PART_OF", "c", "a")])
    assert imported.status_code == 409, imported.json
    fine = client.post("/api/v1/relations", json=r("SUCCESSOR_OF", "c", "b"))
    assert fine.status_code == 201, fine.json  # another type: no loop


def test_an_import_cannot_create_or_change_a_domain(client: FlaskClient, empty_kb: KB) -> None:
    seventh = client.post("/api/v1/import", json=[
        {"entity": "Domain", "id": "underwater", "name": "Underwater"}])
    assert seventh.status_code == 409, seventh.json
    assert seventh.json["errors"][0]["message"] == "Domain is read-only"
    renamed = client.post("/api/v1/import", json=[
        {"entity": "Domain", "id": "aerial", "name": "Air"}])
    assert renamed.status_code == 409, renamed.json
    assert client.get("/api/v1/domains/aerial").json["name"] == "Aerial"
    # a backup holds the Domains as they are: repeating them unchanged is fine
    exported = [json.loads(line) for line in
                client.get("/api/v1/export").get_data(as_text=True).splitlines()]
    domains = [rec for rec in exported if rec.get("entity") == "Domain"]
    again = client.post("/api/v1/import", json=domains)
    assert again.status_code == 200, again.json
    assert again.json["totals"] == {"unchanged": len(domains)}


def _ndjson(n: int) -> bytes:
    return "".join(json.dumps({"entity": "Source", "id": f"chunk-{i}", "name": f"Chunk {i}",
                               "kind": "dataset"}) + "\n" for i in range(n)).encode()


IMPORT_LIMIT = 64 * 1024  # KB_MAX_IMPORT_BYTES in the tests below
BODY_LIMIT = 4096  # KB_MAX_BODY_BYTES in the tests below


@pytest.fixture
def small_limits(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app with body limits small enough to pass in a test."""
    settings = replace(app.config["KB_SETTINGS"], max_body_bytes=BODY_LIMIT,
                       max_import_bytes=IMPORT_LIMIT)
    monkeypatch.setitem(app.config, "KB_SETTINGS", settings)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", BODY_LIMIT)


def test_a_chunked_body_over_the_limit_is_refused_whole(
        client: FlaskClient, empty_kb: KB, small_limits: None) -> None:
    body = _ndjson(IMPORT_LIMIT // 60 + 10)
    assert len(body) > IMPORT_LIMIT

    def chunked(data: bytes) -> Any:
        return client.post("/api/v1/import", input_stream=io.BytesIO(data),
                           headers={"Content-Type": "application/x-ndjson",
                                    "Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})

    refused = chunked(body)
    assert refused.status_code == 413, refused.json
    assert "KB_MAX_IMPORT_BYTES" in refused.json["detail"], refused.json
    assert client.get("/api/v1/sources?q=chunk").headers["X-Total-Count"] == "0"
    small = chunked(_ndjson(3))
    assert small.status_code == 200, small.json
    assert small.json["totals"]["created"] == 3


def test_an_ndjson_import_may_be_larger_than_other_bodies(
        client: FlaskClient, empty_kb: KB, small_limits: None) -> None:
    body = _ndjson(200)  # about 18 KB: over the body limit, under the import limit
    assert BODY_LIMIT < len(body) < IMPORT_LIMIT
    taken = client.post("/api/v1/import", data=body, content_type="application/x-ndjson")
    assert taken.status_code == 200, taken.json
    assert taken.json["totals"] == {"created": 200}
    # a JSON array is parsed whole in memory: it keeps the limit of every other body
    records = [json.loads(line) for line in body.splitlines()]
    array = client.post("/api/v1/import", json=records)
    assert array.status_code == 413, array.json
    assert "KB_MAX_BODY_BYTES" in array.json["detail"], array.json
    # and so does every other body, an entity's included
    entity = client.post("/api/v1/sources", json={"id": "big", "name": "x" * BODY_LIMIT,
                                                  "kind": "dataset"})
    assert entity.status_code == 413, entity.json
    # an NDJSON body sent with its length over the import limit is refused before reading
    large = client.post("/api/v1/import", data=_ndjson(IMPORT_LIMIT // 60 + 10),
                        content_type="application/x-ndjson")
    assert large.status_code == 413, large.json
    assert large.content_type == "application/problem+json"
    assert "KB_MAX_IMPORT_BYTES" in large.json["detail"], large.json
    assert client.get("/api/v1/sources?q=chunk").headers["X-Total-Count"] == "200"
