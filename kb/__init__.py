"""Deconfliction KB: a knowledge-base API of deconfliction mechanisms, on Neo4j."""

from __future__ import annotations

from pathlib import Path

import flask_swagger_ui
from flask import Flask
from flask_cors import CORS

from kb import db, logs, memo, stats_index
from kb.api import caching, compression, jsonio, limits, params, resolving, security, shedding
from kb.api.openapi import finish_spec
from kb.api.spec import make_api
from kb.errors import register_handlers
from kb.settings import Settings, load_settings

SWAGGER_UI_DIST = Path(flask_swagger_ui.__file__).resolve().parent / "dist"
# response headers a browser client may read (CORS hides all but a few otherwise)
EXPOSED_HEADERS = ["ETag", "Link", "X-Total-Count", "X-Pagination", "Retry-After", "Location",
                   "X-Resolved", "X-Request-ID", "Content-Disposition"]


def create_app(settings: Settings | None = None) -> Flask:
    """Build the Flask app; settings come from the environment unless given."""
    settings = settings or load_settings()
    logs.configure(settings.log_level, settings.log_format)
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
    jsonio.init_app(app)  # orjson; keys in the order given, text as UTF-8
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    db.init_app(app, settings)
    memo.init_app(app, settings)  # answers of /stats and /gaps kept by data version
    stats_index.init_app(app, settings)  # /stats' tables, kept current to it
    shedding.init_app(app)  # first: a thread always stays free for the probes
    security.init_app(app)  # reads need a reader if KB_READS_REQUIRE_KEY; keys are checked
    limits.init_app(app, settings)  # after the key check: keyed callers count per key
    params.init_app(app)  # writes refuse query parameters they do not document
    api = make_api(app)
    register_handlers(app)  # after the Api, so ours replaces its HTTPException handler
    origins = settings.cors_origins.split(",") if settings.cors_origins != "*" else "*"
    CORS(app, origins=origins, send_wildcard=origins == "*", expose_headers=EXPOSED_HEADERS)
    compression.init_app(app)  # before caching: its hook then runs after caching's
    caching.init_app(app)  # ETags, 304s and Cache-Control of GET answers
    resolving.init_app(app)  # X-Resolved: what each name in the request resolved to

    # imported here, not at the top: gunicorn's master imports this package before
    # kb.gunicorn_conf sets PROMETHEUS_MULTIPROC_DIR, which prometheus_client reads on import
    from kb import metrics
    from kb.api import analysis, bulk, entities, keys, observe, ops, relations, stats

    app.extensions["kb.db"].observe = metrics.neo4j_work
    observe.init_app(app)  # request ids, one access-log line and HTTP metrics per request

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
