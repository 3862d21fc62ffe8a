"""Each analyst query timed through the API (one kept-alive connection) and through the driver.

The floor of an endpoint is the Cypher it sends, without Flask, HTTP, validation or shaping:
the name LOOKUP of each name it resolves, then the kb.queries functions its service calls
(each one statement and `tx.run`) with the ids the lookups give, in the order of the
service, all in one read transaction, as the API reads a view that resolves names
(kb.api.resolving.one_read):
- between: coverage, parties_of_targets (the parties coverage found), details (of the
  items kb.coverage's matching keeps);
- dossier: between for Mechanism and for Agreement, then coverage, shared_events, presence_of
  (the posts_held of the officials is left out: its ids come from shaping in Python);
- paths: kb.paths.Search (its breadth-first steps and the relations of the walks);
- graph (depth 1, 100 nodes): node, neighbours, edges_among; timeline: timeline_rows;
- search: exact_names and search; gaps: contested (the presence gaps reads), then between
  (coverage, parties_of_targets, details) of the pairs it finds; stats: counts,
  grouped of Mechanism and Agreement, most_connected Force, one after another in one
  transaction (the API runs these four side by side, each in its own: kb.db.read_all);
  stats/coverage: most_connected State, then between (coverage, parties_of_targets,
  details) of every pair of those states;
  entity GETs: get_entity; the list pages: list_entities, list_relations.

/stats and /gaps answers are kept per API process by data version (kb.memo), so their rows
time the polled case: the API answers from its memo while the floor reruns the Cypher.
The "(cold)" rows ask each timed request at another as_of (another memo key), with the
floor the same Cypher at that as_of: the cost of a first request. The API counts /stats'
tables from an index it keeps current from the audit feed (kb.stats_index), so the row
"stats (after a write)" asks /stats after an untimed PATCH of a Mechanism (ended, then not
again: what /stats counts changes), with the floor the same Cypher as the stats row.
"""

from __future__ import annotations

import http.client
import itertools
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import neo4j

from kb.coverage import PartyIndex, _matches
from kb.explore import DEFAULT_VIA, contested_pairs
from kb.model import get_model
from kb.paths import Search, _described
from kb.queries import coverage, explore, lookup, stats, trusted
from kb.queries.asof import asof_params
from kb.queries.entities import get_entity
from kb.queries.lists import ListQuery, RelationQuery, list_entities, list_relations
from kb.queries.plans import STATEMENTS
from kb.resolve import ACTOR_KINDS, MAX_HITS, lucene_query
from kb.text import normalize

TODAY = date.today().isoformat()  # the API's default as_of
NOW = asof_params(TODAY)
WARMUP = 10
MIN_TIMED = 20  # timed pairs taken at least, whatever the time budget
MAX_PATHS = 25  # kb.api.analysis: the shortest paths found in all
KINDS = list(get_model().entities)  # the graph's default: every kind
Work = Callable[[neo4j.ManagedTransaction], Any]


@dataclass
class Endpoint:
    """One analyst query: its URL, the names it resolves, the read transactions it runs."""

    name: str
    url: str
    names: list[str]
    transactions: list[Work]
    kinds: list[str] | None = None  # of the names resolved
    # cold rows: the transactions at an as-of date, each request asking another date
    at: Callable[[str], list[Work]] | None = None
    # run before each request, untimed (the i-th, on the timed connection)
    before: Callable[[http.client.HTTPConnection, int], None] | None = None

    def request(self, i: int) -> tuple[str, list[Work]]:
        """The URL and floor transactions of the i-th request (cold rows: another as_of)."""
        if self.at is None:
            return self.url, self.transactions
        day = cold_date(i)
        return f"{self.url}{'&' if '?' in self.url else '?'}as_of={day}", self.at(day)

    def run_floor(self, driver: neo4j.Driver, transactions: list[Work] | None = None) -> None:
        """The driver alone, once: the lookups and the work in one read transaction, as
        the API reads them (kb.api.resolving.one_read)."""
        works = self.transactions if transactions is None else transactions

        def all_in_one(tx: neo4j.ManagedTransaction) -> list[Any]:
            for n in self.names:
                lookup.lookup(tx, n, normalize(n), self.kinds)
            return [work(tx) for work in works]
        with driver.session(default_access_mode=neo4j.READ_ACCESS) as session:
            session.execute_read(all_in_one)


