"""Name normalisation: how typed names are matched (case, accents, punctuation)."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalize(text: str) -> str:
    """Lower-case, drop accents, punctuation to spaces: 'Bogdanóvski!' -> 'bogdanovski'."""
    decomposed = unicodedata.normalize("NFKD", text)
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", without_marks.casefold()).replace("_", " ").strip()


def search_key(name: str, aliases: list[str] | None) -> str:
    """One string holding every normalised name, separated by '|' (for CONTAINS filters)."""
    names = [normalize(n) for n in [name, *(aliases or [])]]
    return "|" + "|".join(dict.fromkeys(n for n in names if n)) + "|"
