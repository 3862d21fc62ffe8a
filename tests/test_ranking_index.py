"""/stats ranks its most connected forces from an index kept with its tables
(kb.ranking_index): these tests hold it to a brute-force count of every force's relations
on dates around every relation's ends, with few candidates (so that the bound on those left
out decides, or cannot), and after each kind of write, which it must follow from the audit
feed without reading everything again.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kb.db import Database
from kb.queries import stats as stats_queries
from kb.ranking_index import Ranking
from kb.stats_index import StatsIndex
from tests.conftest import KB
from tests.factories import e, r
from tests.test_stats_cypher import brute_force_ranking

# (valid_from, valid_to) of posts: open, partial (year, month, day), a day at both ends
SPANS: list[tuple[str | None, str | None]] = [
    (None, None), ("2015", None), (None, "2015-10"), ("2015-10-08", "2016"),
    ("2015-10", "2015-11-30"), ("2010", "2014-12-31"), ("2015-10-08", "2015-10-08"),
    ("2020", "2021-06"), ("1999-12", None)]
DATES = ["1990", "2010-01-01", "2014-12-31", "2015", "2015-10", "2015-10-07", "2015-10-08",
         "2015-10-09", "2015-11-30", "2016-01", "2016-02-01", "2020", "2021-06-30", "2026"]
TOPS = (1, 3, 4, 5, 10)


def posts(force: str, spans: list[tuple[str | None, str | None]]) -> list[dict[str, Any]]:
    """A person per span holding a post in the force over it."""
    records = []
    for n, (start, end) in enumerate(spans):
        person = f"{force}-p{n}"
        dates = {k: v for k, v in (("valid_from", start), ("valid_to", end)) if v}
        records += [e("Person", person),
                    r("HOLDS_POST", person, force, title=f"Post {n}", **dates)]
    return records


# posts in each force; the three largest are also party to many mechanisms (undated), so
# that four candidates hold three that outrank, on every date, any force left out; ff, left
# out, has as many relations as fg, the fourth held, on some dates (and the lower id)
POSTS = {"fa": 1, "fb": 12, "fc": 11, "fd": 10, "fe": 3, "ff": 2, "fg": 4}
MECHANISMS = [f"m{n}" for n in range(8)]


def world() -> list[dict[str, Any]]:
    """Forces of different sizes, each with a different share of the spans."""
    records = [e("Force", f, kind="armed_forces") for f in POSTS]
    records += [e("Mechanism", m, kind="hotline") for m in [*MECHANISMS, "mx"]]
    records += [r("PARTY_TO", f, m) for f in ("fb", "fc", "fd") for m in MECHANISMS]
    records += [r("PARTY_TO", "fg", "mx"), r("PARTY_TO", "ff", "m0"), r("PARTY_TO", "ff", "m1")]
    for i, (force, count) in enumerate(POSTS.items()):
        records += posts(force, [SPANS[(i + j) % len(SPANS)] for j in range(count)])
    return records


# a post ending before it begins: refused by validation, but a store written by hand or by
# an earlier version may hold one, and the Cypher counts it on no date
INVERTED = """
MATCH (p:Person {id: 'fb-p0'}), (f:Force {id: 'fb'})
CREATE (p)-[:HOLDS_POST {id: 'inverted-post', title: 'Inverted', valid_from: '2016-02',
                          valid_to: '2015-11-30'}]->(f)"""


@pytest.fixture
def forces(empty_kb: KB) -> KB:
    empty_kb.load(world())
    empty_kb.db.write_tx(lambda tx: tx.run(INVERTED).consume())
    return empty_kb


def expected(db: Database, asof: str, top: int) -> list[tuple[str, int]]:
    return brute_force_ranking(db, "Force", asof)[:top]


def ranked(found: list[dict[str, Any]]) -> list[tuple[str, int]]:
    assert all(f["entity"] == "Force" for f in found)
    return [(f["id"], f["relations"]) for f in found]


@pytest.mark.parametrize("size", [4, 256])
def test_ranking_is_exact_or_undecided(forces: KB, monkeypatch: pytest.MonkeyPatch,
                                       size: int) -> None:
    monkeypatch.setitem(stats_queries.CANDIDATES, "Force", size)
    ranking = Ranking("Force")
    forces.db.read_tx(ranking.load)
    assert len(ranking.entities) == min(size, len(POSTS))
    undecided = 0
    for asof in DATES:
        for top in TOPS:
            got = ranking.top(asof, top)
            if got is None:
                undecided += 1
            else:
                assert ranked(got) == expected(forces.db, asof, top), (asof, top)
    # every force held: always decided; four of seven: some dates and tops only
    assert (undecided == 0) is (size == 256)
    assert undecided < len(DATES) * len(TOPS)


def test_ranking_on_the_seed_data(db: Database, seeded_kb: KB,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for size in (8, 256):
        monkeypatch.setitem(stats_queries.CANDIDATES, "Force", size)
        ranking = Ranking("Force")
        db.read_tx(ranking.load)
        decided = 0
        for asof in ("1975", "1990", "2015-10", "2015-10-08", "2019-06", "2024-06-30"):
            brute = brute_force_ranking(db, "Force", asof)
            for top in (1, 5, 10):
                got = ranking.top(asof, top)
                decided += got is not None
                assert got is None or ranked(got) == brute[:top], (size, asof, top)
        assert decided > 0, size


def post_id(db: Database, force: str, title: str) -> str:
    rows = db.read("MATCH (:Person)-[p:HOLDS_POST {title: $title}]->(:Force {id: $force}) "
                   "RETURN p.id AS id", title=title, force=force)
    return str(rows[0]["id"])


# each write through the API; the forces it must read again
WRITES: list[tuple[str, str, Any]] = [
    # fa climbs from the fewest relations above the bound: it joins those held
    ("post", "/api/v1/import", posts("fa", SPANS)),
    ("post", "/api/v1/relations", r("HOLDS_POST", "fa-p0", "fg", title="Adviser",
                                    valid_from="2015-10-09")),
    ("delete", "/api/v1/relations/{post}", None),
    # the same post (title and start) ended earlier: an update, whose entry lacks the ends
    ("post", "/api/v1/import", [r("HOLDS_POST", "fg-p1", "fg", title="Post 1",
                                  valid_to="2015-10-07")]),
    ("post", "/api/v1/forces", e("Force", "f-new", kind="armed_forces")),
    ("patch", "/api/v1/forces/fb", {"name": "Force B, renamed"}),
    ("delete", "/api/v1/forces/ff", None),  # its posts go with it
    ("patch", "/api/v1/mechanisms/mx", {"kind": "liaison"}),
]


def app_index(app: Flask) -> StatsIndex:
    index = app.extensions["kb.stats_index"]
    assert isinstance(index, StatsIndex)
    return index


def stats_ranking(client: FlaskClient, asof: str, top: int) -> list[dict[str, Any]]:
    got = client.get("/api/v1/stats", query_string={"as_of": asof, "top": top})
    assert got.status_code == 200, got.json
    found: list[dict[str, Any]] = got.json["most_connected"]
    return found


def names(db: Database) -> dict[str, str]:
    return {row["id"]: row["name"] for row in db.read("MATCH (f:Force) RETURN f.id AS id, "
                                                     "f.name AS name")}


def test_writes_are_followed_from_the_audit_feed(
        client: FlaskClient, app: Flask, forces: KB, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(stats_queries.CANDIDATES, "Force", 4)
    index = app_index(app)
    stats_ranking(client, "2015", 3)
    loads, updates = index.loads, index.updates
    for n, (method, path, body) in enumerate(WRITES, 1):
        path = path.format(post=post_id(forces.db, "fg", "Post 2")) if "{" in path else path
        sent = getattr(client, method)(path, json=body)
        assert sent.status_code < 300, (path, sent.json)
        known = names(forces.db)
        decided = 0
        for asof in DATES:
            for top in TOPS:
                want = expected(forces.db, asof, top)
                found = stats_ranking(client, asof, top)
                assert ranked(found) == want, (path, asof, top)
                assert all(f["name"] == known[f["id"]] for f in found)
                held = index.ranking.top(asof, top)
                decided += held is not None
                assert held is None or held == found, (path, asof, top)
        assert decided > len(DATES), path  # the index answered, not only the Cypher
        assert (index.loads, index.updates) == (loads, updates + n), path
    assert "fa" in index.ranking.entities and "ff" not in index.ranking.entities
    assert index.ranking.entities["fb"].name == "Force B, renamed"


def test_an_updated_relation_gone_since_makes_it_read_whole(forces: KB) -> None:
    ranking = Ranking("Force")
    forces.db.read_tx(ranking.load)
    # an update entry names no ends: they are read, and a relation no longer stored has none
    gone = [["HOLDS_POST", "update", "no-such-post", '{"valid_to": "2015"}', '{}']]
    assert forces.db.read_tx(lambda tx: ranking.follow(tx, gone)) is False
    # once its deletion names its ends, they are read again instead
    deleted = [*gone, ["HOLDS_POST", "delete", "no-such-post",
                       '{"from": "fa-p0", "to": "fa"}', "{}"]]
    assert forces.db.read_tx(lambda tx: ranking.follow(tx, deleted)) is True
