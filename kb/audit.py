"""What a write changed, as audit entries (see kb.queries.audit for storage and locking)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import neo4j

from kb.queries import audit as audit_queries
from kb.records import INTERNAL_PROPS

if TYPE_CHECKING:  # kb.auth records its key changes here: no import at run time
    from kb.auth import Caller

NOT_AUDITED = (*INTERNAL_PROPS, "created_at", "updated_at", "version")


def _visible(props: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (props or {}).items() if k not in NOT_AUDITED}


def change(op: str, kind: str, target: str, before: dict[str, Any] | None,
           after: dict[str, Any] | None) -> dict[str, Any]:
    """One audit entry; for updates only the fields that differ are kept."""
    old, new = _visible(before), _visible(after)
    if op == "update":
        keys = {k for k in {*old, *new} if old.get(k) != new.get(k)}
        old = {k: v for k, v in old.items() if k in keys}
        new = {k: v for k, v in new.items() if k in keys}
    return {"op": op, "kind": kind, "target": target,
            "before": json.dumps(old, ensure_ascii=False, sort_keys=True),
            "after": json.dumps(new, ensure_ascii=False, sort_keys=True)}


def after_text(after: dict[str, Any]) -> str:
    """The `after` of a create entry, as `change` writes it."""
    return json.dumps(_visible(after), ensure_ascii=False, sort_keys=True)


def created(kind: str, target: str, after: str) -> dict[str, Any]:
    """The entry of a create whose `after` text (after_text) was worked out beforehand."""
    return {"op": "create", "kind": kind, "target": target, "before": "{}", "after": after}


def record(tx: neo4j.ManagedTransaction, who: Caller, at: str,
           changes: list[dict[str, Any]]) -> None:
    """Append the changes of this transaction to the trail, attributed to `who`."""
    audit_queries.record(tx, changes, at, who.key_id, who.name)


def out(change_props: dict[str, Any], viewer: Caller) -> dict[str, Any]:
    """An audit entry as the API shows it to `viewer`.

    Key names are for admins, key ids for editors and up; what a deleted entity held is
    for the roles that may restore it (editors and up).
    """
    c = dict(change_props)
    for key in ("before", "after", "counts"):
        if isinstance(c.get(key), str):
            c[key] = json.loads(c[key])
    actor_id, actor_name = c.pop("actor_id", None), c.pop("actor_name", None)
    c["actor"] = {"id": actor_id if viewer.may("editor") else None,
                  "name": actor_name if viewer.may("admin") else None}
    if c.get("op") == "delete" and not viewer.may("editor"):
        c["before"] = {}
    return c
