"""Neo4j constraints and indexes derived from the model, applied idempotently."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kb.db import Database
from kb.model import ENTITY_LABEL, FilterSpec, Model
from kb.queries import trusted
from kb.queries.asof import RELATION_DATES

# standard-folding: case- and accent-insensitive (Netanyáhu finds Netanyahu)
FULLTEXT_INDEX = "entity_names_folded"
# Indexes earlier versions created and this one replaces.
OBSOLETE = {"entity_names"}


@dataclass(frozen=True)
class SchemaItem:
    """One named constraint or index and the statement that creates it."""

    name: str
    kind: str  # "constraint" or "index"
    statement: str


def schema_items(model: Model) -> list[SchemaItem]:
    """Every constraint and index the model asks for, in a stable order."""
    items = [
        SchemaItem(
            "entity_id_unique",
            "constraint",
            f"CREATE CONSTRAINT entity_id_unique IF NOT EXISTS "
            f"FOR (n:{ENTITY_LABEL}) REQUIRE n.id IS UNIQUE",
        )
    ]
    for label, kind in model.entities.items():
        name = f"{label.lower()}_id_unique"
        items.append(SchemaItem(
            name, "constraint",
            f"CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE",
        ))
        for prop in _indexed_properties(kind.filters.values(), kind.sort):
            iname = f"{label.lower()}_{prop}"
            items.append(SchemaItem(
                iname, "index",
                f"CREATE INDEX {iname} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})",
            ))
    for rtype, relation in model.relations.items():
        name = f"rel_{rtype.lower()}_id_unique"
        items.append(SchemaItem(
            name, "constraint",
            f"CREATE CONSTRAINT {name} IF NOT EXISTS FOR ()-[r:{rtype}]-() REQUIRE r.id IS UNIQUE",
        ))
        # the dates /relations?as_of counts the relations not valid on with (kb.queries.lists)
        for prop in RELATION_DATES:
            if prop in relation.fields:
                iname = f"rel_{rtype.lower()}_{prop}"
                items.append(SchemaItem(
                    iname, "index",
                    f"CREATE INDEX {iname} IF NOT EXISTS FOR ()-[r:{rtype}]-() ON (r.{prop})",
                ))
    items += [
        SchemaItem("apikey_id_unique", "constraint",
                   "CREATE CONSTRAINT apikey_id_unique IF NOT EXISTS "
                   "FOR (k:ApiKey) REQUIRE k.id IS UNIQUE"),
        SchemaItem("change_seq_unique", "constraint",
                   "CREATE CONSTRAINT change_seq_unique IF NOT EXISTS "
                   "FOR (c:Change) REQUIRE c.seq IS UNIQUE"),
        SchemaItem("change_target", "index",
                   "CREATE INDEX change_target IF NOT EXISTS FOR (c:Change) ON (c.target)"),
        SchemaItem("change_actor", "index",
                   "CREATE INDEX change_actor IF NOT EXISTS FOR (c:Change) ON (c.actor_id)"),
        SchemaItem("counter_name_unique", "constraint",
                   "CREATE CONSTRAINT counter_name_unique IF NOT EXISTS "
                   "FOR (c:Counter) REQUIRE c.name IS UNIQUE"),
    ]
    items.append(SchemaItem(
        FULLTEXT_INDEX, "index",
        f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} IF NOT EXISTS "
        f"FOR (n:{ENTITY_LABEL}) ON EACH [n.name, n.aliases] "
        "OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-folding'}}",
    ))
    items.append(SchemaItem(
        "entity_search_key", "index",
        f"CREATE TEXT INDEX entity_search_key IF NOT EXISTS "
        f"FOR (n:{ENTITY_LABEL}) ON (n.search_key)",
    ))
    return items


def _indexed_properties(filters: Iterable[FilterSpec], sort: tuple[str, ...]) -> list[str]:
    props = {f.property or f.date_from or f.date_to or "" for f in filters}
    # the dates an as_of list is counted with (kb.queries.lists.valid_count)
    props.update(d for f in filters if f.as_of for d in (f.start_field, f.end_field) if d)
    # the end a from_date list seeks (kb.queries.lists._date_from)
    props.update(f.end_field for f in filters if f.date_from and f.end_field)
    props.update(s for s in sort if s != "id")
    return sorted(p for p in props if p)


def apply_schema(db: Database, model: Model) -> list[str]:
    """Create what is missing (each statement is IF NOT EXISTS); returns the names created."""
    before = existing_names(db)
    with db.driver.session(database=db.name) as session:
        for name in sorted(OBSOLETE & before):
            # an older definition with the same schema would make IF NOT EXISTS a no-op
            session.run(trusted(f"DROP INDEX {name} IF EXISTS")).consume()
        for item in schema_items(model):
            if item.name not in before:
                # schema commands cannot share a transaction with each other
                session.run(trusted(item.statement)).consume()
        session.run("CALL db.awaitIndexes(300)").consume()
    return [i.name for i in schema_items(model) if i.name not in before]


def existing_names(db: Database) -> set[str]:
    """Names of the constraints and indexes present in the database."""
    constraints = db.read("SHOW CONSTRAINTS YIELD name RETURN name")
    indexes = db.read("SHOW INDEXES YIELD name RETURN name")
    return {row["name"] for row in constraints + indexes}


def missing_items(db: Database, model: Model) -> list[str]:
    """Names of the model's constraints and indexes not (yet) in the database."""
    present = existing_names(db)
    return [i.name for i in schema_items(model) if i.name not in present]
