"""Observability: /metrics, request ids, one JSON access line per request, no secret in logs."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from kb import create_app
from kb.logs import RequestIdFilter, formatter
from tests.conftest import KB, free_port, make_settings
from tests.test_fuzz import wait_ready

BIN = Path(sys.executable).parent
# The access line and the counts are written when the server closes the answer after its
# last byte; gunicorn always does, the test client only for buffered requests.
DONE = {"buffered": True}
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(text: str) -> Samples:
    """Every sample of a Prometheus text exposition, by (name, labels)."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value (0 when absent)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def metrics(client: FlaskClient) -> Samples:
    r = client.get("/metrics")
    assert r.status_code == 200, r.data
    assert r.mimetype == "text/plain"
    return scrape(r.get_data(as_text=True))


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The JSON log lines written while the test runs, through the app's own formatter."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(formatter("json"))
    logging.getLogger().addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in out.getvalue().splitlines()]
    finally:
        logging.getLogger().removeHandler(handler)


def test_metrics_count_requests_by_route_and_status(anonymous: FlaskClient,
                                                    seeded_kb: KB) -> None:
    before = metrics(anonymous)
    for _ in range(2):
        assert anonymous.get("/api/v1/domains", **DONE).status_code == 200
    assert anonymous.get("/api/v1/domains/no-such-domain-zz9", **DONE).status_code == 404
    assert anonymous.get("/no/such/page-zz9", **DONE).status_code == 404
    after = metrics(anonymous)
    ok = {"method": "GET", "endpoint": "/api/v1/domains", "status": "200"}
    assert value(after, "kb_http_requests_total", **ok) - \
        value(before, "kb_http_requests_total", **ok) == 2
    assert value(after, "kb_http_request_duration_seconds_count", **ok) - \
        value(before, "kb_http_request_duration_seconds_count", **ok) == 2
    unmatched = {"method": "GET", "endpoint": "unmatched", "status": "404"}
    assert value(after, "kb_http_requests_total", **unmatched) - \
        value(before, "kb_http_requests_total", **unmatched) == 1
    # the URL rule, never the path: no id or name ever becomes a label value
    item_404 = [dict(labels) for (name, labels), v in after.items()
                if name == "kb_http_requests_total" and dict(labels)["status"] == "404"
                and dict(labels)["endpoint"].startswith("/api/v1/domains/<")]
    assert len(item_404) == 1, item_404
    assert not [labels for (_, labels) in after if any("zz9" in v for _, v in labels)]
    reads = [(name, dict(labels)) for (name, labels) in after
             if name == "kb_neo4j_query_duration_seconds_count"
             and dict(labels)["mode"] == "read"]
    assert sum(value(after, n, **lb) - value(before, n, **lb) for n, lb in reads) >= 3
    assert value(after, "kb_neo4j_transactions_in_progress", mode="read") == 0
    assert ("kb_neo4j_transactions_in_progress", frozenset({("mode", "read")})) in after


def test_metrics_can_require_a_key(neo4j_uri: str, tmp_path: Path,
                                   api_keys: dict[str, str]) -> None:
    app = create_app(make_settings(neo4j_uri, tmp_path, KB_METRICS_REQUIRE_KEY="true"))
    try:
        scraper = app.test_client()
        refused = scraper.get("/metrics")
        assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
        allowed = scraper.get("/metrics",
                              headers={"Authorization": f"Bearer {api_keys['reader']}"})
        assert allowed.status_code == 200 and b"kb_http_requests_total" in allowed.data
    finally:
        app.extensions["kb.db"].close()


def test_a_sane_request_id_is_kept_and_logged(
        anonymous: FlaskClient, log_lines: Callable[[], list[dict[str, Any]]]) -> None:
    r = anonymous.get("/healthz", headers={"X-Request-ID": "trace-42.a:b_c"}, **DONE)
    assert r.headers["X-Request-ID"] == "trace-42.a:b_c"
    line = next(x for x in log_lines() if x["logger"] == "kb.access")
    assert line["request_id"] == "trace-42.a:b_c"
    assert line["route"] == "/healthz" and line["status"] == 200 and line["method"] == "GET"
    assert line["path"] == "/healthz" and line["duration_ms"] >= 0
    assert line["level"] == "INFO" and line["pid"] == os.getpid() and line["time"]


@pytest.mark.parametrize("given", [None, "", "has space", "x" * 129, "<script>",
                                   "kb_0123456789ab_S3cr3tS3cr3t"])
def test_a_missing_or_odd_request_id_is_replaced(anonymous: FlaskClient,
                                                 given: str | None) -> None:
    headers = {} if given is None else {"X-Request-ID": given}
    r = anonymous.get("/healthz", headers=headers)
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["X-Request-ID"]), r.headers["X-Request-ID"]


