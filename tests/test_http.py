"""HTTP for browsers: compression, CORS preflights, security schemes in the spec, the links at /."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import brotli
import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb import create_app
from kb.api.compression import MIN_BYTES
from tests.conftest import KB, make_settings
from tests.factories import e


@pytest.fixture(scope="module")
def keyed_reads(neo4j_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app whose reads need a key (KB_READS_REQUIRE_KEY=true), browsers allowed in."""
    app = create_app(make_settings(neo4j_uri, tmp_path_factory.mktemp("keyed"),
                                   KB_READS_REQUIRE_KEY="true",
                                   KB_CORS_ORIGINS="https://ui.example.org"))
    yield app
    app.extensions["kb.db"].close()


def test_the_openapi_document_is_compressed_for_clients_that_accept_it(
        anonymous: FlaskClient) -> None:
    plain = anonymous.get("/openapi.json")
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    zipped = anonymous.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert zipped.status_code == 200
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert json.loads(gzip.decompress(zipped.data)) == plain.json
    assert int(zipped.headers["Content-Length"]) == len(zipped.data) < len(plain.data) / 4
    br = anonymous.get("/openapi.json", headers={"Accept-Encoding": "gzip, br"})
    assert br.headers["Content-Encoding"] == "br"
    assert json.loads(brotli.decompress(br.data)) == plain.json
    print(f"\nopenapi.json: {len(plain.data)} bytes, gzip {len(zipped.data)}, br {len(br.data)}")


def test_small_bodies_and_errors_are_not_compressed(anonymous: FlaskClient) -> None:
    small = anonymous.get("/healthz", headers={"Accept-Encoding": "gzip, br"})
    assert small.status_code == 200 and len(small.data) < MIN_BYTES
    assert "Content-Encoding" not in small.headers and small.json == {"status": "ok"}
    unknown = "&".join(f"unknown_parameter_{i}=1" for i in range(40))
    refused = anonymous.get(f"/api/v1/forces?{unknown}", headers={"Accept-Encoding": "gzip"})
    assert refused.status_code == 422 and len(refused.data) > MIN_BYTES
    assert "Content-Encoding" not in refused.headers
    assert refused.content_type == "application/problem+json"


def test_compressed_lists_keep_their_etag_and_304(anonymous: FlaskClient, seeded_kb: KB) -> None:
    first = anonymous.get("/api/v1/domains", headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200 and first.headers["Content-Encoding"] == "gzip"
    assert first.content_type == "application/json"
    tag = first.headers["ETag"]
    assert tag.endswith(':gzip"'), tag  # another representation, another strong tag
    again = anonymous.get("/api/v1/domains", headers={"Accept-Encoding": "gzip",
                                                      "If-None-Match": tag})
    assert again.status_code == 304 and again.data == b""
    plain = anonymous.get("/api/v1/domains")
    assert plain.headers["ETag"] == tag.removesuffix(':gzip"') + '"'
    assert json.loads(gzip.decompress(first.data)) == plain.json


def test_csv_answers_are_compressed_and_stay_csv(anonymous: FlaskClient, seeded_kb: KB) -> None:
    path = "/api/v1/mechanisms?format=csv&page_size=100"
    plain = anonymous.get(path)
    assert plain.status_code == 200 and plain.mimetype == "text/csv", plain.data[:200]
    assert len(plain.data) > MIN_BYTES
    packed = anonymous.get(path, headers={"Accept-Encoding": "gzip"})
    assert packed.mimetype == "text/csv" and packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert {"Accept", "Accept-Encoding"} <= {v.strip() for v in packed.headers["Vary"].split(",")}
    cached = anonymous.get(path, headers={"Accept-Encoding": "gzip",
                                          "If-None-Match": packed.headers["ETag"]})
    assert cached.status_code == 304


def test_an_entity_etag_of_a_compressed_answer_works_in_if_match_and_if_none_match(
        client: FlaskClient, empty_kb: KB) -> None:
    # enough parts for the body to pass the compression threshold
    empty_kb.load([e("Force", "f-top", kind="command"),
                   *[e("Force", f"f-part-{i:02}", kind="unit") for i in range(30)]])
    for i in range(30):
        made = client.post("/api/v1/relations", json={
            "type": "PART_OF", "from": f"f-part-{i:02}", "to": "f-top",
            "sources": ["example-source"]})
        assert made.status_code == 201, made.json
    got = client.get("/api/v1/forces/f-top", headers={"Accept-Encoding": "gzip"})
    assert got.status_code == 200 and got.headers["Content-Encoding"] == "gzip", got.headers
    tag = got.headers["ETag"]
    assert tag.startswith('"1-') and tag.endswith(':gzip"'), tag
    cached = client.get("/api/v1/forces/f-top", headers={"Accept-Encoding": "gzip",
                                                         "If-None-Match": tag})
    assert cached.status_code == 304
    edited = client.patch("/api/v1/forces/f-top", json={"name": "Top"},
                          headers={"If-Match": tag})
    assert edited.status_code == 200, edited.json
    stale = client.patch("/api/v1/forces/f-top", json={"name": "Old"},
                         headers={"If-Match": tag})
    assert stale.status_code == 412, stale.json


def test_the_streamed_export_is_compressed_and_complete(client: FlaskClient,
                                                        seeded_kb: KB) -> None:
    plain = client.get("/api/v1/export")
    assert plain.status_code == 200 and plain.mimetype == "application/x-ndjson"
    packed = client.get("/api/v1/export", headers={"Accept-Encoding": "br"})
    assert packed.headers["Content-Encoding"] == "br" and packed.mimetype == plain.mimetype
    assert brotli.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data)


