"""`make bench`: per scale, a fresh local Neo4j, the synth world, import rates, query latency
through the API and through the driver, throughput, memory, store size, PROFILE db hits.

    .venv/bin/python tools/bench/run.py --scales 1 10 [--requests 100] [--mix-seconds 20]

Prints one table per scale and writes docs/performance.md (report.py).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import imports  # noqa: E402
import neo4j  # noqa: E402
import queries  # noqa: E402
import report  # noqa: E402
import system  # noqa: E402

KB = [sys.executable, "-m", "kb.cli"]
# the mix: weights as in tools/load/locustfile.py (search, between, graph, entity GETs),
# plus one share each of the heavier analyst pages
MIX = {"search": 4, "between (states)": 2, "between (forces)": 2, "graph": 2,
       "entity GET (seed)": 2, "entity GET (synth)": 2, "dossier": 1, "timeline": 1,
       "paths": 1, "gaps": 1, "stats": 1}


def kb(*args: str) -> str:
    """Run a kb command in the bench environment; its stdout."""
    return subprocess.run([*KB, *args], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout


def _wait_ready(base: str, timeout: float = 180) -> None:  # `kb serve` warms plans first
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the API at {base} was not ready after {timeout:.0f} s")


def _mix(port: int, eps: dict[str, queries.Endpoint], clients: int, seconds: float
         ) -> tuple[int, int]:
    """(requests, errors) of `clients` threads on kept-alive connections for `seconds`."""
    names = [name for name, weight in MIX.items() for _ in range(weight)]
    done, errors = [0] * clients, [0] * clients
    stop = time.monotonic() + seconds

    def client(i: int) -> None:
        rng = random.Random(i)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            try:
                ok = queries.get(conn, eps[rng.choice(names)].url) == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
            done[i] += 1
            errors[i] += not ok
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done), sum(errors)


class Scale:
    """One scale's run: its data dir, ports, processes and figures."""

    def __init__(self, scale: int, workdir: Path, args: argparse.Namespace) -> None:
        self.scale, self.args = scale, args
        self.dir = workdir / f"scale-{scale}"
        shutil.rmtree(self.dir, ignore_errors=True)
        self.bolt, self.port = system.free_port(), system.free_port()
        os.environ.update({
            "KB_DATA_DIR": str(self.dir), "KB_NEO4J_BOLT_PORT": str(self.bolt),
            "KB_PORT": str(self.port), "KB_RATE_LIMIT_ANONYMOUS": "off",
            "KB_RATE_LIMIT_KEYED": "off", "KB_LOG_LEVEL": "WARNING"})
        os.environ.pop("NEO4J_URI", None)
        self.base = f"http://127.0.0.1:{self.port}"
        self.fig: dict[str, Any] = {"scale": scale}
        self.server: subprocess.Popen[bytes] | None = None

    def step(self, what: str) -> None:
        """Say what runs now (stderr: the table stays clean on stdout)."""
        print(f"[scale {self.scale}] {time.strftime('%H:%M:%S')} {what}", file=sys.stderr,
              flush=True)

    def run(self) -> dict[str, Any]:
        """Every measurement of this scale; Neo4j and the server are stopped afterwards."""
        self.step("starting Neo4j, schema, seed, synth")
        kb("neo4j", "start")
        try:
            kb("schema", "apply")
            kb("seed")
            synth = self.dir / "synth"
            kb("synth", "--scale", str(self.scale), "--out", str(synth))
            driver = neo4j.GraphDatabase.driver(
                f"bolt://127.0.0.1:{self.bolt}", auth=("neo4j", ""),
                notifications_min_severity=neo4j.NotificationMinimumSeverity.OFF)
            try:
                self._measure(driver, synth)
            finally:
                driver.close()
        finally:
            self._stop_server()
            kb("neo4j", "stop")
        return self.fig

    def _measure(self, driver: neo4j.Driver, synth: Path) -> None:
        f = self.fig
        f["records"] = sum(1 for _ in imports.records(synth))
        self._warm_up(driver)
        self.step(f"import floor ({f['records']} records)")
        before = imports.state(driver)
        f["floor_s"], _ = imports.timed(imports.floor_import, driver, synth)
        self._wipe(driver, before)
        self._start_server()
        key = kb("keys", "create", "--role", "editor", "--name", "bench").splitlines()[0]
        if self.scale <= self.args.api_import_up_to:
            self.step("import API")
            before = imports.state(driver)
            f["api_import_s"], f["api_largest_body"] = imports.timed(
                imports.api_import, self.base, key, synth)
            self._wipe(driver, before)
        self.step("kb import")
        f["kb_import_s"], _ = imports.timed(imports.kb_import, synth)
        f["nodes"] = driver.execute_query("MATCH (n) RETURN count(n) AS c").records[0]["c"]
        f["relationships"] = driver.execute_query(
            "MATCH ()-[r]->() RETURN count(r) AS c").records[0]["c"]
        self.step("query latency")
        written = driver.execute_query(  # a synth Mechanism (the seed's are left as they are)
            "MATCH (m:Mechanism) WHERE m.id STARTS WITH 'syn-' AND m.ended_on IS NULL "
            "RETURN m.id AS id ORDER BY id LIMIT 1").records[0]["id"]
        eps = {ep.name: ep for ep in queries.endpoints(key, written)}
        f["queries"] = self._latency(driver, eps, self.args.seconds_per_query)
        self.step(f"mix for {self.args.mix_seconds} s, {self.args.clients} clients")
        n, errors = _mix(self.port, eps, self.args.clients, self.args.mix_seconds)
        f["mix"] = {"requests": n, "errors": errors, "seconds": self.args.mix_seconds,
                    "clients": self.args.clients, "workers": int(os.environ.get(
                        "KB_WORKERS", "2"))}
        self.step("memory, store size, PROFILE")
        assert self.server is not None
        f["worker_rss_mb"] = [system.peak_rss_mb(p) for p in system.children(self.server.pid)]
        f["neo4j_rss_mb"] = system.peak_rss_mb(int((self.dir / "neo4j.pid").read_text()))
        f["store_mb"] = system.du_mb(self.dir / "neo4j")
        f["db_hits"] = queries.db_hits(driver)
        if self.args.pagecache_ab and self.scale == max(self.args.scales):
            try:
                self._pagecache_ab(driver, eps)
            except (RuntimeError, OSError, neo4j.exceptions.Neo4jError) as exc:
                # the main figures are taken: keep them, say what failed
                f.setdefault("notes", []).append(f"page cache comparison failed: {exc}")

    def _latency(self, driver: neo4j.Driver, eps: dict[str, queries.Endpoint],
                 budget_s: float) -> dict[str, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        out = {}
        if "healthz_ms" not in self.fig:  # once a scale (not again for the page cache run)
            # what any request costs before the database is asked: the fixed share of a p50
            self.fig["healthz_ms"] = queries.percentiles(
                queries.time_get(conn, "/healthz", self.args.requests))
        for name, ep in eps.items():
            api, floor = queries.time_both(conn, driver, ep, self.args.requests, budget_s)
            out[name] = {"api": queries.percentiles(api), "floor": queries.percentiles(floor),
                         "n": len(api)}
        conn.close()
        return out

    def _pagecache_ab(self, driver: neo4j.Driver, eps: dict[str, queries.Endpoint]) -> None:
        """The queries again on the same store with Neo4j restarted with another page cache."""
        mb = self.args.pagecache_ab
        self.step(f"page cache {mb} MiB: restarting Neo4j, query latency again")
        self._stop_server()
        kb("neo4j", "stop")
        os.environ["KB_NEO4J_PAGECACHE_MB"] = str(mb)
        try:
            kb("neo4j", "start")
        finally:
            os.environ.pop("KB_NEO4J_PAGECACHE_MB")
        driver.close()
        driver = neo4j.GraphDatabase.driver(
            f"bolt://127.0.0.1:{self.bolt}", auth=("neo4j", ""),
            notifications_min_severity=neo4j.NotificationMinimumSeverity.OFF)
        try:
            self._start_server()
            self._wait_answering(next(iter(eps.values())).url)
            self.fig["pagecache_ab"] = {"mb": mb, "queries": self._latency(
                driver, eps, self.args.seconds_per_query / 2)}
            self.fig["pagecache_ab"]["neo4j_rss_mb"] = system.peak_rss_mb(
                int((self.dir / "neo4j.pid").read_text()))
        finally:
            driver.close()

    def _warm_up(self, driver: neo4j.Driver) -> None:
        """Write (and wipe) a scale-1 world with the floor's statements first: the floor is
        timed first, and would otherwise pay for the freshly started database's warm-up
        (compiling the statements, the JIT), which the imports timed after it do not."""
        self.step("warm-up: floor of a scale-1 world, untimed")
        warm = self.dir / "warm-up"
        kb("synth", "--scale", "1", "--out", str(warm))
        before = imports.state(driver)
        imports.floor_import(driver, warm)
        self._wipe(driver, before)

    def _wipe(self, driver: neo4j.Driver, before: tuple[int, int]) -> None:
        self.step("wiping the synth records")
        left = imports.wipe_synth(driver, before[1])
        if left != before[0]:  # the next import would not start from the same store: say so
            self.fig.setdefault("notes", []).append(
                f"after a wipe {left} nodes were left, {before[0]} before the import")

    def _wait_answering(self, url: str, timeout: float = 120) -> None:
        # a restarted Neo4j may answer /readyz before its database serves queries
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}{url}", timeout=30) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

    def _start_server(self) -> None:
        log = (self.dir / "gunicorn.log").open("ab")
        self.server = subprocess.Popen([*KB, "serve"], cwd=ROOT, stdout=log,
                                       stderr=subprocess.STDOUT)
        log.close()
        _wait_ready(self.base)

    def _stop_server(self) -> None:
        if self.server and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            self.server.wait(timeout=60)


