"""Content negotiation: JSON, CSV or GeoJSON for the same GET, wired once for every view.

KBBlueprint.response wraps every documented 200 answer with `offer`: the formats a schema
can be rendered in are decided from the schema alone (a list, or an object made of tables,
renders as CSV; the Place and Gap lists also as GeoJSON), so a new list or stats view gets
CSV without code of its own. `format` (query, any case) wins over Accept. Accept is a
preference: when it admits none of the endpoint's formats the answer is JSON (RFC 9110,
12.5.1); `format` is a demand: a format the endpoint cannot render is 406 naming `format`.
Errors stay problem+json. Paging headers are the JSON page's; ETags are computed afterwards
on the rendered body (kb.api.caching), and `Vary: Accept` tells caches the body depends on it.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from functools import wraps
from typing import Any

import marshmallow as ma
from flask import Response, current_app, request
from marshmallow import fields

from kb import geo, tables
from kb.db import get_db
from kb.errors import KBError, ValidationFailed, field_error
from kb.schemas import EntityBase

MIME = {"json": "application/json", "csv": "text/csv", "geojson": "application/geo+json"}
EXTENSION = {"csv": "csv", "geojson": "geojson"}
KEY = "kb_formats"  # where a view's formats are kept in its flask-smorest _apidoc
PARAMETER = "format"

Renderer = Callable[[list[dict[str, Any]]], dict[str, Any]]
# the lists that have a geometry: item schema class name -> FeatureCollection builder
GEO: dict[str, Renderer] = {
    "Place": geo.places,
    "GapSchema": lambda gaps: geo.gaps_by_theatre(get_db(), gaps),
}


class NotAcceptable(KBError):
    status, title, slug = 406, "Not Acceptable", "not-acceptable"


def _tabular(schema: ma.Schema) -> bool:
    """An object made only of tables (lists of objects), groups of tables, and scalars."""
    if isinstance(schema, EntityBase):
        return False  # an item is one record, not a table
    found = False
    for field in schema.dump_fields.values():
        if isinstance(field, fields.List) and isinstance(field.inner, fields.Nested):
            found = True
        elif isinstance(field, fields.Nested):
            if not (field.many or _tabular(field.schema)):
                return False
            found = True
    return found


def offered(schema: ma.Schema | None) -> list[str]:
    """The formats a 200 answer of this schema can be given in (json first)."""
    if not isinstance(schema, ma.Schema):
        return ["json"]
    formats = ["json"]
    if schema.many or _tabular(schema):
        formats.append("csv")
    if schema.many and type(schema).__name__ in GEO:
        formats.append("geojson")
    return formats


def columns(schema: ma.Schema) -> list[str]:
    """CSV columns of a list's items: the schema's fields, `<field>_name` after references."""
    out: list[str] = []
    for name, field in schema.dump_fields.items():
        key = field.data_key or name
        out.append(key)
        if isinstance(field, fields.Nested) and not field.many and isinstance(
                field.schema, ma.Schema) and {"id", "name"} <= set(field.schema.dump_fields):
            out.append(f"{key}_name")
    return out


def endpoint_formats() -> list[str]:
    """The formats the current request's view offers (["json"] when it is not wrapped)."""
    view = current_app.view_functions.get(request.endpoint or "")
    cls = getattr(view, "view_class", None)
    method = "get" if request.method == "HEAD" else request.method.lower()
    func = getattr(cls, method, None) if cls is not None else view
    formats: list[str] = getattr(func, "_apidoc", {}).get(KEY, ["json"])
    return formats


def check_parameter(given: list[str], formats: list[str]) -> str | None:
    """The problem with a `format` query value (None if fine; 406 comes at negotiation)."""
    if len(given) > 1:
        return "takes one value: give the parameter once"
    if given[0].strip().casefold() not in MIME:
        return f"{given[0]!r} is not one of: {', '.join(formats)}"
    return None


def negotiate(formats: list[str]) -> str:
    """The format to answer in: `format` if given, else the best the Accept header admits."""
    given = request.args.getlist(PARAMETER)
    if given:
        problem = check_parameter(given, formats)
        if problem:
            raise ValidationFailed("invalid query input: see `errors`",
                                   errors=[field_error(PARAMETER, problem, "query")])
        wanted = given[0].strip().casefold()
        if wanted not in formats:
            raise NotAcceptable(f"this endpoint renders {', '.join(formats)}, not {wanted}",
                                errors=[field_error(PARAMETER, f"not available here; one "
                                                    f"of: {', '.join(formats)}", "query")])
        return wanted
    best = request.accept_mimetypes.best_match([MIME[f] for f in formats])
    return next((f for f in formats if MIME[f] == best), "json")


def _render(response: Response, chosen: str, schema: ma.Schema) -> Response:
    body = response.get_json()
    if chosen == "csv":
        response.set_data(tables.to_csv(body, columns(schema) if schema.many else None))
        response.mimetype = MIME["csv"]
    else:
        response.set_data(current_app.json.dumps(GEO[type(schema).__name__](body)))
        response.mimetype = MIME["geojson"]
    name = request.path.removeprefix("/api/v1/").strip("/").replace("/", "-") or "answer"
    response.headers["Content-Disposition"] = (
        f'inline; filename="{name}.{EXTENSION[chosen]}"')
    return response


def offer(view: Callable[..., Any], schema: ma.Schema) -> Callable[..., Any]:
    """Wrap a flask-smorest 200 view so its GET answers come in the negotiated format."""
    formats = offered(schema)
    if len(formats) == 1:
        return view

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        reading = request.method in ("GET", "HEAD")
        chosen = negotiate(formats) if reading else "json"  # before any query runs
        response = view(*args, **kwargs)
        if not isinstance(response, Response):
            return response
        if reading:
            response.vary.add("Accept")
        if chosen != "json" and response.status_code == 200 and response.is_json:
            return _render(response, chosen, schema)
        return response

    wrapper._apidoc = {**deepcopy(getattr(view, "_apidoc", {})), KEY: formats}  # type: ignore[attr-defined]
    return wrapper


FEATURE_COLLECTION = {
    "type": "object", "required": ["type", "features"],
    "description": "RFC 7946 FeatureCollection; a Point [longitude, latitude] per feature, "
                   "or null geometry without coordinates.",
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": {
            "type": "object", "required": ["type", "id", "geometry", "properties"],
            "properties": {
                "type": {"type": "string", "enum": ["Feature"]},
                "id": {"type": "string"},
                "geometry": {"type": "object", "nullable": True, "properties": {
                    "type": {"type": "string", "enum": ["Point"]},
                    "coordinates": {"type": "array", "items": {"type": "number"},
                                    "minItems": 2, "maxItems": 2}}},
                "properties": {"type": "object"}}}}},
}


def document(doc: dict[str, Any], doc_info: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """flask-smorest doc callback: the `format` parameter and the 200's other media types."""
    formats = doc_info.get(KEY)
    if kwargs.get("method") != "get" or not formats:
        return doc
    doc.setdefault("parameters", []).append({
        "in": "query", "name": PARAMETER, "required": False,
        "schema": {"type": "string", "enum": formats},
        "description": "The answer's format (case is ignored); wins over Accept. csv: "
                       "text/csv; geojson: application/geo+json. Default json."})
    responses = doc.get("responses", {})
    ok = responses.get(200) or responses.get("200") or {}
    content = ok.setdefault("content", {})
    if "csv" in formats:
        content[MIME["csv"]] = {"schema": {"type": "string"}}
    if "geojson" in formats:
        content[MIME["geojson"]] = {"schema": FEATURE_COLLECTION}
    return doc
