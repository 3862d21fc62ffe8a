"""Issue 11, first half: questions an analyst asks, by name, that find the knowledge added in
seed_data/80-europe-cold-war-incsea.yaml (Cold War risk reduction, the incidents-at-sea
agreements with the USSR and Russia, the CSCE/OSCE measures, the 2022 US-Russia line).
"""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.conftest import KB
from tests.factories import get, ids


def by_id(client: FlaskClient, path: str) -> dict[str, Any]:
    return {item["id"]: item for item in get(client, path).json}


def hows(item: dict[str, Any]) -> set[str]:
    return {a["how"] for a in item["match"]["actors"]}


# Incidents at sea -----------------------------------------------------------------------

def test_germany_and_russia_share_the_german_soviet_incidents_at_sea_agreement(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    found = by_id(anonymous, "agreements?between=Germany&between=Russia")
    assert "via_predecessor" in hows(found["frg-ussr-incsea-1988"])


def test_which_incidents_at_sea_agreement_binds_japan_and_russia(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    found = by_id(anonymous, "agreements?between=Japan&between=Russia&domain=naval")
    assert hows(found["jp-ru-incsea-1993"]) == {"direct"}
    mechanisms = ids(anonymous, "mechanisms?between=Japan&between=Russia")
    assert "jp-ru-incsea-annual-meetings" in mechanisms


def test_norway_and_russia_at_sea_today(anonymous: FlaskClient, seeded_kb: KB) -> None:
    found = by_id(anonymous, "agreements?between=Norway&between=Russia&domain=maritime")
    assert found["no-ussr-incsea-1990"]["status_as_of"]["status"] == "active"


def test_what_was_spain_bound_to_with_the_soviet_union_in_1991(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    found = by_id(anonymous, "agreements?between=Spain&between=Soviet%20Union&as_of=1991-06")
    assert found["es-ussr-incsea-1990"]["status_as_of"] == {
        "status": "active", "since": "1990-10-26"}


def test_what_is_the_netherlands_party_to(anonymous: FlaskClient, seeded_kb: KB) -> None:
    assert "nl-ussr-incsea-1990" in ids(anonymous, "agreements?party=Netherlands")


def test_who_signed_for_korea_and_russia_at_sea(anonymous: FlaskClient, seeded_kb: KB) -> None:
    found = by_id(anonymous, "agreements?between=Republic%20of%20Korea&between=Russia")
    assert "kr-ru-incsea-1994" in found
    signed = [r for r in get(anonymous, "relations?type=SIGNED&from=Andrei%20Kozyrev").json]
    assert [(r["to"], r["signed_on"]) for r in signed] == [("kr-ru-incsea-1994", "1994-06-02")]


# US-USSR risk reduction -----------------------------------------------------------------

def test_what_did_the_united_states_sign_with_the_soviets_in_1971(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    found = ids(anonymous, "agreements?party=United%20States&signed_from=1971&signed_to=1971")
    assert {"us-ussr-accident-measures-1971", "us-ussr-hotline-improvement-1971"} <= set(found)


def test_what_the_hotline_rests_on_after_1971(anonymous: FlaskClient, seeded_kb: KB) -> None:
    found = by_id(anonymous, "mechanisms?between=United%20States&between=Russia")
    rests_on = {a["id"] for a in found["moscow-washington-hotline"]["rests_on"]}
    assert {"us-ussr-hotline-mou-1963", "us-ussr-hotline-improvement-1971"} <= rests_on


def test_does_russia_still_notify_missile_launches(anonymous: FlaskClient, seeded_kb: KB) -> None:
    found = by_id(anonymous, "mechanisms?between=United%20States&between=Russia"
                             "&kind=notification_procedure&as_of=2024")
    launches = found["us-ru-missile-launch-notifications"]
    assert launches["status_as_of"] == {"status": "active", "since": "2023-03-30"}


def test_which_agreements_did_eduard_shevardnadze_sign(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    signed = get(anonymous, "relations?type=SIGNED&from=Eduard%20Shevardnadze").json
    assert "us-ussr-launch-notification-1988" in {r["to"] for r in signed}


# CSCE / OSCE ---------------------------------------------------------------------------

def test_which_vienna_document_is_current(anonymous: FlaskClient, seeded_kb: KB) -> None:
    now = ids(anonymous, "agreements?q=Vienna%20Document&as_of=2024")
    assert "vienna-document-2011" in now and "vienna-document-1990" not in now
    then = ids(anonymous, "agreements?q=Vienna%20Document&as_of=1991-06")
    assert "vienna-document-1990" in then and "vienna-document-2011" not in then


def test_the_osce_risk_reduction_mechanism_between_ukraine_and_russia(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    found = by_id(anonymous, "mechanisms?between=Ukraine&between=Russia")
    assert "vienna-document-risk-reduction-mechanism" in found
    assert "vienna-document-chapter-iii-meeting-2022-02-15" in ids(
        anonymous, "events?participant=Ukraine")


# The 2020s ------------------------------------------------------------------------------

def test_how_do_the_us_and_russian_militaries_deconflict_over_ukraine(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    found = by_id(anonymous, "mechanisms?between=United%20States&between=Russia"
                             "&kind=deconfliction_line&as_of=2022-12")
    line = found["us-ru-eucom-deconfliction-line"]
    assert line["status_as_of"]["status"] == "active"
    assert "us-ru-eucom-deconfliction-line" in ids(
        anonymous, "mechanisms?party=US%20European%20Command")
