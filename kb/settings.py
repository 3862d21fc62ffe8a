"""Typed settings read from the environment, validated once at start-up."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from kb.bundled import is_checkout

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NEO4J_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


class SettingsError(ValueError):
    """A bad environment variable; raised at start-up, names the variable."""

    def __init__(self, variable: str, message: str) -> None:
        super().__init__(f"{variable} {message}")
        self.variable = variable


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment (see README, "Settings")."""

    neo4j_uri: str | None
    neo4j_user: str
    neo4j_password: str
    neo4j_database: str
    host: str
    port: int
    workers: int
    data_dir: Path
    bolt_port: int
    neo4j_heap_mb: int
    neo4j_pagecache_mb: int
    connect_timeout_s: float
    query_timeout_s: float
    cors_origins: str
    log_level: str
    reads_require_key: bool
    max_body_bytes: int
    max_import_bytes: int  # an NDJSON import body (streamed to disk, never held whole)
    cache_control: str
    public_url: str  # the API's address as clients see it ("" = links are relative)
    rate_limit_anonymous: str  # e.g. "300/minute" per client address, or "off"
    rate_limit_keyed: str  # e.g. "3000/minute" per API key, or "off"
    rate_limit_storage: str  # flask-limiter storage URI: memory:// (one node) or redis://...
    log_format: str = "json"  # json (one object a line) or text
    metrics_require_key: bool = False  # GET /metrics needs a reader key
    memo_size: int = 256  # answers of /stats, /stats/coverage, /gaps kept per process; 0: off
    warmup: bool = True  # `kb serve`/`kb up` warm Neo4j's plan cache before serving (kb.warmup)

    @property
    def local_neo4j(self) -> bool:
        """True when the project starts its own Neo4j (no NEO4J_URI given)."""
        return self.neo4j_uri is None

    @property
    def effective_uri(self) -> str:
        """The Bolt URI the driver connects to."""
        return self.neo4j_uri or f"bolt://127.0.0.1:{self.bolt_port}"


def _int(env: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(name, f"must be an integer, got {raw!r}") from None
    if not lo <= value <= hi:
        raise SettingsError(name, f"must be between {lo} and {hi}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, lo: float, hi: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(name, f"must be a number, got {raw!r}") from None
    if not lo <= value <= hi:
        raise SettingsError(name, f"must be between {lo} and {hi}, got {value}")
    return value


def _uri(env: Mapping[str, str]) -> str | None:
    raw = env.get("NEO4J_URI", "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in NEO4J_SCHEMES:
        allowed = ", ".join(f"{s}://" for s in NEO4J_SCHEMES)
        raise SettingsError("NEO4J_URI", f"scheme must be one of {allowed}; got {raw!r}")
    if not parts.hostname:
        raise SettingsError("NEO4J_URI", f"has no host: {raw!r}")
    return raw


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(name, f"must be true or false, got {raw!r}")


def _choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = env.get(name, "").strip() or default
    if value not in allowed:
        raise SettingsError(name, f"must be one of {', '.join(allowed)}; got {value!r}")
    return value


# RFC 9111 5.2: directives, comma-separated, each a token with an optional token or
# quoted-string argument (e.g. `no-cache`, `private, max-age=60`)
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_DIRECTIVE = rf'{_TOKEN}(={_TOKEN}|="[^"\\\x00-\x1f]*")?'
CACHE_CONTROL = re.compile(rf"{_DIRECTIVE}([ \t]*,[ \t]*{_DIRECTIVE})*")


def _cache_control(env: Mapping[str, str]) -> str:
    value = env.get("KB_CACHE_CONTROL", "").strip() or "no-cache"
    if not CACHE_CONTROL.fullmatch(value):
        raise SettingsError("KB_CACHE_CONTROL", "must be Cache-Control directives, e.g. "
                            f"no-cache or 'private, max-age=60'; got {value!r}")
    return value


RATE = re.compile(r"off|[0-9]{1,9}\s*(/|per)\s*[0-9]{0,6}\s*(second|minute|hour|day)s?",
                  re.IGNORECASE)


def _rate(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip() or default
    if not RATE.fullmatch(value):
        raise SettingsError(name, f"must be a rate like 300/minute, or off; got {value!r}")
    return value.lower()


def _public_url(env: Mapping[str, str]) -> str:
    value = env.get("KB_PUBLIC_URL", "").strip().rstrip("/")
    if value and not re.fullmatch(r"https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?(/[\w.\-/]*)?", value):
        raise SettingsError("KB_PUBLIC_URL", "must be the API's public base URL, e.g. "
                            f"https://kb.example.org; got {value!r}")
    return value


def _default_data_dir(env: Mapping[str, str]) -> Path:
    """.data/ in the checkout; an installed kb must not write into site-packages."""
    if is_checkout():
        return PROJECT_ROOT / ".data"
    state = env.get("XDG_STATE_HOME", "").strip() or Path.home() / ".local" / "state"
    return Path(state) / "deconfliction-kb"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate settings; raises SettingsError naming the bad variable."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("KB_DATA_DIR", "").strip() or _default_data_dir(env))
    return Settings(
        neo4j_uri=_uri(env),
        neo4j_user=env.get("NEO4J_USER", "neo4j"),
        neo4j_password=env.get("NEO4J_PASSWORD", ""),
        neo4j_database=env.get("NEO4J_DATABASE", "").strip() or "neo4j",
        host=env.get("KB_HOST", "").strip() or "127.0.0.1",
        port=_int(env, "KB_PORT", 8000, 1, 65535),
        workers=_int(env, "KB_WORKERS", 2, 1, 64),
        data_dir=data_dir.resolve(),
        bolt_port=_int(env, "KB_NEO4J_BOLT_PORT", 7687, 1, 65535),
        neo4j_heap_mb=_int(env, "KB_NEO4J_HEAP_MB", 1024, 256, 65536),
        neo4j_pagecache_mb=_int(env, "KB_NEO4J_PAGECACHE_MB", 512, 64, 65536),
        connect_timeout_s=_float(env, "KB_NEO4J_CONNECT_TIMEOUT", 3.0, 0.1, 60.0),
        query_timeout_s=_float(env, "KB_QUERY_TIMEOUT", 10.0, 0.1, 300.0),
        cors_origins=env.get("KB_CORS_ORIGINS", "*").strip() or "*",
        log_level=_choice(env, "KB_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
        reads_require_key=_bool(env, "KB_READS_REQUIRE_KEY", False),
        max_body_bytes=_int(env, "KB_MAX_BODY_BYTES", 10 * 1024 * 1024, 1024, 1024**3),
        max_import_bytes=_int(env, "KB_MAX_IMPORT_BYTES", 512 * 1024**2, 1024, 64 * 1024**3),
        cache_control=_cache_control(env),
        public_url=_public_url(env),
        rate_limit_anonymous=_rate(env, "KB_RATE_LIMIT_ANONYMOUS", "300/minute"),
        rate_limit_keyed=_rate(env, "KB_RATE_LIMIT_KEYED", "3000/minute"),
        rate_limit_storage=env.get("KB_RATE_LIMIT_STORAGE", "").strip() or "memory://",
        log_format=_choice(env, "KB_LOG_FORMAT", "json", ("json", "text")),
        metrics_require_key=_bool(env, "KB_METRICS_REQUIRE_KEY", False),
        memo_size=_int(env, "KB_MEMO_SIZE", 256, 0, 100_000),
        warmup=_bool(env, "KB_WARMUP", True),
    )
