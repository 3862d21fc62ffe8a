"""Relations through the API: allowed end kinds, sources, duplicates, deletion."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import KB

ENTITIES = [
    {"entity": "Force", "id": "f-idf", "name": "Israel Defense Forces", "kind": "armed_forces",
     "sources": ["example-source"]},
    {"entity": "Force", "id": "f-iaf", "name": "Israeli Air Force", "kind": "service_branch",
     "sources": ["example-source"]},
    {"entity": "Person", "id": "p-golan", "name": "Yair Golan", "sources": ["example-source"]},
]


@pytest.fixture
def small_kb(empty_kb: KB) -> KB:
    empty_kb.load(ENTITIES)
    return empty_kb


def rel(**fields: Any) -> dict[str, Any]:
    return {"sources": ["example-source"], **fields}


def test_relation_lifecycle(client: FlaskClient, small_kb: KB) -> None:
    part_of = rel(type="PART_OF", **{"from": "f-iaf", "to": "f-idf"})
    r = client.post("/api/v1/relations", json=part_of)
    assert r.status_code == 201, r.json
    created = r.json
    assert created is not None
    assert (created["from"], created["to"], created["from_kind"]) == ("f-iaf", "f-idf", "Force")
    assert r.headers["Location"] == f"/api/v1/relations/{created['id']}"

    assert client.get(f"/api/v1/relations/{created['id']}").json == created
    iaf = client.get("/api/v1/forces/f-iaf").json
    assert iaf is not None
    assert [(x["type"], x["direction"], x["other"]["id"]) for x in iaf["relations"]] == [
        ("PART_OF", "out", "f-idf")]
    idf = client.get("/api/v1/forces/f-idf").json
    assert idf is not None and idf["relations"][0]["direction"] == "in"
    assert [x["id"] for x in client.get("/api/v1/forces?part_of=f-idf").json or []] == ["f-iaf"]

    again = client.post("/api/v1/relations", json=part_of)
    assert again.status_code == 409
    assert small_kb.counts()[1] == 1

    assert client.delete(f"/api/v1/relations/{created['id']}").status_code == 204
    assert client.get(f"/api/v1/relations/{created['id']}").status_code == 404
    assert small_kb.counts()[1] == 0


def test_relation_fields_of_the_type(client: FlaskClient, small_kb: KB) -> None:
    post = rel(type="HOLDS_POST", title="Deputy Chief of the General Staff",
               valid_from="2014-12", **{"from": "p-golan", "to": "f-idf"})
    r = client.post("/api/v1/relations", json=post)
    assert r.status_code == 201, r.json
    assert r.json is not None and r.json["title"] == "Deputy Chief of the General Staff"
    # another post of the same person in the same force is another relation
    later = {**post, "title": "Chief of the General Staff", "valid_from": "2017"}
    assert client.post("/api/v1/relations", json=later).status_code == 201
    listed = client.get("/api/v1/relations?from=p-golan&type=HOLDS_POST")
    assert listed.headers["X-Total-Count"] == "2"


# 409: well-formed, but the ends or sources do not fit what is stored; 422: malformed
@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        (rel(type="PART_OF", **{"from": "f-iaf", "to": "nobody"}), "to", 409),  # missing end
        (rel(type="FORCE_OF", **{"from": "f-iaf", "to": "aerial"}), "to", 409),  # Domain not State
        (rel(type="PART_OF", **{"from": "p-golan", "to": "f-idf"}), "from", 409),  # not a Force
        (rel(type="LIKES", **{"from": "f-iaf", "to": "f-idf"}), "type", 422),  # unknown type
        (rel(type="COVERS", title="x", **{"from": "f-iaf", "to": "aerial"}), "title", 422),
        (rel(type="HOLDS_POST", **{"from": "p-golan", "to": "f-idf"}), "title", 422),  # required
        (rel(type="PARTY_TO", role="host", **{"from": "f-idf", "to": "f-iaf"}), "role", 422),
        ({"type": "PART_OF", "from": "f-iaf", "to": "f-idf"}, "sources", 422),         # no source
        (rel(type="PART_OF", sources=["nope"], **{"from": "f-iaf", "to": "f-idf"}), "sources", 409),
        (rel(type="PART_OF", valid_from="2016", valid_to="2015",
             **{"from": "f-iaf", "to": "f-idf"}), "valid_to", 422),
        (rel(type="PART_OF", valid_from="2016-02-31", **{"from": "f-iaf", "to": "f-idf"}),
         "valid_from", 422),
    ],
)
def test_bad_relations_are_rejected_and_write_nothing(
    client: FlaskClient, small_kb: KB, body: dict[str, Any], field: str, status: int
) -> None:
    before = small_kb.counts()
    r = client.post("/api/v1/relations", json=body)
    assert r.status_code == status, r.json
    assert r.content_type == "application/problem+json"
    assert r.json is not None and field in [e["field"] for e in r.json["errors"]], r.json
    assert small_kb.counts() == before


def test_unknown_relation_ids_are_404(client: FlaskClient, small_kb: KB) -> None:
    for rid in ("part_of-0000000000000000", "nonsense", "likes-1234"):
        assert client.get(f"/api/v1/relations/{rid}").status_code == 404
        assert client.delete(f"/api/v1/relations/{rid}").status_code == 404


def test_deleting_an_entity_removes_its_relations(client: FlaskClient, small_kb: KB) -> None:
    body = rel(type="PART_OF", **{"from": "f-iaf", "to": "f-idf"})
    assert client.post("/api/v1/relations", json=body).status_code == 201
    assert client.delete("/api/v1/forces/f-idf").status_code == 204
    assert small_kb.counts()[1] == 0
    assert client.get("/api/v1/forces/f-iaf").json["relations"] == []  # type: ignore[index]
