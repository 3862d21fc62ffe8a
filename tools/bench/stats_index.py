"""The index behind /stats (kb/stats_index.py) on a store: what it costs to read and to keep,
what a count costs, and whether it answers as the Cypher counting does.

    .venv/bin/python tools/bench/stats_index.py bolt://127.0.0.1:7790

Prints the time to read every item and the ranking's candidates, to build the sweeps of no
Domain filter, the memory all hold (tracemalloc), then for a few dates and filters the time
of a count from the index (the version read included) and of the Cypher counting
(kb.stats.summary without index), and whether their tables are the same; then for a few
dates the time of the top 10 most connected forces from the index (kb/ranking_index.py)
and in Cypher (kb.queries.stats.most_connected), and whether they are the same.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from collections.abc import Callable
from tempfile import TemporaryDirectory

from kb import stats
from kb.db import Database
from kb.queries import stats as stats_queries
from kb.queries.asof import asof_params
from kb.settings import load_settings
from kb.stats_index import StatsIndex, Sweep

CHECKS: list[tuple[str, list[str] | None]] = [
    ("2026-11-19", None), ("2015-10-08", None), ("2001-01-01", None), ("2015-10-08", ["aerial"]),
    ("2015-10-09", ["aerial"]), ("2015", None), ("2019-06", ["naval"])]
RANKED = ["2026-11-19", "2020-06-30", "2015-10-08", "2015", "2001-01-01", "1990"]


def main() -> None:
    """Measure the index on the store at the URI."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("uri")
    args = parser.parse_args()
    with TemporaryDirectory() as data_dir:
        measure(Database(load_settings({"NEO4J_URI": args.uri, "KB_DATA_DIR": data_dir,
                                        "KB_QUERY_TIMEOUT": "120"})))


def measure(db: Database) -> None:
    """Read, build, count and compare (see the module)."""
    index, read, built = _loaded(db)
    sizes = ", ".join([*(f"{len(k.items)} {label}s" for label, k in index.kinds.items()),
                       f"{len(index.ranking.entities)} candidate Forces"])
    events = sum(len(k.sweeps[None].events) for k in index.kinds.values())
    print(f"read {sizes} in {read:.2f} s; sweeps ({events} breakpoints) built in {built:.2f} s")
    # again under tracemalloc, which slows Python down several times: memory only
    tracemalloc.start()
    held, _, _ = _loaded(db, lambda: print(
        f"memory: items {tracemalloc.get_traced_memory()[0] / 2**20:.1f} MiB, ", end=""))
    gc.collect()
    print(f"with the sweeps {tracemalloc.get_traced_memory()[0] / 2**20:.1f} MiB")
    tracemalloc.stop()
    del held
    for asof, domains in CHECKS:
        started = time.perf_counter()
        got = index.tables(db, asof, domains)
        indexed = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        answer = stats.summary(db, asof, domains, 3)
        cypher = (time.perf_counter() - started) * 1000
        same = got == {"Mechanism": answer["mechanisms"], "Agreement": answer["agreements"]}
        print(f"{asof:>10} {domains!s:>10}: index {indexed:7.1f} ms, Cypher (whole "
              f"/stats) {cypher:7.1f} ms, same tables: {same}")
    for asof in RANKED:
        started = time.perf_counter()
        ranked = index.ranking.top(asof, 10)
        indexed = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        counted = db.read_tx(lambda tx, asof=asof: stats_queries.most_connected(
            tx, "Force", 10, asof_params(asof)))
        cypher = (time.perf_counter() - started) * 1000
        said = "undecided (Cypher)" if ranked is None else f"same ranking: {ranked == counted}"
        print(f"{asof:>10} top 10 forces: index {indexed:5.2f} ms, Cypher {cypher:6.1f} ms, "
              f"{said}")


def _loaded(db: Database, after_read: Callable[[], None] = lambda: None
            ) -> tuple[StatsIndex, float, float]:
    index = StatsIndex()
    started = time.perf_counter()
    db.read_tx(index._refresh)
    read = time.perf_counter() - started
    gc.collect()
    after_read()
    started = time.perf_counter()
    for kind in index.kinds.values():
        kind.sweeps[None] = Sweep(kind.items, None)
    return index, read, time.perf_counter() - started


if __name__ == "__main__":
    main()
