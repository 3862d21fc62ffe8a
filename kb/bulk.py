"""Export as NDJSON records, in the format import and seed_data/ read.

Export, load into an empty database, export again: the two outputs are the same bytes
(records are written with sorted keys, entities by kind and id, relations by type and ends).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from typing import Any

import neo4j

from kb.db import Database
from kb.model import get_model
from kb.queries import export as export_queries
from kb.queries.asof import asof_params
from kb.records import INTERNAL_PROPS, export_record

RELATION_SYSTEM = ("id", "created_at", "updated_at", *INTERNAL_PROPS)


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def export_lines(db: Database, asof: str | None = None) -> Iterator[str]:
    """NDJSON lines of every entity, then every relation (valid on `asof`, if given)."""
    model = get_model()
    params = asof_params(asof) if asof else None
    # one read transaction per kind: memory stays bounded by one kind's records
    for label in model.entities:
        rows = db.read_tx(partial(_all_entities, label))
        for props in rows:
            yield _line(export_record(label, props))
    for rtype in model.relations:
        rels = db.read_tx(partial(_all_relations, rtype, params))
        for rel in rels:
            body = {k: v for k, v in rel["props"].items() if k not in RELATION_SYSTEM}
            yield _line({"type": rtype, "from": rel["source"], "to": rel["target"], **body})


def _all_entities(label: str, tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
    return list(export_queries.entities(tx, label))


def _all_relations(rtype: str, params: dict[str, Any] | None,
                   tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
    return list(export_queries.relations(tx, rtype, params))
