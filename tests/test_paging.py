"""Pagination metadata and query-string parsing with schema instances shared by requests."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_smorest import Blueprint

from kb.api import paging
from kb.api.analysis import TimelineArgs
from tests.conftest import KB


@pytest.mark.parametrize("total", [0, 1, 4, 5, 6, 12])
@pytest.mark.parametrize("page_size", [1, 4, 5])
@pytest.mark.parametrize("page", [1, 2, 3, 13])
def test_page_metadata_is_flask_smorests(page: int, page_size: int, total: int) -> None:
    ours = paging.page_metadata(page, page_size, total)
    assert ours == Blueprint._make_pagination_metadata(page, page_size, total)


def test_each_schema_class_is_instantiated_once(app: Flask) -> None:
    parsers = [paging.KBBlueprint.ARGUMENTS_PARSER, paging.KBBlueprint.PAGINATION_ARGUMENTS_PARSER]
    with app.test_request_context("/api/v1/timeline?entity=x"):
        made = [p._get_schema(TimelineArgs, None) for p in parsers for _ in range(2)]
    assert all(isinstance(m, TimelineArgs) for m in made)
    assert len({id(m) for m in made}) == 1


def _timeline(client: FlaskClient, **query: Any) -> Any:
    return client.get("/api/v1/timeline", query_string={"entity": "yair-golan", **query})


def test_shared_schemas_keep_each_requests_errors_and_values_apart(client: FlaskClient,
                                                                   seeded_kb: KB) -> None:
    whole = _timeline(client)
    assert whole.status_code == 200, whole.json
    total = int(whole.headers["X-Total-Count"])
    assert total >= 2, total
    for _ in range(2):  # the same instances serve a bad request, then good ones
        bad = _timeline(client, page_size=0, colour="red")
        assert bad.status_code == 422, bad.json
        assert {e["field"] for e in bad.json["errors"]} >= {"colour"}, bad.json
        worse = _timeline(client, page_size=0)
        assert worse.status_code == 422, worse.json
        assert {e["field"] for e in worse.json["errors"]} == {"page_size"}, worse.json
        first = _timeline(client, page_size=1)
        second = _timeline(client, page_size=1, page=2)
        assert first.status_code == second.status_code == 200, (first.json, second.json)
        assert first.json + second.json == whole.json[:2]
        meta = json.loads(second.headers["X-Pagination"])
        assert meta["page"] == 2 and meta["previous_page"] == 1, meta
        assert meta["total"] == total and meta["total_pages"] == total, meta
