"""The query layer: all Cypher of the service lives in this package."""

from typing import Any, LiteralString

import neo4j


def trusted(text: str) -> LiteralString:
    """Mark query text assembled only from model names (labels, types, properties).

    Labels, relationship types and property names cannot be query parameters in Cypher,
    so a few queries are assembled from names taken from kb.model, never from input.
    Every caller must validate names against the model first; values stay $parameters.
    """
    return text  # type: ignore[return-value]


class UntrustedName(ValueError):
    """A label, type or property name that is not in the model reached the query layer."""


def check_name(allowed: bool, name: str) -> None:
    """Refuse to build query text from a name the model does not list (unlike `assert`,
    this check stays under `python -O`)."""
    if not allowed:
        raise UntrustedName(f"{name!r} is not a name of the model")


def collected(tx: neo4j.ManagedTransaction, query: LiteralString, **params: Any) -> list[Any]:
    """The rows of a statement that returns them collected in one record, as `rows`.

    The Python driver spends about 15 us on each record it receives, so statements that
    may return many rows end in `RETURN collect({...}) AS rows` (after their ORDER BY, which
    collect keeps): one record, the same rows.
    """
    record = tx.run(query, **params).single()
    return list(record["rows"]) if record else []
