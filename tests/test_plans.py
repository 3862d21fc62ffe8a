"""Each analyst query finds its starting nodes through an index (EXPLAIN on the seed graph)."""

from __future__ import annotations

import pytest

from kb.db import Database
from kb.queries.plans import STATEMENTS, plan_operators
from tests.conftest import KB

INDEXED = ("NodeUniqueIndexSeek", "NodeIndexSeek", "NodeIndexContainsScan", "ProcedureCall",
           "NodeCountFromCountStore", "RelationshipCountFromCountStore")
# Gaps start from the six Domain nodes (a label scan on the token lookup index): the
# question is about every presence in every theatre, so there is no narrower start.
# The statistics count every mechanism, agreement, force or state (tens to hundreds of
# nodes), so they too read a whole label.
LABEL_SCAN_OK = {"gaps: presence", "stats: mechanisms", "stats: agreements",
                 "stats: most connected forces", "stats/coverage: most connected states"}


@pytest.mark.parametrize(("name", "query", "params"), STATEMENTS, ids=[s[0] for s in STATEMENTS])
def test_plan_starts_from_an_index(db: Database, seeded_kb: KB, name: str, query: str,
                                   params: dict[str, object]) -> None:
    ops, leaves = plan_operators(db, query, params)
    starts = [leaf for leaf in leaves if not leaf.startswith(("Argument", "Unwind"))]
    assert starts, (name, leaves)
    allowed = INDEXED + (("NodeByLabelScan",) if name in LABEL_SCAN_OK else ())
    # the first leaf drives the query; later ones sit under joins and subqueries
    assert starts[0].startswith(allowed), (name, leaves)
    assert "AllNodesScan" not in ops, (name, ops)
    full_id_scans = [leaf for leaf in leaves if "(id) WHERE id IS NOT NULL" in leaf]
    assert not full_id_scans, (name, leaves)
