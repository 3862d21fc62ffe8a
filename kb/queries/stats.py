"""Cypher of the dashboard statistics (kb.stats): counts, the items behind the tables, degrees.

Every statistic reads the whole of a kind (a mechanism of any domain may count), so these
statements start from a label, not from an index seek. The tables are counted in Cypher
(`grouped`), from the status history as lists (kb.records.status_lists), so that only a few
hundred grouped rows come back instead of every item with its history; the API counts them
from its index instead (kb.stats_index) unless KB_MEMO_SIZE=0, and is tested against these.
The ranking of the most connected reads degrees from the count store and the relations of a
few candidates only.
"""

from __future__ import annotations

from typing import Any

import neo4j

from kb.model import get_model
from kb.queries import check_name, trusted
from kb.queries.asof import hi_expr, lo_expr, valid_at


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


def as_of_fields(label: str) -> tuple[str, str]:
    """The start and end fields the lists' as_of filter uses for a Mechanism or Agreement."""
    check_name(label in ("Mechanism", "Agreement"), label)
    spec = get_model().entities[label].filters["as_of"]
    start, end = spec.start_field or "", spec.end_field or ""
    check_name(start in get_model().entities[label].fields, start)
    check_name(end in get_model().entities[label].fields, end)
    return start, end


def _counted(label: str) -> str:
    # the items the tables count (as /mechanisms?as_of=D lists them), with the Domains each
    # covers on the date, narrowed to $domains (a list, or null for all)
    start, end = as_of_fields(label)
    return f"""
    MATCH (n:{label})
    WHERE {valid_at('n', start, end)}
    WITH n, [(n)-[c:COVERS]->(d:Domain) WHERE {valid_at('c')} | d.id] AS domains
    WHERE $domains IS NULL OR any(d IN domains WHERE d IN $domains)
    """


def grouped_query(label: str) -> str:
    """The Mechanisms (or Agreements) the tables count on the date, grouped by their status
    then, kind and year begun, each group with its count and how many times its items
    cover each Domain of `$vocabulary` on the date (then a last count: items covering none).

    The rules are kb.stats.tables' (and kb.coverage.status_as_of's) in Cypher: the
    status is that of the last history entry whose `since` begins by the date (lo(since) <=
    the date's last day), none if no entry does; without a history, none, or `terminated`
    once `ended_on` is past. The year is the first 4 characters of established_on,
    signed_on, in_force_from or else the first entry's `since`. `stale` counts items with a
    history stored before the lists were derived (kb.migrations adds them).
    """
    width = len(get_model().vocabularies["domain"])
    # one sum per Domain of the vocabulary, by position (numbers only in the query text)
    sums = ", ".join(f"sum(covered[{i}])" for i in range(width + 1))
    return f"""{_counted(label)}
    WITH n, domains, n.status_dates_lo AS los,
         coalesce(n.established_on, n.signed_on, n.in_force_from) AS start
    WITH n.kind AS kind, left(coalesce(start, los[0]), 4) AS year,
         CASE WHEN los IS NOT NULL
                THEN n.status_values[last([i IN range(0, size(los) - 1)
                                           WHERE los[i] <= $asof_hi])]
              WHEN start IS NOT NULL AND {lo_expr('start')} > $asof_hi THEN null
              WHEN n.ended_on IS NOT NULL AND {hi_expr('n.ended_on')} < $asof_lo
                THEN 'terminated'
         END AS status,
         los IS NULL AND n.status_history IS NOT NULL AS stale,
         [v IN $vocabulary | size([d IN domains WHERE d = v])]
           + [CASE WHEN domains = [] THEN 1 ELSE 0 END] AS covered
    RETURN status, kind, year, stale, count(*) AS count, [{sums}] AS domains
    """


def grouped(tx: neo4j.ManagedTransaction, label: str, domains: list[str] | None,
            params: dict[str, Any]) -> list[dict[str, Any]]:
    """[{status, kind, year, stale, count, domains}]: the counted items of the kind in groups
    (see grouped_query); `domains` holds a count per Domain of the model's vocabulary, in
    its order, then the count of items covering none."""
    result = tx.run(trusted(grouped_query(label)), domains=domains,
                    vocabulary=list(get_model().vocabularies["domain"]), **params)
    return [dict(r) for r in result]


# the dates a mechanism or an agreement may start or end by (kb.coverage.status_as_of)
_DATES = ".established_on, .signed_on, .in_force_from, .ended_on"


def items_query(label: str) -> str:
    """The items `grouped_query` counts, one row each with what kb.stats.tables
    needs (kind, dates, status history, the Domains covered on the date): the reference the
    Cypher counting is tested against, item by item in Python."""
    return f"""{_counted(label)}
    RETURN n {{.id, .kind, .status_history, {_DATES}}} AS props, domains
    """


