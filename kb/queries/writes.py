"""Idempotent writes: entities and relations are MERGEd on their ids in batches.

A row whose content hash equals the stored one is left untouched ('unchanged'), so loading
the same data twice creates nothing and bumps no version. A row may carry `expected`, the
version the writer last saw: if the stored version differs, nothing is written ('stale').
"""

from __future__ import annotations

from typing import Any

import neo4j

from kb.errors import Conflict
from kb.model import ENTITY_LABEL, get_model
from kb.queries import check_name, trusted
from kb.queries.entities import label_of

MAX_CYCLE = 50  # deeper than any real hierarchy; bounds the cycle check's walk
Outcomes = dict[str, str]  # id -> created | updated | unchanged | stale
# per row, in order: (id, outcome, the stored properties before an update, else None)
Merged = list[tuple[str, str, dict[str, Any] | None]]


# One row back per statement: rows created (most of a bulk import) are only counted, the
# others come with their index, outcome and replaced properties. Streaming a record per row
# made a 5,000-row upsert about 1.5x slower (tools/bench/changes.md).
_RETURN = """RETURN count(*) AS written,
           collect(CASE WHEN outcome <> 'created'
                   THEN {i: row.i, outcome: outcome, before: before} END) AS others"""


def _entity_upsert_query(label: str) -> str:
    check_name(label in get_model().entities, label)
    return f"""
    UNWIND $rows AS row
    MERGE (n:{ENTITY_LABEL}:{label} {{id: row.id}})
    WITH n, row, n.created_at AS created_at, coalesce(n.version, 0) AS version
    WITH n, row, created_at, version,
         CASE WHEN row.expected IS NOT NULL AND row.expected <> version THEN 'stale'
              WHEN n.content_hash = row.props.content_hash THEN 'unchanged'
              WHEN created_at IS NULL THEN 'created'
              ELSE 'updated' END AS outcome
    // the stored properties an outcome of updated overwrites, for the audit trail
    WITH n, row, created_at, version, outcome,
         CASE WHEN outcome = 'updated' THEN properties(n) END AS before
    FOREACH (_ IN CASE WHEN outcome IN ['created', 'updated'] THEN [1] ELSE [] END |
        SET n = row.props, n.created_at = coalesce(created_at, $now),
            n.updated_at = $now, n.version = version + 1)
    {_RETURN}
    """


def merge_entities(tx: neo4j.ManagedTransaction, label: str, rows: list[dict[str, Any]],
                   now: str) -> Merged:
    """MERGE entities of one kind; rows are {id, props, expected?}; outcomes and the
    properties each updated entity had before."""
    return _merged(tx, _entity_upsert_query(label), rows, now)


def _merged(tx: neo4j.ManagedTransaction, query: str, rows: list[dict[str, Any]],
            now: str) -> Merged:
    """Run an upsert of `rows`; per row, in order, (id, outcome, before)."""
    # keys starting with _ are the caller's own (e.g. audit text), not for the database
    numbered = [{**{k: v for k, v in row.items() if not k.startswith("_")}, "i": i}
                for i, row in enumerate(rows)]
    record = tx.run(trusted(query), rows=numbered, now=now).single()
    if record is None or record["written"] != len(rows):
        # a relation whose end is gone: callers lock the ends first, so only a writer that
        # skipped the lock could get here; refuse the whole transaction rather than half-write
        raise Conflict("an entity this write refers to was deleted meanwhile; nothing was "
                       "written, try again")
    others = {r["i"]: (r["outcome"], r["before"]) for r in record["others"]}
    return [(row.get("id") or row["props"]["id"], *others.get(i, ("created", None)))
            for i, row in enumerate(rows)]


def upsert_entities(tx: neo4j.ManagedTransaction, label: str, rows: list[dict[str, Any]],
                    now: str) -> Outcomes:
    """MERGE entities of one kind; rows are {id, props, expected?}."""
    return {i: outcome for i, outcome, _ in merge_entities(tx, label, rows, now)}


