"""Analyst answers built on the traversals: dossier, paths, graph, timeline, gaps."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from typing import Any

from kb.coverage import between
from kb.dates import hi, lo, precision
from kb.db import Database
from kb.model import get_model
from kb.queries import coverage as cq
from kb.queries import explore as q
from kb.queries.asof import asof_params
from kb.records import entity_out

# Kinds a path may pass through by default: Domains and Sources would connect everything
# (every aerial mechanism shares the node "aerial") and explain nothing.
DEFAULT_VIA = [k for k in get_model().entities if k not in ("Domain", "Source")]


def paths(db: Database, source: str, target: str, max_hops: int, via: list[str],
          limit: int) -> list[dict[str, Any]]:
    """Shortest paths between two entities, each as nodes and typed relations.

    From an entity to itself there is one path: zero relations long.
    """
    if source == target:
        return [{"length": 0, "nodes": [db.read_tx(lambda tx: q.node(tx, source))],
                 "relations": []}]
    rows = db.read_tx(lambda tx: q.shortest_paths(tx, source, target, max_hops, via, limit * 4))
    # parallel relations (a host who also headed the delegation) give the same walk twice
    walks: dict[tuple[str, ...], dict[str, Any]] = {}
    for r in rows:
        walks.setdefault(tuple(n["id"] for n in r["nodes"]), r)
    return [{"length": len(r["relations"]), **r} for r in list(walks.values())[:limit]]


def graph(db: Database, center: str, depth: int, kinds: list[str], asof: str,
          limit: int) -> dict[str, Any]:
    """The neighbourhood of an entity as {nodes, edges}, breadth first, cut at `limit` nodes."""
    params = asof_params(asof)

    def work(tx: Any) -> dict[str, Any]:
        start = q.node(tx, center)
        nodes, frontier, truncated = [{**start, "depth": 0}], [center], False
        for level in range(1, depth + 1):
            room = limit - len(nodes)
            found = q.neighbours(tx, [n["id"] for n in nodes], kinds, params, room + 1)
            if len(found) > room:
                found, truncated = found[:room], True
            nodes += [{**n, "depth": level} for n in found]
            frontier = [n["id"] for n in found]
            if truncated or not frontier:
                break
        edges = q.edges_among(tx, [n["id"] for n in nodes], params)
        return {"nodes": nodes, "edges": edges, "truncated": truncated}

    result: dict[str, Any] = db.read_tx(work)
    for node in result["nodes"]:
        node["label"] = node["name"]
    for edge in result["edges"]:
        edge["from"], edge["to"], edge["label"] = edge["source"], edge["target"], edge["type"]
    result.update(center=center, depth=depth, limit=limit, as_of=asof)
    return result


def timeline(db: Database, ids: list[str], start: str | None, end: str | None,
             kinds: list[str] | None) -> list[dict[str, Any]]:
    """Dated items about the entities, oldest first, each with its precision and sources."""
    items: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in db.read_tx(lambda tx: q.timeline_rows(tx, ids)):
        for item in _expand(row):
            key = (item["what"], item["id"], item["date"], item.get("status"), item["title"])
            if key in items:
                items[key]["entities"] = sorted({*items[key]["entities"], row["entity"]})
            else:
                items[key] = {**item, "entities": [row["entity"]]}
    kept = [i for i in items.values() if i["date"]
            and (start is None or hi(i.get("end") or i["date"]) >= lo(start))
            and (end is None or lo(i["date"]) <= hi(end))
            and (kinds is None or i["what"] in kinds)]
    for item in kept:
        item["precision"] = precision(item["date"])
    return sorted(kept, key=lambda i: (lo(i["date"]), len(i["date"]), i["what"], i["id"]))


def _expand(row: dict[str, Any]) -> list[dict[str, Any]]:
    base = {k: row[k] for k in ("what", "kind", "id", "title", "role", "sources")}
    if row["what"] != "status_change":
        return [{**base, "date": row["date"], "end": row["end"], "status": row["note"]}]
    return [{**base, "date": entry["since"], "end": None, "status": entry["status"],
             "sources": entry.get("sources", []), "note": entry.get("note")}
            for entry in json.loads(row["note"])]


def dossier(db: Database, a: str, b: str, asof: str) -> dict[str, Any]:
    """Everything that connects two actors: mechanisms, agreements, events, operations, people."""
    mechanisms = between(db, "Mechanism", [a, b], asof)
    agreements = between(db, "Agreement", [a, b], asof)
    params = asof_params(asof)

    def work(tx: Any) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
        cov = cq.coverage(tx, [a, b])
        events = q.shared_events(tx, sorted(cov[a]), sorted(cov[b]))
        return cov, events, q.presence(tx, None, None, params)

    cov, events, present = db.read_tx(work)
    shared_ops = _shared_theatres(present, set(cov[a]), set(cov[b]))
    officials = _officials(events, agreements, mechanisms)
    return {
        "actors": [a, b], "as_of": asof, "mechanisms": mechanisms, "agreements": agreements,
        "events": [{**entity_out("Event", e["props"]), "participants": e["participants"],
                    "places": e["places"]} for e in events],
        "operations_in_shared_theatres": shared_ops, "officials": officials,
    }


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


def _officials(events: list[dict[str, Any]], *targets: list[dict[str, Any]]
               ) -> list[dict[str, Any]]:
    people: dict[str, dict[str, Any]] = {}
    for e in events:
        for p in e["participants"]:
            if p["entity"] == "Person":
                person = people.setdefault(p["id"], {"id": p["id"], "name": p["name"],
                                                     "involvement": []})
                person["involvement"].append({"event": e["props"]["id"], "role": p["role"]})
    for results in targets:
        for r in results:
            for p in r["agreed_by"]:
                person = people.setdefault(p["id"], {"id": p["id"], "name": p["name"],
                                                     "involvement": []})
                person["involvement"].append({"agreed": p.get("agreement") or p.get("event"),
                                              "how": p["how"]})
    return sorted(people.values(), key=lambda p: p["name"])


def gaps(db: Database, theatre: str | None, domain: str | None, asof: str) -> list[dict[str, Any]]:
    """Forces of different states in the same theatre and domain with no mechanism covering it."""
    present = db.read_tx(lambda tx: q.presence(tx, theatre, domain, asof_params(asof)))
    groups: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = defaultdict(dict)
    for row in present:
        groups[(row["theatre"], row["domain"])].setdefault(row["force"], []).append(row)
    found = []
    for (where, dom), forces in sorted(groups.items()):
        for f1, f2 in itertools.combinations(sorted(forces), 2):
            s1, s2 = forces[f1][0]["state"], forces[f2][0]["state"]
            if s1 is None or s2 is None or s1 == s2:
                continue
            existing = between(db, "Mechanism", [f1, f2], asof)
            covering = [m for m in existing if dom in {d["id"] for d in m["domains"]}
                        and m["status_as_of"]["status"] in ("active", None)]
            if covering:
                continue
            found.append({
                "theatre": {"id": where, "name": forces[f1][0]["theatre_name"]}, "domain": dom,
                "forces": [_presence(forces[f1]), _presence(forces[f2])],
                "mechanisms_missing_domain_or_inactive": [
                    {"id": m["mechanism"]["id"], "name": m["mechanism"]["name"],
                     "status_as_of": m["status_as_of"],
                     "domains": sorted(d["id"] for d in m["domains"])} for m in existing],
            })
    return found


def _presence(rows: list[dict[str, Any]]) -> dict[str, Any]:
    first = rows[0]
    return {"id": first["force"], "name": first["force_name"], "entity": first["force_entity"],
            "state": first["state"],
            "evidence": [{"operation": r["operation"], "name": r["operation_name"],
                          "start": r["start"], "end": r["end"], "sources": r["sources"]}
                         for r in rows]}
