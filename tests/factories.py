"""Record builders shared by the tests: entities and relations citing example-source."""

from __future__ import annotations

from typing import Any

S = ["example-source"]


def e(entity: str, id_: str, **fields: Any) -> dict[str, Any]:
    """An entity record; the name defaults to the id in title case."""
    return {"entity": entity, "id": id_, "name": fields.pop("name", id_.title()), "sources": S,
            **fields}


def r(type_: str, a: str, b: str, **fields: Any) -> dict[str, Any]:
    """A relation record from `a` to `b`."""
    return {"type": type_, "from": a, "to": b, "sources": S, **fields}
