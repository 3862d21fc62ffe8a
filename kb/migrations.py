"""Bring a store written by an earlier version up to what this one reads.

`kb schema apply` runs these steps after the constraints and indexes (as does `kb up`, and
the compose file's `init` at every start). Each step is idempotent: it only touches nodes
that lack what it adds, so a second run writes nothing. It writes in batches of BATCH nodes,
one transaction each, so a large store never needs one big transaction, and a run stopped
part-way is completed by the next. The steps change derived, internal properties only: no
version, no audit entry, no content hash changes (kb.records).
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from kb.db import Database
from kb.model import get_model
from kb.queries import migrations as migration_queries
from kb.records import status_lists

BATCH = 5_000  # nodes per write transaction, as kb.imports' batches


def migrate(db: Database, batch: int = BATCH) -> dict[str, int]:
    """Run every step; {step: nodes it changed}."""
    return {"status lists": add_status_lists(db, batch)}


def add_status_lists(db: Database, batch: int = BATCH) -> int:
    """Give each node that has a status_history but not its status lists (stored before
    kb.records derived them) the lists; how many nodes were changed."""
    total = 0
    for label, kind in get_model().entities.items():
        if "status_history" not in kind.fields:
            continue
        while True:
            rows = db.read_tx(partial(migration_queries.missing_status_lists,
                                      label=label, batch=batch))
            if not rows:
                break
            written = db.write_tx(partial(migration_queries.set_status_lists, label=label,
                                          rows=[_with_lists(r) for r in rows]))
            total += written
            if written == 0:  # none of them took the lists: do not read the same ones again
                break
    return total


def _with_lists(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "history": row["history"], **status_lists(json.loads(row["history"]))}
