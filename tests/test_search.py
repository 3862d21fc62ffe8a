"""GET /api/v1/search on the seed data, against the real Neo4j: phrases, exact names first,
typos and transliterations, paging, the entity_kind filter, and text with nothing to find."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from kb import resolve
from kb.db import Database
from kb.queries.schema import FULLTEXT_INDEX
from kb.resolve import STOP_WORDS, lucene_query
from tests.conftest import KB

URL = "/api/v1/search"


def searched(client: FlaskClient, **params: Any) -> tuple[list[dict[str, Any]], TestResponse]:
    resp = client.get(URL, query_string=params)
    assert resp.status_code == 200, resp.json
    assert isinstance(resp.json, list), resp.json
    return resp.json, resp


def ids(hits: list[dict[str, Any]]) -> list[str]:
    return [h["id"] for h in hits]


def links(resp: TestResponse) -> dict[str, str]:
    """rel -> URL (path and query) of the Link header."""
    found = re.findall(r'<([^>]+)>; rel="(\w+)"', resp.headers.get("Link", ""))
    return {rel: url.replace("http://localhost", "") for url, rel in found}


@pytest.mark.parametrize(("q", "first", "also"), [
    # stop words ("at", "over") are never indexed: they must not make the search fail
    ("incidents at sea", "uk-ussr-incsea-1986", {"us-ussr-incsea-1972", "incsea-annual-review"}),
    ("Incidents at Sea Agreement", "us-ussr-incsea-1972", {"uk-ussr-incsea-1986"}),
    ("United States Navy", "us-navy", set()),
    ("deconfliction mechanism over Syria", "il-ru-syria-deconfliction", set()),
    ("Agreement on the Prevention of Incidents On and Over the High Seas", "us-ussr-incsea-1972",
     {"us-ussr-incsea-protocol-1973"}),
    ("the Israeli navy", "israeli-navy", set()),
])
def test_names_and_phrases_are_found(anonymous: FlaskClient, seeded_kb: KB, q: str, first: str,
                                     also: set[str]) -> None:
    hits, _ = searched(anonymous, q=q)
    assert hits and hits[0]["id"] == first, (q, ids(hits))
    assert also <= set(ids(hits)), (q, ids(hits))
    assert {"id", "name", "entity", "kind", "score", "matched", "exact"} <= set(hits[0])


def test_the_phrase_as_typed_ranks_above_scattered_words(client: FlaskClient,
                                                         seeded_kb: KB) -> None:
    hits, _ = searched(client, q="incidents at sea")
    # the 1972 agreement's name holds "Incidents ... High Seas"; the 1986 one's the phrase
    assert ids(hits).index("uk-ussr-incsea-1986") < ids(hits).index("us-ussr-incsea-1972")
    assert hits[0]["matched"] == "UK-USSR Incidents at Sea Agreement"
    assert not any(h["exact"] for h in hits)


@pytest.mark.parametrize(("q", "first", "matched"), [
    # an alias of the 1972 agreement: first, although the 1986 agreement scores higher
    ("Incidents at Sea Agreement", "us-ussr-incsea-1972", "Incidents at Sea Agreement"),
    ("incidents-at-sea AGREEMENT!", "us-ussr-incsea-1972", "Incidents at Sea Agreement"),
    ("israel", "ISR", "Israel"),
    ("Turkiye", "TUR", "Türkiye"),
    ("hmeimim air base", "hmeimim-air-base", "Hmeimim air base"),
    ("golan", "israel-syria-border-golan", "Golan"),  # an alias; Yair Golan comes next
    ("IT", "ITA", "IT"),  # a stop word the full-text index never holds
])
def test_an_exact_name_or_alias_ranks_first(client: FlaskClient, seeded_kb: KB, q: str,
                                            first: str, matched: str) -> None:
    hits, _ = searched(client, q=q)
    assert hits and hits[0]["id"] == first, (q, ids(hits))
    assert hits[0]["exact"] is True and hits[0]["matched"] == matched, hits[0]
    assert not any(h["exact"] for h in hits[1:]), hits


def test_exact_match_beats_a_higher_score(client: FlaskClient, seeded_kb: KB) -> None:
    hits, _ = searched(client, q="Incidents at Sea Agreement")
    assert ids(hits)[:2] == ["us-ussr-incsea-1972", "uk-ussr-incsea-1986"]
    assert hits[0]["score"] < hits[1]["score"]
    hits, _ = searched(client, q="golan")
    assert ids(hits)[:2] == ["israel-syria-border-golan", "yair-golan"]


@pytest.mark.parametrize(("q", "first"), [
    ("Netanjahu", "benjamin-netanyahu"), ("Netaniahu", "benjamin-netanyahu"),
    ("netanyáhu", "benjamin-netanyahu"),
    ("Bogdanovskiy", "nikolai-bogdanovsky"), ("Bogdanowski", "nikolai-bogdanovsky"),
    ("Hmeymim", "hmeimim-air-base"), ("Hmeymin", "hmeimim-air-base"),
    ("Nikolay Bogdanovskij", "nikolai-bogdanovsky"),
])
def test_typos_and_transliterations(client: FlaskClient, seeded_kb: KB, q: str,
                                    first: str) -> None:
    hits, _ = searched(client, q=q)
    assert hits and hits[0]["id"] == first, (q, ids(hits))


def test_pages_carry_total_link_and_pagination_headers(client: FlaskClient,
                                                       seeded_kb: KB) -> None:
    everything, full = searched(client, q="israel")
    total = len(everything)
    assert 10 < total < 50 and full.headers["X-Total-Count"] == str(total)
    first, resp = searched(client, q="israel", page_size=5)
    assert ids(first) == ids(everything)[:5]
    assert resp.headers["X-Total-Count"] == str(total)
    meta = json.loads(resp.headers["X-Pagination"])
    last_page = (total + 4) // 5
    assert meta["total"] == total and meta["total_pages"] == last_page and meta["page"] == 1
    rels = links(resp)
    assert {"next", "last"} <= set(rels) and "prev" not in rels, rels
    second = client.get(rels["next"])
    assert second.status_code == 200, second.json
    assert ids(second.json or []) == ids(everything)[5:10]
    assert "page=2" in rels["next"] and "q=israel" in rels["next"] and "page_size=5" in rels["next"]
    last, resp = searched(client, q="israel", page_size=5, page=last_page)
    assert ids(last) == ids(everything)[(last_page - 1) * 5:] and "next" not in links(resp)
    beyond, resp = searched(client, q="israel", page_size=5, page=last_page + 1)
    assert beyond == [] and resp.headers["X-Total-Count"] == str(total)


def test_paging_walks_every_hit_once(client: FlaskClient, seeded_kb: KB) -> None:
    everything, _ = searched(client, q="agreement", page_size="500")
    walked: list[str] = []
    url: str | None = f"{URL}?q=agreement&page_size=7"
    while url:
        resp = client.get(url)
        assert resp.status_code == 200, resp.json
        walked += ids(resp.json or [])
        url = links(resp).get("next")
    assert walked == ids(everything) and len(set(walked)) == len(walked) > 7


def test_the_hits_a_search_ranks_are_bounded(client: FlaskClient, seeded_kb: KB,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    everything, _ = searched(client, q="israel")
    monkeypatch.setattr(resolve, "MAX_HITS", 7)
    bounded, resp = searched(client, q="israel")
    assert resp.headers["X-Total-Count"] == "7" and ids(bounded) == ids(everything)[:7]
    beyond, _ = searched(client, q="israel", page_size=5, page=2)
    assert ids(beyond) == ids(everything)[5:7]


def test_search_documents_its_bound(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").json or {}
    params = {p["name"]: p for p in spec["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert {"q", "entity_kind", "page", "page_size"} <= set(params)
    assert "kind" not in params and "limit" not in params
    assert f"At most {resolve.MAX_HITS} hits" in params["q"]["description"]


@pytest.mark.parametrize("kind", ["Force", "force", "FORCE"])
def test_entity_kind_filters_in_any_case(client: FlaskClient, seeded_kb: KB, kind: str) -> None:
    hits, _ = searched(client, q="israel", entity_kind=kind)
    assert hits and ids(hits)[0] == "idf", ids(hits)
    assert {h["entity"] for h in hits} == {"Force"}


def test_entity_kind_repeats(client: FlaskClient, seeded_kb: KB) -> None:
    hits, resp = searched(client, q="israel", entity_kind=["state", "Force"])
    assert ids(hits)[:2] == ["ISR", "idf"]
    assert {h["entity"] for h in hits} == {"State", "Force"}
    assert resp.headers["X-Total-Count"] == str(len(hits))
    everything, _ = searched(client, q="israel")
    assert ids(hits) == [i for i, h in zip(ids(everything), everything, strict=True)
                         if h["entity"] in ("State", "Force")]
    none, _ = searched(client, q="golan", entity_kind="Force")
    assert none == []


@pytest.mark.parametrize("query", [
    "q=israel&entity_kind=Navy", "q=israel&kind=Force", "q=israel&limit=5", "q=",
    "entity_kind=Force", "q=israel&page_size=501", "q=israel&page=0", "q=" + "a" * 201,
])
def test_bad_parameters_are_422(client: FlaskClient, seeded_kb: KB, query: str) -> None:
    resp = client.get(f"{URL}?{query}")
    assert resp.status_code == 422, resp.json
    assert resp.content_type == "application/problem+json"


@pytest.mark.parametrize("q", ["!!!", "   ", "-", "«»", "zzqxjvkw", "qqqqqq wwwwww"])
def test_text_that_finds_nothing_is_an_empty_page(client: FlaskClient, seeded_kb: KB,
                                                  q: str) -> None:
    hits, resp = searched(client, q=q)
    assert hits == [] and resp.headers["X-Total-Count"] == "0"


@pytest.mark.parametrize("q", ['"', "a:b", "*", "?", "~", "(", ")", "[x TO y]", "AND", "OR NOT",
                               "\\", "/", "foo^2", "{}", "&&", "||", "!", "' OR 1=1 --",
                               "}) RETURN 1 //", "x" * 200, "navy~ AND NOT israel*",
                               'incidents "at sea'])
def test_search_metacharacters_never_fail(client: FlaskClient, seeded_kb: KB, q: str) -> None:
    hits, _ = searched(client, q=q)
    if not any(c.isalnum() for c in q):
        assert hits == []  # nothing left to search for


def test_lucene_query_keeps_syntax_out_and_stop_words_optional() -> None:
    query = lucene_query('Incidents AT "sea" OR navy~ (x:y)^9') or ""
    assert lucene_query("!?*~") is None
    assert set(query) <= set('abcdefghijklmnopqrstuvwxyz0123456789 ()+*~^"OR'), query
    assert "+(incidents^4" in query and "+(sea^4" in query and "+(navy^4" in query, query
    assert "+(at" not in query and "+(or" not in query  # stop words are not required
    assert '"incidents at sea or navy x y 9"^' in query  # the phrase keeps them in place
    assert lucene_query("the") == "+the*"  # only stop words: each must start a word


def test_stop_words_are_those_of_the_index_analyzer(db: Database, seeded_kb: KB) -> None:
    options = db.read("SHOW INDEXES YIELD name, options WHERE name = $name RETURN options",
                      name=FULLTEXT_INDEX)[0]["options"]
    analyzer = options["indexConfig"]["fulltext.analyzer"]
    available = db.read("CALL db.index.fulltext.listAvailableAnalyzers() "
                        "YIELD analyzer, stopwords WHERE analyzer = $analyzer "
                        "RETURN stopwords", analyzer=analyzer)
    assert set(available[0]["stopwords"]) == STOP_WORDS, analyzer


def test_unknown_names_still_get_suggestions(client: FlaskClient, seeded_kb: KB) -> None:
    resp = client.get("/api/v1/timeline", query_string={"entity": "Netanjahu"})
    assert resp.status_code == 404, resp.json
    suggestions = (resp.json or {})["suggestions"]
    assert suggestions and suggestions[0]["id"] == "benjamin-netanyahu", suggestions
    assert set(suggestions[0]) == {"id", "name", "entity"} and len(suggestions) <= 3
