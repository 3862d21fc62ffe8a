"""Reads of entities and relations: lookups, the summary of an entity, filtered lists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import neo4j

from kb.dates import hi, lo
from kb.model import ENTITY_LABEL, EntityKind, FilterSpec, get_model
from kb.queries import check_name, trusted
from kb.queries.asof import asof_params, hi_expr, lo_expr, valid_at
from kb.text import normalize

MAX_SUMMARY_RELATIONS = 500
_LABEL_OF = f"[l IN labels({{v}}) WHERE l <> '{ENTITY_LABEL}'][0]"


def label_of(var: str) -> str:
    """Cypher expression: the entity kind (label) of a node variable."""
    return _LABEL_OF.format(v=var)


def kinds_of(tx: neo4j.ManagedTransaction, ids: list[str]) -> dict[str, str]:
    """The kind of each id that exists (missing ids are absent from the answer)."""
    query = f"MATCH (n:{ENTITY_LABEL}) WHERE n.id IN $ids RETURN n.id AS id, {label_of('n')} AS k"
    return {r["id"]: r["k"] for r in tx.run(trusted(query), ids=ids)}


def get_entity(
    tx: neo4j.ManagedTransaction, label: str, entity_id: str
) -> dict[str, Any] | None:
    """An entity's properties and its direct relations summarised, or None."""
    check_name(label in get_model().entities, label)
    query = f"""
    MATCH (n:{label} {{id: $id}})
    CALL (n) {{
        MATCH (n)-[r]-(m:{ENTITY_LABEL})
        WITH r, m, startNode(r) = n AS outgoing
        ORDER BY type(r), m.name, r.id
        LIMIT {MAX_SUMMARY_RELATIONS}
        RETURN collect({{type: type(r), outgoing: outgoing, props: properties(r),
                         other: {{id: m.id, name: m.name, entity: {label_of('m')}}}}}) AS rels
    }}
    RETURN properties(n) AS props, rels
    """
    record = tx.run(trusted(query), id=entity_id).single()
    return dict(record) if record else None


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


def _text(spec: FilterSpec, p: str, value: str) -> Condition:
    return f"n.search_key CONTAINS ${p}", {p: normalize(value)}


def _property(spec: FilterSpec, p: str, value: Any) -> Condition:
    values = value if isinstance(value, list) else [value]
    return f"n.{spec.property} IN ${p}", {p: values}


def _relation(spec: FilterSpec, p: str, value: Any) -> Condition:
    ids = value if isinstance(value, list) else [value]
    step = (f"(n)-[:{spec.relation}]->(x:{ENTITY_LABEL})" if spec.direction == "out"
            else f"(x:{ENTITY_LABEL})-[:{spec.relation}]->(n)")
    return f"EXISTS {{ MATCH {step} WHERE x.id IN ${p} }}", {p: ids}


def _as_of(spec: FilterSpec, p: str, value: str) -> Condition:
    if not (spec.start_field and spec.end_field):
        raise ValueError(f"as_of filter {spec.name} needs start_field and end_field")
    return valid_at("n", spec.start_field, spec.end_field), asof_params(value)


def _date_from(spec: FilterSpec, p: str, value: str) -> Condition:
    # overlaps [from, ...): the item's latest possible day is on or after `from`
    last = f"coalesce(n.{spec.end_field or spec.date_from}, n.{spec.date_from})"
    cond = f"{hi_expr(last)} >= ${p}"
    if spec.open_ended and spec.end_field:
        cond = f"(n.{spec.end_field} IS NULL OR {cond})"
    return cond, {p: lo(value)}


def _date_to(spec: FilterSpec, p: str, value: str) -> Condition:
    return f"{lo_expr(f'n.{spec.date_to}')} <= ${p}", {p: hi(value)}


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


def _conditions(q: ListQuery) -> tuple[list[str], dict[str, Any]]:
    conds: list[str] = []
    params: dict[str, Any] = {}
    if q.ids is not None:
        conds.append("n.id IN $ids")
        params["ids"] = q.ids
    for name, value in q.filters.items():
        found = _condition(q.kind.filters[name], f"f_{name}", value)  # declared filters only
        if found:
            conds.append(found[0])
            params.update(found[1])
    return conds, params


