"""The explorer: a browser page at /explorer over the public JSON API (issue 12).

The page is static HTML plus ES modules; everything it shows comes from /api/v1 on the same
origin, so it behaves like any other client of the API (keys, limits and errors included).
Its one graph library, Cytoscape.js, is pinned in package.json and copied into static/vendor/
by `make setup`: the page loads nothing from outside the app.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, redirect, render_template, url_for
from werkzeug.wrappers import Response as BaseResponse

from kb.model import get_model

HERE = Path(__file__).resolve().parent
VENDOR_DIR = HERE / "static" / "vendor"
# Nothing but the app itself: scripts, styles, data and images all come from this origin.
# Cytoscape sets element styles from script (CSSOM), which 'self' allows; no inline <style>.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)

bp = Blueprint("explorer", __name__, url_prefix="/explorer", template_folder="templates",
               static_folder="static", static_url_path="/static")


def collections() -> dict[str, str]:
    """Each entity kind's collection path in the API (`Person` -> `persons`)."""
    return {label: kind.path for label, kind in get_model().entities.items()}


@bp.get("")
def index() -> Response:
    """The explorer page (one page; its views are hash routes such as #/entity/ID)."""
    html = render_template("explorer.html", collections=collections(),
                           vendor_ready=(VENDOR_DIR / "cytoscape.esm.min.js").is_file())
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/")
def trailing_slash() -> BaseResponse:
    """Redirect /explorer/ to /explorer: one address for the page."""
    return redirect(url_for("explorer.index"), code=308)
