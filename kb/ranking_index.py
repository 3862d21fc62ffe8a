"""/stats' most connected forces from an index kept beside its tables (kb.stats_index).

Ranking forces by their relations valid on a date in Cypher (kb.queries.stats.
most_connected) reads the relations of a few hundred candidates: 170-265 ms a date at
scale 100. The index reads those candidates once, with the dates of their dated relations,
and ranks on any date in Python. It follows the audit feed with the tables: a written
relation (created, updated, deleted, or gone with an entity) has its two ends read again,
and so has a written force; nothing else changes a force's relations or name.

The ranking is exact by the bound kb.queries.stats.most_connected uses: no entity left out
has more relations on any date than `outside`, the lowest degree among the candidates when
they were read (a relation added to one of them since makes it read, and held if its degree
is now above that). On a date where the top-th count held is not above the bound (an old
date, when few relations held yet) the index cannot tell, and the caller ranks in Cypher.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any

import neo4j

from kb.dates import hi, lo
from kb.model import get_model
from kb.queries import ranking_index as queries
from kb.queries import stats as stats_queries

EVERY = -1  # `outside` when every entity of the kind is held


@dataclass(frozen=True, slots=True)
class Held:
    """A held entity: its relations, and the dates of those that are dated, as keys."""

    name: str
    relations: int  # to entities, dated or not (a self-loop twice)
    froms: list[str]  # lo(valid_from) of those that have one, sorted
    tos: list[str]  # hi(valid_to) of those that have one, sorted
    inverted: list[tuple[str, str]]  # (lo(from), hi(to)) of those ending before they begin

    def on(self, last: str, first: str) -> int:
        """Its relations valid on the date whose last and first days are these (as the
        Cypher's valid_at: not begun after the last day, not ended before the first)."""
        begun_after = len(self.froms) - bisect_right(self.froms, last)
        ended_before = bisect_left(self.tos, first)
        # both at once only if it ends before it begins: not to be taken away twice
        both = sum(1 for f, t in self.inverted if f > last and t < first)
        return self.relations - begun_after - ended_before + both


def held_of(row: list[Any]) -> tuple[str, Held]:
    """(id, Held) of a row of kb.queries.ranking_index.held."""
    entity_id, name, _, relations, dated = row
    inverted = [(lo(f), hi(t)) for f, t in dated if f and t and lo(f) > hi(t)]
    return entity_id, Held(name, relations, sorted(lo(f) for f, _ in dated if f),
                           sorted(hi(t) for _, t in dated if t), inverted)


class Ranking:
    """The candidates for the most connected of a kind, with their relations' dates."""

    def __init__(self, label: str = "Force") -> None:
        self.label = label
        self.entities: dict[str, Held] = {}
        self.outside = EVERY  # the most relations an entity not held may have

    def load(self, tx: neo4j.ManagedTransaction) -> None:
        """Read the candidates again, as many as the Cypher ranking starts with."""
        size = stats_queries.CANDIDATES[self.label]
        rows = queries.candidates(tx, self.label, size)
        held = queries.held(tx, self.label, [r["id"] for r in rows], EVERY, [])
        # both set together: a read that fails half-way leaves the ranking as it was
        self.outside = EVERY if len(rows) < size else min(r["degree"] for r in rows)
        self.entities = dict(map(held_of, held))

    def follow(self, tx: neo4j.ManagedTransaction, changes: list[list[Any]]) -> bool:
        """Take in audit entries ([kind, op, target, before, after], kb.queries.stats_index.
        changed) written since it was read; False if it cannot (a relation updated and gone
        since, with no entry naming its ends): then it must be read whole (`load`)."""
        touched = {target for kind, _, target, _, _ in changes if kind == self.label}
        relations = get_model().relations
        looked_up: dict[str, list[str]] = {}  # relation type: ids whose ends to read
        named = set()  # relations whose ends an entry gives
        for kind, op, target, before, after in changes:
            if kind not in relations:
                continue
            for text in (before, after):
                ends = json.loads(text) if text else {}
                touched.update(ends[end] for end in ("from", "to") if end in ends)
            if op in ("create", "delete"):  # the entry holds both ends
                named.add(target)
            else:
                looked_up.setdefault(kind, []).append(target)
        for rtype, ids in looked_up.items():
            found = queries.relation_ends(tx, rtype, ids)
            if {i for i, _, _ in found} | named < set(ids):
                return False
            touched.update(end for _, *ends in found for end in ends)
        self._read(tx, sorted(touched))
        return True

    def _read(self, tx: neo4j.ManagedTransaction, ids: list[str]) -> None:
        # those held stay held (a lower degree is still counted exactly); others join once
        # their degree is above the bound; those no longer stored go
        keep = [i for i in ids if i in self.entities]
        rows = queries.held(tx, self.label, ids, self.outside, keep) if ids else []
        for entity_id in ids:
            self.entities.pop(entity_id, None)
        self.entities.update(map(held_of, rows))

    def top(self, asof: str, top: int) -> list[dict[str, Any]] | None:
        """[{id, name, entity, relations}] of the `top` with most relations valid on the
        date, ties by id, as kb.queries.stats.most_connected gives them; None when those
        held cannot tell (see the module)."""
        last, first = hi(asof), lo(asof)
        ranked = sorted((-held.on(last, first), entity_id)
                        for entity_id, held in self.entities.items())
        if self.outside != EVERY and (len(ranked) < top or -ranked[top - 1][0] <= self.outside):
            return None
        return [{"id": entity_id, "name": self.entities[entity_id].name, "entity": self.label,
                 "relations": -minus} for minus, entity_id in ranked[:top]]
