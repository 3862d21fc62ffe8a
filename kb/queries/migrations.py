"""Cypher of the steps that bring stores written by earlier versions up to date (kb.migrations)."""

from __future__ import annotations

from typing import Any

import neo4j

from kb.model import get_model
from kb.queries import check_name, trusted


def _check(label: str) -> None:
    check_name(label in get_model().entities
               and "status_history" in get_model().entities[label].fields, label)


def missing_status_lists_query(label: str) -> str:
    """Up to $batch nodes of the kind with a status_history but no status lists."""
    _check(label)
    return f"""
    MATCH (n:{label})
    WHERE n.status_history IS NOT NULL AND n.status_values IS NULL
    RETURN n.id AS id, n.status_history AS history
    LIMIT $batch
    """


def missing_status_lists(tx: neo4j.ManagedTransaction, label: str,
                         batch: int) -> list[dict[str, Any]]:
    """[{id, history}] (history as stored, JSON text) of nodes lacking the status lists."""
    return [dict(r) for r in tx.run(trusted(missing_status_lists_query(label)), batch=batch)]


def set_status_lists_query(label: str) -> str:
    """Set the rows' status lists on their nodes, unless the history changed since it was read."""
    _check(label)
    return f"""
    UNWIND $rows AS row
    MATCH (n:{label} {{id: row.id}})
    // a write in between derived the lists from its own history already
    WHERE n.status_history = row.history AND n.status_values IS NULL
    SET n.status_dates_lo = row.status_dates_lo, n.status_values = row.status_values
    RETURN count(n) AS written
    """


def set_status_lists(tx: neo4j.ManagedTransaction, label: str,
                     rows: list[dict[str, Any]]) -> int:
    """Write {id, history, status_dates_lo, status_values} rows; how many nodes took them."""
    record = tx.run(trusted(set_status_lists_query(label)), rows=rows).single()
    return int(record["written"]) if record else 0