def cold_date(i: int) -> str:
    """The as_of of a cold row's i-th request: a different day each time (a new memo key),
    going back from yesterday, so that the data counted is close to the warm rows'."""
    return (date.today() - timedelta(days=1 + i)).isoformat()


def _between(label: str, actors: list[str]) -> Work:
    def work(tx: neo4j.ManagedTransaction) -> Any:
        cov = coverage.coverage(tx, actors, TODAY, parties_only=True)
        parties = sorted({p for found in cov.values() for p in found})
        rows = coverage.parties_of_targets(tx, label, parties, NOW)
        # details of the matched items only, as kb.coverage.between asks (the matching is
        # the service's own Python, run here too so that both read the same rows)
        return coverage.details(tx, label, sorted(_matches(actors, cov, PartyIndex(rows))), NOW)
    return work


def _dossier_rest(a: str, b: str) -> Work:
    def work(tx: neo4j.ManagedTransaction) -> Any:
        cov = coverage.coverage(tx, [a, b], TODAY)
        explore.shared_events(tx, sorted(cov[a]), sorted(cov[b]))
        return explore.presence_of(tx, sorted({*cov[a], *cov[b]}), NOW)
    return work


def _paths(source: str, target: str) -> Work:
    def work(tx: neo4j.ManagedTransaction) -> Any:
        search = Search(tx, source, target, DEFAULT_VIA)
        walks = list(itertools.islice(search.walks(search.meeting_points(4)), MAX_PATHS))
        return _described(tx, walks)
    return work


def _graph(center: str) -> Work:
    def work(tx: neo4j.ManagedTransaction) -> Any:
        explore.node(tx, center, history=True)
        found = explore.neighbours(tx, [center], KINDS, NOW, 100)
        return explore.edges_among(tx, [center, *(n["id"] for n in found[:99])], NOW)
    return work


def _search(text: str) -> Work:
    def work(tx: neo4j.ManagedTransaction) -> Any:
        return (lookup.exact_names(tx, normalize(text), None, MAX_HITS),
                lookup.search(tx, lucene_query(text) or "", None, MAX_HITS))
    return work


def _stats(params: dict[str, Any]) -> Work:
    def work(tx: neo4j.ManagedTransaction) -> Any:
        return (stats.counts(tx),
                [stats.grouped(tx, k, None, params) for k in ("Mechanism", "Agreement")],
                stats.most_connected(tx, "Force", 10, params))
    return work


def _gaps(day: str) -> Work:
    params = asof_params(day)

    def work(tx: neo4j.ManagedTransaction) -> Any:
        present = explore.contested(tx, None, None, params)
        pairs = contested_pairs(present, "state")[1]
        if not pairs:
            return present
        # kb.coverage.between_pairs for the pairs, as the service asks
        actors = sorted({p for pair in pairs for p in pair})
        cov = coverage.coverage(tx, actors, day, parties_only=True)
        index = PartyIndex(coverage.parties_of_targets(
            tx, "Mechanism", sorted({p for found in cov.values() for p in found}), params))
        matched = {t for a, b in pairs for t in _matches([a, b], cov, index)}
        return coverage.details(tx, "Mechanism", sorted(matched), params)
    return work


def _coverage(day: str, top: int) -> Work:
    params = asof_params(day)

    def work(tx: neo4j.ManagedTransaction) -> Any:
        # kb.stats.top_actors then kb.coverage.between_pairs of every pair, as the service
        # asks
        actors = [r["id"] for r in stats.most_connected(tx, "State", top, params)]
        cov = coverage.coverage(tx, actors, day, parties_only=True)
        index = PartyIndex(coverage.parties_of_targets(
            tx, "Mechanism", sorted({p for found in cov.values() for p in found}), params))
        matched = {t for a, b in itertools.combinations(actors, 2)
                   for t in _matches([a, b], cov, index)}
        return coverage.details(tx, "Mechanism", sorted(matched), params)
    return work


