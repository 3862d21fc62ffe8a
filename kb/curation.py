"""Data quality of the curated records: what `kb validate --report` counts.

Pure functions over parsed seed records (the `(origin, record)` pairs of
`kb.ingest.seed_records`); no database. Each check yields findings, one per problem, each
naming the record (file and id) it is about; `report()` gathers them, `breaches()` compares
the counts with the maxima of a thresholds file (`curation.toml`), `render()` makes the
tables the CLI prints.

Source texts: a Source's `quote` can only be checked against the text of the source, and the
knowledge base stores none today. Where one is stored, it lives beside the seed data as
`<seed dir>/sources/<source id>.txt` (UTF-8 plain text of the document); `read_source_texts`
reads that folder. A quote whose source has no stored text is counted as such
(`quote_no_text`), never as verified.
"""

from __future__ import annotations

import io
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.text import normalize

# The project's own reference table: a fact that cites only it stands on itself.
REFERENCE_LIST = "ref-deconfliction-mechanisms"
# Kinds that are not facts needing a citation (as in kb.ingest): sources, the fixed domains.
NOT_FACTS = ("Source", "Domain")
# Where a kind's start is written; a record without any of them has no start date.
START_FIELDS = {"Mechanism": ("established_on",), "Agreement": ("signed_on", "in_force_from")}
TEXTS_FOLDER = "sources"

CHECKS: dict[str, str] = {
    "circular_sources": f"entities and relations whose only source is {REFERENCE_LIST}",
    "source_no_url": "Sources without a url",
    "source_no_grade": "Sources lacking reliability or credibility (Admiralty grade)",
    "no_start_date": "Mechanisms without established_on, Agreements without signed_on "
                     "or in_force_from",
    "no_status": "Mechanisms and Agreements without a status_history",
    "status_unsourced": "status_history entries without sources",
    "status_circular": f"status_history entries whose only source is {REFERENCE_LIST}",
    "quote_not_found": "quotes not found in their source's stored text",
    "quote_no_text": f"quotes whose source has no stored text ({TEXTS_FOLDER}/<id>.txt)",
}


@dataclass(frozen=True)
class Finding:
    """One problem of one record."""

    check: str
    origin: str  # where the record is: "file.yaml#12" (12th record), or "generated"
    record: str  # its id, or "from TYPE to" for a relation
    detail: str = ""


@dataclass
class Report:
    """The findings of every check, and figures about the stored source texts."""

    findings: list[Finding] = field(default_factory=list)
    texts: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """{check: number of findings}, every check present (0 when clean), in CHECKS order."""
        found = Counter(f.check for f in self.findings)
        return {name: found[name] for name in CHECKS}

    def worst(self, n: int = 10) -> list[tuple[str, str, int, dict[str, int]]]:
        """The n records with the most findings: (origin, record, total, {check: count}).

        Most findings first; ties in file order (file name, then position in the file).
        """
        per: dict[tuple[str, str], Counter[str]] = {}
        for f in self.findings:
            per.setdefault((f.origin, f.record), Counter())[f.check] += 1
        ranked = sorted(per.items(), key=lambda item: (-sum(item[1].values()),
                                                       *_origin_key(item[0][0]), item[0][1]))
        return [(origin, record, sum(c.values()), {k: c[k] for k in CHECKS if c[k]})
                for (origin, record), c in ranked[:n]]


def _origin_key(origin: str) -> tuple[str, int]:
    name, _, number = origin.partition("#")
    return name, int(number) if number.isdigit() else 0


def _ids(value: Any) -> list[str]:
    """The ids of a `sources` value, tolerating a malformed one (validation reports those)."""
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _only_reference(sources: Any) -> bool:
    return set(_ids(sources)) == {REFERENCE_LIST}


def _label(record: Mapping[str, Any]) -> str:
    if "entity" in record:
        return str(record.get("id", "?"))
    return f"{record.get('from', '?')} {record.get('type', '?')} {record.get('to', '?')}"


def check_record(origin: str, record: Any, texts: Mapping[str, str]) -> list[Finding]:
    """Every finding about one record (none for a non-mapping: validation reports those);
    `texts` maps Source ids to their stored text."""
    if not isinstance(record, Mapping):
        return []
    label, kind = _label(record), record.get("entity")
    out: list[Finding] = []

    def add(check: str, detail: str = "") -> None:
        out.append(Finding(check, origin, label, detail))

    if kind not in NOT_FACTS and _only_reference(record.get("sources")):
        add("circular_sources", "sources")
    if kind == "Source":
        if not record.get("url"):
            add("source_no_url")
        missing = [f for f in ("reliability", "credibility") if not record.get(f)]
        if missing:
            add("source_no_grade", "no " + " and no ".join(missing))
        if record.get("quote"):
            text = texts.get(label)
            if text is None:
                add("quote_no_text")
            elif not quote_in_text(str(record["quote"]), text):
                add("quote_not_found", f"{TEXTS_FOLDER}/{label}.txt")
    if isinstance(kind, str) and kind in START_FIELDS:
        if not any(record.get(f) for f in START_FIELDS[kind]):
            add("no_start_date", " / ".join(START_FIELDS[kind]))
        history = record.get("status_history")
        if not history:
            add("no_status", "status_history")
        for i, entry in enumerate(history if isinstance(history, list) else []):
            sources = entry.get("sources") if isinstance(entry, Mapping) else None
            where = f"status_history.{i}"
            if not _ids(sources):
                add("status_unsourced", where)
            elif _only_reference(sources):
                add("status_circular", where)
    return out


