"""The entity collections: /api/v1/<kind> and /api/v1/<kind>/<id>, one Blueprint per kind.

The blueprints are generated from the model, so a new kind or filter needs no new view.
Each kind gets a collection view and an item view; the write methods exist only on the
views of writable kinds (Domains are a fixed vocabulary).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, request, url_for
from flask.views import MethodView

from kb import lists
from kb.api import get_store
from kb.api.entity_args import list_args_schema, resolve_filters
from kb.api.etags import IF_MATCH_DOC, cache_headers, expected_version, not_modified
from kb.api.openapi import item_links
from kb.api.paging import KBBlueprint, page_of, window
from kb.api.params import QueryArgs
from kb.api.resolving import HEADER, HEADER_DOC, one_read, resolve_names
from kb.api.security import requires
from kb.errors import NotFound, ValidationFailed, field_error
from kb.model import EntityKind, get_model
from kb.resolve import NameQuery
from kb.schemas import entity_schema

Answer = tuple[dict[str, Any], int, dict[str, str]]


def entity_blueprint(kind: EntityKind) -> KBBlueprint:
    """The Blueprint serving one entity kind."""
    blp = KBBlueprint(kind.path, f"{__name__}.{kind.path}", url_prefix=f"/api/v1/{kind.path}",
                      description=kind.description)
    blp.route("", endpoint="Collection")(_collection_view(blp, kind))
    blp.route("/<string:entity_id>", endpoint="Item")(_item_view(blp, kind))
    return blp


def _collection_view(blp: KBBlueprint, kind: EntityKind) -> type[MethodView]:
    schema = entity_schema(kind.label)

    class Collection(MethodView):
        @blp.arguments(list_args_schema(kind), location="query")
        @blp.response(200, schema(many=True), headers={HEADER: HEADER_DOC})
        @blp.paginate()
        @one_read
        def get(self, args: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
            return list_page(kind, resolve_filters(kind, args), pagination_parameters)

        get.__doc__ = f"List {kind.path}, filtered, sorted and paginated."

    if kind.read_only:
        return Collection

    class WritableCollection(Collection):
        @requires("editor")
        @blp.arguments(schema)
        @blp.response(201, schema)
        @blp.alt_response(409, description="The id is already taken")
        @blp.doc(responses={201: {"links": item_links(f"/api/v1/{kind.path}/{{entity_id}}")}})
        def post(self, data: dict[str, Any]) -> Answer:
            created = get_store().create(kind.label, data)
            location = url_for(f"{blp.name}.Item", entity_id=created["id"])
            return created, 201, {"Location": location, **cache_headers(created)}

        post.__doc__ = f"Create a {kind.label}."

    return WritableCollection


def _item_view(blp: KBBlueprint, kind: EntityKind) -> type[MethodView]:
    schema, label = entity_schema(kind.label), kind.label

    class Item(MethodView):
        @blp.arguments(QueryArgs, location="query")
        @blp.response(200, schema, headers={HEADER: HEADER_DOC})
        @blp.alt_response(304, description="Not modified since the ETag in If-None-Match")
        def get(self, _: dict[str, Any], entity_id: str) -> Any:
            entity = _by_id_or_name(label, entity_id)
            headers = cache_headers(entity)
            if not_modified(headers):
                return Response(status=304, headers=headers)
            if entity["id"] != entity_id:  # found by name: say where it lives
                headers["Content-Location"] = url_for(f"{blp.name}.Item", entity_id=entity["id"])
            return entity, 200, headers

        get.__doc__ = f"Get a {label} with its relations summarised."

    if kind.read_only:
        return Item

    class WritableItem(Item):
        @requires("editor")
        @blp.arguments(schema(partial=("id",)))
        @blp.response(200, schema)
        @blp.alt_response(412, description="If-Match names an older version")
        @blp.doc(parameters=[IF_MATCH_DOC])
        def put(self, data: dict[str, Any], entity_id: str) -> Answer:
            _same_id(data, entity_id)
            entity = get_store().replace(label, entity_id, data, expected_version())
            return entity, 200, cache_headers(entity)

        put.__doc__ = f"Replace a {label}'s fields (fields left out are removed)."

        @requires("editor")
        @blp.arguments(schema(partial=True))
        @blp.response(200, schema)
        @blp.alt_response(412, description="If-Match names an older version")
        @blp.doc(parameters=[IF_MATCH_DOC])
        def patch(self, changes: dict[str, Any], entity_id: str) -> Answer:
            if not request.get_data():
                # an empty body would otherwise read as {}: a no-op the client did not mean
                raise ValidationFailed("PATCH needs a JSON object of the fields to change",
                                       errors=[field_error("_body", "missing body")])
            _same_id(changes, entity_id)
            entity = get_store().patch(label, entity_id, changes, expected_version())
            return entity, 200, cache_headers(entity)

        patch.__doc__ = f"Change some of a {label}'s fields (null removes a field)."

        @requires("editor")
        @blp.response(204)
        @blp.alt_response(412, description="If-Match names an older version")
        @blp.doc(parameters=[IF_MATCH_DOC])
        def delete(self, entity_id: str) -> Response:
            get_store().delete(label, entity_id, expected_version())
            return Response(status=204)

        delete.__doc__ = f"Delete a {label} and its relations."

    return WritableItem


def list_page(kind: EntityKind, args: dict[str, Any], page: Any) -> list[dict[str, Any]]:
    """One page of a list request whose names are resolved: `between` or filters."""
    store = get_store()
    if "between" in args:
        return page_of(lists.between_answer(store, kind, args), page)
    sort, match = args.pop("sort", None) or "name", args.pop("match", "direct")
    offset, limit = window(page)
    filters = lists.expand(kind, args, match, store)
    items, page.item_count = lists.find(store, kind, filters, sort, offset, limit)
    return items


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
