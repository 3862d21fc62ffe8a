"""Analyst queries: dossier, paths, graph, timeline, search, gaps (all read-only)."""

from __future__ import annotations

from typing import Any, ClassVar

from flask.views import MethodView
from marshmallow import fields, validate

from kb import answers
from kb.api.paging import KBBlueprint, PagedArgs, page_of, window
from kb.api.params import Choice, QueryArgs, match_field, repeatable
from kb.api.resolving import HEADER, HEADER_DOC, one_read, resolve_names
from kb.dates import today
from kb.db import get_db
from kb.explore import DEFAULT_VIA, dossier, gaps, graph, timeline
from kb.memo import get_memo
from kb.model import get_model
from kb.paths import MAX_HOPS, paths
from kb.resolve import ACTOR_KINDS, MAX_HITS, NameQuery, domain_field, resolve_domain, search
from kb.schemas import PartialDate

blp = KBBlueprint("analysis", __name__, url_prefix="/api/v1",
                  description="Questions across the graph: who is connected to whom, how, "
                              "when, and where coordination is missing.")
KINDS = list(get_model().entities)
TIMELINE_KINDS = ["event", "agreement_signed", "status_change", "operation", "post"]
GAP_LEVELS = ["state", "force"]
MAX_PATHS = 25  # the shortest paths found in all, over every page


def _entity_kind() -> Choice:
    return Choice(KINDS, metadata={"description": "An entity kind."})


def _kinds(**kw: Any) -> fields.Field[Any]:
    return fields.List(fields.String(validate=validate.OneOf(KINDS)), **kw)


def _name(description: str, **kw: Any) -> fields.Field[Any]:
    return fields.String(validate=validate.Length(1, 200),
                         metadata={"description": description}, **kw)


class DossierArgs(QueryArgs):
    between = fields.List(_name("An actor: id, name or alias."), required=True,
                          validate=validate.Length(2, 2, error=(
                              "name exactly two actors by repeating the parameter: "
                              "between=A&between=B")))
    as_of = PartialDate()


class PathArgs(PagedArgs):
    from_ = _name("Start: id, name or alias.", data_key="from", required=True)
    to = _name("End: id, name or alias.", required=True)
    max_hops = fields.Integer(load_default=4, validate=validate.Range(1, MAX_HOPS))
    via = repeatable(_entity_kind(), metadata={
        "description": "Kinds paths may pass through (default: all but Domain and Source)."})


class GraphArgs(QueryArgs):
    center = _name("The entity at the centre: id, name or alias.", required=True)
    depth = fields.Integer(load_default=1, validate=validate.Range(1, 3))
    entity_kind = repeatable(_entity_kind(), metadata={
        "description": "Kinds of neighbours to include (default all)."})
    as_of = PartialDate()
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500), metadata={
        "description": "Most nodes in the answer; `truncated` says when it cut."})


class TimelineArgs(PagedArgs):
    entity = fields.List(_name("An entity: id, name or alias."), required=True,
                         validate=validate.Length(1, 10))
    from_date = PartialDate(metadata={
        "description": "Only items that may still be under way on or after this date."})
    to_date = PartialDate(metadata={
        "description": "Only items that may have begun on or before this date."})
    what = repeatable(Choice(TIMELINE_KINDS, metadata={"description": "An item type."}))
    match = match_field()

    date_ranges: ClassVar[list[tuple[str, str]]] = [("from_date", "to_date")]


class SearchArgs(PagedArgs):
    q = fields.String(required=True, validate=validate.Length(1, 200), metadata={
        "description": "Words of a name or alias, in any case, with or without accents; "
                       "typos and other transliterations are tolerated. Exact names and "
                       f"aliases come first. At most {MAX_HITS} hits are ranked and paged."})
    entity_kind = repeatable(_entity_kind(), metadata={
        "description": "Only entities of this kind (default all)."})


