"""Secrets stay out of logs: API keys and key-like query parameters are redacted.

A key may reach a log line however a client sends it: in a header, or by mistake in the
query string (`?api_key=...`, refused by the API but still part of the request line).
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

REDACTED = "[redacted]"
# the API's own key format, wherever it appears (kb_<12 hex id>_<secret>)
_KEY = re.compile(r"kb_([0-9a-f]{12})_[A-Za-z0-9_\-]+")
# parameters whose value is a secret whatever its form
_PARAM = re.compile(r"(?i)((?:api[_-]?key|key|token|access_token|password|secret)=)[^&\s]*")
_SECRET_HEADERS = {"authorization", "x-api-key", "cookie"}


def redact(text: str) -> str:
    """The text with API keys and secret-bearing parameters replaced by [redacted]."""
    return _PARAM.sub(rf"\1{REDACTED}", _KEY.sub(rf"kb_\1_{REDACTED}", text))


class RedactingLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger, with secrets removed from every access-log field."""

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