_ELLIPSIS = re.compile(r"\[?(?:\.\.\.|…)\]?")


def quote_in_text(quote: str, text: str) -> bool:
    """Whether the quote occurs in the text, ignoring case, accents, punctuation and line
    breaks; an ellipsis (`...`, `…`, `[...]`) stands for omitted words (parts in order)."""
    haystack = " " + " ".join(normalize(text).split()) + " "
    at = 0
    for part in _ELLIPSIS.split(quote):
        needle = " ".join(normalize(part).split())
        if not needle:
            continue
        found = haystack.find(" " + needle + " ", at)
        if found < 0:
            return False
        at = found + len(needle) + 1
    return True


def report(records: Iterable[tuple[str, Any]], texts: Mapping[str, str]) -> Report:
    """Run every check over (origin, record) pairs."""
    out = Report()
    quoted: set[str] = set()
    for origin, record in records:
        out.findings += check_record(origin, record, texts)
        if isinstance(record, Mapping) and record.get("entity") == "Source" \
                and record.get("quote"):
            quoted.add(str(record.get("id")))
    out.texts = {"quotes": len(quoted), "stored texts": len(texts),
                 "quotes checked against a stored text": len(quoted & set(texts)),
                 "quotes with no stored text": len(quoted - set(texts))}
    return out


def read_source_texts(directory: Path) -> dict[str, str]:
    """{source id: text} from `<directory>/sources/<id>.txt` (empty when there is none)."""
    folder = directory / TEXTS_FOLDER
    if not folder.is_dir():
        return {}
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))}


class ThresholdsError(ValueError):
    """A thresholds file that cannot be used."""


def load_thresholds(path: Path) -> dict[str, int]:
    """The `[max]` table of a TOML file: {check: largest allowed count}.

    Names must be checks of CHECKS and values whole numbers >= 0; a check not named is not
    gated (the report still shows its count).
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ThresholdsError(f"{path}: {exc}") from exc
    table = data.get("max")
    if not isinstance(table, dict):
        raise ThresholdsError(f"{path}: needs a [max] table of check = maximum count")
    problems = [f"unknown check {k!r} (known: {', '.join(CHECKS)})"
                for k in table if k not in CHECKS]
    problems += [f"{k}: the maximum must be a whole number >= 0, not {v!r}"
                 for k, v in table.items()
                 if k in CHECKS and (isinstance(v, bool) or not isinstance(v, int) or v < 0)]
    if problems:
        raise ThresholdsError(f"{path}: " + "; ".join(problems))
    return {k: table[k] for k in CHECKS if k in table}


def breaches(counts: Mapping[str, int], thresholds: Mapping[str, int]) -> list[str]:
    """One message per check whose count exceeds its maximum, naming both."""
    return [f"{name}: {counts.get(name, 0)} found, maximum {limit}"
            for name, limit in thresholds.items() if counts.get(name, 0) > limit]


def render(rep: Report, thresholds: Mapping[str, int] | None = None, worst: int = 10,
           width: int = 120) -> str:
    """The report as plain-text tables: counts per check, then the worst offenders."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    thresholds = thresholds or {}
    counts = rep.counts()
    checks = Table(title="Data quality", box=box.SIMPLE_HEAD, title_justify="left")
    checks.add_column("check", no_wrap=True)
    checks.add_column("what it counts")
    checks.add_column("count", justify="right")
    checks.add_column("maximum", justify="right")
    checks.add_column("", no_wrap=True)
    for name, what in CHECKS.items():
        limit = thresholds.get(name)
        verdict = "" if limit is None else ("OVER" if counts[name] > limit else "ok")
        checks.add_row(name, what, str(counts[name]), "-" if limit is None else str(limit),
                       verdict)
    offenders = Table(title=f"Worst offenders (top {worst})", box=box.SIMPLE_HEAD,
                      title_justify="left")
    offenders.add_column("#", justify="right")
    offenders.add_column("file", no_wrap=True)
    offenders.add_column("record", no_wrap=True)
    offenders.add_column("problems", justify="right")
    offenders.add_column("checks")
    for i, (origin, record, total, per) in enumerate(rep.worst(worst), 1):
        offenders.add_row(str(i), origin, record, str(total),
                          ", ".join(f"{k} x{n}" if n > 1 else k for k, n in per.items()))
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, highlight=False,
                      emoji=False, soft_wrap=False)
    console.print(checks)
    console.print("source texts: " + ", ".join(f"{k} {v}" for k, v in rep.texts.items()))
    console.print()
    console.print(offenders)
    return "".join(line.rstrip() + "\n" for line in out.getvalue().rstrip().splitlines())
