"""Bulk loading: seed_data/ and imports, validated whole before anything is written.

A batch is a list of records: an entity record names its kind in `entity` (e.g.
`entity: Force`), a relation record its type in `type` (e.g. `type: PARTY_TO`, with `from`
and `to` ids). Every record is validated by the same schemas as the API; references are
resolved against the batch and the database; then everything is written in one
transaction, entities first. Writing is idempotent (MERGE on ids, content hashes).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import marshmallow as ma
import neo4j

from kb import audit
from kb.auth import SYSTEM, Caller
from kb.dates import now
from kb.db import Database
from kb.errors import Conflict, ValidationFailed, field_errors
from kb.generated import generated_records
from kb.model import get_model
from kb.queries import entities as entity_queries
from kb.queries import writes as write_queries
from kb.reading import Unreadable, read_directory
from kb.records import entity_props, relation_props
from kb.schemas import entity_schema, relation_schema
from kb.store import check_acyclic, cited_sources, end_problems, source_problems

# Kinds that are not facts needing a citation: sources themselves, and the fixed domains.
UNSOURCED = ("Source", "Domain")
# keys of a prepared record (kb.ingest.prepare): its properties, its audit `after` text
PROPS, AFTER = "_props", "_after"


@dataclass
class Batch:
    """Validated records grouped for writing, with where each came from."""

    entities: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    relations: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    kinds: dict[str, str] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)
    # the same id twice with different contents: each record may be valid, the pair is not
    duplicates: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Report:
    """What a load did (or would do), per kind/type and outcome."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    dry_run: bool = False

    def add(self, name: str, outcomes: dict[str, str]) -> None:
        for outcome in outcomes.values():
            self.counts[(name, outcome)] += 1

    def as_dict(self) -> dict[str, dict[str, int]]:
        """{kind or type: {created, updated, unchanged}}."""
        out: dict[str, dict[str, int]] = defaultdict(dict)
        for (name, outcome), n in self.counts.items():
            out[name][outcome] = n
        return dict(out)

    def totals(self) -> dict[str, int]:
        """{created, updated, unchanged} over all kinds and types."""
        totals: Counter[str] = Counter()
        for (_, outcome), n in self.counts.items():
            totals[outcome] += n
        return dict(totals)

    def summary(self) -> str:
        """Lines for the terminal: one per kind/type, then totals."""
        lines = [f"{'would load' if self.dry_run else 'loaded'}:"]
        for name, outcomes in self.as_dict().items():
            total = sum(outcomes.values())
            detail = ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items()))
            lines.append(f"  {name:<16} {total:>5}  ({detail})")
        totals = self.totals()
        lines.append("  total: " + (", ".join(f"{n} {o}" for o, n in sorted(totals.items()))
                                    or "no records"))
        return "\n".join(lines)


def _record_errors(origin: str, record: Any, messages: Any) -> list[dict[str, str]]:
    rid = record.get("id") if isinstance(record, dict) else None
    label = f"{origin} ({rid})" if rid else origin
    return [{**e, "record": label} for e in field_errors(messages, location="record")]


def validate_records(records: Iterable[tuple[str, Any]],
                     require_sources: bool = False) -> tuple[Batch, list[dict[str, str]]]:
    """Schema-validate every record; returns the batch and all errors found."""
    model = get_model()
    batch, errors = Batch(), []
    # one schema instance per kind: building one per record was two thirds of the work
    loaders: dict[str, ma.Schema] = {}
    for origin, record in records:
        if not isinstance(record, dict):
            problem = record.message if isinstance(record, Unreadable) else (
                "a record must be a mapping")
            errors += _record_errors(origin, None, {"_schema": [problem]})
            continue
        body = {k: v for k, v in record.items() if k not in ("entity",)}
        try:
            if "entity" in record:
                label = record["entity"]
                if not isinstance(label, str) or label not in model.entities:
                    raise ma.ValidationError({"entity": [f"unknown entity kind {label!r}"]})
                loader = loaders.get(label) or loaders.setdefault(label, entity_schema(label)())
                data = loader.load(body)
                if require_sources and label not in UNSOURCED and not data.get("sources"):
                    raise ma.ValidationError({"sources": ["seed facts must cite a Source"]})
                if data["id"] in batch.kinds:
                    _repeated(batch, origin, label, data)
                    continue
                batch.entities[label].append(data)
                batch.kinds[data["id"]] = label
                batch.origin[data["id"]] = origin
            elif isinstance(record.get("type"), str) and record["type"] in model.relations:
                rtype = record["type"]
                loader = loaders.get(rtype) or loaders.setdefault(rtype, relation_schema(rtype)())
                data = loader.load(body)
                batch.relations[data["type"]].append({**data, "_origin": origin})
            else:
                raise ma.ValidationError(
                    {"type": ["a record needs `entity: <Kind>` or a known relation `type`"]})
        except ma.ValidationError as exc:
            errors += _record_errors(origin, record, exc.messages)
    return batch, errors


