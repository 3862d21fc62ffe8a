"""Security fixes found by the probe: secrets out of logs and caches, links not taken from
the Host header, one answer for every bad key (see also test_editing.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from gunicorn.config import Config
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from kb import create_app
from kb.api.shedding import THREADS
from kb.logs import RedactingLogger, redact
from kb.settings import SettingsError, load_settings
from tests.conftest import KB, make_settings
from tests.factories import e, r

KEY = "kb_0123456789ab_S3cr3t-v4lue_with_underscores"


def test_keys_and_secret_parameters_are_redacted() -> None:
    line = f"GET /api/v1/forces?api_key={KEY}&q=idf&token=abc HTTP/1.1"
    cleaned = redact(line)
    assert "S3cr3t" not in cleaned and "abc" not in cleaned
    assert "q=idf" in cleaned and "kb_0123456789ab_" not in cleaned.replace("=[redacted]", "")
    assert redact(f"key {KEY} used") == "key kb_0123456789ab_[redacted] used"


@hypothesis_settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["kb_", "KB_", "0123456789ab", "_S3cr3t", "=", "&", "?", " ",
                                 "api_key", "Token", "password", "q", "x", '"', "'", "-"]),
                max_size=12).map("".join))
def test_redaction_skips_only_texts_neither_pattern_matches(text: str) -> None:
    """redact returns texts without `kb_` and `=` untouched, unread by its patterns: the
    same as applying both substitutions to every text."""
    from kb.logs import _KEY, _PARAM, REDACTED

    both = _PARAM.sub(rf"\1{REDACTED}", _KEY.sub(rf"kb_\1_{REDACTED}", text))
    assert redact(text) == both


def test_the_access_log_never_holds_a_key() -> None:
    logger = RedactingLogger(Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/api/v1/forces?api_key={KEY}",
               "SERVER_PROTOCOL": "HTTP/1.1", "QUERY_STRING": f"api_key={KEY}",
               "PATH_INFO": "/api/v1/forces", "REMOTE_ADDR": "127.0.0.1"}
    req = SimpleNamespace(headers=[("AUTHORIZATION", f"Bearer {KEY}"), ("X-API-KEY", KEY),
                                   ("USER-AGENT", "curl")])
    resp = SimpleNamespace(status="401 UNAUTHORIZED", sent=10, headers=[])
    atoms = logger.atoms(resp, req, environ, dt.timedelta(milliseconds=5))
    assert "S3cr3t" not in " ".join(str(v) for v in atoms.values())
    assert atoms["{user-agent}i"] == "curl"
    from kb import gunicorn_conf

    assert gunicorn_conf.logger_class == "kb.logs.RedactingLogger"


def test_a_new_key_is_never_stored_by_caches(app: Flask, api_keys: dict[str, str]) -> None:
    admin = app.test_client()
    made = admin.post("/api/v1/keys", json={"name": "cache test", "role": "reader"},
                      headers={"Authorization": f"Bearer {api_keys['admin']}"})
    assert made.status_code == 201, made.json
    assert made.headers["Cache-Control"] == "no-store"


def test_links_do_not_come_from_the_host_header(anonymous: FlaskClient, seeded_kb: KB) -> None:
    r = anonymous.get("/api/v1/domains?page_size=2", headers={"Host": "evil.example"})
    assert r.status_code == 200, r.json
    assert "evil.example" not in r.headers["Link"]


def test_links_use_the_configured_public_url(neo4j_uri: str, tmp_path: Path,
                                            seeded_kb: KB) -> None:
    app = create_app(make_settings(neo4j_uri, tmp_path, KB_PUBLIC_URL="https://kb.example.org/"))
    try:
        r = app.test_client().get("/api/v1/domains?page_size=2",
                                  headers={"Host": "evil.example"})
        first = r.headers["Link"].split(";")[0]
        assert first == "<https://kb.example.org/api/v1/domains?page_size=2&page=1>", first
    finally:
        app.extensions["kb.db"].close()
    with pytest.raises(SettingsError, match="KB_PUBLIC_URL"):
        load_settings({"KB_PUBLIC_URL": "evil.example/<script>"})


def _changes(app: Flask, key: str | None, **query: str) -> list[dict[str, Any]]:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    r = client.get("/api/v1/changes", query_string={"page_size": 500, **query},
                   headers=headers)
    assert r.status_code == 200, r.json
    return list(r.json)


def test_the_audit_trail_shows_each_role_what_it_may_see(
        app: Flask, client: FlaskClient, api_keys: dict[str, str], empty_kb: KB) -> None:
    empty_kb.load([e("Force", "f-a", kind="unit"), e("Force", "f-b", kind="command")])
    assert client.post("/api/v1/relations", json=r("PART_OF", "f-a", "f-b")).status_code == 201
    assert client.delete("/api/v1/forces/f-b").status_code == 204
    assert app.test_client().get("/api/v1/changes").status_code == 401
    seen = {role: next(c for c in _changes(app, api_keys[role]) if c["target"] == "f-b"
                       and c["op"] == "delete") for role in ("reader", "editor", "admin")}
    assert seen["reader"]["actor"] == {"id": None, "name": None}
    assert seen["reader"]["before"] == {}
    assert seen["editor"]["actor"]["id"] and seen["editor"]["actor"]["name"] is None
    assert seen["editor"]["before"]["kind"] == "command"
    assert seen["admin"]["actor"]["name"] == "test editor"


def test_relations_deleted_with_their_entity_are_in_the_trail(
        app: Flask, client: FlaskClient, api_keys: dict[str, str], empty_kb: KB) -> None:
    empty_kb.load([e("Force", "f-a", kind="unit"), e("Force", "f-b", kind="command"),
                   r("PART_OF", "f-a", "f-b")])
    assert client.delete("/api/v1/forces/f-b").status_code == 204
    deleted = [c for c in _changes(app, api_keys["editor"]) if c["op"] == "delete"]
    assert {(c["kind"], c["before"].get("from"), c["before"].get("to")) for c in deleted} == {
        ("Force", None, None), ("PART_OF", "f-a", "f-b")}


def test_making_and_revoking_keys_is_in_the_trail(app: Flask, api_keys: dict[str, str],
                                                  empty_kb: KB) -> None:
    admin = app.test_client()
    admin.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_keys['admin']}"
    made = admin.post("/api/v1/keys", json={"name": "audited", "role": "reader"})
    assert made.status_code == 201, made.json
    assert admin.delete(f"/api/v1/keys/{made.json['id']}").status_code == 204
    trail = [(c["op"], c["kind"]) for c in _changes(app, api_keys["admin"],
                                                     entity=made.json["id"])]
    assert trail == [("create", "ApiKey"), ("revoke", "ApiKey")]
    created = _changes(app, api_keys["admin"], entity=made.json["id"])[0]
    assert "hash" not in created["after"] and "key" not in created["after"]


def test_no_body_however_deep_gives_a_500(app: Flask, api_keys: dict[str, str],
                                          empty_kb: KB) -> None:
    admin = app.test_client()
    admin.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_keys['admin']}"
    deep = "[" * 50_000 + "]" * 50_000
    spec = admin.get("/openapi.json").json
    writes = [(path, method) for path, ops in spec["paths"].items()
              for method, op in ops.items() if "requestBody" in op]
    assert len(writes) > 10
    for path, method in writes:
        url = path.replace("{entity_id}", "x").replace("{relation_id}", "x")
        answer = admin.open(url, method=method.upper(), data=deep,
                            content_type="application/json")
        assert answer.status_code == 422, (method, path, answer.status_code)
        assert answer.json["errors"][0]["message"] == "nested too deeply"


def test_clients_are_rate_limited_per_address_and_per_key(
        neo4j_uri: str, tmp_path: Path, api_keys: dict[str, str], seeded_kb: KB) -> None:
    app = create_app(make_settings(neo4j_uri, tmp_path, KB_RATE_LIMIT_ANONYMOUS="3/minute",
                                   KB_RATE_LIMIT_KEYED="5/minute"))
    try:
        anonymous, keyed = app.test_client(), app.test_client()
        keyed.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_keys['reader']}"
        assert [anonymous.get("/api/v1/domains").status_code for _ in range(4)] == [
            200, 200, 200, 429]
        refused = anonymous.get("/api/v1/domains")
        assert refused.content_type == "application/problem+json"
        assert int(refused.headers["Retry-After"]) > 0
        assert anonymous.get("/healthz").status_code == 200  # probes are never limited
        assert [keyed.get("/api/v1/domains").status_code for _ in range(6)] == [
            200, 200, 200, 200, 200, 429]
    finally:
        app.extensions["kb.db"].close()
    with pytest.raises(SettingsError, match="KB_RATE_LIMIT_KEYED"):
        load_settings({"KB_RATE_LIMIT_KEYED": "lots"})


def test_one_kind_of_caller_may_go_unlimited(neo4j_uri: str, tmp_path: Path,
                                             api_keys: dict[str, str], seeded_kb: KB) -> None:
    app = create_app(make_settings(neo4j_uri, tmp_path, KB_RATE_LIMIT_ANONYMOUS="off",
                                   KB_RATE_LIMIT_KEYED="2/minute"))
    try:
        anonymous, keyed = app.test_client(), app.test_client()
        keyed.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_keys['reader']}"
        assert {anonymous.get("/api/v1/domains").status_code for _ in range(5)} == {200}
        assert [keyed.get("/api/v1/domains").status_code for _ in range(3)] == [200, 200, 429]
    finally:
        app.extensions["kb.db"].close()


def test_probes_answer_while_every_request_slot_is_busy(
        app: Flask, anonymous: FlaskClient, seeded_kb: KB) -> None:
    slots = app.extensions["kb.slots"]
    taken = 0
    while slots.take():  # what slow requests in every other thread would hold
        taken += 1
    try:
        assert taken == THREADS - 1  # one thread stays free for the probes
        busy = anonymous.get("/api/v1/graph?center=IDF")
        assert busy.status_code == 503, busy.json
        assert busy.headers["Retry-After"] == "5"
        assert anonymous.get("/api/v1/domains").status_code == 200  # quick ones still run
        assert anonymous.get("/healthz").status_code == 200
        assert anonymous.get("/readyz").status_code == 200
    finally:
        for _ in range(taken):
            slots.give_back()
    assert anonymous.get("/api/v1/graph?center=IDF").status_code == 200  # slots came back
