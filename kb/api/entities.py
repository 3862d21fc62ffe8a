"""The entity collections: /api/v1/<kind> and /api/v1/<kind>/<id>, one Blueprint per kind.

The blueprints are generated from the model, so a new kind or filter needs no new view.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, url_for
from flask.views import MethodView
from marshmallow import fields, validate

from kb.api.paging import KBBlueprint
from kb.db import get_db
from kb.model import EntityKind, FilterSpec, get_model
from kb.queries.entities import ListQuery
from kb.schemas import PartialDate, entity_schema
from kb.store import Store

PAGINATION_ARGS = ("page", "page_size")


class ListArgsBase(ma.Schema):
    class Meta:
        ordered = True

    @ma.pre_load
    def _leave_pagination(self, data: Any, **_: Any) -> Any:
        # page/page_size are parsed by the pagination layer from the same query string
        return {k: v for k, v in data.items() if k not in PAGINATION_ARGS}


def _filter_field(kind: EntityKind, spec: FilterSpec) -> fields.Field[Any]:
    meta = {"description": spec.description} if spec.description else {}
    if spec.text:
        meta = {"description": "Text in the name or aliases (case and accents ignored)."}
        return fields.String(validate=validate.Length(1, 200), metadata=meta)
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
    schema: type[ma.Schema] = ListArgsBase.from_dict(attrs, name=f"{kind.label}ListArgs")
    return schema


def _store() -> Store:
    return Store(get_db())


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
            sort = args.pop("sort")
            page = pagination_parameters
            query = ListQuery(kind, filters=args, sort=sort,
                              offset=(page.page - 1) * page.page_size, limit=page.page_size)
            items, page.item_count = _store().find(query)
            return items

        get.__doc__ = f"List {plural}, filtered, sorted and paginated."

        if not kind.read_only:
            @blp.arguments(schema)
            @blp.response(201, schema)
            @blp.alt_response(409, description="The id is already taken")
            def post(self, data: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
                created = _store().create(label, data)
                location = url_for(f"{blp.name}.Item", entity_id=created["id"])
                return created, 201, {"Location": location}

            post.__doc__ = f"Create a {label}."

    class Item(MethodView):
        @blp.response(200, schema)
        def get(self, entity_id: str) -> dict[str, Any]:
            return _store().get(label, entity_id)

        get.__doc__ = f"Get a {label} with its relations summarised."

        if not kind.read_only:
            @blp.arguments(schema(partial=("id",)))
            @blp.response(200, schema)
            def put(self, data: dict[str, Any], entity_id: str) -> dict[str, Any]:
                _same_id(data, entity_id)
                return _store().replace(label, entity_id, data)

            put.__doc__ = f"Replace a {label}'s fields (fields left out are removed)."

            @blp.arguments(schema(partial=True))
            @blp.response(200, schema)
            def patch(self, changes: dict[str, Any], entity_id: str) -> dict[str, Any]:
                _same_id(changes, entity_id)
                return _store().patch(label, entity_id, changes)

            patch.__doc__ = f"Change some of a {label}'s fields (null removes a field)."

            @blp.response(204)
            def delete(self, entity_id: str) -> Response:
                _store().delete(label, entity_id)
                return Response(status=204)

            delete.__doc__ = f"Delete a {label} and its relations."

    blp.route("")(Collection)
    blp.route("/<string:entity_id>")(Item)
    return blp


def _same_id(data: dict[str, Any], entity_id: str) -> None:
    if data.get("id", entity_id) != entity_id:
        raise ma.ValidationError({"id": [f"must equal the id in the path ({entity_id!r})"]})


def blueprints() -> list[KBBlueprint]:
    """One Blueprint per entity kind of the model."""
    return [entity_blueprint(kind) for kind in get_model().entities.values()]
