"""The OpenAPI layer: flask-smorest's Api, documenting errors as problem+json."""

from __future__ import annotations

import http
from typing import Any

import marshmallow as ma
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from kb.errors import PROBLEM_MIME


class MatchSchema(ma.Schema):
    """An entity a name may have meant."""

    id = ma.fields.String()
    name = ma.fields.String()
    entity = ma.fields.String()


class FieldErrorSchema(ma.Schema):
    field = ma.fields.String(metadata={"description": "The offending field (dotted path)."})
    location = ma.fields.String(metadata={"description": "json, query, path or headers."})
    message = ma.fields.String()
    value = ma.fields.String(metadata={"description": "For a name: the name as given."})
    suggestions = ma.fields.List(ma.fields.Nested(MatchSchema), metadata={
        "description": "For a name that matched nothing (404): close names."})
    candidates = ma.fields.List(ma.fields.Nested(MatchSchema), metadata={
        "description": "For a name several entities bear (409): each of them."})


class ProblemSchema(ma.Schema):
    """An RFC 9457 problem document."""

    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(metadata={"example": "/problems/not-found"})
    title = ma.fields.String(metadata={"example": "Not Found"})
    status = ma.fields.Integer(metadata={"example": 404})
    detail = ma.fields.String(metadata={"example": "no Force with id 'nope'"})
    errors = ma.fields.List(ma.fields.Nested(FieldErrorSchema))


def schema_name(schema: Any) -> str:
    """Component names: the class name, plus Patch/Replace for the partial variants."""
    resolved = resolve_schema_cls(schema)
    cls = resolved[0] if isinstance(resolved, list) else resolved
    name = str(cls.__name__).removesuffix("Schema") or str(cls.__name__)
    partial = getattr(schema, "partial", None) if isinstance(schema, ma.Schema) else None
    if partial is True:
        return f"{name}Patch"
    if partial:
        return f"{name}Replace"
    return name


def make_api(app: Any) -> KBApi:
    """The Api object of the app, with our schema naming."""
    plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
    return KBApi(app, spec_kwargs={"marshmallow_plugin": plugin})


class KBApi(Api):  # type: ignore[misc]
    """Api whose documented error responses are application/problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MIME)
            self.spec.components.response(status.name, response, lazy=True)
        default: dict[str, Any] = {"description": "Error", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, PROBLEM_MIME)
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)
