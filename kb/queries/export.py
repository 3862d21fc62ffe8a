"""Reading everything back out, in a stable order, for export and backup."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import neo4j

from kb.model import get_model
from kb.queries import check_name, trusted
from kb.queries.asof import valid_at


def entities(tx: neo4j.ManagedTransaction, label: str) -> Iterator[dict[str, Any]]:
    """Every entity of a kind, by id."""
    check_name(label in get_model().entities, label)
    query = f"MATCH (n:{label}) RETURN properties(n) AS props ORDER BY n.id"
    for record in tx.run(trusted(query)):
        yield dict(record["props"])


def relations(tx: neo4j.ManagedTransaction, rtype: str,
              asof: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    """Every relation of a type (valid on the as-of date, if given), by ends and id."""
    check_name(rtype in get_model().relations, rtype)
    where = f"WHERE {valid_at('r')}" if asof else ""
    query = f"""MATCH (a:Entity)-[r:{rtype}]->(b:Entity) {where}
                RETURN a.id AS source, b.id AS target, properties(r) AS props
                ORDER BY source, target, r.id"""
    for record in tx.run(trusted(query), **(asof or {})):
        yield dict(record)
