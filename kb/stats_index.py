"""The tables of /stats from an index kept in each API process, current to the data version.

Counting the tables in Cypher reads every Mechanism and Agreement with its COVERS: about
250 ms a kind at scale 100, for every date a dashboard asks. The index reads them once
(`every_item`), then keeps up from the audit feed: each request reads the data version
(kb.memo's), and the audit entries since the version it holds name the items and COVERS
relations that changed, which it reads again by id. Many changes at once (an import), or a
new epoch (a wiped store), make it read everything again.

On a day (YYYY-MM-DD), each item counts the same from one of its dates to the next (its
start and end, each status entry, each COVERS's ends). A `Sweep` holds, for one Domain
filter, those breakpoints of every item in date order with what each changes, and the counts
at every STEP-th breakpoint; the counts on a day are the nearest such snapshot plus the
breakpoints after it up to the day. Items changed since a sweep was built are counted by
hand: their count as the sweep has it is taken away and their current one added (a sweep is
built again once OVERLAY_MAX items have changed). A partial as-of date (a month, a year)
holds a range of days, so it is counted item by item instead.

The rules are those of kb.queries.stats.grouped_query (kb.stats documents them), written
over keys: a day D is the key (D, 0), "just after x" is (x, 1). With the date's last day
and first day as keys `hi` and `lo`: "x <= the last day" is x <= hi[0], "x before the first
day" is (x, 1) <= lo. tests/test_stats_index.py holds the index to the Cypher on every
breakpoint, after every kind of write.

Writes that bypass the audit (Cypher sent to Neo4j directly, or a migration) are not seen,
as by kb.memo: with KB_MEMO_SIZE=0 the tables are counted in Cypher on every request.
"""

from __future__ import annotations

import logging
import threading
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import neo4j
from flask import Flask, current_app

from kb import stats
from kb.dates import hi, lo, today
from kb.db import Database, get_db
from kb.model import get_model
from kb.queries import audit as audit_queries
from kb.queries import stats_index as queries
from kb.ranking_index import Ranking
from kb.settings import Settings

log = logging.getLogger(__name__)
Key = tuple[str, int]
FIRST: Key = ("", 0)  # before every date
STEP = 256  # breakpoints between two snapshots of a sweep
OVERLAY_MAX = 1_000  # items changed since a sweep was built, then it is built again
RELOAD_ABOVE = 20_000  # audit entries since the version held, then everything is read again
SWEEPS_KEPT = 8  # Domain filters with a sweep (the LRU ones go)

# (status, kind, year, Domains covered, stale): what an item adds to the tables on a date
Signature = tuple[str | None, str | None, str | None, tuple[str, ...], bool]


@dataclass(frozen=True, slots=True)
class Item:
    """What /stats needs of a Mechanism or Agreement, its dates already lo()'d or hi()'d."""

    start_lo: str | None  # the lists' as_of start field
    end_hi: str | None
    began_lo: str | None  # established_on, signed_on or in_force_from
    ended_hi: str | None
    dates_lo: tuple[str, ...] | None  # the status history (kb.records.status_lists)
    statuses: tuple[str, ...]
    kind: str | None
    year: str | None
    covers: tuple[tuple[str, str | None, str | None], ...]  # (Domain, lo(from), hi(to))
    stale: bool


def item_of(row: list[Any], same: Callable[[Any], Any]) -> tuple[str, Item, list[str]]:
    """(id, Item, COVERS relation ids) of a row of kb.queries.stats_index; `same` gives one
    object for equal values (the dates, kinds and histories of 25,000 items repeat a lot)."""
    item_id, kind, start, end, began, dates, statuses, stale, covers = row
    first = (dates or [None])[0]
    item = Item(same(lo(start)) if start else None, same(hi(end)) if end else None,
                same(lo(began)) if began else None, same(hi(end)) if end else None,
                same(tuple(map(same, dates))) if dates is not None else None,
                same(tuple(statuses or ())), same(kind),
                same(str(began or first or "")[:4] or None),
                same(tuple(same((same(d), same(lo(f)) if f else None, same(hi(t)) if t else None))
                           for _, d, f, t in covers)),
                bool(stale))
    return item_id, item, [c[0] for c in covers]


