"""Answers of the heavy dashboard reads (/stats, /stats/coverage, /gaps), kept per process
and keyed by the data version, so that polling dashboards do not rerun them.

The data version is the audit counter: every write through the API, `kb import`, `kb seed`
and the import API records its changes in the same transaction (kb.queries.audit.RECORD),
which bumps `(:Counter {name: 'changes'}).value`; the counter's `epoch` is new whenever the
node is (a wipe deletes it, the next write makes it again from 1). A memoized answer is
kept under (what was asked, with the resolved as-of date and parameters; value; epoch), so
a write makes every earlier answer unreachable at once, and a wiped-and-reloaded database
that happens to reach the same value does not meet the old answers. Each request reads the
counter first (one cheap statement), then either takes the kept answer or computes it.

The version is read before the answer is computed: a write that commits in between gives
an answer at least as new as the version it is kept under, never an older one.
Writes that bypass the audit (Cypher sent to Neo4j directly) are not seen: turn the memo
off (KB_MEMO_SIZE=0) or restart the API after such writes. A database without a counter
(nothing ever written through the audited paths) is never memoized.

Kept answers are shared between requests: callers must not change them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from cachetools import LRUCache
from flask import Flask, current_app

from kb.db import Database
from kb.queries import audit as audit_queries
from kb.settings import Settings

T = TypeVar("T")
_MISSING = object()


class Memo:
    """A bounded LRU of answers keyed by (name, parameters, data version); size 0: off."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._cache: LRUCache[Hashable, Any] = LRUCache(maxsize=max(size, 1))
        # cachetools caches are not thread-safe; gunicorn's gthread workers share this one
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def answer(self, db: Database, name: str, params: Hashable, compute: Callable[[], T]) -> T:
        """The answer kept for (name, params) at the current data version, else compute()'s
        (then kept). `params` must hold everything the answer depends on besides the data."""
        if self.size == 0:
            return compute()
        version = db.read_tx(audit_queries.version)
        if version is None:  # no audited write ever: no version to trust
            return compute()
        key = (name, params, version)
        with self._lock:
            kept = self._cache.get(key, _MISSING)
        if kept is not _MISSING:
            self.hits += 1
            return kept  # type: ignore[no-any-return]
        self.misses += 1
        found = compute()
        with self._lock:
            self._cache[key] = found
        return found

    def clear(self) -> None:
        """Forget every kept answer."""
        with self._lock:
            self._cache.clear()


def init_app(app: Flask, settings: Settings) -> None:
    """Attach an empty memo of KB_MEMO_SIZE answers to the app."""
    app.extensions["kb.memo"] = Memo(settings.memo_size)


def get_memo() -> Memo:
    """The memo of the current app."""
    memo: Memo = current_app.extensions["kb.memo"]
    return memo
