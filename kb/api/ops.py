"""Operational endpoints: liveness and readiness."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

from kb.db import get_db
from kb.errors import DatabaseUnavailable
from kb.model import get_model
from kb.queries.schema import missing_items

blp = Blueprint("ops", __name__, description="Liveness and readiness probes.")


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
