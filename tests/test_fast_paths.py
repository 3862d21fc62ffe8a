"""The speed-ups of issue 13 give the same answers as the generic paths they replace:
relation summaries dumped field by field, orjson bodies, coverage restricted to parties."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from marshmallow import fields

from kb.db import Database
from kb.model import get_model
from kb.queries import coverage
from kb.schemas import RelationSummaries, RelationSummarySchema
from tests.conftest import KB

GENERIC = fields.List(fields.Nested(RelationSummarySchema))


def _every_entity(db: Database) -> list[tuple[str, str]]:
    rows = db.read("MATCH (n:Entity) RETURN n.id AS id, labels(n) AS labels ORDER BY id")
    kinds = set(get_model().entities)
    return [(r["id"], next(label for label in r["labels"] if label in kinds)) for r in rows]


def test_relation_summaries_dump_as_the_generic_schema_for_every_seed_entity(
        app: Flask, db: Database, seeded_kb: KB) -> None:
    from kb.store import Store

    store, fast, compared = Store(db), RelationSummaries(), 0
    for entity_id, label in _every_entity(db):
        entity = store.get(label, entity_id)
        assert fast.serialize("relations", entity) == GENERIC.serialize("relations", entity), \
            entity_id
        compared += len(entity["relations"])
    assert compared > 1000  # the seed's relations, seen from both ends


def test_relation_summaries_drop_undeclared_keys_and_convert_like_marshmallow() -> None:
    odd: dict[str, Any] = {"relations": [
        {"id": "r1", "type": "PARTY_TO", "direction": "out", "other": {"id": "x"},
         "role": None, "confidence": 2, "sources": ["s1"], "search_key": "|hidden|"},
        {"id": "r2", "type": "HOLDS_POST"},
    ]}
    dumped = RelationSummaries().serialize("relations", odd)
    assert dumped == GENERIC.serialize("relations", odd)
    assert "search_key" not in dumped[0] and dumped[0]["confidence"] == "2"
    assert RelationSummaries().serialize("relations", {"relations": None}) is None


def test_entity_get_body_is_the_generic_dump(client: FlaskClient, seeded_kb: KB) -> None:
    r = client.get("/api/v1/persons/yair-golan")
    assert r.status_code == 200, r.json
    assert r.json["relations"] == GENERIC.serialize("relations", r.json)
    assert len(r.json["relations"]) >= 3


def test_bodies_keep_non_ascii_text_and_key_order(client: FlaskClient, seeded_kb: KB) -> None:
    r = client.get("/api/v1/persons/yair-golan")
    assert r.status_code == 200, r.json
    raw = r.get_data(as_text=True)
    hebrew = [a for a in r.json["aliases"] if any("\u0590" <= ch <= "\u05ff" for ch in a)]
    assert hebrew and hebrew[0] in raw  # as UTF-8 text, not \\u escapes
    assert list(json.loads(raw)) == list(r.json)


def test_values_orjson_refuses_still_serialize(app: Flask) -> None:
    odd = {"surrogate": "a\ud800b", "big": 2**70}
    text = app.json.dumps(odd)
    assert json.loads(text) == odd
    text.encode("utf-8")  # a body that can be sent


def test_coverage_of_parties_is_the_coverage_of_those_party_to_something(
        db: Database, seeded_kb: KB) -> None:
    party_to = {r["id"] for r in db.read(
        "MATCH (p:Entity) WHERE EXISTS { (p)-[:PARTY_TO]->() } RETURN p.id AS id")}
    actors = ["ISR", "RUS", "USA", "idf", "ru-armed-forces", "israeli-air-force"]
    full = db.read_tx(lambda tx: coverage.coverage(tx, actors, "2016-06-01"))
    parties = db.read_tx(lambda tx: coverage.coverage(tx, actors, "2016-06-01",
                                                      parties_only=True))
    for actor in actors:
        expected = {p: way for p, way in full[actor].items() if p in party_to}
        assert parties[actor] == expected, actor
    assert sum(len(full[a]) for a in actors) > sum(len(parties[a]) for a in actors) > 0
