"""Issue 11, second half: analyst questions, by name, that find the instruments added in
seed_data/85-asia-syria-2016-2025.yaml (South Asia after 1991, Syria 2016-2020, US-China and
inter-Korean status changes after 2018, Israel's borders after 2024)."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.conftest import KB
from tests.factories import get


def by_id(client: FlaskClient, path: str) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in get(client, path).json}


# South Asia -----------------------------------------------------------------------------

def test_which_mechanisms_link_india_and_china(anonymous: FlaskClient, seeded_kb: KB) -> None:
    found = by_id(anonymous, "mechanisms?between=India&between=China&page_size=100")
    assert {"in-cn-wmcc", "in-cn-border-personnel-meetings"} <= set(found)
    assert found["in-cn-wmcc"]["status_as_of"]["status"] == "active"


def test_what_india_and_pakistan_had_agreed_by_mid_2012(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    found = by_id(anonymous, "agreements?between=India&between=Pakistan&as_of=2012-06"
                             "&page_size=100")
    assert {"in-pk-lahore-mou-1999", "in-pk-nuclear-accidents-agreement-2007"} <= set(found)
    assert found["in-pk-nuclear-accidents-agreement-2007"]["status_as_of"] == {
        "status": "active", "since": "2012-02-21"}  # the first five-year extension
    assert "in-pk-dgmo-understanding-2025" not in found


def test_who_signed_the_lahore_memorandum_and_where(anonymous: FlaskClient, seeded_kb: KB) -> None:
    signed = get(anonymous, "relations?type=SIGNED&to=Lahore%20MoU").json
    assert {(s["from"], s["on_behalf_of"]) for s in signed} == {
        ("k-raghunath", "IND"), ("shamshad-ahmad", "PAK")}
    places = get(anonymous, "relations?type=SIGNED_AT&from=Lahore%20MoU").json
    assert [p["to"] for p in places] == ["lahore"]


def test_what_the_indian_and_pakistani_armies_agreed_in_may_2025(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    found = by_id(anonymous, "agreements?between=Indian%20Army&between=Pakistan%20Army"
                             "&as_of=2025-06")
    understanding = found["in-pk-dgmo-understanding-2025"]
    assert {d["id"] for d in understanding["domains"]} == {"land", "aerial", "naval"}


# Syria 2016-2020 ------------------------------------------------------------------------

def test_what_the_united_states_and_russia_had_agreed_on_syria_in_august_2017(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    found = by_id(anonymous, "agreements?between=United%20States&between=Russia"
                             "&as_of=2017-08&page_size=100")
    assert {"sw-syria-ceasefire-memorandum-2017",
            "us-ru-at-tanf-deconfliction-understanding"} <= set(found)
    assert found["sw-syria-ceasefire-memorandum-2017"]["status_as_of"] == {
        "status": "active", "since": "2017-07-09"}


def test_the_south_west_ceasefire_was_broken_by_mid_2018(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    found = by_id(anonymous, "agreements?between=Jordan&between=Russia&as_of=2018-08")
    assert found["sw-syria-ceasefire-memorandum-2017"]["status_as_of"]["status"] == "suspended"


def test_which_mechanism_is_jordan_party_to(anonymous: FlaskClient, seeded_kb: KB) -> None:
    assert "amman-monitoring-center-2017" in by_id(anonymous, "mechanisms?party=Jordan")


def test_what_did_iran_sign_as_a_guarantor(anonymous: FlaskClient, seeded_kb: KB) -> None:
    found = by_id(anonymous, "agreements?party=IRN")
    assert "astana-de-escalation-memorandum-2017" in found
    signed = get(anonymous, "relations?type=SIGNED&to=Astana%20memorandum").json
    assert {s["on_behalf_of"] for s in signed} == {"RUS", "TUR", "IRN"}


def test_were_the_m4_patrols_running_in_september_2020(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    found = by_id(anonymous, "mechanisms?between=Turkey&between=Russia&as_of=2020-09"
                             "&page_size=100")
    assert found["tr-ru-joint-patrols-m4"]["status_as_of"] == {
        "status": "suspended", "since": "2020-08-13"}


def test_the_at_tanf_zone_ended_with_the_us_departure(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    in_2019 = by_id(anonymous, "mechanisms?between=United%20States&between=Russia&as_of=2019-06"
                               "&page_size=100")
    assert in_2019["at-tanf-deconfliction-zone"]["status_as_of"]["status"] == "active"
    assert "at-tanf-deconfliction-zone" in by_id(
        anonymous, "mechanisms?status=terminated&page_size=100")


# US-China and Korea after 2018 --------------------------------------------------------

def test_us_china_military_talks_suspended_in_2023_resumed_in_2024(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    path = "mechanisms?between=United%20States&between=China&page_size=100&as_of="
    in_2023 = by_id(anonymous, path + "2023-06")
    late_2024 = by_id(anonymous, path + "2024-10")
    assert in_2023["us-cn-defense-policy-coordination-talks"]["status_as_of"] == {
        "status": "suspended", "since": "2022-08-05"}
    assert late_2024["us-cn-theater-commander-talks"]["status_as_of"] == {
        "status": "active", "since": "2024-09-09"}


def test_what_china_cancelled_after_the_pelosi_visit(anonymous: FlaskClient, seeded_kb: KB) -> None:
    event = get(anonymous, "events/china-cancels-us-military-dialogues-2022-08-05").json
    suspended = {r["other"]["id"] for r in event["relations"]
                 if r["type"] == "CONCERNS" and r.get("how") == "suspended"}
    assert suspended == {"us-cn-theater-commander-talks", "us-cn-defense-policy-coordination-talks",
                         "us-cn-mmca-consultations"}


def test_were_the_korean_military_hotlines_working(anonymous: FlaskClient, seeded_kb: KB) -> None:
    path = "mechanisms?between=ROK&between=DPRK&page_size=100&as_of="
    line = "inter-korean-military-communication-lines"
    assert by_id(anonymous, path + "2020-12")[line]["status_as_of"] == {
        "status": "suspended", "since": "2020-06-09"}
    assert by_id(anonymous, path + "2021-08-01")[line]["status_as_of"] == {
        "status": "active", "since": "2021-07-27"}
    assert by_id(anonymous, path + "2024-01")[line]["status_as_of"]["status"] == "suspended"


# Israel after 2024 ---------------------------------------------------------------------

def test_what_links_israel_and_lebanon_after_november_2024(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    agreements = by_id(anonymous, "agreements?between=Israel&between=Lebanon&as_of=2025-06")
    mechanisms = by_id(anonymous, "mechanisms?between=Israel&between=Lebanon&as_of=2025-06")
    assert agreements["il-lb-cessation-of-hostilities-2024"]["status_as_of"]["status"] == "active"
    assert "il-lb-ceasefire-monitoring-mechanism" in mechanisms


def test_what_happened_to_the_1974_line_in_december_2024(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    events = by_id(anonymous, "events?from_date=2024-12-01&to_date=2024-12-31&page_size=100")
    entered = get(anonymous, f"events/{'idf-enters-area-of-separation-2024-12-08'}").json
    assert "idf-enters-area-of-separation-2024-12-08" in events
    hows = {r["how"] for r in entered["relations"]
            if r["type"] == "CONCERNS" and r["other"]["id"] == "israel-syria-disengagement-1974"}
    assert hows == {"violated", "terminated"}
