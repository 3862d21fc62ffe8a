"""Answers dumped by plans made once per response schema: marshmallow's output, faster.

flask-smorest dumps every answer with its response schema. For each field of each item,
marshmallow looks up the accessor, the default, the data key and the field's formatting;
on a graph or a page of entities, made of hundreds of plain strings, that is a good part
of the time a request spends outside the database (tools/bench/changes.md). A plan is made
once per schema: for each dumped field, the key its value comes from, the key it goes to,
and what happens to the value. A value that already is what the field would make of it (a
str for a String, an int for an Integer, a bool for a Boolean) is taken as it is; any other
value goes through the field itself. A field with a dump default, an attribute that is a
path or a name `dict` itself has, or a type the plans do not know, is dumped by its field
every time; a schema with dump hooks, by marshmallow entirely. tests/test_dumping.py checks
that the plans give marshmallow's output, on the answers of the seed knowledge base and on
odd values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from marshmallow import fields
from marshmallow.decorators import POST_DUMP, PRE_DUMP

Value = Callable[[Any], Any]  # a field's value -> its dumped value
Dump = Callable[..., Any]  # Schema.dump's signature: (obj, *, many=None)
# field types whose dump of a value of the given type is that value
_KEPT_AS_IS: dict[Callable[..., Any], type] = {
    fields.String._serialize: str,
    fields.Boolean._serialize: bool,
}


def plan(schema: ma.Schema) -> Dump | None:
    """A function dumping as `schema.dump` does; None when marshmallow must do it all."""
    if schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP] or schema.dict_class is not dict:
        return None
    steps = []
    for name, field in schema.dump_fields.items():
        source = field.attribute or name
        if "." in source:
            return None
        key = field.data_key if field.data_key is not None else name
        value = _value_plan(field)
        plain = (value is not None and field.dump_default is ma.missing
                 and field._CHECK_ATTRIBUTE and not hasattr(dict, source))
        steps.append((source, key, value if plain else None, name, field))

    def dump_one(obj: Any) -> Any:
        if type(obj) is not dict:
            return schema.dump(obj, many=False)
        out = {}
        for source, key, value, name, field in steps:
            if value is not None:
                if source in obj:
                    out[key] = value(obj[source])
            else:
                dumped = field.serialize(name, obj, accessor=schema.get_attribute)
                if dumped is not ma.missing:
                    out[key] = dumped
        return out

    def dump(obj: Any, *, many: bool | None = None) -> Any:
        if (schema.many if many is None else many) and obj is not None:
            return [dump_one(item) for item in obj]
        return dump_one(obj)

    return dump


def _value_plan(field: fields.Field[Any]) -> Value | None:
    """value -> what field._serialize makes of it, for fields that look at the value only."""
    serialize: Any = type(field)._serialize
    if serialize in _KEPT_AS_IS:
        return _kept_if(_KEPT_AS_IS[serialize], field)
    if (isinstance(field, fields.Number) and serialize is fields.Number._serialize
            and field.num_type in (int, float) and not field.as_string):
        return _kept_if(field.num_type, field)  # int(3) is 3, float(2.5) is 2.5
    if serialize is fields.Raw._serialize:
        return _same
    if isinstance(field, fields.Dict) and serialize is fields.Dict._serialize:
        if field.key_field is None and field.value_field is None:
            return _dict_copy
        return None
    if isinstance(field, fields.List) and serialize is fields.List._serialize:
        inner = _value_plan(field.inner)
        return None if inner is None else _each(inner)
    if isinstance(field, fields.Nested) and serialize is fields.Nested._serialize:
        return _nested(field)
    return None


def _kept_if(kind: type, field: fields.Field[Any]) -> Value:
    def value(v: Any) -> Any:
        return v if v is None or type(v) is kind else field._serialize(v, None, None)
    return value


def _same(v: Any) -> Any:
    return v


def _dict_copy(v: Any) -> Any:
    return None if v is None else dict(v)


def _each(inner: Value) -> Value:
    def value(v: Any) -> Any:
        return None if v is None else [inner(x) for x in v]
    return value


def _nested(field: fields.Nested) -> Value:
    # the nested schema is resolved at the first dump (it may name a schema not yet made)
    dumps: list[tuple[Dump, bool]] = []

    def value(v: Any) -> Any:
        if not dumps:
            schema = field.schema
            dumps.append((plan(schema) or schema.dump, bool(schema.many or field.many)))
        dump, many = dumps[0]
        return None if v is None else dump(v, many=many)
    return value


def install(schema: ma.Schema) -> ma.Schema:
    """Give the schema instance its plan as `dump` (when one can be made); the schema."""
    made = plan(schema)
    if made is not None:
        schema.dump = made  # type: ignore[method-assign]
    return schema
