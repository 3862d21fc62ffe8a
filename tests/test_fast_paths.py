"""The speed-ups of issue 13 give the same answers as the generic paths they replace:
relation summaries dumped field by field, orjson bodies, coverage restricted to parties,
pairs of actors matched only on the targets both reach."""

from __future__ import annotations

import itertools
import json
from functools import partial
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from marshmallow import fields

from kb.db import Database
from kb.model import get_model
from kb.queries import collected, coverage, explore
from kb.queries.asof import asof_params
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


def test_upserts_report_every_row_though_created_rows_are_only_counted(
        db: Database, empty_kb: KB) -> None:
    from kb.errors import Conflict
    from kb.queries import writes
    from kb.records import entity_props, relation_props

    def entity(i: str, name: str) -> dict[str, Any]:
        return {"id": i, "props": entity_props({"id": i, "name": name, "kind": "unit"})}

    def rel(a: str, b: str, note: str) -> dict[str, Any]:
        props = relation_props("PART_OF", {"from": a, "to": b, "note": note})
        return {"id": props["id"], "from": a, "to": b, "props": props}

    now = "2026-11-26T00:00:00Z"
    first = db.write_tx(lambda tx: writes.merge_entities(
        tx, "Force", [entity("f1", "One"), entity("f2", "Two"), entity("f1", "One"),
                      entity("f3", "Three")], now))
    # one outcome per row, in order (kb.ingest keeps the first of a repeated id)
    assert [(i, o) for i, o, _ in first[:2]] == [("f1", "created"), ("f2", "created")]
    assert len(first) == 4 and first[2][0] == "f1"
    second = db.write_tx(lambda tx: writes.merge_entities(
        tx, "Force", [entity("f1", "One"), entity("f2", "Deux")], now))
    assert [(i, o) for i, o, _ in second] == [("f1", "unchanged"), ("f2", "updated")]
    assert second[1][2] is not None and second[1][2]["name"] == "Two"  # what it replaced
    rels = db.write_tx(lambda tx: writes.merge_relations(
        tx, "PART_OF", [rel("f1", "f2", "a"), rel("f2", "f3", "a")], now))
    assert [o for _, o, _ in rels] == ["created", "created"]
    rels = db.write_tx(lambda tx: writes.merge_relations(
        tx, "PART_OF", [rel("f2", "f3", "a"), rel("f1", "f2", "b")], now))
    assert [(i, o) for i, o, _ in rels] == [(rel("f2", "f3", "a")["id"], "unchanged"),
                                            (rel("f1", "f2", "b")["id"], "updated")]
    assert rels[1][2] is not None and rels[1][2]["note"] == "a"
    # a row whose end is missing is refused whole: nothing of the statement stays
    try:
        db.write_tx(lambda tx: writes.merge_relations(
            tx, "PART_OF", [rel("f3", "f1", "c"), rel("f1", "nowhere", "d")], now))
        raise AssertionError("a missing end was not refused")
    except Conflict as exc:
        assert "deleted meanwhile" in str(exc)
    left = db.read("MATCH (:Force {id: 'f3'})-[r:PART_OF]->() RETURN count(r) AS n")
    assert left[0]["n"] == 0


def _every_presence(tx: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    return collected(tx, explore.PRESENCE, theatre=None, domain=None, **params)


def test_presence_of_the_dossiers_actors_is_the_presence_of_the_world_narrowed(
        db: Database, seeded_kb: KB) -> None:
    conducting = sorted({r["id"] for r in db.read(
        "MATCH (f:Entity)-[:CONDUCTS]->(:Operation) RETURN f.id AS id")})
    actors = ["ISR", "RUS", "USA", "idf", "ru-armed-forces", "israeli-air-force"]
    compared = 0
    for day in ("2015-09-30", "2019", "2024-06-01"):
        params = asof_params(day)
        world = db.read_tx(partial(_every_presence, params=params))
        cov = db.read_tx(partial(coverage.coverage, actors=actors, asof=day))
        for forces in [*([c] for c in conducting), *(sorted(cov[a]) for a in actors)]:
            narrowed = db.read_tx(partial(explore.presence_of, forces=forces, params=params))
            assert narrowed == [r for r in world if r["force"] in forces], (day, forces)
            compared += len(narrowed)
    assert conducting and compared > 20  # the seed's operations, found from their forces


def _all_pair_matches(db: Database, label: str, actors: list[str], day: str
                      ) -> dict[tuple[str, str], dict[str, Any]]:
    from kb.coverage import PartyIndex, _matches

    def work(tx: Any) -> dict[tuple[str, str], dict[str, Any]]:
        cov = coverage.coverage(tx, actors, day, parties_only=True)
        parties = sorted({p for found in cov.values() for p in found})
        index = PartyIndex(coverage.parties_of_targets(tx, label, parties, asof_params(day)))
        return {(a, b): _matches([a, b], cov, index)
                for a, b in itertools.combinations(actors, 2)}
    return db.read_tx(work)


@pytest.mark.parametrize("label", ["Mechanism", "Agreement"])
def test_pairs_are_matched_on_the_targets_both_reach_as_on_every_target(
        db: Database, seeded_kb: KB, monkeypatch: pytest.MonkeyPatch, label: str) -> None:
    from kb.coverage import PartyIndex
    from kb.stats import top_actors

    compared, matched = 0, 0
    for level, day in (("state", "2016-06"), ("force", "2019"), ("state", "1995")):
        actors = [a["id"] for a in top_actors(db, level, 20, day)]
        pruned = _all_pair_matches(db, label, actors, day)
        with monkeypatch.context() as m:  # every target tried for every pair, as before
            m.setattr(PartyIndex, "reachable", lambda self, covered: set(self.by_target))
            every = _all_pair_matches(db, label, actors, day)
        assert pruned == every, (level, day)
        compared += len(pruned)
        matched += sum(1 for found in pruned.values() if found)
    assert compared == 3 * 190 and matched > 10  # 20 actors a time, some pairs matched


def test_neighbours_keep_the_first_nodes_by_name_of_every_neighbour(
        db: Database, seeded_kb: KB) -> None:
    hubs = [r["id"] for r in db.read(
        "MATCH (n:Entity) RETURN n.id AS id ORDER BY COUNT { (n)--() } DESC, id LIMIT 25")]
    kinds = list(get_model().entities)
    for day in ("2016-06", "2024"):
        params = asof_params(day)
        for hub in hubs:
            every = db.read_tx(partial(explore.neighbours, visited=[hub], kinds=kinds,
                                       params=params, limit=10_000))
            keys = [(n["name"], n["id"]) for n in every]
            assert keys == sorted(keys) and len({n["id"] for n in every}) == len(every), hub
            first = db.read_tx(partial(explore.neighbours, visited=[hub], kinds=kinds,
                                       params=params, limit=5))
            assert first == every[:5], (hub, day)
    assert len(every) > 5  # the hubs have more neighbours than the limit keeps