def _before(x: str, key: Key) -> bool:
    # x is before the day of `key` (or, for "just after y", x <= y)
    return (x, 1) <= key


def _status(item: Item, last: Key, first: Key) -> str | None:
    if item.dates_lo is not None:
        if list(item.dates_lo) == sorted(item.dates_lo):
            i = bisect_right(item.dates_lo, last[0])
        else:  # the last entry begun by the date, in stored order
            i = max((j + 1 for j, d in enumerate(item.dates_lo) if d <= last[0]), default=0)
        return item.statuses[i - 1] if i else None
    if item.began_lo is not None and item.began_lo > last[0]:
        return None
    if item.ended_hi is not None and _before(item.ended_hi, first):
        return "terminated"
    return None


def signature(item: Item | None, last: Key, first: Key,
              domains: frozenset[str] | None) -> Signature | None:
    """What the item adds to the tables on the date whose last and first days are keys;
    None if it is not counted (not begun, ended, or in none of `domains`)."""
    if item is None or (item.start_lo is not None and item.start_lo > last[0]) or (
            item.end_hi is not None and _before(item.end_hi, first)):
        return None
    covered = tuple(d for d, f, t in item.covers
                    if (f is None or f <= last[0]) and (t is None or not _before(t, first)))
    if domains is not None and not domains.intersection(covered):
        return None
    return _status(item, last, first), item.kind, item.year, covered, item.stale


@lru_cache(maxsize=4_096)  # the signatures of one query's events repeat a lot
def labels(sig: Signature | None) -> tuple[tuple[str, str], ...]:
    """The table rows a signature counts in, as (table, key) pairs."""
    if sig is None:
        return ()
    status, kind, year, covered, stale = sig
    vocabulary = get_model().vocabularies["domain"]
    domains = [d for d in covered if d in vocabulary] if covered else [stats.UNKNOWN]
    return (_row("status", status), _row("kind", kind), _row("year", year),
            *(_row("domain", d) for d in domains), *([_row("stale", "yes")] if stale else []))


@cache  # a few hundred rows: one object each
def _row(table: str, key: str | None) -> tuple[str, str]:
    return table, key or stats.UNKNOWN


def _breakpoints(item: Item) -> set[Key]:
    keys = {(d, 0) for d in item.dates_lo or ()}
    keys.update((x, 0) for x in (item.start_lo, item.began_lo) if x is not None)
    keys.update((x, 1) for x in (item.end_hi, item.ended_hi) if x is not None)
    for _, f, t in item.covers:
        keys.update([*([(f, 0)] if f else []), *([(t, 1)] if t else [])])
    return keys


