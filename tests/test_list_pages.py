"""Pages of entities and relations read in index order give exactly the windows of the full
sorted list (the one statement they replace), for every kind, sort key, direction and type."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from kb.db import Database
from kb.model import ENTITY_LABEL, get_model
from kb.queries import lists, trusted
from kb.queries.asof import asof_params, valid_at
from kb.queries.lists import ListQuery, RelationQuery, list_entities, list_relations
from kb.queries.plans import plan_operators
from tests.conftest import KB


class PlanRecorder:
    """Stands in for a transaction: runs each statement and notes the operators and the
    leaves of its plan (EXPLAIN), for the statements `keep` selects."""

    def __init__(self, db: Database, tx: Any, keep: Any = lambda query: True) -> None:
        self.db, self.tx, self.keep = db, tx, keep
        self.operators: list[str] = []
        self.leaves: list[str] = []

    def run(self, query: str, *args: Any, **kwargs: Any) -> Any:
        """Note the plan, then run the statement on the real transaction."""
        if self.keep(query):
            ops, leaves = plan_operators(self.db, query, {**(args[0] if args else {}), **kwargs})
            self.operators += ops
            self.leaves += leaves
        return self.tx.run(query, *args, **kwargs)


@pytest.fixture(params=["sorted whole", "index order"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each entity test runs both ways of paging: the seed's kinds are small, so the index
    order is forced by a threshold of 0 matches."""
    if request.param == "index order":
        monkeypatch.setattr(lists, "SORT_ALL_UP_TO", 0)
    return str(request.param)


def _windows(total: int, around: list[int]) -> list[tuple[int, int]]:
    """Page windows: the first pages, the last, past the end, and across each boundary."""
    spots = {0, 1, max(total - 3, 0), total, total + 5, *around}
    found = {(o, n) for o in spots for n in (1, 3, 50) if o >= 0}
    found |= {(max(b - 2, 0), 5) for b in around}
    return sorted(found)


def _sorted_ids(db: Database, label: str, key: str, descending: bool) -> list[str]:
    rows = db.read(trusted(
        f"MATCH (n:{label}) RETURN n.id AS id ORDER BY n.{key} IS NULL, "
        f"n.{key} {'DESC' if descending else 'ASC'}, n.id ASC"))
    return [r["id"] for r in rows]


def _entity_cases() -> list[tuple[str, str]]:
    model = get_model()
    return [(label, f"{sign}{key}") for label, kind in model.entities.items()
            for key in kind.sort for sign in ("", "-")]


@pytest.mark.parametrize(("label", "sort"), _entity_cases())
def test_entity_pages_are_windows_of_the_sorted_kind(db: Database, seeded_kb: KB, label: str,
                                                     sort: str, way: str) -> None:
    key = sort.lstrip("-")
    expected = _sorted_ids(db, label, key, sort.startswith("-"))
    keyless = len(db.read(trusted(f"MATCH (n:{label}) WHERE n.{key} IS NULL RETURN n.id")))
    kind = get_model().entities[label]
    for offset, limit in _windows(len(expected), [len(expected) - keyless]):
        q = ListQuery(kind=kind, sort=sort, offset=offset, limit=limit)
        rows, total = db.read_tx(partial(list_entities, q=q))
        assert total == len(expected), (label, sort)
        assert [r["id"] for r in rows] == expected[offset:offset + limit], (sort, offset, limit)


def test_the_seed_has_entities_without_their_sort_key(db: Database, seeded_kb: KB) -> None:
    """So the test above crosses from the keyed entities to the keyless ones."""
    model = get_model()
    keyless = {(label, key) for label, kind in model.entities.items() for key in kind.sort
               if db.read(trusted(f"MATCH (n:{label}) WHERE n.{key} IS NULL "
                                  "RETURN n.id LIMIT 1"))}
    assert len(keyless) >= 2, keyless


def test_filtered_entity_pages_keep_the_filter_in_both_parts(db: Database, seeded_kb: KB,
                                                             way: str) -> None:
    kind = get_model().entities["Agreement"]
    ids = [r["id"] for r in db.read("MATCH (n:Agreement) RETURN n.id AS id ORDER BY id")]
    chosen = ids[::2]
    expected = [i for i in _sorted_ids(db, "Agreement", "signed_on", False) if i in chosen]
    for offset, limit in _windows(len(expected), list(range(len(expected)))):
        q = ListQuery(kind=kind, sort="signed_on", offset=offset, limit=limit, ids=chosen)
        rows, total = db.read_tx(partial(list_entities, q=q))
        assert total == len(expected)
        assert [r["id"] for r in rows] == expected[offset:offset + limit], (offset, limit)


