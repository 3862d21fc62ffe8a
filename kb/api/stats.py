"""Statistics for dashboards: /stats (counts and breakdowns) and /stats/coverage (a matrix).

Every table is a list of flat rows, so that a dashboard or a CSV export can take it as is.
What is counted, and how the as-of date applies, is documented in kb.stats.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields, validate

from kb import stats
from kb.api.paging import KBBlueprint
from kb.api.params import Choice, QueryArgs, repeatable
from kb.api.resolving import HEADER, HEADER_DOC, one_read, resolve_names
from kb.dates import today
from kb.db import get_db
from kb.memo import get_memo
from kb.model import get_model
from kb.resolve import ACTOR_KINDS, NameQuery, domain_field, resolve_domain
from kb.schemas import PartialDate
from kb.stats_index import get_index

blp = KBBlueprint("stats", __name__, url_prefix="/api/v1",
                  description="Statistics for dashboards: counts, breakdowns by domain, "
                              "status, kind and year, and a coverage matrix of actor pairs.")
MAX_ACTORS = 20  # 190 pairs: a matrix still worth reading
DEFAULT_TOP_ACTORS = 8


def _domains() -> fields.Field[Any]:
    return repeatable(domain_field(), metadata={
        "description": "Only mechanisms and agreements covering this Domain on the date."})


class StatsArgs(QueryArgs):
    as_of = PartialDate(metadata={"description": "Count as of this date (default today)."})
    domain = _domains()
    top = fields.Integer(load_default=10, validate=validate.Range(1, 100), metadata={
        "description": "How many of the most connected forces to show."})


class CoverageArgs(QueryArgs):
    actor = fields.List(
        fields.String(validate=validate.Length(1, 200)),
        validate=validate.Length(2, MAX_ACTORS, error=(
            "name {min} to {max} actors by repeating the parameter: actor=A&actor=B")),
        metadata={"description": "A State, Force or Organization (id, name or alias); "
                                 "repeat it. Without it, the `top` most connected."})
    top = fields.Integer(validate=validate.Range(2, MAX_ACTORS), metadata={
        "description": f"The most connected States (or Forces, with level=force) to show "
                       f"when no `actor` is named (default {DEFAULT_TOP_ACTORS})."})
    level = Choice(list(stats.LEVELS), load_default="state", metadata={"description": (
        "`state` (default) or `force`: the kind `top` picks, and the kind a name given as "
        "`actor` prefers when several entities bear it.")})
    as_of = PartialDate(metadata={"description": "Status as of this date (default today)."})
    domain = _domains()

    @ma.validates_schema
    def _actor_or_top(self, data: dict[str, Any], **_: Any) -> None:
        if "actor" in data and "top" in data:
            fix = "name actors with `actor` or ask for the `top` N, not both"
            raise ma.ValidationError({"actor": [fix], "top": [fix]})


# --- answers ---------------------------------------------------------------------------

def _required(field: type[fields.Field[Any]], description: str = "", **kw: Any) -> Any:
    meta = {"description": description} if description else {}
    return field(required=True, metadata=meta, **kw)


def _rows(schema: type[ma.Schema], description: str) -> fields.List[Any]:
    return fields.List(fields.Nested(schema), required=True, metadata={"description": description})


class CountSchema(ma.Schema):
    entity = _required(fields.String, "An entity kind.",
                       validate=validate.OneOf(list(get_model().entities)))
    count = _required(fields.Integer, "How many are stored.")


class RowSchema(ma.Schema):
    key = _required(fields.String, "The value counted, or `unknown`.")
    count = _required(fields.Integer)


class DomainRowSchema(ma.Schema):
    key = _required(fields.String, "A Domain id, or `unknown`.")
    name = _required(fields.String, "The Domain's name.")
    count = _required(fields.Integer)


class TablesSchema(ma.Schema):
    by_domain = _rows(DomainRowSchema, "Per Domain covered on the date (an item in two "
                                       "counts in both; in none: `unknown`).")
    by_status = _rows(RowSchema, "Per status on the date (not known then: `unknown`).")
    by_kind = _rows(RowSchema, "Per kind.")
    by_year = _rows(RowSchema, "Per year established (mechanisms) or signed (agreements), "
                               "else of the first recorded status.")


class ConnectedSchema(ma.Schema):
    id = _required(fields.String)
    name = _required(fields.String)
    entity = _required(fields.String)
    relations = _required(fields.Integer, "Its relations valid on the date.")


class StatsSchema(ma.Schema):
    as_of = _required(PartialDate)
    counts = _rows(CountSchema, "Every entity kind of the model, by kind.")
    mechanisms = fields.Nested(TablesSchema, required=True)
    agreements = fields.Nested(TablesSchema, required=True)
    most_connected = _rows(ConnectedSchema, "The forces with most relations, most first.")


class ActorSchema(ma.Schema):
    id = _required(fields.String)
    name = _required(fields.String)
    entity = _required(fields.String)


class NamedSchema(ma.Schema):
    id = _required(fields.String)
    name = _required(fields.String)


class CellSchema(ma.Schema):
    a = _required(fields.String, "An actor's id (the earlier of the two in `actors`).")
    b = _required(fields.String, "The other actor's id.")
    domain = _required(fields.String, "A Domain id.")
    mechanisms = _rows(NamedSchema, "Mechanisms between the two covering the Domain, "
                                    "active or of unknown status on the date.")


class CoverageSchema(ma.Schema):
    as_of = _required(PartialDate)
    level = _required(fields.String)
    actors = _rows(ActorSchema, "The rows and columns of the matrix.")
    domains = _rows(NamedSchema, "The Domains shown.")
    cells = _rows(CellSchema, "Pairs and Domains with a mechanism; a pair and Domain "
                              "missing here is a gap.")


# --- views -----------------------------------------------------------------------------

def _resolved_domains(args: dict[str, Any]) -> list[str] | None:
    given = args.get("domain")
    return sorted({resolve_domain(d) for d in given}) if given else None


def _key(domains: list[str] | None) -> tuple[str, ...] | None:
    # the memo's key needs hashable parameters (kb.memo)
    return tuple(domains) if domains else None


@blp.route("/stats")
class Stats(MethodView):
    @blp.arguments(StatsArgs, location="query")
    @blp.response(200, StatsSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Counts per kind; mechanisms and agreements by domain, status, kind and year."""
        asof, domains, top = args.get("as_of") or today(), _resolved_domains(args), args["top"]
        return get_memo().answer(get_db(), "stats", (asof, _key(domains), top),
                                 lambda: stats.summary(get_db(), asof, domains, top, get_index()))