def test_log_lines_and_5xx_bodies_of_a_request_carry_its_id(
        tmp_path: Path, log_lines: Callable[[], list[dict[str, Any]]]) -> None:
    # a Neo4j that is not there: the warning logged while answering 503 has the request id
    app = create_app(make_settings(f"bolt://127.0.0.1:{free_port()}", tmp_path,
                                   KB_NEO4J_CONNECT_TIMEOUT="0.5"))
    try:
        r = app.test_client().get("/api/v1/domains", headers={"X-Request-ID": "outage-1"},
                                  **DONE)
    finally:
        app.extensions["kb.db"].close()
    assert r.status_code == 503 and r.json is not None
    assert r.json["request_id"] == "outage-1" == r.headers["X-Request-ID"]
    mine = [x for x in log_lines() if x["request_id"] == "outage-1"]
    assert {x["logger"] for x in mine} >= {"kb.errors", "kb.access"}, mine
    assert [x["status"] for x in mine if x["logger"] == "kb.access"] == [503]


def test_no_key_ever_reaches_a_log_line(
        app: Flask, api_keys: dict[str, str], seeded_kb: KB,
        log_lines: Callable[[], list[dict[str, Any]]], caplog: pytest.LogCaptureFixture,
        ) -> None:
    key = api_keys["reader"]
    key_id, secret = key.split("_")[1], key.split("_", 2)[2]
    text = io.StringIO()
    text_handler = logging.StreamHandler(text)
    text_handler.addFilter(RequestIdFilter())
    text_handler.setFormatter(formatter("text"))
    logging.getLogger().addHandler(text_handler)
    try:
        browser = app.test_client()
        sent = [
            browser.get("/api/v1/domains", headers={"Authorization": f"Bearer {key}"}, **DONE),
            browser.get("/api/v1/domains", headers={"X-API-Key": key}, **DONE),
            browser.get(f"/api/v1/domains?api_key={key}&token={secret}", **DONE),
            browser.get(f"/api/v1/domains/{key}", headers={"User-Agent": f"bot {key}"},
                        **DONE),
            browser.get("/api/v1/domains", headers={"Authorization": f"Bearer {key}x"},
                        **DONE),
        ]
    finally:
        logging.getLogger().removeHandler(text_handler)
    assert [r.status_code for r in sent] == [200, 200, 422, 404, 401]
    lines = log_lines()
    access = [x for x in lines if x["logger"] == "kb.access"]
    assert len(access) == len(sent)  # one line per request
    assert [x["key_id"] for x in access[:2]] == [key_id, key_id]
    assert access[2]["path"].startswith("/api/v1/domains?api_key=[redacted]")
    everything = json.dumps(lines) + text.getvalue() + caplog.text
    assert secret not in everything
    assert secret[:12] not in everything
    assert f"kb_{key_id}_[redacted]" in everything


@pytest.mark.slow
def test_gunicorn_metrics_add_up_across_workers(
        neo4j_uri: str, tmp_path: Path, api_keys: dict[str, str], app: Flask) -> None:
    """2 workers, each replaced after 10 requests: every count survives in the sum."""
    port, log_path = free_port(), tmp_path / "server.log"
    env = {**os.environ, "NEO4J_URI": neo4j_uri, "KB_DATA_DIR": str(tmp_path),
           "KB_PORT": str(port), "KB_HOST": "127.0.0.1", "KB_WORKERS": "2",
           "KB_LOG_FORMAT": "json", "GUNICORN_CMD_ARGS": "--max-requests 10",
           "KB_RATE_LIMIT_ANONYMOUS": "off", "KB_RATE_LIMIT_KEYED": "off", "KB_WARMUP": "off"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    url = f"http://127.0.0.1:{port}"
    key = api_keys["reader"]
    with log_path.open("wb") as log:
        server = subprocess.Popen([str(BIN / "kb"), "serve"], env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
        try:
            wait_ready(url)

            def fetch(path: str, headers: dict[str, str] | None = None) -> bytes:
                request = urllib.request.Request(f"{url}{path}", headers=headers or {})
                with urllib.request.urlopen(request, timeout=20) as resp:
                    body: bytes = resp.read()
                    return body

            with ThreadPoolExecutor(4) as pool:
                list(pool.map(lambda _: fetch("/healthz"), range(40)))
            fetch("/api/v1/domains", {"Authorization": f"Bearer {key}"})
            counts = []
            for _ in range(3):
                samples = scrape(fetch("/metrics").decode())
                counts.append(value(samples, "kb_http_requests_total", method="GET",
                                    endpoint="/healthz", status="200"))
        finally:
            server.terminate()
            server.wait(30)
    assert counts == [40.0, 40.0, 40.0], counts
    lines = [json.loads(x) for x in log_path.read_text().splitlines() if x.startswith("{")]
    health = [x for x in lines if x.get("logger") == "kb.access" and x["route"] == "/healthz"]
    assert len(health) == 40
    # one line per request: gunicorn's own access log is off
    assert sum("/healthz" in line for line in log_path.read_text().splitlines()) == 40
    assert len({x["pid"] for x in health}) >= 3  # workers were replaced along the way
    assert any(x.get("logger", "").startswith("gunicorn") for x in lines)  # JSON too
    assert key.split("_", 2)[2] not in log_path.read_text()
    print(f"\n/healthz x40 over {len({x['pid'] for x in health})} worker processes; "
          f"/metrics said {counts}")
