"""The ids an import has met, kept on disk so that the check's memory stays bounded.

The check of an import (kb.imports) must know, for every entity of the files, its kind and
content hash (an id given twice must be the same record), and every id the records refer to
(each must exist, in the files or in the database, of a kind the reference allows). Held in
dicts, that cost some 600 bytes an id: 207 MiB for the 338,000 entities of the scale-100
world. Here the ids live in a SQLite file in the import's spill directory, read and written
a chunk of records at a time, and SQLite's page cache (CACHE_KIB) bounds what stays in
memory.

Each call is one SQLite statement that takes its ids as one JSON text and gives its answer
as one JSON text: Python's sqlite3 lets go of the GIL at every row it steps through, and
while another thread checks the next chunk, taking the GIL back costs up to 5 ms a row.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

CACHE_KIB = 32 * 1024  # SQLite's page cache, the index's share of memory
_TABLES = """
CREATE TABLE entities (id TEXT PRIMARY KEY, kind TEXT NOT NULL, digest TEXT NOT NULL)
    WITHOUT ROWID;
CREATE TABLE referred (id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE stored (id TEXT PRIMARY KEY, kind TEXT NOT NULL) WITHOUT ROWID;
"""
_SEEN = """SELECT json_group_object(id, json_array(kind, digest)) FROM entities
           WHERE id IN (SELECT value FROM json_each(?))"""
_ADD = """INSERT INTO entities SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),
                                    json_extract(value, '$[2]') FROM json_each(?)"""
_REFER = "INSERT OR IGNORE INTO referred SELECT value FROM json_each(?)"
_NOTE_STORED = "INSERT OR IGNORE INTO stored SELECT key, value FROM json_each(?)"
# the import's own kind first, else the database's
_KNOWN_KINDS = """SELECT json_group_object(i.value, coalesce(e.kind, s.kind)) FROM json_each(?) i
                  LEFT JOIN entities e ON e.id = i.value LEFT JOIN stored s ON s.id = i.value
                  WHERE coalesce(e.kind, s.kind) IS NOT NULL"""
_ENTITY_KINDS = """SELECT json_group_object(id, kind) FROM entities
                   WHERE id IN (SELECT value FROM json_each(?))"""
_OUTSIDE = """SELECT id FROM referred r
              WHERE NOT EXISTS (SELECT 1 FROM entities e WHERE e.id = r.id) ORDER BY id"""


class IdIndex:
    """Entities of the import (id, kind, content hash), the ids its records refer to, and
    the kinds the database gives the referred ids that are not in the import."""

    def __init__(self, path: Path) -> None:
        # a scratch file, deleted with the spill directory: no journal, no syncing; each
        # statement is its own transaction
        self._db = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode = OFF", "synchronous = OFF",
                       f"cache_size = -{CACHE_KIB}", "temp_store = FILE"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.executescript(_TABLES)

    def close(self) -> None:
        """Close the SQLite file."""
        self._db.close()

    def seen(self, ids: list[str]) -> dict[str, tuple[str, str]]:
        """(kind, content hash) of those of `ids` already in the import."""
        return {i: (kind, digest) for i, (kind, digest) in self._answer(_SEEN, ids).items()}

    def add(self, entities: list[tuple[str, str, str]]) -> None:
        """Note entities (id, kind, content hash) new to the import."""
        self._db.execute(_ADD, (json.dumps(entities),))

    def refer(self, ids: list[str]) -> None:
        """Note ids that records refer to."""
        self._db.execute(_REFER, (json.dumps(ids),))

    def note_stored(self, kinds: Mapping[str, str]) -> None:
        """Note the kinds the database gives ids that are not in the import."""
        self._db.execute(_NOTE_STORED, (json.dumps(kinds),))

    def outside(self) -> Iterator[str]:
        """The referred ids that are no entity of the import, in id order."""
        for (i,) in self._db.execute(_OUTSIDE):
            yield i

    def entities(self) -> Iterator[tuple[str, str]]:
        """(id, kind) of every entity of the import, in id order."""
        yield from self._db.execute("SELECT id, kind FROM entities ORDER BY id")

    def entity_kinds(self, ids: list[str]) -> dict[str, str]:
        """The kinds of those of `ids` that are entities of the import."""
        return self._answer(_ENTITY_KINDS, ids)

    def kinds_of(self, ids: list[str]) -> dict[str, str]:
        """The kinds of those of `ids` that are known: in the import, else in the database."""
        return self._answer(_KNOWN_KINDS, ids)

    def _answer(self, query: str, ids: list[str]) -> dict[str, Any]:
        (text,) = self._db.execute(query, (json.dumps(ids),)).fetchone()
        answer: dict[str, Any] = json.loads(text)
        return answer
