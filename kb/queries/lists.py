"""Pages of entities and of relations, with their filters, read in index order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import neo4j

from kb.dates import hi, lo
from kb.model import ENTITY_LABEL, EntityKind, FilterSpec, get_model
from kb.queries import check_name, trusted
from kb.queries.asof import (
    RELATION_DATES,
    asof_params,
    begins_after,
    day_prefixes,
    ended_before,
    ends_on_or_after,
    valid_at,
)
from kb.queries.entities import label_of
from kb.text import normalize


@dataclass
class ListQuery:
    """A validated list request: filters by name, sort key, page window."""

    kind: EntityKind
    filters: dict[str, Any] = field(default_factory=dict)
    sort: str = "name"
    offset: int = 0
    limit: int = 50
    ids: list[str] | None = None  # only these (the answers of a `between` question)


Condition = tuple[str, dict[str, Any]]
# Up to this many matches a page sorts them all, found through the filters' own indexes;
# beyond, reading the sort key's index in order and filtering is cheaper (at scale 100:
# 764 service branches sorted in 2-4 ms, read by name 7-107 ms; 74,700 units 70 ms
# sorted, 2-3 ms read by name).
SORT_ALL_UP_TO = 5000


def _text(spec: FilterSpec, p: str, value: str) -> Condition:
    return f"n.search_key CONTAINS ${p}", {p: normalize(value)}


def _property(spec: FilterSpec, p: str, value: Any) -> Condition:
    values = value if isinstance(value, list) else [value]
    return f"n.{spec.property} IN ${p}", {p: values}


def _step(spec: FilterSpec, node: str = "n") -> str:
    return (f"({node})-[:{spec.relation}]->(x:{ENTITY_LABEL})" if spec.direction == "out"
            else f"(x:{ENTITY_LABEL})-[:{spec.relation}]->({node})")


def _relation(spec: FilterSpec, p: str, value: Any) -> Condition:
    return f"EXISTS {{ MATCH {_step(spec)} WHERE x.id IN ${p} }}", {p: _ids(value)}


def _ids(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _as_of(spec: FilterSpec, p: str, value: str) -> Condition:
    if not (spec.start_field and spec.end_field):
        raise ValueError(f"as_of filter {spec.name} needs start_field and end_field")
    return valid_at("n", spec.start_field, spec.end_field), asof_params(value)


def _date_from(spec: FilterSpec, p: str, value: str) -> Condition:
    # overlaps [from, ...): the item's latest possible day (its end, else its start) is on
    # or after `from`; on the bare dates, so that their range indexes can be sought
    def reaches(prop: str) -> str:
        return ends_on_or_after(f"n.{prop}", p, f"{p}_prefixes")

    start, end = spec.date_from or "", spec.end_field
    if not end:
        cond = reaches(start)
    elif spec.open_ended:  # no end: still running
        cond = f"(n.{end} IS NULL OR {reaches(end)})"
    else:
        cond = f"((n.{end} IS NULL AND {reaches(start)}) OR {reaches(end)})"
    return cond, {p: lo(value), f"{p}_prefixes": day_prefixes(lo(value))}


def _date_to(spec: FilterSpec, p: str, value: str) -> Condition:
    # lo(x) <= H exactly when x <= H, for a stored partial date x and a full date H (x sorts
    # before the days it begins with): the bare property lets the planner seek its range
    # index (events of 1990 at scale 100: 37 -> 4 ms)
    return f"n.{spec.date_to} <= ${p}", {p: hi(value)}


# each kind of filter (the FilterSpec attribute that marks it) and the condition it builds
_BUILDERS: tuple[tuple[str, Callable[[FilterSpec, str, Any], Condition]], ...] = (
    ("as_of", _as_of), ("text", _text), ("property", _property), ("relation", _relation),
    ("date_from", _date_from), ("date_to", _date_to))


def _condition(spec: FilterSpec, p: str, value: Any) -> Condition | None:
    if spec.between:
        return None  # answered by kb.coverage, not by a list query
    for marker, build in _BUILDERS:
        if getattr(spec, marker):
            return build(spec, p, value)
    return None


def _conditions(q: ListQuery) -> tuple[str, list[str], dict[str, Any]]:
    """The MATCH of a list, its conditions and their parameters.

    A list filtered by a relation starts from the entities named (index seeks) and steps
    to the kind's nodes: the condition alone would test every node of the kind.
    """
    conds: list[str] = []
    params: dict[str, Any] = {}
    match = f"MATCH (n:{q.kind.label})"
    if q.ids is not None:
        conds.append("n.id IN $ids")
        params["ids"] = q.ids
    starts = [name for name, spec in q.kind.filters.items()
              if name in q.filters and spec.relation and not spec.between][:1]
    for name in starts:
        params[f"f_{name}"] = _ids(q.filters[name])
        step = _step(q.kind.filters[name], f"n:{q.kind.label}")
        match = (f"MATCH (x:{ENTITY_LABEL}) WHERE x.id IN $f_{name} "
                 f"MATCH {step} WITH DISTINCT n")
    for name, value in q.filters.items():
        found = _condition(q.kind.filters[name], f"f_{name}", value)  # declared filters only
        if found and name not in starts:
            conds.append(found[0])
            params.update(found[1])
    if len(conds) == 1 and not starts and any(q.kind.filters[n].text for n in q.filters):
        # Alone, a text filter can start from the text index, which is on the Entity label
        # (a rare word at scale 100: 135 -> 15 ms). Beside another filter, that filter's
        # index is the better start: a common word would read every entity that has it.
        match = f"MATCH (n:{q.kind.label}:{ENTITY_LABEL})"
    return match, conds, params


def list_entities(tx: neo4j.ManagedTransaction, q: ListQuery) -> tuple[list[dict[str, Any]], int]:
    """One page of a kind's entities, and how many match in all.

    Entities with the sort key come first, in its order, then those without it, by id. A
    few thousand matches are sorted whole; more are read in the order of the sort key's
    range index, so the page costs what it skips and returns, not the size of the kind.
    """
    match, conds, params = _conditions(q)
    key = q.sort.lstrip("-")
    check_name(key in q.kind.sort, key)
    as_of = _as_of_alone(q)
    total = (_count_valid(tx, q.kind.label, as_of, params) if as_of
             else _count(tx, match, conds, params))
    order = f"n.{key} {'DESC' if q.sort.startswith('-') else 'ASC'}, n.id ASC"
    if total <= SORT_ALL_UP_TO or match != f"MATCH (n:{q.kind.label})":
        rows = _entity_page(tx, match, conds, params, f"n.{key} IS NULL, {order}",
                            q.offset, q.limit)
        return rows, total
    keyed = [*conds, f"n.{key} IS NOT NULL"]
    rows = _entity_page(tx, match, keyed, params, order, q.offset, q.limit)
    if len(rows) < q.limit and q.offset + len(rows) < total:  # the page reaches the keyless
        skip = 0 if rows else q.offset - _count(tx, match, keyed, params)
        rows += _entity_page(tx, match, [*conds, f"n.{key} IS NULL"], params, "n.id ASC",
                             skip, q.limit - len(rows))
    return rows, total


def _where(conds: list[str]) -> str:
    return f"WHERE {' AND '.join(conds)}" if conds else ""


def _as_of_alone(q: ListQuery) -> FilterSpec | None:
    # the as_of filter, when it is the list's only condition
    names = list(q.filters)
    if q.ids is None and len(names) == 1:
        spec = q.kind.filters[names[0]]
        if spec.as_of and spec.start_field and spec.end_field:
            return spec
    return None


def _count(tx: neo4j.ManagedTransaction, match: str, conds: list[str],
           params: dict[str, Any]) -> int:
    record = tx.run(trusted(f"{match} {_where(conds)} RETURN count(n) AS total"),
                    params).single()
    return int(record["total"]) if record else 0


def _count_valid(tx: neo4j.ManagedTransaction, label: str, as_of: FilterSpec,
                 params: dict[str, Any]) -> int:
    # an as_of filter alone is counted from the count store and the range indexes of its
    # dates (kb.queries.schema makes them), not by testing each item of the kind
    counted = valid_count(f"(n:{label})", f"n:{label}", as_of.start_field or "",
                          as_of.end_field or "")
    record = tx.run(trusted(f"{counted} RETURN n AS total"), params).single()
    return int(record["total"]) if record else 0


def _entity_page(tx: neo4j.ManagedTransaction, match: str, conds: list[str],
                 params: dict[str, Any], order: str, offset: int,
                 limit: int) -> list[dict[str, Any]]:
    # the page as one record: the driver spends about 15 us on each record it receives
    record = tx.run(trusted(
        f"{match} {_where(conds)} WITH n ORDER BY {order} "
        f"SKIP $offset LIMIT $limit RETURN collect(properties(n)) AS page"),
        params, offset=offset, limit=limit).single()
    return list(record["page"]) if record else []


@dataclass
class RelationQuery:
    """A validated relation list request: types, ends (ids), as-of date, page window."""

    types: list[str] | None = None
    sources: list[str] | None = None
    targets: list[str] | None = None
    asof: str | None = None
    offset: int = 0
    limit: int = 50


def list_relations(tx: neo4j.ManagedTransaction, q: RelationQuery
                   ) -> tuple[list[dict[str, Any]], int]:
    """A page of relations: of the given types, from/to the given ids, valid on a date.

    Relations come by type, then id. Without ends to start from, each type is counted on
    its own (from the count store, less the relations not valid on the date read from the
    date indexes) and paged in the order of its id index, so no page sorts or tests every
    relation of the store.
    """
    types = sorted(set(q.types or get_model().relations))  # the order of type(r) in Cypher
    for rtype in types:
        check_name(rtype in get_model().relations, rtype)
    params: dict[str, Any] = asof_params(q.asof) if q.asof else {}
    valid = [valid_at("r")] if q.asof else []
    if q.sources is not None or q.targets is not None:
        return _relations_of_ends(tx, q, types, valid, params)
    counts = _counts_by_type(tx, types, bool(q.asof), params)
    rows: list[dict[str, Any]] = []
    offset = q.offset
    for rtype in types:
        if len(rows) == q.limit:
            break
        if offset >= counts[rtype]:
            offset -= counts[rtype]
            continue
        match = f"MATCH (a:{ENTITY_LABEL})-[r:{rtype}]->(b:{ENTITY_LABEL})"
        rows += _relation_rows(tx, match, [*valid, "r.id IS NOT NULL"], "r.id",
                               {**params, "offset": offset, "limit": q.limit - len(rows)})
        offset = 0
    return rows, sum(counts.values())


def _counts_by_type(tx: neo4j.ManagedTransaction, types: list[str], dated: bool,
                    params: dict[str, Any]) -> dict[str, int]:
    result = tx.run(trusted(counts_query(types, dated)), params, types=types)
    return {record["type"]: int(record["n"]) for record in result}


def counts_query(types: list[str], dated: bool) -> str:
    """How many relations of each of `types` ($types, in that order) there are, or, when
    `dated`, how many are valid on the as-of date ($asof_lo, $asof_hi)."""
    for rtype in types:
        check_name(rtype in get_model().relations, rtype)
    # one statement; each branch alone on its type, so an undated count is a count-store read
    branches = [f"{_valid_count(t) if dated else _stored_count(t)} RETURN $types[{i}] AS type, n"
                for i, t in enumerate(types)]
    return " UNION ALL ".join(branches)


def _stored_count(rtype: str) -> str:
    return f"MATCH ()-[r:{rtype}]->() WITH count(r) AS n"


def _valid_count(rtype: str) -> str:
    # at scale 100, testing all 1M relations took 0.8 s, though only some 100,000 are dated
    start, end = RELATION_DATES
    return valid_count(f"()-[r:{rtype}]->()", f"r:{rtype}", start, end)


def valid_count(pattern: str, token: str, start: str, end: str) -> str:
    """Cypher ending `WITH n`: how many of the facts `pattern` matches (a node or relationship
    pattern naming one label or type, `token` its variable and label, e.g. `r:COVERS`) may
    hold on the as-of date, their dates being the properties `start` and `end`.

    All of them (count store) less those that begin after the date and those that ended
    before it, each counted from its range index, plus those counted twice. Those are
    sought from the smaller of the two counts (the other side may hold every dated fact):
    the bound of the other seek is null, which finds nothing (a guard in WHERE would be
    tested only after the seek).
    """
    var = token.split(":")[0]
    later, ended = begins_after(var, start), ended_before(var, end)
    facts = f"MATCH {pattern}"
    twice = " UNION ALL ".join(f"""
        WITH CASE WHEN {guard} THEN {bound} END AS bound
        {facts} USING INDEX {token}({prop}) WHERE {cond} RETURN count({var}) AS both"""
        for guard, bound, prop, cond in (
            ("later <= ended", "$asof_hi", start, f"{var}.{start} > bound AND {ended}"),
            ("later > ended", "$asof_lo", end,
             f"{var}.{end} < bound AND NOT bound STARTS WITH {var}.{end} AND {later}")))
    return f"""CALL () {{ {facts} RETURN count({var}) AS stored }}
    CALL () {{ {facts} WHERE {later} RETURN count({var}) AS later }}
    CALL () {{ {facts} WHERE {ended} RETURN count({var}) AS ended }}
    CALL (later, ended) {{ {twice} }}
    WITH stored, later, ended, sum(both) AS both
    WITH stored - later - ended + both AS n"""


def _relations_of_ends(tx: neo4j.ManagedTransaction, q: RelationQuery, types: list[str],
                       valid: list[str], params: dict[str, Any]
                       ) -> tuple[list[dict[str, Any]], int]:
    # start from the ends named (index seeks), not from every relation of the types
    rel = f"[r:{'|'.join(types)}]"
    if q.sources is not None:
        match = (f"MATCH (a:{ENTITY_LABEL}) WHERE a.id IN $sources "
                 f"MATCH (a)-{rel}->(b:{ENTITY_LABEL})")
        conds = [*valid, *(["b.id IN $targets"] if q.targets is not None else [])]
    else:
        match = (f"MATCH (b:{ENTITY_LABEL}) WHERE b.id IN $targets "
                 f"MATCH (a:{ENTITY_LABEL})-{rel}->(b)")
        conds = valid
    params = {**params, "sources": q.sources, "targets": q.targets}
    total = tx.run(trusted(f"{match} {_where(conds)} RETURN count(r) AS total"),
                   params).single()
    rows = _relation_rows(tx, match, conds, "type(r), r.id",
                          {**params, "offset": q.offset, "limit": q.limit})
    return rows, int(total["total"]) if total else 0


def _relation_rows(tx: neo4j.ManagedTransaction, match: str, conds: list[str], order: str,
                   params: dict[str, Any]) -> list[dict[str, Any]]:
    record = tx.run(trusted(f"""
        {match} {_where(conds)}
        WITH a, r, b ORDER BY {order} SKIP $offset LIMIT $limit
        RETURN collect({{type: type(r), source: a.id, target: b.id,
                        source_kind: {label_of('a')}, target_kind: {label_of('b')},
                        props: properties(r)}}) AS page"""), params).single()
    return list(record["page"]) if record else []
