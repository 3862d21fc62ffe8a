"""The entity collections: /api/v1/<kind> and /api/v1/<kind>/<id>, one Blueprint per kind.

The blueprints are generated from the model, so a new kind or filter needs no new view.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, request, url_for
from flask.views import MethodView
from marshmallow import fields, validate

from kb.api.etags import IF_MATCH_DOC, cache_headers, expected_version, not_modified
from kb.api.openapi import item_links
from kb.api.paging import KBBlueprint, PagedArgs, window
from kb.auth import caller
from kb.coverage import between
from kb.dates import today
from kb.db import get_db
from kb.errors import Conflict, ValidationFailed, field_error
from kb.model import EntityKind, FilterSpec, get_model
from kb.queries.entities import ListQuery
from kb.resolve import ACTOR_KINDS, domain_field, resolve, resolve_domain
from kb.schemas import PartialDate, entity_schema
from kb.store import Store

MAX_ACTORS = 6
DOMAIN_RELATIONS = ("COVERS", "IN_DOMAIN")  # filters whose value names a Domain


def _filter_field(kind: EntityKind, spec: FilterSpec) -> fields.Field[Any]:
    meta = {"description": spec.description} if spec.description else {}
    if spec.relation in DOMAIN_RELATIONS:
        return domain_field(metadata=meta)
    if spec.text:
        meta = {"description": "Text in the name or aliases (case and accents ignored)."}
        return fields.String(validate=validate.Length(1, 200), metadata=meta)
    if spec.between:
        return fields.List(fields.String(validate=validate.Length(1, 200)),
                           validate=validate.Length(2, MAX_ACTORS), metadata=meta)
    if spec.as_of:
        return PartialDate(metadata=meta)
    if spec.date_from or spec.date_to:
        return PartialDate(metadata=meta)
    field_spec = kind.fields.get(spec.property or "")
    vocabulary = field_spec.vocabulary if field_spec else None
    if spec.property == "status":
        vocabulary = "status" if kind.label != "Event" else "event_status"
    if vocabulary:
        return fields.String(validate=validate.OneOf(get_model().vocabulary(vocabulary)),
                             metadata=meta)
    return fields.String(validate=validate.Length(1, 200), metadata=meta)


def list_args_schema(kind: EntityKind) -> type[ma.Schema]:
    """Query-string schema of a collection: its filters and `sort`."""
    attrs: dict[str, Any] = {n: _filter_field(kind, s) for n, s in kind.filters.items()}
    choices = [s for key in kind.sort for s in (key, f"-{key}")]
    attrs["sort"] = fields.String(
        load_default="name" if "name" in kind.sort else kind.sort[0],
        validate=validate.OneOf(choices),
        metadata={"description": "Sort key; a leading '-' sorts descending. Ties by id."})
    schema: type[ma.Schema] = PagedArgs.from_dict(attrs, name=f"{kind.label}ListArgs")
    return schema


def _store() -> Store:
    return Store(get_db(), caller())


def entity_blueprint(kind: EntityKind) -> KBBlueprint:
    """The Blueprint serving one entity kind."""
    blp = KBBlueprint(kind.path, f"{__name__}.{kind.path}", url_prefix=f"/api/v1/{kind.path}",
                      description=kind.description)
    schema = entity_schema(kind.label)
    list_args = list_args_schema(kind)
    label, plural = kind.label, kind.path

    class Collection(MethodView):
        @blp.arguments(list_args, location="query", unknown=ma.RAISE)
        @blp.response(200, schema(many=True))
        @blp.paginate()
        def get(self, args: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
            page = pagination_parameters
            if "domain" in args:
                args["domain"] = resolve_domain(args["domain"])
            if "between" in args:
                items = between_answer(kind, args)
                page.item_count = len(items)
                offset, limit = window(page)
                return items[offset:offset + limit]
            sort = args.pop("sort")
            offset, limit = window(page)
            query = ListQuery(kind, filters=args, sort=sort, offset=offset, limit=limit)
            items, page.item_count = _store().find(query)
            return items

        get.__doc__ = f"List {plural}, filtered, sorted and paginated."

        if not kind.read_only:
            @blp.arguments(schema)
            @blp.response(201, schema)
            @blp.alt_response(409, description="The id is already taken")
            @blp.doc(responses={201: {"links": item_links(f"/api/v1/{plural}/{{entity_id}}")}})
            def post(self, data: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
                created = _store().create(label, data)
                location = url_for(f"{blp.name}.Item", entity_id=created["id"])
                return created, 201, {"Location": location, **cache_headers(created)}

            post.__doc__ = f"Create a {label}."

    class Item(MethodView):
        @blp.response(200, schema)
        @blp.alt_response(304, description="Not modified since the ETag in If-None-Match")
        def get(self, entity_id: str) -> Any:
            entity = _store().get(label, entity_id)
            if not_modified(entity):
                return Response(status=304, headers=cache_headers(entity))
            return entity, 200, cache_headers(entity)

        get.__doc__ = f"Get a {label} with its relations summarised."

        if not kind.read_only:
            @blp.arguments(schema(partial=("id",)))
            @blp.response(200, schema)
            @blp.alt_response(412, description="If-Match names an older version")
            @blp.doc(parameters=[IF_MATCH_DOC])
            def put(self, data: dict[str, Any], entity_id: str
                    ) -> tuple[dict[str, Any], int, dict[str, str]]:
                _same_id(data, entity_id)
                entity = _store().replace(label, entity_id, data, expected_version())
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
                entity = _store().patch(label, entity_id, changes, expected_version())
                return entity, 200, cache_headers(entity)

            patch.__doc__ = f"Change some of a {label}'s fields (null removes a field)."

            @blp.response(204)
            @blp.alt_response(412, description="If-Match names an older version")
            @blp.doc(parameters=[IF_MATCH_DOC])
            def delete(self, entity_id: str) -> Response:
                _store().delete(label, entity_id, expected_version())
                return Response(status=204)

            delete.__doc__ = f"Delete a {label} and its relations."

    blp.route("")(Collection)
    blp.route("/<string:entity_id>")(Item)
    return blp


# filters `between` answers itself; any other filter narrows its answers like a list
BETWEEN_OWN = {"between", "as_of", "domain", "status", "sort"}


def between_answer(kind: EntityKind, args: dict[str, Any]) -> list[dict[str, Any]]:
    """Mechanisms/agreements between the named actors, each with its explanation.

    They come in the order of kb.coverage (direct matches first), not by `sort`.
    """
    label = kind.label
    db = get_db()
    actors = [resolve(db, name, "between", ACTOR_KINDS).id for name in args["between"]]
    if len(set(actors)) < len(actors):
        raise Conflict("between names the same actor twice", errors=[
            field_error("between", "names the same actor twice", "query")])
    asof = args.get("as_of") or today()
    found = between(db, label, actors, asof, args.get("domain"), args.get("status"))
    narrowing = {k: v for k, v in args.items() if k not in BETWEEN_OWN}
    if narrowing and found:
        ids = [r[label.lower()]["id"] for r in found]
        query = ListQuery(kind, filters=narrowing, ids=ids, limit=len(ids))
        kept = {e["id"] for e in _store().find(query)[0]}
        found = [r for r in found if r[label.lower()]["id"] in kept]
    return [_flatten(label, r, asof) for r in found]


def _flatten(label: str, result: dict[str, Any], asof: str) -> dict[str, Any]:
    return {**result[label.lower()], "as_of": asof,
            "status_as_of": result["status_as_of"],
            "match": {"direct": result["direct"], "actors": result["matched"]},
            **{k: result[k] for k in ("domains", "parties", "rests_on", "agreed_by",
                                      "applies_in", "sources")}}


def _same_id(data: dict[str, Any], entity_id: str) -> None:
    if data.get("id", entity_id) != entity_id:
        raise ma.ValidationError({"id": [f"must equal the id in the path ({entity_id!r})"]})


def blueprints() -> list[KBBlueprint]:
    """One Blueprint per entity kind of the model."""
    return [entity_blueprint(kind) for kind in get_model().entities.values()]
