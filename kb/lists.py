"""Entity lists: filters resolved to ids, the hierarchy when asked, status as of a date."""

from __future__ import annotations

from typing import Any

from kb.coverage import between, status_as_of
from kb.dates import lo, today
from kb.errors import Conflict, field_error
from kb.hierarchy import below
from kb.model import EntityKind
from kb.queries.lists import ListQuery
from kb.store import Store

# filters `between` answers itself; any other filter narrows its answers like a list
BETWEEN_OWN = {"between", "as_of", "domain", "status", "sort", "match"}
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


def between_answer(store: Store, kind: EntityKind, args: dict[str, Any]
                   ) -> list[dict[str, Any]]:
    """Mechanisms/agreements between the named actors, each with its explanation.

    They come in the order of kb.coverage (direct matches first) unless `sort` is given.
    """
    label = kind.label
    actors = args["between"]
    if len(set(actors)) < len(actors):
        raise Conflict("between names the same actor twice", errors=[
            field_error("between", "names the same actor twice", "query")])
    asof = args.get("as_of") or today()
    domains, statuses = args.get("domain"), args.get("status")
    found = between(store.db, label, actors, asof)
    found = [r for r in found
             if (not domains or set(domains) & {d["id"] for d in r["domains"]})
             and (not statuses or r["status_as_of"]["status"] in statuses)]
    narrowing = {k: v for k, v in args.items() if k not in BETWEEN_OWN}
    if narrowing and found:
        ids = [r[label.lower()]["id"] for r in found]
        filters = expand(kind, narrowing, args.get("match", "direct"), store)
        query = ListQuery(kind, filters=filters, ids=ids, limit=len(ids))
        kept = {e["id"] for e in store.find(query)[0]}
        found = [r for r in found if r[label.lower()]["id"] in kept]
    answers = [_flatten(label, r, asof) for r in found]
    return sort_items(answers, args["sort"]) if args.get("sort") else answers


def sort_items(items: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """Items ordered by a sort key as lists order them (missing values last, ties by id)."""
    key = sort.lstrip("-")
    present = sorted((i for i in items if i.get(key) is not None),
                     key=lambda i: (lo(str(i[key])) if key.endswith("_on") else i[key], i["id"]),
                     reverse=sort.startswith("-"))
    return present + [i for i in items if i.get(key) is None]


def _flatten(label: str, result: dict[str, Any], asof: str) -> dict[str, Any]:
    # the between answer keeps the shape of a list item, plus what explains the match
    return {**result[label.lower()], "as_of": asof, "status_as_of": result["status_as_of"],
            "match": {"direct": result["direct"], "actors": result["matched"]},
            **{k: result[k] for k in ("domains", "parties", "rests_on", "agreed_by",
                                      "applies_in", "sources")}}
