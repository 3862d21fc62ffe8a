"""Poll cost of the dashboard statistics against a running server: p50/p95/max per endpoint.

    KB_PORT=8123 .venv/bin/python tools/bench_stats.py             # 200 polls each
    KB_PORT=8123 .venv/bin/python tools/bench_stats.py -n 500 --profile

One client polls each URL in turn over one kept-alive connection, as a dashboard would,
after a few warm-up requests; every answer must be a 200 (or the 304 asked for). With
--profile it also runs the statistics' Cypher under PROFILE against the Neo4j of the
environment (NEO4J_URI, or the local one of KB_NEO4J_BOLT_PORT) and prints the database
hits of each statement.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

HOST = os.environ.get("KB_HOST", "127.0.0.1")
PORT = int(os.environ.get("KB_PORT", "8000"))
URLS = [
    "/api/v1/stats",
    "/api/v1/stats?as_of=2015-10&domain=aerial&top=20",
    "/api/v1/stats/coverage",
    "/api/v1/stats/coverage?level=force",
    "/api/v1/stats/coverage?top=20",
    "/api/v1/stats/coverage?actor=Israel&actor=Russia&actor=United%20States&as_of=2017",
]
WARMUP = 5


def poll(conn: http.client.HTTPConnection, url: str, n: int,
         etag: bool = False) -> list[float]:
    """Milliseconds of n GETs of url (with If-None-Match of the first answer if etag)."""
    headers: dict[str, str] = {}
    times = []
    for i in range(WARMUP + n):
        start = time.perf_counter()
        conn.request("GET", url, headers=headers)
        resp = conn.getresponse()
        resp.read()
        elapsed = (time.perf_counter() - start) * 1000
        expected = 304 if headers else 200
        if resp.status != expected:
            raise SystemExit(f"{url}: HTTP {resp.status}, expected {expected}")
        if etag and not headers:
            headers = {"If-None-Match": resp.headers["ETag"]}
        if i >= WARMUP:
            times.append(elapsed)
    return times


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def profile() -> None:
    """Database hits of each statistics statement, under PROFILE."""
    from kb.db import Database
    from kb.model import get_model
    from kb.queries import stats
    from kb.queries.asof import asof_params
    from kb.queries.coverage import COVERAGE, STATE_ORGANS
    from kb.settings import load_settings

    asof = asof_params("2026-01-01")
    vocabulary = list(get_model().vocabularies["domain"])
    statements: list[tuple[str, str, dict[str, Any]]] = [
        ("counts", stats.counts_query(), {}),
        ("mechanisms", stats.grouped_query("Mechanism"),
         {"domains": None, "vocabulary": vocabulary, **asof}),
        ("agreements", stats.grouped_query("Agreement"),
         {"domains": None, "vocabulary": vocabulary, **asof}),
        ("most connected forces", stats.candidates_query("Force"),
         {"candidates": stats.CANDIDATES["Force"]}),
        ("ended posts of 2 forces", stats.ended_query("Force"),
         {"ids": ["idf", "ru-armed-forces"], **asof}),
        ("relations of 2 forces", stats.relations_query("Force"),
         {"ids": ["idf", "ru-armed-forces"], **asof}),
        ("most connected states", stats.candidates_query("State"),
         {"candidates": stats.CANDIDATES["State"]}),
        ("coverage of 8 states", COVERAGE,
         {"actors": ["RUS", "USA", "IND", "ISR", "CHN", "PAK", "KOR", "TUR"],
          "organs": STATE_ORGANS}),
    ]
    db = Database(load_settings())
    try:
        with db.driver.session(database=db.name) as session:
            for name, query, params in statements:
                summary = session.run("PROFILE " + query, params).consume()  # type: ignore[arg-type]
                print(f"{name:<28} {_hits(summary.profile):>8} db hits")
    finally:
        db.close()


def _hits(plan: dict[str, Any]) -> int:
    return int(plan.get("dbHits", 0)) + sum(_hits(c) for c in plan.get("children", []))


def main() -> None:
    """Poll each URL, print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="polls per URL (default 200)")
    parser.add_argument("--profile", action="store_true", help="also PROFILE the Cypher")
    args = parser.parse_args()
    conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
    print(f"http://{HOST}:{PORT}, {args.n} polls each after {WARMUP} warm-up, one client")
    print(f"{'URL':<78} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
    runs = [(url, False) for url in URLS] + [(URLS[0], True)]
    for url, etag in runs:
        times = poll(conn, url, args.n, etag)
        label = url + (" (If-None-Match: 304)" if etag else "")
        print(f"{label:<78} {statistics.median(times):7.1f} {percentile(times, 95):7.1f} "
              f"{max(times):7.1f}")
    conn.close()
    if args.profile:
        profile()


if __name__ == "__main__":
    main()