def list_entities(tx: neo4j.ManagedTransaction, q: ListQuery) -> tuple[list[dict[str, Any]], int]:
    """One page of a kind's entities, and how many match in all."""
    conds, params = _conditions(q)
    where = f"WHERE {' AND '.join(conds)}" if conds else ""
    descending = q.sort.startswith("-")
    key = q.sort.lstrip("-")
    check_name(key in q.kind.sort, key)
    match = f"MATCH (n:{q.kind.label}) {where}"
    total = tx.run(trusted(f"{match} RETURN count(n) AS total"), params).single()
    # the page as one record: the driver spends about 15 us on each record it receives
    page = tx.run(trusted(
        f"{match} WITH n "
        f"ORDER BY n.{key} IS NULL, n.{key} {'DESC' if descending else 'ASC'}, n.id ASC "
        f"SKIP $offset LIMIT $limit RETURN collect(properties(n)) AS page"),
        params, offset=q.offset, limit=q.limit).single()
    return (page["page"] if page else []), int(total["total"]) if total else 0


def get_relation(
    tx: neo4j.ManagedTransaction, rtype: str, relation_id: str
) -> dict[str, Any] | None:
    """A relation with its ends, or None."""
    check_name(rtype in get_model().relations, rtype)
    query = f"""
    MATCH (a:{ENTITY_LABEL})-[r:{rtype} {{id: $id}}]->(b:{ENTITY_LABEL})
    RETURN a.id AS source, b.id AS target, {label_of('a')} AS source_kind,
           {label_of('b')} AS target_kind, properties(r) AS props
    """
    record = tx.run(trusted(query), id=relation_id).single()
    return dict(record) if record else None


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
    """A page of relations: of the given types, from/to the given ids, valid on a date."""
    for rtype in q.types or []:
        check_name(rtype in get_model().relations, rtype)
    types = "|".join(q.types or [])
    pattern = f"(a:{ENTITY_LABEL})-[r{':' + types if types else ''}]->(b:{ENTITY_LABEL})"
    where = ("WHERE ($sources IS NULL OR a.id IN $sources) "
             "AND ($targets IS NULL OR b.id IN $targets)")
    params: dict[str, Any] = {"sources": q.sources, "targets": q.targets}
    if q.asof:
        where += f" AND {valid_at('r')}"
        params.update(asof_params(q.asof))
    total = tx.run(trusted(f"MATCH {pattern} {where} RETURN count(r) AS total"), params).single()
    page = tx.run(trusted(f"""
        MATCH {pattern} {where}
        WITH a, r, b ORDER BY type(r), r.id SKIP $offset LIMIT $limit
        RETURN collect({{type: type(r), source: a.id, target: b.id,
                        source_kind: {label_of('a')}, target_kind: {label_of('b')},
                        props: properties(r)}}) AS page"""),
        params, offset=q.offset, limit=q.limit).single()
    return (page["page"] if page else []), int(total["total"]) if total else 0


def citations_of(tx: neo4j.ManagedTransaction, source_id: str) -> int:
    """How many entities and relations cite a Source."""
    quoted = f'"{source_id}"'
    query = """
    CALL () { MATCH (x:Entity) WHERE $id IN x.sources OR x.status_history CONTAINS $quoted
              RETURN count(x) AS nodes }
    CALL () { MATCH ()-[r]->() WHERE $id IN r.sources RETURN count(r) AS rels }
    RETURN nodes + rels AS n
    """
    record = tx.run(query, id=source_id, quoted=quoted).single()
    return int(record["n"]) if record else 0


def stored_entities(tx: neo4j.ManagedTransaction, label: str,
                    ids: list[str]) -> dict[str, dict[str, Any]]:
    """Stored properties of the given entity ids (to tell created/updated/unchanged)."""
    check_name(label in get_model().entities, label)
    query = f"""UNWIND $ids AS i MATCH (n:{label} {{id: i}})
                RETURN n.id AS id, properties(n) AS props"""
    return {r["id"]: dict(r["props"]) for r in tx.run(trusted(query), ids=ids)}


def stored_relations(tx: neo4j.ManagedTransaction, rtype: str,
                     ids: list[str]) -> dict[str, dict[str, Any]]:
    """Stored properties of the given relation ids."""
    check_name(rtype in get_model().relations, rtype)
    query = f"""UNWIND $ids AS i MATCH ()-[r:{rtype} {{id: i}}]->()
                RETURN r.id AS id, properties(r) AS props"""
    return {r["id"]: dict(r["props"]) for r in tx.run(trusted(query), ids=ids)}
