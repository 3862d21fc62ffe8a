"""Statistics for dashboards: counts, breakdowns of mechanisms and agreements, coverage.

What is counted on an as-of date follows the lists with `as_of` (kb.lists):

- The mechanisms and agreements counted are those `/mechanisms?as_of=D` (`/agreements?
  as_of=D`) lists: not established (signed) after D, not ended before it. An item the list
  keeps but whose status on D is not known (no history, or a history that begins after D)
  counts under status "unknown", as the list shows it with `status_as_of.status: null`.
- by_domain counts the Domains an item covers on D (a COVERS relation dated later does not
  count yet); an item in two domains counts in both, one in none under "unknown". The
  `domain` filter keeps the items covering any of the given Domains on D.
- by_year is the year the item began (`began_on`): established_on for a mechanism,
  signed_on (else in_force_from) for an agreement, else the year of the first
  status_history entry; "unknown" when none is recorded.
- `counts` is every stored entity of each kind, whatever the date and domain.
- most_connected ranks forces by their relations valid on D (undated ones always count).

The coverage matrix (`coverage`) says, for each pair of the actors and each Domain, which
mechanisms between the two (kb.coverage.between_pairs: the `between` rules, through forces,
states and succession) cover that Domain and are active on D or of unknown status, the
mechanisms /gaps counts as covering; suspended, proposed, under negotiation and
terminated ones do not fill a cell. A pair and domain without a cell is a gap.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import neo4j

from kb.coverage import between_pairs, first_date, status_as_of
from kb.db import Database
from kb.errors import Conflict, StoreOutdated, field_error
from kb.model import get_model
from kb.queries import stats as stats_queries
from kb.queries.asof import asof_params

if TYPE_CHECKING:  # kb.stats_index builds on this module
    from kb.stats_index import StatsIndex

UNKNOWN = "unknown"
# statuses on the date that make a mechanism count in the coverage matrix (as in /gaps)
COVERING = ("active", None)
LEVELS = {"state": "State", "force": "Force"}
TABLE_KINDS = {"Mechanism": "mechanism_kind", "Agreement": "agreement_kind"}


def summary(db: Database, asof: str, domains: list[str] | None, top: int,
            index: StatsIndex | None = None) -> dict[str, Any]:
    """The /stats answer: counts per kind, the four tables of mechanisms and agreements,
    and the `top` most connected forces, as of the date.

    With an `index` (kb.stats_index) the tables and, when it can tell, the ranking come from
    it, else they are counted in Cypher; either way from the same rules."""
    params = asof_params(asof)
    indexed, connected = index.read(db, asof, domains, top) if index else (None, None)
    # each statement reads the whole of a kind: side by side they take the longest one's time
    works: dict[str, Callable[[neo4j.ManagedTransaction], Any]] = {
        "counts": stats_queries.counts}
    if connected is None:  # no index, or one that cannot tell on this date
        works["most_connected"] = partial(stats_queries.most_connected, label="Force",
                                          top=top, params=params)
    if indexed is None:  # no index, or no data version for one
        works.update({label: partial(stats_queries.grouped, label=label, domains=domains,
                                     params=params) for label in TABLE_KINDS})
    found = db.read_all(works)
    if indexed is None:
        indexed = {label: grouped_tables(found[label], label) for label in TABLE_KINDS}
    counts, connected = found["counts"], found.get("most_connected", connected)
    return {
        "as_of": asof,
        "counts": [{"entity": k, "count": counts.get(k, 0)} for k in sorted(get_model().entities)],
        "mechanisms": indexed["Mechanism"],
        "agreements": indexed["Agreement"],
        "most_connected": connected,
    }


def grouped_tables(groups: list[dict[str, Any]], label: str) -> dict[str, list[dict[str, Any]]]:
    """The four tables from the groups Cypher counted (kb.queries.stats.grouped): the same
    answer `tables` gives from the items one by one."""
    if any(g["stale"] for g in groups):
        raise outdated(label)
    vocabulary = list(get_model().vocabularies["domain"])
    domains: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    years: Counter[str] = Counter()
    for g in groups:
        # the last count is of the items covering no Domain
        domains.update(dict(zip([*vocabulary, UNKNOWN], g["domains"], strict=True)))
        statuses[g["status"] or UNKNOWN] += g["count"]
        kinds[g["kind"] or UNKNOWN] += g["count"]
        years[g["year"] or UNKNOWN] += g["count"]
    return tables_of(label, domains, statuses, kinds, years)


def outdated(label: str) -> StoreOutdated:
    """The error when items of the kind lack the status lists the tables count with."""
    return StoreOutdated(f"{label}s stored by an earlier version lack the status lists "
                         "/stats counts with; run `kb schema apply` to add them")


def tables(rows: list[dict[str, Any]], label: str, asof: str) -> dict[str, list[dict[str, Any]]]:
    """by_domain, by_status, by_kind and by_year of the items ({props, domains} rows of
    kb.queries.stats.items), counted one by one: the rules in Python, which the Cypher
    counting of `summary` is tested against.

    The first three list every value of the model's vocabulary (zero counts too) in model
    order, then "unknown"; by_year lists the years found, oldest first, then "unknown".
    """
    domains: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    years: Counter[str] = Counter()
    for row in rows:
        props = row["props"]
        domains.update(row["domains"] or [UNKNOWN])
        statuses[status_as_of(props, asof)[1] or UNKNOWN] += 1
        kinds[props.get("kind") or UNKNOWN] += 1
        years[began_on(props)[:4] or UNKNOWN] += 1
    return tables_of(label, domains, statuses, kinds, years)


def tables_of(label: str, domains: Counter[str], statuses: Counter[str], kinds: Counter[str],
              years: Counter[str]) -> dict[str, list[dict[str, Any]]]:
    """The four tables from their counts (by key); every key of the vocabularies listed."""
    model = get_model()
    names = model.vocabularies["domain"]
    by_domain = [{"key": d, "name": names[d].get("name", d), "count": domains[d]}
                 for d in names]
    by_domain.append({"key": UNKNOWN, "name": "Unknown", "count": domains[UNKNOWN]})
    return {
        "by_domain": by_domain,
        "by_status": _table(model.vocabulary("status"), statuses),
        "by_kind": _table(model.vocabulary(TABLE_KINDS[label]), kinds),
        "by_year": _table(sorted(y for y in years if y != UNKNOWN), years),
    }


def began_on(props: dict[str, Any]) -> str:
    """When an item began: established_on, signed_on, in_force_from, else the first
    status_history entry's date ('' if none is recorded)."""
    start = props.get("established_on") or props.get("signed_on") or props.get("in_force_from")
    return str(start or first_date(props))


