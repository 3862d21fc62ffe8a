"""Imports of any size from files, streaming: memory is bounded by a chunk of records and
the page cache of the index of ids (kb.import_index), whatever the file.

The contract (docs/import.md, in short):
1. Check: every record is read and validated, and every reference resolved (against the
   file and the database), before anything is written. Any problem: all of them are listed
   with their file and line, and nothing is written.
2. Write: Sources, then other entities, then relations, in batches of BATCH_SIZE records, each
   batch its own transaction. Writes MERGE on ids and compare content hashes, so a batch
   written twice changes nothing: if the database fails part-way, the batches before the
   failure stay, none is duplicated, and running the same import again completes it.
Validated records wait in spill files (NDJSON, in loading order) between the two steps,
prepared for writing (their properties and audit text worked out), so the write step only
sends them. Checking may spread over worker processes (`workers`); the write step reads the
next batch while the database writes the current one.
"""

from __future__ import annotations

import json
import multiprocessing
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

import neo4j

from kb.auth import SYSTEM, Caller
from kb.db import Database
from kb.errors import Conflict, ImportInterrupted, ValidationFailed
from kb.import_index import IdIndex
from kb.ingest import (
    PROPS,
    Batch,
    Report,
    check_references,
    prepare,
    referenced_ids,
    validate_records,
    write_batch,
)
from kb.queries import entities as entity_queries
from kb.reading import from_json, read_file

# Records per write transaction. Chosen by measurement (tools/bench/import_only.py --scale 10
# --batch-size 5000 10000 2500, 2026-11-26, a shared 2-core box): 2,500 was clearly slower
# (127 s and 137 s against 85 s and 75 s for 5,000); 10,000 was 64 s then 101 s, no steady
# gain for twice the transaction memory (an 85k-record transaction ran out of it). Kept 5,000.
BATCH_SIZE = 5_000
MAX_LISTED = 1_000  # errors listed at most; the count says how many there were
SPILLS = ("sources", "entities", "relations")
REFERENCES = "references"  # spill of what each record refers to (for the check's 2nd pass)
# the fields of a record that refer to other entities (kb.ingest.check_references)
REFERRING = ("entity", "origin", "id", "type", "from", "to", "_origin", "sources",
             "status_history")
Tick = Callable[[int], None]


