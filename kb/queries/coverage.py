"""Who counts as an actor for a mechanism, and which mechanisms their parties share.

An actor is covered by a party when the party is the actor itself (direct), a force above
or below it in the PART_OF hierarchy (via_parent, via_child), the actor's state or one of
that state's government organs (via_state), for a state or an organ one of the state's
forces (via_force), or a coalition the actor or its state is a member of (via_coalition).
Through succession (SUCCESSOR_OF, from the actor or from its state) an actor is also covered
by its predecessors and their forces and organs (via_predecessor), from the succession's
valid_from on (the `since` of each such row; the caller applies the date).
"""

from __future__ import annotations

from typing import Any

import neo4j

from kb.dates import hi, lo
from kb.model import get_model
from kb.queries import check_name, collected, trusted
from kb.queries.asof import lo_expr, valid_at
from kb.queries.entities import label_of

# Organizations that act for their state (a ministry of defence signs for its forces).
STATE_ORGANS = ["government", "ministry", "head_of_state_office"]
RANK = {"direct": 0, "via_parent": 1, "via_child": 1, "via_state": 2, "via_force": 2,
        "via_coalition": 2, "via_predecessor": 3}

# `since` of a via_predecessor row: the latest valid_from along the succession chain (null
# when no link is dated); a predecessor counts on and after that date only.
_COVERED = f"""
UNWIND $actors AS actor
MATCH (a:Entity {{id: actor}}) USING INDEX SEEK a:Entity(id)
OPTIONAL MATCH (a)-[:PART_OF*0..8]->(:Force)-[:FORCE_OF]->(s1:State)
OPTIONAL MATCH (a)-[:ORGANIZATION_OF]->(s2:State) WHERE a.kind IN $organs
WITH actor, a, collect(DISTINCT s1) + collect(DISTINCT s2)
     + CASE WHEN a:State THEN [a] ELSE [] END AS states
CALL (a, states) {{
    RETURN a AS p, 'direct' AS how, null AS since
  UNION
    MATCH (a)-[:PART_OF*1..8]->(p:Entity) RETURN p, 'via_parent' AS how, null AS since
  UNION
    MATCH (a)<-[:PART_OF*1..8]-(p:Entity) RETURN p, 'via_child' AS how, null AS since
  UNION
    UNWIND states AS s RETURN s AS p, 'via_state' AS how, null AS since
  UNION
    UNWIND states AS s
    MATCH (s)<-[:ORGANIZATION_OF]-(p:Organization) WHERE p.kind IN $organs
    RETURN p, 'via_state' AS how, null AS since
  UNION
    MATCH (a)-[:MEMBER_OF]->(p:Entity) RETURN p, 'via_coalition' AS how, null AS since
  UNION
    UNWIND states AS s
    MATCH (s)-[:MEMBER_OF]->(p:Force) RETURN p, 'via_coalition' AS how, null AS since
  UNION
    WITH a, states WHERE a:State OR (a:Organization AND a.kind IN $organs)
    UNWIND states AS s
    MATCH (s)<-[:FORCE_OF]-(:Force)<-[:PART_OF*0..8]-(p:Force)
    RETURN p, 'via_force' AS how, null AS since
  UNION
    UNWIND [a] + states AS successor
    MATCH chain = (successor)-[:SUCCESSOR_OF*1..4]->(pre:Entity)
    WITH a, pre, reduce(m = null, r IN relationships(chain) |
         CASE WHEN r.valid_from IS NULL THEN m
              WHEN m IS NULL OR {lo_expr('r.valid_from')} > {lo_expr('m')} THEN r.valid_from
              ELSE m END) AS since
    CALL (a, pre) {{
        RETURN pre AS p
      UNION
        MATCH (pre)<-[:PART_OF*1..8]-(p:Entity) RETURN p
      UNION
        MATCH (pre)<-[:ORGANIZATION_OF]-(p:Organization) WHERE pre:State AND p.kind IN $organs
        RETURN p
      UNION
        WITH a, pre WHERE pre:State AND (a:State OR (a:Organization AND a.kind IN $organs))
        MATCH (pre)<-[:FORCE_OF]-(:Force)<-[:PART_OF*0..8]-(p:Force)
        RETURN p
    }}
    RETURN p, 'via_predecessor' AS how, since
}}
"""
_ROWS = ("RETURN collect({actor: actor, party: p.id, name: p.name, how: how, since: since}) "
         "AS rows")
COVERAGE = _COVERED + _ROWS
# A party that is party to nothing cannot make an actor match; for a state at scale that is
# most of its forces, rows the driver would otherwise decode for nothing (docs/performance.md).
COVERAGE_OF_PARTIES = (_COVERED + "WITH actor, p, how, since "
                       "WHERE EXISTS { (p)-[:PARTY_TO]->() }\n" + _ROWS)


