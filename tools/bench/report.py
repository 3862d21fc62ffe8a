"""The bench's figures as text: one table per scale, and docs/performance.md."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

GROWTH = ("between (states)", "between (forces)", "search", "entity GET (seed)",
          "entity GET (synth)")
# judged warm (polled: the memo answers) and cold (a new as_of: the queries run)
SLOW_OK = ("gaps", "gaps (cold)", "stats", "stats (cold)", "stats (after a write)",
           "stats/coverage, top 20 (cold)")
# pages of lists: timed like the rest, but not analyst queries, so outside the 1.5x target
LISTS = ("forces, page 20", "relations, page 20", "relations on a day, page 20")
# rows whose growth is shown without a target: the lists, and the GET of a hub whose
# relations grow with the world (within the 1.5x target at scale 10 like every GET)
GROWTH_SHOWN = (*LISTS, "entity GET (a State)")
# hand-written: what the figures led to, and what they did not justify
CHANGES = Path(__file__).with_name("changes.md")


def _rate(fig: dict[str, Any], key: str) -> float:
    return float(fig["records"] / fig[key])


def table(fig: dict[str, Any]) -> str:
    """One scale's figures as a Markdown table block."""
    floor = _rate(fig, "floor_s")
    lines = [
        f"### Scale {fig['scale']}: {fig['records']:,} synth records; store holds "
        f"{fig['nodes']:,} nodes, {fig['relationships']:,} relationships",
        "",
        "| import | seconds | records/s | of floor |",
        "|---|---:|---:|---:|",
    ]
    for label, key in (("driver UNWIND MERGE (floor)", "floor_s"), ("`kb import`", "kb_import_s"),
                       ("POST /api/v1/import", "api_import_s")):
        if key not in fig:
            lines.append(f"| {label} | not run at this scale | | |")
            continue
        rate = _rate(fig, key)
        lines.append(f"| {label} | {fig[key]:.1f} | {rate:,.0f} | {rate / floor:.0%} |")
    lines += ["", "| query | timed | API p50 ms | API p95 ms | driver p50 ms | driver p95 ms | "
                  "p50 ratio |", "|---|---:|---:|---:|---:|---:|---:|"]
    for name, q in fig["queries"].items():
        (a50, a95), (f50, f95) = q["api"], q["floor"]
        lines.append(f"| {name} | {q.get('n', '')} | {a50:.1f} | {a95:.1f} | {f50:.1f} | "
                     f"{f95:.1f} | {a50 / f50:.2f} |")
    mix = fig["mix"]
    workers = ", ".join(f"{m:.0f}" for m in fig["worker_rss_mb"])
    if "healthz_ms" in fig:  # runs before this figure was taken lack it
        lines += ["", f"- `GET /healthz` (no database): p50 {fig['healthz_ms'][0]:.2f} ms, "
                  f"p95 {fig['healthz_ms'][1]:.2f} ms: the fixed cost of a request through "
                  "gunicorn and Flask, part of every API p50 above"]
    lines += ["", f"- mix: {mix['requests'] / mix['seconds']:.1f} requests/s over "
              f"{mix['seconds']:.0f} s, {mix['clients']} keep-alive clients, {mix['workers']} "
              f"workers, {mix['errors']} errors",
              f"- peak RSS: API workers {workers} MiB; Neo4j (JVM) {fig['neo4j_rss_mb']:.0f} MiB",
              f"- store on disk: {fig['store_mb']:.0f} MiB; wall time of this scale "
              f"{fig['wall_s']:.0f} s",
              *(f"- note: {n}" for n in fig.get("notes", [])),
              "", "| statement (plans.py, sample parameters) | PROFILE db hits |", "|---|---:|",
              *(f"| {name} | {hits if isinstance(hits, str) else f'{hits:,}'} |"
                for name, hits in fig["db_hits"]), ""]
    if "pagecache_ab" in fig:
        lines += _pagecache_table(fig)
    return "\n".join(lines)


