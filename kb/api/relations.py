"""Relations between entities: /api/v1/relations."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for
from flask.views import MethodView
from marshmallow import fields, validate

from kb.api import get_store
from kb.api.openapi import item_links
from kb.api.paging import KBBlueprint, PagedArgs, window
from kb.api.params import Choice, QueryArgs, repeatable
from kb.api.resolving import HEADER, HEADER_DOC, one_read, resolve_names
from kb.api.security import requires
from kb.model import get_model
from kb.queries.lists import RelationQuery
from kb.resolve import NameQuery
from kb.schemas import PartialDate, RelationInputSchema, RelationSchema

blp = KBBlueprint("relations", __name__, url_prefix="/api/v1/relations",
                  description="Typed, sourced relations between entities.")


def _end(description: str, **kwargs: Any) -> fields.Field[Any]:
    return repeatable(fields.String(validate=validate.Length(1, 200)), metadata={
        "description": f"{description}: its id, name or alias."}, **kwargs)


class RelationListArgs(PagedArgs):
    type = repeatable(Choice(list(get_model().relations)))
    from_ = _end("The subject entity", data_key="from")
    to = _end("The object entity")
    as_of = PartialDate(metadata={"description": "Only relations valid on this date "
                                                 "(valid_from/valid_to; open ends hold)."})


@blp.route("")
class Relations(MethodView):
    @blp.arguments(RelationListArgs, location="query")
    @blp.response(200, RelationSchema(many=True), headers={HEADER: HEADER_DOC})
    @blp.paginate()
    @one_read
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
        """List relations, optionally of some types, from and/or to entities, on a date."""
        page = pagination_parameters
        sources, targets = args.get("from_"), args.get("to")
        found = iter(resolve_names([NameQuery(field, name) for field, names in
                                    (("from", sources or []), ("to", targets or []))
                                    for name in names]))
        query = RelationQuery(
            types=args.get("type"), asof=args.get("as_of"),
            sources=[next(found).id for _ in sources] if sources else None,
            targets=[next(found).id for _ in targets] if targets else None,
            offset=window(page)[0], limit=window(page)[1])
        items, page.item_count = get_store().list_relations(query)
        return items

    @requires("editor")
    @blp.arguments(RelationInputSchema)
    @blp.response(201, RelationSchema)
    @blp.alt_response(409, description="The same relation already exists")
    @blp.doc(responses={201: {"links": item_links(
        "/api/v1/relations/{relation_id}", ("get", "delete"), "relation_id")}})
    def post(self, data: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Create a relation between two existing entities of allowed kinds."""
        created = get_store().create_relation(data)
        return created, 201, {"Location": url_for("relations.Relation",
                                                  relation_id=created["id"])}


@blp.route("/<string:relation_id>")
class Relation(MethodView):
    @blp.arguments(QueryArgs, location="query")
    @blp.response(200, RelationSchema)
    def get(self, _: dict[str, Any], relation_id: str) -> dict[str, Any]:
        """Get a relation by id."""
        return get_store().get_relation(relation_id)

    @requires("editor")
    @blp.response(204)
    def delete(self, relation_id: str) -> Response:
        """Delete a relation by id."""
        get_store().delete_relation(relation_id)
        return Response(status=204)
