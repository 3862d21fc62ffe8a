"""The corrections of issue 11 ("Errors to correct", "Doubtful points to settle"), each asked
through the API on the seed data, with names as an analyst types them.
"""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.conftest import KB
from tests.factories import API

ARTICLE = "bs-2015-10-israel-russia-tel-aviv-talks"


def get(client: FlaskClient, path: str, status: int = 200) -> Any:
    answer = client.get(f"{API}/{path}")
    assert answer.status_code == status, (path, answer.json)
    return answer.json


def by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in items}


def related(entity: dict[str, Any], type_: str, **fields: str) -> list[dict[str, Any]]:
    """The summarised relations of an entity of one type (and with these field values)."""
    return [r for r in entity["relations"] if r["type"] == type_
            and all(r.get(k) == v for k, v in fields.items())]


def targets(entity: dict[str, Any], type_: str, **fields: str) -> list[str]:
    """Ids at the other end of an entity's outgoing relations of one type."""
    return [r["other"]["id"] for r in related(entity, type_, direction="out", **fields)]


def status_between(client: FlaskClient, kind: str, a: str, b: str, asof: str,
                   target: str) -> dict[str, Any] | None:
    """The status_as_of of one mechanism/agreement between two actors (None if not found)."""
    found = by_id(get(client, f"{kind}?between={a}&between={b}&as_of={asof}"))
    return found[target]["status_as_of"] if target in found else None


# Errors to correct ----------------------------------------------------------------------

