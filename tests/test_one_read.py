"""Views that resolve names read in one transaction (kb.db.Database.in_one_read,
kb.api.resolving.one_read): the name lookups and the answer share it, so a request begins
and commits one read transaction instead of one per read."""

from __future__ import annotations

import json
import threading
from typing import Any

import neo4j
import pytest
from flask.testing import FlaskClient

from kb.db import Database
from kb.explore import timeline
from kb.queries import trusted
from tests.conftest import KB


def _tx_of(tx: neo4j.ManagedTransaction) -> int:
    tx.run(trusted("RETURN 1")).consume()  # the transaction is usable
    return id(tx)


def test_reads_inside_one_read_share_its_transaction(db: Database) -> None:
    def work() -> list[int]:
        return [db.read_tx(_tx_of), db.read_tx(_tx_of), db.read_tx(_tx_of)]

    inside = db.in_one_read(work)
    assert len(set(inside)) == 1, inside
    outside = {db.read_tx(_tx_of), db.read_tx(_tx_of)}
    assert not outside & set(inside)


def test_reads_side_by_side_inside_one_read_begin_their_own(db: Database) -> None:
    def work() -> tuple[int, dict[str, Any]]:
        return db.read_tx(_tx_of), db.read_all({"a": _tx_of, "b": _tx_of})

    held, apart = db.in_one_read(work)
    assert held not in apart.values(), (held, apart)  # a transaction serves one thread
    assert len(set(apart.values())) == 2


@pytest.fixture
def transactions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The read transactions begun, by thread: one entry per Session.execute_read call."""
    begun: list[int] = []
    execute_read = neo4j.Session.execute_read

    def counted(self: neo4j.Session, work: Any, *args: Any, **kwargs: Any) -> Any:
        begun.append(threading.get_ident())
        return execute_read(self, work, *args, **kwargs)
    monkeypatch.setattr(neo4j.Session, "execute_read", counted)
    return begun


# every view that resolves names (kb.api.resolving.one_read), with names to resolve
NAMED = [
    "/api/v1/timeline?entity=yair-golan",
    "/api/v1/graph?center=idf",
    "/api/v1/paths?from=yair-golan&to=vladimir-putin",
    "/api/v1/dossier?between=idf&between=ru-armed-forces",
    "/api/v1/gaps?theatre=Syria&domain=aerial&as_of=2016-01-01",
    "/api/v1/stats/coverage?actor=ISR&actor=RUS&as_of=2016-02-01",
    "/api/v1/relations?from=idf",
    "/api/v1/mechanisms?between=ISR&between=RUS",
    "/api/v1/forces?state=Israel",
]


@pytest.mark.parametrize("url", NAMED)
def test_a_view_with_names_begins_one_read_transaction(
        anonymous: FlaskClient, seeded_kb: KB, transactions: list[int], url: str) -> None:
    # anonymous: a key presented is looked up in a transaction of its own, before the view
    r = anonymous.get(url)
    assert r.status_code == 200, r.json
    assert r.headers.get("X-Resolved"), url  # names were looked up
    here = threading.get_ident()
    assert [t for t in transactions if t == here] == [here], url


def test_a_retried_transaction_reports_each_name_once(
        anonymous: FlaskClient, seeded_kb: KB, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bool] = []

    def fails_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(True)
        if len(calls) == 1:
            raise neo4j.exceptions.TransientError("the first attempt fails")
        return timeline(*args, **kwargs)
    monkeypatch.setattr("kb.api.analysis.timeline", fails_once)
    r = anonymous.get("/api/v1/timeline?entity=yair-golan&entity=vladimir-putin")
    assert r.status_code == 200, r.json
    assert len(calls) == 2  # the driver ran the view again, names and all
    resolved = json.loads(r.headers["X-Resolved"])
    assert [n["id"] for n in resolved] == ["yair-golan", "vladimir-putin"]