class GapArgs(PagedArgs):
    theatre = _name("A Place or State (its places): id, name or alias.")
    domain = domain_field()
    as_of = PartialDate()
    level = Choice(GAP_LEVELS, load_default="state", metadata={"description": (
        "`state` (default): one gap per pair of States, their forces as evidence; "
        "`force`: one per pair of forces.")})


def _resolve(text: str, field: str, kinds: list[str] | None = None) -> str:
    return resolve_names([NameQuery(field, text, kinds)])[0].id


def _resolve_all(*queries: NameQuery) -> list[str]:
    return [r.id for r in resolve_names(list(queries))]


@blp.route("/dossier")
class Dossier(MethodView):
    @blp.arguments(DossierArgs, location="query")
    @blp.response(200, answers.DossierSchema, headers={HEADER: HEADER_DOC})
    @one_read
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Everything that connects two actors: mechanisms, agreements, events, operations."""
        a, b = _resolve_all(*(NameQuery("between", n, ACTOR_KINDS) for n in args["between"]))
        return dossier(get_db(), a, b, args.get("as_of") or today())


@blp.route("/paths")
class Paths(MethodView):
    @blp.arguments(PathArgs, location="query")
    @blp.response(200, answers.PathSchema(many=True), headers={HEADER: HEADER_DOC})
    @blp.paginate()
    @one_read
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
        """Shortest paths between two entities, as nodes and typed relations."""
        page = pagination_parameters
        source, target = _resolve_all(NameQuery("from", args["from_"]),
                                      NameQuery("to", args["to"]))
        found = paths(get_db(), source, target, args["max_hops"],
                      args.get("via") or DEFAULT_VIA, MAX_PATHS)
        return page_of(found, page)


@blp.route("/graph")
class Graph(MethodView):
    @blp.arguments(GraphArgs, location="query")
    @blp.response(200, answers.GraphSchema, headers={HEADER: HEADER_DOC})
    @one_read
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The neighbourhood of an entity as {nodes, edges}, ready to draw."""
        center = _resolve(args["center"], "center")
        return graph(get_db(), center, args["depth"], args.get("entity_kind") or KINDS,
                     args.get("as_of") or today(), args["limit"])


@blp.route("/timeline")
class Timeline(MethodView):
    @blp.arguments(TimelineArgs, location="query")
    @blp.response(200, answers.TimelineItemSchema(many=True), headers={HEADER: HEADER_DOC})
    @blp.paginate()
    @one_read
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
        """Dated events, signatures, status changes, operations and posts, oldest first."""
        start, end = args.get("from_date"), args.get("to_date")
        ids = _resolve_all(*(NameQuery("entity", n) for n in args["entity"]))
        found = timeline(get_db(), ids, start, end, args.get("what"), args["match"])
        return page_of(found, pagination_parameters)


@blp.route("/search")
class Search(MethodView):
    @blp.arguments(SearchArgs, location="query")
    @blp.response(200, answers.SearchHitSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
        """Ranked search over names and aliases, tolerant of typos and transliterations."""
        offset, limit = window(pagination_parameters)
        hits, pagination_parameters.item_count = search(
            get_db(), args["q"], args.get("entity_kind"), offset, limit)
        return hits


@blp.route("/gaps")
class Gaps(MethodView):
    @blp.arguments(GapArgs, location="query")
    @blp.response(200, answers.GapSchema(many=True), headers={HEADER: HEADER_DOC})
    @blp.paginate()
    @one_read
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
        """States (or forces) in one theatre and domain with no mechanism covering it."""
        theatre = (_resolve(args["theatre"], "theatre", ["Place", "State"])
                   if "theatre" in args else None)
        domain = resolve_domain(args["domain"]) if "domain" in args else None
        asof, level = args.get("as_of") or today(), args["level"]
        # kept by data version (kb.memo): dashboards poll it
        found = get_memo().answer(get_db(), "gaps", (theatre, domain, asof, level),
                                  lambda: gaps(get_db(), theatre, domain, asof, level))
        return page_of(found, pagination_parameters)
