"""Coordinates of places, for GeoJSON answers."""

from __future__ import annotations

from typing import Any

import neo4j

COORDINATES = """
MATCH (p:Place) WHERE p.id IN $ids
RETURN p.id AS id, p.latitude AS latitude, p.longitude AS longitude
"""


def coordinates(tx: neo4j.ManagedTransaction, ids: list[str]) -> dict[str, dict[str, Any]]:
    """{id: {latitude, longitude}} of the Places among `ids` (others are not Places)."""
    return {r["id"]: {"latitude": r["latitude"], "longitude": r["longitude"]}
            for r in tx.run(COORDINATES, ids=ids)}
