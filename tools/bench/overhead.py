"""What one of the bench's endpoints adds to its reads, in-process, without HTTP:

    .venv/bin/python tools/bench/overhead.py bolt://127.0.0.1:7790 timeline [-n 750]

For a row of tools/bench/queries.py (its name, e.g. `timeline` or `entity GET (seed)`),
times in one loop, alternating so that load from elsewhere weighs on all alike:
- the floor: the row's Cypher through the driver alone (Endpoint.run_floor);
- the same lookups and statements through kb.db (Database.read_tx), as the API runs them;
- the whole request through Flask's test client (no gunicorn, no socket);
- `GET /healthz` through the test client (what any request costs Flask and the hooks).
Prints the p50 of each and what the request adds to the reads. The API's settings are the
bench's (rate limits off, no warm-up).

With `--replay`, times instead the request with the database's answers recorded once and
replayed (tools/bench/replay.py), against /healthz: the API's own Python for that request,
without Neo4j's time or the noise of its round trips.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from tempfile import TemporaryDirectory
from typing import Any

import neo4j
import queries
from replay import Replayer

from kb import create_app
from kb.db import get_db
from kb.queries import lookup
from kb.settings import load_settings
from kb.text import normalize

WARMUP = 50


def main() -> None:
    """Time the four in alternation and print their p50s."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("uri")
    parser.add_argument("endpoint", help="a row name of tools/bench/queries.py")
    parser.add_argument("-n", type=int, default=750, help="timed rounds")
    parser.add_argument("--replay", action="store_true",
                        help="time the request with the database's answers replayed")
    args = parser.parse_args()
    rows = {e.name: e for e in queries.endpoints()}
    if args.endpoint not in rows:
        raise SystemExit(f"no row {args.endpoint!r}; one of: {', '.join(rows)}")
    with TemporaryDirectory() as data_dir:
        settings = load_settings({"NEO4J_URI": args.uri, "KB_DATA_DIR": data_dir,
                                  "KB_RATE_LIMIT_ANONYMOUS": "off",
                                  "KB_RATE_LIMIT_KEYED": "off", "KB_WARMUP": "off"})
        if args.replay:
            print(replayed(rows[args.endpoint], settings, args.n))
        else:
            print(measure(rows[args.endpoint], settings, args.uri, args.n))


def measure(row: queries.Endpoint, settings: Any, uri: str, rounds: int) -> str:
    """The p50s of the floor, kb.db, the request and /healthz, as lines of text."""
    app = create_app(settings)
    client = app.test_client()
    with app.app_context():
        db = get_db()
    driver = neo4j.GraphDatabase.driver(uri)

    def through_kb() -> None:
        def all_in_one(tx: neo4j.ManagedTransaction) -> list[Any]:
            for name in row.names:
                lookup.lookup(tx, name, normalize(name), row.kinds)
            return [work(tx) for work in row.transactions]
        db.read_tx(all_in_one)

    def request(url: str) -> Callable[[], None]:
        def get() -> None:
            answer = client.get(url)
            assert answer.status_code == 200, (url, answer.status_code)
        return get

    steps = {"floor (driver alone)": lambda: row.run_floor(driver),
             "the same reads through kb.db": through_kb,
             f"GET {row.url} (test client)": request(row.url),
             "GET /healthz (test client)": request("/healthz")}
    times: dict[str, list[float]] = {name: [] for name in steps}
    for i in range(WARMUP + rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            if i >= WARMUP:
                times[name].append((time.perf_counter() - start) * 1000)
    driver.close()
    p50 = {name: statistics.median(ms) for name, ms in times.items()}
    reads, whole, bare = (p50[name] for name in list(p50)[1:])
    lines = [f"{row.name}: p50 of {rounds} rounds, ms"]
    lines += [f"  {name:<60} {ms:7.2f}" for name, ms in p50.items()]
    lines.append(f"  the request adds to its reads through kb.db: {whole - reads:.2f} ms; "
                 f"/healthz alone {bare:.2f} ms")
    return "\n".join(lines)


def replayed(row: queries.Endpoint, settings: Any, rounds: int) -> str:
    """The p50s of the request with its reads replayed and of /healthz, as lines of text."""
    app = create_app(settings)
    client = app.test_client()
    with app.app_context():
        replayer = Replayer(get_db())
    replayer.record()
    recorded = client.get(row.url)
    assert recorded.status_code == 200, row.url
    replayer.stock(WARMUP + rounds + 1)
    replayer.replay()
    # the replay is faithful: the same answer, byte for byte
    assert client.get(row.url).get_data() == recorded.get_data(), row.url
    urls = {f"GET {row.url} (reads replayed)": row.url, "GET /healthz": "/healthz"}
    times: dict[str, list[float]] = {name: [] for name in urls}
    for i in range(WARMUP + rounds):
        for name, url in urls.items():
            start = time.perf_counter()
            answer = client.get(url)
            elapsed = (time.perf_counter() - start) * 1000
            assert answer.status_code == 200, (url, answer.status_code, answer.get_data())
            if i >= WARMUP:
                times[name].append(elapsed)
    p50 = {name: statistics.median(ms) for name, ms in times.items()}
    lines = [f"{row.name}: p50 of {rounds} rounds in Flask's test client, no database, ms"]
    lines += [f"  {name:<60} {ms:7.2f}" for name, ms in p50.items()]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
