"""Answers as GeoJSON (RFC 7946): places as points, gaps gathered by theatre.

A feature's geometry is a Point `[longitude, latitude]` when the place has both coordinates
within range (latitude -90..90, longitude -180..180); otherwise it is `null`, which RFC 7946
(3.2) allows for an unlocated feature, so a page holds one feature per item of the JSON page
and paging works alike. Each feature's `id` is the place's id.
"""

from __future__ import annotations

from typing import Any

from kb.db import Database
from kb.queries import geo as geo_queries


def point(latitude: Any, longitude: Any) -> dict[str, Any] | None:
    """A GeoJSON Point ([lon, lat]), or None without valid coordinates."""
    def number(v: Any) -> bool:
        return isinstance(v, int | float) and not isinstance(v, bool)

    if not (number(latitude) and number(longitude)):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return {"type": "Point", "coordinates": [longitude, latitude]}


def collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    """A FeatureCollection of the features."""
    return {"type": "FeatureCollection", "features": features}


def places(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Places as features: a Point each (or null geometry), the place's fields as properties."""
    return collection([
        {"type": "Feature", "id": p["id"],
         "geometry": point(p.get("latitude"), p.get("longitude")), "properties": p}
        for p in items])


def gaps_by_theatre(db: Database, gaps: list[dict[str, Any]]) -> dict[str, Any]:
    """Gaps gathered by theatre: one feature per theatre (its place's point; null geometry
    for a State or a place without coordinates), its gaps in `properties.gaps`."""
    theatres: dict[str, dict[str, Any]] = {}
    for gap in gaps:
        where = gap["theatre"]
        entry = theatres.setdefault(where["id"], {**where, "gap_count": 0, "gaps": []})
        entry["gap_count"] += 1
        entry["gaps"].append({k: v for k, v in gap.items() if k != "theatre"})
    found = db.read_tx(lambda tx: geo_queries.coordinates(tx, list(theatres))) if gaps else {}
    features = []
    for theatre_id, properties in theatres.items():
        at = found.get(theatre_id, {})
        features.append({"type": "Feature", "id": theatre_id,
                         "geometry": point(at.get("latitude"), at.get("longitude")),
                         "properties": {**properties, **at}})
    return collection(features)
