"""Where the time of `kb import` goes, next to the driver floor, on a running Neo4j:

    .venv/bin/python tools/bench/import_phases.py bolt://127.0.0.1:7687 /tmp/world \
        [--rounds 2] [--without-audit]

Per round: the floor (tools/bench/imports.py `floor_import`), then the import as `kb import`
runs it (kb.imports.check with two worker processes, then kb.imports.write), each followed
by a wipe of the synth records. The import's statements are timed by kind (the lock and
kind read, the entity and relation MERGEs, the acyclic check, the audit entries) and so are
the commits (the driver's, of every transaction). `--without-audit` adds a round kind that
writes no audit entries: not a mode of the product (every write is audited), a bound on what
any cheaper audit trail could gain. The world (`kb synth --out`) must not be in the store;
the store should hold what it refers to (`kb seed`).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import neo4j
from neo4j._sync.work.transaction import TransactionBase

sys.path.insert(0, str(Path(__file__).resolve().parent))

import imports as bench_imports

from kb import imports
from kb.db import Database
from kb.model import ENTITY_LABEL
from kb.queries import audit as audit_queries
from kb.queries import trusted, writes
from kb.settings import load_settings

Seconds = defaultdict[str, float]
# (module, function, row of the table) of what is timed inside the write step
TIMED = ((writes, "lock_kinds_of", "lock and kinds of the ids referred to"),
         (writes, "merge_entities", "entity MERGEs"),
         (writes, "merge_relations", "relation MERGEs"),
         (writes, "cycles_through", "acyclic checks"),
         (audit_queries, "record", "audit entries"),
         (TransactionBase, "_commit", "commits"))


@contextmanager
def timers(seconds: Seconds, without_audit: bool) -> Iterator[None]:
    """Add the time of each TIMED function to `seconds` meanwhile (and, without audit,
    leave the audit statement out)."""
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in TIMED]

    def wrap(row: str, work: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return work(*args, **kwargs)
            finally:
                seconds[row] += time.perf_counter() - start
        return timed

    for (owner, name, row), (_, _, work) in zip(TIMED, saved, strict=True):
        skipped = without_audit and owner is audit_queries
        setattr(owner, name, wrap(row, (lambda *a, **k: None) if skipped else work))
    try:
        yield
    finally:
        for owner, name, work in saved:
            setattr(owner, name, work)


def import_round(db: Database, world: Path, without_audit: bool) -> Seconds:
    """Seconds of the check, of the write and of each TIMED row, of one import."""
    seconds: Seconds = defaultdict(float)
    paths = sorted(world.glob("*.ndjson"))
    with tempfile.TemporaryDirectory(prefix="kb-phases-") as spill:
        start = time.perf_counter()
        checked = imports.check(db, paths, Path(spill), workers=2)
        seconds["check step"] = time.perf_counter() - start
        try:
            with timers(seconds, without_audit):
                start = time.perf_counter()
                imports.write(db, checked)
                seconds["write step"] = time.perf_counter() - start
        finally:
            checked.index.close()
    return seconds


def synth_nodes(driver: neo4j.Driver) -> int:
    """How many synth entities the store holds."""
    records = driver.execute_query(trusted(
        f"MATCH (n:{ENTITY_LABEL}) WHERE n.id STARTS WITH $prefix RETURN count(n) AS n"),
        prefix=bench_imports.SYNTH_PREFIX).records
    return int(records[0]["n"])


def main() -> None:
    """Run the rounds and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("uri")
    parser.add_argument("world", type=Path)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--without-audit", action="store_true")
    args = parser.parse_args()
    driver = neo4j.GraphDatabase.driver(args.uri, auth=("neo4j", ""))
    db = Database(load_settings({"NEO4J_URI": args.uri}))
    columns: list[tuple[str, Seconds]] = []
    kinds = [False, True] if args.without_audit else [False]
    try:
        if synth_nodes(driver):
            sys.exit(f"{args.uri} holds synth records already: the rounds would not start "
                     "from the same store (delete them, or use a fresh one)")
        for n in range(1, args.rounds + 1):
            _, seq = bench_imports.state(driver)
            floor_s, records = bench_imports.timed(bench_imports.floor_import, driver, args.world)
            bench_imports.wipe_synth(driver, seq)
            for without_audit in kinds:
                seconds = import_round(db, args.world, without_audit)
                seconds["floor"] = floor_s
                bench_imports.wipe_synth(driver, seq)
                columns.append((f"round {n}{' no audit' if without_audit else ''}", seconds))
    finally:
        db.close()
        driver.close()
    print(f"{records:,} records of {args.world}; seconds")
    rows = ["floor", "check step", "write step", *(row for _, _, row in TIMED)]
    print("| | " + " | ".join(name for name, _ in columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for row in rows:
        print(f"| {row} | " + " | ".join(f"{c[row]:.1f}" for _, c in columns) + " |")
    print("| import's records/s, of the floor's | " + " | ".join(
        f"{c['floor'] / (c['check step'] + c['write step']):.0%}" for _, c in columns) + " |")


if __name__ == "__main__":
    main()
