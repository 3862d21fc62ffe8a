"""Logging: JSON (or text) lines, each tagged with its request id, with secrets redacted.

A key may reach a log line however a client sends it: in a header, or by mistake in the
query string (`?api_key=...`, refused by the API but still part of the request line), or
inside an error message. Every handler installed here redacts the finished record, and
gunicorn's own logger (RedactingLogger) redacts its fields and writes the same format.

KB_LOG_FORMAT=json (default) writes one JSON object a line (python-json-logger): `time`,
`level`, `logger`, `pid` (the gunicorn worker), `message`, `request_id` and whatever
fields the line carries (the access line of kb.api.observe: method, route, path, status,
duration_ms, key_id, ...).
KB_LOG_FORMAT=text writes `time level logger [request id]: message`.
"""

from __future__ import annotations

import logging
import re
import sys
from contextvars import ContextVar
from typing import Any

from gunicorn.glogging import Logger
from pythonjsonlogger.json import JsonFormatter

from kb.settings import load_settings

REDACTED = "[redacted]"
# the API's own key format, wherever it appears (kb_<12 hex id>_<secret>); the id is kept:
# it names the key without revealing it
_KEY = re.compile(r"kb_([0-9a-f]{12})_[A-Za-z0-9_\-]+")
# parameters whose value is a secret whatever its form (a quote ends the value, so a
# redacted JSON string stays valid JSON)
_PARAM = re.compile(r"(?i)((?:api[_-]?key|key|token|access_token|password|secret)=)[^&\s\"']*")
_SECRET_HEADERS = {"authorization", "x-api-key", "cookie"}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
JSON_FIELDS = ("asctime", "levelname", "name", "process", "message", "request_id")
JSON_RENAMES = {"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"}

# the id of the request this thread is serving (set by kb.api.observe); "-" outside one
REQUEST_ID: ContextVar[str] = ContextVar("kb_request_id", default="-")


def redact(text: str) -> str:
    """The text with API keys and secret-bearing parameters replaced by [redacted]."""
    if "kb_" not in text and "=" not in text:
        # neither pattern can match (a key begins kb_, a parameter has its =): most of the
        # ten or so fields of every access line, which would cost two substitutions each
        return text
    return _PARAM.sub(rf"\1{REDACTED}", _KEY.sub(rf"kb_\1_{REDACTED}", text))


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_redact_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    return value


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (the current request's, or "-")."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Tag the record; never drops it."""
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


class RedactingJsonFormatter(JsonFormatter):
    """python-json-logger's formatter, every string field redacted (tracebacks included)."""

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        """Redact each field before it is serialised."""
        return {key: _redact_value(value) for key, value in log_data.items()}


class RedactingTextFormatter(logging.Formatter):
    """The stdlib formatter, the finished line redacted."""

    def format(self, record: logging.LogRecord) -> str:
        """Format, then redact."""
        return redact(super().format(record))


def formatter(log_format: str) -> logging.Formatter:
    """The formatter of KB_LOG_FORMAT (json or text); both redact."""
    if log_format == "json":
        return RedactingJsonFormatter(list(JSON_FIELDS), rename_fields=JSON_RENAMES)
    return RedactingTextFormatter(TEXT_FORMAT)


def configure(level: str, log_format: str) -> None:
    """Send the root logger's records to stderr in `log_format`; idempotent (one handler)."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "kb_handler", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.kb_handler = True  # type: ignore[attr-defined]
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    handler.setFormatter(formatter(log_format))
    root.setLevel(level)


class RedactingLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger: secrets removed from every access-log field, the error log in
    KB_LOG_FORMAT (its lines about workers starting and stopping)."""

    def setup(self, cfg: Any) -> None:
        """gunicorn's set-up, then our format on the error log's handlers."""
        super().setup(cfg)
        chosen = formatter(load_settings().log_format)
        for handler in self.error_log.handlers:
            handler.addFilter(RequestIdFilter())
            handler.setFormatter(chosen)

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        """The access-log fields, redacted (request line, query, headers, environ)."""
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for name, value in atoms.items():
            header = name[1:-2] if name.startswith("{") and name.endswith("}i") else ""
            if header in _SECRET_HEADERS:
                atoms[name] = REDACTED
            elif isinstance(value, str):
                atoms[name] = redact(value)
        return atoms
