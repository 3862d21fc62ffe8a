"""Turning what an analyst typed (an id, a name, an alias) into one entity."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from kb.db import Database
from kb.errors import BadRequest, NotFound, ValidationFailed
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
    """The one entity `text` names; 400 (listing candidates) if several, 404 if none."""
    key = normalize(text)
    rows = db.read_tx(lambda tx: q.lookup(tx, text, key, kinds))
    exact = [r for r in rows if r["exact"] == 0]
    if exact or len(rows) == 1:
        row = (exact or rows)[0]
        return Resolved(row["id"], row["name"], row["entity"])
    where = f" among {', '.join(kinds)}" if kinds else ""
    if rows:
        candidates = [{k: r[k] for k in ("id", "name", "entity")} for r in rows]
        raise BadRequest(
            f"{text!r} is ambiguous{where}: name one of the candidates by its id",
            errors=[{"field": field, "location": "query", "message": "ambiguous name"}],
            candidates=candidates)
    suggestions = suggest(db, text, kinds)
    raise NotFound(f"nothing named {text!r}{where}",
                   errors=[{"field": field, "location": "query", "message": "unknown name"}],
                   suggestions=suggestions)


def resolve_domain(text: str, field: str = "domain") -> str:
    """A Domain id from its id or an alias ("air" -> aerial, "EW" -> electro-magnetic)."""
    wanted = normalize(text)
    for value, meta in get_model().vocabularies["domain"].items():
        names = [value, meta.get("name", value), *meta.get("aliases", [])]
        if wanted in {normalize(n) for n in names}:
            return value
    raise ValidationFailed(f"{text!r} is not a domain", errors=[{
        "field": field, "location": "query",
        "message": f"one of {', '.join(get_model().vocabulary('domain'))} (or an alias)"}])


def lucene_query(text: str) -> str:
    """A Lucene query for typed text: each word exact, as a prefix, or within 2 edits.

    Normalising first leaves only letters, digits and spaces, so no Lucene syntax from the
    input survives into the query.
    """
    words = [w for w in normalize(text).split() if w][:10]
    if not words:
        raise BadRequest("the search text has no letters or digits",
                         errors=[{"field": "q", "location": "query",
                                  "message": "nothing to search for"}])
    parts = [f"({w}^4 OR {w}*^2 OR {w}~)" if len(w) > 2 else f"({w}^4 OR {w}*^2)" for w in words]
    return " AND ".join(parts)


def search(db: Database, text: str, kinds: list[str] | None, limit: int) -> list[dict[str, Any]]:
    """Ranked hits, each saying which of its names matched best."""
    lucene = lucene_query(text)
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
    try:
        hits = search(db, text, kinds, 3)
    except BadRequest:
        return []
    return [{k: h[k] for k in ("id", "name", "entity")} for h in hits]
