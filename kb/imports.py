"""Imports of any size from files, streaming: memory grows with the number of distinct ids,
not with the file.

The contract (docs/import.md, in short):
1. Check: every record is read and validated, and every reference resolved (against the
   file and the database), before anything is written. Any problem: all of them are listed
   with their file and line, and nothing is written.
2. Write: Sources, then other entities, then relations, in batches of BATCH_SIZE records, each
   batch its own transaction. Writes MERGE on ids and compare content hashes, so a batch
   written twice changes nothing: if the database fails part-way, the batches before the
   failure stay, none is duplicated, and running the same import again completes it.
Validated records wait in spill files (NDJSON, in loading order) between the two steps.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

import neo4j

from kb.auth import SYSTEM, Caller
from kb.db import Database
from kb.errors import Conflict, ImportInterrupted, ValidationFailed
from kb.ingest import (
    Batch,
    Report,
    check_references,
    read_file,
    referenced_ids,
    validate_records,
    write_batch,
)
from kb.queries import entities as entity_queries

# Records per write transaction. Chosen by measurement (tools/bench/import_only.py --scale 10
# --batch-size 5000 10000 2500, 2026-11-26, a shared 2-core box): 2,500 was clearly slower
# (127 s and 137 s against 85 s and 75 s for 5,000); 10,000 was 64 s then 101 s, no steady
# gain for twice the transaction memory (an 85k-record transaction ran out of it). Kept 5,000.
BATCH_SIZE = 5_000
MAX_LISTED = 1_000  # errors listed at most; the count says how many there were
SPILLS = ("sources", "entities", "relations")
Tick = Callable[[int], None]


def records_of(path: Path, label: str | None = None) -> Iterator[tuple[str, Any]]:
    """(origin, record) pairs of one file; NDJSON is read a line at a time. The origin is
    `<file name>:<line>`, or `<label> <line>` when a label is given (an uploaded body)."""
    if path.suffix != ".ndjson":
        yield from read_file(path)
        return
    with path.open(encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            origin = f"{label} {n}" if label else f"{path.name}:{n}"
            if line.strip():
                try:
                    yield origin, json.loads(line)
                except json.JSONDecodeError as exc:
                    yield origin, Unreadable(f"not valid JSON: {exc.msg}")
                except RecursionError:
                    yield origin, Unreadable("nested too deeply")


@dataclass
class Unreadable:
    """A line that is not a record at all (reported like an invalid record)."""

    message: str


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Consecutive lists of at most `size` items."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


@dataclass
class Checked:
    """What the check step leaves for the write step."""

    spill: Path
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SPILLS, 0))
    kinds: dict[str, str] = field(default_factory=dict)  # id -> kind, in the file
    digests: dict[str, int] = field(default_factory=dict)  # id -> hash of its record

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def check(db: Database, paths: list[Path], spill: Path, tick: Tick = lambda n: None,
          label: str | None = None) -> Checked:
    """Validate every record and resolve every reference; write nothing to the database.

    Raises ValidationFailed (invalid records) or Conflict (clashes, missing references),
    listing every problem with its origin.
    """
    checked, errors, clashes = Checked(spill), [], []
    outs = {name: (spill / f"{name}.ndjson").open("w", encoding="utf-8") for name in SPILLS}
    try:
        for path in paths:
            for chunk in chunks(records_of(path, label), BATCH_SIZE):
                invalid, clashing = _validate_chunk(chunk, checked, outs)
                errors += invalid
                clashes += clashing
                tick(len(chunk))
    finally:
        for out in outs.values():
            out.close()
    if errors:
        raise ValidationFailed(_count(errors, "problem(s) in the records"),
                               errors=errors[:MAX_LISTED])
    clashes += _resolve(db, checked)
    if clashes:
        raise Conflict(_count(clashes, "record(s) clash or refer to missing entities"),
                       errors=clashes[:MAX_LISTED])
    return checked


def _count(errors: list[Any], what: str) -> str:
    listed = "" if len(errors) <= MAX_LISTED else f" (the first {MAX_LISTED} are listed)"
    return f"{len(errors)} {what}{listed}; nothing was written"


def _validate_chunk(chunk: list[tuple[str, Any]], checked: Checked, outs: dict[str, Any]
                    ) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(invalid records, records clashing with another one); spills the valid ones."""
    unreadable = [(o, r) for o, r in chunk if isinstance(r, Unreadable)]
    errors = [{"record": o, "field": "_schema", "location": "record", "message": r.message}
              for o, r in unreadable]
    batch, invalid = validate_records([(o, r) for o, r in chunk if not isinstance(r, Unreadable)])
    errors += invalid
    clashes = list(batch.duplicates)
    for label, items in batch.entities.items():
        for data in items:
            digest = hash(json.dumps(data, sort_keys=True))
            if data["id"] in checked.kinds:
                if checked.digests[data["id"]] != digest or checked.kinds[data["id"]] != label:
                    clashes.append({"record": f"{batch.origin[data['id']]} ({data['id']})",
                                   "field": "id", "location": "record",
                                   "message": "the same id with other contents earlier"})
                continue  # the same record again
            checked.kinds[data["id"]], checked.digests[data["id"]] = label, digest
            spill = "sources" if label == "Source" else "entities"
            _spill(outs[spill], {"entity": label, "origin": batch.origin[data["id"]], **data})
            checked.counts[spill] += 1
    for rels in batch.relations.values():
        for rel in rels:
            _spill(outs["relations"], rel)
            checked.counts["relations"] += 1
    return errors, clashes


