"""Reads of entities and relations: lookups, the summary of an entity, filtered lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import neo4j

from kb.dates import hi, lo
from kb.model import ENTITY_LABEL, EntityKind, get_model
from kb.queries import trusted
from kb.queries.asof import asof_params, valid_at
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
    assert label in get_model().entities
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


def _conditions(q: ListQuery) -> tuple[list[str], dict[str, Any]]:
    conds: list[str] = []
    params: dict[str, Any] = {}
    if q.ids is not None:
        conds.append("n.id IN $ids")
        params["ids"] = q.ids
    for name, value in q.filters.items():
        spec = q.kind.filters[name]  # only declared filters reach here
        p = f"f_{name}"
        if spec.between:
            continue  # answered by kb.coverage, not by a list query
        if spec.as_of:
            assert spec.start_field and spec.end_field, name
            conds.append(valid_at("n", spec.start_field, spec.end_field))
            params.update(asof_params(value))
        elif spec.text:
            conds.append(f"n.search_key CONTAINS ${p}")
            params[p] = normalize(value)
        elif spec.property:
            conds.append(f"n.{spec.property} = ${p}")
            params[p] = value
        elif spec.relation and spec.direction == "out":
            end = f"(:{ENTITY_LABEL} {{id: ${p}}})"
            conds.append(f"EXISTS {{ MATCH (n)-[:{spec.relation}]->{end} }}")
            params[p] = value
        elif spec.relation:
            end = f"(:{ENTITY_LABEL} {{id: ${p}}})"
            conds.append(f"EXISTS {{ MATCH {end}-[:{spec.relation}]->(n) }}")
            params[p] = value
        elif spec.date_from:
            # overlaps [from, ...): the item's latest possible day is on or after `from`
            last = f"coalesce(n.{spec.end_field or spec.date_from}, n.{spec.date_from})"
            cond = f"{last} + substring('9999-12-31', size({last})) >= ${p}"
            if spec.open_ended and spec.end_field:
                cond = f"(n.{spec.end_field} IS NULL OR {cond})"
            conds.append(cond)
            params[p] = lo(value)
        elif spec.date_to:
            first = f"n.{spec.date_to}"
            conds.append(f"{first} + substring('0000-01-01', size({first})) <= ${p}")
            params[p] = hi(value)
    return conds, params


def list_entities(tx: neo4j.ManagedTransaction, q: ListQuery) -> tuple[list[dict[str, Any]], int]:
    """One page of a kind's entities, and how many match in all."""
    conds, params = _conditions(q)
    where = f"WHERE {' AND '.join(conds)}" if conds else ""
    descending = q.sort.startswith("-")
    key = q.sort.lstrip("-")
    assert key in q.kind.sort
    match = f"MATCH (n:{q.kind.label}) {where}"
    total = tx.run(trusted(f"{match} RETURN count(n) AS total"), params).single()
    page = tx.run(trusted(
        f"{match} RETURN properties(n) AS props "
        f"ORDER BY n.{key} {'DESC' if descending else 'ASC'}, n.id ASC "
        f"SKIP $offset LIMIT $limit"), params, offset=q.offset, limit=q.limit)
    return [r["props"] for r in page], int(total["total"]) if total else 0


def get_relation(
    tx: neo4j.ManagedTransaction, rtype: str, relation_id: str
) -> dict[str, Any] | None:
    """A relation with its ends, or None."""
    assert rtype in get_model().relations
    query = f"""
    MATCH (a:{ENTITY_LABEL})-[r:{rtype} {{id: $id}}]->(b:{ENTITY_LABEL})
    RETURN a.id AS source, b.id AS target, {label_of('a')} AS source_kind,
           {label_of('b')} AS target_kind, properties(r) AS props
    """
    record = tx.run(trusted(query), id=relation_id).single()
    return dict(record) if record else None


def list_relations(tx: neo4j.ManagedTransaction, rtype: str | None, source: str | None,
                   target: str | None, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """A page of relations, optionally of one type and/or from/to given ids."""
    if rtype is not None:
        assert rtype in get_model().relations
    pattern = f"(a:{ENTITY_LABEL})-[r{':' + rtype if rtype else ''}]->(b:{ENTITY_LABEL})"
    where = "WHERE ($source IS NULL OR a.id = $source) AND ($target IS NULL OR b.id = $target)"
    params = {"source": source, "target": target}
    total = tx.run(trusted(f"MATCH {pattern} {where} RETURN count(r) AS total"), params).single()
    rows = tx.run(trusted(f"""
        MATCH {pattern} {where}
        RETURN type(r) AS type, a.id AS source, b.id AS target, {label_of('a')} AS source_kind,
               {label_of('b')} AS target_kind, properties(r) AS props
        ORDER BY type, r.id SKIP $offset LIMIT $limit"""), params, offset=offset, limit=limit)
    return [dict(r) for r in rows], int(total["total"]) if total else 0


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
    assert label in get_model().entities
    query = f"""UNWIND $ids AS i MATCH (n:{label} {{id: i}})
                RETURN n.id AS id, properties(n) AS props"""
    return {r["id"]: dict(r["props"]) for r in tx.run(trusted(query), ids=ids)}


def stored_relations(tx: neo4j.ManagedTransaction, rtype: str,
                     ids: list[str]) -> dict[str, dict[str, Any]]:
    """Stored properties of the given relation ids."""
    assert rtype in get_model().relations
    query = f"""UNWIND $ids AS i MATCH ()-[r:{rtype} {{id: i}}]->()
                RETURN r.id AS id, properties(r) AS props"""
    return {r["id"]: dict(r["props"]) for r in tx.run(trusted(query), ids=ids)}
