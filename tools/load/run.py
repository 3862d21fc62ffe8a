"""Load run against a running `make run`: 60 s of the locustfile mix, then the figures.

    .venv/bin/python tools/load/run.py               # steady run
    .venv/bin/python tools/load/run.py --outage      # Neo4j stopped for 10 s mid-run

Prints requests/s, latency percentiles, and failures by kind ("503" vs anything else).
With --outage it also prints when Neo4j went down and came back, and how long after that
the first successful request came.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KB = [sys.executable, "-m", "kb.cli"]
HOST = f"http://{os.environ.get('KB_HOST', '127.0.0.1')}:{os.environ.get('KB_PORT', '8000')}"


def kb(*args: str) -> str:
    return subprocess.run([*KB, *args], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout


def prepare() -> str:
    with urllib.request.urlopen(f"{HOST}/readyz", timeout=5) as resp:
        assert resp.status == 200, "start the service first: make run"
    key = kb("keys", "create", "--role", "editor", "--name", "load test").splitlines()[0]
    place = {"entity": "Place", "id": "load-test-place", "name": "Load test place",
             "kind": "region", "sources": ["iso-3166"]}
    with tempfile.NamedTemporaryFile("w", suffix=".ndjson", delete=False) as fh:
        fh.write(json.dumps(place) + "\n")
    kb("import", fh.name)
    return key


def outage(events: dict[str, float], start_after: float, down_for: float) -> None:
    time.sleep(start_after)
    events["stop_requested"] = time.time()
    kb("neo4j", "stop")
    events["stopped"] = time.time()
    time.sleep(down_for)
    events["start_requested"] = time.time()
    kb("neo4j", "start")
    events["started"] = time.time()
    while True:  # when does the API answer again, without being restarted?
        try:
            with urllib.request.urlopen(f"{HOST}/api/v1/forces/idf", timeout=5) as resp:
                if resp.status == 200:
                    events["api_answers_again"] = time.time()
                    return
        except OSError:
            pass
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--outage", action="store_true")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    key = prepare()
    events: dict[str, float] = {}
    stopper = threading.Thread(target=outage, args=(events, 20, 10)) if args.outage else None
    out = Path(tempfile.mkdtemp()) / "load"
    started = time.time()
    if stopper:
        stopper.start()
    locustfile = str(Path(__file__).with_name("locustfile.py"))
    command = [sys.executable, "-m", "locust", "-f", locustfile, "--headless",
               "-u", str(args.users), "-r", str(args.users), "-t", f"{args.seconds}s",
               "--host", HOST, "--csv", str(out), "--only-summary", "--loglevel", "WARNING"]
    subprocess.run(command, env={**os.environ, "KB_LOAD_KEY": key}, cwd=ROOT, check=False)
    if stopper:
        stopper.join()
    report(out, started, events)


def report(out: Path, started: float, events: dict[str, float]) -> None:
    with open(f"{out}_stats.csv") as fh:
        rows = {r["Name"]: r for r in csv.DictReader(fh)}
    total = rows["Aggregated"]
    print(f"\nrequests: {total['Request Count']}, requests/s: {float(total['Requests/s']):.1f}, "
          f"p50 {total['50%']} ms, p95 {total['95%']} ms, p99 {total['99%']} ms, "
          f"failures: {total['Failure Count']}")
    for name, r in rows.items():
        if name != "Aggregated":
            print(f"  {name:<20} {r['Request Count']:>6} req  p50 {r['50%']:>5} ms  "
                  f"p95 {r['95%']:>5} ms  p99 {r['99%']:>5} ms  failures {r['Failure Count']}")
    with open(f"{out}_failures.csv") as fh:
        for r in csv.DictReader(fh):
            print(f"  failure {r['Error']!r} on {r['Name']}: {r['Occurrences']}")
    for name, at in events.items():
        print(f"  {name:<18} t+{at - started:5.1f} s")
    if "api_answers_again" in events:
        print(f"  recovery: {events['api_answers_again'] - events['started']:.1f} s after "
              "Neo4j was ready again")


if __name__ == "__main__":
    main()