def test_cors_preflight_needs_no_key_when_reads_do(keyed_reads: Flask) -> None:
    browser = keyed_reads.test_client()
    origin = "https://ui.example.org"
    assert browser.get("/api/v1/forces", headers={"Origin": origin}).status_code == 401
    for path in ("/api/v1/forces", "/api/v1/forces/some-force", "/api/v1/relations"):
        pre = browser.options(path, headers={
            "Origin": origin, "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization, x-request-id"})
        assert pre.status_code in (200, 204), (path, pre.status_code, pre.data)
        assert pre.headers["Access-Control-Allow-Origin"] == origin
        allowed = pre.headers["Access-Control-Allow-Headers"].lower()
        assert "authorization" in allowed and "x-request-id" in allowed
        assert "GET" in pre.headers["Access-Control-Allow-Methods"]
        assert "WWW-Authenticate" not in pre.headers
    answered = browser.get("/api/v1/forces", headers={"Origin": origin})
    exposed = answered.headers["Access-Control-Expose-Headers"]
    assert "X-Request-ID" in exposed and "ETag" in exposed


def test_the_spec_declares_security_schemes_for_swagger_ui(anonymous: FlaskClient) -> None:
    spec = anonymous.get("/openapi.json").json
    assert spec is not None
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerKey"]["type"] == "http" and schemes["bearerKey"]["scheme"] == "bearer"
    assert schemes["apiKeyHeader"] == {**schemes["apiKeyHeader"], "type": "apiKey",
                                       "in": "header", "name": "X-API-Key"}
    # Swagger UI sends the key it was given on every call, reads included; `{}` keeps it
    # optional where no role is needed
    assert spec["security"] == [{"bearerKey": []}, {"apiKeyHeader": []}, {}]
    create = spec["paths"]["/api/v1/forces"]["post"]
    assert create["security"] == [{"bearerKey": []}, {"apiKeyHeader": []}]
    docs = anonymous.get("/docs")
    assert docs.status_code == 200 and b"swagger" in docs.data.lower()


def test_root_links_to_everything(anonymous: FlaskClient) -> None:
    r = anonymous.get("/")
    assert r.status_code == 200 and r.content_type == "application/json", r.data
    assert r.json is not None
    assert r.json["links"] == {
        "explorer": "/explorer", "docs": "/docs", "openapi": "/openapi.json", "api": "/api/v1",
        "health": "/healthz", "ready": "/readyz", "metrics": "/metrics"}
    for name in ("docs", "openapi", "health", "metrics"):
        assert anonymous.get(r.json["links"][name]).status_code == 200, name
    page = anonymous.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert b'href="/docs"' in page.data and b'href="/explorer"' in page.data


def test_root_links_use_the_public_url(neo4j_uri: str, tmp_path: Path) -> None:
    app = create_app(make_settings(neo4j_uri, tmp_path, KB_PUBLIC_URL="https://kb.example.org"))
    try:
        links = (app.test_client().get("/").json or {})["links"]
        assert links["docs"] == "https://kb.example.org/docs"
    finally:
        app.extensions["kb.db"].close()
