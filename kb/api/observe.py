"""One access-log line and the HTTP metrics of every request, and its X-Request-ID.

A WSGI middleware around the Flask app sees each request from its first byte to the last
byte of its answer (streamed exports included), so the duration it logs and counts is the
client's. The request id is the client's `X-Request-ID` when it looks like one (1-128
characters of letters, digits and `._:-`, and no API key), else a new uuid4; it is echoed
in the answer, tagged on every log line written while the request runs (kb.logs) and put
in 5xx problem bodies (kb.errors).

The access line (logger `kb.access`, INFO) carries method, route (the URL rule, null when
none matched), path (query string included, secrets redacted), status, duration_ms,
bytes (Content-Length; null when streamed), key_id (the verified caller's key id, never
the key), remote_addr and user_agent.
It replaces gunicorn's access log (off in kb.gunicorn_conf): one line per request.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, g, request
from werkzeug.wsgi import ClosingIterator

from kb import metrics
from kb.logs import REQUEST_ID, redact

HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
_ROUTE, _KEY_ID = "kb.route", "kb.key_id"  # what the Flask side leaves in the environ
access_log = logging.getLogger("kb.access")
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def request_id(given: str | None) -> str:
    """The client's request id if it is sane (and carries no secret), else a new uuid4."""
    if given and _SANE_ID.fullmatch(given) and redact(given) == given:
        return given
    return uuid.uuid4().hex


class Observer:
    """WSGI middleware: request id, one access-log line and the HTTP metrics per request."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        """Serve the request through the app, observing it."""
        start = time.perf_counter()
        rid = request_id(environ.get("HTTP_X_REQUEST_ID"))
        REQUEST_ID.set(rid)
        answer: dict[str, Any] = {"status": 500, "bytes": None}

        def observed_start(status: str, headers: list[tuple[str, str]],
                           exc_info: Any = None) -> Any:
            answer["status"] = int(status.split(" ", 1)[0])
            length = next((v for k, v in headers if k.lower() == "content-length"), None)
            answer["bytes"] = int(length) if length and length.isdigit() else None
            headers.append((HEADER, rid))
            write = start_response(status, headers, exc_info)
            return write

        def finish() -> None:
            self._finish(environ, rid, answer, time.perf_counter() - start)

        try:
            body = self.app(environ, observed_start)
        except BaseException:
            finish()
            raise
        # the server closes the body after its last byte: that is when the request ends
        return ClosingIterator(body, [finish])

    @staticmethod
    def _finish(environ: dict[str, Any], rid: str, answer: dict[str, Any],
                seconds: float) -> None:
        method, route = environ.get("REQUEST_METHOD", ""), environ.get(_ROUTE)
        metrics.observe_request(method, route, answer["status"], seconds)
        query = environ.get("QUERY_STRING", "")
        path = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
        access_log.info(
            "%s %s %s %.1f ms", method, redact(path), answer["status"], seconds * 1000,
            extra={"method": method, "route": route, "path": redact(path),
                   "status": answer["status"], "duration_ms": round(seconds * 1000, 2),
                   "bytes": answer["bytes"], "key_id": environ.get(_KEY_ID),
                   "remote_addr": environ.get("REMOTE_ADDR"),
                   "user_agent": redact(environ.get("HTTP_USER_AGENT", "")),
                   "request_id": rid})
        REQUEST_ID.set("-")


def _note_route(_: BaseException | None) -> None:
    # teardown runs for every request, failed ones included, while the request is known
    rule = request.url_rule
    request.environ[_ROUTE] = rule.rule if rule is not None else None
    who = g.get("kb_caller")
    request.environ[_KEY_ID] = who.key_id if who is not None else None


def init_app(app: Flask) -> None:
    """Wrap the app's WSGI callable; note each request's route and caller for the log."""
    app.teardown_request(_note_route)
    app.wsgi_app = Observer(app.wsgi_app)  # type: ignore[method-assign]
