"""/stats counts its tables from an index kept in each API process (kb.stats_index): these
tests hold it to the Cypher counting (kb.queries.stats.grouped, itself held to the Python
rules in tests/test_stats_cypher.py) on every day an item's count may change, on partial
dates, with Domain filters, and after each kind of write, which it must follow from the
audit feed without reading everything again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb import stats_index
from kb.dates import hi, lo
from kb.db import Database
from kb.settings import Settings
from kb.stats_index import StatsIndex
from tests.conftest import KB
from tests.factories import S, e, history, r
from tests.test_stats_cypher import DATES, VARIED, VARIED_COVERS, by_cypher

FILTERS: list[list[str] | None] = [None, ["aerial"], ["land", "cyber"]]
DATE_FIELDS = ("established_on", "signed_on", "in_force_from", "ended_on", "valid_from",
               "valid_to")


def days_around(records: list[dict[str, Any]]) -> list[str]:
    """Every first and last day of the records' dates, and the day before and after each:
    the days on which, and next to which, an item's count may change."""
    found = {h["since"] for rec in records for h in rec.get("status_history") or []}
    found |= {rec[f] for rec in records for f in DATE_FIELDS if rec.get(f)}
    days = set()
    for value in found:
        for edge in (lo(value), hi(value)):
            try:
                day = dt.date.fromisoformat(edge)
            except ValueError:  # hi() of a month pads to day 31
                continue
            days |= {(day + dt.timedelta(days=n)).isoformat() for n in (-1, 0, 1)}
    return sorted(days)


def tables(client: FlaskClient, asof: str, domains: list[str] | None) -> dict[str, Any]:
    got = client.get("/api/v1/stats", query_string={"as_of": asof, "domain": domains or []})
    assert got.status_code == 200, got.json
    return {"Mechanism": got.json["mechanisms"], "Agreement": got.json["agreements"]}


def app_index(app: Flask) -> StatsIndex:
    index = app.extensions["kb.stats_index"]
    assert isinstance(index, StatsIndex)
    return index


@pytest.fixture
def varied(empty_kb: KB) -> KB:
    empty_kb.load(VARIED + VARIED_COVERS)
    return empty_kb


def test_index_counts_as_cypher_on_every_day_a_count_may_change(varied: KB) -> None:
    index = StatsIndex()
    days = days_around(VARIED + VARIED_COVERS)
    assert len(days) > 40
    for asof in [*days, *DATES]:
        for domains in FILTERS:
            assert index.tables(varied.db, asof, domains) == by_cypher(
                varied.db, asof, domains), (asof, domains)
    assert (index.loads, index.updates) == (1, 0)  # read once, then only counted
    assert len(index.kinds["Mechanism"].sweeps) == len(FILTERS)


def test_index_counts_as_cypher_on_the_seed_data(db: Database, seeded_kb: KB) -> None:
    index = StatsIndex()
    index.tables(db, "2020-01-01", None)
    keys = index.kinds["Mechanism"].sweeps[None].keys + index.kinds["Agreement"].sweeps[None].keys
    days = sorted({k[0] for k in keys if len(k[0]) == 10 and k[0] < "9999"})
    assert len(days) > 50
    for asof in [*days[::4], "1995", "2015-10", "2019-06", "2023"]:
        for domains in (None, ["naval"]):
            assert index.tables(db, asof, domains) == by_cypher(db, asof, domains), asof


def covers_id(db: Database, item: str, domain: str) -> str:
    rows = db.read("MATCH (:Entity {id: $item})-[c:COVERS]->(:Domain {id: $domain}) "
                   "RETURN c.id AS id", item=item, domain=domain)
    return str(rows[0]["id"])


