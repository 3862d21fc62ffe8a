"""Analyst answers built on the traversals: dossier, graph, timeline, gaps."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from typing import Any

from kb.coverage import between, between_pairs, status_as_of
from kb.dates import hi, lo, precision
from kb.db import Database
from kb.hierarchy import below
from kb.model import get_model
from kb.queries import coverage as coverage_queries
from kb.queries import explore as explore_queries
from kb.queries.asof import asof_params
from kb.records import entity_out

# Kinds a path may pass through by default: Domains and Sources would connect everything
# (every aerial mechanism shares the node "aerial") and explain nothing.
DEFAULT_VIA = [k for k in get_model().entities if k not in ("Domain", "Source")]


def graph(db: Database, center: str, depth: int, kinds: list[str], asof: str,
          limit: int) -> dict[str, Any]:
    """The neighbourhood of an entity as {nodes, edges}, breadth first, cut at `limit` nodes."""
    params = asof_params(asof)

    def work(tx: Any) -> dict[str, Any]:
        nodes, truncated = [{**explore_queries.node(tx, center, history=True), "depth": 0}], False
        for level in range(1, depth + 1):
            room = limit - len(nodes)
            visited = [n["id"] for n in nodes]
            found = explore_queries.neighbours(tx, visited, kinds, params, room + 1)
            if len(found) > room:
                found, truncated = found[:room], True
            nodes += [{**n, "depth": level} for n in found]
            if truncated or not found:
                break
        edges = explore_queries.edges_among(tx, [n["id"] for n in nodes], params)
        return {"nodes": nodes, "edges": edges, "truncated": truncated}

    result: dict[str, Any] = db.read_tx(work)
    for node in result["nodes"]:
        node["label"] = node["name"]
        history = node.pop("history", None)
        if history is not None:  # a mechanism or agreement: its status on the date
            _, status, since = status_as_of({"status_history": history}, asof)
            node["status_as_of"] = {"status": status, "since": since}
    for edge in result["edges"]:
        edge["from"], edge["to"], edge["label"] = edge["source"], edge["target"], edge["type"]
    result.update(center=center, depth=depth, limit=limit, as_of=asof)
    return result


def timeline(db: Database, ids: list[str], start: str | None, end: str | None,
             what: list[str] | None, match: str = "direct") -> list[dict[str, Any]]:
    """Dated items about the entities, oldest first, each with its precision and sources.

    One item per fact, whatever the ways it was found: `roles` gathers the entities' roles
    in it (a host who also headed the delegation has both), `entities` the named entities
    it is about and `through` the entities it was found through. With match=hierarchy each
    named entity also stands for everything under it (kb.hierarchy.below).
    """
    under = below(db, ids) if match == "hierarchy" else {i: [i] for i in ids}
    named: dict[str, set[str]] = defaultdict(set)
    for name, found in under.items():
        for x in found:
            named[x].add(name)
    items: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in db.read_tx(lambda tx: explore_queries.timeline_rows(tx, sorted(named))):
        for item in _expand(row):
            key = (item["what"], item["id"], item["date"], item.get("status"), item["title"])
            role, sources = item.pop("role"), item.pop("sources") or []
            one = items.setdefault(key, {**item, "roles": [], "sources": [], "entities": [],
                                         "through": []})
            one["roles"] = sorted({*one["roles"], *([role] if role else [])})
            one["sources"] = list(dict.fromkeys([*one["sources"], *sources]))
            one["entities"] = sorted({*one["entities"], *named[row["entity"]]})
            one["through"] = sorted({*one["through"], row["entity"]})
    kept = [i for i in items.values() if i["date"]
            and (start is None or hi(i.get("end") or i["date"]) >= lo(start))
            and (end is None or lo(i["date"]) <= hi(end))
            and (what is None or i["what"] in what)]
    for item in kept:
        item["precision"] = precision(item["date"])
    return sorted(kept, key=lambda i: (lo(i["date"]), len(i["date"]), i["what"], i["id"]))


def _expand(row: dict[str, Any]) -> list[dict[str, Any]]:
    base = {k: row[k] for k in ("what", "kind", "id", "title", "role", "sources")}
    if row["what"] != "status_change":
        return [{**base, "date": row["date"], "end": row["end"], "status": row["note"],
                 "note": None}]
    return [{**base, "date": entry["since"], "end": None, "status": entry["status"],
             "sources": entry.get("sources", []), "note": entry.get("note")}
            for entry in json.loads(row["note"])]


def dossier(db: Database, a: str, b: str, asof: str) -> dict[str, Any]:
    """Everything that connects two actors as of a date: mechanisms, agreements, events,
    operations, and the officials involved with the posts they held then.

    Events are those that may have started by the date (kb.dates: lo(start) <= hi(as_of));
    officials come from those events and from the mechanisms and agreements of the date.
    """
    mechanisms = between(db, "Mechanism", [a, b], asof)
    agreements = between(db, "Agreement", [a, b], asof)
    params = asof_params(asof)

    def work(tx: Any) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
        cov = coverage_queries.coverage(tx, [a, b], asof)
        events = explore_queries.shared_events(tx, sorted(cov[a]), sorted(cov[b]))
        covering = sorted({*cov[a], *cov[b]})
        return cov, events, explore_queries.presence_of(tx, covering, params)

    cov, events, present = db.read_tx(work)
    events = [{**e, "participants": _participants(e["participants"])} for e in events
              if _started_by(e["props"].get("start"), asof)]
    shared_ops = _shared_theatres(present, set(cov[a]), set(cov[b]))
    officials = _officials(events, asof, agreements, mechanisms)
    people = [p["id"] for p in officials]
    held = db.read_tx(lambda tx: explore_queries.posts_held(tx, people, params))
    for person in officials:
        person["posts"] = _posts([h for h in held if h["person"] == person["id"]])
    return {
        "actors": [a, b], "as_of": asof, "mechanisms": mechanisms, "agreements": agreements,
        "events": [{**entity_out("Event", e["props"]), "participants": e["participants"],
                    "places": e["places"]} for e in events],
        "operations_in_shared_theatres": shared_ops, "officials": officials,
    }


def _started_by(start: str | None, asof: str) -> bool:
    # may have started by the date: an undated start may have
    return start is None or lo(start) <= hi(asof)


def _participants(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # one entry per participant, its roles gathered (one row per PARTICIPATED_IN)
    found: dict[str, dict[str, Any]] = {}
    for p in rows:
        one = found.setdefault(p["id"], {"id": p["id"], "name": p["name"],
                                         "entity": p["entity"], "roles": [], "sources": []})
        one["roles"] = sorted({*one["roles"], *([p["role"]] if p["role"] else [])})
        one["sources"] = list(dict.fromkeys([*one["sources"], *(p["sources"] or [])]))
    return sorted(found.values(), key=lambda p: (p["name"], p["id"]))


def _posts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    posts = [{"title": h["title"], "organization": {"id": h["organization"], "name": h["name"]},
              "valid_from": h["valid_from"], "valid_to": h["valid_to"]} for h in rows]
    return sorted(posts, key=lambda p: (lo(p["valid_from"] or ""), p["title"],
                                        p["organization"]["id"]))


def _shared_theatres(present: list[dict[str, Any]], a: set[str],
                     b: set[str]) -> list[dict[str, Any]]:
    by_theatre: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(
        lambda: {"a": [], "b": []})
    for row in present:
        for side, cover in (("a", a), ("b", b)):
            if row["force"] in cover:
                by_theatre[row["theatre"]][side].append(row)
    return [{"theatre": t, "theatre_name": sides["a"][0]["theatre_name"],
             "first": _ops(sides["a"]), "second": _ops(sides["b"])}
            for t, sides in sorted(by_theatre.items()) if sides["a"] and sides["b"]]


def _ops(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ops: dict[str, dict[str, Any]] = {}
    for r in rows:
        op = ops.setdefault(r["operation"], {
            "id": r["operation"], "name": r["operation_name"], "start": r["start"],
            "end": r["end"], "conducted_by": r["force"], "domains": [], "sources": []})
        op["domains"] = sorted({*op["domains"], r["domain"]})
        op["sources"] = sorted({*op["sources"], *r["sources"]})
    return list(ops.values())


def _officials(events: list[dict[str, Any]], asof: str, *targets: list[dict[str, Any]]
               ) -> list[dict[str, Any]]:
    people: dict[str, dict[str, Any]] = {}
    for e in events:
        for p in e["participants"]:
            if p["entity"] == "Person":
                person = people.setdefault(p["id"], {"id": p["id"], "name": p["name"],
                                                     "involvement": []})
                person["involvement"].append({"event": e["props"]["id"], "agreement": None,
                                              "roles": p["roles"], "how": None})
    for results in targets:
        for r in results:
            for p in r["agreed_by"]:
                if not _started_by(p.get("on"), asof):
                    continue  # agreed (or signed) only after the date
                person = people.setdefault(p["id"], {"id": p["id"], "name": p["name"],
                                                     "involvement": []})
                involved = {"event": p.get("event"), "agreement": p.get("agreement"),
                            "roles": [], "how": p["how"]}
                if involved not in person["involvement"]:  # one act may underlie several
                    person["involvement"].append(involved)
    return sorted(people.values(), key=lambda p: p["name"])


def gaps(db: Database, theatre: str | None, domain: str | None, asof: str,
         level: str = "state") -> list[dict[str, Any]]:
    """Parties of different states in one theatre and domain with no mechanism covering it.

    level=state (default): one gap per theatre, domain and pair of States, with the forces
    present as evidence; the pair is covered when a mechanism between the two States (as
    kb.coverage.between matches them, through their forces and organs) covers the domain
    and is active (or of unknown status) on the date. level=force: pairs of forces.
    `theatre` counts with every place under it (kb.hierarchy.below: a State's places).
    """
    places = below(db, [theatre])[theatre] if theatre else None
    present = db.read_tx(lambda tx: explore_queries.contested(tx, places, domain,
                                                              asof_params(asof)))
    groups, pairs = contested_pairs(present, level)
    actors = sorted({p for pair in pairs for p in pair})
    known = between_pairs(db, "Mechanism", actors, asof, pairs) if pairs else {}
    found = []
    for (where, dom), parties in sorted(groups.items()):
        for p1, p2 in itertools.combinations(sorted(parties), 2):
            first, second = _first_row(parties[p1]), _first_row(parties[p2])
            if first["state"] == second["state"]:
                continue
            existing = known[(p1, p2)]
            if any(dom in {d["id"] for d in m["domains"]}
                   and m["status_as_of"]["status"] in ("active", None) for m in existing):
                continue
            gap: dict[str, Any] = {
                "theatre": {"id": where, "name": first["theatre_name"]}, "domain": dom,
                "level": level}
            if level == "state":
                gap["states"] = [_state_presence(parties[p1]), _state_presence(parties[p2])]
            else:
                gap["forces"] = [_presence(parties[p1][p1]), _presence(parties[p2][p2])]
            gap["mechanisms_missing_domain_or_inactive"] = [
                {"id": m["mechanism"]["id"], "name": m["mechanism"]["name"],
                 "status_as_of": m["status_as_of"],
                 "domains": sorted(d["id"] for d in m["domains"])} for m in existing]
            found.append(gap)
    return found


Groups = dict[tuple[str, str], dict[str, dict[str, list[dict[str, Any]]]]]


def contested_pairs(present: list[dict[str, Any]], level: str
                    ) -> tuple[Groups, list[tuple[str, str]]]:
    """The presence rows grouped by (theatre, domain), then party (a State, or a Force at
    level=force), then force; and every pair of parties of different states met in a group,
    for which `gaps` asks `between` (all in one read)."""
    groups: Groups = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for row in present:
        if row["state"] is not None:
            party = row["state"] if level == "state" else row["force"]
            groups[(row["theatre"], row["domain"])][party][row["force"]].append(row)
    pairs = sorted({(p1, p2) for parties in groups.values()
                    for p1, p2 in itertools.combinations(sorted(parties), 2)
                    if _first_row(parties[p1])["state"] != _first_row(parties[p2])["state"]})
    return groups, pairs


def _first_row(forces: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return forces[min(forces)][0]


def _state_presence(forces: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    first = _first_row(forces)
    return {"id": first["state"], "name": first["state_name"], "entity": "State",
            "forces": [_presence(rows) for _, rows in sorted(forces.items())]}


def _presence(rows: list[dict[str, Any]]) -> dict[str, Any]:
    first = rows[0]
    return {"id": first["force"], "name": first["force_name"], "entity": first["force_entity"],
            "state": first["state"],
            "evidence": [{"operation": r["operation"], "name": r["operation_name"],
                          "start": r["start"], "end": r["end"],
                          "sources": sorted(set(r["sources"]))} for r in rows]}
