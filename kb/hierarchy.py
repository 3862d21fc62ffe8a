"""Hierarchy expansion: an entity with everything under it, for filters and traversals.

A State stands for its forces and organizations (and everything PART_OF them) and its
places; a Force or an Organization for what is PART_OF it; a Place for the places in it;
each also for what it and its parts succeeded (SUCCESSOR_OF) and everything under that.
See kb.queries.hierarchy for the exact rules and depth bounds.
"""

from __future__ import annotations

from kb.db import Database
from kb.queries import hierarchy as hierarchy_queries


def below(db: Database, ids: list[str]) -> dict[str, list[str]]:
    """For each id: the id itself first, then everything under it, sorted by id.

    An id naming no entity maps to itself alone.
    """
    if not ids:
        return {}
    found = db.read_tx(lambda tx: hierarchy_queries.below(tx, list(dict.fromkeys(ids))))
    return {i: [i, *sorted(set(found.get(i, [])) - {i})] for i in ids}
