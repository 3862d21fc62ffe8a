"""Cypher of the dashboard statistics (kb.stats): counts, the items behind the tables, degrees.

Every statistic reads the whole of a kind (a mechanism of any domain may count), so these
statements start from a label, not from an index seek; they stay cheap because each kind
holds hundreds of nodes at most and each row is a handful of properties.
"""

from __future__ import annotations

from typing import Any

import neo4j

from kb.model import get_model
from kb.queries import check_name, trusted
from kb.queries.asof import valid_at


def counts_query() -> str:
    """How many nodes each entity kind has, as one map; COUNT of a bare label is answered
    from Neo4j's count store, without touching a node."""
    # labels come from the model itself, the whitelist
    kinds = ", ".join(f"{label}: COUNT {{ (:{label}) }}" for label in get_model().entities)
    return f"RETURN {{{kinds}}} AS counts"


def counts(tx: neo4j.ManagedTransaction) -> dict[str, int]:
    """{entity kind: how many are stored}, for every kind of the model."""
    record = tx.run(trusted(counts_query())).single()
    return {k: int(v) for k, v in record["counts"].items()} if record else {}


# the dates a mechanism or an agreement may start or end by (kb.coverage.status_as_of)
_DATES = ".established_on, .signed_on, .in_force_from, .ended_on"


def items_query(label: str) -> str:
    """Mechanisms (or Agreements) that may have existed on the date, as the lists filter them
    with `as_of`, each with what the tables need: kind, dates, status history and the
    Domains it covers on the date; `$domains` (a list, or null for all) narrows them to
    those covering any of these Domains then."""
    check_name(label in ("Mechanism", "Agreement"), label)
    spec = get_model().entities[label].filters["as_of"]
    start, end = spec.start_field or "", spec.end_field or ""
    check_name(start in get_model().entities[label].fields, start)
    check_name(end in get_model().entities[label].fields, end)
    return f"""
    MATCH (n:{label})
    WHERE {valid_at('n', start, end)}
    WITH n, [(n)-[c:COVERS]->(d:Domain) WHERE {valid_at('c')} | d.id] AS domains
    WHERE $domains IS NULL OR any(d IN domains WHERE d IN $domains)
    RETURN n {{.id, .kind, .status_history, {_DATES}}} AS props, domains
    """


def items(tx: neo4j.ManagedTransaction, label: str, domains: list[str] | None,
          params: dict[str, Any]) -> list[dict[str, Any]]:
    """[{props, domains}] of the Mechanisms or Agreements counted on the as-of date."""
    result = tx.run(trusted(items_query(label)), domains=domains, **params)
    return [dict(r) for r in result]


def connected_query(label: str) -> str:
    """The entities of a kind with the most relations valid on the date, most first."""
    check_name(label in ("Force", "State"), label)
    return f"""
    MATCH (n:{label})
    CALL (n) {{
        MATCH (n)-[r]-(:Entity) WHERE {valid_at('r')}
        RETURN count(r) AS relations
    }}
    RETURN n.id AS id, n.name AS name, '{label}' AS entity, relations
    ORDER BY relations DESC, id
    LIMIT $top
    """


def most_connected(tx: neo4j.ManagedTransaction, label: str, top: int,
                   params: dict[str, Any]) -> list[dict[str, Any]]:
    """[{id, name, entity, relations}]: the `top` Forces (or States) with most relations
    valid on the as-of date (undated relations always count), ties by id."""
    return [dict(r) for r in tx.run(trusted(connected_query(label)), top=top, **params)]
