"""What the generated OpenAPI document cannot say by itself, added once the blueprints are in.

- A relation to create is one of the relation types, each with its own fields: the request
  body of POST /relations is a `oneOf` discriminated by `type` (one union of all fields
  would let clients send a `title` on a CITES relation, which the API refuses).
- The body of POST /import is an array of such relations and entity records.
- Create responses link to the created item's GET, PUT, PATCH and DELETE, so stateful
  testing (and clients that follow links) can reach what was just made.
- PUT and PATCH take the id from the path: in their bodies `id` is read-only (sent back
  unchanged it is accepted, so GET -> PUT round-trips).
"""

from __future__ import annotations

from typing import Any

from kb.model import get_model
from kb.schemas import record_schema, relation_schema

RELATION_INPUT = "RelationInput"
RECORD = "Record"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _one_of(names: dict[str, str], key: str) -> dict[str, Any]:
    """A oneOf over components, discriminated by the property `key` (value -> component)."""
    return {"oneOf": [_ref(n) for n in names.values()],
            "discriminator": {"propertyName": key,
                              "mapping": {v: _ref(n)["$ref"] for v, n in names.items()}}}


def finish_spec(spec: Any) -> None:
    """Add the per-type relation and record schemas; mark path-bound ids read-only."""
    model = get_model()
    relations: dict[str, str] = {}
    for rtype in model.relations:
        relations[rtype] = f"{rtype}Relation"
        spec.components.schema(relations[rtype], schema=relation_schema(rtype))
    records: dict[str, str] = {}
    for label, kind in model.entities.items():
        if not kind.read_only:
            records[label] = f"{label}Record"
            spec.components.schema(records[label], schema=record_schema(label))
    schemas = spec.components.schemas
    schemas[RELATION_INPUT] = {**_one_of(relations, "type"),
                               "description": "A relation: its type's own fields."}
    schemas[RECORD] = {"oneOf": [_one_of(records, "entity"), _one_of(relations, "type")],
                       "description": "An entity record (`entity: <Kind>`) or a relation."}
    for name, schema in schemas.items():
        if name.endswith(("Replace", "Patch")) and "id" in schema.get("properties", {}):
            schema["properties"]["id"] = {**schema["properties"]["id"], "readOnly": True}
            required = [f for f in schema.pop("required", []) if f != "id"]
            if required:  # OpenAPI 3.0 forbids an empty list
                schema["required"] = required


def item_links(item_path: str, methods: tuple[str, ...] = ("get", "put", "patch", "delete"),
               parameter: str = "entity_id") -> dict[str, Any]:
    """OpenAPI links from a create response to the created item's operations (by its id)."""
    pointer = item_path.replace("~", "~0").replace("/", "~1")
    return {f"{method.capitalize()}Created": {
        "operationRef": f"#/paths/{pointer}/{method}",
        "parameters": {parameter: "$response.body#/id"}} for method in methods}


IMPORT_BODY = {
    "required": True,
    "description": "A JSON array of records. NDJSON (one record per line, Content-Type: "
                   "application/x-ndjson) is accepted too.",
    "content": {"application/json": {"schema": {"type": "array", "items": _ref(RECORD)}}},
}