def coverage(tx: neo4j.ManagedTransaction, actors: list[str],
             asof: str | None = None, parties_only: bool = False) -> dict[str, dict[str, Any]]:
    """{actor id: {party id: {name, how, since}}}, keeping the closest way for each party.

    `since` is the succession date of a via_predecessor party (else None). With `asof`,
    a predecessor counts only if its succession may have happened by that date. With
    `parties_only`, only the covering entities that are party to something (PARTY_TO): all
    that matching mechanisms or agreements needs.
    """
    out: dict[str, dict[str, Any]] = {a: {} for a in actors}
    query = COVERAGE_OF_PARTIES if parties_only else COVERAGE
    for r in collected(tx, trusted(query), actors=actors, organs=STATE_ORGANS):
        since = r["since"]
        if asof is not None and since is not None and lo(since) > hi(asof):
            continue  # the succession had not happened yet
        known = out[r["actor"]].get(r["party"])
        if known is None or _closeness(r["how"], since) < _closeness(known["how"],
                                                                     known["since"]):
            out[r["actor"]][r["party"]] = {"name": r["name"], "how": r["how"], "since": since}
    return out


def _closeness(how: str, since: str | None) -> tuple[int, str]:
    # the closest way first; between two successions, the earlier (undated first)
    return RANK[how], lo(since) if since else ""


def _party_query(label: str) -> str:
    check_name(label in ("Mechanism", "Agreement"), label)
    return f"""
    UNWIND $parties AS pid
    MATCH (p:Entity {{id: pid}})-[pt:PARTY_TO]->(m:{label}) USING INDEX SEEK p:Entity(id)
    WHERE pt.valid_from IS NULL OR {lo_expr('pt.valid_from')} <= $asof_hi
    RETURN collect({{target: m.id, party: p.id, role: pt.role, current: {valid_at('pt')},
                     valid_to: pt.valid_to}}) AS rows
    """


def parties_of_targets(tx: neo4j.ManagedTransaction, label: str, parties: list[str],
                       params: dict[str, Any]) -> list[dict[str, Any]]:
    """(target, party, role, current, valid_to) rows: what the parties are party to.

    Every PARTY_TO begun by the as-of date; `current` when it still holds then (an ended
    one may still pass to a successor: see `carried`).
    """
    return collected(tx, trusted(_party_query(label)), parties=parties, **params)


def _details_query(label: str) -> str:
    check_name(label in get_model().entities, label)
    return f"""
    MATCH (m:{label}) WHERE m.id IN $ids
    RETURN collect({{props: properties(m),
      domains: [(m)-[c:COVERS]->(d:Domain) WHERE {valid_at('c')} |
        {{id: d.id, sources: c.sources}}],
      parties: [(x:Entity)-[pt:PARTY_TO]->(m)
        WHERE pt.valid_from IS NULL OR {lo_expr('pt.valid_from')} <= $asof_hi |
        {{id: x.id, name: x.name, entity: {label_of('x')}, role: pt.role,
          valid_from: pt.valid_from, valid_to: pt.valid_to, sources: pt.sources,
          current: {valid_at('pt')}}}],
      rests_on: [(m)-[r:RESTS_ON]->(ag:Agreement) |
        {{id: ag.id, name: ag.name, signed_on: ag.signed_on, sources: r.sources}}],
      agreed_by: [(m)-[:RESTS_ON*0..1]->(ag:Agreement)<-[s:SIGNED]-(pe:Person) |
        {{id: pe.id, name: pe.name, how: 'signed', on: s.signed_on, agreement: ag.id,
          sources: s.sources}}] +
      [(m)-[:RESTS_ON*0..1]->(t)<-[c:CONCERNS]-(ev:Event)<-[pp:PARTICIPATED_IN]-(pe:Person)
        WHERE c.how IN ['agreed', 'established'] |
        {{id: pe.id, name: pe.name, how: c.how, on: ev.start, event: ev.id,
          role: pp.role, sources: c.sources}}],
      applies_in: [(m)-[ap:APPLIES_IN]->(pl:Entity) | {{id: pl.id, name: pl.name}}]}}) AS rows
    """


def details(tx: neo4j.ManagedTransaction, label: str, ids: list[str],
            params: dict[str, Any]) -> list[dict[str, Any]]:
    """Domains, parties, agreements, who agreed, scope of the given Mechanisms/Agreements.

    Parties are those begun by the as-of date, `current` when they still hold then.
    """
    return collected(tx, trusted(_details_query(label)), ids=ids, **params)
