"""Warming Neo4j's plan cache before the API takes requests.

Neo4j plans a statement the first time it runs and keeps the plan until it restarts (or its
statistics move far, as after a large import). On a newly started Neo4j holding the
scale-100 world, the first `/relations?as_of` took 5.2 s (0.09 s after), `/stats` 2.4 s and
the `between` of two states' agreements 2.4 s: the first requests waited for planning.

A plan is kept per statement text and per the types of its parameters, and a list's size
counts in steps (1, 2 to 10, 11 to 100, ...): the `between` of two states sends 12 to 76
party ids where a sample would send 2. So the warm-up does not run statements with sample
parameters; it asks the API itself, in this process and without HTTP, the questions of
WARM_URLS, and each one plans what the same request of a client would. The cache is the
database's, so the plans serve every API process. Names the data does not hold answer 404
and plan only the name lookup.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

from kb.settings import Settings

# The analyst questions and the lists whose statements are slowest to plan; the names are
# the seed's (seed_data/), which `kb up` and `kb seed` load.
WARM_URLS = (
    "/api/v1/mechanisms?between=Israel&between=Russia",
    "/api/v1/mechanisms?between=Israeli Air Force&between=Russian Aerospace Forces"
    "&as_of=2015-10-08",
    "/api/v1/agreements?between=Russia&between=United States",
    "/api/v1/dossier?between=Israel&between=Russia",
    "/api/v1/paths?from=Israel&to=United States",
    "/api/v1/graph?center=Israel",
    "/api/v1/timeline?entity=Israel",
    "/api/v1/search?q=army",
    "/api/v1/gaps",
    "/api/v1/stats",
    "/api/v1/stats/coverage?top=20",
    "/api/v1/relations?as_of=2015-10-08",
    "/api/v1/mechanisms?as_of=2015-10-08",
    "/api/v1/mechanisms?party=Russia&match=hierarchy",
    "/api/v1/states/ISR",
)


@dataclass
class Warmed:
    """What a warm-up did: the questions asked, the seconds taken, those answered 404 (a
    name the data does not hold) and those that failed (url -> status and title)."""

    asked: int = 0
    seconds: float = 0.0
    not_found: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def warm_plans(settings: Settings, urls: tuple[str, ...] = WARM_URLS) -> Warmed:
    """Ask the API each of `urls` in-process (no key or rate limit needed, nothing logged
    below warnings); stops at the first answer saying the database is unreachable."""
    from kb import create_app

    quiet = dataclasses.replace(settings, reads_require_key=False, log_level="WARNING",
                                rate_limit_anonymous="off", rate_limit_keyed="off",
                                memo_size=0)
    app = create_app(quiet)
    warmed, start = Warmed(), time.perf_counter()
    try:
        with app.test_client() as client:
            for url in urls:
                answer = client.get(url)
                warmed.asked += 1
                if answer.status_code == 404:
                    warmed.not_found.append(url)
                elif answer.status_code != 200:
                    title = (answer.json or {}).get("title", "") if answer.is_json else ""
                    warmed.failed[url] = f"{answer.status_code} {title}".strip()
                    if answer.status_code == 503:
                        break
    finally:
        app.extensions["kb.db"].close()
    warmed.seconds = time.perf_counter() - start
    return warmed
