"""The memo of /stats, /stats/coverage and /gaps answers (kb.memo): kept while the data
version (audit counter value, counter epoch) stands, never stale after a write or a wipe."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from kb.generated import generated_records
from kb.memo import Memo
from kb.queries.audit import version
from tests.conftest import BASE_RECORDS, KB
from tests.factories import S, e


def counts(client: FlaskClient, url: str = "/api/v1/stats?as_of=2020") -> dict[str, int]:
    r = client.get(url)
    assert r.status_code == 200, r.json
    return {c["entity"]: c["count"] for c in r.json["counts"]}


def memo_of(app: Flask) -> Memo:
    memo: Memo = app.extensions["kb.memo"]
    return memo


def test_a_repeated_request_is_answered_from_the_memo(client: FlaskClient, app: Flask,
                                                      empty_kb: KB) -> None:
    memo = memo_of(app)
    first = counts(client)
    hits = memo.hits
    assert counts(client) == first
    assert memo.hits == hits + 1
    # another as_of is another key: computed, not taken
    counts(client, "/api/v1/stats?as_of=2021")
    assert memo.hits == hits + 1


def test_a_write_through_the_api_changes_stats_and_gaps_at_once(client: FlaskClient,
                                                               empty_kb: KB) -> None:
    before = counts(client)
    gaps = client.get("/api/v1/gaps?as_of=2020")
    assert gaps.status_code == 200, gaps.json
    new = {"id": "memo-mech", "name": "Memo hotline", "kind": "hotline", "sources": S}
    assert client.post("/api/v1/mechanisms", json=new).status_code == 201
    after = counts(client)
    assert after["Mechanism"] == before["Mechanism"] + 1
    r = client.get("/api/v1/stats?as_of=2020")
    assert {k["key"]: k["count"] for k in r.json["mechanisms"]["by_kind"]}["hotline"] == 1
    # deleting it is a write too
    assert client.delete("/api/v1/mechanisms/memo-mech").status_code == 204
    assert counts(client)["Mechanism"] == before["Mechanism"]


def test_a_wipe_and_reload_reaching_the_same_counter_value_is_not_stale(
        client: FlaskClient, empty_kb: KB) -> None:
    # empty_kb's load is one audited batch; reloading other records of the same number
    # after a wipe brings the counter back to the same value, with a new epoch
    base = generated_records() + BASE_RECORDS
    empty_kb.wipe()
    empty_kb.load([*base, e("Mechanism", "memo-m1", kind="hotline")])
    first_version = empty_kb.db.read_tx(version)
    first = counts(client)
    assert first["Mechanism"] == 1 and first["Person"] == 0
    empty_kb.wipe()
    empty_kb.load([*base, e("Person", "memo-p1")])
    second_version = empty_kb.db.read_tx(version)
    assert first_version is not None and second_version is not None
    assert second_version[0] == first_version[0]  # same value...
    assert second_version[1] != first_version[1]  # ...another epoch
    second = counts(client)
    assert second["Mechanism"] == 0 and second["Person"] == 1


def test_size_zero_turns_the_memo_off(empty_kb: KB) -> None:
    memo, calls = Memo(0), []

    def compute() -> Any:
        calls.append(1)
        return len(calls)

    assert [memo.answer(empty_kb.db, "x", (), compute) for _ in range(2)] == [1, 2]
    on = Memo(4)
    assert [on.answer(empty_kb.db, "x", (), compute) for _ in range(2)] == [3, 3]


def test_without_a_counter_nothing_is_kept(empty_kb: KB) -> None:
    empty_kb.wipe()  # no audited write since: no counter, no version
    assert empty_kb.db.read_tx(version) is None
    memo, calls = Memo(4), []
    for _ in range(2):
        memo.answer(empty_kb.db, "x", (), lambda: calls.append(1))
    assert len(calls) == 2