def test_the_israel_russia_hotline_is_active_from_october_2015(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    assert status_between(anonymous, "mechanisms", "IDF", "Russia", "2015-11-01",
                          "il-ru-syria-deconfliction") == {"status": "active",
                                                           "since": "2015-10-14"}
    before = status_between(anonymous, "mechanisms", "IDF", "Russia", "2015-10-01",
                            "il-ru-syria-deconfliction")
    assert before == {"status": "proposed", "since": "2015-09-21"}
    mechanism = get(anonymous, "mechanisms/il-ru-syria-deconfliction")
    assert [h["since"] for h in mechanism["status_history"]] == [
        "2015-09-21", "2015-10-06", "2015-10-14"]  # the Il-20 (2018) is no status change


def test_the_first_exercise_and_the_russian_announcement(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    exercise = get(anonymous, "events/il-ru-hotline-first-exercise-2015-10-14")
    assert (exercise["kind"], exercise["start"]) == ("exercise", "2015-10-14")
    assert targets(exercise, "CONCERNS", how="tested") == ["il-ru-syria-deconfliction"]
    statement = get(anonymous, "events/ru-mod-statement-2015-10-15-israel-hotline")
    assert statement["start"] == "2015-10-15"
    assert targets(statement, "CONCERNS", how="announced") == ["il-ru-syria-deconfliction"]
    assert "ru-mod-statement-2015-10-15-israel-hotline" in [
        e["id"] for e in get(anonymous, "events?participant=Igor%20Konashenkov")]
    assert "il-ru-hotline-first-exercise-2015-10-14" in [
        e["id"] for e in get(anonymous, "events?participant=Israeli%20Air%20Force")]


def test_the_us_russia_memorandum_through_2017_and_2018(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    mou = "us-ru-syria-flight-safety-mou-2015"
    expected = {"2016-06": ("active", "2015-10-20"),
                "2017-04-20": ("suspended", "2017-04-07"),
                "2017-05-15": ("active", "2017-05-06"),
                "2017-06-25": ("suspended", "2017-06-19"),
                "2018-02-15": ("active", "2017-11-11")}
    for asof, (status, since) in expected.items():
        assert status_between(anonymous, "agreements", "United%20States", "Russia", asof,
                              mou) == {"status": status, "since": since}, asof


def test_the_us_russia_air_line_stayed_in_use(anonymous: FlaskClient, seeded_kb: KB) -> None:
    line = "us-ru-syria-air-deconfliction-line"
    for asof in ("2017-04-20", "2017-06-25", "2018-02-15"):
        assert status_between(anonymous, "mechanisms", "United%20States", "Russia", asof,
                              line) == {"status": "active", "since": "2015-10-20"}, asof
    khasham = get(anonymous, "events/khasham-attack-2018-02-07")
    assert khasham["start"] == "2018-02-07"
    assert targets(khasham, "CONCERNS", how="tested") == [line]
    suspension = get(anonymous, "events/ru-ends-mou-interaction-2017-06-19")
    assert targets(suspension, "CONCERNS", how="suspended") == [
        "us-ru-syria-flight-safety-mou-2015"]
    resumption = get(anonymous, "events/us-ru-chiefs-call-2017-05-06")
    assert targets(resumption, "CONCERNS", how="resumed") == [
        "us-ru-syria-flight-safety-mou-2015"]


def test_the_dgmo_hotline_was_in_use_long_before_2021(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    for asof in ("2002-06-15", "2013-10-22"):
        status = status_between(anonymous, "mechanisms", "India", "Pakistan", asof,
                                "in-pk-dgmo-hotline")
        assert status is not None and status["status"] == "active", asof
    hotline = get(anonymous, "mechanisms/in-pk-dgmo-hotline")
    assert hotline["status_history"][0]["since"] < "2002"
    assert "2021-02-25" not in [h["since"] for h in hotline["status_history"]]


# Doubtful points settled ----------------------------------------------------------------

def test_the_uk_ussr_agreement_was_signed_in_london_on_15_july_1986(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    agreement = get(anonymous, "agreements/uk-ussr-incsea-1986")
    assert agreement["signed_on"] == "1986-07-15"
    assert "confidence" not in agreement or agreement["confidence"] is None
    assert targets(agreement, "SIGNED_AT") == ["london"]
    text = get(anonymous, "sources/uk-ussr-incsea-1986-text")
    assert text["name"].endswith("concerning the Prevention of Incidents at Sea beyond the "
                                 "Territorial Sea")
    assert "uk-ussr-incsea-1986" in [
        a["id"] for a in get(anonymous, "agreements?signed_from=1986-07-15"
                                        "&signed_to=1986-07-15")]


def test_the_golan_border_lies_in_syria(anonymous: FlaskClient, seeded_kb: KB) -> None:
    assert "israel-syria-border-golan" in [
        p["id"] for p in get(anonymous, "places?located_in=SYR&page_size=500")]
    assert "israel-syria-border-golan" not in [
        p["id"] for p in get(anonymous, "places?located_in=ISR&page_size=500")]
    golan = get(anonymous, "places/israel-syria-border-golan")
    [located] = related(golan, "LOCATED_IN", direction="out")
    assert located["other"]["id"] == "SYR" and ARTICLE not in located["sources"]
    assert "wikipedia-2023-10-unscr-497" in located["sources"]


def test_cjtf_oir_is_the_headquarters_set_up_in_october_2014(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    cjtf = get(anonymous, "forces/cjtf-oir")
    assert (cjtf["kind"], cjtf["founded_on"]) == ("command", "2014-10-17")
    assert "Global Coalition against Daesh" not in cjtf["aliases"]
    first_strikes = get(anonymous, "relations?type=CONDUCTS&to=oir-air-strikes-syria"
                                   "&as_of=2014-09-23")
    assert {r["from"] for r in first_strikes} == {"USA", "us-armed-forces"}
    later = get(anonymous, "relations?type=CONDUCTS&to=oir-air-strikes-syria&as_of=2015")
    assert "cjtf-oir" in {r["from"] for r in later}
    # the US-Russia answers still find the coalition's line with the Russian military
    line = by_id(get(anonymous, "mechanisms?between=United%20States&between=Russia"
                                "&as_of=2016-06"))["us-ru-syria-air-deconfliction-line"]
    assert line["status_as_of"]["status"] == "active"
    assert "cjtf-oir" in {a["party"] for a in line["match"]["actors"]}


def test_the_india_pakistan_airspace_agreement_in_full(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    agreement = get(anonymous, "agreements/in-pk-airspace-violations-1991")
    assert agreement["name"].endswith(
        "and for Permitting Over Flights and Landings by Military Aircraft")
    assert (agreement["signed_on"], agreement["in_force_from"]) == ("1991-04-06", "1992-08-19")
    assert targets(agreement, "SIGNED_AT") == ["new-delhi"]
    signers = {r["other"]["id"] for r in related(agreement, "SIGNED", direction="in")}
    assert signers == {"muchkund-dubey", "shaharyar-khan"}
    assert status_between(anonymous, "agreements", "India", "Pakistan", "1992-09",
                          "in-pk-airspace-violations-1991") == {"status": "active",
                                                                "since": "1992-08-19"}
    assert status_between(anonymous, "agreements", "India", "Pakistan", "1991-06",
                          "in-pk-airspace-violations-1991") in (
        None, {"status": None, "since": None})


def test_the_us_china_rules_cover_the_air_only_from_september_2015(
        anonymous: FlaskClient, seeded_kb: KB) -> None:
    def domains(asof: str) -> set[str]:
        found = by_id(get(anonymous, f"agreements?between=United%20States&between=China"
                                     f"&as_of={asof}"))
        return {d["id"] for d in found["us-cn-rules-of-behavior-mou-2014"]["domains"]}

    assert domains("2015-01") == {"naval"}
    assert domains("2016-01") == {"naval", "aerial"}


def test_the_articles_facts_cite_only_what_it_says(anonymous: FlaskClient,
                                                   seeded_kb: KB) -> None:
    # neither navy, nor Hmeimim, nor the last day of the talks comes from the article
    for path in ("forces/israeli-navy", "forces/ru-navy", "forces/ru-forces-syria",
                 "places/hmeimim-air-base"):
        assert ARTICLE not in get(anonymous, path)["sources"], path
    navy = get(anonymous, "forces/israeli-navy")
    assert all(ARTICLE not in r["sources"] for r in navy["relations"]
               if r["type"] in ("FORCE_OF", "PART_OF"))
    talks = get(anonymous, "events/il-ru-tel-aviv-talks-2015-10")
    assert talks["end"] == "2015-10-08" and "ref-deconfliction-mechanisms" in talks["sources"]


def test_quotes_are_the_sources_own_words(anonymous: FlaskClient, seeded_kb: KB) -> None:
    for source in ("xinhua-2015-10-israel-russia-talks", "walla-2015-10-israeli-defence-official"):
        assert not get(anonymous, f"sources/{source}").get("quote"), source
    article = get(anonymous, f"sources/{ARTICLE}")["quote"]
    assert article.startswith("Israeli and Russian military officials")
    for source in ("idf-statement-2015-10-08", "idf-statement-2015-10-pre-talks"):
        quote = get(anonymous, f"sources/{source}")["quote"]
        assert "IDF" not in quote and "Xinhua" not in quote, source
    assert get(anonymous, "sources/idf-statement-2015-10-pre-talks")["quote"] == (
        "aerial, naval and electro-magnetic arenas")


def test_the_liaison_system_belongs_to_egypt_and_israel(anonymous: FlaskClient,
                                                        seeded_kb: KB) -> None:
    liaison = get(anonymous, "mechanisms/mfo-liaison-system")
    parties = {(r["other"]["id"], r["role"])
               for r in related(liaison, "PARTY_TO", direction="in")}
    assert {("EGY", "party"), ("ISR", "party"), ("mfo", "facilitator")} <= parties
    assert ("mfo", "party") not in parties
    assert "mfo-liaison-system" in [
        m["id"] for m in get(anonymous, "mechanisms?between=Egypt&between=Israel")]
    mfo = get(anonymous, "organizations/mfo")
    assert mfo["founded_on"] == "1981-08-03"
