"""Entity versions as ETags; If-Match for writes, If-None-Match for reads.

A write without If-Match is allowed (last writer wins); with it, a stale version gives 412
and the current version, so editors who send it never overwrite each other's work.
"""

from __future__ import annotations

from typing import Any

from flask import request

from kb.store import PreconditionFailed

IF_MATCH_DOC = {"in": "header", "name": "If-Match", "required": False,
                "schema": {"type": "string"},
                "description": "The ETag of the version you edited; 412 if it is stale."}


def etag(entity: dict[str, Any]) -> str:
    """The ETag of an entity version."""
    return f'"{entity["version"]}"'


def expected_version() -> int | None:
    """The version named by If-Match (None when absent or `*`)."""
    header = (request.headers.get("If-Match") or "").strip()
    if not header or header == "*":
        return None
    tag = header.split(",")[0].strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise PreconditionFailed(f"If-Match {header!r} is not an ETag this API gave out",
                                 errors=[{"field": "If-Match", "location": "headers",
                                          "message": "expected a quoted version, e.g. \"3\""}])
    return int(tag)


def not_modified(entity: dict[str, Any]) -> bool:
    """True when the client already holds this version (answer 304)."""
    wanted = request.headers.get("If-None-Match", "")
    return etag(entity) in [t.strip().removeprefix("W/") for t in wanted.split(",")]


def cache_headers(entity: dict[str, Any]) -> dict[str, str]:
    """Headers of a single-entity response."""
    return {"ETag": etag(entity), "Cache-Control": "no-cache"}
