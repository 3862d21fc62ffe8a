"""Cypher of the dashboard statistics (kb.stats): counts, the items behind the tables, degrees.

Every statistic reads the whole of a kind (a mechanism of any domain may count), so these
statements start from a label, not from an index seek. The ranking of the most connected
reads degrees from the count store and the relations of a few candidates only.
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


# First candidate counts, from PROFILE at scale 100: some 200 national forces share the
# highest degrees, so 256 settle the top 10 forces in one statement (64 took two, 1.5M db
# hits in all, against 0.96M); 64 settle the top 8 States (0.11M db hits; 256: 0.43M).
CANDIDATES = {"Force": 256, "State": 64}


def connected_query(label: str) -> str:
    """The `$candidates` entities of a kind with the highest degree, each with its relations
    valid on the date, most first.

    The degree (every relationship, each direction counted from the count store, as a
    self-loop counts twice in the undirected match) bounds the relations valid on any
    date from above, so only the candidates' relations are read (kb.queries.stats.
    most_connected checks that no entity left out could rank)."""
    check_name(label in ("Force", "State"), label)
    return f"""
    MATCH (n:{label})
    WITH n, COUNT {{ (n)-->() }} + COUNT {{ (n)<--() }} AS degree
    ORDER BY degree DESC
    LIMIT $candidates
    CALL (n) {{
        MATCH (n)-[r]-(:Entity) WHERE {valid_at('r')}
        RETURN count(r) AS relations
    }}
    RETURN n.id AS id, n.name AS name, '{label}' AS entity, relations, degree
    ORDER BY relations DESC, id
    """


def most_connected(tx: neo4j.ManagedTransaction, label: str, top: int,
                   params: dict[str, Any]) -> list[dict[str, Any]]:
    """[{id, name, entity, relations}]: the `top` Forces (or States) with most relations
    valid on the as-of date (undated relations always count), ties by id.

    Exact: the relations are counted for the highest-degree candidates only; an entity left
    out has at most as many relations as the lowest candidate degree (`bound`), so the
    answer stands when the top-th candidate has more; otherwise the candidates grow (to
    every entity of the kind at worst).
    """
    candidates = max(2 * top, CANDIDATES[label])
    while True:
        rows = [dict(r) for r in tx.run(trusted(connected_query(label)),
                                        candidates=candidates, **params)]
        if len(rows) < candidates:  # every entity of the kind was a candidate
            break
        bound = min(r["degree"] for r in rows)
        if len(rows) >= top and rows[top - 1]["relations"] > bound:
            break
        candidates *= 4
    return [{k: r[k] for k in ("id", "name", "entity", "relations")} for r in rows[:top]]