ACTORS = ["idf", "ru-armed-forces"]
FORCE = get_model().entities["Force"]
# a day many posts had ended by and some had not begun, as_of of the dated list row
LIST_DAY = "2015-01-01"
STATES = ["ISR", "RUS"]
STATE_GET = "entity GET (a State)"


def endpoints(editor_key: str | None = None, written: str | None = None) -> list[Endpoint]:
    """The analyst queries timed at every scale (seed ids, present at every scale, and a
    synth id, present from scale 1); with an editor key, /stats after a write to the
    Mechanism `written` too."""
    after_write = [] if editor_key is None or written is None else [
        # last: the writes make every memoized answer before them unreachable
        Endpoint("stats (after a write)", "/api/v1/stats", [], [_stats(NOW)],
                 before=_ended_or_not(editor_key, written))]
    return [
        Endpoint("between (states)", "/api/v1/mechanisms?between=ISR&between=RUS", STATES,
                 [_between("Mechanism", STATES)], ACTOR_KINDS),
        Endpoint("between (forces)", "/api/v1/mechanisms?between=idf&between=ru-armed-forces",
                 ACTORS, [_between("Mechanism", ACTORS)], ACTOR_KINDS),
        Endpoint("dossier", "/api/v1/dossier?between=idf&between=ru-armed-forces", ACTORS,
                 [_between("Mechanism", ACTORS), _between("Agreement", ACTORS),
                  _dossier_rest(*ACTORS)], ACTOR_KINDS),
        Endpoint("paths", "/api/v1/paths?from=yair-golan&to=vladimir-putin",
                 ["yair-golan", "vladimir-putin"], [_paths("yair-golan", "vladimir-putin")]),
        Endpoint("graph", "/api/v1/graph?center=idf", ["idf"], [_graph("idf")]),
        Endpoint("timeline", "/api/v1/timeline?entity=yair-golan", ["yair-golan"],
                 [lambda tx: explore.timeline_rows(tx, ["yair-golan"])]),
        Endpoint("search", "/api/v1/search?q=bogdanovski", [], [_search("bogdanovski")]),
        Endpoint("gaps", "/api/v1/gaps", [], [_gaps(TODAY)]),
        Endpoint("gaps (cold)", "/api/v1/gaps", [], [], at=lambda day: [_gaps(day)]),
        Endpoint("stats", "/api/v1/stats", [], [_stats(NOW)]),
        Endpoint("stats (cold)", "/api/v1/stats", [], [],
                 at=lambda day: [_stats(asof_params(day))]),
        # the largest matrix a dashboard may ask: 20 states, 190 pairs
        Endpoint("stats/coverage, top 20 (cold)", "/api/v1/stats/coverage?top=20", [], [],
                 at=lambda day: [_coverage(day, 20)]),
        Endpoint("entity GET (seed)", "/api/v1/forces/idf", [],
                 [lambda tx: get_entity(tx, "Force", "idf")]),
        Endpoint("entity GET (synth)", "/api/v1/persons/syn-abw-person0", [],
                 [lambda tx: get_entity(tx, "Person", "syn-abw-person0")]),
        # a hub: a State's answer summarises every relation it has, and they grow with
        # the world (about 45 at scale 1, 450 at scale 100)
        Endpoint(STATE_GET, "/api/v1/states/ISR", [],
                 [lambda tx: get_entity(tx, "State", "ISR")]),
        # lists: the 20th page of forces by name, the 20th of every relation (type, id),
        # and of those valid on a day (each type counted for X-Total-Count)
        Endpoint("forces, page 20", "/api/v1/forces?page=20", [],
                 [lambda tx: list_entities(tx, ListQuery(FORCE, offset=950, limit=50))]),
        Endpoint("relations, page 20", "/api/v1/relations?page=20", [],
                 [lambda tx: list_relations(tx, RelationQuery(offset=950, limit=50))]),
        Endpoint("relations on a day, page 20", f"/api/v1/relations?as_of={LIST_DAY}&page=20",
                 [], [lambda tx: list_relations(tx, RelationQuery(asof=LIST_DAY, offset=950,
                                                                  limit=50))]),
        *after_write,
    ]


