"""Import rate only, quickly: the driver floor and `kb import`, back to back, on a local Neo4j.

    .venv/bin/python tools/bench/import_only.py --scale 10 [--from /tmp/syn10] [--repeat 2]
        [--batch-size 2500 5000 10000] [--compare /path/to/a/checkout/of/main]

Starts its own Neo4j on a free port with a temporary KB_DATA_DIR (schema, seed), writes the
synth world (`kb synth --scale N`, or copies the files of --from), then per round: times the
floor (tools/bench/imports.py `floor_import`), wipes the synth records, times `kb import`,
wipes again, and prints records/s and the ratio. The machine is shared: figures are noisy,
so rounds alternate floor and import. `--batch-size` runs `kb import` with another
kb.imports.BATCH_SIZE (to choose it by measurement); `--compare CHECKOUT` times the `kb import`
of another checkout too, in the same rounds (before/after figures under the same load).
Neo4j is stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import imports  # noqa: E402
import neo4j  # noqa: E402
import system  # noqa: E402

KB = [sys.executable, "-m", "kb.cli"]


def kb(*args: str) -> str:
    """Run a kb command in this environment; its stdout."""
    return subprocess.run([*KB, *args], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout


def kb_import(directory: Path, batch_size: int | None, checkout: Path = ROOT) -> None:
    """`kb import DIR` in its own process, with the kb package of `checkout` and
    kb.imports.BATCH_SIZE = batch_size if given."""
    code = ("import sys, kb.imports as m; m.BATCH_SIZE = int(sys.argv[1] or m.BATCH_SIZE); "
            "from kb.cli import main; main(['import', sys.argv[2]])")
    done = subprocess.run([sys.executable, "-c", code, str(batch_size or ""), str(directory)],
                          cwd=checkout, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"kb import failed:\n{done.stderr[-3000:]}")


def main() -> None:
    """Start Neo4j, load the synth world, time floor and kb import, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--from", dest="source", type=Path,
                        help="existing synth files to copy (not modified)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of floor + kb import")
    parser.add_argument("--batch-size", type=int, nargs="+", default=[None],
                        help="kb.imports.BATCH_SIZE for kb import (several: each is timed "
                             "in each round)")
    parser.add_argument("--compare", type=Path, metavar="CHECKOUT",
                        help="also time `kb import` with the kb package of another checkout "
                             "(e.g. a `git worktree` of main) in each round")
    parser.add_argument("--keep-last", action="store_true",
                        help="leave the last import in the database (no final wipe)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kb-import-bench-"))
    bolt = system.free_port()
    os.environ.update({"KB_DATA_DIR": str(workdir), "KB_NEO4J_BOLT_PORT": str(bolt),
                       "KB_PORT": str(system.free_port()), "KB_LOG_LEVEL": "WARNING"})
    os.environ.pop("NEO4J_URI", None)
    synth = workdir / "synth"
    kb("neo4j", "start")
    try:
        kb("schema", "apply")
        kb("seed")
        if args.source:
            shutil.copytree(args.source, synth)
        else:
            kb("synth", "--scale", str(args.scale), "--out", str(synth))
        n = sum(1 for _ in imports.records(synth))
        driver = neo4j.GraphDatabase.driver(
            f"bolt://127.0.0.1:{bolt}", auth=("neo4j", ""),
            notifications_min_severity=neo4j.NotificationMinimumSeverity.OFF)
        print(f"scale {args.scale}: {n} records", flush=True)
        try:
            for rnd in range(1, args.repeat + 1):
                before = imports.state(driver)
                floor_s, _ = imports.timed(imports.floor_import, driver, synth)
                imports.wipe_synth(driver, before[1])
                line = f"round {rnd}: floor {n / floor_s:,.0f} rec/s ({floor_s:.1f} s)"
                checkouts = [(f"kb import{f' batch {b}' if b else ''}", ROOT, b)
                             for b in args.batch_size]
                if args.compare:
                    checkouts.append((f"kb import of {args.compare}", args.compare.resolve(),
                                      None))
                for i, (name, checkout, batch) in enumerate(checkouts):
                    kb_s, _ = imports.timed(kb_import, synth, batch, checkout)
                    last = rnd == args.repeat and i == len(checkouts) - 1
                    if not (args.keep_last and last):
                        left = imports.wipe_synth(driver, before[1])
                        if left != before[0]:
                            print(f"  note: {left} nodes left after the wipe, {before[0]} before")
                    line += (f", {name} {n / kb_s:,.0f} rec/s ({kb_s:.1f} s, "
                             f"ratio {floor_s / kb_s:.0%})")
                print(f"{line}  [{time.strftime('%H:%M:%S')}]", flush=True)
        finally:
            driver.close()
    finally:
        kb("neo4j", "stop")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
