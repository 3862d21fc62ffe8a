"""Answers as CSV tables, by one rule for every list and table-shaped answer.

- A list → one row per item. Columns: the item schema's fields in order when known (the
  same header on every page, empty ones included), then any other key in order of first
  appearance.
- A nested reference `{id, name, ...}` → its id, plus a `<field>_name` column right after.
  A list of references → their ids joined with `|`. Any other nested value (an object, a
  list of strings) → compact JSON text. null and an empty list → an empty cell. Booleans
  are `true`/`false`, numbers as in JSON.
- An object whose values are lists of objects, or objects holding such lists (the stats
  answers) → long format: first column `table` (the path of the list, e.g.
  `mechanisms.by_domain`), then the union of the row keys; values about the whole answer
  (`as_of`, `level`) are repeated on every row, in columns named by their path after the
  row keys (`answer.<path>` if a row key has the same name).
- CSV injection: a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
  gets a leading `'`, so spreadsheets show it as text instead of running it as a formula.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
SEPARATOR = "|"
TABLE = "table"
CONTEXT_PREFIX = "answer."


def guard(text: str) -> str:
    """The text, made inert for spreadsheets when it could start a formula."""
    return f"'{text}" if text.startswith(TRIGGERS) else text


def is_ref(value: Any) -> bool:
    """True for a reference to an entity: an object with an `id` and a `name`."""
    return isinstance(value, dict) and "id" in value and "name" in value


def cell(value: Any) -> str:
    """One value as CSV cell text, by the rules of this module."""
    if value is None or value == []:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return guard(value)
    if is_ref(value):
        return cell(value["id"])
    if isinstance(value, list) and all(is_ref(v) for v in value):
        return guard(SEPARATOR.join(cell(v["id"]) for v in value))
    return guard(json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str))


def row(item: Any) -> dict[str, str]:
    """One item as a row: its cells, with `<field>_name` after each reference."""
    if not isinstance(item, dict):
        return {"value": cell(item)}
    out: dict[str, str] = {}
    for key, value in item.items():
        out[key] = cell(value)
        companion = f"{key}_name"
        if is_ref(value) and companion not in item:
            out[companion] = cell(value["name"])
    return out


def _union(rows: Iterable[dict[str, str]], first: Iterable[str] = ()) -> list[str]:
    """Column names: `first`, then every other key in order of first appearance."""
    seen = dict.fromkeys(first)
    for r in rows:
        seen.update(dict.fromkeys(r))
    return list(seen)


def _write(columns: list[str], rows: Iterable[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, restval="")  # RFC 4180: CRLF lines
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def list_csv(items: list[Any], columns: list[str] | None = None) -> str:
    """A list answer as CSV: one row per item; `columns` (the schema's) come first."""
    rows = [row(item) for item in items]
    return _write(_union(rows, columns or ()), rows)


def has_table(value: Any) -> bool:
    """True when a value is a list of objects or an object holding one at some depth."""
    if isinstance(value, list):
        return all(isinstance(v, dict) for v in value)
    if isinstance(value, dict):
        return any(has_table(v) for v in value.values())
    return False


def _walk(body: dict[str, Any], path: str, tables: list[tuple[str, list[Any]]],
          context: dict[str, Any]) -> None:
    for key, value in body.items():
        where = f"{path}.{key}" if path else str(key)
        if isinstance(value, list) and has_table(value):
            tables.append((where, value))
        elif isinstance(value, dict) and has_table(value):
            _walk(value, where, tables, context)
        else:
            context[where] = value


def dict_csv(body: dict[str, Any]) -> str:
    """A table-shaped object (e.g. the stats answer) as long-format CSV; see the module doc."""
    tables: list[tuple[str, list[Any]]] = []
    context: dict[str, Any] = {}
    _walk(body, "", tables, context)
    rows = [{TABLE: path, **row(item)} for path, items in tables for item in items]
    columns = _union(rows, [TABLE])
    names = {p: CONTEXT_PREFIX + p if p in columns else p for p in context}
    extra = {names[p]: cell(v) for p, v in context.items()}
    return _write(columns + list(extra), ({**r, **extra} for r in rows))


def to_csv(body: Any, columns: list[str] | None = None) -> str:
    """Any answer this module can render, as CSV text (lists, table-shaped objects)."""
    if isinstance(body, list):
        return list_csv(body, columns)
    if isinstance(body, dict) and has_table(body):
        return dict_csv(body)
    raise ValueError("not a table-shaped answer")
