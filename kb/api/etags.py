"""Entity ETags; If-Match for writes, If-None-Match for reads.

The ETag of an entity is `"<version>-<hash>"` (strong; `"<version>-<hash>:gzip"` when the
answer was compressed, see kb.api.compression): `version` is bumped by every write
to the entity's own fields, `<hash>` is the first 16 hex digits of the SHA-256 of the body
(the entity with its relations summarised), so the tag changes whenever the body does,
a relation added or removed at either end included (RFC 9110, 8.8.3).

If-Match on PUT, PATCH and DELETE compares the version part only: it guards the entity's
own fields, which a new relation does not touch. It accepts the ETag (`"3-1a2b..."`), the
quoted version (`"3"`), the bare version (`3`) and `*`. A write without If-Match is allowed
(last writer wins); with it, a stale version gives 412 and the current version, so editors
who send it never overwrite each other's work.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import orjson
from flask import request

from kb.errors import ValidationFailed, field_error

HASH_DIGITS = 16
# the ETags this API gives out, or their version part, quoted or not (weak tags never
# match If-Match); `*` for any version
# the ETag of a compressed answer ends in `:<algorithm>` (kb.api.compression)
CODINGS = ("zstd", "br", "gzip", "deflate")
IF_MATCH = re.compile(r'^(\*|[0-9]{1,18}|"[0-9]{1,18}(-[0-9a-f]{' + str(HASH_DIGITS) + '}'
                      r'(:(' + "|".join(CODINGS) + '))?)?")$')
IF_MATCH_DOC = {"in": "header", "name": "If-Match", "required": False,
                "schema": {"type": "string", "pattern": IF_MATCH.pattern},
                "description": "The ETag of the version you edited (e.g. \"3-1a2b3c4d5e6f7a8b\"), "
                               "or just its version (\"3\"), or *; only the version is "
                               "compared; 412 if it is stale."}


def body_hash(entity: dict[str, Any]) -> str:
    """A short hash of an entity body: it changes whenever any field or relation does."""
    try:
        canonical = orjson.dumps(entity, default=str,
                                 option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError:  # lone surrogates, integers past 64 bits: rare, still hashed
        canonical = json.dumps(entity, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False, default=str).encode("utf-8", "surrogatepass")
    return hashlib.sha256(canonical).hexdigest()[:HASH_DIGITS]


def etag(entity: dict[str, Any]) -> str:
    """The ETag of an entity body: `"<version>-<hash of the body>"`."""
    return f'"{entity["version"]}-{body_hash(entity)}"'


def expected_version() -> int | None:
    """The version named by If-Match (None when absent or `*`); 422 if it is not an ETag."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    if not IF_MATCH.match(header.strip()):
        raise ValidationFailed(f"If-Match {header!r} is not an ETag this API gave out",
                               errors=[field_error("If-Match", 'expected an ETag or a quoted '
                                                   'version, e.g. "3"', "headers")])
    return int(header.strip().strip('"').partition("-")[0])


def not_modified(headers: dict[str, str]) -> bool:
    """True when the client already holds the body whose `cache_headers` these are, compressed
    or not (answer 304); weak comparison."""
    tag = headers["ETag"].strip('"')
    return any(request.if_none_match.contains_weak(f"{tag}{suffix}")
               for suffix in ("", *(f":{coding}" for coding in CODINGS)))


def cache_headers(entity: dict[str, Any]) -> dict[str, str]:
    """Headers of a single-entity response (Cache-Control is added by kb.api.caching)."""
    return {"ETag": etag(entity)}
