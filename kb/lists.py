"""Entity lists: filters resolved to ids, the hierarchy when asked, status as of a date."""

from __future__ import annotations

from typing import Any

from kb.coverage import status_as_of
from kb.hierarchy import below
from kb.model import EntityKind
from kb.queries.entities import ListQuery
from kb.store import Store

# Kinds of filter whose value names an entity and may reach below it with match=hierarchy;
# `theatre` always does for a State (a State given as a theatre means the places in it).
ALWAYS_BELOW = {"theatre"}
# How many candidates a status-as-of filter reads before paging (it is computed per item).
MAX_STATUS_SCAN = 20000


def expand(kind: EntityKind, filters: dict[str, Any], match: str,
           store: Store) -> dict[str, Any]:
    """Filters whose entity ids also stand for everything below them, where asked."""
    names = [n for n, v in filters.items() if kind.filters[n].relation and isinstance(v, list)
             and kind.filters[n].relation not in ("COVERS", "IN_DOMAIN")]
    widen = [n for n in names if match == "hierarchy" or n in ALWAYS_BELOW]
    if not widen:
        return filters
    ids = sorted({i for n in widen for i in filters[n]})
    under = below(store.db, ids)
    return {**filters, **{n: sorted({x for i in filters[n] for x in under.get(i, [i])})
                          for n in widen}}


def find(store: Store, kind: EntityKind, filters: dict[str, Any], sort: str, offset: int,
         limit: int) -> tuple[list[dict[str, Any]], int]:
    """A page of a kind's entities and the total; with `as_of`, each item's status then."""
    asof: str = filters.get("as_of") or ""
    dated = bool(asof) and "status_history" in kind.fields
    statuses = filters.get("status") if dated else None
    if statuses:
        # the status on a date is computed from each item's history, so filter before paging
        rest = {k: v for k, v in filters.items() if k != "status"}
        items, _ = store.find(ListQuery(kind, rest, sort, 0, MAX_STATUS_SCAN))
        kept = [i for i in (_with_status(i, asof) for i in items)
                if i["status_as_of"]["status"] in statuses]
        return kept[offset:offset + limit], len(kept)
    items, total = store.find(ListQuery(kind, filters, sort, offset, limit))
    if dated:
        items = [_with_status(i, asof) for i in items]
    return items, total


def _with_status(item: dict[str, Any], asof: str) -> dict[str, Any]:
    _, status, since = status_as_of(item, asof)
    return {**item, "as_of": asof, "status_as_of": {"status": status, "since": since}}
