"""The knowledge base as the API sees it: checked reads and writes of entities and relations.

Views call this module; it checks what a schema cannot (ids that must exist, allowed end
kinds, duplicates, versions), runs each write in one managed transaction, and raises the
KBError subclasses that become problem+json responses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import marshmallow as ma
import neo4j

from kb import audit
from kb.auth import SYSTEM, Caller
from kb.dates import now
from kb.db import Database
from kb.errors import (
    Conflict,
    NotFound,
    PreconditionFailed,
    UnresolvedReference,
    field_error,
    field_errors,
)
from kb.model import get_model
from kb.queries import audit as audit_queries
from kb.queries import entities as entity_queries
from kb.queries import lists as list_queries
from kb.queries import writes as write_queries
from kb.records import entity_out, entity_props, export_record, relation_out, relation_props
from kb.schemas import entity_schema

HIDDEN_IN_SUMMARY = ("content_hash", "created_at", "updated_at")


def summarise(label: str, record: dict[str, Any]) -> dict[str, Any]:
    """An entity with its relations summarised (the GET /<kind>/<id> body)."""
    out = entity_out(label, record["props"])
    out["relations"] = [_summary(r) for r in record["rels"]]
    return out


def _summary(rel: dict[str, Any]) -> dict[str, Any]:
    # copied whole then trimmed: half the time of filtering each key (a State has ~500)
    summary = {"type": rel["type"], "direction": "out" if rel["outgoing"] else "in",
               "other": rel["other"], **rel["props"]}
    for key in HIDDEN_IN_SUMMARY:
        summary.pop(key, None)
    return summary


def cited_sources(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, id) of each Source a record cites: in `sources` and in each status_history entry."""
    cited = [("sources", s) for s in data.get("sources") or []]
    for i, entry in enumerate(data.get("status_history") or []):
        cited += [(f"status_history.{i}.sources", s) for s in entry["sources"]]
    return cited


def source_problems(cited: Iterable[tuple[str, str]], kinds: Mapping[str, str]
                    ) -> list[tuple[str, str]]:
    """(field, message) for each cited id that is no Source in `kinds` (id -> kind)."""
    return [(f, f"{s!r} is not a Source id") for f, s in cited if kinds.get(s) != "Source"]


def end_problems(rtype: str, ends: Mapping[str, Any], kinds: Mapping[str, str]
                 ) -> list[tuple[str, str]]:
    """(field, message) for each end (`from`, `to`) of a relation that names no entity in
    `kinds` (id -> kind), or one of a kind the relation type does not allow there."""
    spec = get_model().relations[rtype]
    problems = []
    for end, allowed in (("from", spec.from_kinds), ("to", spec.to_kinds)):
        kind = kinds.get(ends[end])
        if kind is None:
            problems.append((end, f"no entity with id {ends[end]!r}"))
        elif kind not in allowed:
            problems.append((end, f"{rtype} {end} must be one of {', '.join(allowed)}, "
                                  f"not {kind}"))
    return problems


def source_errors(tx: neo4j.ManagedTransaction, data: dict[str, Any]) -> list[dict[str, str]]:
    """Errors for ids in `sources` (and in status_history) that are not existing Sources.

    The cited Sources stay locked until the transaction ends, so none can be deleted
    between this check and the write that cites it.
    """
    cited = sorted(set(cited_sources(data)))
    if not cited:
        return []
    kinds = write_queries.lock_kinds_of(tx, sorted({s for _, s in cited}))
    return [field_error(f, message) for f, message in source_problems(cited, kinds)]


def check_acyclic(tx: neo4j.ManagedTransaction, rtype: str, ids: list[str]) -> None:
    """After writing relations of an acyclic type (PART_OF, LOCATED_IN, ...), refuse the
    transaction if any of them closed a loop (the writer's transaction is rolled back)."""
    if not get_model().relations[rtype].acyclic:
        return
    looped = write_queries.cycles_through(tx, rtype, ids)
    if looped:
        raise Conflict(f"{rtype} must not loop: {', '.join(looped)} would reach itself",
                       errors=[field_error("to", f"{rtype} from {looped[0]!r} would lead "
                                                 "back to it")])


def check_sources(tx: neo4j.ManagedTransaction, data: dict[str, Any]) -> None:
    """Raise UnresolvedReference unless every cited source exists."""
    errors = source_errors(tx, data)
    if errors:
        raise UnresolvedReference("sources must name existing Sources", errors=errors)


