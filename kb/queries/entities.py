"""Reads of entities and relations: lookups, the summary of an entity, filtered lists."""

from __future__ import annotations

from typing import Any

import neo4j

from kb.model import ENTITY_LABEL, get_model
from kb.queries import check_name, trusted

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
