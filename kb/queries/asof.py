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


def valid_at(var: str, start: str = "valid_from", end: str = "valid_to") -> str:
    """True when the fact `var` may hold on the as-of date (open ends always hold)."""
    return (f"(({var}.{start} IS NULL OR {lo_expr(f'{var}.{start}')} <= $asof_hi) AND "
            f"({var}.{end} IS NULL OR {hi_expr(f'{var}.{end}')} >= $asof_lo))")


def asof_params(asof: str) -> dict[str, Any]:
    """The parameters the fragments use, for a partial date."""
    return {"asof_lo": lo(asof), "asof_hi": hi(asof)}
