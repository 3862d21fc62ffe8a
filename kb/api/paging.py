"""Pagination: flask-smorest's page/page_size, plus RFC 8288 Link and X-Total-Count headers."""

from __future__ import annotations

import json
from functools import cache
from typing import Any, ClassVar
from urllib.parse import urlencode

import marshmallow as ma
from flask import current_app, request
from flask_smorest import Blueprint
from flask_smorest.utils import resolve_schema_instance
from webargs.flaskparser import FlaskParser

from kb import dumping
from kb.api import formats
from kb.api.params import QueryArgs
from kb.errors import ValidationFailed, field_error

PAGE_SIZE, MAX_PAGE_SIZE = 50, 500


class PagedArgs(QueryArgs):
    """Base of the query-string schemas of paginated endpoints."""

    paged = True


def too_deep() -> ValidationFailed:
    """The error for a JSON body nested deeper than the parser can follow."""
    return ValidationFailed("the JSON body is nested too deeply", errors=[
        field_error("_body", "nested too deeply", "json")])


@cache
def _instance_of(schema: type[ma.Schema]) -> ma.Schema:
    return schema()


class OneSchemaInstance(FlaskParser):
    """Parses with one instance of each schema class, made at its first use.

    Given a class (as flask-smorest's `arguments` and `paginate` pass them), webargs would
    build a new instance for every request, deep-copying its fields each time. Loading keeps
    no state on the instance, so one per class serves every request and thread.
    """

    def _get_schema(self, argmap: Any, req: Any) -> ma.Schema:
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            return _instance_of(argmap)
        return super()._get_schema(argmap, req)


class KBParser(OneSchemaInstance):
    """Unknown query parameters are refused on every endpoint (QueryArgs names them)."""

    DEFAULT_UNKNOWN_BY_LOCATION = {  # noqa: RUF012 (webargs declares it an instance field)
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": ma.RAISE}

    def _raw_load_json(self, req: Any) -> Any:
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            raise too_deep() from None


class KBBlueprint(Blueprint):  # type: ignore[misc]
    """A Blueprint whose paginated responses carry Link, X-Total-Count and X-Pagination."""

    ARGUMENTS_PARSER = KBParser()
    # flask-smorest's own parser for page and page_size (unknown parameters excluded: the
    # endpoint's arguments are checked by ARGUMENTS_PARSER)
    PAGINATION_ARGUMENTS_PARSER = OneSchemaInstance()

    DEFAULT_PAGINATION_PARAMETERS: ClassVar[dict[str, int]] = {
        "page": 1, "page_size": PAGE_SIZE, "max_page_size": MAX_PAGE_SIZE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(formats.document)

    def response(self, status_code: Any, schema: Any = None, **kwargs: Any) -> Any:
        """flask-smorest's response decorator, dumping with a plan (kb.dumping); a 200
        answer also comes as CSV or GeoJSON where its schema allows (kb.api.formats), with
        no code in the view."""
        if not isinstance(schema, type | ma.Schema):
            return super().response(status_code, schema, **kwargs)
        instance = dumping.install(resolve_schema_instance(schema))
        decorate = super().response(status_code, instance, **kwargs)
        if int(status_code) != 200:
            return decorate
        return lambda view: formats.offer(decorate(view), instance)

    def _set_pagination_metadata(self, page_params: Any, result: Any,
                                 headers: Any) -> tuple[Any, Any]:
        headers = dict(headers or {})
        meta = page_metadata(page_params.page, page_params.page_size, page_params.item_count)
        headers[self.PAGINATION_HEADER_NAME] = json.dumps(meta)
        headers["X-Total-Count"] = str(page_params.item_count)
        links = [f'<{_page_url(meta[rel])}>; rel="{name}"'
                 for rel, name in (("first_page", "first"), ("previous_page", "prev"),
                                   ("next_page", "next"), ("last_page", "last")) if rel in meta]
        if links:
            headers["Link"] = ", ".join(links)
        return result, headers

    def _document_pagination_metadata(self, spec: Any, resp_doc: dict[str, Any]) -> None:
        headers = resp_doc.setdefault("headers", {})
        # the header carries JSON text, so it is documented as a string, not as an object
        headers[self.PAGINATION_HEADER_NAME] = {
            "description": "JSON text: total, total_pages, first_page, last_page, page, "
                           "previous_page, next_page.", "schema": {"type": "string"}}
        resp_doc["headers"]["Link"] = {
            "description": "RFC 8288 links to the first, prev, next and last pages.",
            "schema": {"type": "string"}}
        resp_doc["headers"]["X-Total-Count"] = {
            "description": "How many items match in all.", "schema": {"type": "integer"}}


def page_metadata(page: int, page_size: int, total: int) -> dict[str, int]:
    """The X-Pagination object: flask-smorest's, without building its metadata schema for
    every answer (tests/test_paging.py checks they agree)."""
    pages = -(-total // page_size)
    meta = {"total": total, "total_pages": pages}
    if pages:
        meta |= {"first_page": 1, "last_page": pages}
        if page <= pages:
            meta["page"] = page
            if page > 1:
                meta["previous_page"] = page - 1
            if page < pages:
                meta["next_page"] = page + 1
    return meta


# Beyond any real collection, and within Neo4j's 64-bit integers: any larger page number
# is simply an empty page (the spec puts no upper bound on `page`).
MAX_OFFSET = 2**40


def window(page: Any) -> tuple[int, int]:
    """(offset, limit) of the requested page."""
    return min((page.page - 1) * page.page_size, MAX_OFFSET), page.page_size


def page_of(items: list[Any], page: Any) -> list[Any]:
    """The requested page of an answer computed whole; sets the total for the headers."""
    page.item_count = len(items)
    offset, limit = window(page)
    return items[offset:offset + limit]


def _page_url(page: int) -> str:
    # never from the Host header, which a client controls: the configured public address
    # (KB_PUBLIC_URL, e.g. behind a reverse proxy) or a link relative to this host
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    base = current_app.config["KB_SETTINGS"].public_url
    return f"{base}{request.script_root}{request.path}?{urlencode(args, doseq=True)}"
