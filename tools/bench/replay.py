"""The database's answers to a request, recorded once and then replayed, so that what the API
itself costs (Flask, webargs, the hooks, shaping, JSON) can be timed without Neo4j.

`Replayer(db)` wraps one kb.db.Database in place: `record()` lets the next requests read
Neo4j and keeps every statement's records under its text and parameters; `replay()` makes
the reads answer from those records instead (a statement not recorded is an error, so a
request that asks something else cannot be timed by mistake). Each replayed answer is a
fresh copy, made before the timing (`stock`), because the service may change what it reads.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import neo4j

from kb.db import _OPEN_READ, Database

Key = tuple[str, str]


def _key(query: Any, params: dict[str, Any] | None, kwargs: dict[str, Any]) -> Key:
    text = query.text if isinstance(query, neo4j.Query) else str(query)
    return text, repr(sorted({**(params or {}), **kwargs}.items()))


class Replayed:
    """The part of neo4j.Result that kb.queries uses, over recorded records."""

    def __init__(self, records: list[neo4j.Record]) -> None:
        self.records = records

    def __iter__(self) -> Iterator[neo4j.Record]:
        return iter(self.records)

    def single(self, strict: bool = False) -> neo4j.Record | None:
        """The one record (None if there is none)."""
        return self.records[0] if self.records else None

    def consume(self) -> None:
        """Nothing to discard."""

    def data(self, *keys: str) -> list[dict[str, Any]]:
        """Each record as a dict."""
        return [r.data(*keys) for r in self.records]


class _Recording:
    def __init__(self, tx: neo4j.ManagedTransaction, kept: dict[Key, list[Any]]) -> None:
        self.tx, self.kept = tx, kept

    def run(self, query: Any, parameters: dict[str, Any] | None = None, **kwargs: Any
            ) -> Replayed:
        records = list(self.tx.run(query, parameters, **kwargs))
        self.kept[_key(query, parameters, kwargs)] = [list(r.items()) for r in records]
        return Replayed(records)


class _Replaying:
    def __init__(self, copies: dict[Key, list[list[Any]]]) -> None:
        self.copies = copies

    def run(self, query: Any, parameters: dict[str, Any] | None = None, **kwargs: Any
            ) -> Replayed:
        items = self.copies[_key(query, parameters, kwargs)].pop()
        return Replayed([neo4j.Record(pairs) for pairs in items])


class Replayer:
    """Records a Database's read answers, then replays them (see the module)."""

    def __init__(self, db: Database) -> None:
        self.kept: dict[Key, list[Any]] = {}
        self.copies: dict[Key, list[list[Any]]] = {}
        self.mode = "off"
        real = db.read_tx

        def read_tx(work: Callable[[Any], Any]) -> Any:
            held = _OPEN_READ.get()
            if held is not None or self.mode == "off":
                return real(work) if held is None else work(held)
            if self.mode == "record":
                return real(lambda tx: work(_Recording(tx, self.kept)))
            return work(_Replaying(self.copies))

        db.read_tx = read_tx  # type: ignore[method-assign]

    def record(self) -> None:
        """Let the next reads go to Neo4j, keeping their answers."""
        self.mode = "record"

    def stock(self, requests: int) -> None:
        """Make the copies that that many replayed requests will take (untimed)."""
        self.copies = {key: [copy.deepcopy(items) for _ in range(requests)]
                       for key, items in self.kept.items()}

    def replay(self) -> None:
        """Answer the next reads from the recorded answers."""
        self.mode = "replay"
