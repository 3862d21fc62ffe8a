"""The check step of an import alone, timed, with the peak memory of the process:

    .venv/bin/python tools/bench/check_memory.py bolt://127.0.0.1:7687 /tmp/world [--workers 1]

Runs kb.imports.check (validation and every reference resolved, nothing written) on the
.ndjson files of a directory (`kb synth --out`) against the Neo4j at the URI, which should
hold what the files refer to (`kb seed`), and prints the records, the seconds and the
process's peak RSS (VmHWM) before and after. `--workers 1` checks in the process, as the
import API does; more, in worker processes as `kb import` does (their memory is not counted).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from kb import imports
from kb.db import Database
from kb.settings import load_settings


def peak_rss_mib() -> float:
    """The peak resident memory of this process so far (VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def main() -> None:
    """Check the world's files once and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("uri")
    parser.add_argument("world", type=Path)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as spill:
        db = Database(load_settings({"NEO4J_URI": args.uri, "KB_DATA_DIR": spill}))
        db.ping()
        before = peak_rss_mib()
        start = time.perf_counter()
        checked = imports.check(db, sorted(args.world.glob("*.ndjson")), Path(spill),
                                workers=args.workers)
        seconds = time.perf_counter() - start
        checked.index.close()
        db.close()
    print(f"checked {checked.total:,} records in {seconds:.1f} s with {args.workers} "
          f"worker(s); peak RSS {before:.0f} MiB before, {peak_rss_mib():.0f} MiB after")


if __name__ == "__main__":
    main()
