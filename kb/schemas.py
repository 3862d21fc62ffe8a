"""Marshmallow schemas generated from the model: one per entity kind and relation type.

The same classes validate API bodies, seed_data/ and imports, and document the API.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import marshmallow as ma
import pycountry
from marshmallow import fields, validate

from kb import dumping
from kb.dates import PARTIAL_DATE, PARTIAL_DATE_JSON_SCHEMA, is_partial_date, lo
from kb.model import EntityKind, FieldSpec, Model, RelationKind, get_model

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
# no controls or spaces; spelt out, as `\s` means different things in Python and JSON Schema
URL = r"^https?://[^\x00-\x20\x7f/?#]+[^\x00-\x20\x7f]*$"
# Fields the service sets itself; accepted and ignored on input so GET -> PUT round-trips.
READ_ONLY = ("entity", "version", "created_at", "updated_at", "relations")
DERIVED_STATUS = ("status", "status_since")  # read-only where derived from status_history
# (start, end) pairs that must not run backwards
DATE_PAIRS = (("start", "end"), ("founded_on", "dissolved_on"), ("signed_on", "ended_on"),
              ("established_on", "ended_on"), ("in_force_from", "ended_on"),
              ("valid_from", "valid_to"))


class PartialDate(fields.String):
    """A date of year, month or day precision: 2015, 2015-10, 2015-10-06."""

    def __init__(self, **kwargs: Any) -> None:
        meta = kwargs.setdefault("metadata", {})
        meta.setdefault("example", "2015-10-06")
        meta.update(PARTIAL_DATE_JSON_SCHEMA)
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if is_partial_date(text):
            return text
        if PARTIAL_DATE.match(text):
            raise ma.ValidationError(f"{text} does not exist: check the month and the day "
                                     "(a date is YYYY, YYYY-MM or YYYY-MM-DD).")
        raise ma.ValidationError(f"{text!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD "
                                 "(e.g. 2015, 2015-10 or 2015-10-06).")


@cache
def iso3_codes() -> list[str]:
    """ISO 3166-1 alpha-3 codes, current and historic (e.g. SUN for the Soviet Union)."""
    codes = [c.alpha_3 for c in pycountry.countries]
    codes += [c.alpha_3 for c in pycountry.historic_countries]
    return sorted(set(codes))


def _iso3() -> validate.Validator:
    return validate.OneOf(iso3_codes(),
                          error="{input!r} is not an ISO 3166-1 alpha-3 code (e.g. ISR).")


class StatusEntrySchema(ma.Schema):
    """One status a mechanism or agreement took, from a date on."""

    status = fields.String(required=True, validate=validate.OneOf(
        get_model().vocabulary("status")))
    since = PartialDate(required=True)
    sources = fields.List(fields.String(validate=validate.Length(1, 200)),
                          required=True, validate=validate.Length(min=1))
    note = fields.String(validate=validate.Length(max=5000))
    confidence = fields.String(validate=validate.OneOf(get_model().vocabulary("confidence")))


def make_field(spec: FieldSpec, model: Model) -> fields.Field[Any]:
    """The marshmallow field for one model field."""
    meta: dict[str, Any] = {"description": spec.description} if spec.description else {}
    common: dict[str, Any] = {"required": spec.required, "metadata": meta}
    if not spec.required:
        common["allow_none"] = True
    match spec.type:
        case "string":
            return fields.String(validate=validate.Length(1, 500), **common)
        case "text":
            return fields.String(validate=validate.Length(max=20000), **common)
        case "date":
            return PartialDate(**common)
        case "enum":
            assert spec.vocabulary, f"enum field {spec.name} needs a vocabulary"
            return fields.String(validate=validate.OneOf(model.vocabulary(spec.vocabulary)),
                                 **common)
        case "boolean":
            return fields.Boolean(**common)
        case "number":
            return fields.Float(allow_nan=False, **common)
        case "url":
            # a plain pattern, so the OpenAPI document states exactly what is checked
            return fields.String(validate=[validate.Length(max=2000), validate.Regexp(
                URL, error="must be an http(s) URL")], **common)
        case "string_list":
            return fields.List(fields.String(validate=validate.Length(1, 500)),
                               validate=validate.Length(max=200), **common)
        case "status_history":
            return fields.List(fields.Nested(StatusEntrySchema), **common)
    raise ValueError(f"unknown field type {spec.type!r} for {spec.name}")


def _relation_summary_schema() -> type[ma.Schema]:
    model = get_model()
    attrs: dict[str, fields.Field[Any]] = {
        "id": fields.String(),
        "type": fields.String(),
        "direction": fields.String(metadata={"description": "out: this entity is the subject."}),
        "other": fields.Dict(metadata={"description": "The other end: id, name, entity."}),
    }
    for rel in model.relations.values():
        for name, spec in rel.fields.items():
            attrs.setdefault(name, fields.List(fields.String()) if spec.type == "string_list"
                             else fields.String())
    schema: type[ma.Schema] = ma.Schema.from_dict(attrs, name="RelationSummary")
    schema.__doc__ = "A relation as seen from one of its ends."
    return schema


RelationSummarySchema = _relation_summary_schema()


class RelationSummaries(fields.List):  # type: ignore[type-arg]
    """The `relations` of an entity: a list of RelationSummarySchema, dumped by its plan.

    An entity may carry hundreds of relation summaries (a State some 500); marshmallow's
    generic dump, field by field, spent most of such a GET's own time on them
    (docs/performance.md). Each summary is a flat dict of strings, lists of strings and the
    `other` map, so the schema's dump plan (kb.dumping) takes those values as they are: the
    same output as `List(Nested(RelationSummarySchema))`, which the OpenAPI document still
    describes (tests/test_fast_paths.py compares the two).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(fields.Nested(RelationSummarySchema), **kwargs)
        schema = RelationSummarySchema()
        self._dump = dumping.plan(schema) or schema.dump

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any
                   ) -> list[dict[str, Any]] | None:
        if value is None:
            return None
        dumped: list[dict[str, Any]] = self._dump(value, many=True)
        return dumped


