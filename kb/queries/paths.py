"""Cypher for path search: one breadth-first step over distinct neighbours, and the details
(nodes, one relation per step) of the walks found."""

from __future__ import annotations

from typing import Any

import neo4j

from kb.model import get_model
from kb.queries import check_name, collected, trusted
from kb.queries.explore import node_map

# DISTINCT pairs, so parallel relations (thirty posts between the same two) are one step;
# LIMIT, so one step cannot touch more than what is left of the search's budget.
STEP = """
UNWIND $frontier AS fid
MATCH (x:Entity {id: fid})--(n:Entity) USING INDEX SEEK x:Entity(id)
WHERE n.id IN $ends OR any(l IN labels(n) WHERE l IN $via)
WITH DISTINCT fid AS parent, n.id AS child
LIMIT $limit
RETURN collect([parent, child]) AS rows
"""


def step(tx: neo4j.ManagedTransaction, frontier: list[str], ends: list[str], via: list[str],
         limit: int) -> list[tuple[str, str]]:
    """(parent, child) pairs one relation away from the frontier: children are the search's
    ends or entities of the `via` kinds; at most `limit` pairs."""
    for kind in via:
        check_name(kind in get_model().entities, kind)
    found = collected(tx, trusted(STEP), frontier=frontier, ends=ends, via=via, limit=limit)
    return [(parent, child) for parent, child in found]


NODES = f"""
UNWIND $ids AS nid
MATCH (n:Entity {{id: nid}})
RETURN collect({node_map('n')}) AS rows
"""

# the first relation of each step by type and id, so the same walk always reads the same way
LINKS = """
UNWIND $pairs AS pair
MATCH (a:Entity {id: pair[0]})-[r]-(b:Entity {id: pair[1]}) USING INDEX SEEK a:Entity(id)
WITH pair, r ORDER BY type(r), r.id
WITH pair, head(collect(r)) AS r
RETURN collect({a: pair[0], b: pair[1],
                relation: {id: r.id, type: type(r), from: startNode(r).id, to: endNode(r).id,
                           sources: r.sources}}) AS rows
"""


def details(tx: neo4j.ManagedTransaction, ids: list[str], pairs: list[list[str]]
            ) -> tuple[dict[str, Any], dict[tuple[str, str], Any]]:
    """The nodes by id, and one relation for each (a, b) step."""
    nodes = {n["id"]: dict(n) for n in collected(tx, trusted(NODES), ids=ids)}
    links = {(r["a"], r["b"]): dict(r["relation"])
             for r in collected(tx, trusted(LINKS), pairs=pairs)}
    return nodes, links
