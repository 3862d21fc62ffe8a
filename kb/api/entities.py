"""The entity collections: /api/v1/<kind> and /api/v1/<kind>/<id>, one Blueprint per kind.

The blueprints are generated from the model, so a new kind or filter needs no new view.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, request, url_for
from flask.views import MethodView
from marshmallow import fields, validate

from kb import lists
from kb.api import get_store
from kb.api.etags import IF_MATCH_DOC, cache_headers, expected_version, not_modified
from kb.api.openapi import item_links
from kb.api.paging import KBBlueprint, PagedArgs, page_of, window
from kb.api.params import Choice, QueryArgs, match_field, repeatable
from kb.api.resolving import HEADER, HEADER_DOC, resolve_names
from kb.coverage import between
from kb.dates import lo, today
from kb.db import get_db
from kb.errors import Conflict, NotFound, ValidationFailed, field_error
from kb.model import EntityKind, FilterSpec, get_model
from kb.queries.entities import ListQuery
from kb.resolve import ACTOR_KINDS, NameQuery, domain_field, resolve_domain
from kb.schemas import PartialDate, entity_schema

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


def entity_blueprint(kind: EntityKind) -> KBBlueprint:
    """The Blueprint serving one entity kind."""
    blp = KBBlueprint(kind.path, f"{__name__}.{kind.path}", url_prefix=f"/api/v1/{kind.path}",
                      description=kind.description)
    schema = entity_schema(kind.label)
    list_args = list_args_schema(kind)
    label, plural = kind.label, kind.path

    class Collection(MethodView):
        @blp.arguments(list_args, location="query")
        @blp.response(200, schema(many=True), headers={HEADER: HEADER_DOC})
        @blp.paginate()
        def get(self, args: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
            page = pagination_parameters
            args = resolve_filters(kind, args)
            offset, limit = window(page)
            if "between" in args:
                return page_of(between_answer(kind, args), page)
            sort, match = args.pop("sort", None) or "name", args.pop("match", "direct")
            store = get_store()
            filters = lists.expand(kind, args, match, store)
            items, page.item_count = lists.find(store, kind, filters, sort, offset, limit)
            return items

        get.__doc__ = f"List {plural}, filtered, sorted and paginated."

        if not kind.read_only:
            @blp.arguments(schema)
            @blp.response(201, schema)
            @blp.alt_response(409, description="The id is already taken")
            @blp.doc(responses={201: {"links": item_links(f"/api/v1/{plural}/{{entity_id}}")}})
            def post(self, data: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
                created = get_store().create(label, data)
                location = url_for(f"{blp.name}.Item", entity_id=created["id"])
                return created, 201, {"Location": location, **cache_headers(created)}

            post.__doc__ = f"Create a {label}."

    class Item(MethodView):
        @blp.arguments(QueryArgs, location="query")
        @blp.response(200, schema, headers={HEADER: HEADER_DOC})
        @blp.alt_response(304, description="Not modified since the ETag in If-None-Match")
        def get(self, _: dict[str, Any], entity_id: str) -> Any:
            entity = _by_id_or_name(label, entity_id)
            if not_modified(entity):
                return Response(status=304, headers=cache_headers(entity))
            headers = cache_headers(entity)
            if entity["id"] != entity_id:  # found by name: say where it lives
                headers["Content-Location"] = url_for(f"{blp.name}.Item", entity_id=entity["id"])
            return entity, 200, headers

        get.__doc__ = f"Get a {label} with its relations summarised."

        if not kind.read_only:
            @blp.arguments(schema(partial=("id",)))
            @blp.response(200, schema)
            @blp.alt_response(412, description="If-Match names an older version")
            @blp.doc(parameters=[IF_MATCH_DOC])
            def put(self, data: dict[str, Any], entity_id: str
                    ) -> tuple[dict[str, Any], int, dict[str, str]]:
                _same_id(data, entity_id)
                entity = get_store().replace(label, entity_id, data, expected_version())
                return entity, 200, cache_headers(entity)

            put.__doc__ = f"Replace a {label}'s fields (fields left out are removed)."

            @blp.arguments(schema(partial=True))
            @blp.response(200, schema)
            @blp.alt_response(412, description="If-Match names an older version")
            @blp.doc(parameters=[IF_MATCH_DOC])
            def patch(self, changes: dict[str, Any], entity_id: str
                      ) -> tuple[dict[str, Any], int, dict[str, str]]:
                if not request.get_data():
                    # an empty body would otherwise read as {}: a no-op the client did not mean
                    raise ValidationFailed("PATCH needs a JSON object of the fields to change",
                                           errors=[field_error("_body", "missing body")])
                _same_id(changes, entity_id)
                entity = get_store().patch(label, entity_id, changes, expected_version())
                return entity, 200, cache_headers(entity)

            patch.__doc__ = f"Change some of a {label}'s fields (null removes a field)."

            @blp.response(204)
            @blp.alt_response(412, description="If-Match names an older version")
            @blp.doc(parameters=[IF_MATCH_DOC])
            def delete(self, entity_id: str) -> Response:
                get_store().delete(label, entity_id, expected_version())
                return Response(status=204)

            delete.__doc__ = f"Delete a {label} and its relations."

    blp.route("")(Collection)
    blp.route("/<string:entity_id>")(Item)
    return blp


# filters `between` answers itself; any other filter narrows its answers like a list
BETWEEN_OWN = {"between", "as_of", "domain", "status", "sort", "match"}


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


def between_answer(kind: EntityKind, args: dict[str, Any]) -> list[dict[str, Any]]:
    """Mechanisms/agreements between the named actors, each with its explanation.

    They come in the order of kb.coverage (direct matches first) unless `sort` is given.
    """
    label = kind.label
    actors = args["between"]
    if len(set(actors)) < len(actors):
        raise Conflict("between names the same actor twice", errors=[
            field_error("between", "names the same actor twice", "query")])
    asof = args.get("as_of") or today()
    domains, statuses = args.get("domain"), args.get("status")
    found = between(get_db(), label, actors, asof)
    found = [r for r in found
             if (not domains or set(domains) & {d["id"] for d in r["domains"]})
             and (not statuses or r["status_as_of"]["status"] in statuses)]
    narrowing = {k: v for k, v in args.items() if k not in BETWEEN_OWN}
    if narrowing and found:
        ids = [r[label.lower()]["id"] for r in found]
        filters = lists.expand(kind, narrowing, args.get("match", "direct"), get_store())
        query = ListQuery(kind, filters=filters, ids=ids, limit=len(ids))
        kept = {e["id"] for e in get_store().find(query)[0]}
        found = [r for r in found if r[label.lower()]["id"] in kept]
    answers = [_flatten(label, r, asof) for r in found]
    return sort_items(answers, args["sort"]) if args.get("sort") else answers


def sort_items(items: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """Items ordered by a sort key as lists order them (missing values last, ties by id)."""
    key = sort.lstrip("-")
    present = sorted((i for i in items if i.get(key) is not None),
                     key=lambda i: (lo(str(i[key])) if key.endswith("_on") else i[key], i["id"]),
                     reverse=sort.startswith("-"))
    return present + [i for i in items if i.get(key) is None]


def _flatten(label: str, result: dict[str, Any], asof: str) -> dict[str, Any]:
    # the between answer keeps the shape of a list item, plus what explains the match
    return {**result[label.lower()], "as_of": asof, "status_as_of": result["status_as_of"],
            "match": {"direct": result["direct"], "actors": result["matched"]},
            **{k: result[k] for k in ("domains", "parties", "rests_on", "agreed_by",
                                      "applies_in", "sources")}}


def _by_id_or_name(label: str, entity_id: str) -> dict[str, Any]:
    """The entity with this id or, failing that, the one of this kind bearing this name."""
    store = get_store()
    try:
        return store.get(label, entity_id)
    except NotFound:
        found = resolve_names([NameQuery("entity_id", entity_id, [label], "path")])[0]
        return store.get(label, found.id)


def _same_id(data: dict[str, Any], entity_id: str) -> None:
    if data.get("id", entity_id) != entity_id:
        raise ma.ValidationError({"id": [f"must equal the id in the path ({entity_id!r})"]})


def blueprints() -> list[KBBlueprint]:
    """One Blueprint per entity kind of the model."""
    return [entity_blueprint(kind) for kind in get_model().entities.values()]