class EntityBase(ma.Schema):
    """Shared behaviour of the generated entity schemas."""

    read_only_fields: tuple[str, ...] = READ_ONLY

    class Meta:
        ordered = True

    @ma.pre_load
    def _drop_read_only(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in self.read_only_fields}
        return data

    @ma.validates_schema
    def _dates_in_order(self, data: dict[str, Any], **_: Any) -> None:
        check_date_order(data)


def check_date_order(data: dict[str, Any]) -> None:
    """Reject an end date before its start date, naming the end field."""
    for start, end in DATE_PAIRS:
        a, b = data.get(start), data.get(end)
        if isinstance(a, str) and isinstance(b, str) and lo(b) < lo(a) and not lo(a).startswith(b):
            raise ma.ValidationError(f"must not be before {start} ({a})", field_name=end)


def _output_fields(kind: EntityKind) -> dict[str, fields.Field[Any]]:
    out: dict[str, fields.Field[Any]] = {
        "entity": fields.String(dump_only=True, metadata={"example": kind.label}),
        "version": fields.Integer(dump_only=True),
        "created_at": fields.String(dump_only=True),
        "updated_at": fields.String(dump_only=True),
        "relations": RelationSummaries(dump_only=True),
    }
    if "status_history" in kind.fields:
        out["status"] = fields.String(dump_only=True, metadata={
            "description": "The latest status in status_history."})
        out["status_since"] = fields.String(dump_only=True)
        out.update(_between_fields())
    return out


def _between_fields() -> dict[str, fields.Field[Any]]:
    """Fields a `between=` answer adds to each mechanism or agreement (a list with `as_of`
    adds `as_of` and `status_as_of`); their types are kb.answers'."""
    from kb import answers  # kb.answers builds on this module's fields: imported when used

    def listed(schema: type[ma.Schema], description: str) -> fields.Field[Any]:
        return fields.List(fields.Nested(schema), dump_only=True,
                           metadata={"description": description})

    return {
        "as_of": PartialDate(dump_only=True, metadata={
            "description": "With between or as_of: the date the item is shown as of."}),
        "status_as_of": fields.Nested(answers.StatusAsOfSchema, dump_only=True, metadata={
            "description": "With between or as_of: its status on that date."}),
        "match": fields.Nested(answers.BetweenMatchSchema, dump_only=True, metadata={
            "description": "With between: how each actor named is covered by a party."}),
        "domains": listed(answers.DomainCoverageSchema,
                          "With between: domains covered on the date, with sources."),
        "parties": listed(answers.PartySchema,
                          "With between: all parties on the date, with roles and sources."),
        "rests_on": listed(answers.RestsOnSchema, "With between: the agreements it rests on."),
        "agreed_by": listed(answers.AgreedBySchema,
                            "With between: who signed or agreed it, when, at which event."),
        "applies_in": listed(answers.NamedRefSchema,
                             "With between: its geographic scope (Places and States)."),
    }


