"""Questions an analyst asks, in plain API calls with names (not ids), on the seed data.

Each test is one question and checks the answer the knowledge base should give. Together
they cover every example of the issue "Answers an analyst can trust".
"""

from __future__ import annotations

import json

from flask.testing import FlaskClient

from tests.conftest import KB
from tests.factories import API, e, get, ids, r

# 1. names in filters ------------------------------------------------------------------

def test_which_mechanisms_is_the_idf_party_to(anonymous: FlaskClient, seeded_kb: KB) -> None:
    by_name = ids(anonymous, "mechanisms?party=IDF")
    assert by_name == ids(anonymous, "mechanisms?party=idf")
    assert "il-ru-syria-deconfliction" in by_name and len(by_name) == 4


def test_what_is_russia_itself_party_to(anonymous: FlaskClient, seeded_kb: KB) -> None:
    answer = get(anonymous, "agreements?party=Russia")
    assert "open-skies-treaty" in [a["id"] for a in answer.json]
    [resolved] = json.loads(answer.headers["X-Resolved"])
    assert (resolved["given"], resolved["id"]) == ("Russia", "RUS")


def test_a_name_that_matches_nothing_is_a_404_not_an_empty_list(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    answer = get(anonymous, "mechanisms?party=nosuchthing", 404)
    assert answer.json["errors"][0]["field"] == "party"


def test_what_did_russia_suspend_through_its_ministries_and_forces(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    # asked as of 2017-05-01: the Syria air-safety memorandum, suspended on 2017-04-07, was
    # restored on 2017-05-06 (issue 11), so it is no longer suspended today
    direct = ids(anonymous, "agreements?party=Russia&status=suspended&as_of=2017-05-01")
    through = ids(anonymous, "agreements?party=Russia&status=suspended&as_of=2017-05-01"
                             "&match=hierarchy")
    assert "us-ru-syria-flight-safety-mou-2015" in through
    assert "us-ru-syria-flight-safety-mou-2015" not in direct


def test_which_mechanisms_involve_russias_forces(anonymous: FlaskClient, seeded_kb: KB) -> None:
    found = ids(anonymous, "mechanisms?party=Russia&match=hierarchy")
    assert {"il-ru-syria-deconfliction", "us-ru-syria-air-deconfliction-line",
            "moscow-washington-hotline"} <= set(found)
    assert set(ids(anonymous, "mechanisms?party=Russia")) < set(found)


def test_which_forces_does_israel_have(anonymous: FlaskClient, seeded_kb: KB) -> None:
    assert {"idf", "israeli-air-force", "israeli-navy"} <= set(
        ids(anonymous, "forces?state=Israel"))


def test_which_talks_did_yair_golan_take_part_in(anonymous: FlaskClient, seeded_kb: KB) -> None:
    assert "il-ru-tel-aviv-talks-2015-10" in ids(anonymous, "events?participant=Yair%20Golan")


def test_which_operations_ran_in_syria(anonymous: FlaskClient, seeded_kb: KB) -> None:
    # a State given as a theatre means the places in it
    found = ids(anonymous, "operations?theatre=Syria")
    assert {"ru-air-campaign-syria", "israeli-air-strikes-syria"} <= set(found)


def test_what_do_the_russian_aerospace_forces_conduct(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    assert "ru-air-campaign-syria" in ids(
        anonymous, "operations?conducted_by=Russian%20Aerospace%20Forces")


def test_which_places_lie_in_israel(anonymous: FlaskClient, seeded_kb: KB) -> None:
    assert "tel-aviv" in ids(anonymous, "places?located_in=Israel")


def test_who_holds_posts_in_the_idf_general_staff(anonymous: FlaskClient, seeded_kb: KB) -> None:
    assert "yair-golan" in ids(anonymous, "persons?organization=IDF%20General%20Staff")


def test_what_relations_start_at_yair_golan(anonymous: FlaskClient, seeded_kb: KB) -> None:
    types = {rel["type"] for rel in get(anonymous, "relations?from=Yair%20Golan").json}
    assert {"HOLDS_POST", "PARTICIPATED_IN"} <= types


def test_who_is_yair_golan(anonymous: FlaskClient, seeded_kb: KB) -> None:
    answer = get(anonymous, "persons/Yair%20Golan")
    assert answer.json["id"] == "yair-golan"


# 2. as of a date ----------------------------------------------------------------------

def test_what_was_the_israel_russia_mechanisms_status_in_october_2015(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    found = {m["id"]: m for m in get(anonymous, "mechanisms?as_of=2015-10-08&party=IDF").json}
    assert found["il-ru-syria-deconfliction"]["status_as_of"] == {
        "status": "under_negotiation", "since": "2015-10-06"}


def test_which_mechanisms_were_under_negotiation_in_october_2015(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    found = ids(anonymous, "mechanisms?as_of=2015-10-08&status=under_negotiation")
    assert "il-ru-syria-deconfliction" in found
    assert "il-ru-syria-deconfliction" not in ids(
        anonymous, "mechanisms?as_of=2015-10-08&status=active")


def test_what_linked_the_idf_and_russia_by_december_2015(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    answer = get(anonymous, "dossier?between=IDF&between=Russian%20armed%20forces&as_of=2015-12")
    starts = [ev["start"] for ev in answer.json["events"]]
    assert starts and all(s[:4] <= "2015" for s in starts)
    [mechanism] = [m for m in answer.json["mechanisms"]
                   if m["mechanism"]["id"] == "il-ru-syria-deconfliction"]
    assert set(mechanism["status_as_of"]) == {"status", "since"}


def test_status_as_of_has_one_shape_everywhere(anonymous: FlaskClient, seeded_kb: KB) -> None:
    listed = get(anonymous, "mechanisms?as_of=2016-06&party=IDF").json
    between = get(anonymous, "mechanisms?between=IDF&between=Russia&as_of=2016-06").json
    gaps = get(anonymous, "gaps?theatre=Syria&as_of=2016-06").json
    shapes = ([m["status_as_of"] for m in listed + between]
              + [m["status_as_of"] for g in gaps
                 for m in g["mechanisms_missing_domain_or_inactive"]])
    assert shapes and all(isinstance(s, dict) and set(s) == {"status", "since"}
                          for s in shapes)


def test_who_was_deputy_chief_of_the_general_staff_in_2015(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    posts = get(anonymous, "relations?type=HOLDS_POST&to=IDF%20General%20Staff&as_of=2015").json
    assert [(p["from"], p["title"]) for p in posts] == [
        ("yair-golan", "Deputy Chief of the General Staff")]
    assert get(anonymous, "relations?type=HOLDS_POST&to=IDF%20General%20Staff"
                          "&as_of=2013").json == []


# 3. search ----------------------------------------------------------------------------

def test_search_finds_incidents_at_sea(anonymous: FlaskClient, seeded_kb: KB) -> None:
    hits = get(anonymous, "search?q=incidents%20at%20sea").json
    assert hits and "incsea" in hits[0]["id"]


def test_search_tolerates_typos_and_transliterations(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    for typed, wanted in (("Netanjahu", "benjamin-netanyahu"),
                          ("Bogdanovskiy", "nikolai-bogdanovsky"),
                          ("Hmeymim", "hmeimim")):
        hits = get(anonymous, f"search?q={typed}&entity_kind=Person&entity_kind=Place").json
        assert hits and wanted in hits[0]["id"], typed


def test_search_is_paged_like_every_list(anonymous: FlaskClient, seeded_kb: KB) -> None:
    answer = get(anonymous, "search?q=israel&page_size=2")
    assert len(answer.json) == 2 and int(answer.headers["X-Total-Count"]) > 2
    assert 'rel="next"' in answer.headers["Link"]


# 4. caching ---------------------------------------------------------------------------

def test_adding_a_relation_changes_what_an_etag_validates(
        client: FlaskClient, empty_kb: KB) -> None:
    empty_kb.load([e("Force", "f-a", kind="armed_forces"), e("Force", "f-b", kind="command")])
    before = client.get(f"{API}/forces/f-b")
    assert client.post(f"{API}/relations", json=r("PART_OF", "f-b", "f-a")).status_code == 201
    after = client.get(f"{API}/forces/f-b", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200, "a stale ETag must not get 304"
    assert after.headers["ETag"] != before.headers["ETag"]


def test_an_unchanged_answer_is_not_sent_twice(anonymous: FlaskClient, seeded_kb: KB) -> None:
    first = get(anonymous, "gaps?theatre=Syria")
    again = anonymous.get(f"{API}/gaps?theatre=Syria",
                          headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


# 5. one response style ----------------------------------------------------------------

def test_hotlines_or_liaisons(anonymous: FlaskClient, seeded_kb: KB) -> None:
    kinds = {m["kind"] for m in get(anonymous, "mechanisms?kind=hotline&kind=Liaison"
                                               "&page_size=500").json}
    assert kinds == {"hotline", "liaison"}


def test_between_needs_two_actors(anonymous: FlaskClient, seeded_kb: KB) -> None:
    answer = get(anonymous, "mechanisms?between=IDF", 422)
    assert "between=A&between=B" in answer.json["errors"][0]["message"]


def test_between_answers_can_be_sorted(anonymous: FlaskClient, seeded_kb: KB) -> None:
    names = [m["name"] for m in get(anonymous, "mechanisms?between=United%20States"
                                               "&between=Russia&sort=name").json]
    assert len(names) > 1 and names == sorted(names)


def test_a_misspelt_parameter_is_named(anonymous: FlaskClient, seeded_kb: KB) -> None:
    answer = get(anonymous, "mechanisms?partie=IDF", 422)
    assert answer.json["errors"][0]["field"] == "partie"
    assert "party" in answer.json["errors"][0]["message"]


def test_impossible_dates_and_reversed_ranges(anonymous: FlaskClient, seeded_kb: KB) -> None:
    assert "does not exist" in get(anonymous, "events?from_date=2015-02-30",
                                   422).json["errors"][0]["message"]
    assert "swap them" in get(anonymous, "timeline?entity=IDF&from_date=2016&to_date=2015",
                              422).json["errors"][0]["message"]


# 6. gaps, succession, roles -----------------------------------------------------------

def test_where_do_israel_and_russia_lack_air_deconfliction_during_the_talks(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    # as of 2015-10-08, while the mechanism was under negotiation; from 2015-10-14 the hotline
    # was in service (issue 11), so mid-2016 shows no Israel-Russia gap any more
    gaps = get(anonymous, "gaps?theatre=Syria&domain=air&as_of=2015-10-08").json
    pairs = [sorted(s["id"] for s in g["states"]) for g in gaps]
    assert pairs.count(["ISR", "RUS"]) == 1
    later = get(anonymous, "gaps?theatre=Syria&domain=air&as_of=2016-06").json
    assert ["ISR", "RUS"] not in [sorted(s["id"] for s in g["states"]) for g in later]
    forces = get(anonymous, "gaps?theatre=Syria&domain=air&as_of=2015-10-08&level=force").json
    israel_russia = [g for g in forces
                     if {f["state"] for f in g["forces"]} == {"ISR", "RUS"}]
    assert len(israel_russia) == 4


def test_which_mechanisms_link_the_united_states_and_russia(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    found = {m["id"]: m for m in get(anonymous, "mechanisms?between=United%20States"
                                                "&between=Russia").json}
    hotline = found["moscow-washington-hotline"]
    assert {a["how"] for a in hotline["match"]["actors"]} == {"direct", "via_predecessor"}


def test_the_us_russia_dossier_reaches_back_to_the_soviet_union(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    dossier = get(anonymous, "dossier?between=United%20States&between=Russia").json
    agreements = {a["agreement"]["id"] for a in dossier["agreements"]}
    assert "us-ussr-incsea-1972" in agreements


def test_russias_timeline_includes_its_forces_on_request(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    own = get(anonymous, "timeline?entity=Russia&page_size=500").json
    wide = get(anonymous, "timeline?entity=Russia&match=hierarchy&page_size=500").json
    assert len(wide) > len(own)
    assert "ru-air-campaign-syria" in {i["id"] for i in wide}


def test_yair_golan_hosted_and_headed_the_delegation(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    items = get(anonymous, "timeline?entity=Yair%20Golan&what=event").json
    [talks] = [i for i in items if i["id"] == "il-ru-tel-aviv-talks-2015-10"]
    assert talks["roles"] == ["head_of_delegation", "host"]


def test_mechanisms_between_the_air_forces_in_october_2015(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    answer = get(anonymous, "mechanisms?between=Israeli%20Air%20Force"
                            "&between=Russian%20Aerospace%20Forces&as_of=2015-10-08").json
    [mechanism] = [m for m in answer if m["id"] == "il-ru-syria-deconfliction"]
    assert {d["id"] for d in mechanism["domains"]} == {"aerial", "naval", "electro-magnetic"}


def test_how_is_yair_golan_connected_to_vladimir_putin(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    found = get(anonymous, "paths?from=Yair%20Golan&to=Vladimir%20Putin&page_size=2").json
    assert found and found[0]["nodes"][0]["id"] == "yair-golan"
    assert found[0]["nodes"][-1]["id"] == "vladimir-putin"


def test_the_idf_neighbourhood_shows_statuses_as_of_the_date(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    nodes = {n["id"]: n for n in get(anonymous, "graph?center=IDF&entity_kind=mechanism"
                                                "&as_of=2015-10-08").json["nodes"]}
    assert nodes["il-ru-syria-deconfliction"]["status_as_of"] == {
        "status": "under_negotiation", "since": "2015-10-06"}
    assert "status_as_of" not in nodes["idf"]  # a force has no status
