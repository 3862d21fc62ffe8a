"""Names in requests: every parameter that names an entity goes through the one resolver.

What each name resolved to is reported in the `X-Resolved` response header (JSON text, a
list of {param, given, id, name, entity}), on every endpoint alike, so that an empty answer
can be told apart from a misread name.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Flask, Response, g

from kb.db import get_db
from kb.resolve import NameQuery, Resolved, resolve_many

P = ParamSpec("P")
T = TypeVar("T")
HEADER = "X-Resolved"
HEADER_DOC = {"description": "JSON text: what each name in the request resolved to, "
                             "[{param, given, id, name, entity}].",
              "schema": {"type": "string"}}


def resolve_names(queries: list[NameQuery]) -> list[Resolved]:
    """Resolve the request's names (all errors at once) and note them for `X-Resolved`."""
    if not queries:
        return []
    found = resolve_many(get_db(), queries)
    noted = g.setdefault("kb_resolved", [])
    noted.extend({"param": nq.field, "given": nq.text, "id": r.id, "name": r.name,
                  "entity": r.entity} for nq, r in zip(queries, found, strict=True))
    return found


def one_read(view: Callable[P, T]) -> Callable[P, T]:
    """Run a view's reads in one read transaction: its names are looked up and its answer
    read without a transaction begun and committed in between (kb.db.Database.in_one_read).

    For views that read only: a write (write_tx) always has its own transaction.
    """
    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        noted = list(g.get("kb_resolved", []))

        def attempt() -> T:
            g.kb_resolved = list(noted)  # a retried transaction notes its names again
            return view(*args, **kwargs)
        return get_db().in_one_read(attempt)
    return wrapper


def note_resolved(param: str, given: str, found: Resolved) -> None:
    """Note a name resolved elsewhere (an item path) for `X-Resolved`."""
    g.setdefault("kb_resolved", []).append(
        {"param": param, "given": given, "id": found.id, "name": found.name,
         "entity": found.entity})


def _add_header(response: Response) -> Response:
    noted = g.get("kb_resolved")
    if noted:
        # ASCII-only JSON: header values must be Latin-1; names keep their script as \\u escapes
        response.headers[HEADER] = json.dumps(noted, ensure_ascii=True)
    return response


def init_app(app: Flask) -> None:
    """Report resolutions on every response."""
    app.after_request(_add_header)
