"""The query parameters of the entity lists, built from the model, and their names resolved."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from kb.api.paging import PagedArgs
from kb.api.params import Choice, match_field, repeatable
from kb.api.resolving import resolve_names
from kb.model import EntityKind, FilterSpec, get_model
from kb.resolve import ACTOR_KINDS, NameQuery, domain_field, resolve_domain
from kb.schemas import PartialDate

MAX_ACTORS = 6
DOMAIN_RELATIONS = ("COVERS", "IN_DOMAIN")  # filters whose value names a Domain


def _filter_field(kind: EntityKind, spec: FilterSpec) -> fields.Field[Any]:
    meta = {"description": spec.description} if spec.description else {}
    if spec.relation in DOMAIN_RELATIONS:
        return repeatable(domain_field(), metadata=meta)
    if spec.text:
        meta = {"description": "Text in the name or aliases (case and accents ignored)."}
        return fields.String(validate=validate.Length(1, 200), metadata=meta)
    if spec.between:
        return fields.List(fields.String(validate=validate.Length(1, 200)), metadata=meta,
                           validate=validate.Length(2, MAX_ACTORS, error=BETWEEN_COUNT))
    if spec.as_of or spec.date_from or spec.date_to:
        return PartialDate(metadata=meta)
    if spec.relation:
        meta["description"] = f"{spec.description} Its id, name or alias.".strip()
        return repeatable(fields.String(validate=validate.Length(1, 200)), metadata=meta)
    field_spec = kind.fields.get(spec.property or "")
    vocabulary = field_spec.vocabulary if field_spec else None
    if spec.property == "status":
        vocabulary = "status" if kind.label != "Event" else "event_status"
    if vocabulary:
        return repeatable(Choice(get_model().vocabulary(vocabulary)), metadata=meta)
    return repeatable(fields.String(validate=validate.Length(1, 200)), metadata=meta)


BETWEEN_COUNT = ("name {min} to {max} actors by repeating the parameter: "
                 "between=A&between=B")


def list_args_schema(kind: EntityKind) -> type[ma.Schema]:
    """Query-string schema of a collection: its filters, `match` and `sort`."""
    attrs: dict[str, Any] = {n: _filter_field(kind, s) for n, s in kind.filters.items()}
    if any(s.relation and s.relation not in DOMAIN_RELATIONS for s in kind.filters.values()):
        attrs["match"] = match_field()
    attrs["sort"] = Choice([s for key in kind.sort for s in (key, f"-{key}")], metadata={
        "description": "Sort key; a leading '-' sorts descending; ties by id. Default: name "
                       "(with `between`: direct matches first, then by status, newest first)."})
    ranges = [(f.name, t.name) for f in kind.filters.values() for t in kind.filters.values()
              if f.date_from and t.date_to and f.date_from == t.date_to]
    attrs["date_ranges"] = ranges
    schema: type[ma.Schema] = PagedArgs.from_dict(attrs, name=f"{kind.label}ListArgs")
    return schema


def resolve_filters(kind: EntityKind, args: dict[str, Any]) -> dict[str, Any]:
    """The list arguments with every name resolved (all unknown names reported at once)."""
    model = get_model()
    queries: list[NameQuery] = []
    for name, value in args.items():
        spec = kind.filters.get(name)
        if spec is None or not isinstance(value, list):
            continue
        if spec.between:
            queries += [NameQuery("between", v, ACTOR_KINDS) for v in value]
        elif spec.relation and spec.relation not in DOMAIN_RELATIONS:
            relation = model.relations[spec.relation]
            ends = relation.to_kinds if spec.direction == "out" else relation.from_kinds
            queries += [NameQuery(name, v, list(ends)) for v in value]
    found = iter(resolve_names(queries))
    out = dict(args)
    for name, value in args.items():
        spec = kind.filters.get(name)
        if spec and spec.relation in DOMAIN_RELATIONS:
            out[name] = sorted({resolve_domain(v, name) for v in value})
        elif spec and (spec.between or spec.relation) and isinstance(value, list):
            out[name] = [next(found).id for _ in value]
    return out
