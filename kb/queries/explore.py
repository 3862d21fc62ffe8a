"""Traversals for analysts: neighbourhoods, timelines, shared events, presence."""

from __future__ import annotations

from typing import Any

import neo4j

from kb.errors import NotFound
from kb.queries import collected, trusted
from kb.queries.asof import hi_expr, lo_expr, valid_at
from kb.queries.entities import label_of

NODE = "{{id: {v}.id, name: {v}.name, entity: " + "{lbl}, kind: {v}.kind{extra}}}"


def node_map(var: str, history: bool = False) -> str:
    """Cypher map of a node as the graph-shaped answers show it (with its status history,
    still JSON text, when the answer shows status as of a date)."""
    extra = f", history: {var}.status_history" if history else ""
    return NODE.format(v=var, lbl=label_of(var), extra=extra)


def node(tx: neo4j.ManagedTransaction, entity_id: str, history: bool = False) -> dict[str, Any]:
    """One entity as the graph-shaped answers show it (the caller resolved the id)."""
    query = "MATCH (n:Entity {id: $id}) RETURN " + node_map("n", history) + " AS node"
    record = tx.run(trusted(query), id=entity_id).single()
    if record is None:  # deleted since its name was resolved
        raise NotFound(f"no entity with id {entity_id!r}")
    return dict(record["node"])


NEIGHBOURS = f"""
UNWIND $visited AS fid
MATCH (x:Entity {{id: fid}})-[r]-(n:Entity) USING INDEX SEEK x:Entity(id)
// none(...) rather than NOT IN: the planner would turn NOT IN into a full scan of the id index
WHERE none(f IN $visited WHERE f = n.id) AND {valid_at('r')}
  AND any(l IN labels(n) WHERE l IN $kinds)
// the kept nodes only are shaped: a hub (a Domain at scale 100) has some 90,000 neighbours
WITH DISTINCT n ORDER BY n.name, n.id LIMIT $limit
RETURN collect({node_map('n', history=True)}) AS rows
"""


