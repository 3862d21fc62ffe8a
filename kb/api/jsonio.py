"""The app's JSON encoder: orjson, through Flask's JSON provider interface.

Serialization is a large share of the API's own work per request (docs/performance.md), and
orjson encodes the same bodies several times faster than the standard library. Bodies keep
their key order and non-ASCII text as the standard encoder was configured to give them.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from flask import Flask
from flask.json.provider import DefaultJSONProvider, JSONProvider


class OrjsonProvider(JSONProvider):
    """Flask's JSON provider on orjson; values orjson cannot encode (dates are fine; Decimal
    and objects with `__html__` are not) fall back to Flask's own conversions."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialize to JSON text (keyword options of the standard encoder are ignored)."""
        try:
            return orjson.dumps(obj, default=DefaultJSONProvider.default).decode()
        except orjson.JSONEncodeError:
            # what orjson refuses (integers past 64 bits, text with lone surrogates) the
            # standard encoder still writes, as ASCII so that a lone surrogate cannot fail
            # the UTF-8 encoding of the body: an odd stored value must not turn into a 500
            return json.dumps(obj, default=DefaultJSONProvider.default)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse JSON text."""
        return orjson.loads(s)


def init_app(app: Flask) -> None:
    """Make orjson the app's JSON provider (jsonify, request.get_json, flask-smorest)."""
    app.json = OrjsonProvider(app)
