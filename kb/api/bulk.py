"""Bulk import and export of records (the seed_data/ format, as JSON or NDJSON)."""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path
from typing import IO, Any

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
from kb.imports import import_paths
from kb.progress import ImportLog
from kb.schemas import PartialDate

blp = KBBlueprint("bulk", __name__, url_prefix="/api/v1",
                  description="Bulk import (checked whole, then written) and NDJSON export.")
NDJSON = "application/x-ndjson"
SPOOL_CHUNK = 1 << 20  # bytes read from the body at a time
log = logging.getLogger("kb.imports")


class ImportArgs(QueryArgs):
    dry_run = fields.Boolean(load_default=False, metadata={
        "description": "Validate and report what would change; write nothing."})


class ExportArgs(QueryArgs):
    as_of = PartialDate(metadata={"description": "Only relations valid on this date."})


class ImportReportSchema(ma.Schema):
    dry_run = fields.Boolean()
    counts = fields.Dict(metadata={"description": "{kind or type: {created, updated, unchanged}}"})
    totals = fields.Dict()


def _spool(target: IO[bytes], limit: int, setting: str) -> None:
    """Copy the request body to a file, refusing it whole (413) past `limit` bytes (the
    value of the setting named).

    A body whose Content-Length says it is too large is refused before it is read. A chunked one
    has no length: werkzeug would quietly stop reading at the limit, so the records past it
    would be lost while those before it were written; it is read here, one byte past the
    limit, to tell. Nothing is written to the database before the whole body is here.
    """
    too_large = PayloadTooLarge(f"the body is larger than {limit} bytes ({setting}); "
                                "nothing was written: split the import")
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    request.max_content_length = limit  # werkzeug's, for this request only
    stream = request.stream if request.content_length is not None else request.environ[
        "wsgi.input"]
    size = 0
    while chunk := stream.read(min(SPOOL_CHUNK, limit + 1 - size)):
        size += len(chunk)
        if size > limit:
            raise too_large
        target.write(chunk)


def _body_limit() -> tuple[int, str]:
    """The largest body this import may send, and the setting that says so."""
    # NDJSON goes to disk a chunk at a time, so it may be as large as an import file; a JSON
    # array is parsed whole in memory and keeps the limit of every other body
    if request.mimetype == NDJSON:
        return current_app.config["KB_SETTINGS"].max_import_bytes, "KB_MAX_IMPORT_BYTES"
    return current_app.config["MAX_CONTENT_LENGTH"], "KB_MAX_BODY_BYTES"


def _array_to_ndjson(spool: Path, target: Path) -> None:
    """A JSON array body, rewritten one record per line (the import reads NDJSON)."""
    try:
        records = json.loads(spool.read_bytes().decode("utf-8", errors="replace"))
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"the body is not valid JSON: {exc.msg} at line {exc.lineno}",
                               errors=[field_error("_body", exc.msg, "body")]) from exc
    except RecursionError:
        raise too_deep() from None
    if not isinstance(records, list):
        raise ValidationFailed("the body must be a JSON array of records (or NDJSON)",
                               errors=[field_error("_body", "expected an array", "body")])
    with target.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


@blp.route("/import")
class Import(MethodView):
    @requires("editor")
    @blp.arguments(ImportArgs, location="query")
    @blp.response(200, ImportReportSchema)
    @blp.alt_response(413, description="The body is larger than KB_MAX_IMPORT_BYTES (NDJSON) "
                                       "or KB_MAX_BODY_BYTES (a JSON array)")
    @blp.alt_response(422, description="A record is invalid; nothing was written")
    @blp.alt_response(409, description="A record clashes with the knowledge base or with "
                                       "another record; nothing was written")
    @blp.doc(requestBody=IMPORT_BODY)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Import records: all checked first, then written (in one transaction up to 5,000).

        The body is a JSON array or NDJSON (Content-Type: application/x-ndjson) of records:
        `{"entity": "Force", "id": ..., ...}` or `{"type": "PARTY_TO", "from": ..., "to": ...}`.
        Every record and reference is checked before anything is written; any problem and
        nothing is. Larger bodies (NDJSON is streamed to disk, never held whole) are written
        in batches of 5,000 records: if the database fails part-way, the batches written
        stay, none is duplicated, and sending the same body again completes it.
        Importing the same records again changes nothing.
        """
        with tempfile.TemporaryDirectory(prefix="kb-upload-") as tmp:
            body, records = Path(tmp) / "body", Path(tmp) / "records.ndjson"
            with body.open("wb") as target:
                _spool(target, *_body_limit())
            if request.mimetype == NDJSON:
                body.rename(records)
            else:
                _array_to_ndjson(body, records)
            label = "line" if request.mimetype == NDJSON else "record"
            # a large import runs for minutes within its request: the log shows how far it is
            progress = ImportLog(log, dry_run=args["dry_run"])
            report = import_paths(get_db(), [records], dry_run=args["dry_run"], who=caller(),
                                  on_check=progress.on_check, on_write=progress.on_write,
                                  label=label)
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
