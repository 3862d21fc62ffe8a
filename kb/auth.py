"""API keys and roles: who may read, write, and manage keys.

A key looks like `kb_<id>_<secret>`. Only an argon2 hash of it is stored, found through the
public id; the full key is shown once, at creation. Keys travel in `Authorization: Bearer`
or `X-API-Key`. Roles are ordered: reader < editor < admin.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

import neo4j
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import g, request

from kb import audit
from kb.dates import now, utc_moment
from kb.db import Database, get_db
from kb.errors import Forbidden, Unauthorized
from kb.queries import keys as key_queries

ROLES = ("reader", "editor", "admin")
# Modest argon2 cost: keys are 256-bit random, so the hash guards a stolen database, not a
# guessable secret; verified keys are remembered briefly so requests stay cheap.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
VERIFIED_TTL_S = 60.0


@dataclass(frozen=True)
class Caller:
    """The key behind a request (no key: anonymous)."""

    key_id: str | None
    name: str
    role: str | None

    def may(self, role: str) -> bool:
        return self.role is not None and ROLES.index(self.role) >= ROLES.index(role)


KEY_KIND = "ApiKey"  # the kind of key changes in the audit trail
ANONYMOUS = Caller(None, "anonymous", None)
SYSTEM = Caller(None, "system (command line)", "admin")


def create_key(db: Database, role: str, name: str, expires_at: str | None = None,
               who: Caller = SYSTEM) -> tuple[str, dict[str, Any]]:
    """Make a key (recorded in the audit trail as made by `who`); returns (the key, shown
    this once; its public record). The expiry is stored as UTC (kb.dates.utc_moment: a
    ValueError if it is no date-time with an offset); the API and the command line also
    refuse one already past (kb.dates.expiry_problem)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    expires_at = utc_moment(expires_at) if expires_at else None
    key_id = secrets.token_hex(6)
    key = f"kb_{key_id}_{secrets.token_urlsafe(32)}"
    record = {"id": key_id, "name": name, "role": role, "hash": HASHER.hash(key),
              "created_at": now(), "expires_at": expires_at}
    public = {k: v for k, v in record.items() if k != "hash"}

    def work(tx: neo4j.ManagedTransaction) -> None:
        key_queries.create_key(tx, {k: v for k, v in record.items() if v})
        audit.record(tx, who, record["created_at"] or now(), [
            audit.change("create", KEY_KIND, key_id, None, public)])

    db.write_tx(work)
    return key, public | {"revoked_at": None}


def revoke_key(db: Database, key_id: str, who: Caller = SYSTEM) -> bool:
    """Revoke a key (recorded in the audit trail); False if there is no such key."""
    def work(tx: neo4j.ManagedTransaction) -> str | None:
        at = now()
        outcome = key_queries.revoke_key(tx, key_id, at)
        if outcome == "revoked":
            audit.record(tx, who, at, [audit.change("revoke", KEY_KIND, key_id, None, None)])
        return outcome

    return db.write_tx(work) is not None


class _Verified:
    """Per-process memory of keys that verified recently: digest -> expiry time."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def check(self, digest: str) -> bool:
        with self._lock:
            return self._seen.get(digest, 0.0) > time.monotonic()

    def remember(self, digest: str) -> None:
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen.clear()
            self._seen[digest] = time.monotonic() + VERIFIED_TTL_S


_verified = _Verified()


def _presented_key() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return request.headers.get("X-API-Key") or None


INVALID_KEY = "invalid API key: unknown, revoked, expired or wrong"


@cache
def _decoy_hash() -> str:
    """A hash to verify against when the key id is unknown, so that answer takes as long."""
    return HASHER.hash(secrets.token_urlsafe(32))


def _secret_matches(record: dict[str, Any] | None, key: str) -> bool:
    stored = record["hash"] if record else _decoy_hash()
    digest = hashlib.sha256(f"{stored}:{key}".encode()).hexdigest()
    if record and _verified.check(digest):
        return True
    try:
        HASHER.verify(stored, key)  # constant-time comparison inside argon2
    except (VerificationError, InvalidHashError):
        return False
    if record is None:
        return False
    _verified.remember(digest)
    return True


def authenticate(db: Database, key: str) -> Caller:
    """The caller a key stands for; Unauthorized if unknown, revoked, expired or wrong.

    Every bad key gets the same answer, and the secret is checked before anything else, so
    the answer tells nothing about which key ids exist or were revoked.
    """
    parts = key.split("_", 2)  # the secret itself may contain "_"
    record = db.read_tx(lambda tx: key_queries.find_key(tx, parts[1])) if (
        len(parts) == 3 and parts[0] == "kb") else None
    if not _secret_matches(record, key) or record is None:
        raise Unauthorized(INVALID_KEY)
    if record.get("revoked_at") or expired(record.get("expires_at")):
        raise Unauthorized(INVALID_KEY)
    return Caller(record["id"], record["name"], record["role"])


def expired(expires_at: str | None) -> bool:
    """Whether a key's expiry has passed. One that is no date-time (stored by a version that
    did not check it) counts as passed: a key whose end cannot be told is not honoured."""
    if not expires_at:
        return False
    try:
        return utc_moment(expires_at) <= now()
    except ValueError:
        return True


def caller() -> Caller:
    """The caller of the current request (authenticated once per request)."""
    if "kb_caller" not in g:
        key = _presented_key()
        g.kb_caller = authenticate(get_db(), key) if key else ANONYMOUS
    found: Caller = g.kb_caller
    return found


def require(role: str) -> Caller:
    """The caller, if it holds `role` or a higher one; else 401 (no key) or 403."""
    who = caller()
    if who.role is None:
        raise Unauthorized(f"this request needs an API key with the {role} role")
    if not who.may(role):
        raise Forbidden(f"the key {who.key_id!r} ({who.role}) lacks the {role} role")
    return who

