"""Between validated API data and what is stored in Neo4j (and back).

Nested values (status_history) are stored as JSON text, since Neo4j properties hold only
scalars and lists of scalars; the latest status is also stored as `status` and
`status_since` so lists can filter on it, and the whole history as two lists,
`status_dates_lo` (the first day of each entry's `since`) and `status_values`, so that
statistics can count statuses on a date in Cypher (kb.queries.stats). `search_key` holds the
normalised names and `content_hash` lets a repeated write of the same content change nothing
(no new version).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from kb.dates import lo
from kb.model import get_model
from kb.text import search_key

SYSTEM_PROPS = ("version", "created_at", "updated_at")
# derived from status_history for Cypher; stores written before them get them from
# `kb schema apply` (kb.migrations)
STATUS_LISTS = ("status_dates_lo", "status_values")
INTERNAL_PROPS = ("search_key", "content_hash", *STATUS_LISTS)


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _present(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None and v != [] and v != ""}


def entity_props(data: dict[str, Any]) -> dict[str, Any]:
    """The Neo4j properties of an entity, from its validated data."""
    props = _present(data)
    history = props.pop("status_history", None)
    if history:
        history = sorted(history, key=lambda e: (lo(e["since"]), len(e["since"])))
        props["status_history"] = json.dumps(history, ensure_ascii=False, sort_keys=True)
        props["status"] = history[-1]["status"]
        props["status_since"] = history[-1]["since"]
    props["search_key"] = search_key(props["name"], props.get("aliases"))
    props["content_hash"] = _digest(props)
    if history:
        # after the hash: they only restate status_history, and stores written before them
        # keep hashes that still match (a re-import of the same records changes nothing)
        props.update(status_lists(history))
    return props


def status_lists(history: list[dict[str, Any]]) -> dict[str, list[str]]:
    """status_history (as stored, in its order) as the lists Cypher counts statuses with:
    `status_dates_lo`, lo() of each entry's `since`, and `status_values`, its status."""
    return {"status_dates_lo": [lo(h["since"]) for h in history],
            "status_values": [h["status"] for h in history]}


def entity_out(label: str, props: dict[str, Any]) -> dict[str, Any]:
    """The API representation of a stored entity."""
    out = {k: v for k, v in props.items() if k not in INTERNAL_PROPS}
    if "status_history" in out:
        out["status_history"] = json.loads(out["status_history"])
    return {"entity": label, **out}


def relation_id(rtype: str, source: str, target: str, data: dict[str, Any]) -> str:
    """A stable id: the same type, ends and key fields always give the same relation."""
    key = [data.get(k) for k in get_model().relations[rtype].key]
    return f"{rtype.lower()}-{_digest([rtype, source, target, key])[:16]}"


def relation_props(rtype: str, data: dict[str, Any]) -> dict[str, Any]:
    """The Neo4j properties of a relation (without its ends), from its validated data."""
    props = _present({k: v for k, v in data.items() if k not in ("type", "from", "to")})
    props["id"] = relation_id(rtype, data["from"], data["to"], data)
    props["content_hash"] = _digest(props)
    return props


def relation_out(rtype: str, source: str, target: str, props: dict[str, Any],
                 kinds: tuple[str, str] | None = None) -> dict[str, Any]:
    """The API representation of a stored relation."""
    out: dict[str, Any] = {"id": props.get("id"), "type": rtype, "from": source, "to": target}
    if kinds:
        out["from_kind"], out["to_kind"] = kinds
    out.update({k: v for k, v in props.items() if k not in ("id", *INTERNAL_PROPS)})
    return out


def export_record(label: str, props: dict[str, Any]) -> dict[str, Any]:
    """An entity as an import/seed record (no system fields)."""
    out = entity_out(label, props)
    derived = ("status", "status_since") if "status_history" in out else ()
    for key in (*SYSTEM_PROPS, *derived):
        out.pop(key, None)
    return out
