"""CSV and GeoJSON answers (docs/api-conventions.md, Formats): validity, and the same
content as the JSON answer, for every endpoint whose OpenAPI document offers them."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import geojson
import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb.tables import dict_csv, list_csv
from tests.conftest import KB
from tests.factories import ANALYSIS_GRAPH, e

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# values for the required parameters of the endpoints that have some (seed data)
REQUIRED = {"/api/v1/search": "q=golan", "/api/v1/paths": "from=idf&to=RUS",
            "/api/v1/timeline": "entity=idf", "/api/v1/dossier": "between=idf&between=RUS",
            "/api/v1/graph": "center=idf"}


def parse(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of CSV text, by the stdlib reader."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def is_ref(value: Any) -> bool:
    return isinstance(value, dict) and "id" in value and "name" in value


def assert_cell(text: str, value: Any, where: str) -> None:
    """The cell holds `value` by the documented rules."""
    if value is None or value == []:
        assert text == "", where
    elif isinstance(value, bool):
        assert text == str(value).lower(), where
    elif isinstance(value, int | float):
        assert float(text) == value, where
    elif isinstance(value, str):
        assert text == ("'" + value if value.startswith(TRIGGERS) else value), where
    elif is_ref(value):
        assert text == (value["id"] or ""), where
    elif isinstance(value, list) and all(is_ref(v) for v in value):
        assert text.split("|") == [v["id"] for v in value], where
    else:
        assert json.loads(text) == value, where


def assert_rows(items: list[dict[str, Any]], header: list[str], rows: list[dict[str, str]],
                where: str, answer_wide: frozenset[str] = frozenset()) -> None:
    assert len(rows) == len(items), where
    for item, row in zip(items, rows, strict=True):
        for key, value in item.items():
            assert key in header, (where, key)
            assert_cell(row[key], value, f"{where} {key}")
            if is_ref(value):
                assert row[f"{key}_name"] == (value["name"] or ""), (where, key)
        assert all(row[k] == "" for k in header if k not in item and k not in answer_wide
                   and not k.startswith(("answer.", "table")) and not k.endswith("_name")), where


def tables_of(body: dict[str, Any], path: str = "") -> dict[str, list[Any]]:
    """The lists of objects in a table-shaped answer, by path."""
    found: dict[str, list[Any]] = {}
    for key, value in body.items():
        where = f"{path}.{key}" if path else key
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            found[where] = value
        elif isinstance(value, dict):
            found.update(tables_of(value, where))
    return found


@pytest.fixture
def admin(app: Flask, api_keys: dict[str, str]) -> FlaskClient:
    test_client = app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_keys['admin']}"
    return test_client


def csv_operations(app: Flask) -> list[tuple[str, dict[str, Any]]]:
    spec = app.test_client().get("/openapi.json").json
    return [(path, ops["get"]) for path, ops in spec["paths"].items()
            if "get" in ops and "text/csv" in ops["get"]["responses"]["200"].get("content", {})]


def test_every_list_endpoint_offers_csv(app: Flask) -> None:
    spec = app.test_client().get("/openapi.json").json
    offered = {path for path, _ in csv_operations(app)}
    for path, ops in spec["paths"].items():
        get = ops.get("get", {})
        body = get.get("responses", {}).get("200", {}).get("content", {}).get(
            "application/json", {}).get("schema", {})
        if body.get("type") == "array":
            assert path in offered, path
            [param] = [p for p in get["parameters"] if p["name"] == "format"]
            assert param["schema"]["enum"][:2] == ["json", "csv"]


def test_csv_has_the_json_content_on_every_endpoint_offering_it(
        app: Flask, admin: FlaskClient, seeded_kb: KB) -> None:
    operations = csv_operations(app)
    assert len(operations) >= 18  # 11 entity lists, relations, 6 analyst answers, changes, keys
    for path, op in operations:
        required = [p["name"] for p in op.get("parameters", []) if p.get("required")
                    and p["in"] == "query"]
        assert not required or path in REQUIRED, f"{path}: add sample values for {required}"
        url = f"{path}?{REQUIRED.get(path, '')}"
        as_json = admin.get(url)
        assert as_json.status_code == 200, (path, as_json.json)
        for answer in (admin.get(f"{url}&format=csv"),
                       admin.get(url, headers={"Accept": "text/csv"})):
            assert answer.status_code == 200, (path, answer.data[:300])
            assert answer.mimetype == "text/csv", path
            assert "Accept" in answer.vary
            assert answer.headers.get("X-Total-Count") == as_json.headers.get("X-Total-Count")
            assert answer.headers.get("X-Pagination") == as_json.headers.get("X-Pagination")
            header, rows = parse(answer.get_data(as_text=True))
            if isinstance(as_json.json, list):
                assert_rows(as_json.json, header, rows, path)
            else:
                assert header[0] == "table", path
                found = tables_of(as_json.json)
                assert len(rows) == sum(len(items) for items in found.values())
                answer_wide = frozenset(as_json.json) - set(found)
                for table, items in found.items():
                    mine = [r for r in rows if r["table"] == table]
                    assert_rows(items, header, mine, f"{path} {table}", answer_wide)


def test_csv_pages_like_json_with_the_same_headers(anonymous: FlaskClient,
                                                   seeded_kb: KB) -> None:
    url = "/api/v1/mechanisms?page_size=5&page=2&sort=-name"
    as_json, as_csv = anonymous.get(url), anonymous.get(url + "&format=CSV")
    assert as_csv.status_code == 200, as_csv.json
    assert int(as_csv.headers["X-Total-Count"]) > 10
    links = as_json.headers["Link"].replace("sort=-name", "sort=-name&format=CSV")
    assert as_csv.headers["Link"] == links  # the same pages, in CSV
    header, rows = parse(as_csv.get_data(as_text=True))
    assert [r["id"] for r in rows] == [m["id"] for m in as_json.json]
    assert header[:3] == ["id", "name", "aliases"]  # the schema's field order
    empty = anonymous.get("/api/v1/mechanisms?page=999&format=csv")
    assert empty.status_code == 200
    assert parse(empty.get_data(as_text=True)) == (header, [])  # same header, no rows
    assert empty.headers["Content-Disposition"] == 'inline; filename="mechanisms.csv"'


def test_format_wins_over_accept_and_accept_falls_back_to_json(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    r = anonymous.get("/api/v1/forces?format=json", headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.is_json
    r = anonymous.get("/api/v1/forces", headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.mimetype == "application/json"
    r = anonymous.get("/api/v1/forces", headers={"Accept": "text/csv;q=0.5, application/json"})
    assert r.mimetype == "application/json"


def test_unavailable_or_unknown_formats_are_problems_naming_format(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    r = anonymous.get("/api/v1/mechanisms?format=GeoJSON")
    assert r.status_code == 406, r.data
    assert r.mimetype == "application/problem+json"
    assert [e["field"] for e in r.json["errors"]] == ["format"]
    r = anonymous.get("/api/v1/mechanisms?format=xml")
    assert r.status_code == 422, r.json
    assert r.json["errors"][0]["field"] == "format" and "csv" in r.json["errors"][0]["message"]
    r = anonymous.get("/api/v1/mechanisms?format=csv&format=json")
    assert r.status_code == 422, r.json
    r = anonymous.get("/api/v1/persons/yair-golan?format=csv")  # an item is not a table
    assert r.status_code == 422, r.json
    assert r.json["errors"] == [{"field": "format", "location": "query", "message":
                                 "unknown parameter: this operation takes no query parameters"}]
    r = anonymous.get("/api/v1/mechanisms?format=csv&party=nosuchthing")  # errors stay JSON
    assert r.status_code == 404 and r.mimetype == "application/problem+json"


def test_csv_and_json_have_their_own_etags(anonymous: FlaskClient, seeded_kb: KB) -> None:
    as_json = anonymous.get("/api/v1/agreements")
    as_csv = anonymous.get("/api/v1/agreements?format=csv")
    by_accept = anonymous.get("/api/v1/agreements", headers={"Accept": "text/csv"})
    assert as_json.headers["ETag"] and as_csv.headers["ETag"]
    assert as_json.headers["ETag"] != by_accept.headers["ETag"] == as_csv.headers["ETag"]
    assert "Accept" in as_json.vary and "Accept" in by_accept.vary
    same = anonymous.get("/api/v1/agreements", headers={
        "Accept": "text/csv", "If-None-Match": by_accept.headers["ETag"]})
    assert same.status_code == 304
    other = anonymous.get("/api/v1/agreements", headers={
        "Accept": "text/csv", "If-None-Match": as_json.headers["ETag"]})
    assert other.status_code == 200 and other.mimetype == "text/csv"


STATS = {
    "as_of": "2025-01-01",
    "counts": [{"entity": "Mechanism", "count": 40}, {"entity": "Agreement", "count": 30}],
    "mechanisms": {"by_domain": [{"key": "aerial", "name": "Aerial", "count": 12}],
                   "by_status": [{"key": "active", "name": "Active", "count": 20}],
                   "by_kind": [], "by_year": [{"key": "2015", "name": "2015", "count": 3}]},
    "agreements": {"by_domain": [{"key": "naval", "name": "Naval", "count": 4}]},
    "most_connected": [{"id": "idf", "name": "Israel Defense Forces", "entity": "Force",
                        "relations": 57}],
}
COVERAGE = {
    "as_of": "2025-01-01", "level": "state",
    "actors": [{"id": "ISR", "name": "Israel", "entity": "State"},
               {"id": "RUS", "name": "Russia", "entity": "State"}],
    "domains": [{"id": "aerial", "name": "Aerial", "entity": "Domain"}],
    "cells": [{"a": {"id": "ISR", "name": "Israel"}, "b": {"id": "RUS", "name": "Russia"},
               "domain": "aerial", "mechanisms": [{"id": "m1", "name": "Hotline"},
                                                  {"id": "m2", "name": "Line"}]}],
}


def test_the_stats_answer_becomes_one_long_table() -> None:
    header, rows = parse(dict_csv(STATS))
    assert header == ["table", "entity", "count", "key", "name", "id", "relations", "as_of"]
    assert [r["table"] for r in rows] == [
        "counts", "counts", "mechanisms.by_domain", "mechanisms.by_status",
        "mechanisms.by_year", "agreements.by_domain", "most_connected"]
    assert rows[2] == {"table": "mechanisms.by_domain", "entity": "", "count": "12",
                       "key": "aerial", "name": "Aerial", "id": "", "relations": "",
                       "as_of": "2025-01-01"}
    assert rows[-1]["id"] == "idf" and rows[-1]["relations"] == "57"


def test_the_coverage_answer_flattens_references() -> None:
    header, rows = parse(dict_csv(COVERAGE))
    assert header == ["table", "id", "name", "entity", "a", "a_name", "b", "b_name", "domain",
                      "mechanisms", "as_of", "level"]
    assert [r["table"] for r in rows] == ["actors", "actors", "domains", "cells"]
    cell = rows[-1]
    assert (cell["a"], cell["a_name"], cell["b"], cell["mechanisms"]) == (
        "ISR", "Israel", "RUS", "m1|m2")
    assert cell["level"] == "state"
    # a value about the whole answer named like a row key keeps both apart
    graph_like = {"depth": 2, "nodes": [{"id": "a", "depth": 0}]}
    assert parse(dict_csv(graph_like))[0] == ["table", "id", "depth", "answer.depth"]


def test_cells_that_would_run_as_formulas_are_defused() -> None:
    items = [{"id": "x", "name": "=HYPERLINK(\"http://evil\")", "note": "+1", "kind": "-a",
              "who": "@SUM(A1)", "tab": "\tz", "ok": "a=b", "n": -3, "ref": {"id": "=1",
                                                                            "name": "-n"}}]
    _, [row] = parse(list_csv(items))
    assert row["name"] == "'=HYPERLINK(\"http://evil\")"
    assert (row["note"], row["kind"], row["who"], row["tab"]) == ("'+1", "'-a", "'@SUM(A1)",
                                                                  "'\tz")
    assert (row["ok"], row["n"], row["ref"], row["ref_name"]) == ("a=b", "-3", "'=1", "'-n")


def test_nested_values_and_nulls() -> None:
    items = [{"id": "m", "sources": ["s1", "s2"], "status_as_of": {"status": None,
                                                                   "since": None},
              "parties": [], "end": None, "exact": True, "score": 1.5}]
    _, [row] = parse(list_csv(items, ["id", "name", "sources"]))
    assert json.loads(row["sources"]) == ["s1", "s2"]
    assert json.loads(row["status_as_of"]) == {"status": None, "since": None}
    assert (row["name"], row["parties"], row["end"], row["exact"], row["score"]) == (
        "", "", "", "true", "1.5")


GEO_RECORDS = [
    {**rec, "latitude": 33.5, "longitude": 36.3} if rec.get("id") == "theatre-x" else rec
    for rec in ANALYSIS_GRAPH
] + [e("Place", "sydney", kind="city", latitude=-33.87, longitude=151.21),
     e("Place", "nowhere", kind="region", latitude=91.0, longitude=10.0)]


def features_of(r: Any) -> list[dict[str, Any]]:
    """The features of a GeoJSON answer, checked valid (RFC 7946) by the geojson package."""
    assert r.status_code == 200, r.data[:300]
    assert r.mimetype == "application/geo+json"
    collection = geojson.loads(r.get_data(as_text=True))
    assert collection.is_valid, collection.errors()
    assert collection["type"] == "FeatureCollection"
    for feature in collection["features"]:
        assert feature["type"] == "Feature" and isinstance(feature["id"], str)
        if feature["geometry"] is not None:
            lon, lat = feature["geometry"]["coordinates"]
            assert -180 <= lon <= 180 and -90 <= lat <= 90
    return list(collection["features"])


def test_places_and_gaps_as_geojson(client: FlaskClient, empty_kb: KB) -> None:
    empty_kb.load(GEO_RECORDS)
    places = client.get("/api/v1/places?page_size=500").json
    features = features_of(client.get("/api/v1/places?page_size=500&format=geojson"))
    assert [f["id"] for f in features] == [p["id"] for p in places]
    assert [f["properties"] for f in features] == places
    by_id = {f["id"]: f["geometry"] for f in features}
    assert by_id["sydney"] == {"type": "Point", "coordinates": [151.21, -33.87]}  # lon, lat
    assert by_id["theatre-x"]["coordinates"] == [36.3, 33.5]
    assert by_id["tlv"] is None and by_id["nowhere"] is None  # no or impossible coordinates
    theatres = features_of(client.get("/api/v1/places?kind=THEATRE",
                                      headers={"Accept": "application/geo+json"}))
    assert [f["id"] for f in theatres] == ["theatre-x"]

    url = "/api/v1/gaps?theatre=theatre-x&as_of=2018&level=force"
    gaps = client.get(url).json
    assert gaps, "the analysis graph has gaps in theatre-x"
    [feature] = features_of(client.get(url + "&format=geojson"))
    assert feature["id"] == "theatre-x"
    assert feature["geometry"]["coordinates"] == [36.3, 33.5]
    properties = feature["properties"]
    assert properties["gap_count"] == len(gaps) == len(properties["gaps"])
    assert properties["gaps"] == [{k: v for k, v in g.items() if k != "theatre"} for g in gaps]
