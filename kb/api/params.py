"""Query parameters by one set of rules (docs/api-conventions.md).

- An unknown parameter is a 422 that lists the accepted ones.
- A parameter that takes one value, given twice, is a 422 (repeatable ones are lists).
- Enumerated values are matched ignoring case and answered in their canonical spelling;
  anything else is a 422 listing the allowed values.

Reads check their query string with their schema (QueryArgs). Writes mostly take none, and
a parameter they would ignore (`?dry_run=true` on a DELETE) must not pass unnoticed: a hook
refuses, on any write, the query parameters its operation does not document in the API's
OpenAPI description, after the role the operation requires.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, ClassVar

import marshmallow as ma
from flask import Flask, current_app, has_request_context, request
from marshmallow import fields

from kb.api import formats
from kb.auth import require
from kb.dates import hi, lo
from kb.errors import ValidationFailed

PAGINATION_ARGS = ("page", "page_size")
READS = ("GET", "HEAD", "OPTIONS")
NO_PARAMETERS = "unknown parameter: this operation takes no query parameters"
_RULE_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")  # werkzeug's <conv:name> -> {name}
Operations = dict[tuple[str, str], tuple[list[str], str | None]]
MATCH_MODES = ["direct", "hierarchy"]


class QueryArgs(ma.Schema):
    """Base of every query-string schema."""

    class Meta:
        ordered = True

    paged = False  # paged endpoints also accept page and page_size
    date_ranges: ClassVar[list[tuple[str, str]]] = []  # (start, end) parameter pairs

    def accepted(self) -> list[str]:
        """The parameter names this endpoint accepts."""
        names = [f.data_key or name for name, f in self.load_fields.items()]
        if self.paged:
            names += PAGINATION_ARGS
        if has_request_context() and len(formats.endpoint_formats()) > 1:
            names.append(formats.PARAMETER)  # read by kb.api.formats, not by the view
        return names

    @ma.pre_load
    def _known_and_single(self, data: Any, **_: Any) -> Any:
        given = request.args if has_request_context() else None
        accepted = self.accepted()
        errors: dict[str, list[str]] = {}
        unknown = unknown_message(accepted)
        for key in data:
            if key not in accepted:
                errors[key] = [unknown]
        if given is not None:
            for name, field in self.load_fields.items():
                key = field.data_key or name
                if not isinstance(field, fields.List) and len(given.getlist(key)) > 1:
                    errors[key] = ["takes one value: give the parameter once"]
            if formats.PARAMETER in accepted and formats.PARAMETER in given:
                problem = formats.check_parameter(given.getlist(formats.PARAMETER),
                                                  formats.endpoint_formats())
                if problem:
                    errors[formats.PARAMETER] = [problem]
        if errors:
            raise ma.ValidationError(errors)
        # page/page_size are parsed by the pagination layer from the same query string,
        # format by kb.api.formats
        return {k: v for k, v in data.items() if k not in (*PAGINATION_ARGS, formats.PARAMETER)}


    @ma.validates_schema
    def _ranges_in_order(self, data: dict[str, Any], **_: Any) -> None:
        for start, end in self.date_ranges:
            first, last = data.get(start), data.get(end)
            if first and last and lo(first) > hi(last):
                fix = f"{start} ({first}) is after {end} ({last}): swap them, or leave one out"
                raise ma.ValidationError({start: [fix], end: [fix]})


class Choice(fields.String):
    """One of a fixed list of values, matched ignoring case, loaded in canonical spelling."""

    def __init__(self, choices: Iterable[str], **kwargs: Any) -> None:
        self.choices = list(choices)
        meta = kwargs.setdefault("metadata", {})
        meta["enum"] = self.choices
        hint = "Case is ignored."
        meta["description"] = f"{meta.get('description', '')} {hint}".strip()
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        for choice in self.choices:
            if choice.casefold() == text.strip().casefold():
                return choice
        raise ma.ValidationError(f"{text!r} is not one of: {', '.join(self.choices)}")


def repeatable(field: fields.Field[Any], **kwargs: Any) -> fields.List[Any]:
    """A parameter that may be given several times: any of the values matches."""
    meta = kwargs.setdefault("metadata", {})
    inner = field.metadata.get("description", "")
    meta["description"] = f"{meta.get('description', inner)} Repeat it for any of several."
    return fields.List(field, **kwargs)


def match_field() -> Choice:
    """The `match` parameter: how filters naming an entity match."""
    return Choice(MATCH_MODES, load_default="direct", metadata={"description": (
        "How parameters naming an entity match: `direct` (default) only relations to that "
        "entity itself; `hierarchy` also to everything under it (a State's forces, "
        "organizations and places, a force's units, a place's sub-places, and what they "
        "succeeded).")})


def unknown_message(accepted: list[str]) -> str:
    """What a 422 says of a query parameter the operation does not take."""
    return f"unknown parameter; accepted: {', '.join(accepted)}" if accepted else NO_PARAMETERS


def _operations(app: Flask) -> Operations:
    """(OpenAPI path, method) of every operation: its documented query parameters and the
    role it requires, read once from the API's OpenAPI description."""
    kept: Operations | None = app.extensions.get("kb.operations")
    if kept is None:
        apis = app.extensions["flask-smorest"]["blp_name_to_api"].values()
        paths = next(iter(apis)).spec.to_dict()["paths"]
        kept = {(path, method.upper()): (
                    [p["name"] for p in op.get("parameters", []) if p["in"] == "query"],
                    op.get("x-required-role"))
                for path, ops in paths.items() for method, op in ops.items()
                if isinstance(op, dict) and "responses" in op}
        app.extensions["kb.operations"] = kept
    return kept


def refuse_unknown_on_writes() -> None:
    """before_request hook: a write's query parameters must be ones its operation documents
    (422 naming each other one); the caller's role is checked first, as for its body."""
    if request.method in READS or not request.args or request.url_rule is None:
        return
    path = _RULE_VARIABLE.sub(r"{\1}", request.url_rule.rule)
    operation = _operations(current_app).get((path, request.method))
    if operation is None:
        return  # not an API operation (no route of the OpenAPI description)
    accepted, role = operation
    unknown = [name for name in request.args if name not in accepted]
    if not unknown:
        return
    if role is not None:
        require(role)
    raise ValidationFailed("invalid query input: see `errors`", errors=[
        {"field": name, "location": "query", "message": unknown_message(accepted)}
        for name in unknown])


def init_app(app: Flask) -> None:
    """Register the hook of writes' query parameters."""
    app.before_request(refuse_unknown_on_writes)
