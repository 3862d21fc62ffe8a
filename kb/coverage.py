"""Mechanisms (or agreements) between actors, as of a date: the flagship question.

A target matches when each named actor is covered by one of its parties, a different party
for each actor (see kb.queries.coverage for what "covered" means). Each match says, per
actor, which party matched and how.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from typing import Any

from kb.dates import hi, lo
from kb.db import Database
from kb.queries import coverage as coverage_queries
from kb.queries.asof import asof_params
from kb.records import entity_out

STATUS_ORDER = {"active": 0, "suspended": 1, "under_negotiation": 2, "proposed": 3,
                "terminated": 4}
MAX_ASSIGNMENTS = 5000


def status_as_of(props: dict[str, Any], asof: str) -> tuple[bool, str | None, str | None]:
    """(existed then, status then, since when) from status_history or the kind's dates."""
    history = props.get("status_history") or []
    if isinstance(history, str):
        history = json.loads(history)  # as stored; the API's items hold the parsed list
    if history:
        past = [h for h in history if lo(h["since"]) <= hi(asof)]
        if not past:
            return False, None, None
        return True, past[-1]["status"], past[-1]["since"]
    start = props.get("established_on") or props.get("signed_on") or props.get("in_force_from")
    if start and lo(start) > hi(asof):
        return False, None, None
    end = props.get("ended_on")
    if end and hi(end) < lo(asof):
        return True, "terminated", end
    return True, None, None


def first_date(props: dict[str, Any]) -> str:
    """The date a target is best known by, for ordering ('' if none)."""
    history = json.loads(props.get("status_history") or "[]")
    return str(props.get("established_on") or props.get("signed_on")
               or (history[0]["since"] if history else ""))


def best_assignment(actors: list[str], candidates: dict[str, list[dict[str, Any]]]
                    ) -> list[dict[str, Any]] | None:
    """One party per actor, all different, closest ways first; None if impossible."""
    options = [sorted(candidates[a], key=lambda c: coverage_queries.RANK[c["how"]]) for a in actors]
    best: tuple[int, tuple[dict[str, Any], ...]] | None = None
    for combo in itertools.islice(itertools.product(*options), MAX_ASSIGNMENTS):
        if len({c["party"] for c in combo}) < len(combo):
            continue
        cost = sum(coverage_queries.RANK[c["how"]] for c in combo)
        if best is None or cost < best[0]:
            best = (cost, combo)
    return [dict(c, actor=a) for a, c in zip(actors, best[1], strict=True)] if best else None


def between(db: Database, label: str, actors: list[str], asof: str,
            domain: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
    """Mechanisms or Agreements between all actors, explained, as of the date."""
    params = asof_params(asof)

    def work(tx: Any) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]],
                               list[dict[str, Any]]]:
        cov = coverage_queries.coverage(tx, actors, asof, parties_only=True)
        parties = sorted({p for found in cov.values() for p in found})
        rows = coverage_queries.parties_of_targets(tx, label, parties, params)
        matches = _matches(actors, cov, PartyIndex(rows))
        return cov, matches, coverage_queries.details(tx, label, sorted(matches), params)

    cov, matches, details = db.read_tx(work)
    return _results(label, asof, cov, matches, details, domain, status)


def between_pairs(db: Database, label: str, actors: list[str], asof: str,
                  pairs: list[tuple[str, str]] | None = None
                  ) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """`between` for every pair of the actors (in their order), or for the given `pairs`
    of them, in one read.

    Each pair's answer is what between(db, label, [a, b], asof) gives: the same coverage,
    matching and details, read once for all the actors instead of once per pair.
    """
    params = asof_params(asof)
    pairs = list(itertools.combinations(actors, 2)) if pairs is None else pairs

    def work(tx: Any) -> tuple[dict[str, Any], dict[tuple[str, str], Any],
                               list[dict[str, Any]]]:
        cov = coverage_queries.coverage(tx, actors, asof, parties_only=True)
        parties = sorted({p for found in cov.values() for p in found})
        index = PartyIndex(coverage_queries.parties_of_targets(tx, label, parties, params))
        matches = {(a, b): _matches([a, b], cov, index) for a, b in pairs}
        ids = sorted({t for found in matches.values() for t in found})
        return cov, matches, coverage_queries.details(tx, label, ids, params)

    cov, matches, details = db.read_tx(work)
    return {pair: _results(label, asof, cov, matches[pair],
                           [d for d in details if d["props"]["id"] in matches[pair]])
            for pair in pairs}