@blp.route("/stats/coverage")
class Coverage(MethodView):
    @blp.arguments(CoverageArgs, location="query")
    @blp.response(200, CoverageSchema, headers={HEADER: HEADER_DOC})
    @one_read
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Which pairs of actors have a mechanism in which domain (a matrix of coverage)."""
        asof, level = args.get("as_of") or today(), args["level"]
        domains = _resolved_domains(args)
        if "actor" not in args:
            top = args.get("top", DEFAULT_TOP_ACTORS)

            def by_top() -> dict[str, Any]:
                actors = stats.top_actors(get_db(), level, top, asof)
                return stats.coverage(get_db(), actors, level, asof, domains)
            return get_memo().answer(get_db(), "coverage:top", (top, level, asof, _key(domains)),
                                     by_top)
        kinds = sorted(ACTOR_KINDS, key=lambda k: k != stats.LEVELS[level])
        found = resolve_names([NameQuery("actor", n, kinds) for n in args["actor"]])
        actors = [{"id": r.id, "name": r.name, "entity": r.entity} for r in found]
        named = tuple((a["id"], a["name"], a["entity"]) for a in actors)
        return get_memo().answer(
            get_db(), "coverage", (named, level, asof, _key(domains)),
            lambda: stats.coverage(get_db(), actors, level, asof, domains))
