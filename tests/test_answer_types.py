"""Every analyst answer has a type (kb.answers): real answers on the seed data validate
against their response schema in /openapi.json, and the schema dumps the service's answer
unchanged (nothing dropped, renamed or converted)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft4Validator

from kb import explore, lists
from kb import paths as kb_paths
from kb.dates import today
from kb.db import Database
from kb.model import get_model
from kb.resolve import search
from kb.store import Store
from tests.conftest import KB

API = "/api/v1"
ANALYST = ("dossier", "paths", "graph", "timeline", "search", "gaps")
BETWEEN_FIELDS = ("as_of", "status_as_of", "match", "domains", "parties", "rests_on",
                  "agreed_by", "applies_in")
ALL = 500  # a page size that holds every answer below whole

Raw = Callable[[Database], Any]


def _between(label: str, actors: list[str], asof: str | None = None) -> Raw:
    args: dict[str, Any] = {"between": actors, **({"as_of": asof} if asof else {})}
    return lambda db: lists.between_answer(Store(db), get_model().entities[label], args)


# (collection, query, the service's raw answer for the same question); ids, not names, so
# the raw call needs no resolving
CASES: list[tuple[str, str, Raw]] = [
    ("dossier", "between=idf&between=ru-armed-forces&as_of=2015-12",
     lambda db: explore.dossier(db, "idf", "ru-armed-forces", "2015-12")),
    ("dossier", "between=USA&between=RUS",
     lambda db: explore.dossier(db, "USA", "RUS", today())),
    ("dossier", "between=ISR&between=RUS&as_of=2016-06",
     lambda db: explore.dossier(db, "ISR", "RUS", "2016-06")),
    ("dossier", "between=USA&between=RUS&as_of=1988",
     lambda db: explore.dossier(db, "USA", "RUS", "1988")),
    ("paths", "from=yair-golan&to=vladimir-putin",
     lambda db: kb_paths.paths(db, "yair-golan", "vladimir-putin", 4, explore.DEFAULT_VIA, 25)),
    ("paths", "from=yair-golan&to=yair-golan",
     lambda db: kb_paths.paths(db, "yair-golan", "yair-golan", 4, explore.DEFAULT_VIA, 25)),
    ("paths", "from=il-ru-syria-deconfliction&to=us-ru-syria-air-deconfliction-line"
              "&via=Domain&via=Source&max_hops=2",
     lambda db: kb_paths.paths(db, "il-ru-syria-deconfliction",
                              "us-ru-syria-air-deconfliction-line", 2, ["Domain", "Source"],
                              25)),
    ("graph", "center=il-ru-syria-deconfliction&entity_kind=Force&entity_kind=Domain"
              "&as_of=2015-10-08",
     lambda db: explore.graph(db, "il-ru-syria-deconfliction", 1, ["Force", "Domain"],
                              "2015-10-08", 100)),
    ("graph", "center=idf&depth=2&as_of=2016-06",
     lambda db: explore.graph(db, "idf", 2, list(get_model().entities), "2016-06", 100)),
    ("graph", "center=ISR&limit=5",
     lambda db: explore.graph(db, "ISR", 1, list(get_model().entities), today(), 5)),
    ("graph", "center=yair-golan&depth=3&entity_kind=Mechanism&entity_kind=Event"
              "&entity_kind=Person&entity_kind=Agreement",
     lambda db: explore.graph(db, "yair-golan", 3, ["Mechanism", "Event", "Person",
                                                    "Agreement"], today(), 100)),
    ("timeline", "entity=il-ru-syria-deconfliction&entity=yair-golan",
     lambda db: explore.timeline(db, ["il-ru-syria-deconfliction", "yair-golan"], None,
                                 None, None)),
    ("timeline", "entity=RUS&match=hierarchy",
     lambda db: explore.timeline(db, ["RUS"], None, None, None, "hierarchy")),
    ("timeline", "entity=idf-general-staff&entity=ISR&from_date=2015&to_date=2018"
                 "&what=post&what=event",
     lambda db: explore.timeline(db, ["idf-general-staff", "ISR"], "2015", "2018",
                                 ["post", "event"])),
    ("search", "q=incidents%20at%20sea",
     lambda db: search(db, "incidents at sea", None, 0, ALL)[0]),
    ("search", "q=Incidents%20at%20Sea%20Agreement",
     lambda db: search(db, "Incidents at Sea Agreement", None, 0, ALL)[0]),
    ("search", "q=Netanjahu&entity_kind=Person",
     lambda db: search(db, "Netanjahu", ["Person"], 0, ALL)[0]),
    ("search", "q=israel", lambda db: search(db, "israel", None, 0, ALL)[0]),
    ("gaps", "theatre=syria-theatre&domain=aerial&as_of=2016-06",
     lambda db: explore.gaps(db, "syria-theatre", "aerial", "2016-06")),
    ("gaps", "theatre=syria-theatre&domain=aerial&as_of=2016-06&level=force",
     lambda db: explore.gaps(db, "syria-theatre", "aerial", "2016-06", "force")),
    ("gaps", "as_of=2016-06", lambda db: explore.gaps(db, None, None, "2016-06")),
    ("gaps", "level=force", lambda db: explore.gaps(db, None, None, today(), "force")),
    ("mechanisms", "between=israeli-air-force&between=ru-aerospace-forces&as_of=2015-10-08",
     _between("Mechanism", ["israeli-air-force", "ru-aerospace-forces"], "2015-10-08")),
    ("mechanisms", "between=USA&between=RUS", _between("Mechanism", ["USA", "RUS"])),
    ("mechanisms", "between=ISR&between=RUS&as_of=2016-06",
     _between("Mechanism", ["ISR", "RUS"], "2016-06")),
    ("agreements", "between=USA&between=RUS", _between("Agreement", ["USA", "RUS"])),
    ("agreements", "between=USA&between=RUS&as_of=1990",
     _between("Agreement", ["USA", "RUS"], "1990")),
    ("agreements", "between=ISR&between=RUS&as_of=2015-10-08",
     _between("Agreement", ["ISR", "RUS"], "2015-10-08")),
    # a list with as_of alone: status_as_of on every item
    ("mechanisms", "as_of=2015-10-08", lambda db: lists.find(
        Store(db), get_model().entities["Mechanism"], {"as_of": "2015-10-08"}, "name", 0, ALL)[0]),
]


@pytest.fixture(scope="module")
def openapi(app: Flask) -> dict[str, Any]:
    document: dict[str, Any] = app.test_client().get("/openapi.json").json
    return document


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema: `nullable: true` becomes "or null"."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _json_schema(v) for k, v in node.items()
           if not (k == "nullable" and isinstance(v, bool))}
    return {"anyOf": [out, {"type": "null"}]} if node.get("nullable") is True else out


def _response_schema(document: dict[str, Any], collection: str) -> dict[str, Any]:
    schema: dict[str, Any] = (document["paths"][f"{API}/{collection}"]["get"]["responses"]
                              ["200"]["content"]["application/json"]["schema"])
    return schema


def _validator(document: dict[str, Any], collection: str) -> Draft4Validator:
    root = {**_json_schema(_response_schema(document, collection)),
            "components": _json_schema(document["components"])}
    return Draft4Validator(root, format_checker=Draft4Validator.FORMAT_CHECKER)


@pytest.mark.parametrize(("collection", "query", "raw"), CASES,
                         ids=[f"{c}?{q}" for c, q, _ in CASES])
def test_answers_fit_their_schema_and_are_dumped_unchanged(
        anonymous: FlaskClient, seeded_kb: KB, openapi: dict[str, Any], collection: str,
        query: str, raw: Raw) -> None:
    answer = anonymous.get(f"{API}/{collection}?{query}&page_size={ALL}"
                           if collection not in ("dossier", "graph")
                           else f"{API}/{collection}?{query}")
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body, "an empty answer proves nothing: pick a question with answers"
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in _validator(openapi, collection).iter_errors(body)]
    assert not errors, errors[:10]
    assert body == json.loads(json.dumps(raw(seeded_kb.db)))


def _reachable(document: dict[str, Any], node: Any, where: str,
               seen: set[str]) -> Iterator[tuple[str, Any]]:
    """Every schema reachable from `node`, with where it was found ($refs followed once)."""
    yield where, node
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str) and ref not in seen:
        seen.add(ref)
        target = document
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        yield from _reachable(document, target, ref, seen)
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            yield from _reachable(document, node[key], f"{where}.{key}", seen)
    for key in ("allOf", "anyOf", "oneOf"):
        for i, sub in enumerate(node.get(key, [])):
            yield from _reachable(document, sub, f"{where}.{key}[{i}]", seen)
    for name, prop in node.get("properties", {}).items():
        yield from _reachable(document, prop, f"{where}.{name}", seen)


def _loose(where: str, node: Any) -> str | None:
    """Why a schema lets anything through, or None."""
    if node in ({}, True) or not isinstance(node, dict):
        return f"{where}: accepts anything"
    if node.get("additionalProperties") not in (None, False):
        return f"{where}: additionalProperties {node['additionalProperties']!r}"
    combined = where.endswith("]")  # a member of allOf/anyOf refines its typed parent
    if not combined and not any(k in node for k in ("type", "$ref", "allOf", "anyOf", "oneOf")):
        return f"{where}: no type"
    if node.get("type") == "object" and (node.get("additionalProperties") is not False
                                         or not node.get("properties")):
        return f"{where}: an open object"
    return None


def test_no_analyst_answer_is_documented_loosely(openapi: dict[str, Any]) -> None:
    roots: list[tuple[str, Any]] = [(c, _response_schema(openapi, c)) for c in ANALYST]
    for collection in ("mechanisms", "agreements"):
        item = _response_schema(openapi, collection)["items"]
        ref = item["$ref"].removeprefix("#/components/schemas/")
        properties = openapi["components"]["schemas"][ref]["properties"]
        roots += [(f"{collection}.{name}", properties[name]) for name in BETWEEN_FIELDS]
    seen: set[str] = set()
    problems = [problem for root, schema in roots
                for where, node in _reachable(openapi, schema, root, seen)
                if (problem := _loose(where, node))]
    assert not problems, problems
    assert "Answer" not in openapi["components"]["schemas"]
