"""The seed knowledge base: loads idempotently, and the founding article reads back whole."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from kb.db import Database
from kb.ingest import load_directory
from kb.settings import PROJECT_ROOT
from tests.conftest import KB

ARTICLE = "bs-2015-10-israel-russia-tel-aviv-talks"


def get(client: FlaskClient, path: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/{path}")
    assert r.status_code == 200, (path, r.json)
    assert r.json is not None
    return r.json


def relation(entity: dict[str, Any], type_: str, other: str, **fields: str) -> dict[str, Any]:
    """The one summarised relation of `entity` with this type, other end and fields."""
    found = [r for r in entity["relations"] if r["type"] == type_ and r["other"]["id"] == other
             and all(r.get(k) == v for k, v in fields.items())]
    assert len(found) == 1, (entity["id"], type_, other, fields, entity["relations"])
    return found[0]


def cites_article(fact: dict[str, Any]) -> bool:
    return ARTICLE in fact["sources"]


def test_loading_twice_changes_nothing(db: Database, seeded_kb: KB) -> None:
    before = seeded_kb.counts()
    report = load_directory(db, PROJECT_ROOT / "seed_data")
    outcomes = {outcome for (_, outcome) in report.counts}
    assert outcomes == {"unchanged"}, report.summary()
    assert seeded_kb.counts() == before
    assert before[0] > 450 and before[1] > 450  # 257 generated + seed entities; relations


def test_seed_has_at_least_30_mechanisms_and_agreements(client: FlaskClient, seeded_kb: KB) -> None:
    mechanisms = client.get("/api/v1/mechanisms?page_size=1").headers["X-Total-Count"]
    agreements = client.get("/api/v1/agreements?page_size=1").headers["X-Total-Count"]
    assert int(mechanisms) + int(agreements) >= 30


def test_every_seed_fact_cites_an_existing_source(db: Database, seeded_kb: KB) -> None:
    unsourced = db.read("""
        MATCH (n:Entity) WHERE NOT n:Source AND NOT n:Domain AND size(coalesce(n.sources, [])) = 0
        RETURN n.id AS id""")
    assert unsourced == []
    dangling = db.read("""
        MATCH ()-[r]->() UNWIND r.sources AS s
        WITH DISTINCT s WHERE NOT EXISTS { MATCH (:Source {id: s}) } RETURN s""")
    assert dangling == []


def test_article_source_and_what_it_cites(client: FlaskClient, seeded_kb: KB) -> None:
    article = get(client, f"sources/{ARTICLE}")
    assert article["publisher"] == "Business Standard" and article["kind"] == "news_report"
    cited = {r["other"]["id"] for r in article["relations"] if r["type"] == "CITES"}
    assert {"xinhua-2015-10-israel-russia-talks", "idf-statement-2015-10-08",
            "walla-2015-10-israeli-defence-official"} <= cited


def test_article_delegations_heads_and_posts(client: FlaskClient, seeded_kb: KB) -> None:
    talks = get(client, "events/il-ru-tel-aviv-talks-2015-10")
    assert (talks["start"], talks["end"], talks["kind"]) == ("2015-10-06", "2015-10-08", "talks")
    assert cites_article(talks)
    assert cites_article(relation(talks, "TOOK_PLACE_IN", "tel-aviv"))
    assert cites_article(relation(talks, "PARTICIPATED_IN", "idf", role="host"))
    assert cites_article(relation(talks, "PARTICIPATED_IN", "ru-armed-forces"))
    assert cites_article(relation(talks, "PARTICIPATED_IN", "yair-golan", role="host"))
    assert cites_article(relation(talks, "PARTICIPATED_IN", "yair-golan",
                                  role="head_of_delegation"))
    assert cites_article(relation(talks, "PARTICIPATED_IN", "nikolai-bogdanovsky",
                                  role="head_of_delegation"))

    golan = get(client, "persons/yair-golan")
    post = relation(golan, "HOLDS_POST", "idf-general-staff")
    assert "Deputy Chief" in post["title"] and cites_article(post)
    bogdanovsky = get(client, "persons/nikolai-bogdanovsky")
    assert "Bogdanovski" in bogdanovsky["aliases"]
    assert cites_article(relation(bogdanovsky, "HOLDS_POST", "ru-general-staff",
                                  title="Deputy Chief of Staff"))
    arrival = get(client, "events/bogdanovsky-arrival-tel-aviv-2015-10-06")
    assert arrival["start"] == "2015-10-06" and cites_article(arrival)


def test_article_statement_earlier_agreement_and_follow_up(client: FlaskClient,
                                                           seeded_kb: KB) -> None:
    statement = get(client, "events/idf-statement-2015-10-08-meetings")
    assert (statement["kind"], statement["start"]) == ("statement", "2015-10-08")
    assert cites_article(relation(statement, "PARTICIPATED_IN", "idf", role="issuer"))

    moscow = get(client, "events/netanyahu-putin-moscow-2015-09-21")
    assert moscow["start"] == "2015-09-21" and cites_article(moscow)
    assert cites_article(relation(moscow, "TOOK_PLACE_IN", "moscow"))
    assert cites_article(relation(moscow, "PARTICIPATED_IN", "benjamin-netanyahu"))
    assert cites_article(relation(moscow, "PARTICIPATED_IN", "vladimir-putin"))
    assert cites_article(relation(moscow, "CONCERNS",
                                  "il-ru-syria-coordination-understanding-2015", how="agreed"))
    talks = get(client, "events/il-ru-tel-aviv-talks-2015-10")
    assert cites_article(relation(talks, "FOLLOW_UP_OF", "netanyahu-putin-moscow-2015-09-21"))

    follow_up = get(client, "events/il-ru-moscow-follow-up-talks-2015")
    assert follow_up["status"] == "planned" and cites_article(follow_up)
    assert cites_article(relation(follow_up, "TOOK_PLACE_IN", "moscow"))
    assert cites_article(relation(follow_up, "FOLLOW_UP_OF", "il-ru-tel-aviv-talks-2015-10"))


def test_article_mechanism_and_its_domains(client: FlaskClient, seeded_kb: KB) -> None:
    mechanism = get(client, "mechanisms/il-ru-syria-deconfliction")
    negotiating = [h for h in mechanism["status_history"] if h["status"] == "under_negotiation"]
    assert negotiating and negotiating[0]["since"] == "2015-10-06"
    assert ARTICLE in negotiating[0]["sources"]
    for domain in ("aerial", "naval", "electro-magnetic"):
        assert cites_article(relation(mechanism, "COVERS", domain))
    covered = {r["other"]["id"] for r in mechanism["relations"] if r["type"] == "COVERS"}
    assert covered == {"aerial", "naval", "electro-magnetic"}
    assert cites_article(relation(mechanism, "PARTY_TO", "idf", role="party"))
    assert cites_article(relation(mechanism, "PARTY_TO", "ru-armed-forces", role="party"))
    assert relation(mechanism, "RESTS_ON", "il-ru-syria-coordination-understanding-2015")
    # the same mechanism found through the collection filters
    found = client.get("/api/v1/mechanisms?party=idf&domain=electro-magnetic").json or []
    assert "il-ru-syria-deconfliction" in [m["id"] for m in found]


def test_article_context_operations_and_positions(client: FlaskClient, seeded_kb: KB) -> None:
    strikes = get(client, "operations/ru-air-campaign-syria")
    assert cites_article(relation(strikes, "TARGETS", "islamic-state"))
    assert cites_article(relation(strikes, "IN_THEATRE", "syria-theatre"))
    alleged = relation(strikes, "TARGETS", "us-backed-syrian-groups")
    assert alleged["confidence"] == "low"

    radars = get(client, "events/walla-israeli-defence-official-remarks-2015-10")
    assert cites_article(relation(radars, "CONCERNS", "idf-radar-surveillance-syrian-border",
                                  how="concerned_about"))
    us_concern = get(client, "events/us-allies-concern-ru-strikes-2015-10")
    assert cites_article(relation(us_concern, "PARTICIPATED_IN", "USA", role="issuer"))
    assert cites_article(relation(us_concern, "CONCERNS", "ru-air-campaign-syria",
                                  how="concerned_about"))
    neutrality = get(client, "events/israel-non-intervention-statements")
    assert cites_article(relation(neutrality, "CONCERNS", "syrian-civil-war", how="denied"))
    assert get(client, "events/syrian-civil-war")["start"] == "2011"


def test_nothing_from_the_paywall_text(db: Database, seeded_kb: KB) -> None:
    rows = db.read("""
        MATCH (n:Entity)
        WITH n, coalesce(n.description, '') + coalesce(n.quote, '') + n.name AS text
        WHERE text CONTAINS 'Subscribe' OR text CONTAINS '₹' OR text CONTAINS 'free articles'
        RETURN n.id AS id""")
    assert rows == []


def test_names_analysts_type_are_found(client: FlaskClient, seeded_kb: KB) -> None:
    for q, expected in (("persons?q=Bogdanovski", "nikolai-bogdanovsky"),
                        ("persons?q=bogdanovsky", "nikolai-bogdanovsky"),
                        ("states?q=russia", "RUS"), ("forces?q=IDF", "idf")):
        ids = [item["id"] for item in client.get(f"/api/v1/{q}").json or []]
        assert expected in ids, (q, ids)


def test_the_articles_questions_through_the_analyst_api(client: FlaskClient,
                                                        seeded_kb: KB) -> None:
    # Which mechanism exists between the IDF and the Russian armed forces, in which domains?
    r = client.get("/api/v1/mechanisms?between=IDF&between=Russian%20Armed%20Forces"
                   "&as_of=2015-10-08")
    assert r.status_code == 200, r.json
    found = {m["id"]: m for m in r.json or []}
    mechanism = found["il-ru-syria-deconfliction"]
    assert mechanism["status_as_of"] == {"status": "under_negotiation", "since": "2015-10-06"}
    assert {d["id"] for d in mechanism["domains"]} == {"aerial", "naval", "electro-magnetic"}
    assert mechanism["match"]["direct"]
    assert {p["id"] for p in mechanism["agreed_by"]} >= {"benjamin-netanyahu", "vladimir-putin"}

    dossier = get(client, "dossier?between=idf&between=ru-armed-forces&as_of=2015-12")
    events = {e["id"]: e for e in dossier["events"]}
    # Who headed the delegations, where and when did they meet?
    talks = events["il-ru-tel-aviv-talks-2015-10"]
    heads = {p["id"] for p in talks["participants"] if "head_of_delegation" in p["roles"]}
    assert heads == {"yair-golan", "nikolai-bogdanovsky"}
    assert talks["places"] == [{"id": "tel-aviv", "name": "Tel Aviv"}]
    assert (talks["start"], talks["end"]) == ("2015-10-06", "2015-10-08")
    # What came before, and what follow-up is planned?
    assert events["netanyahu-putin-moscow-2015-09-21"]["start"] == "2015-09-21"
    follow_up = events["il-ru-moscow-follow-up-talks-2015"]
    assert follow_up["status"] == "planned"
    assert follow_up["places"] == [{"id": "moscow", "name": "Moscow"}]
    officials = {p["id"] for p in dossier["officials"]}
    assert {"yair-golan", "nikolai-bogdanovsky", "benjamin-netanyahu",
            "vladimir-putin"} <= officials