def _repeated(batch: Batch, origin: str, label: str, data: dict[str, Any]) -> None:
    """A second record with a known id: the same record again is dropped, another clashes."""
    first = batch.kinds[data["id"]]
    if first == label and data in batch.entities[label]:
        return
    batch.duplicates += _record_errors(origin, data, {
        "id": [f"the same id with other contents in {batch.origin[data['id']]}"]})


def check_references(batch: Batch, known: dict[str, str]) -> list[dict[str, str]]:
    """Relation ends and cited sources must exist (in the batch or `known`), of allowed kinds."""
    kinds = {**known, **batch.kinds}
    errors: list[dict[str, str]] = []

    def err(origin: str, rid: str, fld: str, message: str) -> None:
        errors.append({"record": f"{origin} ({rid})", "field": fld, "location": "record",
                       "message": message})

    for items in batch.entities.values():
        for data in items:
            for fld, message in source_problems(cited_sources(data), kinds):
                err(batch.origin[data["id"]], data["id"], fld, message)
    for rtype, rels in batch.relations.items():
        for rel in rels:
            rid = f"{rel['from']} {rtype} {rel['to']}"
            for fld, message in [*end_problems(rtype, rel, kinds),
                                 *source_problems(cited_sources(rel), kinds)]:
                err(rel["_origin"], rid, fld, message)
    return errors


def referenced_ids(batch: Batch) -> list[str]:
    ids: set[str] = set()
    for items in batch.entities.values():
        ids.update(s for _, s in (ref for d in items for ref in cited_sources(d)))
    for rels in batch.relations.values():
        for rel in rels:
            ids.update([rel["from"], rel["to"], *(s for _, s in cited_sources(rel))])
    return sorted(ids - set(batch.kinds))


def write_batch(tx: neo4j.ManagedTransaction, batch: Batch, dry_run: bool,
                who: Caller = SYSTEM,
                pending: Callable[[list[str]], dict[str, str]] | None = None) -> Report:
    """Check references against the database, then MERGE everything (unless dry_run).

    What the records refer to stays locked until the end, so a concurrent delete cannot
    slip between the check and the write; relations of acyclic types may close no loop;
    only the command line (SYSTEM) may create or change entities of read-only kinds.
    `pending`: the kinds of those of the given ids that earlier batches of a dry run would
    have written.
    """
    # one statement for both: the kinds of what the records refer to and of their own ids
    # (those that exist are locked too: the MERGE below would lock the ones it changes)
    referenced = referenced_ids(batch)
    stored = write_queries.lock_kinds_of(tx, [*referenced, *batch.kinds])
    earlier = pending(referenced) if pending is not None else {}
    known = {**earlier, **{i: stored[i] for i in referenced if i in stored}}
    existing = {i: stored[i] for i in batch.kinds if i in stored}
    clashes = [{"record": f"{batch.origin[i]} ({i})", "field": "id", "location": "record",
                "message": f"id already used by a {existing[i]}"}
               for i, kind in batch.kinds.items() if existing.get(i, kind) != kind]
    errors = batch.duplicates + clashes + check_references(batch, known)
    if errors:
        # well-formed records that do not fit together or with what is stored
        raise Conflict(f"{len(errors)} record(s) clash or refer to missing entities; nothing "
                       "was written", errors=errors)
    report, stamp, changes = Report(dry_run=dry_run), now(), []
    for label, items in batch.entities.items():
        rows = [{"id": d["id"], "props": d.get(PROPS) or entity_props(d), AFTER: d.get(AFTER)}
                for d in items]
        merged = _merge(tx, label, rows, entity_queries.stored_entities,
                        write_queries.merge_entities, report, stamp, dry_run)
        if merged and who != SYSTEM and get_model().entities[label].read_only:
            raise Conflict(f"{label} is read-only: records may repeat its entities unchanged "
                           "but not create or change them", errors=[
                               {"record": f"{batch.origin[c['target']]} ({c['target']})",
                                "field": "entity", "location": "record",
                                "message": f"{label} is read-only"} for c in merged])
        changes += merged
    for rtype, rels in batch.relations.items():
        rows = []
        for rel in rels:
            props = rel.get(PROPS) or relation_props(rtype, _data_of(rel))
            rows.append({"id": props["id"], "from": rel["from"], "to": rel["to"],
                         "props": props, AFTER: rel.get(AFTER)})
        changes += _merge(tx, rtype, rows, entity_queries.stored_relations,
                          write_queries.merge_relations, report, stamp, dry_run)
        if not dry_run:
            check_acyclic(tx, rtype, [r["from"] for r in rows])
    if not dry_run:
        summary = {"op": "import", "kind": "batch", "target": "import",
                   "counts": json.dumps(report.totals(), sort_keys=True)}
        audit.record(tx, who, stamp, [*changes, summary])
    return report


