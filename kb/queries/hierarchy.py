"""What lies under an entity: its hierarchy, its state's forces and organs, its places.

Under a Force or an Organization: what is PART_OF it. Under a State: its forces
(FORCE_OF) and organizations (ORGANIZATION_OF) with everything PART_OF them, and the
places LOCATED_IN it. Under a Place: the places LOCATED_IN it. Through SUCCESSOR_OF as
well: the predecessors of the entity and of its parts, and everything under them. Depths
are bounded like the coverage query's hierarchy (*0..8), successions at four links.
"""

from __future__ import annotations

import neo4j

from kb.queries import trusted

UNDER = """
CALL (root) {
    RETURN root AS n
  UNION
    MATCH (root)<-[:PART_OF*1..8]-(n:Entity) RETURN n
  UNION
    MATCH (root)<-[:FORCE_OF|ORGANIZATION_OF]-(:Entity)<-[:PART_OF*0..8]-(n:Entity) RETURN n
  UNION
    MATCH (root)<-[:LOCATED_IN*1..8]-(n:Place) RETURN n
}
"""
# Two rounds: what the entity and its predecessors hold, then what those parts succeeded
# and hold (the Russian armed forces hold the Russian Navy, which succeeded the Soviet Navy).
BELOW = f"""
UNWIND $ids AS xid
MATCH (x:Entity {{id: xid}}) USING INDEX SEEK x:Entity(id)
MATCH (x)-[:SUCCESSOR_OF*0..4]->(root:Entity)
{UNDER}
WITH DISTINCT xid, n AS part
MATCH (part)-[:SUCCESSOR_OF*0..4]->(root:Entity)
{UNDER}
RETURN xid AS id, collect(DISTINCT n.id) AS below
"""


def below(tx: neo4j.ManagedTransaction, ids: list[str]) -> dict[str, list[str]]:
    """{id: ids of the entity and everything under it} for the ids that exist."""
    return {r["id"]: list(r["below"]) for r in tx.run(trusted(BELOW), ids=ids)}
