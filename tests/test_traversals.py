"""Analyst traversals through the hierarchy and succession: below(), between with
predecessors, the timeline, the dossier as of a date, and gaps by pair of States."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from kb.db import Database
from kb.hierarchy import below
from kb.queries.coverage import RANK
from tests.conftest import KB
from tests.factories import e, r

S = ["example-source"]


def history(*entries: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"status": status, "since": since, "sources": S} for status, since in entries]


def ok(client: FlaskClient, url: str) -> Any:
    resp = client.get(url)
    assert resp.status_code == 200, resp.json
    return resp.json


def explained(items: list[dict[str, Any]]) -> list[tuple[str, list[tuple[str, str]]]]:
    return [(m["id"], [(a["party"], a["how"]) for a in m["match"]["actors"]]) for m in items]


# Russia succeeds the USSR (1991-12-24), the Russian Navy the Soviet Navy (1992).
SUCCESSION = [
    e("Force", "ru-af", name="Russian Armed Forces", kind="armed_forces"),
    e("Force", "ru-navy", name="Russian Navy", kind="service_branch"),
    e("Organization", "ru-mod", name="Russian Ministry of Defence", kind="ministry"),
    e("Force", "su-af", name="Soviet Armed Forces", kind="armed_forces"),
    e("Force", "su-navy", name="Soviet Navy", kind="service_branch"),
    e("Force", "us-navy", name="United States Navy", kind="service_branch"),
    e("Place", "moscow", name="Moscow", kind="city"),
    e("Place", "kubinka", name="Kubinka air base", kind="base"),
    r("FORCE_OF", "ru-af", "RUS"), r("PART_OF", "ru-navy", "ru-af"),
    r("ORGANIZATION_OF", "ru-mod", "RUS"),
    r("FORCE_OF", "su-af", "SUN"), r("PART_OF", "su-navy", "su-af"),
    r("FORCE_OF", "us-navy", "USA"),
    r("LOCATED_IN", "moscow", "RUS"), r("LOCATED_IN", "kubinka", "moscow"),
    r("SUCCESSOR_OF", "RUS", "SUN", valid_from="1991-12-24"),
    r("SUCCESSOR_OF", "ru-navy", "su-navy", valid_from="1992"),
    # the USSR's part ends with it; Russia carries it on
    e("Mechanism", "hotline", name="Washington-Moscow hotline", kind="hotline",
      established_on="1963-08-30"),
    r("PARTY_TO", "USA", "hotline", role="endpoint"),
    r("PARTY_TO", "SUN", "hotline", role="endpoint", valid_to="1991-12"),
    e("Agreement", "incsea", name="Incidents at Sea Agreement", kind="agreement",
      signed_on="1972-05-25"),
    r("PARTY_TO", "USA", "incsea", role="party"),
    r("PARTY_TO", "su-navy", "incsea", role="party", valid_to="1991-12"),
    r("COVERS", "incsea", "naval"),
    # the USSR left this one long before the succession: nothing passes to Russia
    e("Agreement", "old-pact", name="Old pact", kind="agreement", signed_on="1960"),
    r("PARTY_TO", "USA", "old-pact"), r("PARTY_TO", "SUN", "old-pact", valid_to="1980"),
    # the Russian ministry (via_state) is a closer party than a Soviet force (via_predecessor)
    e("Agreement", "mixed", name="Mixed agreement", kind="agreement", signed_on="1995"),
    r("PARTY_TO", "USA", "mixed"), r("PARTY_TO", "ru-mod", "mixed"),
    r("PARTY_TO", "su-af", "mixed"),
]


def test_below_takes_hierarchy_places_and_predecessors(db: Database, empty_kb: KB) -> None:
    empty_kb.load(SUCCESSION)
    assert below(db, ["RUS", "ru-af", "moscow", "su-navy", "nowhere"]) == {
        "RUS": ["RUS", "SUN", "kubinka", "moscow", "ru-af", "ru-mod", "ru-navy", "su-af",
                "su-navy"],
        "ru-af": ["ru-af", "ru-navy", "su-navy"],  # the Russian Navy's predecessor too
        "moscow": ["moscow", "kubinka"],
        "su-navy": ["su-navy"],  # a predecessor does not stand for its successor
        "nowhere": ["nowhere"],
    }
    assert below(db, []) == {}


def test_between_follows_succession_from_its_date(client: FlaskClient, empty_kb: KB) -> None:
    empty_kb.load(SUCCESSION)
    found = ok(client, "/api/v1/mechanisms?between=USA&between=Russian%20Federation"
                       "&as_of=2000")
    assert explained(found) == [("hotline", [("USA", "direct"), ("SUN", "via_predecessor")])]
    assert {p["id"] for p in found[0]["parties"]} == {"USA", "SUN"}
    assert found[0]["status_as_of"] == {"status": None, "since": None}
    # on the succession's date (month precision may include it), not the day before
    assert [m["id"] for m in ok(client, "/api/v1/mechanisms?between=USA&between=RUS"
                                        "&as_of=1991-12")] == ["hotline"]
    assert ok(client, "/api/v1/mechanisms?between=USA&between=RUS&as_of=1991-12-23") == []
    assert ok(client, "/api/v1/mechanisms?between=USA&between=RUS&as_of=1980") == []

    # a State's predecessor's forces; the closer way first (ru-mod via_state); not old-pact
    agreements = ok(client, "/api/v1/agreements?between=USA&between=RUS&as_of=2000")
    assert explained(agreements) == [
        ("mixed", [("USA", "direct"), ("ru-mod", "via_state")]),
        ("incsea", [("USA", "direct"), ("su-navy", "via_predecessor")])]
    assert RANK["via_predecessor"] > max(v for k, v in RANK.items() if k != "via_predecessor")

    # a force's own succession, from its own date (1992): the Soviet Navy's part, ended with
    # the USSR in 1991-12, passes across the interim; the USSR's part in old-pact (left in
    # 1980) did not pass to Russia above
    navies = "/api/v1/agreements?between=us-navy&between=ru-navy&domain=naval"
    assert explained(ok(client, f"{navies}&as_of=1995")) == [
        ("incsea", [("USA", "via_state"), ("su-navy", "via_predecessor")])]
    assert ok(client, f"{navies}&as_of=1991-12-30") == []


SEED_SUCCESSION = any("SUCCESSOR_OF" in f.read_text(encoding="utf-8")
                      for f in (Path(__file__).parent.parent / "seed_data").glob("*.yaml"))


@pytest.mark.skipif(not SEED_SUCCESSION,
                    reason="waits for the seed's SUCCESSOR_OF records (RUS -> SUN, ...)")
def test_seed_us_russia_through_the_soviet_union(client: FlaskClient, seeded_kb: KB) -> None:
    mechanisms = ok(client, "/api/v1/mechanisms?between=United%20States&between=Russia")
    hotline = {m["id"]: m for m in mechanisms}["moscow-washington-hotline"]
    assert [(a["actor"], a["party"], a["how"]) for a in hotline["match"]["actors"]] == [
        ("USA", "USA", "direct"), ("RUS", "SUN", "via_predecessor")]
    agreements = {a["id"]: a for a in ok(client, "/api/v1/agreements?between=USA"
                                                 "&between=Russia")}
    assert {"us-ussr-incsea-1972", "us-ussr-hotline-mou-1963"} <= set(agreements)
    assert [a["how"] for a in agreements["us-ussr-hotline-mou-1963"]["match"]["actors"]] == [
        "direct", "via_predecessor"]
    before = ok(client, "/api/v1/mechanisms?between=USA&between=Russia&as_of=1990")
    assert "moscow-washington-hotline" not in {m["id"] for m in before}


# Israeli and Russian forces, their talks, posts and a mechanism
TALKS = [
    e("Force", "idf", name="Israel Defense Forces", kind="armed_forces"),
    e("Force", "iaf", name="Israeli Air Force", kind="service_branch"),
    e("Force", "ruaf", name="Russian Armed Forces", kind="armed_forces"),
    e("Force", "vks", name="Russian Aerospace Forces", kind="service_branch"),
    e("Organization", "ru-mod", name="Russian Ministry of Defence", kind="ministry"),
    e("Person", "golan", name="Yair Golan"),
    e("Person", "bogd", name="Nikolai Bogdanovsky"),
    e("Person", "eisenkot", name="Gadi Eisenkot"),
    e("Event", "talks-2015", name="Talks in Tel Aviv", kind="talks", start="2015-10-06",
      end="2015-10-08"),
    e("Event", "talks-2018", name="Talks in Moscow", kind="talks", start="2018-03"),
    e("Event", "statement-2016", name="Ministry statement", kind="statement", start="2016-02"),
    e("Mechanism", "line", name="Deconfliction line", kind="hotline",
      status_history=history(("under_negotiation", "2015-10-06"), ("active", "2016-01"))),
    e("Operation", "op-vks", name="Russian air campaign", kind="air_campaign",
      start="2015-09-30"),
    r("FORCE_OF", "idf", "ISR"), r("PART_OF", "iaf", "idf"),
    r("FORCE_OF", "ruaf", "RUS"), r("PART_OF", "vks", "ruaf"),
    r("ORGANIZATION_OF", "ru-mod", "RUS"),
    r("PARTICIPATED_IN", "golan", "talks-2015", role="host"),
    r("PARTICIPATED_IN", "golan", "talks-2015", role="head_of_delegation"),
    r("PARTICIPATED_IN", "bogd", "talks-2015", role="head_of_delegation"),
    r("PARTICIPATED_IN", "idf", "talks-2015"), r("PARTICIPATED_IN", "ruaf", "talks-2015"),
    r("PARTICIPATED_IN", "eisenkot", "talks-2018", role="head_of_delegation"),
    r("PARTICIPATED_IN", "bogd", "talks-2018", role="delegation_member"),
    r("PARTICIPATED_IN", "idf", "talks-2018"), r("PARTICIPATED_IN", "ruaf", "talks-2018"),
    r("PARTICIPATED_IN", "ru-mod", "statement-2016", role="issuer"),
    r("PARTY_TO", "idf", "line"), r("PARTY_TO", "ruaf", "line"), r("COVERS", "line", "aerial"),
    r("CONDUCTS", "vks", "op-vks"),
    r("HOLDS_POST", "golan", "idf", title="Commander, Northern Command", valid_from="2011-07",
      valid_to="2014-10"),
    r("HOLDS_POST", "golan", "idf", title="Deputy Chief of the General Staff",
      valid_from="2014-12", valid_to="2017-05"),
    r("HOLDS_POST", "bogd", "ruaf", title="First Deputy Chief of the General Staff"),
    r("HOLDS_POST", "eisenkot", "idf", title="Chief of the General Staff",
      valid_from="2015-02", valid_to="2019-01"),
]


@pytest.fixture
def talks_kb(empty_kb: KB) -> KB:
    empty_kb.load(TALKS)
    return empty_kb


def test_timeline_keeps_both_roles_of_one_person(client: FlaskClient, talks_kb: KB) -> None:
    items = ok(client, "/api/v1/timeline?entity=golan")
    assert [(i["date"], i["what"], i["id"], i["roles"]) for i in items] == [
        ("2011-07", "post", "idf", []),
        ("2014-12", "post", "idf", []),
        ("2015-10-06", "event", "talks-2015", ["head_of_delegation", "host"]),
    ]
    assert "role" not in items[2] and items[2]["entities"] == ["golan"]


def test_timeline_through_the_hierarchy(client: FlaskClient, talks_kb: KB) -> None:
    direct = client.get("/api/v1/timeline?entity=Russian%20Federation")
    assert direct.status_code == 200, direct.json
    assert direct.json == [] and direct.headers["X-Total-Count"] == "0"
    items = ok(client, "/api/v1/timeline?entity=Russian%20Federation&match=hierarchy")
    assert [(i["date"], i["what"], i["id"], i["roles"], i["through"]) for i in items] == [
        ("2015-09-30", "operation", "op-vks", [], ["vks"]),
        ("2015-10-06", "event", "talks-2015", [], ["ruaf"]),
        ("2015-10-06", "status_change", "line", [], ["ruaf"]),
        ("2016-01", "status_change", "line", [], ["ruaf"]),
        ("2016-02", "event", "statement-2016", ["issuer"], ["ru-mod"]),
        ("2018-03", "event", "talks-2018", [], ["ruaf"]),
    ]
    assert all(i["entities"] == ["RUS"] for i in items)
    only = ok(client, "/api/v1/timeline?entity=RUS&match=hierarchy&what=operation"
                      "&what=event&from_date=2016")
    assert [i["id"] for i in only] == ["statement-2016", "talks-2018"]


def test_timeline_parameters_and_pages(client: FlaskClient, talks_kb: KB) -> None:
    window = ok(client, "/api/v1/timeline?entity=ruaf&from_date=2016&to_date=2016")
    assert [(i["date"], i["what"], i.get("status")) for i in window] == [
        ("2016-01", "status_change", "active")]
    backwards = client.get("/api/v1/timeline?entity=ruaf&from_date=2017&to_date=2016-06")
    assert backwards.status_code == 422, backwards.json
    assert backwards.json is not None
    errors = backwards.json["errors"]
    assert {(x["field"], x["location"]) for x in errors} == {("from_date", "query"),
                                                             ("to_date", "query")}
    assert all("swap them" in x["message"] for x in errors)
    for old in ("from=2016", "to=2016", "kind=post", "match=sideways"):
        resp = client.get(f"/api/v1/timeline?entity=ruaf&{old}")
        assert resp.status_code == 422, (old, resp.json)

    page = client.get("/api/v1/timeline?entity=RUS&match=hierarchy&page_size=2&page=2")
    assert page.status_code == 200, page.json
    assert [(i["date"], i["what"]) for i in page.json or []] == [
        ("2015-10-06", "status_change"), ("2016-01", "status_change")]
    assert page.headers["X-Total-Count"] == "6"
    links = page.headers["Link"]
    assert all(f'rel="{rel}"' in links for rel in ("first", "prev", "next", "last"))
    assert "page=3" in links and "match=hierarchy" in links


def test_dossier_as_of_a_date(client: FlaskClient, talks_kb: KB) -> None:
    d = ok(client, "/api/v1/dossier?between=idf&between=ruaf&as_of=2015-12")
    assert [ev["id"] for ev in d["events"]] == ["talks-2015"]  # not the talks of 2018
    assert [(p["id"], p["roles"]) for p in d["events"][0]["participants"]] == [
        ("idf", []), ("bogd", ["head_of_delegation"]), ("ruaf", []),
        ("golan", ["head_of_delegation", "host"])]  # one entry each, by name
    assert [m["status_as_of"] for m in d["mechanisms"]] == [
        {"status": "under_negotiation", "since": "2015-10-06"}]
    officials = {p["id"]: p for p in d["officials"]}
    assert list(officials) == ["bogd", "golan"]  # by name; Eisenkot came in 2018
    assert officials["golan"]["involvement"] == [
        {"event": "talks-2015", "agreement": None, "roles": ["head_of_delegation", "host"],
         "how": None}]
    assert officials["golan"]["posts"] == [
        {"title": "Deputy Chief of the General Staff",
         "organization": {"id": "idf", "name": "Israel Defense Forces"},
         "valid_from": "2014-12", "valid_to": "2017-05"}]
    assert officials["bogd"]["posts"] == [
        {"title": "First Deputy Chief of the General Staff",
         "organization": {"id": "ruaf", "name": "Russian Armed Forces"},
         "valid_from": None, "valid_to": None}]  # undated: may hold at any date

    later = ok(client, "/api/v1/dossier?between=idf&between=ruaf&as_of=2018-06")
    assert [ev["id"] for ev in later["events"]] == ["talks-2015", "talks-2018"]
    officials = {p["id"]: p for p in later["officials"]}
    assert list(officials) == ["eisenkot", "bogd", "golan"]
    assert officials["golan"]["posts"] == []  # left the post in 2017-05
    assert [p["title"] for p in officials["eisenkot"]["posts"]] == [
        "Chief of the General Staff"]
    assert officials["bogd"]["involvement"] == [
        {"event": "talks-2015", "agreement": None, "roles": ["head_of_delegation"], "how": None},
        {"event": "talks-2018", "agreement": None, "roles": ["delegation_member"], "how": None}]


# Two Israeli and two Russian forces and one American in one theatre, in the air
GAPS = [
    e("Force", "idf", name="Israel Defense Forces", kind="armed_forces"),
    e("Force", "iaf", name="Israeli Air Force", kind="service_branch"),
    e("Force", "ruaf", name="Russian Armed Forces", kind="armed_forces"),
    e("Force", "vks", name="Russian Aerospace Forces", kind="service_branch"),
    e("Force", "usaf", name="United States Air Force", kind="service_branch"),
    e("Place", "theatre-x", name="Theatre X", kind="theatre"),
    r("FORCE_OF", "idf", "ISR"), r("PART_OF", "iaf", "idf"),
    r("FORCE_OF", "ruaf", "RUS"), r("PART_OF", "vks", "ruaf"), r("FORCE_OF", "usaf", "USA"),
    r("LOCATED_IN", "theatre-x", "SYR"),
    *[x for force, start in (("idf", "2013"), ("iaf", "2013"), ("ruaf", "2015-09-30"),
                             ("vks", "2015-09-30"), ("usaf", "2014"))
      for x in (e("Operation", f"op-{force}", name=f"Air operations of {force}",
                  kind="air_strikes", start=start),
                r("CONDUCTS", force, f"op-{force}"),
                r("IN_THEATRE", f"op-{force}", "theatre-x"),
                r("IN_DOMAIN", f"op-{force}", "aerial"))],
    e("Mechanism", "il-ru", name="Israel-Russia line", kind="hotline",
      status_history=history(("under_negotiation", "2015-10-06"), ("active", "2016-09"))),
    r("PARTY_TO", "idf", "il-ru"), r("PARTY_TO", "ruaf", "il-ru"), r("COVERS", "il-ru", "aerial"),
    e("Mechanism", "us-ru-land", name="US-Russia land line", kind="liaison",
      status_history=history(("active", "2015"))),
    r("PARTY_TO", "USA", "us-ru-land"), r("PARTY_TO", "RUS", "us-ru-land"),
    r("COVERS", "us-ru-land", "land"),
]


def pairs(gaps: list[dict[str, Any]], key: str) -> list[tuple[str, str]]:
    return [(g[key][0]["id"], g[key][1]["id"]) for g in gaps]


def test_gaps_by_pair_of_states_and_of_forces(client: FlaskClient, empty_kb: KB) -> None:
    empty_kb.load(GAPS)
    url = "/api/v1/gaps?theatre=theatre-x&domain=air&as_of=2016-06"
    states = ok(client, url)
    assert pairs(states, "states") == [("ISR", "RUS"), ("ISR", "USA"), ("RUS", "USA")]
    il_ru = states[0]
    assert (il_ru["theatre"], il_ru["domain"], il_ru["level"]) == (
        {"id": "theatre-x", "name": "Theatre X"}, "aerial", "state")
    assert [(s["name"], [f["id"] for f in s["forces"]]) for s in il_ru["states"]] == [
        ("Israel", ["iaf", "idf"]), ("Russian Federation", ["ruaf", "vks"])]
    assert il_ru["states"][1]["forces"][1]["evidence"][0]["operation"] == "op-vks"
    assert il_ru["mechanisms_missing_domain_or_inactive"] == [
        {"id": "il-ru", "name": "Israel-Russia line", "domains": ["aerial"],
         "status_as_of": {"status": "under_negotiation", "since": "2015-10-06"}}]
    us_ru = states[2]["mechanisms_missing_domain_or_inactive"]
    assert [(m["id"], m["status_as_of"]) for m in us_ru] == [
        ("us-ru-land", {"status": "active", "since": "2015"})]  # covers only land

    forces = ok(client, f"{url}&level=force")
    israel_russia = [p for p in pairs(forces, "forces")
                     if p[0] in ("iaf", "idf") and p[1] in ("ruaf", "vks")]
    assert israel_russia == [("iaf", "ruaf"), ("iaf", "vks"), ("idf", "ruaf"), ("idf", "vks")]
    assert len(forces) == 8 and all(g["level"] == "force" for g in forces)

    # once the line is active, the two States are covered: their forces are under it
    later = ok(client, "/api/v1/gaps?theatre=theatre-x&domain=aerial&as_of=2017")
    assert pairs(later, "states") == [("ISR", "USA"), ("RUS", "USA")]

    # a State as theatre: the places in it
    assert ok(client, "/api/v1/gaps?theatre=Syria&domain=aerial&as_of=2016-06") == states
    assert ok(client, "/api/v1/gaps?theatre=ISR&as_of=2016-06") == []

    page = client.get(f"{url}&page_size=1&page=2")
    assert page.status_code == 200, page.json
    assert pairs(page.json or [], "states") == [("ISR", "USA")]
    assert page.headers["X-Total-Count"] == "3"
    assert 'rel="next"' in page.headers["Link"] and 'rel="prev"' in page.headers["Link"]
    assert client.get(f"{url}&level=brigade").status_code == 422


def test_gaps_count_a_unit_for_the_state_of_the_first_force_above_it(
        client: FlaskClient, empty_kb: KB) -> None:
    # a squadron three levels under the forces of Israel (its wing and the air force hold
    # no FORCE_OF), and a force of no State: the first counts for Israel, the second for none
    deep = [e("Force", "sq-1", name="Squadron 1", kind="unit"),
            e("Force", "wing-1", name="Wing 1", kind="unit"),
            e("Force", "stateless", name="A force of no State", kind="unit"),
            r("PART_OF", "sq-1", "wing-1"), r("PART_OF", "wing-1", "iaf")]
    for force in ("sq-1", "stateless"):
        deep += [e("Operation", f"op-{force}", name=f"Air operations of {force}",
                   kind="air_strikes", start="2016"),
                 r("CONDUCTS", force, f"op-{force}"), r("IN_THEATRE", f"op-{force}", "theatre-x"),
                 r("IN_DOMAIN", f"op-{force}", "aerial")]
    empty_kb.load(GAPS + deep)
    url = "/api/v1/gaps?theatre=theatre-x&domain=aerial&as_of=2016-06"
    israel = next(s for g in ok(client, url) for s in g["states"] if s["id"] == "ISR")
    assert [f["id"] for f in israel["forces"]] == ["iaf", "idf", "sq-1"]
    assert israel["forces"][2]["state"] == "ISR"
    forces = {f for g in ok(client, f"{url}&level=force") for f in
              (g["forces"][0]["id"], g["forces"][1]["id"])}
    assert "sq-1" in forces and "stateless" not in forces


def test_seed_traversals(client: FlaskClient, seeded_kb: KB) -> None:
    # as of the Tel Aviv talks: from 2015-10-14 the Israel-Russia hotline was in service
    url = "/api/v1/gaps?theatre=syria-theatre&domain=aerial&as_of=2015-10-08"
    israel_russia = [g for g in ok(client, url)
                     if {s["id"] for s in g["states"]} == {"ISR", "RUS"}]
    assert len(israel_russia) == 1
    [gap] = israel_russia
    assert [(s["id"], [f["id"] for f in s["forces"]]) for s in gap["states"]] == [
        ("ISR", ["idf", "israeli-air-force"]), ("RUS", ["RUS", "ru-aerospace-forces"])]
    assert [(m["id"], m["status_as_of"]) for m in gap["mechanisms_missing_domain_or_inactive"]
            ] == [("il-ru-syria-deconfliction",
                   {"status": "under_negotiation", "since": "2015-10-06"})]
    forces = ok(client, f"{url}&level=force")
    israeli = {"idf", "israeli-air-force"}
    assert sorted(p for p in pairs(forces, "forces") if israeli & set(p)
                  and {"RUS", "ru-aerospace-forces"} & set(p)) == [
        ("RUS", "idf"), ("RUS", "israeli-air-force"), ("idf", "ru-aerospace-forces"),
        ("israeli-air-force", "ru-aerospace-forces")]

    golan = ok(client, "/api/v1/timeline?entity=yair-golan&what=event")
    talks = [i for i in golan if i["id"] == "il-ru-tel-aviv-talks-2015-10"]
    assert [i["roles"] for i in talks] == [["head_of_delegation", "host"]]

    d = ok(client, "/api/v1/dossier?between=IDF&between=Russian%20armed%20forces"
                   "&as_of=2015-12")
    assert [ev["id"] for ev in d["events"]] == [  # with the first hotline exercise (issue 11)
        "il-ru-moscow-follow-up-talks-2015", "netanyahu-putin-moscow-2015-09-21",
        "il-ru-tel-aviv-talks-2015-10", "il-ru-hotline-first-exercise-2015-10-14"]
    officials = {p["id"]: p for p in d["officials"]}
    assert [(p["title"], p["organization"]["id"]) for p in officials["yair-golan"]["posts"]
            ] == [("Deputy Chief of the General Staff", "idf-general-staff")]