def _merge(tx: neo4j.ManagedTransaction, kind: str, rows: list[dict[str, Any]],
           stored_of: Callable[..., dict[str, dict[str, Any]]],
           merge: Callable[..., write_queries.Merged], report: Report, stamp: str,
           dry_run: bool) -> list[dict[str, Any]]:
    """Write one kind's (or type's) rows; count outcomes; return their audit entries.

    A write learns outcomes and what updates replace from the MERGE itself (one round trip);
    only a dry run, which writes nothing, reads the stored rows to tell them.
    """
    if dry_run:
        stored = stored_of(tx, kind, [r["id"] for r in rows])
        outcomes = {r["id"]: _outcome(stored.get(r["id"]), r["props"]) for r in rows}
    else:
        outcomes, stored = {}, {}
        # a row repeated in the batch: its first outcome is the one against the store
        for i, outcome, before in merge(tx, kind, rows, stamp):
            if i not in outcomes:
                outcomes[i] = outcome
                if before is not None:
                    stored[i] = before
    report.add(kind, outcomes)
    return _changes(kind, rows, stored, outcomes)


def _outcome(stored: dict[str, Any] | None, props: dict[str, Any]) -> str:
    if stored is None:
        return "created"
    return "unchanged" if stored.get("content_hash") == props["content_hash"] else "updated"


def _changes(kind: str, rows: list[dict[str, Any]], stored: dict[str, dict[str, Any]],
             outcomes: dict[str, str]) -> list[dict[str, Any]]:
    ops = {"created": "create", "updated": "update"}
    changes = []
    for r in rows:
        op = ops.get(outcomes[r["id"]])
        if op == "create" and r.get(AFTER) is not None:  # prepared off the write's path
            changes.append(audit.created(kind, r["id"], r[AFTER]))
        elif op:
            changes.append(audit.change(op, kind, r["id"], stored.get(r["id"]), _after(r)))
    return changes


def _after(row: dict[str, Any]) -> dict[str, Any]:
    """What a row holds after the write, as the audit trail shows it (ends included)."""
    ends = {"from": row["from"], "to": row["to"]} if "from" in row else {}
    return {**row["props"], **ends}


def _data_of(rel: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in rel.items() if not k.startswith("_")}


def prepare(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """A validated record with what writing it needs worked out ahead: its properties and
    the audit entry's `after` should it be created (imports do this while checking, in
    parallel, so the write step only sends them)."""
    if kind in get_model().entities:
        props = entity_props(data)
        row = {"props": props}
    else:
        props = relation_props(kind, _data_of(data))
        row = {"props": props, "from": data["from"], "to": data["to"]}
    return {**data, PROPS: props, AFTER: audit.after_text(_after(row))}


def load_records(db: Database, records: Iterable[tuple[str, Any]], *,
                 dry_run: bool = False, require_sources: bool = False,
                 who: Caller = SYSTEM) -> Report:
    """Validate all records, then write them in one transaction (all or nothing)."""
    batch, errors = validate_records(records, require_sources=require_sources)
    if errors:
        raise ValidationFailed(f"{len(errors)} problem(s) in the records; nothing was written",
                               errors=errors)
    return db.write_tx(lambda tx: write_batch(tx, batch, dry_run, who))


def seed_records(directory: Path) -> list[tuple[str, Any]]:
    """The generated records, then those of the seed directory.

    A seed record with the id of a generated one (e.g. `entity: State, id: RUS`) amends it:
    its aliases and sources are added, its other fields win.
    """
    generated = {r["id"]: ("generated", r) for r in generated_records()}
    rest: list[tuple[str, Any]] = []
    for origin, record in read_directory(directory):
        rid = record.get("id") if isinstance(record, dict) else None
        if rid in generated and record.get("entity") == generated[rid][1]["entity"]:
            generated[rid] = (origin, _amend(generated[rid][1], record))
        else:
            rest.append((origin, record))
    return list(generated.values()) + rest


def _amend(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = {**base, **extra}
    for key in ("aliases", "sources"):
        merged[key] = list(dict.fromkeys([*base.get(key, []), *extra.get(key, [])]))
    return merged


def load_directory(db: Database, directory: Path) -> Report:
    """Load seed_data/ (with the generated States and Domains), idempotently."""
    return load_records(db, seed_records(directory), require_sources=True)


def validate_directory(directory: Path) -> list[dict[str, str]]:
    """Offline check of a seed directory: schemas and references within it."""
    batch, errors = validate_records(seed_records(directory), require_sources=True)
    return errors + batch.duplicates + check_references(batch, {})