def _relation_upsert_query(rtype: str) -> str:
    check_name(rtype in get_model().relations, rtype)
    return f"""
    UNWIND $rows AS row
    MATCH (a:{ENTITY_LABEL} {{id: row.from}})
    MATCH (b:{ENTITY_LABEL} {{id: row.to}})
    MERGE (a)-[r:{rtype} {{id: row.props.id}}]->(b)
    WITH r, row, r.created_at AS created_at,
         CASE WHEN r.content_hash = row.props.content_hash THEN 'unchanged'
              WHEN r.created_at IS NULL THEN 'created' ELSE 'updated' END AS outcome
    WITH r, row, created_at, outcome,
         CASE WHEN outcome = 'updated' THEN properties(r) END AS before
    FOREACH (_ IN CASE WHEN outcome = 'unchanged' THEN [] ELSE [1] END |
        SET r = row.props, r.created_at = coalesce(created_at, $now), r.updated_at = $now)
    {_RETURN}
    """


def merge_relations(tx: neo4j.ManagedTransaction, rtype: str, rows: list[dict[str, Any]],
                    now: str) -> Merged:
    """MERGE relations of one type; rows are {from, to, props}; both ends must exist;
    outcomes and the properties each updated relation had before."""
    return _merged(tx, _relation_upsert_query(rtype), rows, now)


def upsert_relations(tx: neo4j.ManagedTransaction, rtype: str, rows: list[dict[str, Any]],
                     now: str) -> Outcomes:
    """MERGE relations of one type; rows are {from, to, props}; both ends must exist."""
    return {i: outcome for i, outcome, _ in merge_relations(tx, rtype, rows, now)}


def delete_entity(tx: neo4j.ManagedTransaction, label: str, entity_id: str
                  ) -> list[dict[str, Any]]:
    """Delete an entity and its relations; returns the relations that went with it
    ({type, from, to, props}), for the audit trail."""
    check_name(label in get_model().entities, label)
    query = f"""
    MATCH (n:{label} {{id: $id}})
    OPTIONAL MATCH (n)-[r]-()
    WITH n, [x IN collect({{type: type(r), from: startNode(r).id, to: endNode(r).id,
                            props: properties(r)}}) WHERE x.type IS NOT NULL] AS relations
    DETACH DELETE n
    RETURN relations
    """
    record = tx.run(trusted(query), id=entity_id).single()
    return [dict(r) for r in record["relations"]] if record else []


def delete_relation(tx: neo4j.ManagedTransaction, rtype: str, relation_id: str) -> bool:
    """Delete one relation by id; False if there was none."""
    check_name(rtype in get_model().relations, rtype)
    query = f"MATCH ()-[r:{rtype} {{id: $id}}]->() DELETE r RETURN count(*) AS n"
    record = tx.run(trusted(query), id=relation_id).single()
    return bool(record and record["n"])


def wipe(tx: neo4j.ManagedTransaction) -> None:
    """Delete every node and relationship but the API keys (tests only)."""
    tx.run("MATCH (n) WHERE NOT n:ApiKey DETACH DELETE n").consume()


# `SET ... REMOVE` changes nothing but takes the node's write lock: a concurrent write that
# depends on the same node (deleting a cited Source, deleting the end of a new relation)
# then waits for this transaction and sees its outcome, instead of both passing their checks.
# One record: an import batch locks some 10,000 entities, and the driver spent about 15 us
# on each record (tools/bench/changes.md).
LOCK_AND_KIND = f"""
MATCH (n:{ENTITY_LABEL}) WHERE n.id IN $ids
SET n._lock = true REMOVE n._lock
RETURN collect([n.id, {label_of('n')}]) AS kinds
"""


def lock_kinds_of(tx: neo4j.ManagedTransaction, ids: list[str]) -> dict[str, str]:
    """The kind of each id that exists, write-locking those entities for the transaction."""
    record = tx.run(trusted(LOCK_AND_KIND), ids=sorted(set(ids))).single()
    return {i: kind for i, kind in record["kinds"]} if record else {}


def cycles_through(tx: neo4j.ManagedTransaction, rtype: str, ids: list[str]) -> list[str]:
    """The given ids from which relations of an acyclic type lead back to themselves."""
    relation = get_model().relations.get(rtype)
    check_name(relation is not None and relation.acyclic, rtype)
    query = f"""
    UNWIND $ids AS i
    MATCH (n:{ENTITY_LABEL} {{id: i}})
    WHERE EXISTS {{ MATCH (n)-[:{rtype}*1..{MAX_CYCLE}]->(n) }}
    RETURN n.id AS id ORDER BY id
    """
    return [r["id"] for r in tx.run(trusted(query), ids=sorted(set(ids)))]
