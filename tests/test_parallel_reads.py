"""Independent reads of one request side by side (kb.db.Database.read_all), as /stats runs its
statements: each in its own read transaction on a pool thread, results by name, errors and
the request id carried across."""

from __future__ import annotations

import threading
from typing import Any

import neo4j
import pytest
from flask.testing import FlaskClient

from kb import stats
from kb.db import Database
from kb.logs import REQUEST_ID
from kb.queries import trusted
from kb.stats import TABLE_KINDS
from tests.conftest import KB


def _seen(tx: neo4j.ManagedTransaction, value: int) -> dict[str, Any]:
    # what one unit of work saw: its thread, the request id of its context, a query's answer
    answer = tx.run(trusted("RETURN $value * 2 AS doubled"), value=value).single()
    assert answer is not None
    return {"thread": threading.get_ident(), "request_id": REQUEST_ID.get(),
            "doubled": answer["doubled"]}


def test_each_unit_runs_in_a_pool_thread_with_the_callers_request_id(db: Database) -> None:
    token = REQUEST_ID.set("req-parallel-1")
    try:
        found = db.read_all({f"unit{i}": lambda tx, i=i: _seen(tx, i) for i in range(4)})
    finally:
        REQUEST_ID.reset(token)
    assert [found[f"unit{i}"]["doubled"] for i in range(4)] == [0, 2, 4, 6]
    assert all(f["request_id"] == "req-parallel-1" for f in found.values()), found
    threads = {f["thread"] for f in found.values()}
    assert threading.get_ident() not in threads  # not run in the caller's thread
    # the pool's threads, never more than it has
    assert {t.ident for t in threading.enumerate() if t.name.startswith("kb-read")} >= threads


def test_an_error_in_one_unit_reaches_the_caller(db: Database) -> None:
    def broken(tx: neo4j.ManagedTransaction) -> None:
        raise LookupError("unit failed")

    with pytest.raises(LookupError, match="unit failed"):
        db.read_all({"fine": lambda tx: _seen(tx, 1), "broken": broken})


def test_stats_reads_its_tables_side_by_side(client: FlaskClient, db: Database,
                                             seeded_kb: KB,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[list[str]] = []
    read_all = db.read_all
    monkeypatch.setattr(db, "read_all", lambda works: asked.append(list(works)) or
                        read_all(works))
    # the API counts the tables and ranks the forces from its index (kb.stats_index)
    r = client.get("/api/v1/stats?as_of=2021-03-04")
    assert r.status_code == 200, r.json
    assert asked == [["counts"]]
    assert sum(c["count"] for c in r.json["mechanisms"]["by_kind"]) > 0
    # without the index the four statements run side by side, and answer the same
    asked.clear()
    counted = stats.summary(db, "2021-03-04", None, 10)
    assert asked == [["counts", "most_connected", *TABLE_KINDS]]
    assert counted == r.json