def records_of(path: Path, label: str | None = None) -> Iterator[tuple[str, Any]]:
    """(origin, record) pairs of one file; an NDJSON record comes as its line of text (see
    `parsed`), read a line at a time. The origin is `<file name>:<line>`, or `<label> <line>`
    when a label is given (an uploaded body)."""
    if path.suffix != ".ndjson":
        yield from read_file(path)
        return
    with path.open(encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                yield (f"{label} {n}" if label else f"{path.name}:{n}"), line


def parsed(item: Any) -> Any:
    """The record of an NDJSON line (an Unreadable if it is none); other records as they are."""
    return from_json(item) if isinstance(item, str) else item


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Consecutive lists of at most `size` items."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


@dataclass
class Checked:
    """What the check step leaves for the write step."""

    spill: Path
    index: IdIndex  # the entities of the import and what its records refer to
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SPILLS, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def check(db: Database, paths: list[Path], spill: Path, tick: Tick = lambda n: None,
          label: str | None = None, workers: int = 1) -> Checked:
    """Validate every record and resolve every reference; write nothing to the database.

    `workers` > 1 validates chunks in that many processes (results are taken in file order,
    so what is reported and spilled does not depend on it).
    Raises ValidationFailed (invalid records) or Conflict (clashes, missing references),
    listing every problem with its origin.
    """
    checked, errors, clashes = Checked(spill, IdIndex(spill / "ids.sqlite")), [], []
    outs = {name: (spill / f"{name}.ndjson").open("w", encoding="utf-8")
            for name in (*SPILLS, REFERENCES)}
    items = (item for path in paths for item in records_of(path, label))
    try:
        with _pool(workers) as pool:
            for result in _in_order(pool, check_chunk, chunks(items, BATCH_SIZE), workers):
                invalid, clashing, size = _take(result, checked, outs)
                errors += invalid
                clashes += clashing
                tick(size)
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


def _pool(workers: int) -> Executor:
    # fork: the workers start with the model and schemas loaded, and touch no connection
    if workers > 1:
        return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    return ThreadPoolExecutor(1)


def _in_order(pool: Executor, work: Callable[[Any], Any], items: Iterable[Any],
              workers: int) -> Iterator[Any]:
    """work(item) for each item, run in the pool with a few items ahead (memory stays
    bounded), results in the items' order."""
    ahead: deque[Future[Any]] = deque()
    for item in items:
        ahead.append(pool.submit(work, item))
        if len(ahead) > workers:
            yield ahead.popleft().result()
    while ahead:
        yield ahead.popleft().result()


def prefetched(items: Iterator[Any]) -> Iterator[Any]:
    """The items, the next one taken (read, decoded) in a thread while the caller works on
    the current one: the thread runs while the caller waits on the database."""
    end = object()
    with ThreadPoolExecutor(1, thread_name_prefix="kb-import-read") as reader:
        ahead = reader.submit(next, items, end)
        while (item := ahead.result()) is not end:
            ahead = reader.submit(next, items, end)
            yield item


@dataclass
class ChunkResult:
    """One chunk, validated and prepared (kb.ingest.prepare) in a worker."""

    size: int
    errors: list[dict[str, str]]
    duplicates: list[dict[str, str]]
    # (kind, id, content hash, spill line, references line) of each entity, in order
    entities: list[tuple[str, str, str, str, str]]
    relations: list[tuple[str, str]]  # (spill line, references line)
    referenced: list[str]  # ids the chunk refers to, other than its own


def check_chunk(chunk: list[tuple[str, Any]]) -> ChunkResult:
    """Validate and prepare one chunk of (origin, record or NDJSON line) (runs in a worker)."""
    batch, errors = validate_records([(origin, parsed(item)) for origin, item in chunk])
    entities = []
    for kind, items in batch.entities.items():
        for data in items:
            record = {"entity": kind, "origin": batch.origin[data["id"]], **data}
            row = {"entity": kind, "origin": batch.origin[data["id"]], **prepare(kind, data)}
            entities.append((kind, data["id"], row[PROPS]["content_hash"], _line(row),
                             _references(record)))
    relations = [(_line(prepare(rtype, rel)), _references(rel))
                 for rtype, rels in batch.relations.items() for rel in rels]
    return ChunkResult(len(chunk), errors, batch.duplicates, entities, relations,
                       referenced_ids(batch))


def _references(record: dict[str, Any]) -> str:
    return _line({k: v for k, v in record.items() if k in REFERRING})


def _take(result: ChunkResult, checked: Checked, outs: dict[str, Any]
          ) -> tuple[list[dict[str, str]], list[dict[str, str]], int]:
    """Spill a checked chunk; (invalid records, records clashing with another one, size)."""
    clashes = list(result.duplicates)
    checked.index.refer(result.referenced)
    earlier = checked.index.seen([entity[1] for entity in result.entities])
    new = []
    for kind, rid, digest, line, references in result.entities:
        if rid in earlier:
            if earlier[rid] != (kind, digest):
                clashes.append({"record": f"{json.loads(line)['origin']} ({rid})",
                                "field": "id", "location": "record",
                                "message": "the same id with other contents earlier"})
            continue  # the same record again
        earlier[rid] = (kind, digest)
        new.append((rid, kind, digest))
        spill = "sources" if kind == "Source" else "entities"
        outs[spill].write(line)
        outs[REFERENCES].write(references)
        checked.counts[spill] += 1
    checked.index.add(new)
    for line, references in result.relations:
        outs["relations"].write(line)
        outs[REFERENCES].write(references)
    checked.counts["relations"] += len(result.relations)
    return result.errors, clashes, result.size


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


def _count(errors: list[Any], what: str) -> str:
    listed = "" if len(errors) <= MAX_LISTED else f" (the first {MAX_LISTED} are listed)"
    return f"{len(errors)} {what}{listed}; nothing was written"


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
    index = checked.index
    for part in chunks(index.outside(), BATCH_SIZE):
        index.note_stored(_stored_kinds(db, part))
    problems = []
    for entities in chunks(index.entities(), BATCH_SIZE):
        stored = _stored_kinds(db, [i for i, _ in entities])
        problems += [{"record": f"({i})", "field": "id", "location": "record",
                      "message": f"id already used by a {stored[i]}"}
                     for i, kind in entities if stored.get(i, kind) != kind]
    for records in chunks(spilled(checked, REFERENCES), BATCH_SIZE):
        batch = batch_of(records)
        problems += check_references(batch, index.kinds_of(referenced_ids(batch)))
    return problems


def _stored_kinds(db: Database, ids: list[str]) -> dict[str, str]:
    kinds: dict[str, str] = db.read_tx(partial(entity_queries.kinds_of, ids=ids))
    return kinds


def write(db: Database, checked: Checked, *, dry_run: bool = False, who: Caller = SYSTEM,
          tick: Tick = lambda n: None) -> Report:
    """Write the checked records in batches, each batch one transaction (see the module)."""
    report, done = Report(dry_run=dry_run), 0
    # one stream in loading order, so an import of up to BATCH_SIZE records is one transaction
    in_order = (record for name in SPILLS for record in spilled(checked, name))
    batches = ((len(records), batch_of(records)) for records in chunks(in_order, BATCH_SIZE))
    tick(0)  # the write step begins: its progress can be shown from here
    # the next batch is read and decoded while the database writes this one
    for size, batch in prefetched(batches):
        try:
            # a dry run writes nothing, so what earlier batches hold must be known
            part = db.write_tx(partial(write_batch, batch=batch, dry_run=dry_run, who=who,
                                       pending=checked.index.entity_kinds if dry_run else None))
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as exc:
            raise ImportInterrupted(
                f"the database failed after {done} of {checked.total} records were "
                f"written ({getattr(exc, 'code', None) or type(exc).__name__}); nothing "
                "was duplicated: run the same import again to complete it") from exc
        report.counts.update(part.counts)
        done += size
        tick(size)
    return report


def import_paths(db: Database, paths: list[Path], *, dry_run: bool = False,
                 who: Caller = SYSTEM, on_check: Tick = lambda n: None,
                 on_write: Tick = lambda n: None, label: str | None = None,
                 workers: int = 1) -> Report:
    """Check, then write, the records of the files (see the module for the contract)."""
    with tempfile.TemporaryDirectory(prefix="kb-import-") as spill:
        checked = check(db, paths, Path(spill), on_check, label, workers)
        try:
            return write(db, checked, dry_run=dry_run, who=who, tick=on_write)
        finally:
            checked.index.close()