def _input_fields(kind: EntityKind) -> dict[str, fields.Field[Any]]:
    model = get_model()
    attrs: dict[str, Any] = {name: make_field(spec, model) for name, spec in kind.fields.items()}
    id_validate = _iso3() if kind.id_style == "iso3" else validate.Regexp(
        SLUG, error="must be a lower-case slug: letters, digits and single hyphens")
    attrs["id"] = fields.String(required=True, validate=[validate.Length(1, 100), id_validate],
                                metadata={"description": kind.fields["id"].description})
    return attrs


@cache
def entity_schema(label: str) -> type[EntityBase]:
    """The schema class of an entity kind (input validation and output)."""
    kind = get_model().entities[label]
    attrs = {**_input_fields(kind), **_output_fields(kind)}
    schema: type[EntityBase] = EntityBase.from_dict(attrs, name=label)  # type: ignore[assignment]
    schema.__doc__ = kind.description
    if "status_history" in kind.fields:
        schema.read_only_fields = READ_ONLY + DERIVED_STATUS
    return schema


class RecordBase(ma.Schema):
    class Meta:
        ordered = True


@cache
def record_schema(label: str) -> type[ma.Schema]:
    """An entity as an import record: `entity: <label>` and its input fields (documents imports)."""
    attrs = _input_fields(get_model().entities[label])
    attrs["entity"] = fields.String(required=True, validate=validate.OneOf([label]))
    schema: type[ma.Schema] = RecordBase.from_dict(attrs, name=f"{label}Record")
    schema.__doc__ = f"A {label} record."
    return schema


class RelationBase(ma.Schema):
    class Meta:
        ordered = True

    @ma.validates_schema
    def _dates_in_order(self, data: dict[str, Any], **_: Any) -> None:
        check_date_order(data)


def _relation_fields(model: Model, specs: dict[str, FieldSpec]) -> dict[str, fields.Field[Any]]:
    attrs: dict[str, Any] = {name: make_field(spec, model) for name, spec in specs.items()}
    attrs["sources"] = fields.List(fields.String(validate=validate.Length(1, 200)),
                                   required=True, validate=validate.Length(min=1, max=200))
    attrs["from"] = fields.String(required=True, validate=validate.Length(1, 100),
                                  metadata={"description": "Id of the subject entity."})
    attrs["to"] = fields.String(required=True, validate=validate.Length(1, 100),
                                metadata={"description": "Id of the object entity."})
    return attrs


@cache
def relation_schema(rtype: str) -> type[ma.Schema]:
    """The schema of one relation type's own fields (for validation)."""
    model = get_model()
    rel: RelationKind = model.relations[rtype]
    attrs = _relation_fields(model, rel.fields)
    attrs["type"] = fields.String(required=True, validate=validate.OneOf([rtype]))
    schema: type[ma.Schema] = RelationBase.from_dict(attrs, name=f"{rtype}Relation")
    return schema


class RelationInputBase(ma.Schema):
    class Meta:
        ordered = True
        unknown = ma.INCLUDE  # the relation type's own schema rejects unknown fields

    @ma.post_load(pass_original=True)
    def _by_type(self, data: dict[str, Any], original: Any, **_: Any) -> dict[str, Any]:
        # the documented fields are the union over all types; the type's own schema decides
        loaded: dict[str, Any] = relation_schema(data["type"])().load(original)
        return loaded


def _relation_input_fields() -> dict[str, fields.Field[Any]]:
    model = get_model()
    every: dict[str, FieldSpec] = {}
    for rel in model.relations.values():
        for name, spec in rel.fields.items():
            every.setdefault(name, FieldSpec(name, spec.type, False, spec.vocabulary,
                                             spec.description))
    attrs: dict[str, fields.Field[Any]] = {
        "type": fields.String(required=True, validate=validate.OneOf(list(model.relations)))}
    attrs.update(_relation_fields(model, every))
    attrs["role"] = fields.String(allow_none=True, metadata={
        "description": "party_role values on PARTY_TO, participant_role on PARTICIPATED_IN"})
    return attrs


RelationInputSchema: type[ma.Schema] = RelationInputBase.from_dict(
    _relation_input_fields(), name="RelationInput")
RelationInputSchema.__doc__ = """A relation to create: type, from, to, sources, own fields.

`role` takes party_role values on PARTY_TO and participant_role values on PARTICIPATED_IN;
`title` is required on HOLDS_POST; `how` belongs to CONCERNS.
"""

RelationSchema: type[ma.Schema] = RelationInputSchema.from_dict({
    "id": fields.String(dump_only=True),
    "created_at": fields.String(dump_only=True),
    "updated_at": fields.String(dump_only=True),
    "from_kind": fields.String(dump_only=True),
    "to_kind": fields.String(dump_only=True),
}, name="Relation")
RelationSchema.__doc__ = "A stored relation."