def _pagecache_table(fig: dict[str, Any]) -> list[str]:
    ab = fig["pagecache_ab"]
    lines = [f"Page cache: the same store and queries after restarting Neo4j with "
             f"{ab['mb']:,} MiB of page cache instead of "
             f"{os.environ.get('KB_NEO4J_PAGECACHE_MB', '512')} (Neo4j peak RSS then "
             f"{ab['neo4j_rss_mb']:.0f} MiB):", "",
             f"| query | API p50 ms | driver p50 ms | API p50 ms with {ab['mb']:,} MiB | "
             f"driver p50 ms with {ab['mb']:,} MiB |", "|---|---:|---:|---:|---:|"]
    for name, q in ab["queries"].items():
        base = fig["queries"][name]
        lines.append(f"| {name} | {base['api'][0]:.1f} | {base['floor'][0]:.1f} | "
                     f"{q['api'][0]:.1f} | {q['floor'][0]:.1f} |")
    return [*lines, ""]


def _machine() -> list[str]:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo
                if line.startswith("model name")), "?")
    mem = next((int(line.split()[1]) // 1024 for line in meminfo
                if line.startswith("MemTotal")), 0)
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    from kb.local_neo4j import LIB_DIR
    neo = sorted(p.name for p in LIB_DIR.glob("neo4j-kernel-*.jar"))
    return [f"- CPU: {cpu}, `nproc` {os.cpu_count()}; memory {mem:,} MiB",
            f"- Python {platform.python_version()}; {java.splitlines()[0] if java else 'java ?'};"
            f" Neo4j jars {', '.join(neo) or '?'}",
            f"- Neo4j heap {os.environ.get('KB_NEO4J_HEAP_MB', '1024')} MiB, page cache "
            f"{os.environ.get('KB_NEO4J_PAGECACHE_MB', '512')} MiB (the defaults unless set); "
            f"API workers {os.environ.get('KB_WORKERS', '2')} (gthread)",
            f"- run with `{sys.executable} tools/bench/run.py`; the machine is shared by "
            "other work, so figures are indicative"]


def _targets(results: list[dict[str, Any]]) -> list[str]:
    def mark(ok: bool) -> str:
        return "met" if ok else "**missed**"

    by = {f["scale"]: f for f in results}
    out = []
    for f in results:
        ratio = _rate(f, "kb_import_s") / _rate(f, "floor_s")
        out.append(f"- scale {f['scale']}: `kb import` at {ratio:.0%} of the floor "
                   f"(target >= 50%): {mark(ratio >= 0.5)}")
    if 10 in by:
        for name, q in by[10]["queries"].items():
            if name in LISTS:
                continue
            r = q["api"][0] / q["floor"][0]
            out.append(f"- scale 10: {name} API p50 {r:.2f}x its driver floor (target <= 1.5x):"
                       f" {mark(r <= 1.5)}")
    else:
        out.append("- API p50 within 1.5x of the floor at scale 10: not measured (no scale 10)")
    top = max(by)
    low = min(by)
    for name in GROWTH:
        p_low, p_top = by[low]["queries"][name]["api"][0], by[top]["queries"][name]["api"][0]
        growth = p_top / p_low
        if top == 100 and low == 1:
            out.append(f"- {name}: p50 grows {growth:.2f}x from scale 1 to 100 (target <= 2x): "
                       f"{mark(growth <= 2)}; {p_top:.1f} ms at 100 (target < 50 ms): "
                       f"{mark(p_top < 50)}")
        else:
            out.append(f"- {name}: scale 100 not run; p50 grows {growth:.2f}x from scale {low} "
                       f"to {top} ({p_low:.1f} -> {p_top:.1f} ms): target not measured")
    for name in GROWTH_SHOWN:
        if name in by[top]["queries"] and name in by[low]["queries"]:
            p_low, p_top = by[low]["queries"][name]["api"][0], by[top]["queries"][name]["api"][0]
            out.append(f"- {name} (no target): {p_low:.1f} ms at scale {low}, {p_top:.1f} ms at "
                       f"scale {top}")
    for name in SLOW_OK:
        if name not in by[top]["queries"]:  # figures of a run before the row existed
            out.append(f"- {name}: not measured at scale {top}")
            continue
        p = by[top]["queries"][name]["api"][0]
        if top == 100:
            out.append(f"- {name}: {p:.1f} ms at scale 100 (target < 200 ms): {mark(p < 200)}")
        else:
            out.append(f"- {name}: scale 100 not run; {p:.1f} ms at scale {top}: target not "
                       "measured")
    return out


