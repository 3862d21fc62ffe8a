"""Schemathesis hooks: teach the generator the one body rule an OpenAPI schema cannot state.

An end date may not come before its start (founded_on/dissolved_on, start/end, ...). JSON
Schema cannot compare two fields, so generated bodies breaking the rule are dropped here
rather than sent; the API's 422 for them is tested in tests/test_entities.py. The checks
themselves are left exactly as they are.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import schemathesis

from kb.schemas import check_date_order


def _dates_in_order(item: Any) -> bool:
    if not isinstance(item, dict):
        return True
    try:
        check_date_order(item)
    except ma.ValidationError:
        return False
    return True


@schemathesis.hook
def filter_case(ctx: Any, case: Any) -> bool:
    """Keep only cases whose body (or import batch) has its date pairs running forwards.

    A case hook rather than a body hook, so the coverage phase applies it too.
    """
    body = case.body if isinstance(case.body, dict | list) else None
    items = body if isinstance(body, list) else [body]
    return all(_dates_in_order(item) for item in items)
