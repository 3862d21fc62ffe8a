"""API p50 against its driver floor for some of the bench's endpoints, on a running server:
the timing code of `make bench` (tools/bench/queries.py `time_both`) without its world.

    .venv/bin/python tools/bench/ratios.py 8120 --bolt bolt://127.0.0.1:7791 -n 100 \\
        timeline "entity GET (seed)"

Serve a store the bench left (`kb serve` with rate limits off) and name the rows to time
(all of them when none is named). Prints one line a row: API and floor p50/p95, the ratio.
"""

from __future__ import annotations

import argparse
import http.client
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import neo4j
import queries


def main() -> None:
    """Time the named rows and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("port", type=int)
    parser.add_argument("rows", nargs="*", help="bench rows by name (default: all)")
    parser.add_argument("--bolt", default="bolt://127.0.0.1:7687")
    parser.add_argument("-n", type=int, default=100, help="timed requests a row")
    args = parser.parse_intermixed_args()
    known = {ep.name: ep for ep in queries.endpoints()}
    unknown = [r for r in args.rows if r not in known]
    if unknown:
        parser.error(f"unknown rows {unknown}; known: {list(known)}")
    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=300)
    with neo4j.GraphDatabase.driver(args.bolt, auth=None) as driver:
        for name in args.rows or list(known):
            api, floor = queries.time_both(conn, driver, known[name], args.n)
            (a50, a95), (f50, f95) = queries.percentiles(api), queries.percentiles(floor)
            print(f"{name}: API p50 {a50:.2f} ms (p95 {a95:.2f}), floor p50 {f50:.2f} ms "
                  f"(p95 {f95:.2f}), ratio {a50 / f50:.2f}")


if __name__ == "__main__":
    main()
