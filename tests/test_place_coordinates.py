"""Coordinates of the seed Places: sourced, complete, in range, and mapped by the GeoJSON output.

The seed Places carry `latitude` / `longitude` (WGS84 decimal degrees) where a reference page
gives them; each such Place cites the page it was read from, a `geo-*` Source (kind
reference_work, with url and Admiralty grade). Vague places (theatres, borders, seas, broad
regions) carry neither coordinate.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import KB

# Spot checks: (place, latitude, longitude, the Source the coordinates were read from).
EXPECTED = [
    ("hmeimim-air-base", 35.41167, 35.945, "geo-askwikinow-khmeimim-air-base"),
    ("tel-aviv", 32.0875, 34.7969, "geo-wikimapia-tel-aviv"),
    ("at-tanf-garrison", 33.50583, 38.61778, "geo-wikizero-al-tanf"),
    ("naqoura", 33.1183, 35.14, "geo-wikipedia-naqoura"),
    ("moscow", 55.7558, 37.6173, "geo-worldpopulationreview-moscow"),
    ("washington-dc", 38.8948, -77.0364, "geo-cove-washington-dc"),  # west: negative longitude
    ("london", 51.5073, -0.1277, "geo-iana-tz-london-charing-cross"),
    ("tokyo", 35.6895, 139.6917, "geo-wikipedia-sco-tokyo"),
]
# Places too vague for one point: they must stay without coordinates.
VAGUE = ["syria-theatre", "high-seas", "black-sea", "line-of-control", "northern-syria"]
COORDINATE_SOURCE_PREFIX = "geo-"


def listing(client: FlaskClient, path: str) -> list[dict[str, Any]]:
    """Every item of a collection (one page is enough for the seed data)."""
    r = client.get(f"/api/v1/{path}?page_size=500")
    assert r.status_code == 200, r.json
    assert isinstance(r.json, list)
    return r.json


@pytest.fixture
def places(client: FlaskClient, seeded_kb: KB) -> dict[str, dict[str, Any]]:
    return {p["id"]: p for p in listing(client, "places")}


@pytest.fixture
def sources(client: FlaskClient, seeded_kb: KB) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in listing(client, "sources")}


def located(places: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {k: p for k, p in places.items()
            if p.get("latitude") is not None or p.get("longitude") is not None}


def test_spot_checked_coordinates_and_their_sources(places: dict[str, dict[str, Any]]) -> None:
    for pid, lat, lon, source in EXPECTED:
        place = places[pid]
        assert place["latitude"] == pytest.approx(lat, abs=1e-4), pid
        assert place["longitude"] == pytest.approx(lon, abs=1e-4), pid
        assert source in place["sources"], (pid, place["sources"])
    for pid in VAGUE:
        assert places[pid].get("latitude") is None and places[pid].get("longitude") is None, pid


def test_every_located_place_has_both_in_range_and_cites_a_graded_reference(
        places: dict[str, dict[str, Any]], sources: dict[str, dict[str, Any]]) -> None:
    with_coordinates = located(places)
    assert len(with_coordinates) >= 25, sorted(with_coordinates)
    cited: set[str] = set()
    for pid, place in with_coordinates.items():
        lat, lon = place.get("latitude"), place.get("longitude")
        assert isinstance(lat, (int, float)) and isinstance(lon, (int, float)), (pid, lat, lon)
        assert -90 <= lat <= 90 and -180 <= lon <= 180, (pid, lat, lon)
        refs = [s for s in place["sources"] if s.startswith(COORDINATE_SOURCE_PREFIX)]
        assert refs, (pid, place["sources"])
        cited.update(refs)
        for sid in refs:
            source = sources[sid]
            assert source["kind"] == "reference_work", sid
            assert source["url"].startswith(("http://", "https://")), sid
            assert source["reliability"] and source["credibility"], sid
    coordinate_sources = {s for s in sources if s.startswith(COORDINATE_SOURCE_PREFIX)}
    assert coordinate_sources == cited, coordinate_sources ^ cited  # none unused, none missing


def test_geojson_maps_every_located_place_lon_lat(
        client: FlaskClient, places: dict[str, dict[str, Any]]) -> None:
    r = client.get("/api/v1/places?page_size=500&format=geojson")
    assert r.status_code == 200, r.data[:300]
    assert r.mimetype == "application/geo+json"
    features = {f["id"]: f for f in r.json["features"]}
    assert set(features) == set(places)
    with_coordinates = located(places)
    mapped = {k for k, f in features.items() if f["geometry"] is not None}
    assert mapped == set(with_coordinates)
    for pid, place in with_coordinates.items():
        assert features[pid]["geometry"] == {
            "type": "Point", "coordinates": [place["longitude"], place["latitude"]]}
    for pid, lat, lon, _ in EXPECTED:
        assert features[pid]["geometry"]["coordinates"] == [pytest.approx(lon, abs=1e-4),
                                                           pytest.approx(lat, abs=1e-4)]
