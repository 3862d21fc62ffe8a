"""Dump plans (kb.dumping) give marshmallow's output: on odd values, and on every answer
of the seed knowledge base's endpoints, each dumped both ways."""

from __future__ import annotations

import datetime as dt
import gc
from typing import Any

import marshmallow as ma
import pytest
from flask import Flask
from marshmallow import fields

from kb import dumping
from kb.model import get_model
from tests.conftest import KB
from tests.test_answer_types import CASES


class Inner(ma.Schema):
    name = fields.String()
    size = fields.Integer()


class WithHook(ma.Schema):
    name = fields.String()

    @ma.post_dump
    def shout(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {k: str(v).upper() for k, v in data.items()}


class Odd(ma.Schema):
    text = fields.String()
    count = fields.Integer()
    ratio = fields.Float()
    money = fields.Float(as_string=True)
    flag = fields.Boolean()
    raw = fields.Raw()
    mapping = fields.Dict()
    typed = fields.Dict(keys=fields.String(), values=fields.Integer())
    names = fields.List(fields.String())
    when = fields.DateTime()
    inner = fields.Nested(Inner)
    inners = fields.List(fields.Nested(Inner))
    many_inner = fields.Nested(Inner, many=True)
    only_name = fields.Nested(Inner, only=("name",))
    hooked = fields.Nested(WithHook)
    renamed = fields.String(data_key="renamedKey")
    elsewhere = fields.String(attribute="other")
    defaulted = fields.String(dump_default="none given")
    items = fields.String()  # a name dict itself has
    method = fields.Method("twice")
    constant = fields.Constant(7)
    secret = fields.String(load_only=True)

    def twice(self, obj: Any) -> Any:
        return 2 * obj.get("count", 0) if isinstance(obj, dict) else 0


ODD_VALUES: list[Any] = [
    {},
    {"text": "a", "count": 3, "ratio": 2.5, "money": 1.5, "flag": True, "raw": {"x": [1]},
     "mapping": {"a": 1}, "typed": {"a": "2"}, "names": ["x", None, 3], "when":
     dt.datetime(2020, 1, 2, 3, 4, 5), "inner": {"name": "n", "size": "4", "extra": 1},
     "inners": [{"name": 1}, None], "many_inner": [{"size": 2.0}],
     "only_name": {"name": "o", "size": 9}, "hooked": {"name": "h"}, "renamed": "r",
     "other": "e", "items": "i", "secret": "s", "unknown": "u"},
    {"text": 5, "count": 2.0, "ratio": 3, "flag": 0, "names": None, "inner": None,
     "inners": None, "mapping": None, "count_not_declared": 1, "defaulted": None},
    {"text": None, "count": True, "ratio": None, "flag": "yes", "names": ("t", "u")},
]


@pytest.mark.parametrize("value", ODD_VALUES)
def test_a_plan_dumps_odd_values_as_marshmallow_does(value: Any) -> None:
    schema = Odd()
    planned = dumping.plan(schema)
    assert planned is not None
    assert planned(value) == schema.dump(value)
    assert planned([value, value], many=True) == schema.dump([value, value], many=True)


def test_objects_and_hooked_schemas_are_left_to_marshmallow() -> None:
    schema = Odd()
    planned = dumping.plan(schema)
    assert planned is not None

    class Thing:
        text, count = "t", 4

    assert planned(Thing()) == schema.dump(Thing()) == {"text": "t", "count": 4,
                                                        "defaulted": "none given",
                                                        "method": 0, "constant": 7}
    assert planned(None) == schema.dump(None)
    assert dumping.plan(WithHook()) is None
    hooked = dumping.install(WithHook())
    assert "dump" not in vars(hooked) and hooked.dump({"name": "x"}) == {"name": "X"}


def _urls(client: Any) -> list[str]:
    """GET URLs covering every kind of answer the API dumps on the seed data."""
    urls = ["/", "/healthz", "/api/v1/relations?page_size=500", "/api/v1/stats",
            "/api/v1/stats?as_of=2016-06&domain=aerial", "/api/v1/stats/coverage",
            "/api/v1/stats/coverage?level=force&actor=idf&actor=ru-armed-forces",
            "/api/v1/mechanisms?between=ISR&between=RUS",
            "/api/v1/agreements?between=USA&between=RUS&as_of=1990",
            "/api/v1/changes?page_size=5", "/api/v1/keys"]
    urls += [f"/api/v1/{collection}?{query}" for collection, query, _ in CASES]
    for kind in get_model().entities.values():
        listed = client.get(f"/api/v1/{kind.path}?page_size=500")
        assert listed.status_code == 200, listed.json
        urls.append(f"/api/v1/{kind.path}?page_size=500")
        urls += [f"/api/v1/{kind.path}/{item['id']}" for item in listed.json[:3]]
    relation = client.get("/api/v1/relations?page_size=1").json[0]
    urls.append(f"/api/v1/relations/{relation['id']}")
    return urls


def test_every_answer_of_the_seed_knowledge_base_dumps_as_marshmallow_does(
        app: Flask, seeded_kb: KB, api_keys: dict[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[str] = []
    differences: list[tuple[str, Any, Any]] = []

    def both_ways(schema: ma.Schema, planned: Any) -> Any:
        def dump(obj: Any, *, many: bool | None = None) -> Any:
            ours, theirs = planned(obj, many=many), type(schema).dump(schema, obj, many=many)
            checked.append(type(schema).__name__)
            if ours != theirs:
                differences.append((type(schema).__name__, ours, theirs))
            return ours
        return dump

    # every response schema given a plan (kb.dumping.install), in whichever blueprint
    installed = [o for o in gc.get_objects() if isinstance(o, ma.Schema) and "dump" in vars(o)]
    assert len(installed) > 50
    for schema in installed:
        monkeypatch.setitem(vars(schema), "dump", both_ways(schema, vars(schema)["dump"]))
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_keys['admin']}"
    for url in _urls(client):
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.json)
    assert differences == []
    names = {name.removesuffix("Schema") for name in checked}
    assert {"Dossier", "Graph", "Path", "TimelineItem", "Gap", "Stats", "Coverage", "Force",
            "Mechanism", "Change"} <= names, sorted(names)
