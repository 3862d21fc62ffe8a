"""Limits and hostile strings: every string parameter takes Lucene and Cypher syntax safely."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from tests.conftest import KB
from tests.factories import ANALYSIS_GRAPH as GRAPH

HOSTILE = ['"', "'", "\\", "*", "?", "~", ":", "(", ")", "[x TO y]", "{}", "AND", "OR NOT",
           "' OR 1=1 //", "}) MATCH (n) DETACH DELETE n //", "`", "$param", "\x00", "é" * 50,
           "a" * 199]

# every GET parameter that takes free text, with the other parameters it needs
TEXT_PARAMS = [
    "/api/v1/forces?q={}", "/api/v1/forces?state={}", "/api/v1/forces?part_of={}",
    "/api/v1/mechanisms?party={}", "/api/v1/mechanisms?between={}&between=idf",
    "/api/v1/agreements?between=idf&between={}", "/api/v1/events?participant={}",
    "/api/v1/sources?publisher={}", "/api/v1/relations?from={}", "/api/v1/relations?to={}",
    "/api/v1/dossier?between={}&between=idf", "/api/v1/paths?from={}&to=idf",
    "/api/v1/paths?from=idf&to={}", "/api/v1/graph?center={}", "/api/v1/timeline?entity={}",
    "/api/v1/search?q={}", "/api/v1/gaps?theatre={}", "/api/v1/gaps?domain={}",
    "/api/v1/changes?entity={}", "/api/v1/changes?actor={}",
    "/api/v1/forces/{}", "/api/v1/relations/{}",
]


@pytest.fixture
def graph_kb(empty_kb: KB) -> KB:
    empty_kb.load(GRAPH)
    return empty_kb


@pytest.mark.parametrize("template", TEXT_PARAMS)
def test_hostile_strings_are_harmless(client: FlaskClient, graph_kb: KB, template: str) -> None:
    before = graph_kb.counts()
    for text in HOSTILE:
        resp = client.get(template.format(quote(text, safe="")))
        assert resp.status_code in (200, 400, 404, 422), (template, text, resp.json)
        if resp.status_code != 200:
            assert resp.content_type == "application/problem+json"
    assert graph_kb.counts() == before


@pytest.mark.parametrize("query", [
    "forces?page_size=501", "search?q=" + "a" * 201, "search?page_size=501&q=x",
    "paths?from=idf&to=ruaf&max_hops=7", "paths?from=idf&to=ruaf&limit=26",
    "graph?center=idf&depth=4", "graph?center=idf&limit=501",
    "mechanisms?" + "&".join(f"between=a{i}" for i in range(7)),
    "timeline?" + "&".join(f"entity=a{i}" for i in range(11)),
    "dossier?between=a&between=b&between=c",
])
def test_caps_are_enforced(client: FlaskClient, graph_kb: KB, query: str) -> None:
    resp = client.get(f"/api/v1/{query}")
    assert resp.status_code == 422, resp.json
    assert resp.json is not None and resp.json["errors"], resp.json


def test_a_page_far_beyond_the_end_is_empty(client: FlaskClient, graph_kb: KB) -> None:
    resp = client.get(f"/api/v1/forces?page={10**30}")  # beyond Neo4j's 64-bit integers
    assert resp.status_code == 200, resp.json
    assert resp.json == [] and int(resp.headers["X-Total-Count"]) > 0
    assert client.get(f"/api/v1/changes?since={2**63}").status_code == 422
