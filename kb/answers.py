"""The types of the analyst answers: one marshmallow schema per shape, field by field.

The services build the answers (kb.coverage.between, kb.lists.between_answer, kb.explore,
kb.resolve.search); these schemas dump them unchanged and document them in /openapi.json.
Every field an answer carries is declared (an undeclared one would be dropped on dump, and
the document says `additionalProperties: false`); `required` marks the fields an answer
always carries, `allow_none` those whose value may be null. kb.schemas takes the
`between` parts of its Mechanism and Agreement schemas from here.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from kb.model import get_model
from kb.queries.coverage import RANK
from kb.schemas import PartialDate, make_field

# the fields of a mechanism or agreement that kb.coverage.between shows (its summary)
SUMMARY_FIELDS = ("id", "name", "aliases", "kind", "description", "established_on", "ended_on",
                  "signed_on", "in_force_from", "status_history", "confidence")


def _kinds() -> validate.Validator:
    return validate.OneOf(list(get_model().entities))


def _text(description: str = "", **kw: Any) -> fields.String:
    meta = {"description": description} if description else {}
    return fields.String(required=True, metadata=meta, **kw)


def _maybe(description: str = "", **kw: Any) -> fields.String:
    return _text(description, allow_none=True, **kw)


def _date(description: str = "", nullable: bool = False) -> PartialDate:
    meta = {"description": description} if description else {}
    return PartialDate(required=True, allow_none=nullable, metadata=meta)


def _strings(description: str = "") -> fields.List[Any]:
    meta = {"description": description} if description else {}
    return fields.List(fields.String(), required=True, metadata=meta)


def _nested(schema: type[ma.Schema], description: str = "", **kw: Any) -> fields.Nested:
    meta = {"description": description} if description else {}
    return fields.Nested(schema, required=True, metadata=meta, **kw)


def _listed(schema: type[ma.Schema], description: str = "") -> fields.List[Any]:
    meta = {"description": description} if description else {}
    return fields.List(fields.Nested(schema), required=True, metadata=meta)


def _entity() -> fields.String:
    return _text("The entity's kind.", validate=_kinds())


SOURCES = "Ids of the Sources that support it."


# --- shared ----------------------------------------------------------------------------

class StatusAsOfSchema(ma.Schema):
    """The status of a mechanism or agreement on the as-of date, the same shape everywhere.

    Both are null when nobody knows (no status history recorded, nor a date it ended).
    """

    status = _maybe("The status then: the latest status_history entry up to the date, or "
                    "`terminated` after its ended_on.",
                    validate=validate.OneOf(get_model().vocabulary("status")))
    since = _date("Since when it had that status.", nullable=True)


class NamedRefSchema(ma.Schema):
    """An entity by its id and name."""

    id = _text()
    name = _text()


# --- `between`: the explanation of each mechanism or agreement ------------------------

class EntityRefSchema(NamedRefSchema):
    """An entity pointed at: its id, name and kind."""

    entity = _entity()


class ActorMatchSchema(ma.Schema):
    """How one named actor is covered by one of the parties (a different party each)."""

    actor = _text("The id of the actor named in `between`.")
    party = _text("The id of the party that covers the actor.")
    party_name = _text("The party's name.")
    how = _text("How the party covers the actor: the actor itself (direct), a force above "
                "or below it (via_parent, via_child), its state or that state's ministries "
                "(via_state), a state's forces (via_force), a coalition it belongs to "
                "(via_coalition), a state or force it succeeded (via_predecessor).",
                validate=validate.OneOf(list(RANK)))
    role = _maybe("The party's role (PARTY_TO role).")


class BetweenMatchSchema(ma.Schema):
    """Why a mechanism or agreement answers a `between` question."""

    direct = fields.Boolean(required=True, metadata={
        "description": "True when every actor is itself a party."})
    actors = _listed(ActorMatchSchema, "One entry per actor named, in the order given.")


class DomainCoverageSchema(ma.Schema):
    """A domain covered on the as-of date."""

    id = _text("The Domain's id.", validate=validate.OneOf(get_model().vocabulary("domain")))
    sources = _strings(SOURCES)


class PartySchema(EntityRefSchema):
    """A party on the as-of date (or a predecessor whose part its successor carries on)."""

    role = _maybe("Its role (PARTY_TO role).")
    valid_from = _date("When it became a party, if recorded.", nullable=True)
    valid_to = _date("When it stopped being a party, if it did.", nullable=True)
    sources = _strings(SOURCES)


class RestsOnSchema(ma.Schema):
    """An agreement a mechanism rests on."""

    id = _text()
    name = _text()
    signed_on = _date(nullable=True)
    sources = _strings(SOURCES)


class AgreedBySchema(ma.Schema):
    """A person who signed an agreement, or agreed or established something at an event.

    `agreement` is there for a signature, `event` and `role` for an event.
    """

    id = _text("The person's id.")
    name = _text("The person's name.")
    how = _text("signed, or how the event concerned it (agreed, established).")
    on = _date("The date of the signature or the start of the event.", nullable=True)
    agreement = fields.String(metadata={
        "description": "For a signature: the agreement signed (the item itself or one it "
                       "rests on)."})
    event = fields.String(metadata={"description": "For an event: its id."})
    role = fields.String(allow_none=True, metadata={
        "description": "For an event: the person's role in it."})
    sources = _strings(SOURCES)


def _between_parts() -> dict[str, fields.Field[Any]]:
    """What `between` tells about each mechanism or agreement (kb.coverage.between)."""
    return {
        "status_as_of": _nested(StatusAsOfSchema),
        "domains": _listed(DomainCoverageSchema, "Domains covered on the date, with sources."),
        "parties": _listed(PartySchema, "All parties on the date, with roles and sources."),
        "rests_on": _listed(RestsOnSchema, "The agreements it rests on."),
        "agreed_by": _listed(AgreedBySchema, "Who signed or agreed it, when, at which event."),
        "applies_in": _listed(NamedRefSchema, "Its geographic scope: Places and States."),
        "sources": _strings(SOURCES),
    }


# --- dossier ---------------------------------------------------------------------------

def _summary_schema(label: str) -> type[ma.Schema]:
    model = get_model()
    kind = model.entities[label]
    attrs: dict[str, Any] = {"entity": _entity()}
    attrs.update({name: make_field(spec, model) for name, spec in kind.fields.items()
                  if name in SUMMARY_FIELDS})
    schema: type[ma.Schema] = ma.Schema.from_dict(attrs, name=f"{label}Summary")
    schema.__doc__ = f"A {label}: its own fields, without relations or system fields."
    return schema


MechanismSummarySchema = _summary_schema("Mechanism")
AgreementSummarySchema = _summary_schema("Agreement")


def _dossier_target(label: str, summary: type[ma.Schema]) -> type[ma.Schema]:
    attrs: dict[str, Any] = {
        label.lower(): _nested(summary),
        "direct": fields.Boolean(required=True, metadata={
            "description": "True when both actors are themselves parties."}),
        "matched": _listed(ActorMatchSchema, "How each actor is covered, in order."),
        **_between_parts(),
    }
    schema: type[ma.Schema] = ma.Schema.from_dict(attrs, name=f"Dossier{label}")
    schema.__doc__ = f"A {label} between the two actors on the date, explained."
    return schema


DossierMechanismSchema = _dossier_target("Mechanism", MechanismSummarySchema)
DossierAgreementSchema = _dossier_target("Agreement", AgreementSummarySchema)


class EventParticipantSchema(EntityRefSchema):
    """A participant in an event, once, with all its roles."""

    roles = _strings("Its roles (PARTICIPATED_IN role), sorted; empty when none recorded.")
    sources = _strings(SOURCES)


def _dossier_event_schema() -> type[ma.Schema]:
    model = get_model()
    attrs: dict[str, Any] = {"entity": _entity()}
    attrs.update({name: make_field(spec, model) for name, spec in
                  model.entities["Event"].fields.items()})
    attrs.update({
        "version": fields.Integer(),
        "created_at": fields.String(),
        "updated_at": fields.String(),
        "participants": _listed(EventParticipantSchema),
        "places": _listed(NamedRefSchema, "Where it took place."),
    })
    schema: type[ma.Schema] = ma.Schema.from_dict(attrs, name="DossierEvent")
    schema.__doc__ = "An event both actors took part in: the Event with its participants."
    return schema


DossierEventSchema = _dossier_event_schema()


class TheatreOperationSchema(ma.Schema):
    """An operation running in the theatre on the date."""

    id = _text()
    name = _text()
    start = _date(nullable=True)
    end = _date(nullable=True)
    conducted_by = _text("The id of the force (or state) conducting it that covers the actor.")
    domains = _strings("Its domains (ids).")
    sources = _strings(SOURCES)


class SharedTheatreSchema(ma.Schema):
    """A theatre where both actors operate on the date."""

    theatre = _text("The theatre's id.")
    theatre_name = _text()
    first = _listed(TheatreOperationSchema, "Operations of the first actor's side.")
    second = _listed(TheatreOperationSchema, "Operations of the second actor's side.")


class InvolvementSchema(ma.Schema):
    """How an official was involved: taking part in an event (`event`, `roles`), or
    signing an agreement (`agreement`, how=signed) or agreeing or establishing a mechanism
    or agreement at an event (`event`, how=agreed|established)."""

    event = fields.String(required=True, allow_none=True, metadata={
        "description": "The event taken part in, or at which it was agreed."})
    agreement = fields.String(required=True, allow_none=True, metadata={
        "description": "The agreement signed."})
    roles = fields.List(fields.String(), required=True, metadata={
        "description": "The official's roles in the event (empty for an agreement act)."})
    how = fields.String(required=True, allow_none=True, metadata={
        "description": "For an act of agreeing: signed, agreed or established; else null."})


class PostSchema(ma.Schema):
    """A post held on the as-of date."""

    title = _text("The title as it was then.")
    organization = _nested(NamedRefSchema, "Where: a Force, Organization or State.")
    valid_from = _date(nullable=True)
    valid_to = _date(nullable=True)


class OfficialSchema(ma.Schema):
    """A person involved in the events, mechanisms or agreements of the dossier."""

    id = _text()
    name = _text()
    involvement = _listed(InvolvementSchema)
    posts = _listed(PostSchema, "The posts the person may have held on the as-of date.")


class DossierSchema(ma.Schema):
    """Everything that connects two actors as of a date."""

    actors = _strings("The ids of the two actors.")
    as_of = _date()
    mechanisms = _listed(DossierMechanismSchema, "Mechanisms between them on the date.")
    agreements = _listed(DossierAgreementSchema, "Agreements between them on the date.")
    events = _listed(DossierEventSchema, "Events both took part in that may have started "
                                         "by the date, oldest first.")
    operations_in_shared_theatres = _listed(SharedTheatreSchema, "Theatres where both sides "
                                                                 "operate on the date.")
    officials = _listed(OfficialSchema, "People involved, with the posts they held then.")


# --- paths and graph -------------------------------------------------------------------

class PathNodeSchema(EntityRefSchema):
    """An entity as the graph-shaped answers show it."""

    kind = _maybe("Its `kind` property (null for kinds without one).")


class PathRelationSchema(ma.Schema):
    """A relation along a path, in its own direction (which may run against the walk)."""

    id = _text()
    type = _text("The relation type.")
    from_ = _text("The id of its subject.", data_key="from", attribute="from")
    to = _text("The id of its object.")
    sources = _strings(SOURCES)


class PathSchema(ma.Schema):
    """A shortest path: nodes from start to end, and the relations between them."""

    length = fields.Integer(required=True, metadata={"description": "How many relations."})
    nodes = _listed(PathNodeSchema, "From the start to the end.")
    relations = _listed(PathRelationSchema, "relations[i] joins nodes[i] and nodes[i+1].")


class GraphNodeSchema(PathNodeSchema):
    """A node of the neighbourhood."""

    depth = fields.Integer(required=True, metadata={"description": "Hops from the centre."})
    label = _text("For drawing: its name.")
    status_as_of = fields.Nested(StatusAsOfSchema, metadata={
        "description": "Mechanisms and agreements with a status history: their status on "
                       "the as-of date."})


class GraphEdgeSchema(ma.Schema):
    """A relation among the nodes, valid on the as-of date."""

    id = _text()
    type = _text("The relation type.")
    source = _text("The id of its subject (D3, Cytoscape).")
    target = _text("The id of its object (D3, Cytoscape).")
    from_ = _text("The id of its subject (vis-network).", data_key="from", attribute="from")
    to = _text("The id of its object (vis-network).")
    label = _text("For drawing: its type.")
    role = _maybe("PARTY_TO and PARTICIPATED_IN: the role.")
    title = _maybe("HOLDS_POST: the title.")
    how = _maybe("CONCERNS: how the event concerned the entity.")
    sources = _strings(SOURCES)


class GraphSchema(ma.Schema):
    """The neighbourhood of an entity as {nodes, edges}, ready to draw."""

    nodes = _listed(GraphNodeSchema, "The centre first, then breadth first.")
    edges = _listed(GraphEdgeSchema)
    truncated = fields.Boolean(required=True, metadata={
        "description": "True when the node limit cut the answer."})
    center = _text("The id of the centre.")
    depth = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    as_of = _date()


# --- timeline, search ------------------------------------------------------------------

class TimelineItemSchema(ma.Schema):
    """A dated fact about the entities: one item per fact, however it was found."""

    date = _date("When it happened or began.")
    precision = _text("The precision of `date`.", validate=validate.OneOf(
        ["year", "month", "day"]))
    end = _date("When it ended, if recorded.", nullable=True)
    what = _text("event, agreement_signed, status_change, operation or post.")
    kind = _maybe("The `kind` of the event, agreement, mechanism or operation (null for "
                  "posts).")
    id = _text("The event, agreement, mechanism or operation; for a post, the other end: "
               "the organization (on a person's timeline) or the person.")
    title = _text("Its name; for a post, the title and the organization or person.")
    status = _maybe("status_change: the status taken; event: the event's status (planned, "
                    "happened, cancelled); otherwise null.")
    note = fields.String(required=True, allow_none=True, metadata={
        "description": "status_change: the note of the status_history entry; else null."})
    roles = _strings("The entities' roles in it (participation, party or signatory), sorted.")
    sources = _strings(SOURCES)
    entities = _strings("The named entities it is about, sorted.")
    through = _strings("The entities it was found through (with match=hierarchy, those "
                       "under the named ones), sorted.")


class SearchHitSchema(EntityRefSchema):
    """An entity whose name or alias matches the text."""

    kind = _maybe("Its `kind` property (null for kinds without one).")
    score = fields.Float(required=True, metadata={
        "description": "Full-text relevance (0 for an exact name the index did not rank)."})
    exact = fields.Boolean(required=True, metadata={
        "description": "A name or alias equals the text (case, accents, punctuation ignored); "
                       "exact hits come first."})
    matched = _text("The name or alias that fitted the text best.")


# --- gaps ------------------------------------------------------------------------------

class EvidenceSchema(ma.Schema):
    """An operation that puts a force in the theatre and domain on the date."""

    operation = _text("The operation's id.")
    name = _text("The operation's name.")
    start = _date(nullable=True)
    end = _date(nullable=True)
    sources = _strings("Ids of the Sources of its conduct, theatre and domain.")


class ForcePresenceSchema(EntityRefSchema):
    """A force (or a state acting itself) present in the theatre and domain."""

    state = _text("The id of its State.")
    evidence = _listed(EvidenceSchema)


class StatePresenceSchema(EntityRefSchema):
    """A State present through its forces."""

    forces = _listed(ForcePresenceSchema)


class GapMechanismSchema(ma.Schema):
    """A mechanism between the pair that misses the domain or is not active on the date."""

    id = _text()
    name = _text()
    status_as_of = _nested(StatusAsOfSchema)
    domains = _strings("The domains it covers on the date (ids).")


class GapSchema(ma.Schema):
    """Two parties of different states in one theatre and domain, with no active mechanism
    between them covering the domain on the date."""

    theatre = _nested(NamedRefSchema)
    domain = _text("The Domain's id.", validate=validate.OneOf(get_model().vocabulary("domain")))
    level = _text("state or force: which of `states` and `forces` the gap carries.")
    states = fields.List(fields.Nested(StatePresenceSchema), metadata={
        "description": "level=state: the two States, each with its forces as evidence."})
    forces = fields.List(fields.Nested(ForcePresenceSchema), metadata={
        "description": "level=force: the two forces, with evidence."})
    mechanisms_missing_domain_or_inactive = _listed(GapMechanismSchema, (
        "Mechanisms between the pair that do not cover the domain, or are not active, "
        "on the date."))
