"""Bulk import and export of records (the seed_data/ format, as JSON or NDJSON)."""

from __future__ import annotations

import json
from typing import Any

import marshmallow as ma
from flask import Response, current_app, request, stream_with_context
from flask.views import MethodView
from marshmallow import fields

from kb.api.openapi import IMPORT_BODY
from kb.api.paging import KBBlueprint, too_deep
from kb.api.params import QueryArgs
from kb.api.security import requires
from kb.auth import caller
from kb.bulk import export_lines
from kb.db import get_db
from kb.errors import PayloadTooLarge, ValidationFailed, field_error
from kb.ingest import load_records
from kb.schemas import PartialDate

blp = KBBlueprint("bulk", __name__, url_prefix="/api/v1",
                  description="Bulk import (all or nothing, idempotent) and NDJSON export.")
NDJSON = "application/x-ndjson"


class ImportArgs(QueryArgs):
    dry_run = fields.Boolean(load_default=False, metadata={
        "description": "Validate and report what would change; write nothing."})


class ExportArgs(QueryArgs):
    as_of = PartialDate(metadata={"description": "Only relations valid on this date."})


class ImportReportSchema(ma.Schema):
    dry_run = fields.Boolean()
    counts = fields.Dict(metadata={"description": "{kind or type: {created, updated, unchanged}}"})
    totals = fields.Dict()


def _body() -> str:
    """The request body, refused whole (413) when larger than KB_MAX_BODY_BYTES.

    A body sent with Content-Length is refused by werkzeug before it is read. A chunked one
    has no length: werkzeug would quietly stop reading at the limit, so the records past it
    would be lost while those before it were written; it is read here, one byte past the
    limit, to tell.
    """
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None:
        return request.get_data(as_text=True)
    raw: bytes = request.environ["wsgi.input"].read(limit + 1)
    if len(raw) > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes (KB_MAX_BODY_BYTES); "
                              "nothing was written: split the import")
    return raw.decode("utf-8", errors="replace")


def _records() -> list[tuple[str, Any]]:
    body = _body()
    try:
        if request.mimetype == NDJSON:
            return [(f"line {n}", json.loads(line))
                    for n, line in enumerate(body.splitlines(), 1) if line.strip()]
        records = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"the body is not valid JSON: {exc.msg} at line {exc.lineno}",
                               errors=[field_error("_body", exc.msg, "body")]) from exc
    except RecursionError:
        raise too_deep() from None
    if not isinstance(records, list):
        raise ValidationFailed("the body must be a JSON array of records (or NDJSON)",
                               errors=[field_error("_body", "expected an array", "body")])
    return [(f"record {n}", r) for n, r in enumerate(records, 1)]


@blp.route("/import")
class Import(MethodView):
    @requires("editor")
    @blp.arguments(ImportArgs, location="query")
    @blp.response(200, ImportReportSchema)
    @blp.alt_response(413, description="The body is larger than KB_MAX_BODY_BYTES")
    @blp.alt_response(422, description="A record is invalid; nothing was written")
    @blp.alt_response(409, description="A record clashes with the knowledge base or with "
                                       "another record; nothing was written")
    @blp.doc(requestBody=IMPORT_BODY)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Import records: validated whole first, then written all or nothing.

        The body is a JSON array or NDJSON (Content-Type: application/x-ndjson) of records:
        `{"entity": "Force", "id": ..., ...}` or `{"type": "PARTY_TO", "from": ..., "to": ...}`.
        Importing the same records again changes nothing.
        """
        report = load_records(get_db(), _records(), dry_run=args["dry_run"], who=caller())
        return {"dry_run": args["dry_run"], "counts": report.as_dict(), "totals": report.totals()}


@blp.route("/export")
class Export(MethodView):
    @blp.arguments(ExportArgs, location="query")
    @blp.response(200, description="NDJSON records, entities then relations",
                  content_type=NDJSON)
    def get(self, args: dict[str, Any]) -> Response:
        """Export the whole knowledge base as NDJSON records (the import format)."""
        get_db().ping()  # fail with 503 before the 200 and its headers go out
        lines = export_lines(get_db(), args.get("as_of"))
        return Response(stream_with_context(lines), mimetype=NDJSON)
