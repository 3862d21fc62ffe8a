"""Entity versions as ETags; If-Match for writes, If-None-Match for reads.

A write without If-Match is allowed (last writer wins); with it, a stale version gives 412
and the current version, so editors who send it never overwrite each other's work.
"""

from __future__ import annotations

import re
from typing import Any

from flask import request

from kb.errors import ValidationFailed, field_error

# the ETags this API gives out: a quoted version number (weak tags never match If-Match);
# the bare number is accepted too, as clients that drop the quotes mean the same version
IF_MATCH = re.compile(r'^(\*|[0-9]{1,18}|"[0-9]{1,18}")$')
IF_MATCH_DOC = {"in": "header", "name": "If-Match", "required": False,
                "schema": {"type": "string", "pattern": IF_MATCH.pattern},
                "description": "The ETag of the version you edited (e.g. \"3\"), or *; "
                               "412 if it is stale."}


def etag(entity: dict[str, Any]) -> str:
    """The ETag of an entity version."""
    return f'"{entity["version"]}"'


def expected_version() -> int | None:
    """The version named by If-Match (None when absent or `*`); 422 if it is not an ETag."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    if not IF_MATCH.match(header.strip()):
        raise ValidationFailed(f"If-Match {header!r} is not an ETag this API gave out",
                               errors=[field_error("If-Match", 'expected a quoted version, '
                                                   'e.g. "3"', "headers")])
    return int(header.strip().strip('"'))


def not_modified(entity: dict[str, Any]) -> bool:
    """True when the client already holds this version (answer 304)."""
    wanted = request.headers.get("If-None-Match", "")
    return etag(entity) in [t.strip().removeprefix("W/") for t in wanted.split(",")]


def cache_headers(entity: dict[str, Any]) -> dict[str, str]:
    """Headers of a single-entity response."""
    return {"ETag": etag(entity), "Cache-Control": "no-cache"}