class Store:
    """Checked access to the knowledge base over one Database, on behalf of a caller."""

    def __init__(self, db: Database, who: Caller = SYSTEM) -> None:
        self.db = db
        self.who = who

    def get(self, label: str, entity_id: str) -> dict[str, Any]:
        """An entity with its relations; NotFound if absent."""
        record = self.db.read_tx(lambda tx: entity_queries.get_entity(tx, label, entity_id))
        if record is None:
            raise NotFound(f"no {label} with id {entity_id!r}")
        return summarise(label, record)

    def find(self, query: list_queries.ListQuery) -> tuple[list[dict[str, Any]], int]:
        """A page of entities and the total count."""
        rows, total = self.db.read_tx(lambda tx: list_queries.list_entities(tx, query))
        return [entity_out(query.kind.label, p) for p in rows], total

    def create(self, label: str, data: dict[str, Any]) -> dict[str, Any]:
        """Create an entity; Conflict if the id is taken by any kind."""
        props = entity_props(data)

        def work(tx: neo4j.ManagedTransaction) -> None:
            existing = entity_queries.kinds_of(tx, [data["id"]])
            if existing:
                kind = existing[data["id"]]
                raise Conflict(f"id {data['id']!r} is already used by a {kind}",
                               errors=[field_error("id", "already exists")])
            check_sources(tx, data)
            stamp = now()
            write_queries.upsert_entities(tx, label, [{"id": data["id"], "props": props}], stamp)
            audit.record(tx, self.who, stamp, [
                audit.change("create", label, data["id"], None, props)])

        self.db.write_tx(work)
        return self.get(label, data["id"])

    def replace(self, label: str, entity_id: str, data: dict[str, Any],
                expected: int | None = None) -> dict[str, Any]:
        """Replace an existing entity's fields; NotFound if absent, 412 if stale."""
        self.db.write_tx(lambda tx: self._write(tx, label, entity_id, expected, lambda _: data))
        return self.get(label, entity_id)

    def patch(self, label: str, entity_id: str, changes: dict[str, Any],
              expected: int | None = None) -> dict[str, Any]:
        """Apply changes (null removes a field) and re-validate the whole entity.

        The merge happens under the entity's write lock, so concurrent patches without
        If-Match each apply in turn instead of failing.
        """
        def merged(before: dict[str, Any]) -> dict[str, Any]:
            current = export_record(label, before)
            current.pop("entity", None)
            combined = {k: v for k, v in {**current, **changes}.items() if v is not None}
            try:
                loaded: dict[str, Any] = entity_schema(label)().load(combined)
            except ma.ValidationError as exc:
                # the change was valid on its own (checked by the view): it is the stored
                # fields it meets that it does not fit, e.g. an end before the stored start
                raise Conflict(f"the change does not fit the stored {label}: see `errors`",
                               errors=list(field_errors(exc.messages, "json"))) from exc
            return loaded

        self.db.write_tx(lambda tx: self._write(tx, label, entity_id, expected, merged))
        return self.get(label, entity_id)

    def _write(self, tx: neo4j.ManagedTransaction, label: str, entity_id: str,
               expected: int | None, new_data: Callable[[dict[str, Any]], dict[str, Any]]
               ) -> None:
        before = self._locked(tx, label, entity_id, expected)
        data = new_data(before)
        props = entity_props({**data, "id": entity_id})
        check_sources(tx, data)
        stamp = now()
        row = {"id": entity_id, "props": props}
        if write_queries.upsert_entities(tx, label, [row], stamp)[entity_id] == "updated":
            audit.record(tx, self.who, stamp, [
                audit.change("update", label, entity_id, before, props)])

    def _locked(self, tx: neo4j.ManagedTransaction, label: str, entity_id: str,
                expected: int | None) -> dict[str, Any]:
        before = audit_queries.lock_and_read(tx, label, entity_id)
        if before is None:
            raise NotFound(f"no {label} with id {entity_id!r}")
        if expected is not None and before.get("version") != expected:
            raise PreconditionFailed(
                f"{label} {entity_id!r} is at version {before.get('version')}, not {expected}",
                current_version=before.get("version"))
        return before

    def delete(self, label: str, entity_id: str, expected: int | None = None) -> None:
        """Delete an entity and its relations; a Source still cited cannot go."""
        def work(tx: neo4j.ManagedTransaction) -> None:
            before = self._locked(tx, label, entity_id, expected)
            if label == "Source":
                cited = entity_queries.citations_of(tx, entity_id)
                if cited:
                    raise Conflict(f"Source {entity_id!r} is cited by {cited} facts; "
                                   "remove those citations first")
            gone = write_queries.delete_entity(tx, label, entity_id)
            # the relations deleted with it are changes too: each gets its own entry
            audit.record(tx, self.who, now(), [
                audit.change("delete", label, entity_id, before, None),
                *(audit.change("delete", r["type"], r["props"]["id"],
                               {**r["props"], "from": r["from"], "to": r["to"]}, None)
                  for r in gone)])

        self.db.write_tx(work)

    def create_relation(self, data: dict[str, Any]) -> dict[str, Any]:
        """Create a relation between existing entities of allowed kinds."""
        rtype = data["type"]
        props = relation_props(rtype, data)

        def work(tx: neo4j.ManagedTransaction) -> tuple[str, dict[str, Any] | None]:
            # both ends stay locked until the write, so neither can be deleted in between
            kinds = write_queries.lock_kinds_of(tx, [data["from"], data["to"]])
            errors = [field_error(f, message) for f, message in end_problems(rtype, data, kinds)]
            errors += source_errors(tx, data)
            if errors:
                raise UnresolvedReference(f"this {rtype} relation does not fit the knowledge "
                                          "base: see `errors`", errors=errors)
            stamp = now()
            row = {"from": data["from"], "to": data["to"], "props": props}
            outcome = write_queries.upsert_relations(tx, rtype, [row], stamp)[props["id"]]
            check_acyclic(tx, rtype, [data["from"]])
            if outcome == "created":
                ends = {"from": data["from"], "to": data["to"]}
                audit.record(tx, self.who, stamp, [
                    audit.change("create", rtype, props["id"], None, {**props, **ends})])
            # read back in the same transaction: the answer is what this write made, even
            # if another request deletes it the moment this one commits
            return outcome, entity_queries.get_relation(tx, rtype, props["id"])

        outcome, record = self.db.write_tx(work)
        if outcome != "created" or record is None:
            raise Conflict(f"this {rtype} relation already exists: {props['id']}",
                           existing_id=props["id"])
        return relation_out(rtype, record["source"], record["target"], record["props"],
                            (record["source_kind"], record["target_kind"]))

    def get_relation(self, relation_id: str) -> dict[str, Any]:
        """A relation by id; NotFound if absent."""
        rtype = relation_type_of(relation_id)
        record = self.db.read_tx(lambda tx: entity_queries.get_relation(tx, rtype, relation_id))
        if record is None:
            raise NotFound(f"no relation with id {relation_id!r}")
        return relation_out(rtype, record["source"], record["target"], record["props"],
                            (record["source_kind"], record["target_kind"]))

    def list_relations(self, query: list_queries.RelationQuery
                       ) -> tuple[list[dict[str, Any]], int]:
        """A page of relations and the total count."""
        rows, total = self.db.read_tx(lambda tx: list_queries.list_relations(tx, query))
        return [relation_out(r["type"], r["source"], r["target"], r["props"],
                             (r["source_kind"], r["target_kind"])) for r in rows], total

    def delete_relation(self, relation_id: str) -> None:
        """Delete a relation by id; NotFound if absent."""
        rtype = relation_type_of(relation_id)

        def work(tx: neo4j.ManagedTransaction) -> None:
            before = entity_queries.get_relation(tx, rtype, relation_id)
            if before is None or not write_queries.delete_relation(tx, rtype, relation_id):
                raise NotFound(f"no relation with id {relation_id!r}")
            ends = {"from": before["source"], "to": before["target"]}
            audit.record(tx, self.who, now(), [
                audit.change("delete", rtype, relation_id, {**before["props"], **ends}, None)])

        self.db.write_tx(work)


def relation_type_of(relation_id: str) -> str:
    """The relation type encoded in a relation id ('party_to-1a2b...' -> PARTY_TO)."""
    rtype = relation_id.rpartition("-")[0].upper()
    if rtype not in get_model().relations:
        raise NotFound(f"no relation with id {relation_id!r}")
    return rtype
