"""/stats and /stats/coverage on the seed data, each number checked against a count made
another way: Cypher written here (rows read raw, counted in Python) or the lists'
X-Total-Count.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from typing import Any

import pytest
from flask.testing import FlaskClient

from kb.dates import hi, lo, today
from kb.model import get_model
from tests.conftest import KB

MODEL = get_model()
ASOF = "2019-06"  # every table has something on this date, unknowns included
LABELS = {"Mechanism": ("mechanisms", "established_on", "mechanism_kind"),
          "Agreement": ("agreements", "signed_on", "agreement_kind")}


def get(client: FlaskClient, url: str, **query: Any) -> Any:
    r = client.get(url, query_string=query or None)
    assert r.status_code == 200, r.json
    return r.json


def total(client: FlaskClient, path: str, **query: Any) -> int:
    r = client.get(f"/api/v1/{path}", query_string={**query, "page_size": 1})
    assert r.status_code == 200, r.json
    return int(r.headers["X-Total-Count"])


def table(answer: dict[str, Any], label: str, name: str) -> dict[str, int]:
    rows = answer[LABELS[label][0]][name]
    assert len({r["key"] for r in rows}) == len(rows), rows  # one row per key
    return {r["key"]: r["count"] for r in rows}


def may_hold(start: str | None, end: str | None, asof: str) -> bool:
    """The as-of rule of docs/model.md written out again: begun by the date, not ended
    before it (an open end always holds)."""
    return (not start or lo(start) <= hi(asof)) and (not end or hi(end) >= lo(asof))


def raw_items(kb: KB, label: str, asof: str) -> list[dict[str, Any]]:
    """Every item of the kind as stored with its COVERS relations, kept by the lists' as_of
    rule (not established/signed after the date, not ended before it)."""
    rows = kb.db.read(f"""
        MATCH (n:{label}) OPTIONAL MATCH (n)-[c:COVERS]->(d:Domain)
        RETURN properties(n) AS props,
               collect({{id: d.id, valid_from: c.valid_from, valid_to: c.valid_to}}) AS covers""")
    start = LABELS[label][1]
    return [{**r["props"], "covers": [c for c in r["covers"] if c["id"]]} for r in rows
            if may_hold(r["props"].get(start), r["props"].get("ended_on"), asof)]


def domains_on(item: dict[str, Any], asof: str) -> set[str]:
    return {c["id"] for c in item["covers"] if may_hold(c["valid_from"], c["valid_to"], asof)}


def test_counts_are_every_stored_entity_of_every_kind(client: FlaskClient,
                                                      seeded_kb: KB) -> None:
    answer = get(client, "/api/v1/stats")
    assert answer["as_of"] == today()  # the default
    expected = [{"entity": k, "count": seeded_kb.db.read(
        f"MATCH (n:{k}) RETURN count(n) AS n")[0]["n"]} for k in sorted(MODEL.entities)]
    assert answer["counts"] == expected
    assert all(c["count"] > 0 for c in expected)  # the seed has some of each


@pytest.mark.parametrize("label", list(LABELS))
def test_tables_agree_with_the_lists_and_independent_counts(
        client: FlaskClient, seeded_kb: KB, label: str) -> None:
    path, _, kinds = LABELS[label]
    answer = get(client, "/api/v1/stats", as_of=ASOF)
    assert answer["as_of"] == ASOF
    items = raw_items(seeded_kb, label, ASOF)
    listed = total(client, path, as_of=ASOF)
    assert len(items) == listed > 0
    # by_status: the list's own status-as-of filter counts each status
    statuses = table(answer, label, "by_status")
    assert list(statuses) == [*MODEL.vocabulary("status"), "unknown"]
    for status in MODEL.vocabulary("status"):
        assert statuses[status] == total(client, path, as_of=ASOF, status=status), status
    page = get(client, f"/api/v1/{path}", as_of=ASOF, page_size=500)
    unknown = [i["id"] for i in page if i["status_as_of"]["status"] is None]
    assert statuses["unknown"] == len(unknown) > 0  # counted, not hidden
    assert sum(statuses.values()) == listed
    # by_kind: the list's kind filter
    by_kind = table(answer, label, "by_kind")
    assert list(by_kind) == [*MODEL.vocabulary(kinds), "unknown"]
    for kind in MODEL.vocabulary(kinds):
        assert by_kind[kind] == total(client, path, as_of=ASOF, kind=kind), kind
    assert by_kind["unknown"] == 0 and sum(by_kind.values()) == listed
    # by_domain: Domains covered on the date, counted from the raw relations
    by_domain = table(answer, label, "by_domain")
    covered = Counter(d for i in items for d in domains_on(i, ASOF))
    assert by_domain == {**{d: covered[d] for d in MODEL.vocabulary("domain")},
                         "unknown": sum(1 for i in items if not domains_on(i, ASOF))}
    assert by_domain["aerial"] == total(client, path, as_of=ASOF, domain="aerial")
    # by_year: the start date, else the earliest recorded status; unknown without either
    years = Counter(began(i)[:4] or "unknown" for i in items)
    by_year = table(answer, label, "by_year")
    assert by_year == {**{y: years[y] for y in sorted(years) if y != "unknown"},
                       "unknown": years["unknown"]}
    assert list(by_year) == [*sorted(y for y in years if y != "unknown"), "unknown"]


def began(item: dict[str, Any]) -> str:
    history = json.loads(item.get("status_history") or "[]")
    first = min((h["since"] for h in history), key=lo, default="")
    return str(item.get("established_on") or item.get("signed_on")
               or item.get("in_force_from") or first)


def test_as_of_changes_the_status_table(client: FlaskClient, seeded_kb: KB) -> None:
    # Israel-Russia over Syria: proposed on 2015-09-21, working talks from early October
    early = get(client, "/api/v1/stats", as_of="2015-09-25")
    late = get(client, "/api/v1/stats", as_of=ASOF)
    proposed = get(client, "/api/v1/mechanisms", as_of="2015-09-25", status="proposed")
    assert "il-ru-syria-deconfliction" in [m["id"] for m in proposed]
    assert table(early, "Mechanism", "by_status")["proposed"] == len(proposed)
    assert table(late, "Mechanism", "by_status")["proposed"] == total(
        client, "mechanisms", as_of=ASOF, status="proposed") < len(proposed)


def test_items_not_yet_begun_are_left_out_and_unknown_history_counts_unknown(
        client: FlaskClient, seeded_kb: KB) -> None:
    answer = get(client, "/api/v1/stats", as_of="2020")
    listed = get(client, "/api/v1/mechanisms", as_of="2020", page_size=500)
    by_id = {m["id"]: m for m in listed}
    # established 2022-03-01: the list leaves it out, and so do the tables
    assert "us-ru-eucom-deconfliction-line" not in by_id
    assert sum(table(answer, "Mechanism", "by_status").values()) == len(listed)
    # undated, its history begins in 2022: listed with no status then, counted unknown
    assert by_id["us-cn-theater-commander-talks"]["status_as_of"]["status"] is None
    assert table(answer, "Mechanism", "by_status")["unknown"] == sum(
        1 for m in listed if m["status_as_of"]["status"] is None)


def test_domain_filter_keeps_the_items_covering_a_domain(client: FlaskClient,
                                                         seeded_kb: KB) -> None:
    answer = get(client, "/api/v1/stats?as_of=2019-06&domain=air&domain=EW")
    for label in LABELS:
        items = [i for i in raw_items(seeded_kb, label, ASOF)
                 if domains_on(i, ASOF) & {"aerial", "electro-magnetic"}]
        assert sum(table(answer, label, "by_status").values()) == len(items) > 0
        assert table(answer, label, "by_domain")["aerial"] == sum(
            1 for i in items if "aerial" in domains_on(i, ASOF))
        assert table(answer, label, "by_domain")["unknown"] == 0


def test_a_domain_counts_from_the_date_it_is_covered(client: FlaskClient,
                                                     seeded_kb: KB) -> None:
    # the US-China rules of behavior MOU covers aerial only from its 2015-09 annex; the
    # list's domain filter ignores that date, the tables (as of the date) do not
    before = get(client, "/api/v1/stats", as_of="2015-01")
    after = get(client, "/api/v1/stats", as_of="2015-10")
    listed = total(client, "agreements", as_of="2015-01", domain="aerial")
    assert table(before, "Agreement", "by_domain")["aerial"] == listed - 1
    assert table(after, "Agreement", "by_domain")["aerial"] == total(
        client, "agreements", as_of="2015-10", domain="aerial")


def test_most_connected_forces(client: FlaskClient, seeded_kb: KB) -> None:
    answer = get(client, "/api/v1/stats", as_of=ASOF, top=5)
    rows = seeded_kb.db.read("""
        MATCH (f:Force) OPTIONAL MATCH (f)-[r]-(:Entity)
        RETURN f.id AS id, f.name AS name, r.valid_from AS vf, r.valid_to AS vt,
               r IS NOT NULL AS related""")
    counted: Counter[str] = Counter()
    names = {}
    for r in rows:
        names[r["id"]] = r["name"]
        counted[r["id"]] += int(r["related"] and may_hold(r["vf"], r["vt"], ASOF))
    ranked = sorted(counted, key=lambda f: (-counted[f], f))[:5]
    assert answer["most_connected"] == [
        {"id": f, "name": names[f], "entity": "Force", "relations": counted[f]} for f in ranked]
    assert len(get(client, "/api/v1/stats")["most_connected"]) == 10  # the default


def expected_cells(client: FlaskClient, actors: list[str], asof: str,
                   domains: list[str]) -> list[dict[str, Any]]:
    """The cells as /mechanisms?between=A&between=B&as_of=D answers each pair."""
    cells = []
    for a, b in itertools.combinations(actors, 2):
        found = get(client, "/api/v1/mechanisms", between=[a, b], as_of=asof, page_size=500)
        for domain in domains:
            hits = [{"id": m["id"], "name": m["name"]} for m in found
                    if m["status_as_of"]["status"] in ("active", None)
                    and domain in {d["id"] for d in m["domains"]}]
            if hits:
                cells.append({"a": a, "b": b, "domain": domain, "mechanisms": hits})
    return cells


@pytest.mark.parametrize(("level", "asof"), [("state", "2024-06"), ("force", "2016")])
def test_coverage_agrees_with_between_for_every_pair(
        client: FlaskClient, seeded_kb: KB, level: str, asof: str) -> None:
    answer = get(client, "/api/v1/stats/coverage", level=level, as_of=asof)
    actors = [a["id"] for a in answer["actors"]]
    assert len(actors) == 8 and {a["entity"] for a in answer["actors"]} == {level.title()}
    domains = MODEL.vocabulary("domain")
    assert [d["id"] for d in answer["domains"]] == domains
    assert answer["cells"] == expected_cells(client, actors, asof, domains)
    pairs = {(c["a"], c["b"]) for c in answer["cells"]}
    assert 0 < len(pairs) < 28  # some pairs covered, some gaps


def test_coverage_of_named_actors_in_some_domains(client: FlaskClient,
                                                  seeded_kb: KB) -> None:
    r = client.get("/api/v1/stats/coverage", query_string={
        "actor": ["Israel", "russia", "United States"], "as_of": "2017-06",
        "domain": ["air", "land"]})
    assert r.status_code == 200, r.json
    assert [a["id"] for a in r.json["actors"]] == ["ISR", "RUS", "USA"]
    assert [json.loads(r.headers["X-Resolved"])[i]["id"] for i in range(3)] == [
        "ISR", "RUS", "USA"]
    assert [d["id"] for d in r.json["domains"]] == ["aerial", "land"]
    assert r.json["cells"] == expected_cells(client, ["ISR", "RUS", "USA"], "2017-06",
                                             ["aerial", "land"])
    assert ("ISR", "RUS", "aerial") in {(c["a"], c["b"], c["domain"]) for c in r.json["cells"]}
    top = get(client, "/api/v1/stats/coverage", top=3, as_of="2017-06")["actors"]
    ranked = get(client, "/api/v1/stats/coverage", as_of="2017-06")["actors"]
    assert top == ranked[:3]


@pytest.mark.parametrize(("url", "status", "fields"), [
    ("/api/v1/stats?top=0", 422, ["top"]),
    ("/api/v1/stats?top=many", 422, ["top"]),
    ("/api/v1/stats?top=3&top=4", 422, ["top"]),
    ("/api/v1/stats?as_of=2015-02-30", 422, ["as_of"]),
    ("/api/v1/stats?domain=underwater", 422, ["domain"]),
    ("/api/v1/stats?status=active", 422, ["status"]),
    ("/api/v1/stats/coverage?actor=Israel", 422, ["actor"]),
    ("/api/v1/stats/coverage?actor=Israel&actor=Russia&top=3", 422, ["actor", "top"]),
    ("/api/v1/stats/coverage?top=1", 422, ["top"]),
    ("/api/v1/stats/coverage?level=galaxy", 422, ["level"]),
    ("/api/v1/stats/coverage?domain=air&domain=nowhere", 422, ["domain"]),
    ("/api/v1/stats/coverage?actor=Israel&actor=Atlantis", 404, ["actor"]),
    ("/api/v1/stats/coverage?actor=ISR&actor=Israel", 409, ["actor"]),
])
def test_bad_parameters_are_named(client: FlaskClient, seeded_kb: KB, url: str, status: int,
                                  fields: list[str]) -> None:
    r = client.get(url)
    assert r.status_code == status, r.json
    assert r.content_type == "application/problem+json"
    assert sorted(e["field"] for e in r.json["errors"]) == fields
    if status == 404:
        assert r.json["errors"][0]["value"] == "Atlantis" and "suggestions" in r.json
