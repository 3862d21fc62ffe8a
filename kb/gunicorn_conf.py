"""gunicorn settings, derived from the same environment as the app (see kb.settings)."""

from __future__ import annotations

from typing import Any

from kb.settings import load_settings

_settings = load_settings()

bind = f"{_settings.host}:{_settings.port}"
workers = _settings.workers
worker_class = "gthread"
threads = 4
# Database timeouts (kb.db) are set well below this, so a request waiting on a missing
# Neo4j answers 503 before the worker could be killed for silence.
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = "-"
# no --preload: each worker builds its own Neo4j driver after the fork
preload_app = False
pidfile = str(_settings.data_dir / "gunicorn.pid")


def worker_exit(server: Any, worker: Any) -> None:
    """Close the worker's Neo4j driver when the worker stops."""
    app = getattr(worker, "wsgi", None)
    extensions = getattr(app, "extensions", {})
    if "kb.db" in extensions:
        extensions["kb.db"].close()
