"""API key records: (:ApiKey {id, name, role, hash, created_at, expires_at, revoked_at}).

ApiKey nodes are not entities: they never appear in lists, searches, graphs or exports.
"""

from __future__ import annotations

from typing import Any

import neo4j

KEY_FIELDS = "k.id AS id, k.name AS name, k.role AS role, k.created_at AS created_at, " \
             "k.expires_at AS expires_at, k.revoked_at AS revoked_at"


def create_key(tx: neo4j.ManagedTransaction, record: dict[str, Any]) -> None:
    """Store a new key record (its id is unique)."""
    tx.run("CREATE (k:ApiKey) SET k = $record", record=record).consume()


def find_key(tx: neo4j.ManagedTransaction, key_id: str) -> dict[str, Any] | None:
    """A key record with its hash, by id (the public prefix)."""
    record = tx.run("MATCH (k:ApiKey {id: $id}) RETURN properties(k) AS k", id=key_id).single()
    return dict(record["k"]) if record else None


def list_keys(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
    """Every key record, without hashes, oldest first."""
    query = "MATCH (k:ApiKey) RETURN " + KEY_FIELDS + " ORDER BY k.created_at, k.id"
    return [dict(r) for r in tx.run(query)]


def revoke_key(tx: neo4j.ManagedTransaction, key_id: str, at: str) -> str | None:
    """Mark a key revoked (idempotent): "revoked" now, "already" revoked, None if no key."""
    record = tx.run("MATCH (k:ApiKey {id: $id}) WITH k, k.revoked_at IS NULL AS fresh "
                    "SET k.revoked_at = coalesce(k.revoked_at, $at) "
                    "RETURN CASE WHEN fresh THEN 'revoked' ELSE 'already' END AS outcome",
                    id=key_id, at=at).single()
    return str(record["outcome"]) if record else None
