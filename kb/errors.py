"""The one error hierarchy of the service, and its RFC 9457 problem+json rendering.

Every error a client can see is a KBError (or is turned into one by `register_handlers`),
so every error body has the same shape: type, title, status, detail and, for validation
errors, `errors`: a list of {field, location, message} naming each offending field.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

import marshmallow as ma
from flask import Flask, Response, json
from neo4j.exceptions import (
    ConstraintError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)
from werkzeug.exceptions import HTTPException

from kb.logs import REQUEST_ID

PROBLEM_MIME = "application/problem+json"
ENTITY_GONE = "Neo.ClientError.Statement.EntityNotFound"
RETRY_AFTER_S = 5
log = logging.getLogger(__name__)


class KBError(Exception):
    """Base of every error the API reports; subclasses fix status, title and type."""

    status = 500
    title = "Internal Server Error"
    slug = "internal-error"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.headers = dict(headers or {})
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The problem+json document for this error."""
        doc: dict[str, Any] = {
            "type": f"/problems/{self.slug}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            doc["errors"] = self.errors
        doc.update(self.extra)
        return doc


class BadRequest(KBError):
    status, title, slug = 400, "Bad Request", "bad-request"


class Unauthorized(KBError):
    """No API key, or one that is unknown, revoked or expired; asks for a Bearer key."""

    status, title, slug = 401, "Unauthorized", "unauthorized"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={
            "WWW-Authenticate": 'Bearer realm="deconfliction-kb"'})


class Forbidden(KBError):
    """A valid key without the role the request needs."""

    status, title, slug = 403, "Forbidden", "forbidden"


class ValidationFailed(KBError):
    status, title, slug = 422, "Unprocessable Content", "validation-failed"


class NotFound(KBError):
    status, title, slug = 404, "Not Found", "not-found"


class Conflict(KBError):
    """A well-formed request that the knowledge base's current contents do not allow."""

    status, title, slug = 409, "Conflict", "conflict"


class AmbiguousName(Conflict):
    """A name that several entities bear; the body lists them as `candidates`."""

    slug = "ambiguous-name"


class UnresolvedReference(Conflict):
    """An id in the request names no entity, or one of the wrong kind."""

    slug = "unresolved-reference"


class PreconditionFailed(KBError):
    """If-Match names a version that is no longer the stored one; nothing was written."""

    status, title, slug = 412, "Precondition Failed", "precondition-failed"


class PayloadTooLarge(KBError):
    status, title, slug = 413, "Content Too Large", "content-too-large"


class DatabaseUnavailable(KBError):
    status, title, slug = 503, "Service Unavailable", "database-unavailable"

    def __init__(self, detail: str = "the database is not reachable; retry shortly") -> None:
        super().__init__(detail, headers={"Retry-After": str(RETRY_AFTER_S)})


class StoreOutdated(KBError):
    """The store lacks what this version derives on write (kb.migrations adds it)."""

    status, title, slug = 503, "Service Unavailable", "store-outdated"


class ServiceBusy(KBError):
    status, title, slug = 503, "Service Unavailable", "busy"

    def __init__(self) -> None:
        super().__init__("every request slot of this worker is busy; retry shortly",
                         headers={"Retry-After": str(RETRY_AFTER_S)})


class ImportInterrupted(KBError):
    """The database failed part-way through a batched import; what was written stays."""

    status, title, slug = 503, "Service Unavailable", "import-interrupted"


class QueryTimeout(KBError):
    status, title, slug = 503, "Service Unavailable", "query-timeout"

    def __init__(self) -> None:
        super().__init__("the query took longer than allowed (KB_QUERY_TIMEOUT); narrow it",
                         headers={"Retry-After": str(RETRY_AFTER_S)})


def field_error(field: str, message: str, location: str = "json") -> dict[str, str]:
    """One item of a problem's `errors`: the offending field, where it was, what is wrong."""
    return {"field": field, "location": location, "message": message}


def field_errors(messages: Any, location: str = "", prefix: str = "") -> Iterator[dict[str, str]]:
    """Flatten marshmallow/webargs nested messages into {field, location, message} items."""
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            # a repeated query parameter is one field to the client: `kind`, not `kind.1`
            repeated = location == "query" and isinstance(key, int) and prefix
            name = prefix if repeated else f"{prefix}.{key}" if prefix else str(key)
            yield from field_errors(value, location, name)
    elif isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        for message in messages:
            yield {"field": prefix or "_schema", "location": location, "message": message}
    else:
        yield {"field": prefix or "_schema", "location": location, "message": str(messages)}


def _from_http_exception(error: HTTPException) -> KBError:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    problem = KBError(data.get("message") or error.description or error.name)
    problem.status, problem.title = status, error.name
    problem.slug = error.name.lower().replace(" ", "-").replace("'", "")
    if messages:
        # webargs nests messages by location first (json, query, headers, ...)
        problem.errors = [
            err
            for location, inner in messages.items()
            for err in field_errors(inner, location=str(location))
        ]
        problem.slug = "validation-failed"
        places = sorted({e["location"] for e in problem.errors})
        problem.detail = f"invalid {' and '.join(places)} input: see `errors`"
        if status == ValidationFailed.status:
            problem.title = ValidationFailed.title
    for name, value in error.get_headers():
        if name.lower() not in ("content-type", "content-length"):
            problem.headers[name] = value
    problem.headers.update(data.get("headers") or {})
    return problem


def problem_response(error: KBError) -> Response:
    """Render a KBError as an application/problem+json response.

    A server-side failure (5xx) names the request's id, so a report can be matched to the
    log lines of that request.
    """
    body = error.body()
    if error.status >= 500 and REQUEST_ID.get() != "-":
        body["request_id"] = REQUEST_ID.get()
    response = Response(json.dumps(body), status=error.status, mimetype=PROBLEM_MIME)
    response.headers.update(error.headers)
    return response


def register_handlers(app: Flask) -> None:
    """Install the single error handler: everything becomes problem+json."""

    @app.errorhandler(KBError)
    def _kb_error(error: KBError) -> Response:
        return problem_response(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        return problem_response(_from_http_exception(error))

    @app.errorhandler(ma.ValidationError)
    def _invalid(error: ma.ValidationError) -> Response:
        errors = list(field_errors(error.messages, location="json"))
        return problem_response(ValidationFailed("the request body is not valid", errors=errors))

    @app.errorhandler(ServiceUnavailable)
    @app.errorhandler(SessionExpired)
    @app.errorhandler(TransientError)  # e.g. the database shutting down, retries exhausted
    def _db_down(error: Exception) -> Response:
        log.warning("database unavailable: %s", error)
        return problem_response(DatabaseUnavailable())

    @app.errorhandler(ConstraintError)
    def _constraint(error: ConstraintError) -> Response:
        # a concurrent write created the same id between our check and our write
        return problem_response(Conflict("the record was created concurrently; retry"))

    @app.errorhandler(Neo4jError)
    def _neo4j_error(error: Neo4jError) -> Response:
        if "TransactionTimedOut" in (error.code or ""):
            return problem_response(QueryTimeout())
        if error.code == ENTITY_GONE:
            # what the write depended on was deleted by a transaction that got there first
            return problem_response(Conflict("an entity this write depends on was deleted "
                                             "meanwhile; nothing was written"))
        log.exception("database error")
        return problem_response(KBError("the database reported an error; it has been logged"))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled error")
        return problem_response(KBError("an unexpected error occurred; it has been logged"))
