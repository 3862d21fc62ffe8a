"""The audit trail: one (:Change) node per write, numbered in commit order by `seq`.

Also the write lock an audited update takes on its entity before reading the `before`.
"""

from __future__ import annotations

from typing import Any

import neo4j

from kb.model import get_model
from kb.queries import check_name, trusted

# The counter is locked first (SET _lock) so concurrent writers take numbers one at a time
# and read the counter only once they hold it: no two changes share a number. Its epoch is
# new whenever the counter node is (after a wipe the numbers start again from 1): (value,
# epoch) is the data version the memo of heavy answers (kb.memo) is keyed by. coalesce:
# a counter made before epochs existed gets one at its next write.
RECORD = """
MERGE (c:Counter {name: 'changes'})
SET c._lock = true, c.epoch = coalesce(c.epoch, randomUUID())
WITH c, coalesce(c.value, 0) AS base
SET c.value = base + size($changes)
REMOVE c._lock
WITH base
UNWIND range(0, size($changes) - 1) AS i
CREATE (x:Change)
SET x = $changes[i], x.seq = base + i + 1, x.at = $at,
    x.actor_id = $actor_id, x.actor_name = $actor_name
"""

VERSION = """
OPTIONAL MATCH (c:Counter {name: 'changes'})
RETURN c.value AS value, c.epoch AS epoch, c IS NOT NULL AS found
"""

# The feed's filters, each only when asked: `$x IS NULL OR c.x = $x` would keep the
# planner from the target and actor indexes (2 s for one entity's history at scale 100).
_FILTERS = {"target": "c.target = $target", "actor": "c.actor_id = $actor"}


def _feed(asked: dict[str, Any]) -> str:
    conds = ["c.seq > $since", *(cond for name, cond in _FILTERS.items()
                                 if asked.get(name) is not None)]
    return f"MATCH (c:Change) WHERE {' AND '.join(conds)}"


def _counted(asked: dict[str, Any]) -> str:
    # every change is numbered from 1: the whole feed is counted from the count store
    # instead of the seq index (1.2M changes at scale 100: about 100 ms)
    if asked["since"] == 0 and all(asked.get(name) is None for name in _FILTERS):
        return "MATCH (c:Change)"
    return _feed(asked)


def record(tx: neo4j.ManagedTransaction, changes: list[dict[str, Any]], at: str,
           actor_id: str | None, actor_name: str) -> None:
    """Append changes ({op, kind, target, before, after, ...} with JSON text values)."""
    if changes:
        tx.run(RECORD, changes=changes, at=at, actor_id=actor_id,
               actor_name=actor_name).consume()


def version(tx: neo4j.ManagedTransaction) -> tuple[int, str | None] | None:
    """(changes recorded, epoch of the counter): the data version; None when nothing was
    ever written through the audited paths (no counter)."""
    row = tx.run(VERSION).single()
    if row is None or not row["found"]:
        return None
    return int(row["value"] or 0), row["epoch"]


def page(tx: neo4j.ManagedTransaction, since: int, target: str | None, actor: str | None,
         offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Changes after `since`, oldest first, and how many there are in all."""
    params = {"since": since, "target": target, "actor": actor}
    match = _feed(params)
    total = tx.run(trusted(f"{_counted(params)} RETURN count(c) AS n"), params).single()
    page = tx.run(trusted(  # one record: the driver spends about 15 us on each
        f"{match} WITH c ORDER BY c.seq SKIP $offset LIMIT $limit "
        "RETURN collect(properties(c)) AS page"), params, offset=offset, limit=limit).single()
    return (page["page"] if page else []), int(total["n"]) if total else 0


def lock_and_read(tx: neo4j.ManagedTransaction, label: str, entity_id: str
                  ) -> dict[str, Any] | None:
    """Write-lock an entity, then read it: no other writer can change it until we commit."""
    check_name(label in get_model().entities, label)
    query = trusted(f"MATCH (n:{label} {{id: $id}}) SET n._lock = true REMOVE n._lock "
                    "RETURN properties(n) AS props")
    row = tx.run(query, id=entity_id).single()
    return dict(row["props"]) if row else None
