"""Analyst queries: dossier, paths, graph, timeline, search, gaps (all read-only)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields, validate

from kb.api.paging import KBBlueprint
from kb.dates import today
from kb.db import get_db
from kb.explore import DEFAULT_VIA, dossier, gaps, graph, paths, timeline
from kb.model import get_model
from kb.queries.explore import MAX_HOPS
from kb.resolve import ACTOR_KINDS, domain_field, resolve, resolve_domain, search
from kb.schemas import PartialDate

blp = KBBlueprint("analysis", __name__, url_prefix="/api/v1",
                  description="Questions across the graph: who is connected to whom, how, "
                              "when, and where coordination is missing.")
KINDS = list(get_model().entities)
TIMELINE_KINDS = ["event", "agreement_signed", "status_change", "operation", "post"]
UNKNOWN = ma.RAISE


def _kinds(**kw: Any) -> fields.Field[Any]:
    return fields.List(fields.String(validate=validate.OneOf(KINDS)), **kw)


def _name(description: str, **kw: Any) -> fields.Field[Any]:
    return fields.String(validate=validate.Length(1, 200),
                         metadata={"description": description}, **kw)


class DossierArgs(ma.Schema):
    between = fields.List(_name("An actor: id, name or alias."), required=True,
                          validate=validate.Length(2, 2))
    as_of = PartialDate()


class PathArgs(ma.Schema):
    from_ = _name("Start: id, name or alias.", data_key="from", required=True)
    to = _name("End: id, name or alias.", required=True)
    max_hops = fields.Integer(load_default=4, validate=validate.Range(1, MAX_HOPS))
    via = _kinds(metadata={"description": "Kinds paths may pass through "
                                          "(default: all but Domain and Source)."})
    limit = fields.Integer(load_default=5, validate=validate.Range(1, 25))


class GraphArgs(ma.Schema):
    center = _name("The entity at the centre: id, name or alias.", required=True)
    depth = fields.Integer(load_default=1, validate=validate.Range(1, 3))
    kinds = _kinds(metadata={"description": "Kinds of neighbours to include (default all)."})
    as_of = PartialDate()
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))


class TimelineArgs(ma.Schema):
    entity = fields.List(_name("An entity: id, name or alias."), required=True,
                         validate=validate.Length(1, 10))
    from_ = PartialDate(data_key="from")
    to = PartialDate()
    kind = fields.List(fields.String(validate=validate.OneOf(TIMELINE_KINDS)))


class SearchArgs(ma.Schema):
    q = fields.String(required=True, validate=validate.Length(1, 200))
    kind = _kinds()
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class GapArgs(ma.Schema):
    theatre = _name("A Place or State: id, name or alias.")
    domain = domain_field()
    as_of = PartialDate()


class AnswerSchema(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE

    @ma.post_dump(pass_original=True)
    def _everything(self, data: dict[str, Any], original: Any, **_: Any) -> Any:
        return original  # documented loosely; the analyst answers are nested documents


def _resolve(text: str, field: str, kinds: list[str] | None = None) -> str:
    return resolve(get_db(), text, field, kinds).id


@blp.route("/dossier")
class Dossier(MethodView):
    @blp.arguments(DossierArgs, location="query", unknown=UNKNOWN)
    @blp.response(200, AnswerSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Everything that connects two actors: mechanisms, agreements, events, operations."""
        a, b = (_resolve(n, "between", ACTOR_KINDS) for n in args["between"])
        return dossier(get_db(), a, b, args.get("as_of") or today())


@blp.route("/paths")
class Paths(MethodView):
    @blp.arguments(PathArgs, location="query", unknown=UNKNOWN)
    @blp.response(200, AnswerSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """Shortest paths between two entities, as nodes and typed relations."""
        source, target = _resolve(args["from_"], "from"), _resolve(args["to"], "to")
        return paths(get_db(), source, target, args["max_hops"], args.get("via") or DEFAULT_VIA,
                     args["limit"])


@blp.route("/graph")
class Graph(MethodView):
    @blp.arguments(GraphArgs, location="query", unknown=UNKNOWN)
    @blp.response(200, AnswerSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The neighbourhood of an entity as {nodes, edges}, ready to draw."""
        center = _resolve(args["center"], "center")
        return graph(get_db(), center, args["depth"], args.get("kinds") or KINDS,
                     args.get("as_of") or today(), args["limit"])


@blp.route("/timeline")
class Timeline(MethodView):
    @blp.arguments(TimelineArgs, location="query", unknown=UNKNOWN)
    @blp.response(200, AnswerSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """Dated events, signatures, status changes, operations and posts, oldest first."""
        ids = [_resolve(n, "entity") for n in args["entity"]]
        return timeline(get_db(), ids, args.get("from_"), args.get("to"), args.get("kind"))


@blp.route("/search")
class Search(MethodView):
    @blp.arguments(SearchArgs, location="query", unknown=UNKNOWN)
    @blp.response(200, AnswerSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """Ranked search over names and aliases, tolerant of typos and transliterations."""
        return search(get_db(), args["q"], args.get("kind"), args["limit"])


@blp.route("/gaps")
class Gaps(MethodView):
    @blp.arguments(GapArgs, location="query", unknown=UNKNOWN)
    @blp.response(200, AnswerSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """Forces of different states in one theatre and domain with no mechanism covering it."""
        theatre = (_resolve(args["theatre"], "theatre", ["Place", "State"])
                   if "theatre" in args else None)
        domain = resolve_domain(args["domain"]) if "domain" in args else None
        return gaps(get_db(), theatre, domain, args.get("as_of") or today())
