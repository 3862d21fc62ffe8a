"""Who may call what: the role each view needs, declared on it, and one app-wide rule for reads.

A view method that needs a role says so with `@requires("editor")` (or "admin"), put above
every other decorator of the method. The role is then checked before anything else the view
does, the validation of its body and query string included (an anonymous caller gets 401,
never a 422), and the operation's OpenAPI entry names the security schemes.

One rule concerns every GET, so it stays app-wide (`check_request`): with
KB_READS_REQUIRE_KEY=true, reads need the reader role. A key that is presented must be valid
on any request, even where none is needed. CORS preflights (OPTIONS) never look at keys,
since browsers send none with them. Probes, the OpenAPI document and /docs are outside /api/
and never look at keys either, so /healthz answers while the database (which holds the keys)
is down.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, current_app, request
from flask_smorest import Blueprint

from kb.api.openapi import SECURITY
from kb.auth import ROLES, caller, require

View = TypeVar("View", bound=Callable[..., Any])
API_PREFIX = "/api/"
READS = ("GET", "HEAD")


def requires(role: str) -> Callable[[View], View]:
    """Decorate a view method that only callers holding `role` (or a higher one) may call.

    The outermost decorator of the method, so the role is checked first: no key gives 401,
    a key without the role 403. The operation's OpenAPI entry gets `security` (either key
    header), its 401 and 403 responses and `x-required-role`.
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")

    def decorator(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            require(role)
            return view(*args, **kwargs)

        documented: View = Blueprint.doc(
            security=SECURITY, responses={401: "UNAUTHORIZED", 403: "FORBIDDEN"},
            **{"x-required-role": role})(guarded)
        return documented

    return decorator


def check_request() -> None:
    """before_request hook: reads need the reader role if KB_READS_REQUIRE_KEY; any key
    presented must be valid. Roles of writes are declared on their views (`requires`)."""
    if (not request.path.startswith(API_PREFIX) or request.routing_exception is not None
            or request.method == "OPTIONS"):
        return  # probes, docs and preflights need no key; unknown routes are 404/405 first
    if request.method in READS and current_app.config["KB_SETTINGS"].reads_require_key:
        require("reader")
    else:
        caller()  # a bad key is refused even where none is needed


def init_app(app: Flask) -> None:
    """Register the hook on the app."""
    app.before_request(check_request)
