"""Cypher fragments for partial dates and as-of validity (see kb.dates for the rules).

Each fragment takes the variable name of a node or relationship from the caller's query and
expects the parameters $asof_lo and $asof_hi (the first and last day of the as-of date).
"""

from __future__ import annotations

from typing import Any

from kb.dates import hi, lo


def lo_expr(value: str) -> str:
    """First possible day of a stored partial date expression."""
    return f"({value} + substring('0000-01-01', size({value})))"


def hi_expr(value: str) -> str:
    """Last possible day (padded) of a stored partial date expression."""
    return f"({value} + substring('9999-12-31', size({value})))"


# the dates of every relation (schema/model.yaml relation_fields): each has a range index
# per relation type (kb.queries.schema), which begins_after and ended_before can seek
RELATION_DATES = ("valid_from", "valid_to")


def valid_at(var: str, start: str = RELATION_DATES[0], end: str = RELATION_DATES[1]) -> str:
    """True when the fact `var` may hold on the as-of date (open ends always hold)."""
    return (f"(({var}.{start} IS NULL OR {lo_expr(f'{var}.{start}')} <= $asof_hi) AND "
            f"({var}.{end} IS NULL OR {hi_expr(f'{var}.{end}')} >= $asof_lo))")


def begins_after(var: str, start: str = RELATION_DATES[0]) -> str:
    """True when the fact `var` begins after the as-of date: lo(start) > $asof_hi.

    Written on the bare property, so that the planner can seek its range index: a stored
    partial date x sorts before the days it begins with, so lo(x) > H exactly when x > H as
    text, for any day H (tests/test_filters.py checks both forms on a grid)."""
    return f"{var}.{start} > $asof_hi"


def ended_before(var: str, end: str = RELATION_DATES[1]) -> str:
    """True when the fact `var` ended before the as-of date: hi(end) < $asof_lo.

    On the bare property too: hi(x) < L exactly when x < L as text and L does not begin
    with x (a month "2015-10" is not over on any day of October)."""
    return f"{var}.{end} < $asof_lo AND NOT $asof_lo STARTS WITH {var}.{end}"


def ends_on_or_after(value: str, day: str, prefixes: str) -> str:
    """True when the stored partial date `value` may end on or after the day `$day`:
    hi(value) >= D, with `$prefixes` the year and the month of D (day_prefixes).

    On the bare property, so that the planner can seek its range index: hi(x) >= D exactly
    when x >= D as text or x is the year or the month of D (a month "2015-10" is not over
    on 2015-10-06, though it sorts before it); tests/test_filters.py checks both forms."""
    return f"({value} >= ${day} OR {value} IN ${prefixes})"


def day_prefixes(day: str) -> list[str]:
    """The year and the month of a full date, the partial dates that contain it."""
    return [day[:4], day[:7]]


def asof_params(asof: str) -> dict[str, Any]:
    """The parameters the fragments use, for a partial date."""
    return {"asof_lo": lo(asof), "asof_hi": hi(asof)}
