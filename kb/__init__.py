"""Deconfliction KB: a knowledge-base API of deconfliction mechanisms, on Neo4j."""

from __future__ import annotations

import logging
from pathlib import Path

import flask_swagger_ui
from flask import Flask
from flask_cors import CORS

from kb import db
from kb.api import caching, limits, resolving, security, shedding
from kb.api.openapi import finish_spec
from kb.api.spec import make_api
from kb.errors import register_handlers
from kb.settings import Settings, load_settings

SWAGGER_UI_DIST = Path(flask_swagger_ui.__file__).resolve().parent / "dist"
# response headers a browser client may read (CORS hides all but a few otherwise)
EXPOSED_HEADERS = ["ETag", "Link", "X-Total-Count", "X-Pagination", "Retry-After", "Location",
                   "X-Resolved"]


def create_app(settings: Settings | None = None) -> Flask:
    """Build the Flask app; settings come from the environment unless given."""
    settings = settings or load_settings()
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Swagger UI's assets ship inside a pinned package, so /docs works offline.
    app = Flask(__name__, static_folder=str(SWAGGER_UI_DIST), static_url_path="/static/swagger-ui")
    app.config.update(
        KB_SETTINGS=settings,
        API_TITLE="Deconfliction KB",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/static/swagger-ui/",
        API_SPEC_OPTIONS={"info": {"description": _API_DESCRIPTION}},
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    db.init_app(app, settings)
    shedding.init_app(app)  # first: a thread always stays free for the probes
    security.init_app(app)  # reads need a reader if KB_READS_REQUIRE_KEY; keys are checked
    limits.init_app(app, settings)  # after the key check: keyed callers count per key
    api = make_api(app)
    register_handlers(app)  # after the Api, so ours replaces its HTTPException handler
    origins = settings.cors_origins.split(",") if settings.cors_origins != "*" else "*"
    CORS(app, origins=origins, send_wildcard=origins == "*", expose_headers=EXPOSED_HEADERS)
    caching.init_app(app)  # ETags, 304s and Cache-Control of GET answers
    resolving.init_app(app)  # X-Resolved: what each name in the request resolved to

    from kb.api import analysis, bulk, entities, keys, ops, relations, stats

    api.register_blueprint(ops.blp)
    for blueprint in entities.blueprints():
        api.register_blueprint(blueprint)
    api.register_blueprint(relations.blp)
    api.register_blueprint(analysis.blp)
    api.register_blueprint(stats.blp)
    api.register_blueprint(bulk.blp)
    api.register_blueprint(keys.blp)
    finish_spec(api.spec)
    from kb import explorer

    # a plain Flask blueprint, not the Api's: the page is no API operation in /openapi.json
    app.register_blueprint(explorer.bp)
    return app


_API_DESCRIPTION = (
    "Which coordination and deconfliction mechanisms exist between armed forces, in which "
    "domains, agreed by whom, when, where, and on what source. Errors are RFC 9457 "
    "problem+json documents."
)
