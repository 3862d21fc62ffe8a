"""The query layer: all Cypher of the service lives in this package."""

from typing import LiteralString


def trusted(text: str) -> LiteralString:
    """Mark query text assembled only from model names (labels, types, properties).

    Labels, relationship types and property names cannot be query parameters in Cypher,
    so a few queries are assembled from names taken from kb.model, never from input.
    Every caller must validate names against the model first; values stay $parameters.
    """
    return text  # type: ignore[return-value]
