"""gunicorn settings, derived from the same environment as the app (see kb.settings)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from gunicorn import util

from kb.api.shedding import THREADS
from kb.errors import PROBLEM_MIME
from kb.settings import load_settings

_settings = load_settings()

bind = f"{_settings.host}:{_settings.port}"
workers = _settings.workers
worker_class = "gthread"
threads = THREADS  # one of them is kept free for the probes (kb.api.shedding)
# Database timeouts (kb.db) are set well below this, so a request waiting on a missing
# Neo4j answers 503 before the worker could be killed for silence.
timeout = 30
graceful_timeout = 20
keepalive = 5
# the app writes one access line per request (kb.api.observe: route, duration, request id,
# caller key id), so gunicorn's own access log stays off
accesslog = None
logger_class = "kb.logs.RedactingLogger"  # redacted, and in KB_LOG_FORMAT
# no --preload: each worker builds its own Neo4j driver after the fork
preload_app = False
pidfile = str(_settings.data_dir / "gunicorn.pid")
# gunicorn's largest finite value: a query string of six long `between` names still fits,
# and longer request lines get a 414 problem document (below) instead of reaching Flask.
limit_request_line = 8190


# Metrics of all workers meet in files of one directory (prometheus_client's multiprocess
# mode), fresh for each server start so no count carries over from a previous run; an
# operator's PROMETHEUS_MULTIPROC_DIR is emptied instead. Set in the master before any
# worker is forked and imports prometheus_client (kb imports it only in create_app).
_MULTIPROC = "PROMETHEUS_MULTIPROC_DIR"
_made_dirs: list[str] = []


def on_starting(server: Any) -> None:
    """Give the workers a fresh metrics directory."""
    given = os.environ.get(_MULTIPROC)
    if not given:
        os.environ[_MULTIPROC] = tempfile.mkdtemp(prefix="kb-metrics-")
        _made_dirs.append(os.environ[_MULTIPROC])
        return
    Path(given).mkdir(parents=True, exist_ok=True)
    for stale in Path(given).glob("*.db"):
        stale.unlink()


def post_worker_init(worker: Any) -> None:
    """Read the worker's /stats index in the background (kb.stats_index)."""
    from kb.stats_index import fill_in_background

    fill_in_background(worker.wsgi)


def child_exit(server: Any, worker: Any) -> None:
    """Drop a dead worker's live gauges (in-flight Neo4j work) from the metrics."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def on_exit(server: Any) -> None:
    """Remove the metrics directory on_starting made."""
    for made in _made_dirs:
        shutil.rmtree(made, ignore_errors=True)


def worker_exit(server: Any, worker: Any) -> None:
    """Close the worker's Neo4j driver when the worker stops."""
    app = getattr(worker, "wsgi", None)
    extensions = getattr(app, "extensions", {})
    if "kb.db" in extensions:
        extensions["kb.db"].close()


def write_problem(sock: Any, status: int, reason: str, message: str) -> None:
    """Answer a request gunicorn rejects itself (414, 431, bad request line) as problem+json.

    gunicorn writes these before the app sees the request, as text/html; clients of this
    API expect every error in the one RFC 9457 shape.
    """
    slug = reason.lower().replace(" ", "-")
    body = json.dumps({"type": f"/problems/{slug}", "title": reason, "status": status,
                       "detail": message}).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
            f"Content-Type: {PROBLEM_MIME}\r\nContent-Length: {len(body)}\r\n\r\n")
    util.write_nonblock(sock, head.encode("latin-1") + body)


# the only caller is gunicorn's Worker.handle_error (gunicorn pinned in pyproject.toml)
util.write_error = write_problem
