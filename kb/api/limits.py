"""Per-client rate limits (flask-limiter), so no one client can take the service for itself.

Callers with a valid API key are counted per key (KB_RATE_LIMIT_KEYED), everyone else per
client address (KB_RATE_LIMIT_ANONYMOUS); the probes and /metrics are never limited. Counts
live in KB_RATE_LIMIT_STORAGE: memory:// keeps them per worker process (fine for one node,
each worker counting apart); several nodes share a store such as redis://host:6379. Over
the limit: 429 problem+json with Retry-After.
"""

from __future__ import annotations

from flask import Flask, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from kb.settings import Settings

PROBES = ("/healthz", "/readyz", "/metrics")  # probes and scrapers are never limited


def _client() -> str:
    # runs after kb.api.security's hook: a presented key has been verified by then
    who = g.get("kb_caller")
    if who is not None and who.key_id:
        return f"key:{who.key_id}"
    return f"addr:{get_remote_address()}"


def init_app(app: Flask, settings: Settings) -> None:
    """Limit every request but the probes (register after the security hook)."""
    anonymous, keyed = settings.rate_limit_anonymous, settings.rate_limit_keyed
    if anonymous == keyed == "off":
        return

    def limit() -> str:
        rate = keyed if _client().startswith("key:") else anonymous
        return "" if rate == "off" else rate  # no limit for this kind of caller

    Limiter(key_func=_client, app=app, default_limits=[limit],
            storage_uri=settings.rate_limit_storage, headers_enabled=True,
            default_limits_exempt_when=lambda: request.path in PROBES)