def _spill(out: Any, record: dict[str, Any]) -> None:
    out.write(json.dumps(record, ensure_ascii=False) + "\n")


def spilled(checked: Checked, name: str) -> Iterator[dict[str, Any]]:
    """The validated records of one spill file, in order."""
    with (checked.spill / f"{name}.ndjson").open(encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def batch_of(records: list[dict[str, Any]]) -> Batch:
    """A Batch (as ingest writes it) of validated spilled records."""
    batch = Batch()
    for record in records:
        if "entity" in record:
            data = {k: v for k, v in record.items() if k not in ("entity", "origin")}
            batch.entities[record["entity"]].append(data)
            batch.kinds[data["id"]] = record["entity"]
            batch.origin[data["id"]] = record["origin"]
        else:
            batch.relations[record["type"]].append(record)
    return batch


def _resolve(db: Database, checked: Checked) -> list[dict[str, str]]:
    """Problems with references: ends and citations missing or of the wrong kind."""
    outside = set()
    for name in SPILLS:
        for records in chunks(spilled(checked, name), BATCH_SIZE):
            outside |= {i for i in referenced_ids(batch_of(records)) if i not in checked.kinds}
    stored = _stored_kinds(db, sorted(outside))
    known = {**stored, **checked.kinds}
    problems = [{"record": f"({i})", "field": "id", "location": "record",
                 "message": f"id already used by a {kind}"}
                for i, kind in _stored_kinds(db, list(checked.kinds)).items()
                if kind != checked.kinds[i]]
    for name in SPILLS:
        for records in chunks(spilled(checked, name), BATCH_SIZE):
            problems += check_references(batch_of(records), known)
    return problems


def _stored_kinds(db: Database, ids: list[str]) -> dict[str, str]:
    stored: dict[str, str] = {}
    for part in chunks(ids, BATCH_SIZE):
        stored |= db.read_tx(partial(entity_queries.kinds_of, ids=part))
    return stored


def write(db: Database, checked: Checked, *, dry_run: bool = False, who: Caller = SYSTEM,
          tick: Tick = lambda n: None) -> Report:
    """Write the checked records in batches, each batch one transaction (see the module)."""
    report, done = Report(dry_run=dry_run), 0
    # one stream in loading order, so an import of up to BATCH_SIZE records is one transaction
    in_order = (record for name in SPILLS for record in spilled(checked, name))
    for records in chunks(in_order, BATCH_SIZE):
        try:
            # a dry run writes nothing, so what earlier batches hold must be known
            part = db.write_tx(partial(write_batch, batch=batch_of(records),
                                       dry_run=dry_run, who=who,
                                       pending=checked.kinds if dry_run else None))
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as exc:
            raise ImportInterrupted(
                f"the database failed after {done} of {checked.total} records were "
                f"written ({getattr(exc, 'code', None) or type(exc).__name__}); nothing "
                "was duplicated: run the same import again to complete it") from exc
        report.counts.update(part.counts)
        done += len(records)
        tick(len(records))
    return report


def import_paths(db: Database, paths: list[Path], *, dry_run: bool = False,
                 who: Caller = SYSTEM, on_check: Tick = lambda n: None,
                 on_write: Tick = lambda n: None, label: str | None = None) -> Report:
    """Check, then write, the records of the files (see the module for the contract)."""
    with tempfile.TemporaryDirectory(prefix="kb-import-") as spill:
        checked = check(db, paths, Path(spill), on_check, label)
        return write(db, checked, dry_run=dry_run, who=who, tick=on_write)