def _results(label: str, asof: str, cov: dict[str, Any],
             matches: dict[str, list[dict[str, Any]]], details: list[dict[str, Any]],
             domain: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
    # the explained answers of `between` from what its queries read
    results = []
    for d in details:
        props = d["props"]
        existed, state, since = status_as_of(props, asof)
        domains = sorted(x["id"] for x in d["domains"])
        if not existed or (domain and domain not in domains) or (status and state != status):
            continue
        matched = matches[props["id"]]
        successions = {m["party"]: cov[m["actor"]][m["party"]]["since"] for m in matched
                       if m["how"] == "via_predecessor"}
        results.append({
            label.lower(): _summary(label, props),
            "status_as_of": {"status": state, "since": since},
            "direct": all(m["how"] == "direct" for m in matched),
            "matched": matched, "domains": d["domains"],
            "parties": _parties(d["parties"], successions),
            "rests_on": d["rests_on"], "agreed_by": d["agreed_by"],
            "applies_in": d["applies_in"], "sources": props.get("sources", []),
            "_date": first_date(props),
        })
    return _ordered(results)


def carried(valid_to: str | None, since: str | None) -> bool:
    """True when a predecessor's relation ending `valid_to` passes to its successor.

    It does unless it ended before the year preceding the succession (`since`): a part
    the predecessor still held around the succession is handed on (the year absorbs
    interim arrangements, such as the Soviet Navy's of 1992, and the dates' precision);
    one it had left long before is not.
    """
    return valid_to is None or since is None or int(valid_to[:4]) >= int(since[:4]) - 1


def _holding(way: dict[str, Any], held: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # a party's relations that count for an actor it covers in this way, on the as-of date
    if way["how"] == "via_predecessor":
        return [h for h in held if h["current"] or carried(h["valid_to"], way["since"])]
    return [h for h in held if h["current"]]


def _parties(parties: list[dict[str, Any]], successions: dict[str, str | None]
             ) -> list[dict[str, Any]]:
    # parties on the date, and the predecessors whose part a successor carries on
    return [{k: v for k, v in p.items() if k != "current"} for p in parties
            if p["current"] or (p["id"] in successions
                                and carried(p["valid_to"], successions[p["id"]]))]


class PartyIndex:
    """The rows of parties_of_targets grouped by target, then party; and the targets each
    party is party to. Built once per read, so that matching many pairs of actors
    (between_pairs) looks only at the targets both actors can reach, instead of every
    target of every party read."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.by_target: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self.targets_of: dict[str, set[str]] = {}
        for r in rows:
            self.by_target.setdefault(r["target"], {}).setdefault(r["party"], []).append(r)
            self.targets_of.setdefault(r["party"], set()).add(r["target"])
        # where each target comes in by_target, so that the few targets a pair shares are
        # tried in that order without going through every target read for each pair
        self.position = {target: i for i, target in enumerate(self.by_target)}

    def reachable(self, covered: Iterable[str]) -> set[str]:
        """The targets any of the `covered` parties is party to."""
        return set().union(*(self.targets_of.get(p, ()) for p in covered))


def _matches(actors: list[str], cov: dict[str, dict[str, Any]],
             index: PartyIndex) -> dict[str, list[dict[str, Any]]]:
    # a target none of an actor's parties is party to can give that actor no candidate,
    # so no assignment: only the targets every actor reaches are tried
    shared = set.intersection(*(index.reachable(cov[a]) for a in actors))
    matches = {}
    for target in sorted(shared, key=index.position.__getitem__):
        parties = index.by_target[target]
        candidates: dict[str, list[dict[str, Any]]] = {a: [] for a in actors}
        for a in actors:
            for p, held in parties.items():
                holding = _holding(cov[a][p], held) if p in cov[a] else []
                if holding:
                    candidates[a].append({"party": p, "party_name": cov[a][p]["name"],
                                          "how": cov[a][p]["how"], "role": holding[0]["role"]})
        chosen = best_assignment(actors, candidates)
        if chosen:
            matches[target] = chosen
    return matches


def _summary(label: str, props: dict[str, Any]) -> dict[str, Any]:
    out = entity_out(label, props)
    keep = ("entity", "id", "name", "aliases", "kind", "description", "established_on",
            "ended_on", "signed_on", "in_force_from", "status_history", "confidence")
    return {k: v for k, v in out.items() if k in keep}


def _ordered(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # newest first within equal rank: sort by date, then stably by directness and status;
    # by id first, so that items of equal date (undated ones) do not come in whatever order
    # the database read them (it changes with the store's layout, e.g. after a reload)
    results.sort(key=lambda r: str(r.get("mechanism", r.get("agreement", {})).get("id", "")))
    results.sort(key=lambda r: lo(r["_date"]) if r["_date"] else "", reverse=True)
    results.sort(key=lambda r: (not r["direct"],
                                STATUS_ORDER.get(r["status_as_of"]["status"] or "", 5)))
    for r in results:
        del r["_date"]
    return results
