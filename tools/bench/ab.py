"""One GET URL on two running servers (say main and a branch, on one Neo4j), asked in
alternation on kept-alive connections, so that load from elsewhere weighs on both alike:

    .venv/bin/python tools/bench/ab.py 8731 8732 '/api/v1/graph?center=idf' -n 300

Prints the p50, min and max of each server and whether every body was the same byte for
byte. For cold /stats (a new as_of each request) use stats_ab.py.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import time

WARMUP = 10


def main() -> None:
    """Time the two servers in alternation and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ports", type=int, nargs=2)
    parser.add_argument("url")
    parser.add_argument("-n", type=int, default=200, help="timed requests per server")
    args = parser.parse_args()
    conns = [http.client.HTTPConnection("127.0.0.1", p, timeout=300) for p in args.ports]
    times: list[list[float]] = [[], []]
    bodies: list[set[bytes]] = [set(), set()]
    for i in range(WARMUP + args.n):
        for k in ((0, 1) if i % 2 == 0 else (1, 0)):  # who goes first alternates
            start = time.perf_counter()
            conns[k].request("GET", args.url, headers={"Accept-Encoding": "identity"})
            answer = conns[k].getresponse()
            body = answer.read()
            ms = (time.perf_counter() - start) * 1000
            if answer.status != 200:
                raise SystemExit(f"port {args.ports[k]}: HTTP {answer.status} {body[:300]!r}")
            if i >= WARMUP:
                times[k].append(ms)
            bodies[k].add(body)
    for port, ms_list in zip(args.ports, times, strict=True):
        print(f"port {port}: n={len(ms_list)} p50 {statistics.median(ms_list):.2f} ms, "
              f"min {min(ms_list):.2f}, max {max(ms_list):.2f}")
    print("same bodies:", len(bodies[0]) == 1 and bodies[0] == bodies[1])


if __name__ == "__main__":
    main()
