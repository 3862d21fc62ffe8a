"""Operational endpoints: the links at /, liveness and readiness probes, Prometheus metrics."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from markupsafe import escape
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

from kb import metrics
from kb.auth import require
from kb.db import get_db
from kb.errors import DatabaseUnavailable
from kb.model import get_model
from kb.queries.schema import missing_items
from kb.settings import Settings

blp = Blueprint("ops", __name__,
                description="Where things are (/), liveness and readiness probes, metrics.")
# what / links to, and what each is
LINKS = {
    "explorer": ("/explorer", "Explorer: browse the knowledge base"),
    "docs": ("/docs", "API documentation (Swagger UI)"),
    "openapi": ("/openapi.json", "OpenAPI document"),
    "api": ("/api/v1", "API root"),
    "health": ("/healthz", "Liveness probe"),
    "ready": ("/readyz", "Readiness probe"),
    "metrics": ("/metrics", "Prometheus metrics"),
}
HTML = "text/html"


class LinksSchema(ma.Schema):
    explorer = ma.fields.String(metadata={"example": "/explorer"})
    docs = ma.fields.String(metadata={"example": "/docs"})
    openapi = ma.fields.String(metadata={"example": "/openapi.json"})
    api = ma.fields.String(metadata={"example": "/api/v1"})
    health = ma.fields.String(metadata={"example": "/healthz"})
    ready = ma.fields.String(metadata={"example": "/readyz"})
    metrics = ma.fields.String(metadata={"example": "/metrics"})


class RootSchema(ma.Schema):
    name = ma.fields.String(metadata={"example": "Deconfliction KB"})
    version = ma.fields.String(metadata={"example": "v1"})
    links = ma.fields.Nested(LinksSchema)


def _html(name: str, links: dict[str, str]) -> str:
    items = "".join(f'<li><a href="{escape(links[key])}">{escape(title)}</a></li>'
                    for key, (_, title) in LINKS.items())
    return (f"<!doctype html><html lang=en><meta charset=utf-8><title>{escape(name)}</title>"
            f"<h1>{escape(name)}</h1><ul>{items}</ul></html>")


@blp.route("/")
class Root(MethodView):
    @blp.response(200, RootSchema)
    @blp.doc(responses={200: {"content": {HTML: {"schema": {"type": "string"}}}}})
    def get(self) -> Any:
        """Where things are: explorer, documentation, OpenAPI document, API root, probes.

        JSON by default; an HTML page of the same links to a browser (Accept: text/html).
        """
        settings: Settings = current_app.config["KB_SETTINGS"]
        links = {key: f"{settings.public_url}{path}" for key, (path, _) in LINKS.items()}
        name = str(current_app.config["API_TITLE"])
        if request.accept_mimetypes.best_match(["application/json", HTML]) == HTML:
            return Response(_html(name, links), mimetype=HTML)
        return {"name": name, "version": current_app.config["API_VERSION"], "links": links}


class HealthSchema(ma.Schema):
    status = ma.fields.String(metadata={"example": "ok"})


class ReadySchema(ma.Schema):
    status = ma.fields.String(metadata={"example": "ready"})
    database = ma.fields.String(metadata={"example": "neo4j"})


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    def get(self) -> dict[str, Any]:
        """Liveness: the process answers (does not touch the database)."""
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    @blp.response(200, ReadySchema)
    @blp.alt_response(503, description="Neo4j unreachable or schema not applied")
    def get(self) -> dict[str, Any]:
        """Readiness: Neo4j answers and the model's constraints and indexes exist."""
        db = get_db()
        try:
            db.ping()
            missing = missing_items(db, get_model())
        except (ServiceUnavailable, SessionExpired, Neo4jError, OSError) as exc:
            raise DatabaseUnavailable(f"Neo4j is not reachable: {type(exc).__name__}") from exc
        if missing:
            raise DatabaseUnavailable(
                f"the schema is not applied ({len(missing)} constraints/indexes missing, "
                f"e.g. {missing[0]}); run `kb schema apply`"
            )
        return {"status": "ready", "database": db.name}


@blp.route("/metrics")
class Metrics(MethodView):
    @blp.doc(responses={200: {
        "description": "Prometheus text format: kb_http_requests_total, "
                       "kb_http_request_duration_seconds, kb_neo4j_query_duration_seconds, "
                       "kb_neo4j_transactions_in_progress (see docs/operations.md).",
        "content": {"text/plain": {"schema": {"type": "string"}}}}})
    def get(self) -> Response:
        """Prometheus metrics of the whole server (every worker).

        Open unless KB_METRICS_REQUIRE_KEY=true, which asks for a reader key.
        """
        if current_app.config["KB_SETTINGS"].metrics_require_key:
            require("reader")
        return Response(metrics.exposition(), content_type=metrics.CONTENT_TYPE)
