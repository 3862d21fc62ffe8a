"""API key management (admin only) and the change feed."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response
from flask.views import MethodView
from marshmallow import fields, validate

from kb import audit
from kb.api.openapi import item_links
from kb.api.paging import KBBlueprint, PagedArgs, page_of, window
from kb.api.security import requires
from kb.auth import ROLES, caller, create_key, revoke_key
from kb.dates import expiry_problem
from kb.db import get_db
from kb.errors import Conflict, NotFound
from kb.queries import audit as audit_queries
from kb.queries import keys as key_queries

blp = KBBlueprint("keys", __name__, url_prefix="/api/v1",
                  description="API keys (admin role) and the audit trail of every write.")


def _future_moment(text: str) -> None:
    problem = expiry_problem(text)
    if problem:
        raise ma.ValidationError(problem)


class KeySchema(ma.Schema):
    id = fields.String(dump_only=True, metadata={"description": "Public part of the key."})
    name = fields.String(required=True, validate=validate.Length(1, 200))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    expires_at = fields.String(load_default=None, allow_none=True, validate=_future_moment,
                               metadata={"format": "date-time", "description": (
                                   "Optional expiry, an RFC 3339 date-time (with offset) "
                                   "still to come, e.g. 2027-01-01T00:00:00Z")})
    created_at = fields.String(dump_only=True)
    revoked_at = fields.String(dump_only=True, allow_none=True)


class NewKeySchema(KeySchema):
    key = fields.String(dump_only=True, metadata={"description": "Shown once; keep it."})


class ChangeArgs(PagedArgs):
    since = fields.Integer(load_default=0, validate=validate.Range(0, 2**53), metadata={
        "description": "Only changes after this sequence number (the feed's cursor)."})
    entity = fields.String(validate=validate.Length(1, 200), metadata={
        "description": "Only changes of this entity or relation id."})
    actor = fields.String(validate=validate.Length(1, 100), metadata={
        "description": "Only changes made with this key id."})


class ChangeSchema(ma.Schema):
    seq = fields.Integer()
    at = fields.String()
    actor = fields.Dict()
    op = fields.String(metadata={"description": "create, update, delete, import or revoke."})
    kind = fields.String()
    target = fields.String()
    before = fields.Dict()
    after = fields.Dict()
    counts = fields.Dict(metadata={"description": "For imports: created/updated/unchanged."})


@blp.route("/keys")
class Keys(MethodView):
    @requires("admin")
    @blp.arguments(PagedArgs, location="query")
    @blp.response(200, KeySchema(many=True))
    @blp.paginate()
    def get(self, _: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
        """List API keys (no secrets)."""
        return page_of(get_db().read_tx(key_queries.list_keys), pagination_parameters)

    @requires("admin")
    @blp.arguments(KeySchema)
    @blp.response(201, NewKeySchema)
    @blp.doc(responses={201: {"links": item_links("/api/v1/keys/{key_id}", ("delete",),
                                                  "key_id")}})
    def post(self, data: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Create an API key; the key itself is in this response only."""
        key, record = create_key(get_db(), data["role"], data["name"], data["expires_at"],
                                 caller())
        # the secret must not stay in any cache on the way
        return {**record, "key": key}, 201, {"Cache-Control": "no-store"}


@blp.route("/keys/<string:key_id>")
class Key(MethodView):
    @requires("admin")
    @blp.response(204)
    @blp.alt_response(409, description="The key making the request cannot revoke itself")
    def delete(self, key_id: str) -> Response:
        """Revoke an API key (it fails from then on).

        A key cannot revoke itself, so an admin cannot lock themselves out by mistake:
        use another admin key, or `kb keys revoke` on the server.
        """
        if caller().key_id == key_id:
            raise Conflict("a key cannot revoke itself: use another admin key or "
                           "`kb keys revoke`")
        if not revoke_key(get_db(), key_id, caller()):
            raise NotFound(f"no API key {key_id!r}")
        return Response(status=204)


@blp.route("/changes")
class Changes(MethodView):
    @requires("reader")
    @blp.arguments(ChangeArgs, location="query")
    @blp.response(200, ChangeSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
        """The audit trail in commit order: who changed what, when, before and after.

        Page with `since` (the last `seq` you saw) to follow the knowledge base as a feed.
        Needs a key: readers see what changed; editors also the ids of the keys that changed
        it and what deleted entities held (they may restore them); admins also key names.
        """
        page = pagination_parameters
        rows, page.item_count = get_db().read_tx(lambda tx: audit_queries.page(
            tx, args["since"], args.get("entity"), args.get("actor"), *window(page)))
        viewer = caller()
        return [audit.out(r, viewer) for r in rows]
