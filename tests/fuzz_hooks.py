"""Schemathesis hooks: teach the generator the rules an OpenAPI schema cannot state.

An end date may not come before its start: in bodies (founded_on/dissolved_on, start/end,
...) and in query ranges (from_date/to_date, signed_from/signed_to). JSON Schema cannot
compare two fields, so generated cases breaking the rule are dropped here rather than sent;
the API's 422 for them is tested in tests/test_entities.py and tests/test_parameters.py.
Likewise two query parameters that exclude each other (/stats/coverage takes `actor` or
`top`, not both; its 422 is tested in tests/test_stats.py), and a key's expiry, which must
be still to come and within years 1 to 9999 in UTC (a schema cannot compare with the
clock, nor shift by an offset; the 422s are tested in tests/test_editing.py). The checks
themselves are left exactly as they are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import marshmallow as ma
import schemathesis

from kb.dates import expiry_problem, hi, is_partial_date, lo
from kb.schemas import check_date_order

QUERY_RANGES = [("from_date", "to_date"), ("signed_from", "signed_to")]
EXCLUSIVE = [("actor", "top")]  # query parameters that may not be given together


def _dates_in_order(item: Any) -> bool:
    if not isinstance(item, dict):
        return True
    try:
        check_date_order(item)
    except ma.ValidationError:
        return False
    return not _refused_expiry(item.get("expires_at"))


def _refused_expiry(moment: Any) -> bool:
    """A well-formed date-time with an offset that the API refuses as a key's expiry: one
    already past, or outside years 1 to 9999 in UTC. A malformed one stays: it is negative
    data, and its 422 is expected."""
    if not isinstance(moment, str):
        return False
    try:
        parsed = dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        return False
    return parsed.tzinfo is not None and expiry_problem(moment) is not None


@schemathesis.hook
def filter_case(ctx: Any, case: Any) -> bool:
    """Keep only cases whose body (or import batch) has its date pairs running forwards and
    no expiry already past.

    A case hook rather than a body hook, so the coverage phase applies it too.
    """
    body = case.body if isinstance(case.body, dict | list) else None
    items = body if isinstance(body, list) else [body]
    return all(_dates_in_order(item) for item in items) and _range_in_order(case.query)


def _range_in_order(query: Any) -> bool:
    if not isinstance(query, dict):
        return True
    if any(a in query and b in query for a, b in EXCLUSIVE):
        return False
    for start, end in QUERY_RANGES:
        first, last = query.get(start), query.get(end)
        if (isinstance(first, str) and isinstance(last, str) and is_partial_date(first)
                and is_partial_date(last) and lo(first) > hi(last)):
            return False
    return True
