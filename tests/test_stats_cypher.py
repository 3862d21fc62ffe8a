"""/stats counts its tables in Cypher (kb.queries.stats.grouped) from status lists derived on
write: these tests hold the Cypher to the rules in Python (kb.stats.tables over the items
one by one, with kb.coverage.status_as_of), on histories with partial dates and on the seed
data, and check the migration that gives older stores the lists.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from flask.testing import FlaskClient

from kb import stats
from kb.db import Database
from kb.errors import StoreOutdated
from kb.migrations import migrate
from kb.queries import stats as stats_queries
from kb.queries.asof import asof_params
from kb.records import STATUS_LISTS, status_lists
from tests.conftest import KB
from tests.factories import e, history, r
from tests.test_stats import may_hold

# Histories whose entries begin at the same lo() with other precisions, dates at the edges
# of partial ones, items without history (ended or not), in no Domain, and a
# COVERS relation dated later than some as_of dates.
VARIED = [
    e("Mechanism", "h-year-month", kind="hotline", status_history=history(
        ("proposed", "2015"), ("active", "2015-03"), ("suspended", "2015-03-10"))),
    e("Mechanism", "h-same-day", kind="liaison", status_history=history(
        ("under_negotiation", "2015-03-01"), ("active", "2015-03"), ("terminated", "2021"))),
    e("Mechanism", "h-late", kind="consultation", status_history=history(("active", "2030"))),
    e("Mechanism", "h-est", kind="hotline", established_on="2014-12",
      status_history=history(("active", "2016-06-30"))),
    e("Mechanism", "no-history", kind="monitoring", established_on="2010"),
    e("Mechanism", "no-history-ended", kind="monitoring", established_on="2010-05",
      ended_on="2015-02"),
    e("Mechanism", "no-dates", kind="buffer_zone"),
    e("Mechanism", "not-yet", kind="hotline", established_on="2016",
      status_history=history(("active", "2016"))),
    e("Agreement", "a-signed", kind="treaty", signed_on="2015-03-15",
      status_history=history(("active", "2015-04"), ("suspended", "2019"))),
    e("Agreement", "a-force", kind="protocol", in_force_from="2015",
      status_history=history(("active", "2015-01-01"))),
    e("Agreement", "a-plain", kind="memorandum", ended_on="2015-03-31"),
    e("Agreement", "a-history-only", kind="memorandum",
      status_history=history(("proposed", "2014-11"))),
]
VARIED_COVERS = [
    r("COVERS", "h-year-month", "aerial"), r("COVERS", "h-year-month", "naval"),
    r("COVERS", "h-same-day", "land", valid_from="2015-03-05"),
    r("COVERS", "h-est", "cyber", valid_to="2015-02"),
    r("COVERS", "a-signed", "aerial"), r("COVERS", "a-force", "space", valid_from="2016"),
]
DATES = ["2014", "2014-12-31", "2015", "2015-02", "2015-03", "2015-03-01", "2015-03-09",
         "2015-03-10", "2015-04-01", "2016-06", "2019-12-31", "2022", "2031"]


def by_python(db: Database, asof: str, domains: list[str] | None) -> dict[str, Any]:
    """The tables counted one item at a time by the Python rules."""
    params = asof_params(asof)
    return {label: stats.tables(db.read_tx(
                lambda tx, label=label: stats_queries.items(tx, label, domains, params)),
                label, asof)
            for label in stats.TABLE_KINDS}


def by_cypher(db: Database, asof: str, domains: list[str] | None) -> dict[str, Any]:
    """The tables /stats answers with (counted in Cypher)."""
    answer = stats.summary(db, asof, domains, 3)
    return {"Mechanism": answer["mechanisms"], "Agreement": answer["agreements"]}


@pytest.fixture
def varied(empty_kb: KB) -> KB:
    empty_kb.load(VARIED + VARIED_COVERS)
    return empty_kb


def test_cypher_counts_as_the_python_rules_on_partial_dates(varied: KB) -> None:
    for asof in DATES:
        for domains in (None, ["aerial"], ["land", "cyber"]):
            assert by_cypher(varied.db, asof, domains) == by_python(varied.db, asof, domains), (
                asof, domains)
    # the dates do tell the statuses apart (the comparison is not between empty tables)
    seen = {row["key"] for asof in DATES
            for row in by_cypher(varied.db, asof, None)["Mechanism"]["by_status"]
            if row["count"]}
    assert {"proposed", "active", "suspended", "terminated", "unknown"} <= seen


@pytest.mark.parametrize("asof", ["1995", "2015-10", "2019-06", "2023-01-15", "2026-12-31"])
def test_cypher_counts_as_the_python_rules_on_the_seed_data(db: Database, seeded_kb: KB,
                                                            asof: str) -> None:
    for domains in (None, ["naval"]):
        assert by_cypher(db, asof, domains) == by_python(db, asof, domains), (asof, domains)


def test_status_lists_are_stored_but_never_shown(client: FlaskClient, varied: KB) -> None:
    stored = varied.db.read("MATCH (n:Mechanism {id: 'h-year-month'}) RETURN properties(n) AS p")
    props = stored[0]["p"]
    assert props["status_dates_lo"] == ["2015-01-01", "2015-03-01", "2015-03-10"]
    assert props["status_values"] == ["proposed", "active", "suspended"]
    got = client.get("/api/v1/mechanisms/h-year-month")
    assert got.status_code == 200, got.json
    listed = client.get("/api/v1/mechanisms", query_string={"page_size": 100})
    assert listed.status_code == 200, listed.json
    exported = client.get("/api/v1/export")
    assert exported.status_code == 200, exported.status_code
    changes = client.get("/api/v1/changes", query_string={"entity": "h-year-month"})
    assert changes.status_code == 200, changes.json
    for text in (got.get_data(as_text=True), listed.get_data(as_text=True),
                 exported.get_data(as_text=True), changes.get_data(as_text=True)):
        assert "status_dates_lo" not in text and "status_values" not in text
    assert "h-year-month" in exported.get_data(as_text=True)


def test_a_write_through_the_api_derives_the_lists_again(client: FlaskClient,
                                                         varied: KB) -> None:
    r1 = client.patch("/api/v1/mechanisms/h-late", json={"status_history": history(
        ("active", "2031"), ("proposed", "2012-07"))})
    assert r1.status_code == 200, r1.json
    props = varied.db.read("MATCH (n {id: 'h-late'}) RETURN properties(n) AS p")[0]["p"]
    assert props["status_dates_lo"] == ["2012-07-01", "2031-01-01"]
    assert props["status_values"] == ["proposed", "active"]
    r2 = client.patch("/api/v1/mechanisms/h-late", json={"status_history": None})
    assert r2.status_code == 200, r2.json
    props = varied.db.read("MATCH (n {id: 'h-late'}) RETURN properties(n) AS p")[0]["p"]
    assert not set(STATUS_LISTS) & set(props), props


def test_migration_gives_older_nodes_the_lists_once(client: FlaskClient, varied: KB) -> None:
    db = varied.db
    before = db.read("MATCH (n:Entity) WHERE n.status_history IS NOT NULL "
                     "RETURN n.id AS id, properties(n) AS p ORDER BY id")
    # as a store written before the lists were derived
    db.write_tx(lambda tx: tx.run("MATCH (n:Entity) REMOVE n.status_dates_lo, "
                                  "n.status_values").consume())
    with pytest.raises(StoreOutdated):
        stats.summary(db, "2015", None, 3)
    outdated = client.get("/api/v1/stats", query_string={"as_of": "2015-05"})
    assert outdated.status_code == 503, outdated.json
    assert "kb schema apply" in outdated.json["detail"]

    assert migrate(db, batch=3) == {"status lists": len(before)}  # several batches
    after = db.read("MATCH (n:Entity) WHERE n.status_history IS NOT NULL "
                    "RETURN n.id AS id, properties(n) AS p ORDER BY id")
    assert after == before  # the same lists, version, content hash: nothing else changed
    for row in after:
        lists = status_lists(json.loads(row["p"]["status_history"]))
        assert {k: row["p"][k] for k in STATUS_LISTS} == lists
    assert migrate(db, batch=3) == {"status lists": 0}
    assert by_cypher(db, "2015-03", None) == by_python(db, "2015-03", None)


def brute_force_ranking(db: Database, label: str, asof: str) -> list[tuple[str, int]]:
    """Every entity of the kind with its relations valid on the date, counted in Python."""
    rows = db.read(f"""
        MATCH (f:{label}) OPTIONAL MATCH (f)-[r]-(:Entity)
        RETURN f.id AS id, r.valid_from AS vf, r.valid_to AS vt, r IS NOT NULL AS related""")
    counted: Counter[str] = Counter()
    for row in rows:
        counted[row["id"]] += int(row["related"] and may_hold(row["vf"], row["vt"], asof))
    return sorted(counted.items(), key=lambda item: (-item[1], item[0]))


@pytest.mark.parametrize("chunk", [1, 3])
def test_most_connected_is_exact_through_bounds_chunks_and_growth(
        db: Database, seeded_kb: KB, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    # few candidates and small chunks: the ranking has to grow its candidates and count
    # chunk after chunk, as at scale 100, on the seed data
    monkeypatch.setattr(stats_queries, "CANDIDATES", {"Force": 2, "State": 2})
    monkeypatch.setattr(stats_queries, "CHUNK", chunk)
    for label in ("Force", "State"):
        for asof in ("1990", "2015-10", "2024-06-30"):
            expected = brute_force_ranking(db, label, asof)
            for top in (1, 4, 12):
                got = db.read_tx(lambda tx, label=label, asof=asof, top=top:
                                 stats_queries.most_connected(tx, label, top,
                                                              asof_params(asof)))
                assert [(g["id"], g["relations"]) for g in got] == expected[:top], (
                    label, asof, top)
                assert all(g["entity"] == label for g in got)