def neighbours(tx: neo4j.ManagedTransaction, visited: list[str], kinds: list[str],
               params: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    """Nodes one hop from the visited ones and not among them (relations valid as of the
    date), of the given kinds."""
    return collected(tx, trusted(NEIGHBOURS), visited=visited, kinds=kinds, limit=limit,
                     **params)


EDGES_AMONG = f"""
UNWIND $ids AS aid
MATCH (a:Entity {{id: aid}})-[r]->(b:Entity) USING INDEX SEEK a:Entity(id)
WHERE b.id IN $ids AND {valid_at('r')}
WITH r, a, b ORDER BY type(r), r.id
RETURN collect({{id: r.id, type: type(r), source: a.id, target: b.id, role: r.role,
                 title: r.title, how: r.how, sources: r.sources}}) AS rows
"""


def edges_among(tx: neo4j.ManagedTransaction, ids: list[str],
                params: dict[str, Any]) -> list[dict[str, Any]]:
    """Relations (valid as of the date) between the given nodes."""
    return collected(tx, trusted(EDGES_AMONG), ids=ids, **params)


# coalesce(x, '') <> '' rather than IS NOT NULL: the latter tempts the planner into scanning
# a whole property index instead of expanding from the entity it already has
TIMELINE = """
UNWIND $ids AS eid
MATCH (e:Entity {id: eid}) USING INDEX SEEK e:Entity(id)
CALL (e) {
    MATCH (e)-[p:PARTICIPATED_IN]->(ev:Event)
    RETURN ev.start AS date, ev.end AS end, 'event' AS what, ev.kind AS kind, ev.id AS id,
           ev.name AS title, p.role AS role, ev.status AS note, ev.sources AS sources
  UNION
    MATCH (ev:Event {id: e.id})
    RETURN ev.start AS date, ev.end AS end, 'event' AS what, ev.kind AS kind, ev.id AS id,
           ev.name AS title, null AS role, ev.status AS note, ev.sources AS sources
  UNION
    MATCH (e)-[p:PARTY_TO]->(ag:Agreement) WHERE coalesce(ag.signed_on, '') <> ''
    RETURN ag.signed_on AS date, null AS end, 'agreement_signed' AS what, ag.kind AS kind,
           ag.id AS id, ag.name AS title, p.role AS role, null AS note, ag.sources AS sources
  UNION
    MATCH (e)-[s:SIGNED]->(ag:Agreement)
    RETURN coalesce(s.signed_on, ag.signed_on) AS date, null AS end, 'agreement_signed' AS what,
           ag.kind AS kind, ag.id AS id, ag.name AS title, 'signatory' AS role, null AS note,
           s.sources AS sources
  UNION
    MATCH (e)-[:PARTY_TO]->(m) WHERE (m:Mechanism OR m:Agreement)
      AND coalesce(m.status_history, '') <> ''
    RETURN null AS date, null AS end, 'status_change' AS what, m.kind AS kind, m.id AS id,
           m.name AS title, null AS role, m.status_history AS note, null AS sources
  UNION
    MATCH (m:Entity {id: e.id}) WHERE m.status_history IS NOT NULL
    RETURN null AS date, null AS end, 'status_change' AS what, m.kind AS kind, m.id AS id,
           m.name AS title, null AS role, m.status_history AS note, null AS sources
  UNION
    MATCH (e)-[c:CONDUCTS]->(op:Operation) WHERE coalesce(op.start, '') <> ''
    RETURN op.start AS date, op.end AS end, 'operation' AS what, op.kind AS kind, op.id AS id,
           op.name AS title, null AS role, null AS note, c.sources AS sources
  UNION
    MATCH (e)-[h:HOLDS_POST]->(org:Entity) WHERE h.valid_from IS NOT NULL
    RETURN h.valid_from AS date, h.valid_to AS end, 'post' AS what, null AS kind, org.id AS id,
           h.title + ', ' + org.name AS title, null AS role, null AS note, h.sources AS sources
  UNION
    MATCH (pe:Person)-[h:HOLDS_POST]->(e) WHERE h.valid_from IS NOT NULL
    RETURN h.valid_from AS date, h.valid_to AS end, 'post' AS what, null AS kind, pe.id AS id,
           pe.name + ': ' + h.title AS title, null AS role, null AS note, h.sources AS sources
}
RETURN collect({entity: eid, date: date, end: end, what: what, kind: kind, id: id,
                title: title, role: role, note: note, sources: sources}) AS rows
"""


def timeline_rows(tx: neo4j.ManagedTransaction, ids: list[str]) -> list[dict[str, Any]]:
    """Raw dated items about the given entities (status changes still packed as JSON)."""
    return collected(tx, TIMELINE, ids=ids)


SHARED_EVENTS = f"""
UNWIND $a AS aid
MATCH (x:Entity {{id: aid}})-[:PARTICIPATED_IN]->(e:Event) USING INDEX SEEK x:Entity(id)
WITH DISTINCT e
WHERE EXISTS {{ MATCH (y:Entity)-[:PARTICIPATED_IN]->(e) WHERE y.id IN $b }}
WITH e ORDER BY {lo_expr('e.start')}, size(e.start), e.id
RETURN collect({{props: properties(e),
  participants: [(x:Entity)-[p:PARTICIPATED_IN]->(e) |
     {{id: x.id, name: x.name, entity: {label_of('x')}, role: p.role, sources: p.sources}}],
  places: [(e)-[:TOOK_PLACE_IN]->(pl:Place) | {{id: pl.id, name: pl.name}}]}}) AS rows
"""


def shared_events(tx: neo4j.ManagedTransaction, a: list[str], b: list[str]) -> list[dict[str, Any]]:
    """Events in which someone covering A and someone covering B both took part.

    Each participation is one row of `participants` (a person with two roles: two rows).
    """
    return collected(tx, SHARED_EVENTS, a=a, b=b)


POSTS_HELD = f"""
UNWIND $ids AS pid
MATCH (pe:Entity {{id: pid}})-[h:HOLDS_POST]->(org:Entity) USING INDEX SEEK pe:Entity(id)
WHERE {valid_at('h')}
RETURN collect({{person: pe.id, title: h.title, organization: org.id, name: org.name,
                 valid_from: h.valid_from, valid_to: h.valid_to}}) AS rows
"""


def posts_held(tx: neo4j.ManagedTransaction, ids: list[str],
               params: dict[str, Any]) -> list[dict[str, Any]]:
    """(person, title, organization, name, valid_from, valid_to) of the posts the given
    persons may have held on the as-of date (undated posts count as held)."""
    return collected(tx, trusted(POSTS_HELD), ids=ids, **params)


_PRESENT = f"""
MATCH (f:Entity)-[c:CONDUCTS]->(op:Operation)-[t:IN_THEATRE]->(th:Entity)
WHERE (op.start IS NULL OR {lo_expr('op.start')} <= $asof_hi)
  AND (op.end IS NULL OR {hi_expr('op.end')} >= $asof_lo)
  AND ($theatre IS NULL OR th.id IN $theatre)
MATCH (op)-[d:IN_DOMAIN]->(dom:Domain)
WHERE $domain IS NULL OR dom.id = $domain
CALL (f) {{
    // the State of the first force up the hierarchy that has one: a unit stops at its
    // branch instead of walking on to the top and grouping every row by what it found
    // (at scale 100 the statement took 130 ms that way, 88 ms this way)
    OPTIONAL MATCH (f)-[:PART_OF*0..8]->(:Force)-[:FORCE_OF]->(s1:State)
    RETURN s1 LIMIT 1
}}
WITH f, op, th, dom, c, t, d, CASE WHEN f:State THEN f ELSE s1 END AS state
"""

_PRESENT_ROWS = f"""
WITH f, state, th, dom, op, c, t, d ORDER BY th.id, dom.id, f.id, op.id
RETURN collect({{force: f.id, force_name: f.name, force_entity: {label_of('f')},
                 state: state.id, state_name: state.name, theatre: th.id,
                 theatre_name: th.name, domain: dom.id,
                 operation: op.id, operation_name: op.name, start: op.start, end: op.end,
                 sources: c.sources + t.sources + d.sources}}) AS rows
"""

# every presence row of the world: the reference presence_of is tested against
PRESENCE = _PRESENT + _PRESENT_ROWS

# Only a theatre and domain where forces of two States or more operate can hold a gap:
# the others' rows (most of them in a large world) stay in the database.
CONTESTED = _PRESENT + """
WITH th, dom, collect({f: f, op: op, c: c, t: t, d: d, state: state}) AS present,
     count(DISTINCT state) AS states
WHERE states > 1
UNWIND present AS p
WITH th, dom, p.f AS f, p.op AS op, p.c AS c, p.t AS t, p.d AS d, p.state AS state
WHERE state IS NOT NULL
""" + _PRESENT_ROWS


# The dossier needs the operations of the two actors' covering entities only: starting from
# those (index seeks) spares reading every operation of the world (12,461 rows at scale 100).
PRESENCE_OF = """
UNWIND $forces AS force_id
MATCH (f:Entity {id: force_id})
WITH DISTINCT f
""" + _PRESENT + _PRESENT_ROWS


def presence_of(tx: neo4j.ManagedTransaction, forces: list[str],
                params: dict[str, Any]) -> list[dict[str, Any]]:
    """Who operates where, in which domain, on the date, with the operation as evidence:
    the rows (everywhere, every domain) whose force is one of `forces`."""
    return collected(tx, PRESENCE_OF, forces=forces, theatre=None, domain=None, **params)


def contested(tx: neo4j.ManagedTransaction, theatre: list[str] | None, domain: str | None,
              params: dict[str, Any]) -> list[dict[str, Any]]:
    """The presence rows (as `presence_of`) of forces of a known State, in the theatres and
    domains where forces of two States or more operate on the date: where gaps may be."""
    return collected(tx, CONTESTED, theatre=theatre, domain=domain, **params)
