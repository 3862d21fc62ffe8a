"""Roles declared on the views (kb.api.security.requires), checked over the whole OpenAPI document.

Every write operation of /openapi.json refuses an anonymous caller (401) and a reader (403)
before it looks at the request; every operation that needs a role says so with a `security`
entry, and open reads carry none.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from kb import create_app
from tests.conftest import KB, make_settings

WRITES = ("post", "put", "patch", "delete")
METHODS = ("get", *WRITES)
NOT_A_BODY = {"no such field": True}  # invalid everywhere: the role must be checked first


def _operations(client: FlaskClient) -> list[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) of every operation in /openapi.json."""
    spec = client.get("/openapi.json").json or {}
    return [(path, method, op) for path, item in spec["paths"].items()
            for method, op in item.items() if method in METHODS]


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)  # any id: the role is checked before it is looked up


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_every_write_refuses_anonymous_callers_and_readers(
        anonymous: FlaskClient, api_keys: dict[str, str]) -> None:
    writes = [(p, m) for p, m, _ in _operations(anonymous) if m in WRITES]
    assert writes
    wrong = []
    for path, method in writes:
        resp = anonymous.open(_url(path), method=method.upper(), json=NOT_A_BODY)
        if (resp.status_code != 401 or not resp.headers.get("WWW-Authenticate", "")
                .startswith("Bearer") or resp.content_type != "application/problem+json"):
            wrong.append(f"anonymous {method} {path}: {resp.status_code}")
        resp = anonymous.open(_url(path), method=method.upper(), json=NOT_A_BODY,
                              headers=_bearer(api_keys["reader"]))
        if resp.status_code != 403:
            wrong.append(f"reader {method} {path}: {resp.status_code}")
    assert not wrong, "\n".join(wrong)


def test_operations_that_need_a_role_say_so_and_open_reads_do_not(
        anonymous: FlaskClient, empty_kb: KB) -> None:
    schemes = (anonymous.get("/openapi.json").json or {})["components"]["securitySchemes"]
    assert schemes["bearerKey"] == {**schemes["bearerKey"], "type": "http", "scheme": "bearer"}
    assert schemes["apiKeyHeader"] == {**schemes["apiKeyHeader"], "type": "apiKey",
                                       "in": "header", "name": "X-API-Key"}
    wrong = []
    for path, method, op in _operations(anonymous):
        needs_role = anonymous.open(_url(path), method=method.upper(),
                                    json=NOT_A_BODY if method in WRITES else None
                                    ).status_code == 401
        assert needs_role or method == "get", f"{method} {path} is open"
        declared = op.get("security")
        if needs_role and not declared:
            wrong.append(f"{method} {path} needs a role but has no security entry")
        if declared and not needs_role:
            wrong.append(f"{method} {path} is open but has a security entry")
        if declared and declared != [{name: []} for name in schemes]:
            wrong.append(f"{method} {path}: security {declared}")
        if declared and not {"401", "403"} <= set(op["responses"]):
            wrong.append(f"{method} {path} does not document 401 and 403")
    assert not wrong, "\n".join(wrong)


def test_the_role_is_checked_before_the_body_and_query(
        app: Flask, anonymous: FlaskClient, api_keys: dict[str, str]) -> None:
    invalid = {"name": "", "role": "superuser"}
    assert anonymous.post("/api/v1/keys", json=invalid).status_code == 401
    assert anonymous.get("/api/v1/keys?no_such_parameter=1").status_code == 401
    editor = app.test_client()
    assert editor.post("/api/v1/keys", json=invalid,
                       headers=_bearer(api_keys["editor"])).status_code == 403
    assert anonymous.post("/api/v1/import", data="not json",
                          content_type="application/json").status_code == 401
    resp = anonymous.post("/api/v1/keys", json=invalid, headers=_bearer(api_keys["admin"]))
    assert resp.status_code == 422 and resp.json["errors"]  # type: ignore[index]


def test_preflight_needs_no_key_even_when_reads_do(neo4j_uri: str, tmp_path: Path,
                                                   api_keys: dict[str, str],
                                                   empty_kb: KB) -> None:
    app = create_app(make_settings(neo4j_uri, tmp_path, KB_READS_REQUIRE_KEY="true"))
    try:
        client = app.test_client()
        for path, method in (("/api/v1/forces", "GET"), ("/api/v1/keys", "POST"),
                             ("/api/v1/relations/x", "DELETE")):
            resp = client.options(path, headers={"Origin": "https://dashboard.example",
                                                 "Access-Control-Request-Method": method})
            assert resp.status_code == 200, (path, resp.json)
            assert resp.headers["Access-Control-Allow-Origin"] == "*"
        assert client.get("/api/v1/forces").status_code == 401
        assert client.get("/api/v1/forces", headers=_bearer(api_keys["reader"])).status_code == 200
        assert client.post("/api/v1/relations", json=NOT_A_BODY,
                           headers=_bearer(api_keys["reader"])).status_code == 403
        assert client.get("/healthz").status_code == 200
    finally:
        app.extensions["kb.db"].close()
