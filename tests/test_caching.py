"""HTTP caching: ETags that follow the body, 304s, If-Match on versions, Cache-Control, CORS."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb import EXPOSED_HEADERS, create_app
from kb.settings import SettingsError, load_settings
from tests.conftest import KB, make_settings

S = ["example-source"]
FORCES = [
    {"entity": "Force", "id": "f-idf", "name": "Israel Defense Forces", "kind": "armed_forces",
     "sources": S},
    {"entity": "Force", "id": "f-iaf", "name": "Israeli Air Force", "kind": "service_branch",
     "sources": S},
]
PART_OF = {"type": "PART_OF", "from": "f-iaf", "to": "f-idf", "sources": S}


@pytest.fixture
def forces(empty_kb: KB) -> KB:
    empty_kb.load(FORCES)
    return empty_kb


def test_adding_a_relation_changes_the_etag_of_both_ends(client: FlaskClient,
                                                         forces: KB) -> None:
    before = {f: client.get(f"/api/v1/forces/{f}") for f in ("f-idf", "f-iaf")}
    for resp in before.values():
        assert resp.headers["ETag"].startswith('"1-'), resp.headers["ETag"]
        again = client.get(resp.request.path, headers={"If-None-Match": resp.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""
        assert again.headers["ETag"] == resp.headers["ETag"]
    assert client.post("/api/v1/relations", json=PART_OF).status_code == 201
    for f, old in before.items():
        now = client.get(f"/api/v1/forces/{f}")
        assert now.json["version"] == 1 and now.json["relations"]  # type: ignore[index]
        assert now.headers["ETag"] != old.headers["ETag"]
        assert now.headers["ETag"].startswith('"1-')
        stale = client.get(f"/api/v1/forces/{f}", headers={"If-None-Match": old.headers["ETag"]})
        assert stale.status_code == 200 and stale.json == now.json
        weak = client.get(f"/api/v1/forces/{f}",
                          headers={"If-None-Match": f'W/{now.headers["ETag"]}'})
        assert weak.status_code == 304  # If-None-Match compares weakly


def test_if_match_takes_the_etag_or_the_bare_version(client: FlaskClient, forces: KB) -> None:
    tag = client.get("/api/v1/forces/f-iaf").headers["ETag"]
    assert client.post("/api/v1/relations", json=PART_OF).status_code == 201
    # the relation changed the body and the ETag, not the fields If-Match guards
    ok = client.patch("/api/v1/forces/f-iaf", json={"name": "IAF"}, headers={"If-Match": tag})
    assert ok.status_code == 200, ok.json
    assert ok.json["version"] == 2 and ok.headers["ETag"].startswith('"2-')  # type: ignore[index]
    assert ok.headers["ETag"] == client.get("/api/v1/forces/f-iaf").headers["ETag"]
    stale = client.patch("/api/v1/forces/f-iaf", json={"name": "X"}, headers={"If-Match": tag})
    assert stale.status_code == 412 and stale.json["current_version"] == 2  # type: ignore[index]
    for form in ('"{v}"', "{v}", "*", "etag"):
        got = client.get("/api/v1/forces/f-iaf")
        version = got.json["version"]  # type: ignore[index]
        header = got.headers["ETag"] if form == "etag" else form.format(v=version)
        resp = client.patch("/api/v1/forces/f-iaf", json={"aliases": [f"IAF {version}"]},
                            headers={"If-Match": header})
        assert resp.status_code == 200, (header, resp.json)
        assert resp.json["version"] == version + 1  # type: ignore[index]
    gone = client.delete("/api/v1/forces/f-iaf", headers={"If-Match": '"1"'})
    assert gone.status_code == 412


@pytest.mark.parametrize("header", ['"2-0123456789abcdef"', '"2"', "2"])
def test_each_if_match_form_is_accepted(client: FlaskClient, forces: KB, header: str) -> None:
    assert client.patch("/api/v1/forces/f-iaf", json={"name": "A"}).status_code == 200  # v2
    resp = client.patch("/api/v1/forces/f-iaf", json={"name": "B"}, headers={"If-Match": header})
    assert resp.status_code == 200, resp.json  # only the version part is compared
    again = client.patch("/api/v1/forces/f-iaf", json={"name": "C"}, headers={"If-Match": header})
    assert again.status_code == 412 and again.json["current_version"] == 3  # type: ignore[index]


@pytest.mark.parametrize("header", ['"2-abc"', "2-0123456789abcdef", 'W/"2-0123456789abcdef"'])
def test_if_match_not_of_our_form_is_422(client: FlaskClient, forces: KB, header: str) -> None:
    resp = client.patch("/api/v1/forces/f-iaf", json={"name": "A"}, headers={"If-Match": header})
    assert resp.status_code == 422 and resp.json["errors"][0]["field"] == "If-Match"  # type: ignore[index]


def test_an_unchanged_list_is_not_modified_a_changed_one_gets_a_new_etag(
        client: FlaskClient, forces: KB) -> None:
    first = client.get("/api/v1/forces")
    tag = first.headers["ETag"]
    assert first.status_code == 200 and tag.startswith('"') and not tag.startswith('W/')
    assert first.headers["Cache-Control"] == "no-cache"
    same = client.get("/api/v1/forces", headers={"If-None-Match": tag})
    assert same.status_code == 304 and same.data == b""
    assert same.headers["ETag"] == tag and same.headers["Cache-Control"] == "no-cache"
    assert client.get("/api/v1/forces?page_size=1").headers["ETag"] != tag  # another body

    assert client.post("/api/v1/relations", json=PART_OF).status_code == 201
    rels = client.get("/api/v1/relations")
    assert rels.status_code == 200 and "ETag" in rels.headers
    assert client.get("/api/v1/relations",
                      headers={"If-None-Match": rels.headers["ETag"]}).status_code == 304

    assert client.patch("/api/v1/forces/f-iaf", json={"name": "IAF"}).status_code == 200
    changed = client.get("/api/v1/forces", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert [f["name"] for f in changed.json or []] == ["IAF", "Israel Defense Forces"]
    changes = client.get("/api/v1/changes?entity=f-iaf")
    assert client.get("/api/v1/changes?entity=f-iaf",
                      headers={"If-None-Match": changes.headers["ETag"]}).status_code == 304


@pytest.mark.parametrize("path", ["/api/v1/search?q=israel",
                                  "/api/v1/dossier?between=ISR&between=RUS&as_of=2018",
                                  "/api/v1/mechanisms?between=ISR&between=RUS"])
def test_analyst_answers_are_not_modified_when_unchanged(client: FlaskClient, seeded_kb: KB,
                                                         path: str) -> None:
    first = client.get(path)
    assert first.status_code == 200, first.json
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    head = client.head(path, headers={"If-None-Match": first.headers["ETag"]})
    assert head.status_code == 304
    other = client.get(path, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data == first.data


def test_errors_writes_and_the_export_get_no_etag(client: FlaskClient, forces: KB) -> None:
    missing = client.get("/api/v1/forces/nope")
    assert missing.status_code == 404 and "ETag" not in missing.headers
    assert "Cache-Control" not in missing.headers
    bad = client.get("/api/v1/forces?sort=nonsense")
    assert bad.status_code == 422 and "ETag" not in bad.headers
    export = client.get("/api/v1/export")
    assert export.status_code == 200 and export.mimetype == "application/x-ndjson"
    assert "ETag" not in export.headers
    created = client.post("/api/v1/relations", json=PART_OF)
    assert created.status_code == 201 and "Cache-Control" not in created.headers


def test_cache_control_comes_from_the_settings(neo4j_uri: str, tmp_path: Path,
                                              forces: KB) -> None:
    settings = make_settings(neo4j_uri, tmp_path, KB_CACHE_CONTROL="private, max-age=30")
    app = create_app(settings)
    try:
        c = app.test_client()
        listed = c.get("/api/v1/forces")
        assert listed.headers["Cache-Control"] == "private, max-age=30"
        item = c.get("/api/v1/forces/f-idf")
        assert item.headers["Cache-Control"] == "private, max-age=30"
        not_modified = c.get("/api/v1/forces/f-idf",
                             headers={"If-None-Match": item.headers["ETag"]})
        assert not_modified.status_code == 304
        assert not_modified.headers["Cache-Control"] == "private, max-age=30"
    finally:
        app.extensions["kb.db"].close()


def test_keyed_reads_vary_by_key(neo4j_uri: str, tmp_path: Path, forces: KB,
                                 api_keys: dict[str, str]) -> None:
    settings = make_settings(neo4j_uri, tmp_path, KB_READS_REQUIRE_KEY="true")
    app = create_app(settings)
    try:
        listed = app.test_client().get("/api/v1/forces", headers={
            "Authorization": f"Bearer {api_keys['reader']}"})
        assert listed.status_code == 200, listed.json
        assert {"Authorization", "X-API-Key"} <= set(listed.vary)
    finally:
        app.extensions["kb.db"].close()


def test_the_default_cache_control_is_no_cache() -> None:
    assert load_settings({}).cache_control == "no-cache"
    assert load_settings({"KB_CACHE_CONTROL": 'no-store, community="x"'}).cache_control == (
        'no-store, community="x"')


@pytest.mark.parametrize("value", ["max-age=", "no-cache;", "a\r\nSet-Cookie: x=1", ", no-cache"])
def test_a_bad_cache_control_names_the_variable(value: str) -> None:
    with pytest.raises(SettingsError) as excinfo:
        load_settings({"KB_CACHE_CONTROL": value})
    assert excinfo.value.variable == "KB_CACHE_CONTROL"


def test_cors_exposes_what_a_browser_client_reads(app: Flask, anonymous: FlaskClient,
                                                  forces: KB) -> None:
    resp = anonymous.get("/api/v1/forces?page_size=1",
                         headers={"Origin": "https://dashboard.example"})
    assert resp.status_code == 200
    exposed = {h.strip().lower() for h in
               resp.headers["Access-Control-Expose-Headers"].split(",")}
    wanted = {"x-pagination", "x-total-count", "link", "etag", "location", "retry-after",
              "x-resolved", "x-request-id", "content-disposition"}
    assert wanted <= exposed
    assert wanted <= {h.lower() for h in EXPOSED_HEADERS}
    for header in ("X-Pagination", "X-Total-Count", "Link", "ETag"):
        assert header in resp.headers
