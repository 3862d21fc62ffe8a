"""Paths are searched over distinct neighbours with a budget of entities touched, so parallel
relations cannot make a search explode and a search too broad for its budget says so."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from kb import paths as kb_paths
from tests.conftest import KB
from tests.factories import e, r

PARALLEL = 30  # posts held between each person and organization on the chain


def ladder(hops: int) -> list[dict[str, Any]]:
    """A chain person-organization-person-... `hops` long, each link 30 parallel posts, plus a
    Force hanging off the first person (a dead end the search must not follow forever)."""
    nodes = [e("Person", f"p{i}") if i % 2 == 0 else e("Organization", f"o{i}", kind="ministry")
             for i in range(hops + 1)]
    links = []
    for i in range(hops):
        person, org = (f"p{i}", f"o{i + 1}") if i % 2 == 0 else (f"p{i + 1}", f"o{i}")
        links += [r("HOLDS_POST", person, org, title=f"post {n}", valid_from=f"{1990 + n}")
                  for n in range(PARALLEL)]
    return nodes + links


@pytest.fixture
def ladder_kb(empty_kb: KB) -> KB:
    empty_kb.load(ladder(6))
    return empty_kb


def test_parallel_relations_do_not_multiply_the_search(client: FlaskClient,
                                                       ladder_kb: KB) -> None:
    # 30 parallel posts on each of 6 links are 30**6 walks to a relation-level search, which
    # ran into the query timeout (503); over distinct neighbours it is 7 entities
    resp = client.get("/api/v1/paths?from=p0&to=p6&max_hops=6")
    assert resp.status_code == 200, resp.json
    [path] = resp.json
    assert [n["id"] for n in path["nodes"]] == ["p0", "o1", "p2", "o3", "p4", "o5", "p6"]
    assert path["length"] == 6
    # one relation per step, the same one every time (lowest id), pointing the stored way
    assert [x["type"] for x in path["relations"]] == ["HOLDS_POST"] * 6
    assert [(x["from"], x["to"]) for x in path["relations"][:2]] == [("p0", "o1"), ("p2", "o1")]
    again = client.get("/api/v1/paths?from=p6&to=p0&max_hops=6").json
    assert [n["id"] for n in again[0]["nodes"]] == ["p6", "o5", "p4", "o3", "p2", "o1", "p0"]


def test_no_path_within_the_hops_is_an_empty_answer(client: FlaskClient, ladder_kb: KB) -> None:
    resp = client.get("/api/v1/paths?from=p0&to=p6&max_hops=5")
    assert resp.status_code == 200, resp.json
    assert resp.json == []
    only_people = client.get("/api/v1/paths?from=p0&to=p6&via=Person")
    assert only_people.status_code == 200, only_people.json
    assert only_people.json == []


def test_a_search_past_its_budget_is_refused(client: FlaskClient, ladder_kb: KB,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kb_paths, "PATH_BUDGET", 4)
    resp = client.get("/api/v1/paths?from=p0&to=p6&max_hops=6")
    assert resp.status_code == 422, resp.json
    assert resp.json["errors"][0]["field"] == "max_hops", resp.json
    assert "more than 4 links" in resp.json["errors"][0]["message"]
    # a search that finds its answer within the budget is not refused
    assert client.get("/api/v1/paths?from=p0&to=o1").status_code == 200


def all_shortest(graph: dict[str, set[str]], a: str, b: str, max_hops: int) -> list[list[str]]:
    """Every shortest walk from a to b by plain breadth-first search (the reference answer)."""
    walks, frontier = [], [[a]]
    for _ in range(max_hops):
        frontier = [[*w, n] for w in frontier for n in sorted(graph[w[-1]]) if n not in w]
        walks = [w for w in frontier if w[-1] == b]
        if walks:
            return walks
    return []


DIAMONDS = [e("Person", x) for x in ("a", "b", "c", "d", "f", "g", "h")] + [
    e("Organization", x, kind="ministry") for x in ("m", "n", "q")] + [
    r("HOLDS_POST", "a", "m", title="t"), r("HOLDS_POST", "b", "m", title="t"),
    r("HOLDS_POST", "b", "n", title="t"), r("HOLDS_POST", "c", "m", title="t"),
    r("HOLDS_POST", "c", "n", title="t"), r("HOLDS_POST", "d", "n", title="t"),
    r("HOLDS_POST", "d", "q", title="t"), r("HOLDS_POST", "f", "q", title="t"),
    r("HOLDS_POST", "g", "q", title="t"), r("HOLDS_POST", "a", "q", title="u"),
    r("HOLDS_POST", "h", "n", title="t")]


@pytest.mark.parametrize(("a", "b"), [("a", "d"), ("a", "h"), ("b", "f"), ("m", "g"),
                                      ("h", "g"), ("c", "a")])
def test_every_shortest_walk_is_found(client: FlaskClient, empty_kb: KB, a: str,
                                      b: str) -> None:
    empty_kb.load(DIAMONDS)
    graph: dict[str, set[str]] = {}
    for rel in DIAMONDS:
        if "type" in rel:
            graph.setdefault(rel["from"], set()).add(rel["to"])
            graph.setdefault(rel["to"], set()).add(rel["from"])
    resp = client.get(f"/api/v1/paths?from={a}&to={b}&max_hops=6")
    assert resp.status_code == 200, resp.json
    found = sorted([n["id"] for n in p["nodes"]] for p in resp.json)
    assert found == sorted(all_shortest(graph, a, b, 6))
    assert found  # every pair here is connected
