"""Turning what an analyst typed (an id, a name, an alias) into one entity."""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass
from typing import Any

from marshmallow import fields, validate

from kb.db import Database
from kb.errors import AmbiguousName, NotFound, ValidationFailed, field_error
from kb.model import get_model
from kb.queries import lookup as lookup_queries
from kb.text import normalize

ACTOR_KINDS = ["State", "Force", "Organization"]


@dataclass(frozen=True)
class Resolved:
    """An entity found for a typed name."""

    id: str
    name: str
    entity: str


@dataclass(frozen=True)
class NameQuery:
    """A typed name to resolve: the parameter it came in, the text, the kinds allowed.

    When several entities bear the name, one of the first kind listed wins (a `theatre`
    prefers a Place to a State of the same name); where any kind is allowed, an entity
    wins over a Source named after it.
    """

    field: str
    text: str
    kinds: list[str] | None = None
    location: str = "query"


def resolve(db: Database, text: str, field: str, kinds: list[str] | None = None) -> Resolved:
    """The one entity `text` names; 409 (listing candidates) if several, 404 if none."""
    return resolve_many(db, [NameQuery(field, text, kinds)])[0]


def resolve_many(db: Database, queries: list[NameQuery]) -> list[Resolved]:
    """The entity each query names, in order; every unknown or ambiguous name at once.

    404 when any name matches nothing (its error carries `suggestions`), else 409 when any
    is ambiguous (its error carries `candidates`).
    """
    rows = db.read_tx(lambda tx: [lookup_queries.lookup(tx, nq.text, normalize(nq.text), nq.kinds)
                                  for nq in queries])
    found: list[Resolved] = []
    unknown: list[dict[str, Any]] = []
    ambiguous: list[dict[str, Any]] = []
    for nq, matches in zip(queries, rows, strict=True):
        chosen = _choose(matches, nq.kinds)
        if chosen is not None:
            found.append(chosen)
        elif matches:
            ambiguous.append(_ambiguity(nq, matches))
        else:
            unknown.append(_unknown(db, nq))
    if unknown:
        raise NotFound(_summary(unknown + ambiguous), errors=unknown + ambiguous,
                       suggestions=[s for e in unknown for s in e["suggestions"]])
    if ambiguous:
        raise AmbiguousName(_summary(ambiguous), errors=ambiguous,
                            candidates=[c for e in ambiguous for c in e["candidates"]])
    return found


def _choose(rows: list[dict[str, Any]], kinds: list[str] | None) -> Resolved | None:
    exact = [r for r in rows if r["exact"] == 0]
    pool = exact or rows
    if len(pool) > 1 and kinds and len(kinds) > 1:
        preferred = [r for r in pool if r["entity"] == kinds[0]]
        pool = preferred if len(preferred) == 1 else pool
    if len(pool) > 1 and not kinds:
        # a Source is often named after its subject (an encyclopaedia article "Yair Golan"):
        # where any kind is allowed, the subject is meant
        subjects = [r for r in pool if r["entity"] != "Source"]
        pool = subjects if len(subjects) == 1 else pool
    if len(pool) == 1 or (exact and len(exact) == 1):
        row = pool[0]
        return Resolved(row["id"], row["name"], row["entity"])
    return None


def _where(nq: NameQuery) -> str:
    return f" among {', '.join(nq.kinds)}" if nq.kinds else ""


def _unknown(db: Database, nq: NameQuery) -> dict[str, Any]:
    message = f"nothing named {nq.text!r}{_where(nq)}"
    return {**field_error(nq.field, message, nq.location), "value": nq.text,
            "suggestions": suggest(db, nq.text, nq.kinds)}


def _ambiguity(nq: NameQuery, rows: list[dict[str, Any]]) -> dict[str, Any]:
    message = f"{nq.text!r} is ambiguous{_where(nq)}: name one of the candidates by its id"
    return {**field_error(nq.field, message, nq.location), "value": nq.text,
            "candidates": [{k: r[k] for k in ("id", "name", "entity")} for r in rows]}


def _summary(errors: list[dict[str, Any]]) -> str:
    if len(errors) == 1:
        return str(errors[0]["message"])
    return f"{len(errors)} names could not be resolved: see `errors`"


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


# Lucene's English stop words: the full-text index's 'standard-folding' analyzer
# (kb/queries/schema.py) leaves them out, so a query term that is one never matches.
STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is",
    "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there",
    "these", "they", "this", "to", "was", "will", "with"})