def _table(keys: list[str], counted: Counter[str]) -> list[dict[str, Any]]:
    return [{"key": k, "count": counted[k]} for k in [*keys, UNKNOWN]]


def top_actors(db: Database, level: str, top: int, asof: str) -> list[dict[str, Any]]:
    """The `top` States (level=state) or Forces (level=force) with most relations on the date."""
    label = LEVELS[level]
    rows = db.read_tx(lambda tx: stats_queries.most_connected(tx, label, top, asof_params(asof)))
    return [{k: r[k] for k in ("id", "name", "entity")} for r in rows]


def coverage(db: Database, actors: list[dict[str, Any]], level: str, asof: str,
             domains: list[str] | None) -> dict[str, Any]:
    """Which pairs of the actors have a mechanism covering which Domain on the date.

    `actors` are {id, name, entity}, resolved by the caller (409 when two name the same
    entity); `domains` (ids) narrows the matrix to those Domains (default all, in model
    order).
    """
    if len({a["id"] for a in actors}) < len(actors):
        raise Conflict("actor names the same entity twice", errors=[
            field_error("actor", "names the same entity twice", "query")])
    shown = [d for d in get_model().vocabularies["domain"] if not domains or d in domains]
    names = get_model().vocabularies["domain"]
    found = between_pairs(db, "Mechanism", [a["id"] for a in actors], asof)
    cells = []
    for (a, b), results in found.items():
        for domain in shown:
            mechanisms = [{"id": r["mechanism"]["id"], "name": r["mechanism"]["name"]}
                          for r in results if r["status_as_of"]["status"] in COVERING
                          and domain in {d["id"] for d in r["domains"]}]
            if mechanisms:
                cells.append({"a": a, "b": b, "domain": domain, "mechanisms": mechanisms})
    return {"as_of": asof, "level": level, "actors": actors,
            "domains": [{"id": d, "name": names[d].get("name", d)} for d in shown],
            "cells": cells}
