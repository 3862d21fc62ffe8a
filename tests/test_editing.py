"""Editing safely: keys and roles, audit trail, lost updates, import and export."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb.auth import create_key
from kb.db import Database
from kb.generated import generated_records
from kb.ingest import load_records
from tests.conftest import BASE_RECORDS, KB

S = ["example-source"]
FORCE = {"id": "f1", "name": "Force One", "kind": "unit", "sources": S}


def with_key(app: Flask, key: str | None, header: str = "Authorization") -> FlaskClient:
    c = app.test_client()
    if key is not None:
        c.environ_base["HTTP_X_API_KEY" if header == "X-API-Key" else "HTTP_AUTHORIZATION"] = (
            key if header == "X-API-Key" else f"Bearer {key}")
    return c


# (method, path, body, role needed)
ENDPOINTS = [
    ("get", "/api/v1/forces", None, None),
    ("get", "/api/v1/mechanisms?between=ISR&between=RUS", None, None),
    ("post", "/api/v1/forces", FORCE, "editor"),
    ("post", "/api/v1/import?dry_run=true", [{"entity": "Force", **FORCE}], "editor"),
    ("get", "/api/v1/keys", None, "admin"),
    ("post", "/api/v1/keys", {"name": "x", "role": "reader"}, "admin"),
]
EXPECT = {  # role of the caller -> role needed -> status
    None: {None: 200, "editor": 401, "admin": 401},
    "reader": {None: 200, "editor": 403, "admin": 403},
    "editor": {None: 200, "editor": 201, "admin": 403},
    "admin": {None: 200, "editor": 201, "admin": 201},
}


@pytest.mark.parametrize("who", [None, "reader", "editor", "admin"])
@pytest.mark.parametrize(("method", "path", "body", "needed"), ENDPOINTS,
                         ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
def test_each_role_against_each_kind_of_endpoint(
    app: Flask, api_keys: dict[str, str], empty_kb: KB, who: str | None, method: str,
    path: str, body: Any, needed: str | None,
) -> None:
    client = with_key(app, api_keys[who] if who else None)
    resp = getattr(client, method)(path, json=body)
    expected = EXPECT[who][needed]
    if expected == 201 and (path.startswith("/api/v1/import") or method == "get"):
        expected = 200
    assert resp.status_code == expected, resp.json
    if expected == 401:
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
        assert resp.content_type == "application/problem+json"


def test_x_api_key_header_and_bad_keys(app: Flask, api_keys: dict[str, str],
                                       empty_kb: KB) -> None:
    assert with_key(app, api_keys["editor"], "X-API-Key").post(
        "/api/v1/forces", json=FORCE).status_code == 201
    for bad in ("nonsense", "kb_000000000000_x", api_keys["editor"][:-2] + "xx"):
        resp = with_key(app, bad).get("/api/v1/forces")
        assert resp.status_code == 401, bad
        assert "WWW-Authenticate" in resp.headers


def test_unknown_routes_and_methods_answer_before_keys(app: Flask, empty_kb: KB) -> None:
    stranger = with_key(app, "kb_000000000000_nope")
    assert stranger.open("/api/v1/forces", method="TRACE").status_code == 405
    assert stranger.get("/api/v1/nothing-here").status_code == 404
    assert stranger.get("/api/v1/forces").status_code == 401


def test_revoked_and_expired_keys_fail(app: Flask, db: Database, api_keys: dict[str, str],
                                       empty_kb: KB) -> None:
    admin = with_key(app, api_keys["admin"])
    made = admin.post("/api/v1/keys", json={"name": "temp", "role": "editor"})
    assert made.status_code == 201, made.json
    key, key_id = made.json["key"], made.json["id"]  # type: ignore[index]
    assert with_key(app, key).post("/api/v1/forces", json=FORCE).status_code == 201
    assert admin.delete(f"/api/v1/keys/{key_id}").status_code == 204
    resp = with_key(app, key).get("/api/v1/forces")
    assert resp.status_code == 401, resp.json
    revoked_answer = resp.json

    expired, _ = create_key(db, "editor", "old", expires_at="2020-01-01T00:00:00+00:00")
    resp = with_key(app, expired).get("/api/v1/forces")
    assert resp.status_code == 401, resp.json
    # one answer for every bad key: it tells nothing about which ids exist or were revoked
    unknown = with_key(app, "kb_000000000000_" + "x" * 43).get("/api/v1/forces")
    wrong_secret = with_key(app, f"kb_{key_id}_" + "x" * 43).get("/api/v1/forces")
    assert resp.json == revoked_answer == unknown.json == wrong_secret.json
    # the largest page: a Neo4j kept across test sessions (KB_TEST_NEO4J_URI) holds many keys
    listed = {k["id"]: k for k in admin.get("/api/v1/keys?page_size=500").json or []}
    assert listed[key_id]["revoked_at"] and "hash" not in listed[key_id]


def test_an_expiry_is_a_moment_still_to_come_kept_as_utc(app: Flask, api_keys: dict[str, str],
                                                          empty_kb: KB) -> None:
    admin = with_key(app, api_keys["admin"])
    for bad in ("2020-01-01T00:00:00Z", "2030-01-01T00:00:00", "next year",
                # valid ISO 8601, but before year 1 or after 9999 in UTC (these gave 500)
                "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"):
        made = admin.post("/api/v1/keys",
                          json={"name": "expiry", "role": "reader", "expires_at": bad})
        assert made.status_code == 422, (bad, made.json)
        assert [e["field"] for e in made.json["errors"]] == ["expires_at"], made.json
    made = admin.post("/api/v1/keys", json={"name": "expiry", "role": "reader",
                                            "expires_at": "2030-01-01T02:00:00+02:00"})
    assert made.status_code == 201, made.json
    assert made.json["expires_at"] == "2030-01-01T00:00:00+00:00", made.json


def test_a_stored_expiry_that_is_no_moment_is_not_honoured(app: Flask, db: Database,
                                                           empty_kb: KB) -> None:
    """Expiries were not checked on the command line before: such a key fails closed."""
    key, record = create_key(db, "reader", "garbled expiry")
    assert with_key(app, key).get("/api/v1/forces").status_code == 200
    db.write_tx(lambda tx: tx.run("MATCH (k:ApiKey {id: $id}) SET k.expires_at = 'notadate'",
                                  id=record["id"]).consume())
    assert with_key(app, key).get("/api/v1/forces").status_code == 401


def test_no_plain_key_in_the_database(db: Database, api_keys: dict[str, str]) -> None:
    stored = db.read("MATCH (k:ApiKey) RETURN properties(k) AS k")
    text = json.dumps(stored)
    for key in api_keys.values():
        assert key not in text and key.split("_", 2)[2] not in text
    assert all(k["k"]["hash"].startswith("$argon2") for k in stored)


def test_keys_never_reach_the_logs(app: Flask, api_keys: dict[str, str], empty_kb: KB,
                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = with_key(app, api_keys["editor"])
    client.post("/api/v1/forces", json=FORCE)
    client.post("/api/v1/forces", json={"bad": True})
    with_key(app, api_keys["editor"] + "x").get("/api/v1/forces")
    assert caplog.records  # the capture saw the app's logging
    for key in api_keys.values():
        assert key.split("_", 2)[2] not in caplog.text


def test_writes_are_audited_with_before_and_after(app: Flask, api_keys: dict[str, str],
                                                  client: FlaskClient, empty_kb: KB) -> None:
    assert client.post("/api/v1/forces", json=FORCE).status_code == 201
    assert client.patch("/api/v1/forces/f1", json={"name": "Force 1"}).status_code == 200
    assert client.delete("/api/v1/forces/f1").status_code == 204
    feed = client.get("/api/v1/changes?entity=f1").json or []
    assert [c["op"] for c in feed] == ["create", "update", "delete"]
    assert feed[1]["before"] == {"name": "Force One"} and feed[1]["after"] == {"name": "Force 1"}
    editor_id = api_keys["editor"].split("_")[1]
    assert feed[0]["actor"] == {"id": editor_id, "name": None}  # names are for admins
    assert [c["seq"] for c in feed] == sorted(c["seq"] for c in feed)
    since = client.get(f"/api/v1/changes?since={feed[1]['seq']}&entity=f1").json or []
    assert [c["op"] for c in since] == ["delete"]


def test_if_match_and_etags(client: FlaskClient, empty_kb: KB) -> None:
    created = client.post("/api/v1/forces", json=FORCE)
    tag = created.headers["ETag"]
    assert tag.startswith('"1-')  # "<version>-<hash of the body>"
    got = client.get("/api/v1/forces/f1")
    assert got.headers["ETag"] == tag and got.headers["Cache-Control"] == "no-cache"
    assert client.get("/api/v1/forces/f1", headers={"If-None-Match": tag}).status_code == 304
    ok = client.patch("/api/v1/forces/f1", json={"name": "A"}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200 and ok.headers["ETag"].startswith('"2-')
    stale = client.patch("/api/v1/forces/f1", json={"name": "B"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json["current_version"] == 2  # type: ignore[index]
    gone = client.delete("/api/v1/forces/f1", headers={"If-Match": '"1"'})
    assert gone.status_code == 412
    # documented: without If-Match the last writer wins
    assert client.patch("/api/v1/forces/f1", json={"name": "C"}).status_code == 200
    assert client.delete("/api/v1/forces/f1", headers={"If-Match": '"3"'}).status_code == 204


@pytest.mark.parametrize("header", ['W/"1"', '"one"', "", '"1", "2"', '"' + "9" * 19 + '"'])
def test_if_match_that_is_no_etag_of_ours_is_422(client: FlaskClient, empty_kb: KB,
                                                 header: str) -> None:
    client.post("/api/v1/forces", json=FORCE)
    resp = client.patch("/api/v1/forces/f1", json={"name": "A"}, headers={"If-Match": header})
    assert resp.status_code == 422, resp.json
    assert resp.json["errors"][0]["field"] == "If-Match"  # type: ignore[index]
    assert client.get("/api/v1/forces/f1").json["name"] == FORCE["name"]  # type: ignore[index]
    bare = client.patch("/api/v1/forces/f1", json={"name": "A"}, headers={"If-Match": "1"})
    assert bare.status_code == 200, bare.json  # the version without its quotes


def test_patch_without_a_body_is_refused(client: FlaskClient, empty_kb: KB) -> None:
    tag = client.post("/api/v1/forces", json=FORCE).headers["ETag"]
    resp = client.patch("/api/v1/forces/f1", content_type="application/json")
    assert resp.status_code == 422, resp.json
    assert client.get("/api/v1/forces/f1").headers["ETag"] == tag  # unchanged


def test_a_patch_that_does_not_fit_the_stored_fields_conflicts(client: FlaskClient,
                                                               empty_kb: KB) -> None:
    tag = client.post("/api/v1/forces", json={**FORCE, "founded_on": "1948-05"}).headers["ETag"]
    resp = client.patch("/api/v1/forces/f1", json={"dissolved_on": "1947"})
    assert resp.status_code == 409, resp.json
    assert resp.json["errors"][0]["field"] == "dissolved_on"  # type: ignore[index]
    assert client.get("/api/v1/forces/f1").headers["ETag"] == tag  # unchanged


def test_a_key_cannot_revoke_itself(app: Flask, db: Database, empty_kb: KB) -> None:
    key, record = create_key(db, "admin", "self-revoking admin")
    admin = with_key(app, key)
    resp = admin.delete(f"/api/v1/keys/{record['id']}")
    assert resp.status_code == 409, resp.json
    assert admin.get("/api/v1/keys").status_code == 200  # still valid


def test_concurrent_updates_with_one_etag_one_wins(app: Flask, api_keys: dict[str, str],
                                                   client: FlaskClient, empty_kb: KB) -> None:
    assert client.post("/api/v1/forces", json=FORCE).status_code == 201
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def update(n: int) -> None:
        c = with_key(app, api_keys["editor"])
        barrier.wait()
        resp = c.put("/api/v1/forces/f1", json={**FORCE, "name": f"Writer {n}"},
                     headers={"If-Match": '"1"'})
        statuses.append(resp.status_code)

    threads = [threading.Thread(target=update, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 412, 412, 412]
    feed = client.get("/api/v1/changes?entity=f1").json or []
    assert [c["op"] for c in feed] == ["create", "update"]
    assert client.get("/api/v1/forces/f1").json["version"] == 2  # type: ignore[index]


def records(n: int, start: int = 0) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(start, start + n):
        out.append({"entity": "Force", "id": f"unit-{i}", "name": f"Unit {i}", "kind": "unit",
                    "sources": S})
        if i > start:
            out.append({"type": "PART_OF", "from": f"unit-{i}", "to": f"unit-{i - 1}",
                        "sources": S})
    return out


def test_import_is_all_or_nothing_and_names_the_bad_record(client: FlaskClient,
                                                           empty_kb: KB) -> None:
    batch = records(50)
    batch[37] = {**batch[37], "kind": "squadron"}
    before = empty_kb.counts()
    resp = client.post("/api/v1/import", json=batch)
    assert resp.status_code == 422, resp.json
    assert resp.json["errors"][0]["record"].startswith("record 38")  # type: ignore[index]
    assert resp.json["errors"][0]["field"] == "kind"  # type: ignore[index]
    assert empty_kb.counts() == before
    bad_ref = [*records(3), {"type": "PART_OF", "from": "unit-1", "to": "nowhere",
                             "sources": S}]
    resp = client.post("/api/v1/import", json=bad_ref)
    assert resp.status_code == 409 and empty_kb.counts() == before, resp.json
    assert resp.json["errors"][0]["field"] == "to"  # type: ignore[index]
    twice = [*records(2), {**records(1)[0], "name": "Another name"}]
    resp = client.post("/api/v1/import", json=twice)
    assert resp.status_code == 409 and empty_kb.counts() == before, resp.json
    assert resp.json["errors"][0]["record"].startswith("record 4")  # type: ignore[index]
    same_again = [*records(2), records(1)[0]]
    assert client.post("/api/v1/import", json=same_again).status_code == 200


def test_import_dry_run_then_twice(client: FlaskClient, api_keys: dict[str, str],
                                   empty_kb: KB) -> None:
    batch = records(10)
    ndjson = "\n".join(json.dumps(r) for r in batch)
    dry = client.post("/api/v1/import?dry_run=true", data=ndjson,
                      content_type="application/x-ndjson")
    assert dry.status_code == 200, dry.json
    assert dry.json["totals"] == {"created": 19}  # type: ignore[index]
    assert empty_kb.counts()[0] == 258  # nothing written: generated records + example source
    first = client.post("/api/v1/import", json=batch).json
    second = client.post("/api/v1/import", json=batch).json
    assert first["totals"] == {"created": 19}  # type: ignore[index]
    assert second["totals"] == {"unchanged": 19}  # type: ignore[index]
    editor = api_keys["editor"].split("_", 2)[1]
    feed = client.get(f"/api/v1/changes?entity=import&actor={editor}").json or []
    assert [c["counts"] for c in feed] == [{"created": 19}, {"unchanged": 19}]
    changed = {**batch[0], "name": "Renamed"}
    assert client.post("/api/v1/import?dry_run=true", json=[changed]).json["totals"] == {
        "updated": 1}


def test_import_size_limit_is_a_413(client: FlaskClient, app: Flask, empty_kb: KB) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    resp = client.post("/api/v1/import", data=b"[" + b" " * limit + b"]",
                       content_type="application/json")
    assert resp.status_code == 413 and resp.content_type == "application/problem+json"


def test_concurrent_overlapping_imports_duplicate_nothing(db: Database, empty_kb: KB) -> None:
    # four batches of 60 units overlapping by 30, loaded at once from four threads
    batches = [records(60, start) for start in (0, 30, 60, 90)]
    errors: list[BaseException] = []

    def load(batch: list[dict[str, Any]]) -> None:
        try:
            load_records(db, [(f"r{i}", r) for i, r in enumerate(batch)])
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=load, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    units = db.read("MATCH (n:Force) RETURN count(n) AS n, count(DISTINCT n.id) AS ids")[0]
    assert units == {"n": 150, "ids": 150}
    links = db.read("MATCH (:Force)-[r:PART_OF]->(:Force) RETURN count(r) AS n, "
                    "count(DISTINCT r.id) AS ids")[0]
    assert links == {"n": 149, "ids": 149}  # unit-i -> unit-(i-1) for i in 1..149


def test_export_import_round_trip_is_byte_identical(client: FlaskClient, db: Database,
                                                    seeded_kb: KB) -> None:
    first = client.get("/api/v1/export")
    assert first.status_code == 200 and first.mimetype == "application/x-ndjson"
    text = first.get_data(as_text=True)
    lines = text.splitlines()
    assert len(lines) == sum(seeded_kb.counts())
    seeded_kb.wipe()
    load_records(db, [(f"line {n}", json.loads(line)) for n, line in enumerate(lines, 1)])
    again = client.get("/api/v1/export").get_data(as_text=True)
    assert again == text
    # and nothing was lost on the way: the seed files find every fact as they left it
    from kb.ingest import seed_records
    from kb.settings import PROJECT_ROOT

    report = load_records(db, seed_records(PROJECT_ROOT / "seed_data"), dry_run=True)
    assert set(report.totals()) == {"unchanged"}, report.summary()


def test_export_as_of_leaves_out_relations_not_valid_then(client: FlaskClient,
                                                          empty_kb: KB) -> None:
    empty_kb.load([*records(2), {"type": "MEMBER_OF", "from": "unit-0", "to": "unit-1",
                                 "sources": S, "valid_from": "2020"}])
    now = client.get("/api/v1/export").get_data(as_text=True)
    before = client.get("/api/v1/export?as_of=2019").get_data(as_text=True)
    assert '"MEMBER_OF"' in now and '"MEMBER_OF"' not in before


def test_generated_records_are_importable(db: Database, empty_kb: KB) -> None:
    report = load_records(db, [("g", r) for r in generated_records() + BASE_RECORDS])
    assert set(report.totals()) == {"unchanged"}


def test_concurrent_patches_without_if_match_all_apply(app: Flask, api_keys: dict[str, str],
                                                       client: FlaskClient,
                                                       empty_kb: KB) -> None:
    assert client.post("/api/v1/forces", json=FORCE).status_code == 201
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def patch(n: int) -> None:
        c = with_key(app, api_keys["editor"])
        barrier.wait()
        statuses.append(c.patch("/api/v1/forces/f1", json={"aliases": [f"alias {n}"]}
                                ).status_code)

    threads = [threading.Thread(target=patch, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 4  # documented: without If-Match the last writer wins
    assert client.get("/api/v1/forces/f1").json["version"] == 5  # type: ignore[index]