def _ended_or_not(editor_key: str, mechanism: str) -> Callable[[http.client.HTTPConnection, int],
                                                                None]:
    # an audited write that changes what /stats counts today: the Mechanism ended, then not
    def write(conn: http.client.HTTPConnection, i: int) -> None:
        body = json.dumps({"ended_on": "2020-01-01" if i % 2 == 0 else None})
        conn.request("PATCH", f"/api/v1/mechanisms/{mechanism}", body=body, headers={
            "Authorization": f"Bearer {editor_key}", "Content-Type": "application/json"})
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise RuntimeError(f"PATCH {mechanism}: HTTP {resp.status}")
    return write


def percentiles(ms: list[float]) -> tuple[float, float]:
    """(p50, p95) in ms, nearest rank."""
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return statistics.median(ordered), p95


def get(conn: http.client.HTTPConnection, url: str) -> int:
    """GET url on a kept-alive connection, body read; the status."""
    try:
        conn.request("GET", url, headers={"Accept-Encoding": "identity"})
        resp = conn.getresponse()
    except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
        # gunicorn closed the idle connection (its keep-alive is shorter than a slow floor
        # run at scale 100): connect again, once
        conn.close()
        conn.request("GET", url, headers={"Accept-Encoding": "identity"})
        resp = conn.getresponse()
    resp.read()
    return resp.status


def time_both(conn: http.client.HTTPConnection, driver: neo4j.Driver, ep: Endpoint, n: int,
              budget_s: float | None = None) -> tuple[list[float], list[float]]:
    """Milliseconds of n GETs and of n floor runs, after warm-up, taken in turns so that
    load from elsewhere on the machine weighs on both alike; fails on anything but a 200.
    With `budget_s`, timing stops early once that many seconds went by and MIN_TIMED pairs
    were taken, and warm-up after two runs once a quarter of it went by (a slow query at
    scale 100 would otherwise take many minutes)."""
    api: list[float] = []
    floor: list[float] = []
    started, warmup, i = time.monotonic(), WARMUP, 0
    while len(api) < n:
        spent = time.monotonic() - started
        if budget_s is not None and len(api) >= MIN_TIMED and spent > budget_s:
            break
        if budget_s is not None and i < warmup and i >= 2 and spent > budget_s / 4:
            warmup = i  # a slow query: two warm-ups are enough, time the rest
        url, transactions = ep.request(i)
        if ep.before is not None:
            ep.before(conn, i)
        start = time.perf_counter()
        status = get(conn, url)
        middle = time.perf_counter()
        ep.run_floor(driver, transactions)
        end = time.perf_counter()
        if status != 200:
            raise RuntimeError(f"{url}: HTTP {status}")
        if i >= warmup:
            api.append((middle - start) * 1000)
            floor.append((end - middle) * 1000)
        i += 1
    return api, floor


def time_get(conn: http.client.HTTPConnection, url: str, n: int) -> list[float]:
    """Milliseconds of n GETs of url after warm-up (no floor: e.g. /healthz, which asks
    no database); fails on anything but a 200."""
    timed = []
    for i in range(WARMUP + n):
        start = time.perf_counter()
        status = get(conn, url)
        if status != 200:
            raise RuntimeError(f"{url}: HTTP {status}")
        if i >= WARMUP:
            timed.append((time.perf_counter() - start) * 1000)
    return timed


def db_hits(driver: neo4j.Driver) -> list[tuple[str, int | str]]:
    """PROFILE database hits of each plans.py statement with its sample parameters (or the
    error Neo4j gave: PROFILE can fail where the query itself runs)."""
    out: list[tuple[str, int | str]] = []
    with driver.session() as session:
        for name, query, params in STATEMENTS:
            try:
                result = session.run(trusted("PROFILE " + query), params)
                list(result)
                out.append((name, _hits(result.consume().profile or {})))
            except neo4j.exceptions.Neo4jError as exc:
                out.append((name, f"PROFILE failed: {exc.message}"))
    return out


def _hits(plan: dict[str, Any]) -> int:
    return int(plan.get("dbHits", 0)) + sum(_hits(c) for c in plan.get("children", []))
