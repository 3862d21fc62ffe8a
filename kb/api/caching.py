"""HTTP validators and Cache-Control for the API's GET answers, in one after_request hook.

Every GET (or HEAD) under /api/ answering 200 with a JSON, GeoJSON or CSV body that is not
streamed (lists, /relations, the analyst answers, /changes, ...) gets a strong ETag computed
from the body by werkzeug (so the CSV and JSON of one URL have different tags; they say
`Vary: Accept`), and If-None-Match with that tag gives 304 with no body. A view that set its own
ETag keeps it (an entity's `"<version>-<hash>"`, see kb.api.etags). Its successful answers
(200 and 304) carry the Cache-Control of KB_CACHE_CONTROL (default `no-cache`: revalidate
every time) unless the view set one. Errors, writes and the streamed export get no ETag.
When reads need a key, answers vary by the key headers, so shared caches keep them apart.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

from kb.settings import Settings

API_PREFIX = "/api/"
CSV = "text/csv"


def conditional(response: Response) -> Response:
    """Add the ETag and Cache-Control of a successful API GET; 304 when the client's is current."""
    if request.method not in ("GET", "HEAD") or not request.path.startswith(API_PREFIX):
        return response
    rendered = response.is_json or response.mimetype == CSV  # kb.api.formats renders CSV
    if (response.status_code == 200 and rendered and not response.is_streamed
            and not response.direct_passthrough and "ETag" not in response.headers):
        response.add_etag()
        response.make_conditional(request)
    settings: Settings = current_app.config["KB_SETTINGS"]
    if response.status_code in (200, 304) and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = settings.cache_control
    if settings.reads_require_key:
        # the answer depends on the key presented: a shared cache must not hand it to others
        response.vary.update(("Authorization", "X-API-Key"))
    return response


def init_app(app: Flask) -> None:
    """Register the hook on the app."""
    app.after_request(conditional)
