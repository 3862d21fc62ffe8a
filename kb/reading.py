"""Records from files: YAML and JSON lists, and NDJSON, one (origin, record) pair each.

What cannot be read (a YAML or JSON syntax error, text that is not UTF-8, a line of NDJSON
that is no JSON) comes as an `Unreadable` in place of a record, with the line at fault in
its origin. The validation reports it like an invalid record (kb.ingest.validate_records),
so a broken file is listed with every other problem and nothing is written, instead of
stopping the command with a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kb.errors import ValidationFailed

# libyaml's parser when PyYAML was built with it: the seed directory reads in 0.19 s instead
# of 1.47 s, to the same records (the constructor, and so every value's type, is the same)
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SUFFIXES = (".yaml", ".yml", ".json", ".ndjson")


@dataclass
class Unreadable:
    """Text that is not a record at all (reported like an invalid record)."""

    message: str


def load_yaml(stream: Any) -> Any:
    """The value of a YAML document (safe types only)."""
    return yaml.load(stream, Loader=SAFE_LOADER)  # a safe loader: plain types only


def from_json(text: str) -> Any:
    """The value of one JSON text, or an Unreadable saying why it has none."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        return Unreadable(f"not valid JSON: {exc.msg}")
    except RecursionError:
        return Unreadable("nested too deeply")


def record_files(path: Path) -> list[Path]:
    """The files of records a path names: a file itself, or a directory's *.yaml / *.yml /
    *.json / *.ndjson files, sorted (its other files are not records: a README stays out).
    A directory holding none is an error: it is the wrong directory, not an empty import."""
    if not path.is_dir():
        return [path]
    found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in SUFFIXES)
    if not found:
        raise ValidationFailed(f"{path} holds no files of records (kb reads "
                               f"{', '.join(SUFFIXES)})")
    return found


def read_directory(directory: Path) -> Iterator[tuple[str, Any]]:
    """(origin, record) pairs from every file of records of the directory, in name order."""
    for path in record_files(directory):
        yield from read_file(path)


def read_file(path: Path) -> Iterator[tuple[str, Any]]:
    """(origin, record) pairs from one YAML list, JSON list or NDJSON file: `<name>#<n>` for
    the n-th record of a list, `<name>:<line>` for a line of NDJSON or a syntax error. A file
    of another kind gives one Unreadable: it was named, and would silently give nothing."""
    if path.suffix not in SUFFIXES:
        yield path.name, Unreadable(f"not a file of records: kb reads {', '.join(SUFFIXES)}")
    elif path.suffix == ".ndjson":
        with path.open(encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    yield f"{path.name}:{n}", from_json(line)
    else:
        docs, at = _document(path)
        if isinstance(docs, Unreadable):
            yield (f"{path.name}:{at}" if at else path.name), docs
            return
        if not isinstance(docs, list):
            yield path.name, Unreadable("a file of records must hold a list of records")
            return
        for n, record in enumerate(docs, 1):
            yield f"{path.name}#{n}", record


def _document(path: Path) -> tuple[Any, int | None]:
    """The value of a YAML or JSON file (an empty file: []), or an Unreadable and the line at
    fault (None when no line can be named)."""
    try:
        with path.open(encoding="utf-8") as fh:
            if path.suffix == ".json":
                return json.load(fh), None
            return load_yaml(fh) or [], None
    except json.JSONDecodeError as exc:
        return Unreadable(f"not valid JSON: {exc.msg} (column {exc.colno})"), exc.lineno
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" (column {mark.column + 1})" if mark else ""
        return (Unreadable(f"not valid YAML: {exc.problem or exc.context}{where}"),
                mark.line + 1 if mark else None)
    except yaml.YAMLError as exc:  # e.g. a control character, which YAML does not allow
        return Unreadable(f"not valid YAML: {str(exc).splitlines()[0]}"), None
    except UnicodeDecodeError as exc:
        return Unreadable(f"not UTF-8 text: byte {exc.start + 1} cannot be read"), None
    except RecursionError:
        return Unreadable("nested too deeply"), None
