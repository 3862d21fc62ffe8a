"""Record builders shared by the tests: entities and relations citing example-source."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

API = "/api/v1"
S = ["example-source"]


def get(client: FlaskClient, path: str, status: int = 200) -> Any:
    """GET an API path (relative to /api/v1), asserting the status."""
    answer = client.get(f"{API}/{path}")
    assert answer.status_code == status, (path, answer.json)
    return answer


def ids(client: FlaskClient, path: str) -> list[str]:
    """The ids of the items a list path answers (asserting 200)."""
    return [item["id"] for item in get(client, path).json]


def e(entity: str, id_: str, **fields: Any) -> dict[str, Any]:
    """An entity record; the name defaults to the id in title case."""
    return {"entity": entity, "id": id_, "name": fields.pop("name", id_.title()), "sources": S,
            **fields}


def r(type_: str, a: str, b: str, **fields: Any) -> dict[str, Any]:
    """A relation record from `a` to `b`."""
    return {"type": type_, "from": a, "to": b, "sources": S, **fields}


def history(*entries: tuple[str, str]) -> list[dict[str, Any]]:
    """A status_history list from (status, since) pairs."""
    return [{"status": status, "since": since, "sources": S} for status, since in entries]


# Forces of Israel, Russia and the US, their mechanisms and meetings (tests/test_analysis.py)
ANALYSIS_GRAPH = [
    e("Force", "idf", name="Israel Defense Forces", aliases=["IDF"], kind="armed_forces"),
    e("Force", "iaf", name="Israeli Air Force", kind="service_branch"),
    e("Force", "ruaf", name="Armed Forces of the Russian Federation", kind="armed_forces"),
    e("Force", "vks", name="Russian Aerospace Forces", aliases=["VKS"], kind="service_branch"),
    e("Force", "usaf", name="United States Air Force", kind="service_branch"),
    e("Force", "north-a", name="Northern Command (A)", aliases=["Northern Command"],
      kind="command"),
    e("Force", "north-b", name="Northern Command (B)", aliases=["Northern Command"],
      kind="command"),
    e("Person", "golan", name="Yair Golan"),
    e("Person", "bogd", name="Nikolai Bogdanovsky", aliases=["Bogdanovski"]),
    e("Person", "bibi", name="Benjamin Netanyahu"),
    e("Place", "theatre-x", name="Theatre X", kind="theatre"),
    e("Place", "tlv", name="Tel Aviv", kind="city"),
    e("Mechanism", "m1", name="Force-level hotline", kind="hotline",
      status_history=history(("under_negotiation", "2015-10-06"), ("active", "2016-01"),
                             ("terminated", "2020-05"))),
    e("Mechanism", "m2", name="State-level land liaison", kind="liaison",
      status_history=history(("active", "2010"))),
    e("Mechanism", "m3", name="Branch-level EW line", kind="deconfliction_line",
      status_history=history(("active", "2017"))),
    e("Event", "ev1", name="Talks in Tel Aviv", kind="talks", start="2015-10-06"),
    e("Event", "ev0", name="Leaders agree", kind="meeting", start="2015-09-21"),
    e("Operation", "op-ru", name="Russian air campaign", kind="air_campaign",
      start="2015-09-30"),
    e("Operation", "op-il", name="Israeli air operations", kind="air_strikes", start="2013"),
    e("Operation", "op-us", name="US air operations", kind="air_strikes", start="2014"),
    r("FORCE_OF", "idf", "ISR"), r("FORCE_OF", "iaf", "ISR"), r("PART_OF", "iaf", "idf"),
    r("FORCE_OF", "ruaf", "RUS"), r("FORCE_OF", "vks", "RUS"), r("PART_OF", "vks", "ruaf"),
    r("FORCE_OF", "usaf", "USA"), r("FORCE_OF", "north-a", "ISR"),
    r("FORCE_OF", "north-b", "RUS"),
    r("PARTY_TO", "idf", "m1"), r("PARTY_TO", "ruaf", "m1"),
    r("COVERS", "m1", "aerial"), r("COVERS", "m1", "naval"),
    r("PARTY_TO", "ISR", "m2"), r("PARTY_TO", "USA", "m2"), r("COVERS", "m2", "land"),
    r("PARTY_TO", "iaf", "m3"), r("PARTY_TO", "vks", "m3"),
    r("COVERS", "m3", "electro-magnetic"),
    r("HOLDS_POST", "golan", "idf", title="Deputy Chief of the General Staff",
      valid_from="2014-12"),
    r("HOLDS_POST", "bogd", "ruaf", title="First Deputy Chief of the General Staff"),
    r("PARTICIPATED_IN", "golan", "ev1", role="host"),
    r("PARTICIPATED_IN", "bogd", "ev1", role="head_of_delegation"),
    r("PARTICIPATED_IN", "idf", "ev1"), r("PARTICIPATED_IN", "ruaf", "ev1"),
    r("PARTICIPATED_IN", "bibi", "ev0"), r("TOOK_PLACE_IN", "ev1", "tlv"),
    r("FOLLOW_UP_OF", "ev1", "ev0"), r("CONCERNS", "ev1", "m1", how="discussed"),
    r("CONDUCTS", "vks", "op-ru"), r("IN_THEATRE", "op-ru", "theatre-x"),
    r("IN_DOMAIN", "op-ru", "aerial"),
    r("CONDUCTS", "iaf", "op-il"), r("IN_THEATRE", "op-il", "theatre-x"),
    r("IN_DOMAIN", "op-il", "aerial"), r("IN_DOMAIN", "op-il", "electro-magnetic"),
    r("CONDUCTS", "usaf", "op-us"), r("IN_THEATRE", "op-us", "theatre-x"),
    r("IN_DOMAIN", "op-us", "aerial"),
]