FILTERED_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("Force", {"state": ["USA", "RUS", "ISR"]}, "name",
     "EXISTS { MATCH (n)-[:FORCE_OF]->(x) WHERE x.id IN ['USA', 'RUS', 'ISR'] }"),
    ("Person", {"organization": ["RUS", "ISR", "us-dod"]}, "-name",
     "EXISTS { MATCH (n)-[:HOLDS_POST]->(x) WHERE x.id IN ['RUS', 'ISR', 'us-dod'] }"),
    ("Agreement", {"party": ["USA", "RUS"], "domain": ["naval"], "kind": ["agreement"]},
     "-signed_on",
     "EXISTS { MATCH (x)-[:PARTY_TO]->(n) WHERE x.id IN ['USA', 'RUS'] } "
     "AND EXISTS { MATCH (n)-[:COVERS]->(x) WHERE x.id = 'naval' } AND n.kind = 'agreement'"),
]


@pytest.mark.parametrize(("label", "filters", "sort", "where"), FILTERED_CASES,
                         ids=[c[0] for c in FILTERED_CASES])
def test_pages_filtered_by_relations_start_from_the_named_entities(
        db: Database, seeded_kb: KB, label: str, filters: dict[str, Any], sort: str,
        where: str, way: str) -> None:
    key = sort.lstrip("-")
    rows = db.read(trusted(
        f"MATCH (n:{label}) WHERE {where} RETURN n.id AS id ORDER BY n.{key} IS NULL, "
        f"n.{key} {'DESC' if sort.startswith('-') else 'ASC'}, n.id ASC"))
    expected = [r["id"] for r in rows]
    assert len(expected) >= 3, (label, expected)
    kind = get_model().entities[label]
    for offset, limit in _windows(len(expected), list(range(len(expected)))):
        q = ListQuery(kind=kind, filters=filters, sort=sort, offset=offset, limit=limit)
        page, total = db.read_tx(partial(list_entities, q=q))
        assert total == len(expected), label
        assert [r["id"] for r in page] == expected[offset:offset + limit], (offset, limit)


def _relation_rows(db: Database, case: dict[str, Any]) -> list[tuple[str, str]]:
    """(type, id) of the relations asked for, in the order of the statement replaced."""
    where = ["($sources IS NULL OR a.id IN $sources)", "($targets IS NULL OR b.id IN $targets)"]
    where += [valid_at("r")] if case["asof"] else []
    rel = f"r:{'|'.join(sorted(set(case['types'])))}" if case["types"] else "r"
    rows = db.read(trusted(
        f"MATCH (a:{ENTITY_LABEL})-[{rel}]->(b:{ENTITY_LABEL}) WHERE {' AND '.join(where)} "
        "RETURN type(r) AS type, r.id AS id ORDER BY type(r), r.id"),
        sources=case.get("sources"), targets=case.get("targets"),
        **(asof_params(case["asof"]) if case["asof"] else {}))
    return [(r["type"], r["id"]) for r in rows]


RELATION_CASES: list[dict[str, Any]] = [
    {"types": None, "asof": None},
    {"types": None, "asof": "2016-06-01"},
    {"types": ["PARTY_TO", "COVERS", "COVERS"], "asof": None},
    {"types": ["HOLDS_POST"], "asof": "2021-03"},
    {"types": None, "asof": "1975"},
    {"types": None, "asof": "2014-12"},
    {"types": ["HOLDS_POST", "PARTY_TO", "SUCCESSOR_OF"], "asof": "1992-01-01"},
    {"types": None, "asof": None, "sources": ["USA", "RUS", "idf"]},
    {"types": None, "asof": "2016-06-01", "targets": ["USA", "RUS", "ISR"]},
    {"types": ["PARTY_TO", "SIGNED"], "asof": None, "sources": ["USA", "RUS", "SUN"],
     "targets": ["us-ussr-incsea-1972", "us-ussr-incsea-protocol-1973", "no-ussr-incsea-1990"]},
]


@pytest.mark.parametrize("case", RELATION_CASES, ids=[str(c) for c in RELATION_CASES])
def test_relation_pages_are_windows_of_the_sorted_relations(db: Database, seeded_kb: KB,
                                                            case: dict[str, Any]) -> None:
    found = _relation_rows(db, case)
    expected = [relation_id for _, relation_id in found]
    boundaries = [i for i in range(1, len(found)) if found[i][0] != found[i - 1][0]]
    assert expected and (boundaries or case["types"]), case
    for offset, limit in _windows(len(expected), boundaries):
        q = RelationQuery(types=case["types"], sources=case.get("sources"),
                          targets=case.get("targets"), asof=case["asof"], offset=offset,
                          limit=limit)
        rows, total = db.read_tx(partial(list_relations, q=q))
        assert total == len(expected), case
        assert [r["props"]["id"] for r in rows] == expected[offset:offset + limit], \
            (case, offset, limit)


