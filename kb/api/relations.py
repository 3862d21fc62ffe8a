"""Relations between entities: /api/v1/relations."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, url_for
from flask.views import MethodView
from marshmallow import fields, validate

from kb.api.openapi import item_links
from kb.api.paging import KBBlueprint, PagedArgs, window
from kb.auth import caller
from kb.db import get_db
from kb.model import get_model
from kb.schemas import RelationInputSchema, RelationSchema
from kb.store import Store

blp = KBBlueprint("relations", __name__, url_prefix="/api/v1/relations",
                  description="Typed, sourced relations between entities.")


class RelationListArgs(PagedArgs):
    type = fields.String(validate=validate.OneOf(list(get_model().relations)))
    from_ = fields.String(data_key="from", validate=validate.Length(1, 100),
                          metadata={"description": "Id of the subject entity."})
    to = fields.String(validate=validate.Length(1, 100),
                       metadata={"description": "Id of the object entity."})


@blp.route("")
class Relations(MethodView):
    @blp.arguments(RelationListArgs, location="query", unknown=ma.RAISE)
    @blp.response(200, RelationSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
        """List relations, optionally of one type, from and/or to given ids."""
        page = pagination_parameters
        items, page.item_count = Store(get_db(), caller()).list_relations(
            args.get("type"), args.get("from_"), args.get("to"), *window(page))
        return items

    @blp.arguments(RelationInputSchema)
    @blp.response(201, RelationSchema)
    @blp.alt_response(409, description="The same relation already exists")
    @blp.doc(responses={201: {"links": item_links(
        "/api/v1/relations/{relation_id}", ("get", "delete"), "relation_id")}})
    def post(self, data: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Create a relation between two existing entities of allowed kinds."""
        created = Store(get_db(), caller()).create_relation(data)
        return created, 201, {"Location": url_for("relations.Relation",
                                                  relation_id=created["id"])}


@blp.route("/<string:relation_id>")
class Relation(MethodView):
    @blp.response(200, RelationSchema)
    def get(self, relation_id: str) -> dict[str, Any]:
        """Get a relation by id."""
        return Store(get_db(), caller()).get_relation(relation_id)

    @blp.response(204)
    def delete(self, relation_id: str) -> Response:
        """Delete a relation by id."""
        Store(get_db(), caller()).delete_relation(relation_id)
        return Response(status=204)