class Sweep:
    """The counts of one Domain filter on any day, from the items as they were when built."""

    def __init__(self, items: dict[str, Item], domains: frozenset[str] | None) -> None:
        self.domains = domains
        self.changed: dict[str, Item | None] = {}  # id: the item as built, if changed since
        counts: Counter[tuple[str, str]] = Counter()
        events: list[tuple[Key, Signature | None, Signature | None]] = []
        same: dict[Any, Any] = {}  # one object for equal keys and signatures
        for item in items.values():
            was = signature(item, FIRST, FIRST, domains)
            counts.update(labels(was))
            for key in sorted(_breakpoints(item)):
                now = signature(item, key, key, domains)
                if now != was:
                    events.append((same.setdefault(key, key), was, same.setdefault(now, now)))
                    was = now
        events.sort(key=lambda e: e[0])
        self.keys = [e[0] for e in events]
        self.events = events
        self.snapshots = []
        for i in range(0, len(events) + 1, STEP):
            self.snapshots.append(Counter(counts))
            _apply(counts, events[i:i + STEP])

    def on(self, day: str) -> Counter[tuple[str, str]]:
        """The counts on a day, as the items were when the sweep was built."""
        end = bisect_right(self.keys, (day, 0))
        counts = Counter(self.snapshots[end // STEP])
        _apply(counts, self.events[end - end % STEP:end])
        return counts


def _apply(counts: Counter[tuple[str, str]],
           events: Iterable[tuple[Key, Signature | None, Signature | None]]) -> None:
    for _, was, now in events:
        counts.subtract(labels(was))
        counts.update(labels(now))


class KindIndex:
    """The Mechanisms (or Agreements) as /stats counts them, with their sweeps."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.items: dict[str, Item] = {}
        self.covers: dict[str, str] = {}  # COVERS relation id: the item it leaves from
        self.relations: dict[str, list[str]] = {}  # item id: its COVERS relation ids
        self.sweeps: dict[frozenset[str] | None, Sweep] = {}
        self._same: dict[Any, Any] = {}  # one object for equal values (item_of)

    def load(self, rows: list[list[Any]]) -> None:
        """Hold exactly these items (every one of the kind)."""
        self.items.clear()
        self.covers.clear()
        self.relations.clear()
        self.sweeps.clear()
        self._same.clear()
        self.put(rows)

    def put(self, rows: list[list[Any]]) -> None:
        """Hold these items as they now are."""
        for row in rows:
            item_id, item, relation_ids = item_of(row, self._intern)
            self.forget([item_id])
            self.items[item_id] = item
            self.relations[item_id] = relation_ids
            self.covers.update((rid, item_id) for rid in relation_ids)

    def _intern(self, value: Any) -> Any:
        return self._same.setdefault(value, value)

    def forget(self, ids: Iterable[str]) -> None:
        """Drop the items (each sweep keeps what they were when it was built)."""
        for item_id in ids:
            for sweep in self.sweeps.values():
                sweep.changed.setdefault(item_id, self.items.get(item_id))
            self.items.pop(item_id, None)
            for rid in self.relations.pop(item_id, []):
                self.covers.pop(rid, None)

    def counts(self, asof: str, domains: frozenset[str] | None) -> Counter[tuple[str, str]]:
        """The counts of the tables on the as-of date."""
        last, first = (hi(asof), 0), (lo(asof), 0)
        if last != first:  # a range of days: item by item
            counts: Counter[tuple[str, str]] = Counter()
            for item in self.items.values():
                counts.update(labels(signature(item, last, first, domains)))
            return counts
        sweep = self._sweep(domains)
        counts = sweep.on(asof)
        for item_id, was in sweep.changed.items():
            counts.subtract(labels(signature(was, last, last, domains)))
            counts.update(labels(signature(self.items.get(item_id), last, last, domains)))
        return counts

    def _sweep(self, domains: frozenset[str] | None) -> Sweep:
        sweep = self.sweeps.pop(domains, None)
        if sweep is None or len(sweep.changed) > OVERLAY_MAX:
            sweep = Sweep(self.items, domains)
        self.sweeps[domains] = sweep  # last: the most recently used
        while len(self.sweeps) > SWEEPS_KEPT:
            del self.sweeps[next(iter(self.sweeps))]
        return sweep


class StatsIndex:
    """The index of both kinds, current to the data version it last read (see the module)."""

    def __init__(self) -> None:
        self.kinds = {label: KindIndex(label) for label in stats.TABLE_KINDS}
        self.ranking = Ranking("Force")
        self.version: tuple[int, str | None] | None = None
        self.loads = 0  # times everything was read (for tests and logs)
        self.updates = 0  # times only the changed items were
        self._lock = threading.Lock()  # gthread workers share it

    def tables(self, db: Database, asof: str, domains: list[str] | None
               ) -> dict[str, dict[str, list[dict[str, Any]]]] | None:
        """{label: the four tables} on the date, as kb.stats.grouped_tables gives them;
        None when the store has no data version (nothing written through the audit)."""
        return self.read(db, asof, domains, 1)[0]

    def read(self, db: Database, asof: str, domains: list[str] | None, top: int
             ) -> tuple[dict[str, dict[str, list[dict[str, Any]]]] | None,
                        list[dict[str, Any]] | None]:
        """The tables (as `tables`) and the `top` most connected forces on the date (as
        kb.queries.stats.most_connected; None when the index cannot tell: kb.ranking_index),
        both of one data version; (None, None) when the store has none."""
        wanted = frozenset(domains) if domains else None
        with self._lock:
            # the reads in one transaction, the counting after it (a sweep takes seconds
            # to build at scale 100: no transaction stays open for it)
            if not db.read_tx(self._refresh):
                return None, None
            counted = {label: kind.counts(asof, wanted) for label, kind in self.kinds.items()}
            connected = self.ranking.top(asof, top)
        return {label: _tables(label, counts) for label, counts in counted.items()}, connected

    def _refresh(self, tx: neo4j.ManagedTransaction) -> bool:
        version = audit_queries.version(tx)
        held = self.version
        if version is None:
            self.version = None
            return False
        if held is None or held[1] != version[1] or not 0 <= version[0] - held[0] <= RELOAD_ABOVE:
            self._load(tx)
        elif version[0] > held[0]:
            changes = queries.changed(tx, held[0], version[0], [
                *self.kinds, self.ranking.label, *get_model().relations])
            self._update(tx, [[kind, target] for kind, _, target, _, _ in changes
                              if kind in self.kinds or kind == queries.COVERS])
            if not self.ranking.follow(tx, changes):
                self.ranking.load(tx)
            self.updates += 1
        self.version = version
        return True

    def _load(self, tx: neo4j.ManagedTransaction) -> None:
        started = time.monotonic()
        for label, kind in self.kinds.items():
            kind.load(queries.every_item(tx, label))
        self.ranking.load(tx)
        self.loads += 1
        log.info("stats index: %s and %d candidate %ss read in %.2f s", ", ".join(
            f"{len(k.items)} {label}s" for label, k in self.kinds.items()),
            len(self.ranking.entities), self.ranking.label, time.monotonic() - started)

    def _update(self, tx: neo4j.ManagedTransaction, changes: list[list[str]]) -> None:
        # the items named, and those a changed COVERS leaves from (now, or as held)
        ids = {label: {t for k, t in changes if k == label} for label in self.kinds}
        relations = [t for k, t in changes if k == queries.COVERS]
        for label, item_id in queries.covers_sources(tx, relations) if relations else []:
            if label in ids:
                ids[label].add(item_id)
        for label, kind in self.kinds.items():
            ids[label].update(kind.covers[r] for r in relations if r in kind.covers)
            if ids[label]:
                wanted = sorted(ids[label])
                kind.forget(wanted)
                kind.put(queries.items_by_id(tx, label, wanted))


def _tables(label: str, counts: Counter[tuple[str, str]]) -> dict[str, list[dict[str, Any]]]:
    if counts[("stale", "yes")] > 0:
        raise stats.outdated(label)
    split: dict[str, Counter[str]] = {t: Counter() for t in ("domain", "status", "kind", "year")}
    for (table, key), n in counts.items():
        if table in split and n:
            split[table][key] = n
    return stats.tables_of(label, split["domain"], split["status"], split["kind"],
                           split["year"])


def init_app(app: Flask, settings: Settings) -> None:
    """An empty index for the app when answers are kept by data version (KB_MEMO_SIZE > 0)."""
    app.extensions["kb.stats_index"] = StatsIndex() if settings.memo_size else None


def fill_in_background(app: Flask) -> threading.Thread | None:
    """Read the app's index in a thread (a new gunicorn worker, kb.gunicorn_conf), so that
    the first /stats it serves need not wait about 3 s at scale 100; None when the index or
    the warm-ups (KB_WARMUP) are off."""
    index = app.extensions.get("kb.stats_index")
    if index is None or not app.config["KB_SETTINGS"].warmup:
        return None

    def fill() -> None:
        with app.app_context():
            try:
                index.tables(get_db(), today(), None)
            except Exception as exc:  # whatever it was, the first /stats reads it and says
                log.warning("stats index: not read at start (%s); the first /stats will", exc)

    thread = threading.Thread(target=fill, name="kb-stats-index", daemon=True)
    thread.start()
    return thread


def get_index() -> StatsIndex | None:
    """The index of the current app, None when it is off."""
    index: StatsIndex | None = current_app.extensions.get("kb.stats_index")
    return index