# each write through the API, then the days and filters the answer is checked on
WRITES = [
    ("post", "/api/v1/mechanisms", e("Mechanism", "m-new", kind="hotline",
                                      established_on="2015-03-05", status_history=history(
                                          ("active", "2015-03-05"), ("suspended", "2016")))),
    ("post", "/api/v1/relations", r("COVERS", "m-new", "aerial", valid_from="2015-04")),
    ("patch", "/api/v1/mechanisms/h-year-month", {"status_history": history(
        ("active", "2015-02-10"), ("terminated", "2015-03-09"))}),
    ("patch", "/api/v1/agreements/a-signed", {"kind": "protocol", "ended_on": "2015-06"}),
    ("delete", "/api/v1/relations/{covers}", None),
    ("delete", "/api/v1/mechanisms/h-est", None),  # its COVERS go with it
    ("post", "/api/v1/import", [e("Agreement", "a-imported", kind="treaty",
                                  signed_on="2015-03-09"),
                                r("COVERS", "a-imported", "cyber", valid_to="2015-03-31")]),
]
CHECKED = ["2015-02-11", "2015-03-05", "2015-03-09", "2015-03-31", "2015-04-01", "2015-05",
           "2016-06-30", "2017"]


@pytest.mark.parametrize("rebuilt", [False, True])
def test_writes_are_followed_from_the_audit_feed(
        client: FlaskClient, app: Flask, varied: KB, monkeypatch: pytest.MonkeyPatch,
        rebuilt: bool) -> None:
    index = app_index(app)
    if rebuilt:  # every sweep built again at the first change, instead of counted by hand
        monkeypatch.setattr(stats_index, "OVERLAY_MAX", 0)
    for asof in CHECKED:
        for domains in FILTERS:
            assert tables(client, asof, domains) == by_cypher(varied.db, asof, domains)
    loads, updates = index.loads, index.updates
    for n, (method, path, body) in enumerate(WRITES, 1):
        if "{covers}" in path:
            path = path.format(covers=covers_id(varied.db, "h-year-month", "aerial"))
        sent = getattr(client, method)(path, json=body)
        assert sent.status_code < 300, (path, sent.json)
        for asof in CHECKED:
            for domains in FILTERS:
                assert tables(client, asof, domains) == by_cypher(
                    varied.db, asof, domains), (path, asof, domains)
        assert (index.loads, index.updates) == (loads, updates + n), path
    changed = index.kinds["Mechanism"].sweeps[None].changed
    assert (set(changed) == {"m-new", "h-year-month", "h-est"}) is not rebuilt
    assert "h-est" not in index.kinds["Mechanism"].items
    assert index.kinds["Agreement"].items["a-imported"].covers == (("cyber", None, "2015-03-31"),)


def test_many_changes_or_a_wiped_store_are_read_whole(
        client: FlaskClient, app: Flask, varied: KB, monkeypatch: pytest.MonkeyPatch) -> None:
    index = app_index(app)
    tables(client, "2015-03-09", None)
    loads = index.loads
    monkeypatch.setattr(stats_index, "RELOAD_ABOVE", 0)  # any change is "many"
    sent = client.patch("/api/v1/mechanisms/h-late", json={"kind": "liaison"})
    assert sent.status_code == 200, sent.json
    assert tables(client, "2015-03-09", None) == by_cypher(varied.db, "2015-03-09", None)
    assert index.loads == loads + 1
    varied.wipe()  # a new epoch: the counter is made again
    varied.load([{"entity": "Source", "id": S[0], "kind": "news_report", "name": "A"},
                 e("Mechanism", "after-wipe", kind="hotline", established_on="2015")])
    answer = tables(client, "2015-03-09", None)
    assert answer == by_cypher(varied.db, "2015-03-09", None)
    assert sum(row["count"] for row in answer["Mechanism"]["by_kind"]) == 1
    assert index.loads == loads + 2 and set(index.kinds["Mechanism"].items) == {"after-wipe"}


def test_no_index_when_answers_are_not_kept(settings: Settings) -> None:
    off = Flask("off")
    stats_index.init_app(off, dataclasses.replace(settings, memo_size=0))
    assert off.extensions["kb.stats_index"] is None
    on = Flask("on")
    stats_index.init_app(on, dataclasses.replace(settings, memo_size=1))
    assert isinstance(on.extensions["kb.stats_index"], StatsIndex)
