"""The parameter rules of docs/api-conventions.md, checked as classes over every endpoint.

Names in filters, repeated values, case in enumerations, unknown parameters, impossible
dates and reversed ranges: each rule is asserted for every parameter of its kind that the
model declares, on the seed data.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from kb.db import Database
from kb.model import get_model
from tests.conftest import KB

MODEL = get_model()
NAME_FILTERS = [(kind, name, spec) for kind in MODEL.entities.values()
                for name, spec in kind.filters.items()
                if spec.relation and spec.relation not in ("COVERS", "IN_DOMAIN")]
ENUM_FILTERS = [(kind, name) for kind in MODEL.entities.values()
                for name, spec in kind.filters.items() if spec.property in ("kind", "status")]
DATE_PARAMS = [(f"/api/v1/{kind.path}", name) for kind in MODEL.entities.values()
               for name, spec in kind.filters.items()
               if spec.as_of or spec.date_from or spec.date_to]
ENDPOINTS = ([f"/api/v1/{kind.path}" for kind in MODEL.entities.values()]
             + ["/api/v1/relations", "/api/v1/search?q=golan", "/api/v1/gaps",
                "/api/v1/stats", "/api/v1/stats/coverage?actor=ISR&actor=RUS",
                "/api/v1/graph?center=idf", "/api/v1/paths?from=idf&to=RUS",
                "/api/v1/timeline?entity=idf", "/api/v1/dossier?between=idf&between=RUS",
                "/api/v1/changes", "/api/v1/export", "/api/v1/persons/yair-golan",
                "/api/v1/persons/Yair%20Golan", "/api/v1/relations/nosuchrelation"])


def ids(r: Any) -> list[str]:
    assert r.status_code == 200, r.json
    return [item["id"] for item in r.json]


def resolved(r: Any) -> list[dict[str, Any]]:
    header = r.headers.get("X-Resolved")
    assert header, "no X-Resolved header"
    return list(json.loads(header))


def an_end(db: Database, label: str, relation: str, direction: str) -> dict[str, Any]:
    """An entity at the other end of `relation` from some `label` entity (id and name)."""
    step = (f"(n:{label})-[:{relation}]->(x)" if direction == "out"
            else f"(x)-[:{relation}]->(n:{label})")
    rows = db.read(f"MATCH {step} RETURN x.id AS id, x.name AS name ORDER BY x.id LIMIT 1")
    assert rows, f"the seed data has no {relation} for {label}"
    return rows[0]


@pytest.mark.parametrize(("kind", "name", "spec"), NAME_FILTERS,
                         ids=[f"{k.path}?{n}" for k, n, _ in NAME_FILTERS])
def test_every_name_filter_takes_ids_and_names_alike(
        anonymous: FlaskClient, seeded_kb: KB, kind: Any, name: str, spec: Any) -> None:
    end = an_end(seeded_kb.db, kind.label, spec.relation, spec.direction)
    by_id = ids(anonymous.get(f"/api/v1/{kind.path}?{name}={end['id']}&page_size=500"))
    r = anonymous.get(f"/api/v1/{kind.path}", query_string={name: end["name"].upper(),
                                                           "page_size": 500})
    assert by_id and ids(r) == by_id
    assert resolved(r) == [{"param": name, "given": end["name"].upper(), "id": end["id"],
                            "name": end["name"], "entity": resolved(r)[0]["entity"]}]


@pytest.mark.parametrize(("kind", "name", "spec"), NAME_FILTERS,
                         ids=[f"{k.path}?{n}" for k, n, _ in NAME_FILTERS])
def test_every_name_filter_answers_404_for_an_unknown_name(
        anonymous: FlaskClient, seeded_kb: KB, kind: Any, name: str, spec: Any) -> None:
    r = anonymous.get(f"/api/v1/{kind.path}?{name}=nosuchthing")
    assert r.status_code == 404, r.json
    assert [(e["field"], e["value"]) for e in r.json["errors"]] == [(name, "nosuchthing")]
    # longer than a name may be: refused by the parameter's length limit, naming it
    r = anonymous.get(f"/api/v1/{kind.path}?{name}={'x' * 2000}")
    assert r.status_code == 422, r.json
    assert r.json["errors"][0]["field"] == name


@pytest.mark.parametrize("path", ["/api/v1/forces/{}", "/api/v1/search?q={}",
                                  "/api/v1/search?q=golan%20{}", "/api/v1/graph?center={}",
                                  "/api/v1/mechanisms?between={}&between=IDF"])
def test_very_long_words_are_no_server_error(anonymous: FlaskClient, seeded_kb: KB,
                                             path: str) -> None:
    for word in ("x" * 300, "ab" * 1000, "golan" * 400):
        r = anonymous.get(path.format(word))
        assert r.status_code in (200, 404, 422), (path, r.status_code, r.json)


def test_all_unknown_names_of_a_request_are_reported_at_once(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    r = anonymous.get("/api/v1/mechanisms?party=nosuchthing&party=Rusia&party=IDF")
    assert r.status_code == 404, r.json
    errors = r.json["errors"]
    assert [(e["field"], e["value"]) for e in errors] == [("party", "nosuchthing"),
                                                          ("party", "Rusia")]
    assert "RUS" in [s["id"] for s in errors[1]["suggestions"]]
    r = anonymous.get("/api/v1/relations?from=nosuchthing&to=neither")
    assert [e["field"] for e in r.json["errors"]] == ["from", "to"]


def test_repeated_name_filters_match_any(anonymous: FlaskClient, seeded_kb: KB) -> None:
    idf = set(ids(anonymous.get("/api/v1/mechanisms?party=IDF")))
    usa = set(ids(anonymous.get("/api/v1/mechanisms?party=United%20States")))
    both = ids(anonymous.get("/api/v1/mechanisms?party=IDF&party=United%20States"))
    assert idf and usa and set(both) == idf | usa


def test_an_item_path_takes_a_name(anonymous: FlaskClient, seeded_kb: KB) -> None:
    r = anonymous.get("/api/v1/persons/Yair%20Golan")
    assert r.status_code == 200, r.json
    assert r.json["id"] == "yair-golan"
    assert r.headers["Content-Location"] == "/api/v1/persons/yair-golan"
    assert resolved(r)[0]["id"] == "yair-golan"
    missing = anonymous.get("/api/v1/persons/Yair%20Golen")
    assert missing.status_code == 404, missing.json
    assert missing.json["errors"][0]["location"] == "path"
    assert "yair-golan" in [s["id"] for s in missing.json["suggestions"]]
    # a name of another kind is not an entity of this kind
    assert anonymous.get("/api/v1/forces/Yair%20Golan").status_code == 404


@pytest.mark.parametrize(("kind", "name"), ENUM_FILTERS,
                         ids=[f"{k.path}?{n}" for k, n in ENUM_FILTERS])
def test_enumerations_ignore_case_and_repeat_as_any_of(
        anonymous: FlaskClient, seeded_kb: KB, kind: Any, name: str) -> None:
    values = [v for v in {i.get(name) for i in
                          anonymous.get(f"/api/v1/{kind.path}?page_size=500").json} if v]
    assert values, f"no {name} in the seed's {kind.path}"
    one, other = sorted(values)[0], sorted(values)[-1]
    lower = ids(anonymous.get(f"/api/v1/{kind.path}?{name}={one}&page_size=500"))
    upper = ids(anonymous.get(f"/api/v1/{kind.path}?{name}={one.upper()}&page_size=500"))
    assert lower and upper == lower
    either = ids(anonymous.get(f"/api/v1/{kind.path}?{name}={one}&{name}={other}"
                               "&page_size=500"))
    alone = ids(anonymous.get(f"/api/v1/{kind.path}?{name}={other}&page_size=500"))
    assert sorted(either) == sorted(set(lower) | set(alone))
    r = anonymous.get(f"/api/v1/{kind.path}?{name}=nonsense")
    assert r.status_code == 422, r.json
    assert one in r.json["errors"][0]["message"]  # the allowed values are listed


def documented_query_parameters(client: FlaskClient, url: str) -> set[str]:
    """The query parameters /openapi.json gives the GET operation that serves `url`."""
    rule, _ = client.application.url_map.bind("localhost").match(url.split("?")[0],
                                                                  return_rule=True)
    path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
    operation = client.get("/openapi.json").json["paths"][path]["get"]
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}


@pytest.mark.parametrize("url", ENDPOINTS)
def test_unknown_parameters_are_refused_with_the_accepted_ones(
        client: FlaskClient, seeded_kb: KB, url: str) -> None:
    # with a key: /changes needs one, and the role is checked before the parameters
    r = client.get(url + ("&" if "?" in url else "?") + "colour=blue")
    assert r.status_code == 422, r.json
    [error] = r.json["errors"]
    assert error["field"] == "colour"
    documented = documented_query_parameters(client, url)
    if not documented:
        assert error["message"] == "unknown parameter: this operation takes no query parameters"
        return
    listed = error["message"].removeprefix("unknown parameter; accepted: ")
    assert set(listed.split(", ")) == documented, error["message"]


@pytest.mark.parametrize(("url", "name"), DATE_PARAMS, ids=[f"{u}?{n}" for u, n in DATE_PARAMS])
def test_impossible_dates_are_named_as_such(
        anonymous: FlaskClient, seeded_kb: KB, url: str, name: str) -> None:
    r = anonymous.get(f"{url}?{name}=2015-02-30")
    assert r.status_code == 422, r.json
    assert r.json["errors"] == [{"field": name, "location": "query", "message":
                                 "2015-02-30 does not exist: check the month and the day "
                                 "(a date is YYYY, YYYY-MM or YYYY-MM-DD)."}]


@pytest.mark.parametrize("query", ["events?from_date=2016&to_date=2015",
                                   "operations?from_date=2016-02&to_date=2016-01-31",
                                   "agreements?signed_from=2000&signed_to=1999"])
def test_a_range_that_ends_before_it_starts_is_refused(
        anonymous: FlaskClient, seeded_kb: KB, query: str) -> None:
    r = anonymous.get(f"/api/v1/{query}")
    assert r.status_code == 422, r.json
    assert "swap them" in r.json["errors"][0]["message"]


def test_a_single_valued_parameter_given_twice_is_refused(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    r = anonymous.get("/api/v1/mechanisms?q=hotline&q=line")
    assert r.status_code == 422, r.json
    assert r.json["errors"][0]["field"] == "q"
    assert "once" in r.json["errors"][0]["message"]


def test_between_given_once_says_to_repeat_it(anonymous: FlaskClient, seeded_kb: KB) -> None:
    r = anonymous.get("/api/v1/mechanisms?between=IDF")
    assert r.status_code == 422, r.json
    assert "between=A&between=B" in r.json["errors"][0]["message"]


def test_sort_is_honoured_with_between(anonymous: FlaskClient, seeded_kb: KB) -> None:
    url = "/api/v1/agreements?between=United%20States&between=Russia&as_of=2000"
    default = ids(anonymous.get(url))
    by_name = anonymous.get(url + "&sort=-name").json
    assert len(default) > 1
    names = [a["name"] for a in by_name]
    assert names == sorted(names, reverse=True)
    assert sorted(a["id"] for a in by_name) == sorted(default)


def test_items_without_the_sort_key_come_last_either_way(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    for sort in ("established_on", "-established_on"):
        items = anonymous.get(f"/api/v1/mechanisms?sort={sort}&page_size=500").json
        dated = [i.get("established_on") is not None for i in items]
        assert True in dated and False in dated
        assert dated == sorted(dated, reverse=True), sort  # every dated one before the rest


def write_operations(client: FlaskClient) -> list[tuple[str, str, list[str], str | None]]:
    """(method, concrete path, documented query parameters, required role) of every write
    in /openapi.json, path variables filled with an id of the seed."""
    paths = client.get("/openapi.json").json["paths"]
    return [(method.upper(), re.sub(r"\{[^}]+\}", "idf", path),
             [p["name"] for p in op.get("parameters", []) if p["in"] == "query"],
             op.get("x-required-role"))
            for path, ops in paths.items() for method, op in ops.items()
            if method in ("post", "put", "patch", "delete")]


def test_every_write_refuses_query_parameters_it_does_not_take(
        client: FlaskClient, anonymous: FlaskClient, api_keys: dict[str, str],
        seeded_kb: KB) -> None:
    """A parameter a write would ignore (`?dry_run=true` on a DELETE) is a 422, after the
    role check, and nothing is written."""
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_keys['admin']}"
    writes = write_operations(client)
    assert len(writes) > 20 and ("POST", "/api/v1/import", ["dry_run"], "editor") in writes
    before = client.get("/api/v1/changes?page_size=1").headers["X-Total-Count"]
    for method, path, accepted, role in writes:
        for name in ("dry_run", "colour"):
            if name in accepted:
                continue
            r = client.open(f"{path}?{name}=true", method=method, json={})
            assert r.status_code == 422, (method, path, r.json)
            message = (f"unknown parameter; accepted: {', '.join(accepted)}" if accepted
                       else "unknown parameter: this operation takes no query parameters")
            assert r.json["errors"] == [{"field": name, "location": "query",
                                         "message": message}], (method, path)
            if role is not None:
                refused = anonymous.open(f"{path}?{name}=true", method=method, json={})
                assert refused.status_code == 401, (method, path, refused.json)
    assert client.get("/api/v1/changes?page_size=1").headers["X-Total-Count"] == before
    # the parameters a write documents still work
    r = client.post("/api/v1/import?dry_run=true", json=[])
    assert r.status_code == 200, r.json