def _estimate(results: list[dict[str, Any]]) -> list[str]:
    if any(f["scale"] == 100 for f in results) or not results:
        return []
    top = max(results, key=lambda f: f["scale"])
    factor = 100 / top["scale"]
    return [f"Scale 100 (about {top['records'] * factor / 1e6:.1f}M records) was not run. "
            f"**Estimate**, not a measurement: the synth world grows linearly with the scale, "
            f"so if import time grows linearly too, scale 100 takes about "
            f"{top['wall_s'] * factor / 60:.0f} minutes "
            f"({top['scale']} took {top['wall_s']:.0f} s, times {factor:.0f}); more if the "
            "store outgrows the page cache.", ""]


def document(results: list[dict[str, Any]], command: str) -> str:
    """docs/performance.md: how to run, the machine, the tables, the targets."""
    return "\n".join([
        "# Performance", "",
        "Written by `make bench` (tools/bench/run.py); do not edit by hand, rerun instead.", "",
        "## How it was run", "", f"    {command}", "",
        "Per scale: a fresh data dir and local Neo4j, `kb schema apply`, `kb seed`, `kb synth "
        "--scale N`; first a scale-1 world is written with the floor's statements and "
        "deleted, untimed (a warm-up: the floor is timed first and would otherwise pay for "
        "the newly started Neo4j's); then the synth records are loaded three times, the "
        "synth nodes deleted (`DETACH DELETE` in batches) between loads: the driver floor, "
        "then "
        "`POST /api/v1/import` (5,000 records a request, NDJSON), then `kb import` (whose "
        "result the queries then read; with `KB_WARMUP=off`, so that its time is the "
        "import's and not the plan-cache warm-up that follows a real one); the import API "
        "is timed up to scale 10 only "
        "(`--api-import-up-to`: it runs the same kb.imports code as `kb import`, and at "
        "scale 100 would add about 20 minutes with its wipe). Query latency: 10 warm-up then "
        "100 timed requests (fewer, at least 20, once a query has taken 60 s: the `timed` "
        "column) "
        "on one kept-alive `http.client` connection to gunicorn (`kb serve`, rate limits "
        "off, KB_WORKERS default 2), each followed by one run of the endpoint's Cypher "
        "through the driver alone (the floor), so that load from elsewhere on the shared "
        "machine weighs on both alike. The floor is the kb.queries functions the endpoint's "
        "service calls (each one Cypher statement and `tx.run`), with the ids the name "
        "lookups give, the lookups and all in one read transaction as the API reads a view "
        "that resolves names (kb.api.resolving.one_read); the docstring of "
        "tools/bench/queries.py lists them per endpoint. A ratio near or under 1 means the "
        "API's own work (Flask, validation, shaping, JSON, HTTP) is within the noise of the "
        "machine. The API keeps /stats and /gaps answers by data version (kb/memo.py), so "
        "the `stats` and `gaps` rows are the polled case (the floor reruns the Cypher every "
        "time); their `(cold)` rows ask each request at another as_of (a day further back "
        "from yesterday, a new memo key), the floor the same Cypher at that date: what a "
        "new date costs, and for /gaps and /stats/coverage what a first request after a "
        "write costs. /stats counts its tables and ranks its forces from an index each API "
        "process keeps current from the audit feed (kb/stats_index.py, kb/ranking_index.py; "
        "read whole by the first /stats of a process, "
        "within the warm-up requests), so `stats (after a write)` asks /stats after an "
        "untimed PATCH of a synth Mechanism (ended, then not again: what /stats counts "
        "changes), the floor the same Cypher as the `stats` row. The mix: threads on kept-alive "
        "connections, no think time, requests "
        "drawn with the weights of tools/bench/run.py MIX (search 4, between 2+2, graph 2, "
        "entity GETs 2+2, dossier, timeline, paths, gaps, stats 1 each); an error is any "
        "answer but 200. Peak RSS is VmHWM from /proc (the JVM's includes its heap and page "
        "cache as far as touched); store size is the disk blocks of the data dir. PROFILE db "
        "hits: each statement of kb/queries/plans.py with its sample parameters (seed ids), "
        "on the store of that scale.", "",
        *_estimate(results),
        "## Machine", "", *_machine(), "",
        "## Results", "", *(table(f) for f in results),
        "## What was changed because of these figures", "", CHANGES.read_text().strip(), "",
        "## Targets", "", *_targets(results), "",
    ])
