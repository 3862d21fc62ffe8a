"""Turning what an analyst typed (an id, a name, an alias) into one entity."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from marshmallow import fields, validate

from kb.db import Database
from kb.errors import AmbiguousName, NotFound, ValidationFailed, field_error
from kb.model import get_model
from kb.queries import lookup as q
from kb.text import normalize

ACTOR_KINDS = ["State", "Force", "Organization"]


@dataclass(frozen=True)
class Resolved:
    """An entity found for a typed name."""

    id: str
    name: str
    entity: str


def resolve(db: Database, text: str, field: str, kinds: list[str] | None = None) -> Resolved:
    """The one entity `text` names; 409 (listing candidates) if several, 404 if none."""
    key = normalize(text)
    rows = db.read_tx(lambda tx: q.lookup(tx, text, key, kinds))
    exact = [r for r in rows if r["exact"] == 0]
    if exact or len(rows) == 1:
        row = (exact or rows)[0]
        return Resolved(row["id"], row["name"], row["entity"])
    where = f" among {', '.join(kinds)}" if kinds else ""
    if rows:
        candidates = [{k: r[k] for k in ("id", "name", "entity")} for r in rows]
        raise AmbiguousName(
            f"{text!r} is ambiguous{where}: name one of the candidates by its id",
            errors=[field_error(field, "ambiguous name", "query")],
            candidates=candidates)
    suggestions = suggest(db, text, kinds)
    raise NotFound(f"nothing named {text!r}{where}",
                   errors=[field_error(field, "unknown name", "query")],
                   suggestions=suggestions)


def _domain_naming() -> list[tuple[str, str]]:
    """(name, Domain id) for every id, name and alias of a Domain."""
    return [(name, value) for value, meta in get_model().vocabularies["domain"].items()
            for name in [value, meta.get("name", value), *meta.get("aliases", [])]]


def domain_names() -> list[str]:
    """Every way to name a Domain: ids, names and aliases (as the OpenAPI enum shows them)."""
    return list(dict.fromkeys(name for name, _ in _domain_naming()))


def domain_field(**kwargs: Any) -> fields.Field[Any]:
    """A query parameter naming a Domain; resolved later by `resolve_domain`."""
    meta = kwargs.setdefault("metadata", {})
    meta["enum"] = domain_names()
    meta["description"] = (meta.get("description", "A Domain.")
                           + " Its id, name or an alias; case is ignored.")
    return fields.String(validate=validate.Length(1, 50), **kwargs)


def resolve_domain(text: str, field: str = "domain") -> str:
    """A Domain id from its id or an alias ("air" -> aerial, "EW" -> electro-magnetic)."""
    wanted = normalize(text)
    for name, value in _domain_naming():
        if normalize(name) == wanted:
            return value
    choices = ", ".join(get_model().vocabulary("domain"))
    raise ValidationFailed(f"{text!r} is not a domain", errors=[
        field_error(field, f"one of {choices} (or an alias)", "query")])


def lucene_query(text: str) -> str | None:
    """A Lucene query for typed text: each word exact, as a prefix, or within 2 edits.

    Normalising first leaves only letters, digits and spaces, so no Lucene syntax from the
    input survives into the query. None if no letter or digit is left: nothing can match.
    """
    words = [w for w in normalize(text).split() if w][:10]
    if not words:
        return None
    parts = [f"({w}^4 OR {w}*^2 OR {w}~)" if len(w) > 2 else f"({w}^4 OR {w}*^2)" for w in words]
    return " AND ".join(parts)


def search(db: Database, text: str, kinds: list[str] | None, limit: int) -> list[dict[str, Any]]:
    """Ranked hits, each saying which of its names matched best."""
    lucene = lucene_query(text)
    if lucene is None:
        return []
    hits = db.read_tx(lambda tx: q.search(tx, lucene, kinds, limit))
    wanted = normalize(text)
    for hit in hits:
        names = [hit["name"], *(hit.pop("aliases") or [])]
        hit["matched"] = max(names, key=lambda n: _likeness(wanted, normalize(n)))
    return hits


def _likeness(wanted: str, name: str) -> float:
    """How close typed text is to a name, or to the best single word of it."""
    candidates = [name, *name.split()]
    return max(difflib.SequenceMatcher(None, wanted, c).ratio() for c in candidates)


def suggest(db: Database, text: str, kinds: list[str] | None) -> list[dict[str, Any]]:
    """Up to three close names, for a 404's `suggestions`."""
    hits = search(db, text, kinds, 3)
    return [{k: h[k] for k in ("id", "name", "entity")} for h in hits]