MAX_HITS = 1000  # a search ranks and pages at most this many hits
MAX_WORDS = 10  # words of the typed text that go into the Lucene query
# Longer words are cut: no name holds one, and Lucene refuses to expand a prefix or fuzzy
# query over a very long word ("input automaton is too large"), which was a 500.
MAX_WORD_LENGTH = 40
PHRASE_BOOST = 8  # names holding the typed words in the typed order rank above the rest


def lucene_query(text: str) -> str | None:
    """A Lucene query for typed text: every word that can be indexed must match.

    A word matches exactly (boosted), as a prefix (it may still be being typed), or with
    typos: one edit for 3 to 5 letters, two for longer words. Stop words ("at", "of", "the")
    are never indexed, so they are not required; the whole text as a phrase, where they
    keep their place, ranks "Incidents at Sea" above names that merely hold both words.
    Text of stop words only asks for words starting with them ("IT" finds Italy).

    Normalising first leaves only letters, digits and spaces, so no Lucene syntax from the
    input survives into the query. None if no letter or digit is left: nothing can match.
    """
    # NFC puts back together what normalize decomposed and kept (Hangul syllables)
    words = [w[:MAX_WORD_LENGTH]
             for w in unicodedata.normalize("NFC", normalize(text)).split()[:MAX_WORDS]]
    if not words:
        return None
    content = [w for w in words if w not in STOP_WORDS]
    if not content:
        return " ".join(f"+{w}*" for w in words)
    parts = [f"+({_word_query(w)})" for w in content]
    if len(words) > 1:
        parts.append(f'"{" ".join(words)}"^{PHRASE_BOOST}')
    return " ".join(parts)


def _word_query(word: str) -> str:
    """One word, exact, as a prefix, or within the edits its length allows."""
    edits = 0 if len(word) < 3 else 1 if len(word) < 6 else 2
    fuzzy = f" OR {word}~{edits}" if edits else ""
    return f"{word}^4 OR {word}*^2{fuzzy}"


def search(db: Database, text: str, kinds: list[str] | None = None, offset: int = 0,
           limit: int = 20) -> tuple[list[dict[str, Any]], int]:
    """One page of ranked hits over names and aliases, and how many there are in all.

    Entities with a name or alias equal to the text (as kb.text.normalize compares names:
    case, accents and punctuation ignored) come first (`exact`), then the full-text hits
    by score. At most MAX_HITS are ranked. Each hit says which of its names matched best.
    """
    lucene = lucene_query(text)
    if lucene is None:
        return [], 0
    wanted = normalize(text)
    exact, found = db.read_tx(lambda tx: (lookup_queries.exact_names(tx, wanted, kinds, MAX_HITS),
                                          lookup_queries.search(tx, lucene, kinds, MAX_HITS)))
    scores = {hit["id"]: hit["score"] for hit in found}
    first = sorted(({**hit, "score": scores.get(hit["id"], 0.0), "exact": True} for hit in exact),
                   key=lambda h: (-h["score"], h["name"], h["id"]))
    exact_ids = {hit["id"] for hit in exact}
    rest = [{**hit, "exact": False} for hit in found if hit["id"] not in exact_ids]
    hits = (first + rest)[:MAX_HITS]
    page = hits[offset:offset + limit]
    for hit in page:
        names = [hit["name"], *(hit.pop("aliases") or [])]
        hit["matched"] = max(names, key=lambda n: _likeness(wanted, normalize(n)))
    return page, len(hits)


def _likeness(wanted: str, name: str) -> float:
    """How close typed text is to a name, or (counting a little less) to its best word.

    The name itself wins a tie ("Golan" over "Golan Heights"), but a word typed exactly beats
    a whole name one letter off ("Nikolay Bogdanovskiy" over "Bogdanovski").
    """
    whole = difflib.SequenceMatcher(None, wanted, name).ratio()
    word = max(difflib.SequenceMatcher(None, wanted, w).ratio() for w in name.split() or [""])
    return max(whole, 0.98 * word)


def suggest(db: Database, text: str, kinds: list[str] | None) -> list[dict[str, Any]]:
    """Up to three close names, for a 404's `suggestions`."""
    hits, _ = search(db, text, kinds, limit=3)
    return [{k: h[k] for k in ("id", "name", "entity")} for h in hits]
