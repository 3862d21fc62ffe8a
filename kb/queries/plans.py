"""Every analyst endpoint's Cypher with sample parameters, for EXPLAIN/PROFILE reviews.

Neo4j plans a statement per the types of its parameters and per the size step of each list
(0, 1, 2 to 10, 11 to 100, ...), so a sample list is as long as the endpoint's usually are
where the plan depends on it; `tools/bench/plan_sizes.py` shows which plans do.

`kb explain` prints each plan's operators; tests/test_plans.py checks that each statement
finds its starting nodes through an index.
"""

from __future__ import annotations

from typing import Any

from kb.model import get_model
from kb.queries import coverage, explore, hierarchy, lists, lookup, paths, stats
from kb.queries.asof import asof_params

ASOF = asof_params("2015-10-08")
ACTORS = ["idf", "ru-armed-forces"]
VOCABULARY = list(get_model().vocabularies["domain"])

RELATION_TYPES = sorted(get_model().relations)

STATEMENTS: list[tuple[str, str, dict[str, Any]]] = [
    ("name lookup (every endpoint)", lookup.LOOKUP,
     {"id": "Bogdanovski", "key": "|bogdanovski|", "kinds": None}),
    ("mechanisms?between: coverage", coverage.COVERAGE_OF_PARTIES,
     {"actors": ACTORS, "organs": coverage.STATE_ORGANS}),
    ("mechanisms?between (states): coverage", coverage.COVERAGE_OF_PARTIES,
     {"actors": ["ISR", "RUS"], "organs": coverage.STATE_ORGANS}),
    ("dossier: coverage (every covering entity)", coverage.COVERAGE,
     {"actors": ACTORS, "organs": coverage.STATE_ORGANS}),
    ("mechanisms?between: parties", coverage._party_query("Mechanism"),
     {"parties": ACTORS, **ASOF}),
    ("mechanisms?between: details", coverage._details_query("Mechanism"),
     {"ids": ["il-ru-syria-deconfliction"], **ASOF}),
    # the ids a dossier of idf and ru-armed-forces sends (each actor and what it covers):
    # with one id a side the plan seeks the second side by index, a plan no dossier uses
    ("dossier: shared events", explore.SHARED_EVENTS,
     {"a": ["ISR", "idf", "idf-general-staff", "israeli-air-force", "israeli-navy"],
      "b": ["RUS", "SUN", "ru-aerospace-forces", "ru-armed-forces", "ru-forces-syria",
            "ru-general-staff", "ru-military-police", "ru-mod", "ru-navy",
            "soviet-armed-forces", "soviet-navy"]}),
    ("paths: one step", paths.STEP,
     {"frontier": ["yair-golan"], "ends": ["yair-golan", "vladimir-putin"],
      "via": ["Event", "Person"], "limit": 20_000}),
    ("paths: relations of the steps", paths.LINKS, {"pairs": [["yair-golan", "idf"]]}),
    ("graph: neighbours", explore.NEIGHBOURS,
     {"visited": ["idf"], "kinds": ["Force"], "limit": 100, **ASOF}),
    ("graph: edges", explore.EDGES_AMONG, {"ids": ["idf", "israeli-air-force"], **ASOF}),
    ("timeline", explore.TIMELINE, {"ids": ["yair-golan"]}),
    ("search", lookup.SEARCH, {"lucene": "bogdanovski~", "kinds": None, "limit": 5,
                               "fetch": 25}),
    ("search: exact names", lookup.EXACT_NAMES,
     {"key": "|incidents at sea agreement|", "kinds": None, "limit": 50}),
    ("dossier: operations of the actors' forces", explore.PRESENCE_OF,
     {"forces": ["idf", "ru-armed-forces"], "theatre": None, "domain": None, **ASOF}),
    ("dossier: posts held", explore.POSTS_HELD, {"ids": ["yair-golan"], **ASOF}),
    ("match=hierarchy: below", hierarchy.BELOW, {"ids": ["RUS"]}),
    ("gaps: presence", explore.CONTESTED, {"theatre": None, "domain": None, **ASOF}),
    ("stats: counts", stats.counts_query(), {}),
    ("stats: mechanisms", stats.grouped_query("Mechanism"),
     {"domains": None, "vocabulary": VOCABULARY, **ASOF}),
    ("stats: agreements", stats.grouped_query("Agreement"),
     {"domains": ["aerial"], "vocabulary": VOCABULARY, **ASOF}),
    ("stats: most connected forces", stats.candidates_query("Force"),
     {"candidates": stats.CANDIDATES["Force"]}),
    ("stats: ended posts of candidate forces", stats.ended_query("Force"),
     {"ids": ACTORS, **ASOF}),
    ("stats: relations of candidate forces", stats.relations_query("Force"),
     {"ids": ACTORS, **ASOF}),
    ("stats/coverage: most connected states", stats.candidates_query("State"),
     {"candidates": stats.CANDIDATES["State"]}),
    ("relations?as_of: counts", lists.counts_query(RELATION_TYPES, dated=True),
     {"types": RELATION_TYPES, **ASOF}),
]


def plan_operators(db: Any, query: str, params: dict[str, Any],
                   profile: bool = False) -> tuple[list[str], list[str]]:
    """(all operators top-down, the leaf operators that find the starting rows)."""
    from kb.queries import trusted

    prefix = "PROFILE " if profile else "EXPLAIN "
    with db.driver.session(database=db.name) as session:
        summary = session.run(trusted(prefix + query), params).consume()
    plan = summary.profile if profile else summary.plan
    ops: list[str] = []
    leaves: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        name = node["operatorType"].split("@")[0]
        detail = node.get("args", {}).get("Details", "")
        ops.append(name)
        if not node.get("children"):
            leaves.append(f"{name}({detail})" if detail else name)
        for child in node.get("children", []):
            walk(child)

    walk(plan)
    return ops, leaves
