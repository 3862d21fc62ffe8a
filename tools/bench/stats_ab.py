"""Cold GET /api/v1/stats on two running servers (say main and a branch, on one Neo4j), asked
in alternation, each request at a new as_of, so that neither memo (kb.memo) answers:

    .venv/bin/python tools/bench/stats_ab.py 8731 8732 -n 20 --offset 1000
    .venv/bin/python tools/bench/stats_ab.py 8731 8732 --path /api/v1/stats/coverage \
        --query '&top=20'

`--path` times another memoized answer the same way (/stats/coverage, /gaps).

Dates go back one day per request from `offset` days before yesterday (use a new offset for
each run against the same servers: a date already asked is answered from the memo). Prints
the p50, min and max of each server and whether their answers were the same.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import time
from datetime import date, timedelta

WARMUP = 3


def get(conn: http.client.HTTPConnection, url: str) -> tuple[int, bytes]:
    """GET url on a kept-alive connection: (status, body). gunicorn closes a connection left
    idle longer than its keep-alive (while the other server answered two slow requests):
    connect again, once."""
    try:
        conn.request("GET", url)
        answer = conn.getresponse()
    except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
        conn.close()
        conn.request("GET", url)
        answer = conn.getresponse()
    return answer.status, answer.read()


def main() -> None:
    """Time the two servers in alternation and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ports", type=int, nargs=2)
    parser.add_argument("-n", type=int, default=20, help="timed requests per server")
    parser.add_argument("--offset", type=int, default=0, help="days before yesterday to start")
    parser.add_argument("--path", default="/api/v1/stats", help="the endpoint asked")
    parser.add_argument("--query", default="", help="more parameters, e.g. '&domain=aerial'")
    args = parser.parse_args()
    conns = [http.client.HTTPConnection("127.0.0.1", p, timeout=300) for p in args.ports]
    times: list[list[float]] = [[], []]
    bodies: list[list[object]] = [[], []]
    for i in range(WARMUP + args.n):
        day = (date.today() - timedelta(days=1 + args.offset + i)).isoformat()
        for k in ((0, 1) if i % 2 == 0 else (1, 0)):  # who goes first alternates
            url = f"{args.path}?as_of={day}{args.query}"
            start = time.perf_counter()
            status, body = get(conns[k], url)
            ms = (time.perf_counter() - start) * 1000
            if status != 200:
                raise SystemExit(f"port {args.ports[k]}: HTTP {status} {body[:300]!r}")
            if i >= WARMUP:
                times[k].append(ms)
            bodies[k].append(json.loads(body))
    for port, ms_list in zip(args.ports, times, strict=True):
        print(f"port {port}: n={len(ms_list)} p50 {statistics.median(ms_list):.1f} ms, "
              f"min {min(ms_list):.1f}, max {max(ms_list):.1f}")
    print("same answers:", bodies[0] == bodies[1])


if __name__ == "__main__":
    main()
