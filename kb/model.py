"""The knowledge model, read once from schema/model.yaml (see that file for the format).

Everything that names a label, a relationship type, a property or a vocabulary value in a
query takes it from here: this is the whitelist that keeps user input out of query text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml

from kb.bundled import data_dir

MODEL_FILE = data_dir("schema") / "model.yaml"
ENTITY_LABEL = "Entity"


@dataclass(frozen=True)
class FieldSpec:
    """One property of an entity or relation."""

    name: str
    type: str
    required: bool = False
    vocabulary: str | None = None
    description: str = ""


@dataclass(frozen=True)
class FilterSpec:
    """One query-string filter of a collection."""

    name: str
    property: str | None = None
    relation: str | None = None
    direction: str = "out"
    date_from: str | None = None
    date_to: str | None = None
    start_field: str | None = None
    end_field: str | None = None
    open_ended: bool = False
    text: bool = False
    between: bool = False
    as_of: bool = False
    description: str = ""


@dataclass(frozen=True)
class EntityKind:
    """An entity kind: a Neo4j label and an API collection."""

    label: str
    path: str
    description: str
    fields: dict[str, FieldSpec]
    filters: dict[str, FilterSpec]
    sort: tuple[str, ...]
    read_only: bool = False
    id_style: str = "slug"
    example: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RelationKind:
    """A relationship type with the entity kinds allowed at each end."""

    type: str
    from_kinds: tuple[str, ...]
    to_kinds: tuple[str, ...]
    fields: dict[str, FieldSpec]
    key: tuple[str, ...]
    description: str = ""
    acyclic: bool = False  # a hierarchy or a sequence: no entity may reach itself


@dataclass(frozen=True)
class Model:
    """The whole model: vocabularies, entity kinds and relation kinds."""

    vocabularies: dict[str, dict[str, dict[str, Any]]]
    entities: dict[str, EntityKind]
    relations: dict[str, RelationKind]

    def vocabulary(self, name: str) -> list[str]:
        """The allowed values of a vocabulary, in model order."""
        return list(self.vocabularies[name])


def _fields(raw: dict[str, Any] | None) -> dict[str, FieldSpec]:
    return {name: FieldSpec(name=name, **spec) for name, spec in (raw or {}).items()}


def _vocabulary(raw: Any) -> dict[str, dict[str, Any]]:
    if isinstance(raw, dict):
        return {str(k): dict(v or {}) for k, v in raw.items()}
    return {str(v): {} for v in raw}


def parse_model(raw: dict[str, Any]) -> Model:
    """Build the Model from the parsed YAML document."""
    common = _fields(raw["entity_fields"])
    rel_common = _fields(raw["relation_fields"])
    entities = {
        label: EntityKind(
            label=label,
            path=spec["path"],
            description=spec.get("description", ""),
            fields={**common, **_fields(spec.get("fields"))},
            filters={n: FilterSpec(name=n, **f) for n, f in (spec.get("filters") or {}).items()},
            sort=tuple(spec.get("sort", ["id"])),
            read_only=bool(spec.get("read_only", False)),
            id_style=spec.get("id_style", "slug"),
            example=spec.get("example", {}),
        )
        for label, spec in raw["entities"].items()
    }
    relations = {
        rtype: RelationKind(
            type=rtype,
            from_kinds=tuple(spec["from"]),
            to_kinds=tuple(spec["to"]),
            fields={**rel_common, **_fields(spec.get("fields"))},
            key=tuple(spec.get("key", [])),
            description=spec.get("description", ""),
            acyclic=bool(spec.get("acyclic", False)),
        )
        for rtype, spec in raw["relations"].items()
    }
    vocabularies = {name: _vocabulary(v) for name, v in raw["vocabularies"].items()}
    return Model(vocabularies=vocabularies, entities=entities, relations=relations)


@cache
def get_model() -> Model:
    """The model of this checkout or installed package (read once per process)."""
    with MODEL_FILE.open(encoding="utf-8") as fh:
        return parse_model(yaml.safe_load(fh))
