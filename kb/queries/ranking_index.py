"""Cypher of the in-process index of /stats' most connected forces (kb.ranking_index): the
entities of highest degree with the dates of their relations, and the ends of relations.
"""

from __future__ import annotations

from typing import Any

import neo4j

from kb.model import ENTITY_LABEL, get_model
from kb.queries import check_name, collected, trusted
from kb.queries.stats import candidates_query


def _label(label: str) -> str:
    check_name(label in ("Force", "State"), label)
    return label


def candidates(tx: neo4j.ManagedTransaction, label: str, size: int) -> list[dict[str, Any]]:
    """[{id, name, degree}] of the `size` entities of the kind with the highest degree."""
    return [dict(r) for r in tx.run(trusted(candidates_query(label)), candidates=size)]


def held(tx: neo4j.ManagedTransaction, label: str, ids: list[str], above: int,
         keep: list[str]) -> list[list[Any]]:
    """[id, name, degree, relations, dated] of those of `ids` stored as `label` whose degree
    is above `above` or that are in `keep`: the degree as candidates_query counts it, the
    relations as kb.queries.stats.relations_query does (to entities, a self-loop twice),
    and [valid_from, valid_to] of those with either."""
    return collected(tx, trusted(f"""
        UNWIND $ids AS id
        MATCH (n:{_label(label)} {{id: id}})
        WITH n, COUNT {{ (n)--() }} AS degree
        WHERE degree > $above OR n.id IN $keep
        RETURN collect([n.id, n.name, degree,
                        COUNT {{ (n)-[r]-(:{ENTITY_LABEL}) }},
                        [(n)-[r]-(:{ENTITY_LABEL})
                         WHERE r.valid_from IS NOT NULL OR r.valid_to IS NOT NULL
                         | [r.valid_from, r.valid_to]]]) AS rows"""),
        ids=ids, above=above, keep=keep)


def relation_ends(tx: neo4j.ManagedTransaction, rtype: str, ids: list[str]) -> list[list[str]]:
    """[id, from, to] of those of the relations `ids` of type `rtype` still stored."""
    check_name(rtype in get_model().relations, rtype)
    return collected(tx, trusted(
        f"UNWIND $ids AS rid MATCH (a)-[r:{rtype} {{id: rid}}]->(b) "
        "RETURN collect([rid, a.id, b.id]) AS rows"), ids=ids)
