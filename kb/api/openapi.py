"""What the generated OpenAPI document cannot say by itself, added once the blueprints are in.

- A relation to create is one of the relation types, each with its own fields: the request
  body of POST /relations is a `oneOf` discriminated by `type` (one union of all fields
  would let clients send a `title` on a CITES relation, which the API refuses).
- The body of POST /import is an array of such relations and entity records.
- Create responses link to the created item's GET, PUT, PATCH and DELETE, so stateful
  testing (and clients that follow links) can reach what was just made.
- PUT and PATCH take the id from the path: in their bodies `id` is read-only (sent back
  unchanged it is accepted, so GET -> PUT round-trips).
- The two ways to present an API key are declared once as security schemes; each operation
  that needs a role names them (kb.api.security.requires writes that entry). The document
  as a whole names them too, with `{}` (no key) as an alternative: Swagger UI then shows
  its Authorize button and sends the key to every operation, reads included (they need
  one when KB_READS_REQUIRE_KEY=true), while open operations stay open.
"""

from __future__ import annotations

from typing import Any

from kb.model import get_model
from kb.schemas import record_schema, relation_schema

RELATION_INPUT = "RelationInput"
RECORD = "Record"
# An API key is sent either way; OpenAPI 3.0 gives http and apiKey schemes no scopes, so an
# operation's role is stated beside its security entry (x-required-role), not in it.
SECURITY_SCHEMES: dict[str, dict[str, str]] = {
    "bearerKey": {"type": "http", "scheme": "bearer", "bearerFormat": "kb_<id>_<secret>",
                  "description": "An API key as `Authorization: Bearer <key>`."},
    "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key",
                     "description": "An API key as `X-API-Key: <key>`."},
}
# either scheme will do: a list of alternatives, each a one-scheme requirement
SECURITY: list[dict[str, list[str]]] = [{name: []} for name in SECURITY_SCHEMES]
# the document's default: a key if the client has one, none otherwise
OPTIONAL_SECURITY: list[dict[str, list[str]]] = [*SECURITY, {}]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _one_of(names: dict[str, str], key: str) -> dict[str, Any]:
    """A oneOf over components, discriminated by the property `key` (value -> component)."""
    return {"oneOf": [_ref(n) for n in names.values()],
            "discriminator": {"propertyName": key,
                              "mapping": {v: _ref(n)["$ref"] for v, n in names.items()}}}


def finish_spec(spec: Any) -> None:
    """Add the per-type relation and record schemas; mark path-bound ids read-only.

    Also declares the security schemes that operations needing a role refer to.
    """
    model = get_model()
    for name, scheme in SECURITY_SCHEMES.items():
        spec.components.security_scheme(name, scheme)
    spec.options["security"] = OPTIONAL_SECURITY
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
