"""Prometheus metrics of the service: HTTP requests, Neo4j work; one exposition for all workers.

Labels stay few and bounded: `endpoint` is the Flask URL rule
(`/api/v1/forces/<string:entity_id>`), never the raw path, whose names and ids would make a
series per entity; unknown methods count as OTHER. Under gunicorn every worker writes its
values to files in PROMETHEUS_MULTIPROC_DIR (kb.gunicorn_conf sets a fresh one per server
start), and the exposition sums them, so a scrape sees the whole server whichever worker
answers. Without that variable (tests, one process) the default registry is used.

The Neo4j driver (6.x) has no public API for its connection pool, so pool use is counted
here: each unit of work in flight holds one pooled connection, and
kb_neo4j_transactions_in_progress counts them (per mode, summed over live workers).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# read when prometheus_client is, which picks its value store (shared files or memory) then
MULTIPROCESS = bool(os.environ.get(MULTIPROC_ENV))
METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
UNMATCHED = "unmatched"  # the endpoint label of requests no route matched (404, ...)
# the text format every Prometheus version reads
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

HTTP_REQUESTS = Counter(
    "kb_http_requests", "HTTP requests answered, by method, endpoint (URL rule) and status.",
    ["method", "endpoint", "status"])
HTTP_DURATION = Histogram(
    "kb_http_request_duration_seconds",
    "Time from receiving a request to sending the last byte of its answer.",
    ["method", "endpoint", "status"])
NEO4J_DURATION = Histogram(
    "kb_neo4j_query_duration_seconds",
    "Time of one Neo4j unit of work (a query or a managed transaction, retries included).",
    ["mode", "kind", "outcome"])
NEO4J_IN_PROGRESS = Gauge(
    "kb_neo4j_transactions_in_progress",
    "Neo4j units of work in flight, each holding one connection of the driver pool.",
    ["mode"], multiprocess_mode="livesum")


def observe_request(method: str, endpoint: str | None, status: int, seconds: float) -> None:
    """Count one answered request and its duration."""
    labels = (method if method in METHODS else "OTHER", endpoint or UNMATCHED, str(status))
    HTTP_REQUESTS.labels(*labels).inc()
    HTTP_DURATION.labels(*labels).observe(seconds)


@contextmanager
def neo4j_work(mode: str, kind: str) -> Iterator[None]:
    """Time one unit of Neo4j work (mode read/write, kind query/transaction)."""
    in_progress = NEO4J_IN_PROGRESS.labels(mode)
    in_progress.inc()
    start, outcome = time.perf_counter(), "error"
    try:
        yield
        outcome = "ok"
    finally:
        in_progress.dec()
        NEO4J_DURATION.labels(mode, kind, outcome).observe(time.perf_counter() - start)


def exposition() -> bytes:
    """The metrics in Prometheus' text format: all workers' under gunicorn, else this process'."""
    if MULTIPROCESS:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)