def main() -> None:
    """Run each scale, print its table, write docs/performance.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--requests", type=int, default=100, help="timed requests a query")
    parser.add_argument("--seconds-per-query", type=float, default=60,
                        help="stop timing a query after this long (at least 20 timed requests)")
    parser.add_argument("--api-import-up-to", type=int, default=10, help="time the import API "
                        "at scales up to this one (it runs kb.imports as `kb import` does)")
    parser.add_argument("--pagecache-ab", type=int, default=0, metavar="MB", help="at the "
                        "largest scale, time the queries again with this page cache")
    parser.add_argument("--mix-seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=4, help="threads in the mix")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "kb-bench")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--report-only", action="store_true", help="measure nothing: write "
                        "the document again from the figures a run left in --workdir")
    args = parser.parse_args()
    results = []
    for scale in args.scales:
        saved = args.workdir / f"scale-{scale}.json"
        if args.report_only:
            results.append(json.loads(saved.read_text()))
            continue
        started = time.monotonic()
        fig = Scale(scale, args.workdir, args).run()
        fig["wall_s"] = time.monotonic() - started
        results.append(fig)
        print(report.table(fig), flush=True)
        saved.write_text(json.dumps(fig, indent=1))
    command = "make bench SCALES=\"" + " ".join(map(str, args.scales)) + "\""
    if args.pagecache_ab:
        command += f' BENCH_ARGS="--pagecache-ab {args.pagecache_ab}"'
    args.out.write_text(report.document(results, command))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
