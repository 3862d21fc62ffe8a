"""Each collection filter, and partial dates, on a small purpose-built graph."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from kb.db import Database
from tests.conftest import KB
from tests.factories import S, e, r

GRAPH = [
    e("Force", "idf", name="Israel Defense Forces", aliases=["IDF", "Tsahal"], kind="armed_forces"),
    e("Force", "iaf", name="Israeli Air Force", kind="service_branch"),
    e("Force", "ru-af", name="Armed Forces of the Russian Federation", kind="armed_forces"),
    e("Organization", "ru-mod", name="Ministry of Defence of Russia", kind="ministry"),
    e("Person", "golan", name="Yair Golan"),
    e("Place", "tel-aviv", name="Tel Aviv", kind="city"),
    e("Place", "syria-theatre", name="Syria", kind="theatre"),
    e("Mechanism", "m-active", name="Active hotline", kind="hotline",
      status_history=[{"status": "under_negotiation", "since": "2015-10", "sources": S},
                      {"status": "active", "since": "2016", "sources": S}]),
    e("Mechanism", "m-talks", name="Working group", kind="joint_working_group",
      status_history=[{"status": "under_negotiation", "since": "2015-10-06", "sources": S}]),
    e("Agreement", "a-1972", name="Old agreement", kind="agreement", signed_on="1972-05-25"),
    e("Agreement", "a-2015", name="New understanding", kind="understanding", signed_on="2015-09"),
    e("Event", "ev-year", name="Talks in 2015", kind="talks", start="2015"),
    e("Event", "ev-month", name="Meetings in October", kind="meeting", start="2015-10",
      status="planned"),
    e("Event", "ev-day", name="Meeting on the 6th", kind="meeting", start="2015-10-06",
      end="2015-10-08"),
    e("Event", "ev-2016", name="Later meeting", kind="meeting", start="2016-01-20"),
    e("Operation", "op-open", name="Ongoing campaign", kind="air_campaign", start="2015-09-30"),
    e("Operation", "op-closed", name="Finished deployment", kind="deployment", start="2010",
      end="2012-06"),
    {"entity": "Source", "id": "src-walla", "name": "Walla report", "kind": "news_report",
     "publisher": "Walla! News", "reliability": "B"},
    r("FORCE_OF", "idf", "ISR"), r("FORCE_OF", "iaf", "ISR"), r("PART_OF", "iaf", "idf"),
    r("FORCE_OF", "ru-af", "RUS"), r("ORGANIZATION_OF", "ru-mod", "RUS"),
    r("HOLDS_POST", "golan", "idf", title="Deputy Chief of the General Staff"),
    r("LOCATED_IN", "tel-aviv", "ISR"),
    r("PARTY_TO", "idf", "m-active", role="party"), r("PARTY_TO", "ru-af", "m-active"),
    r("PARTY_TO", "idf", "m-talks"),
    r("COVERS", "m-active", "aerial"), r("COVERS", "m-active", "naval"),
    r("COVERS", "m-talks", "land"), r("COVERS", "a-2015", "aerial"),
    r("PARTY_TO", "ISR", "a-2015"), r("PARTY_TO", "RUS", "a-2015"),
    r("PARTICIPATED_IN", "golan", "ev-day", role="host"),
    r("CONDUCTS", "ru-af", "op-open"), r("IN_THEATRE", "op-open", "syria-theatre"),
    r("IN_DOMAIN", "op-open", "aerial"), r("IN_THEATRE", "op-closed", "syria-theatre"),
]


@pytest.fixture
def graph_kb(empty_kb: KB) -> KB:
    empty_kb.load(GRAPH)
    return empty_kb


CASES = [
    ("forces?kind=service_branch", ["iaf"]),
    ("forces?state=ISR", ["iaf", "idf"]),
    ("forces?state=ISR&kind=armed_forces", ["idf"]),
    ("forces?part_of=idf", ["iaf"]),
    ("forces?q=tsahal", ["idf"]),
    ("forces?q=RUSSIAN%20federation", ["ru-af"]),
    ("forces?q=isra%C3%A9li", ["iaf"]),  # accents ignored
    ("organizations?state=RUS&kind=ministry", ["ru-mod"]),
    ("persons?organization=idf", ["golan"]),
    ("places?located_in=ISR", ["tel-aviv"]),
    ("places?kind=theatre", ["syria-theatre"]),
    ("mechanisms?status=active", ["m-active"]),
    ("mechanisms?status=under_negotiation", ["m-talks"]),
    ("mechanisms?domain=naval", ["m-active"]),
    ("mechanisms?party=idf", ["m-active", "m-talks"]),
    ("mechanisms?party=ru-af&domain=aerial", ["m-active"]),
    ("mechanisms?party=ru-af&domain=land", []),
    ("mechanisms?kind=joint_working_group", ["m-talks"]),
    ("agreements?party=RUS&domain=aerial", ["a-2015"]),
    ("agreements?signed_from=2000", ["a-2015"]),
    ("agreements?signed_to=1999-12-31", ["a-1972"]),
    ("agreements?kind=understanding", ["a-2015"]),
    ("events?kind=meeting", ["ev-2016", "ev-day", "ev-month"]),
    ("events?status=planned", ["ev-month"]),
    ("events?participant=golan", ["ev-day"]),
    # partial dates: "2015" may be any day of 2015, "2015-10" any day of October
    ("events?from_date=2015-10-07&to_date=2015-10-07", ["ev-day", "ev-month", "ev-year"]),
    ("events?from_date=2015-11", ["ev-2016", "ev-year"]),
    ("events?to_date=2015-09", ["ev-year"]),
    ("events?from_date=2016", ["ev-2016"]),
    ("operations?theatre=syria-theatre", ["op-closed", "op-open"]),
    ("operations?from_date=2020", ["op-open"]),  # no end: still running
    ("operations?from_date=2012-06-30&to_date=2012-07", ["op-closed"]),
    ("operations?domain=aerial&conducted_by=ru-af", ["op-open"]),
    ("sources?publisher=Walla!%20News&reliability=B", ["src-walla"]),
]


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[c[0] for c in CASES])
def test_filter(client: FlaskClient, graph_kb: KB, query: str, expected: list[str]) -> None:
    r = client.get(f"/api/v1/{query}")
    assert r.status_code == 200, r.json
    assert sorted(item["id"] for item in r.json or []) == expected
    assert r.headers["X-Total-Count"] == str(len(expected))


def test_partial_dates_keep_their_precision_and_sort(client: FlaskClient, graph_kb: KB) -> None:
    r = client.get("/api/v1/events?sort=start")
    assert r.status_code == 200
    starts = [(item["id"], item["start"]) for item in r.json or []]
    assert starts == [("ev-year", "2015"), ("ev-month", "2015-10"), ("ev-day", "2015-10-06"),
                      ("ev-2016", "2016-01-20")]


def test_mechanism_status_comes_from_its_history(client: FlaskClient, graph_kb: KB) -> None:
    m = client.get("/api/v1/mechanisms/m-active").json
    assert m is not None
    assert (m["status"], m["status_since"]) == ("active", "2016")
    assert [h["status"] for h in m["status_history"]] == ["under_negotiation", "active"]
    parties = sorted(x["other"]["id"] for x in m["relations"] if x["type"] == "PARTY_TO")
    assert parties == ["idf", "ru-af"]


def test_a_partial_date_is_on_or_before_a_day_as_its_first_day_is(db: Database) -> None:
    """kb.queries.lists compares a stored partial date x with the last day H of `to_date`
    as plain text (x <= H), which is lo(x) <= H for every partial date and day."""
    from kb.queries import trusted
    from kb.queries.asof import lo_expr

    stored = ["1999", "2015", "2016", "2015-01", "2015-09", "2015-10", "2015-12", "2016-02",
              "2015-09-30", "2015-10-01", "2015-10-06", "2015-10-31", "2015-12-31", "2016-01-01"]
    days = ["2014-12-31", "2015-01-01", "2015-09-30", "2015-10-01", "2015-10-05",
            "2015-10-06", "2015-10-31", "2015-12-31", "2016-01-01", "2016-02-29"]
    rows = db.read(trusted(f"""
        UNWIND $stored AS x UNWIND $days AS h
        RETURN x, h, {lo_expr('x')} <= h AS padded, x <= h AS plain"""),
                   stored=stored, days=days)
    assert len(rows) == len(stored) * len(days)
    assert [(r["x"], r["h"]) for r in rows if r["padded"] != r["plain"]] == []
    assert {r["plain"] for r in rows} == {True, False}


def test_not_valid_on_a_day_is_begun_after_or_ended_before_it(db: Database) -> None:
    """kb.queries.lists counts the relations not valid on a date from the range indexes of
    their dates, with kb.queries.asof.begins_after and ended_before on the bare properties:
    for every pair of stored dates (either missing, in either order) and every as_of, a
    fact is valid exactly when it neither begins after nor ended before, and each test
    agrees with its padded form."""
    from kb.queries import trusted
    from kb.queries.asof import asof_params, begins_after, ended_before, hi_expr, lo_expr, valid_at

    stored = [None, "1999", "2015", "2016", "2015-01", "2015-10", "2015-12", "2016-02",
              "2015-09-30", "2015-10-01", "2015-10-31", "2015-12-31", "2016-01-01"]
    asked = ["2014-12-31", "2015", "2015-10", "2015-10-01", "2015-10-06", "2015-12-31",
             "2016-01-01", "2016-02-29"]
    pairs = [{"valid_from": a, "valid_to": b} for a in stored for b in stored]
    mismatched = []
    for day in asked:
        rows = db.read(trusted(f"""
            UNWIND $pairs AS r
            RETURN r, {valid_at('r')} AS valid, {begins_after('r')} AS later,
                   {ended_before('r')} AS ended,
                   {lo_expr('r.valid_from')} > $asof_hi AS later_padded,
                   {hi_expr('r.valid_to')} < $asof_lo AS ended_padded"""),
                       pairs=pairs, **asof_params(day))
        assert len(rows) == len(pairs)
        for row in rows:
            later, ended = bool(row["later"]), bool(row["ended"])  # null: a missing date
            if (row["valid"] != (not later and not ended)
                    or later != bool(row["later_padded"]) or ended != bool(row["ended_padded"])):
                mismatched.append((day, row["r"], row["valid"], later, ended))
        assert {row["valid"] for row in rows} == {True, False}, day
    assert mismatched == []


def test_from_date_on_the_bare_dates_keeps_the_padded_rule(db: Database) -> None:
    """kb.queries.lists seeks a from_date list through the range indexes of its dates: the
    item's latest possible day (its end, else its start) is on or after the day D exactly
    when that date is >= D as text or is the year or the month of D
    (kb.queries.asof.ends_on_or_after), for every pair of dates (either missing, in either
    order), with and without an open end, at days, months and years asked."""
    from kb.model import FilterSpec
    from kb.queries import lists, trusted
    from kb.queries.asof import hi_expr

    stored = [None, "1999", "2015", "2016", "2015-01", "2015-10", "2015-12", "2016-02",
              "2015-09-30", "2015-10-01", "2015-10-06", "2015-10-31", "2015-12-31", "2016-01-01"]
    asked = ["2014-12-31", "2015", "2015-10", "2015-10-01", "2015-10-06", "2015-10-07",
             "2015-12-31", "2016", "2016-01-01", "2016-02-29"]
    items = [{"start": a, "end": b} for a in stored for b in stored]
    mismatched = []
    for open_ended in (False, True):
        spec = FilterSpec(name="from_date", date_from="start", end_field="end",
                          open_ended=open_ended)
        padded = f"{hi_expr('coalesce(n.end, n.start)')} >= $f_from_date"
        if open_ended:
            padded = f"(n.end IS NULL OR {padded})"
        for day in asked:
            cond, params = lists._date_from(spec, "f_from_date", day)
            rows = db.read(trusted(f"""
                UNWIND $items AS n
                RETURN n, coalesce({cond}, false) AS bare, coalesce({padded}, false) AS padded
                """), items=items, **params)
            assert len(rows) == len(items)
            mismatched += [(open_ended, day, r["n"]) for r in rows if r["bare"] != r["padded"]]
            assert {r["bare"] for r in rows} == {True, False}, day
    assert mismatched == []
