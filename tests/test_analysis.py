"""Analyst queries on a small purpose-built graph (see GRAPH), against the real Neo4j."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import KB
from tests.factories import ANALYSIS_GRAPH as GRAPH
from tests.factories import S, e, history


@pytest.fixture
def graph_kb(empty_kb: KB) -> KB:
    empty_kb.load(GRAPH)
    return empty_kb


def between(client: FlaskClient, query: str) -> list[dict[str, Any]]:
    resp = client.get(f"/api/v1/mechanisms?{query}")
    assert resp.status_code == 200, resp.json
    return resp.json or []


def explained(items: list[dict[str, Any]]) -> list[tuple[str, list[tuple[str, str]]]]:
    return [(m["id"], [(a["party"], a["how"]) for a in m["match"]["actors"]]) for m in items]


def test_hierarchy_downwards_direct_first(client: FlaskClient, graph_kb: KB) -> None:
    items = between(client, "between=iaf&between=VKS&as_of=2018")
    assert explained(items) == [("m3", [("iaf", "direct"), ("vks", "direct")]),
                                ("m1", [("idf", "via_parent"), ("ruaf", "via_parent")])]
    assert items[0]["match"]["direct"] and not items[1]["match"]["direct"]


def test_hierarchy_upwards(client: FlaskClient, graph_kb: KB) -> None:
    items = between(client, "between=idf&between=ruaf&as_of=2018")
    assert explained(items) == [("m1", [("idf", "direct"), ("ruaf", "direct")]),
                                ("m3", [("iaf", "via_child"), ("vks", "via_child")])]


def test_state_level_matching(client: FlaskClient, graph_kb: KB) -> None:
    items = between(client, "between=Israel&between=Russian%20Federation&as_of=2018")
    assert {m["id"] for m in items} == {"m1", "m3"}
    assert all(a["how"] == "via_force" for m in items for a in m["match"]["actors"])
    items = between(client, "between=iaf&between=USA&as_of=2018")
    assert explained(items) == [("m2", [("ISR", "via_state"), ("USA", "direct")])]


def test_domain_and_status_filters(client: FlaskClient, graph_kb: KB) -> None:
    assert [m["id"] for m in between(client, "between=idf&between=ruaf&as_of=2018"
                                             "&domain=EW")] == ["m3"]
    assert [m["id"] for m in between(client, "between=idf&between=ruaf&as_of=2018"
                                             "&domain=maritime")] == ["m1"]
    assert [m["id"] for m in between(client, "between=idf&between=ruaf&as_of=2016-06"
                                             "&status=active")] == ["m1"]
    m1 = between(client, "between=idf&between=ruaf&as_of=2018&domain=aerial")[0]
    assert {d["id"] for d in m1["domains"]} == {"aerial", "naval"}
    assert {p["id"] for p in m1["parties"]} == {"idf", "ruaf"}


def test_as_of_before_it_existed_and_after_it_ended(client: FlaskClient, graph_kb: KB) -> None:
    assert between(client, "between=idf&between=ruaf&as_of=2015-09") == []
    early = between(client, "between=idf&between=ruaf&as_of=2015-10-07")
    assert [(m["id"], m["status_as_of"]["status"]) for m in early] == [
        ("m1", "under_negotiation")]
    late = between(client, "between=idf&between=ruaf&as_of=2021")
    # direct matches come first, whatever their status
    assert [(m["id"], m["status_as_of"]["status"]) for m in late] == [
        ("m1", "terminated"), ("m3", "active")]


def test_as_of_without_between_keeps_what_may_have_existed(client: FlaskClient,
                                                           graph_kb: KB) -> None:
    graph_kb.load([
        e("Mechanism", "m-old", name="Old line", kind="hotline", established_on="2000",
          ended_on="2005-03"),
        e("Mechanism", "m-new", name="New line", kind="hotline", established_on="2019-06")])

    def listed(query: str) -> set[str]:
        resp = client.get(f"/api/v1/mechanisms?{query}")
        assert resp.status_code == 200, resp.json
        return {m["id"] for m in resp.json or []}

    undated = {"m1", "m2", "m3"}  # no established_on/ended_on: they may exist at any date
    assert listed("as_of=2003") == undated | {"m-old"}
    assert listed("as_of=2005") == undated | {"m-old"}  # ended within 2005
    assert listed("as_of=2019-05") == undated
    assert listed("as_of=2019") == undated | {"m-new"}  # established within 2019
    assert listed("as_of=2021&kind=hotline") == {"m1", "m-new"}


def test_between_answers_narrowed_by_other_filters(client: FlaskClient, graph_kb: KB) -> None:
    both = "between=idf&between=ruaf&as_of=2018"
    assert [m["id"] for m in between(client, both)] == ["m1", "m3"]
    assert [m["id"] for m in between(client, f"{both}&q=EW%20line")] == ["m3"]
    assert [m["id"] for m in between(client, f"{both}&kind=hotline")] == ["m1"]
    assert [m["id"] for m in between(client, f"{both}&party=iaf")] == ["m3"]
    assert between(client, f"{both}&q=nothing%20like%20it") == []


def test_every_named_actor_needs_its_own_party(client: FlaskClient, graph_kb: KB) -> None:
    # m1 has two parties: three actors cannot all be matched by different ones
    assert between(client, "between=idf&between=ruaf&between=usaf&as_of=2018") == []
    # iaf and idf are both covered by idf only, so they cannot share m1
    assert between(client, "between=idf&between=iaf&as_of=2018") == []


def test_names_ambiguous_unknown_and_repeated(client: FlaskClient, graph_kb: KB) -> None:
    r1 = client.get("/api/v1/mechanisms?between=Northern%20Command&between=idf")
    assert r1.status_code == 409 and r1.json is not None
    assert r1.json["type"] == "/problems/ambiguous-name"
    assert {c["id"] for c in r1.json["candidates"]} == {"north-a", "north-b"}
    assert r1.json["errors"][0]["field"] == "between"
    r2 = client.get("/api/v1/mechanisms?between=Atlantis%20Navy&between=idf")
    assert r2.status_code == 404 and r2.content_type == "application/problem+json"
    r3 = client.get("/api/v1/mechanisms?between=idf&between=IDF")
    assert r3.status_code == 409, r3.json
    # names are case-, accent- and punctuation-insensitive
    assert between(client, "between=isra%C3%ABli%20AIR-force&between=vks&as_of=2018")


def test_paths_and_their_caps(client: FlaskClient, graph_kb: KB) -> None:
    resp = client.get("/api/v1/paths?from=golan&to=Bogdanovski")
    assert resp.status_code == 200, resp.json
    found = resp.json or []
    assert [[n["id"] for n in p["nodes"]] for p in found] == [["golan", "ev1", "bogd"]]
    assert [x["type"] for x in found[0]["relations"]] == ["PARTICIPATED_IN", "PARTICIPATED_IN"]
    assert client.get("/api/v1/paths?from=golan&to=bogd&max_hops=1").json == []
    forces_only = client.get("/api/v1/paths?from=golan&to=bogd&via=Force&max_hops=4").json
    assert forces_only == []  # idf and ruaf meet only through a Mechanism or an Event
    assert client.get("/api/v1/paths?from=golan&to=bogd&max_hops=7").status_code == 422
    assert client.get("/api/v1/paths?from=golan&to=bogd&limit=26").status_code == 422


def test_path_from_an_entity_to_itself_has_no_relations(client: FlaskClient,
                                                        graph_kb: KB) -> None:
    resp = client.get("/api/v1/paths?from=idf&to=Israel Defense Forces")
    assert resp.status_code == 200, resp.json
    [path] = resp.json or []
    assert (path["length"], path["relations"]) == (0, [])
    assert [(n["id"], n["name"]) for n in path["nodes"]] == [("idf", "Israel Defense Forces")]


def test_graph_neighbourhood_and_cap(client: FlaskClient, graph_kb: KB) -> None:
    resp = client.get("/api/v1/graph?center=m1&depth=1&as_of=2018")
    assert resp.status_code == 200, resp.json
    g = resp.json
    assert g is not None and not g["truncated"]
    assert {n["id"] for n in g["nodes"]} == {"m1", "idf", "ruaf", "aerial", "naval", "ev1"}
    assert {(x["source"], x["type"], x["target"]) for x in g["edges"]} >= {
        ("idf", "PARTY_TO", "m1"), ("m1", "COVERS", "aerial")}
    ids = {n["id"] for n in g["nodes"]}
    assert all(x["source"] in ids and x["target"] in ids for x in g["edges"])
    cut = client.get("/api/v1/graph?center=m1&depth=3&limit=4").json
    assert cut is not None and cut["truncated"] and len(cut["nodes"]) == 4
    forces = client.get("/api/v1/graph?center=m1&depth=1&entity_kind=Force").json
    assert forces is not None and {n["id"] for n in forces["nodes"]} == {"m1", "idf", "ruaf"}
    assert client.get("/api/v1/graph?center=m1&depth=4").status_code == 422
    assert client.get("/api/v1/graph?center=m1&limit=501").status_code == 422


def test_timeline_in_date_order_with_precision(client: FlaskClient, graph_kb: KB) -> None:
    resp = client.get("/api/v1/timeline?entity=m1&entity=golan")
    assert resp.status_code == 200, resp.json
    items = [(i["date"], i["what"], i.get("status"), i["precision"]) for i in resp.json or []]
    assert items == [
        ("2014-12", "post", None, "month"),
        ("2015-10-06", "event", None, "day"),
        ("2015-10-06", "status_change", "under_negotiation", "day"),
        ("2016-01", "status_change", "active", "month"),
        ("2020-05", "status_change", "terminated", "month"),
    ]
    window = client.get("/api/v1/timeline?entity=m1&from_date=2016&to_date=2019").json or []
    assert [i["status"] for i in window] == ["active"]
    only = client.get("/api/v1/timeline?entity=golan&what=post").json or []
    assert [i["what"] for i in only] == ["post"]


def test_search_ranks_and_tolerates_typos(client: FlaskClient, graph_kb: KB) -> None:
    for q, expected in (("Bogdanovsky", "bogd"), ("bogdanovski", "bogd"),
                        ("Netanjahu", "bibi"), ("Netanyáhu", "bibi"), ("aerospace", "vks")):
        resp = client.get("/api/v1/search", query_string={"q": q})
        assert resp.status_code == 200, resp.json
        hits = resp.json or []
        assert hits and hits[0]["id"] == expected, (q, hits)
        assert {"entity", "id", "name", "score", "matched"} <= set(hits[0])
    only = client.get("/api/v1/search?q=golan&entity_kind=Force")
    assert only.status_code == 200 and only.json == [], only.json


def test_gap_found_then_closed_by_a_mechanism(client: FlaskClient, graph_kb: KB) -> None:
    resp = client.get("/api/v1/gaps?theatre=theatre-x&domain=air&as_of=2018&level=force")
    assert resp.status_code == 200, resp.json
    gaps = {tuple(f["id"] for f in g["forces"]): g for g in resp.json or []}
    assert set(gaps) == {("iaf", "usaf"), ("usaf", "vks")}  # iaf-vks is covered by m1
    assert [m["id"] for m in gaps[("iaf", "usaf")]["mechanisms_missing_domain_or_inactive"]] == [
        "m2"]  # exists, but covers only land
    evidence = gaps[("usaf", "vks")]["forces"][1]["evidence"]
    assert evidence[0]["operation"] == "op-ru" and evidence[0]["sources"]

    # once m1 has ended, the Israeli-Russian pair is a gap again
    later = client.get("/api/v1/gaps?theatre=theatre-x&domain=aerial&as_of=2021"
                       "&level=force").json or []
    assert ("iaf", "vks") in {tuple(f["id"] for f in g["forces"]) for g in later}

    new = {"id": "us-ru-air", "name": "US-Russia air line", "kind": "hotline", "sources": S,
           "status_history": history(("active", "2015-10-20"))}
    assert client.post("/api/v1/mechanisms", json=new).status_code == 201
    for body in ({"type": "PARTY_TO", "from": "USA", "to": "us-ru-air", "sources": S},
                 {"type": "PARTY_TO", "from": "RUS", "to": "us-ru-air", "sources": S},
                 {"type": "COVERS", "from": "us-ru-air", "to": "aerial", "sources": S}):
        assert client.post("/api/v1/relations", json=body).status_code == 201
    after = client.get("/api/v1/gaps?theatre=theatre-x&domain=aerial&as_of=2018"
                       "&level=force").json or []
    assert [tuple(f["id"] for f in g["forces"]) for g in after] == [("iaf", "usaf")]


def test_dossier_connects_two_actors(client: FlaskClient, graph_kb: KB) -> None:
    resp = client.get("/api/v1/dossier?between=IDF&between=ruaf&as_of=2018")
    assert resp.status_code == 200, resp.json
    d = resp.json
    assert d is not None
    assert [m["mechanism"]["id"] for m in d["mechanisms"]] == ["m1", "m3"]
    assert [ev["id"] for ev in d["events"]] == ["ev1"]
    assert {p["id"] for p in d["officials"]} == {"golan", "bogd"}
    shared = d["operations_in_shared_theatres"]
    assert [(s["theatre"], [o["id"] for o in s["first"]], [o["id"] for o in s["second"]])
            for s in shared] == [("theatre-x", ["op-il"], ["op-ru"])]
    assert client.get("/api/v1/dossier?between=idf").status_code == 422
