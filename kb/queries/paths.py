"""Cypher for path search: one breadth-first step over distinct neighbours, and the details
(nodes, one relation per step) of the walks found."""

from __future__ import annotations

from typing import Any

import neo4j

from kb.model import get_model
from kb.queries import check_name, trusted
from kb.queries.explore import node_map

# DISTINCT pairs, so parallel relations (thirty posts between the same two) are one step;
# LIMIT, so one step cannot touch more than what is left of the search's budget.
STEP = """
UNWIND $frontier AS fid
MATCH (x:Entity {id: fid})--(n:Entity) USING INDEX SEEK x:Entity(id)
WHERE n.id IN $ends OR any(l IN labels(n) WHERE l IN $via)
RETURN DISTINCT fid AS parent, n.id AS child
LIMIT $limit
"""


def step(tx: neo4j.ManagedTransaction, frontier: list[str], ends: list[str], via: list[str],
         limit: int) -> list[tuple[str, str]]:
    """(parent, child) pairs one relation away from the frontier: children are the search's
    ends or entities of the `via` kinds; at most `limit` pairs."""
    for kind in via:
        check_name(kind in get_model().entities, kind)
    result = tx.run(trusted(STEP), frontier=frontier, ends=ends, via=via, limit=limit)
    return [(r["parent"], r["child"]) for r in result]


NODES = f"""
UNWIND $ids AS nid
MATCH (n:Entity {{id: nid}})
RETURN n.id AS id, {node_map('n')} AS node
"""

# the first relation of each step by type and id, so the same walk always reads the same way
LINKS = """
UNWIND $pairs AS pair
MATCH (a:Entity {id: pair[0]})-[r]-(b:Entity {id: pair[1]}) USING INDEX SEEK a:Entity(id)
WITH pair, r ORDER BY type(r), r.id
WITH pair, head(collect(r)) AS r
RETURN pair[0] AS a, pair[1] AS b,
       {id: r.id, type: type(r), from: startNode(r).id, to: endNode(r).id,
        sources: r.sources} AS relation
"""


def details(tx: neo4j.ManagedTransaction, ids: list[str], pairs: list[list[str]]
            ) -> tuple[dict[str, Any], dict[tuple[str, str], Any]]:
    """The nodes by id, and one relation for each (a, b) step."""
    nodes = {r["id"]: dict(r["node"]) for r in tx.run(trusted(NODES), ids=ids)}
    links = {(r["a"], r["b"]): dict(r["relation"]) for r in tx.run(trusted(LINKS), pairs=pairs)}
    return nodes, links
