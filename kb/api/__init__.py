"""The HTTP layer: blueprints, parameters, paging, caching, problem documents."""

from __future__ import annotations

from flask import g

from kb.auth import caller
from kb.db import get_db
from kb.store import Store


def get_store() -> Store:
    """The request's Store: one per request, on behalf of its caller (like flaskr's get_db)."""
    if "kb_store" not in g:
        g.kb_store = Store(get_db(), caller())
    store: Store = g.kb_store
    return store
