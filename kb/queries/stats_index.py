"""Cypher of the in-process index of what /stats counts (kb.stats_index): the Mechanisms and
Agreements with their dates, status lists and COVERS, read whole or by id, and the audit
entries that say which of them (or of the most connected forces) changed since a version.
"""

from __future__ import annotations

from typing import Any

import neo4j

from kb.model import get_model
from kb.queries import check_name, collected, trusted
from kb.queries.stats import as_of_fields

COVERS = "COVERS"


def _item_row(label: str) -> str:
    # one list per item (a list, not a map: the driver spends about 15 us a record, and a
    # whole kind is 25,000 items at scale 100); the order is kb.stats_index.item_of's
    start, end = as_of_fields(label)
    check_name(COVERS in get_model().relations, COVERS)
    return (f"[n.id, n.kind, n.{start}, n.{end}, "
            "coalesce(n.established_on, n.signed_on, n.in_force_from), "
            "n.status_dates_lo, n.status_values, "
            "n.status_dates_lo IS NULL AND n.status_history IS NOT NULL, "
            f"[(n)-[c:{COVERS}]->(d:Domain) | [c.id, d.id, c.valid_from, c.valid_to]]]")


def every_item(tx: neo4j.ManagedTransaction, label: str) -> list[list[Any]]:
    """Every Mechanism (or Agreement), one row each (see _item_row)."""
    return collected(tx, trusted(f"MATCH (n:{label}) RETURN collect({_item_row(label)}) AS rows"))


def items_by_id(tx: neo4j.ManagedTransaction, label: str, ids: list[str]) -> list[list[Any]]:
    """The rows of those of `ids` that are stored as `label` (the others are gone)."""
    return collected(tx, trusted(f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) "
                                 f"RETURN collect({_item_row(label)}) AS rows"), ids=ids)


def covers_sources(tx: neo4j.ManagedTransaction, relation_ids: list[str]) -> list[list[str]]:
    """[label, id] of the item each of the stored COVERS relations leaves from."""
    return collected(tx, trusted(
        f"UNWIND $ids AS rid MATCH (n)-[c:{COVERS} {{id: rid}}]->() "
        "RETURN collect([CASE WHEN n:Mechanism THEN 'Mechanism' "
        "WHEN n:Agreement THEN 'Agreement' END, n.id]) AS rows"), ids=relation_ids)


def changed(tx: neo4j.ManagedTransaction, since: int, upto: int,
            kinds: list[str]) -> list[list[Any]]:
    """[kind, op, target, before, after] of the audit entries after `since`, up to `upto`,
    of those kinds (entries are numbered in commit order: kb.queries.audit)."""
    return collected(tx, trusted(
        "MATCH (c:Change) WHERE c.seq > $since AND c.seq <= $upto AND c.kind IN $kinds "
        "RETURN collect([c.kind, c.op, c.target, c.before, c.after]) AS rows"),
        since=since, upto=upto, kinds=kinds)