def test_an_unfiltered_page_reads_its_index_in_order(db: Database, seeded_kb: KB,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither statement of a plain page of a large kind sorts the whole kind, nor does a
    page of relations sort every relation."""
    monkeypatch.setattr(lists, "SORT_ALL_UP_TO", 0)
    seen: list[str] = []
    real_run = db.read_tx

    def explain(work: Any) -> Any:
        class Recorder:
            def __init__(self, tx: Any) -> None:
                self.tx = tx

            def run(self, query: str, *args: Any, **kwargs: Any) -> Any:
                params = {**(args[0] if args else {}), **kwargs}
                ops, _ = plan_operators(db, query, params)
                seen.extend(f"{op} :: {query[:60]}" for op in ops)
                return self.tx.run(query, *args, **kwargs)
        return real_run(lambda tx: work(Recorder(tx)))

    explain(lambda tx: lists.list_entities(
        tx, ListQuery(kind=get_model().entities["Force"], sort="-name")))
    explain(lambda tx: lists.list_relations(tx, RelationQuery(offset=200, limit=50)))
    sorts = [s for s in seen if s.split(" ::")[0] in ("Sort", "Top")]
    assert not sorts, sorts
    assert any(s.startswith("PartialTop") for s in seen) or \
        any(s.startswith(("NodeIndexScan", "DirectedRelationshipIndexScan")) for s in seen), seen


def test_relations_valid_on_a_date_are_counted_from_the_date_indexes(
        db: Database, seeded_kb: KB) -> None:
    """The count of a page of /relations?as_of tests no relation of the store: each type's
    count comes from the count store and from seeks of its valid_from and valid_to range
    indexes (kb.queries.schema makes them), never from a scan of the type."""
    def counts_plans(tx: Any) -> list[str]:
        recorder = PlanRecorder(db, tx, keep=lambda query: "count(r)" in query)
        list_relations(recorder, RelationQuery(asof="2016-06-01"))  # type: ignore[arg-type]
        return recorder.operators

    seen = db.read_tx(counts_plans)
    assert seen
    scans = [op for op in seen if "Scan" in op and "Index" not in op]
    assert scans == [], scans
    indexed = [op for op in seen if "RelationshipIndex" in op]
    assert len(indexed) >= 3 * len(get_model().relations), seen


def test_the_change_feed_filters_like_the_statement_it_replaced(db: Database,
                                                                 seeded_kb: KB) -> None:
    """Every combination of since, entity and actor gives the changes of a plain filter
    over the whole trail, in seq order, with their count."""
    from kb.queries import audit

    trail = db.read("MATCH (c:Change) RETURN c.seq AS seq, c.target AS target, "
                    "c.actor_id AS actor ORDER BY seq")
    assert len(trail) > 100
    middle = trail[len(trail) // 2]["seq"]
    targets = [None, trail[0]["target"], trail[-1]["target"], "no-such-entity"]
    actors = [None, trail[-1]["actor"], "no-such-actor"]
    for since in (0, middle):
        for target in targets:
            for actor in actors:
                expected = [c["seq"] for c in trail if c["seq"] > since
                            and target in (None, c["target"]) and actor in (None, c["actor"])]
                for offset, limit in ((0, 50), (1, 3), (len(expected) - 1, 5)):
                    offset = max(offset, 0)
                    page, total = db.read_tx(partial(
                        audit.page, since=since, target=target, actor=actor,
                        offset=offset, limit=limit))
                    assert total == len(expected), (since, target, actor)
                    assert [c["seq"] for c in page] == expected[offset:offset + limit]



def test_a_text_filter_starts_from_the_text_index(db: Database, seeded_kb: KB) -> None:
    """`q` on a list is a CONTAINS on the Entity text index, not a test of every node."""
    def leaves_of(tx: Any) -> tuple[list[dict[str, Any]], int, list[str]]:
        recorder = PlanRecorder(db, tx)
        kind = get_model().entities["Person"]
        rows, total = list_entities(recorder, ListQuery(kind=kind, filters={"q": "golan"}))  # type: ignore[arg-type]
        return rows, total, recorder.leaves

    rows, total, seen = db.read_tx(leaves_of)
    assert [r["id"] for r in rows] == ["yair-golan"] and total == 1, rows
    assert seen and all(leaf.startswith("NodeIndexContainsScan") for leaf in seen), seen


def test_valid_relations_are_counted_exactly_whatever_their_dates(db: Database,
                                                                  empty_kb: KB) -> None:
    """The count of /relations?as_of (the count store less the relations begun after or
    ended before the date, plus those both) equals a test of every relation, with dates
    missing, partial, and in the wrong order (an end before the start, which the API
    refuses but a store written otherwise may hold), on dates where either side of the
    double count is the smaller."""
    dates = [None, "1999", "2015", "2016", "2015-10", "2015-12", "2015-10-01", "2015-10-31",
             "2016-01-01"]
    pairs = [{"id": f"t-{i}-{j}", "valid_from": a, "valid_to": b}
             for i, a in enumerate(dates) for j, b in enumerate(dates)]
    db.write_tx(lambda tx: tx.run("""
        MATCH (a:State {id: 'ISR'}), (b:State {id: 'RUS'})
        UNWIND $pairs AS p
        CREATE (a)-[r:SUCCESSOR_OF]->(b) SET r = p""", pairs=pairs).consume())
    for day in ("1950", "2015", "2015-10", "2015-10-15", "2015-12-31", "2016", "2030"):
        expected = db.read(trusted(f"MATCH ()-[r:SUCCESSOR_OF]->() WHERE {valid_at('r')} "
                                   "RETURN count(r) AS n"), **asof_params(day))[0]["n"]
        assert 0 < expected < len(pairs), day
        _, total = db.read_tx(partial(list_relations, q=RelationQuery(
            types=["SUCCESSOR_OF"], asof=day, limit=1)))
        assert total == expected, day


AS_OF_DAYS = ("1950", "1972-05", "1991-12-26", "2015", "2015-10-08", "2022-02-24", "2030")


@pytest.mark.parametrize("label", ["Mechanism", "Agreement"])
def test_lists_on_a_day_count_what_a_test_of_every_item_counts(db: Database, seeded_kb: KB,
                                                               label: str) -> None:
    """`/mechanisms?as_of=` (and agreements) count from the count store and the range
    indexes of the kind's dates, and find what testing each item finds, reading no label."""
    kind = get_model().entities[label]
    spec = kind.filters["as_of"]
    for day in AS_OF_DAYS:
        expected = db.read(trusted(
            f"MATCH (n:{label}) WHERE {valid_at('n', spec.start_field, spec.end_field)} "
            "RETURN count(n) AS n"), **asof_params(day))[0]["n"]
        _, total = db.read_tx(partial(list_entities, q=ListQuery(
            kind=kind, filters={"as_of": day}, limit=1)))
        assert total == expected, (label, day)

    def count_plans(tx: Any) -> list[str]:
        recorder = PlanRecorder(db, tx, keep=lambda query: "AS total" in query)
        list_entities(recorder, ListQuery(kind=kind, filters={"as_of": "2015-10-08"}))  # type: ignore[arg-type]
        return recorder.operators

    seen = db.read_tx(count_plans)
    assert seen and not [op for op in seen if "Scan" in op and "Index" not in op], seen
    # the items begun after, ended before, and both: seeks, or on so small a store the
    # planner may scan the two indexes for the last
    assert len([op for op in seen if op.startswith("NodeIndex")]) >= 3, " ".join(sorted(seen))


def test_items_on_a_day_are_counted_exactly_whatever_their_dates(db: Database,
                                                                 empty_kb: KB) -> None:
    """The count of a list on a day equals a test of every item, with dates missing,
    partial and in the wrong order (an end before the start, which the API refuses)."""
    dates = [None, "1999", "2015", "2016", "2015-10", "2015-12", "2015-10-01", "2016-01-01"]
    items = [{"id": f"m-{i}-{j}", "name": f"m {i} {j}", "established_on": a, "ended_on": b}
             for i, a in enumerate(dates) for j, b in enumerate(dates)]
    db.write_tx(lambda tx: tx.run("UNWIND $items AS m CREATE (n:Mechanism:Entity) SET n = m",
                                  items=items).consume())
    kind = get_model().entities["Mechanism"]
    for day in ("1950", "2015", "2015-10", "2015-10-15", "2015-12-31", "2016", "2030"):
        expected = db.read(trusted(
            f"MATCH (n:Mechanism) WHERE {valid_at('n', 'established_on', 'ended_on')} "
            "RETURN count(n) AS n"), **asof_params(day))[0]["n"]
        assert 0 < expected < len(items), day
        _, total = db.read_tx(partial(list_entities, q=ListQuery(
            kind=kind, filters={"as_of": day}, limit=1)))
        assert total == expected, day
