"""Entity collections against the real Neo4j: CRUD per kind, validation, pagination."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from flask.testing import FlaskClient

from kb.model import get_model
from tests.conftest import KB

WRITABLE = [k for k in get_model().entities.values() if not k.read_only and k.label != "State"]


def example(label: str) -> dict[str, Any]:
    return copy.deepcopy(get_model().entities[label].example)


@pytest.mark.parametrize("kind", WRITABLE, ids=lambda k: k.label)
def test_create_read_update_delete_every_kind(client: FlaskClient, empty_kb: KB, kind: Any) -> None:
    body = example(kind.label)
    base = f"/api/v1/{kind.path}"
    nodes_before, _ = empty_kb.counts()

    r = client.post(base, json=body)
    assert r.status_code == 201, r.json
    assert r.headers["Location"] == f"{base}/{body['id']}"
    assert r.json is not None and r.json["version"] == 1 and r.json["entity"] == kind.label

    got = client.get(f"{base}/{body['id']}").json
    assert got is not None
    for key, value in body.items():
        assert got[key] == value, key
    listed = client.get(base, query_string={"page_size": 500}).json
    assert body["id"] in [item["id"] for item in listed or []]

    replaced = {**body, "name": body["name"] + " (renamed)", "description": "replaced"}
    r = client.put(f"{base}/{body['id']}", json=replaced)
    assert r.status_code == 200, r.json
    assert r.json is not None and r.json["version"] == 2 and r.json["name"].endswith("(renamed)")

    r = client.patch(f"{base}/{body['id']}", json={"aliases": ["Alt name"], "description": None})
    assert r.status_code == 200, r.json
    assert r.json is not None and r.json["version"] == 3
    assert r.json["aliases"] == ["Alt name"] and "description" not in r.json
    assert r.json["name"] == replaced["name"]

    assert client.delete(f"{base}/{body['id']}").status_code == 204
    assert client.get(f"{base}/{body['id']}").status_code == 404
    assert empty_kb.counts()[0] == nodes_before


def test_states_are_iso_codes(client: FlaskClient, empty_kb: KB) -> None:
    assert client.get("/api/v1/states/ISR").json["name"] == "Israel"  # type: ignore[index]
    assert client.get("/api/v1/states/SUN").json["aliases"][:2] == ["USSR", "Soviet Union"]  # type: ignore[index]
    r = client.post("/api/v1/states", json={"id": "XXX", "name": "Nowhere"})
    assert r.status_code == 422
    assert r.json is not None and r.json["errors"][0]["field"] == "id"


def test_domains_are_a_fixed_read_only_vocabulary(client: FlaskClient, empty_kb: KB) -> None:
    r = client.get("/api/v1/domains")
    assert r.status_code == 200
    ids = {d["id"] for d in r.json or []}
    assert ids == {"aerial", "naval", "land", "electro-magnetic", "cyber", "space"}
    assert client.post("/api/v1/domains", json={"id": "x", "name": "X"}).status_code == 405
    assert client.delete("/api/v1/domains/aerial").status_code == 405
    assert "EW" in client.get("/api/v1/domains/electro-magnetic").json["aliases"]  # type: ignore[index]


FORCE = {"id": "test-force", "name": "Test Force", "kind": "armed_forces",
         "sources": ["example-source"]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"colour": "green"}, "colour"),                 # unknown field
        ({"name": 42}, "name"),                          # wrong type
        ({"name": None}, "name"),                        # required, null
        ({"kind": "navy"}, "kind"),                      # not in the vocabulary
        ({"founded_on": "2015-13"}, "founded_on"),       # no month 13
        ({"founded_on": "2015-02-30"}, "founded_on"),    # no such day
        ({"founded_on": "15"}, "founded_on"),            # not a partial date
        ({"founded_on": "2016", "dissolved_on": "2015-05"}, "dissolved_on"),  # runs backwards
        ({"id": "Not A Slug"}, "id"),
        ({"aliases": "IDF"}, "aliases"),                 # a string, not a list
    ],
)
def test_bad_entity_input_is_rejected_and_writes_nothing(
    client: FlaskClient, empty_kb: KB, change: dict[str, Any], field: str
) -> None:
    before = empty_kb.counts()
    r = client.post("/api/v1/forces", json={**FORCE, **change})
    assert r.status_code == 422, r.json
    assert r.content_type == "application/problem+json"
    assert r.json is not None
    assert field in [e["field"] for e in r.json["errors"]], r.json
    assert empty_kb.counts() == before


@pytest.mark.parametrize("sources", [["no-such-source"], ["ISR"]])  # absent; not a Source
def test_sources_that_are_not_stored_sources_conflict(
    client: FlaskClient, empty_kb: KB, sources: list[str]
) -> None:
    before = empty_kb.counts()
    r = client.post("/api/v1/forces", json={**FORCE, "sources": sources})
    assert r.status_code == 409, r.json
    assert r.json is not None and r.json["type"] == "/problems/unresolved-reference"
    assert [e["field"] for e in r.json["errors"]] == ["sources"], r.json
    assert empty_kb.counts() == before


def test_missing_required_field_is_named(client: FlaskClient, empty_kb: KB) -> None:
    r = client.post("/api/v1/forces", json={"id": "x", "name": "X"})
    assert r.status_code == 422
    assert r.json is not None and r.json["errors"] == [
        {"field": "kind", "location": "json", "message": "Missing data for required field."}]


def test_duplicate_id_is_a_conflict_across_kinds(client: FlaskClient, empty_kb: KB) -> None:
    assert client.post("/api/v1/forces", json=FORCE).status_code == 201
    before = empty_kb.counts()
    r = client.post("/api/v1/forces", json=FORCE)
    assert r.status_code == 409 and r.json is not None and r.json["errors"][0]["field"] == "id"
    place = {"id": FORCE["id"], "name": "A place", "kind": "city", "sources": ["example-source"]}
    assert client.post("/api/v1/places", json=place).status_code == 409
    assert empty_kb.counts() == before


def test_put_and_patch_checks(client: FlaskClient, empty_kb: KB) -> None:
    assert client.put("/api/v1/forces/nope", json=FORCE | {"id": "nope"}).status_code == 404
    assert client.patch("/api/v1/forces/nope", json={"name": "x"}).status_code == 404
    assert client.post("/api/v1/forces", json=FORCE).status_code == 201
    r = client.put("/api/v1/forces/test-force", json=FORCE | {"id": "other"})
    assert r.status_code == 422 and r.json is not None and r.json["errors"][0]["field"] == "id"
    r = client.patch("/api/v1/forces/test-force", json={"kind": "navy"})
    assert r.status_code == 422 and r.json is not None and r.json["errors"][0]["field"] == "kind"
    r = client.patch("/api/v1/forces/test-force", json={"name": None})
    assert r.status_code == 422 and r.json is not None and r.json["errors"][0]["field"] == "name"
    # a GET body can be sent back as is: read-only fields are ignored
    current = client.get("/api/v1/forces/test-force").json
    r = client.put("/api/v1/forces/test-force", json=current)
    assert r.status_code == 200 and r.json is not None and r.json["version"] == 1  # unchanged


def test_unchanged_write_keeps_the_version(client: FlaskClient, empty_kb: KB) -> None:
    assert client.post("/api/v1/forces", json=FORCE).status_code == 201
    r = client.put("/api/v1/forces/test-force", json=FORCE)
    assert r.status_code == 200 and r.json is not None and r.json["version"] == 1


def test_cited_source_cannot_be_deleted(client: FlaskClient, empty_kb: KB) -> None:
    assert client.post("/api/v1/forces", json=FORCE).status_code == 201
    r = client.delete("/api/v1/sources/example-source")
    assert r.status_code == 409, r.json
    assert client.delete("/api/v1/forces/test-force").status_code == 204
    assert client.delete("/api/v1/sources/example-source").status_code == 204


def _walk(client: FlaskClient, url: str) -> tuple[list[str], int]:
    ids: list[str] = []
    pages = 0
    next_url: str | None = url
    while next_url:
        r = client.get(next_url)
        assert r.status_code == 200, r.json
        ids += [item["id"] for item in r.json or []]
        pages += 1
        links = dict(
            (part.split(";")[1].strip()[5:-1], part.split(";")[0].strip()[1:-1])
            for part in r.headers.get("Link", "").split(",") if part)
        next_url = links.get("next", "").replace("http://localhost", "") or None
    return ids, pages


def test_pagination_loses_and_repeats_nothing(client: FlaskClient, empty_kb: KB) -> None:
    names = [f"Force {n:02d}" for n in range(23)]
    empty_kb.load([{"entity": "Force", "id": f"force-{n}", "name": name, "kind": "unit",
                    "sources": ["example-source"]} for n, name in enumerate(names)])
    first = client.get("/api/v1/forces?page_size=5")
    assert first.headers["X-Total-Count"] == "23"
    assert 'rel="next"' in first.headers["Link"] and 'rel="last"' in first.headers["Link"]
    ids, pages = _walk(client, "/api/v1/forces?page_size=5")
    assert pages == 5
    assert sorted(ids) == sorted(f"force-{n}" for n in range(23)) and len(set(ids)) == 23
    assert ids == [f"force-{n}" for n in range(23)]  # sorted by name by default
    desc, _ = _walk(client, "/api/v1/forces?page_size=7&sort=-name")
    assert desc == list(reversed(ids))


@pytest.mark.parametrize("query", ["sort=colour", "page=0", "page_size=501", "kind=navy",
                                   "bogus=1", "state=" + "x" * 300])
def test_bad_query_parameters_are_named(client: FlaskClient, empty_kb: KB, query: str) -> None:
    r = client.get(f"/api/v1/forces?{query}")
    assert r.status_code == 422, r.json
    assert r.json is not None
    assert query.split("=")[0] in [e["field"] for e in r.json["errors"]]
    assert r.json["errors"][0]["location"] == "query"
