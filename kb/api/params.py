"""Query parameters by one set of rules (docs/api-conventions.md).

- An unknown parameter is a 422 that lists the accepted ones.
- A parameter that takes one value, given twice, is a 422 (repeatable ones are lists).
- Enumerated values are matched ignoring case and answered in their canonical spelling;
  anything else is a 422 listing the allowed values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import marshmallow as ma
from flask import has_request_context, request
from marshmallow import fields

from kb.api import formats
from kb.dates import hi, lo

PAGINATION_ARGS = ("page", "page_size")
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
        unknown = (f"unknown parameter; accepted: {', '.join(accepted)}" if accepted
                   else "unknown parameter: this operation takes no query parameters")
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
