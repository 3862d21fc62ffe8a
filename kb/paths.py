"""Shortest paths between two entities, searched from both ends at once over distinct
neighbours, with a budget on the links a search may touch.

A relation-level search (Cypher's allShortestPaths) enumerates walks: thirty parallel posts
on each of six links are 30**6 walks, and when no path exists within the hops it tries them
all until the query timeout. Here a step is one query returning distinct (parent, child)
pairs, so the work grows with the entities reached, and stops at PATH_BUDGET links.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import neo4j

from kb.db import Database
from kb.errors import ValidationFailed, field_error
from kb.queries import explore as explore_queries
from kb.queries import paths as path_queries

MAX_HOPS = 6  # the longest path one may ask for
PATH_BUDGET = 20_000  # links one search may touch: far above the seed's, far below a timeout


@dataclass
class Side:
    """The search from one end: distance and parents of every entity it reached."""

    start: str
    depth: int = 0
    frontier: list[str] = field(default_factory=list)
    parents: dict[str, list[str]] = field(default_factory=dict)
    distance: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.frontier, self.parents, self.distance = [self.start], {self.start: []}, {
            self.start: 0}

    def walks_to(self, node: str) -> Iterator[list[str]]:
        """Every shortest walk from this side's start to a node it reached."""
        if not self.parents[node]:
            yield [node]
            return
        for parent in self.parents[node]:
            for walk in self.walks_to(parent):
                yield [*walk, node]


class Search:
    """A bidirectional breadth-first search within `max_hops` and the budget."""

    def __init__(self, tx: neo4j.ManagedTransaction, source: str, target: str,
                 via: list[str]) -> None:
        self.tx, self.via, self.ends = tx, via, [source, target]
        self.forward, self.backward = Side(source), Side(target)
        self.touched = 0

    def meeting_points(self, max_hops: int) -> list[str]:
        """Entities where the two searches meet on a shortest walk (none: no path)."""
        while self.forward.depth + self.backward.depth < max_hops:
            near, far = sorted((self.forward, self.backward), key=lambda s: len(s.frontier))
            reached = self._advance(near)
            if not reached:
                return []
            meet = [n for n in reached if n in far.parents]
            if meet:
                # every entity new on this side sits at the same depth; the other side's
                # depth decides which meetings are on the shortest walks
                nearest = min(far.distance[n] for n in meet)
                return sorted(n for n in meet if far.distance[n] == nearest)
        return []

    def _advance(self, side: Side) -> list[str]:
        """Take one step from the side's frontier; the entities reached for the first time."""
        pairs = path_queries.step(self.tx, side.frontier, self.ends, self.via,
                                  PATH_BUDGET - self.touched + 1)
        self.touched += len(pairs)
        if self.touched > PATH_BUDGET:
            raise ValidationFailed("the path search is too broad", errors=[field_error(
                "max_hops", f"the search touched more than {PATH_BUDGET} links between "
                "entities before it could answer; lower max_hops or narrow via", "query")])
        new: dict[str, list[str]] = {}
        for parent, child in pairs:
            if child not in side.parents:
                new.setdefault(child, []).append(parent)
        side.depth += 1
        for child, parents in new.items():
            side.parents[child], side.distance[child] = sorted(parents), side.depth
        side.frontier = sorted(new)
        return side.frontier

    def walks(self, meet: list[str]) -> Iterator[list[str]]:
        """Every shortest walk from source to target through the meeting points."""
        for node in meet:
            for head in self.forward.walks_to(node):
                for tail in self.backward.walks_to(node):
                    yield head + tail[::-1][1:]


def paths(db: Database, source: str, target: str, max_hops: int, via: list[str],
          limit: int) -> list[dict[str, Any]]:
    """Shortest paths between two entities, each as nodes and typed relations (one relation
    per step: parallel relations between the same two entities are one step).

    From an entity to itself there is one path: zero relations long.
    """
    def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
        if source == target:
            return [{"length": 0, "nodes": [explore_queries.node(tx, source)], "relations": []}]
        search = Search(tx, source, target, via)
        walks = list(itertools.islice(search.walks(search.meeting_points(max_hops)), limit))
        return _described(tx, walks)

    return db.read_tx(work)


def _described(tx: neo4j.ManagedTransaction, walks: list[list[str]]) -> list[dict[str, Any]]:
    steps = sorted({(a, b) for walk in walks for a, b in itertools.pairwise(walk)})
    nodes, links = path_queries.details(tx, sorted({n for walk in walks for n in walk}),
                                        [list(s) for s in steps])
    return [{"length": len(walk) - 1, "nodes": [nodes[n] for n in walk],
             "relations": [links[s] for s in itertools.pairwise(walk)]} for walk in walks]