def items(tx: neo4j.ManagedTransaction, label: str, domains: list[str] | None,
          params: dict[str, Any]) -> list[dict[str, Any]]:
    """[{props, domains}] of the Mechanisms or Agreements counted on the as-of date."""
    result = tx.run(trusted(items_query(label)), domains=domains, **params)
    return [dict(r) for r in result]


# First candidate counts, from PROFILE at scale 100: some 200 national forces share the
# highest degrees, so 256 settle the top 10 forces in one round (64 took two, 1.5M db
# hits in all, against 0.96M); 64 settle the top 8 States (0.11M db hits; 256: 0.43M).
CANDIDATES = {"Force": 256, "State": 64}
# Relation types often dated and ended (a post is held for a term). Counting the candidates'
# relations of these types that do not hold on the date tightens each one's bound below its
# degree, so that only the few that can still rank have every relation read. Any types
# give the same answer; these make it cheap: at scale 100 the top forces' 135,000
# relations include 21,000 posts, and the others are mostly undated.
OFTEN_ENDED = ("HOLDS_POST",)
CHUNK = 32  # candidates whose relations one statement counts


def candidates_query(label: str) -> str:
    """The `$candidates` entities of a kind with the highest degree.

    The degree (every relationship, from the count store; a self-loop counts twice, as in
    the undirected match of relations_query) bounds the relations valid on any date, so
    entities left out have no more than the lowest candidate degree."""
    check_name(label in ("Force", "State"), label)
    return f"""
    MATCH (n:{label})
    WITH n, COUNT {{ (n)--() }} AS degree
    ORDER BY degree DESC
    LIMIT $candidates
    RETURN n.id AS id, n.name AS name, degree
    """


def ended_query(label: str) -> str:
    """How many OFTEN_ENDED relations of each of `$ids` do not hold on the date."""
    check_name(label in ("Force", "State"), label)
    for rtype in OFTEN_ENDED:
        check_name(rtype in get_model().relations, rtype)
    # a statement of its own: under the LIMIT of candidates_query the planner read the
    # posts of every entity of the kind (219 ms against 35 + 70 ms at scale 100)
    return f"""
    UNWIND $ids AS id
    MATCH (n:{label} {{id: id}})
    RETURN n.id AS id,
           COUNT {{ (n)-[r:{"|".join(OFTEN_ENDED)}]-() WHERE NOT {valid_at('r')} }} AS ended
    """


def relations_query(label: str) -> str:
    """How many relations valid on the date (undated ones always) each of `$ids` has."""
    check_name(label in ("Force", "State"), label)
    return f"""
    UNWIND $ids AS id
    MATCH (n:{label} {{id: id}})
    RETURN n.id AS id, COUNT {{ (n)-[r]-(:Entity) WHERE {valid_at('r')} }} AS relations
    """


def most_connected(tx: neo4j.ManagedTransaction, label: str, top: int,
                   params: dict[str, Any]) -> list[dict[str, Any]]:
    """[{id, name, entity, relations}]: the `top` Forces (or States) with most relations
    valid on the as-of date (undated relations always count), ties by id.

    Exact: relations are counted for candidates (candidates_query) in the order of their
    bounds (the degree less the relations ended_query counts), CHUNK at a time, until the
    top-th counted has more than any entity not counted could have (the bounds of the
    candidates left, and the lowest candidate degree for the entities that were not
    candidates); otherwise the candidates grow (to every entity of the kind at worst).
    """
    candidates = max(2 * top, CANDIDATES[label])
    while True:
        rows = [dict(r) for r in tx.run(trusted(candidates_query(label)),
                                        candidates=candidates)]
        every = len(rows) < candidates  # every entity of the kind is a candidate
        outside = -1 if every else min(r["degree"] for r in rows)
        ended = {r["id"]: r["ended"] for r in tx.run(
            trusted(ended_query(label)), ids=[r["id"] for r in rows], **params)}
        for r in rows:
            r["bound"] = r["degree"] - ended[r["id"]]
        pending = sorted(rows, key=lambda r: (-r["bound"], r["id"]))
        counted: dict[str, int] = {}
        while pending:
            chunk, pending = pending[:CHUNK], pending[CHUNK:]
            counted.update((r["id"], r["relations"]) for r in tx.run(
                trusted(relations_query(label)), ids=[c["id"] for c in chunk], **params))
            ranked = sorted(counted, key=lambda i: (-counted[i], i))
            left = max([outside, *(r["bound"] for r in pending)])
            if len(ranked) >= top and counted[ranked[top - 1]] > left:
                break
        else:
            ranked = sorted(counted, key=lambda i: (-counted[i], i))
            if not every and (len(ranked) < top or counted[ranked[top - 1]] <= outside):
                candidates *= 4
                continue
        names = {r["id"]: r["name"] for r in rows}
        return [{"id": i, "name": names[i], "entity": label, "relations": counted[i]}
                for i in ranked[:top]]
