"""The plan-cache warm-up (kb.warmup): it plans what the API's requests then use.

Neo4j's `db.clearQueryCaches()` says how many plans it dropped, which is how these tests
see the cache: a request that finds its plans made adds none.
"""

from __future__ import annotations

import re
from pathlib import Path

from kb import create_app
from kb.db import Database
from kb.settings import Settings
from kb.warmup import WARM_URLS, warm_plans
from tests.conftest import KB, free_port, make_settings


def cleared(db: Database) -> int:
    """Empty Neo4j's plan caches; how many plans were in them."""
    message = db.read("CALL db.clearQueryCaches() YIELD value RETURN value")[0]["value"]
    found = re.search(r"cleared of (\d+) quer", message)
    return int(found.group(1)) if found else 0


# Every question of WARM_URLS answered on the seed: tests/test_cli.py (`kb serve`).


# two of WARM_URLS (planning them all twice more took 20 s): the `between` of two states
# sends lists of ids of other sizes than a sample would (see kb.warmup)
SAMPLE = ("/api/v1/mechanisms?between=Israel&between=Russia",
          "/api/v1/timeline?entity=Israel")


def test_requests_after_the_warm_up_find_their_plans_made(settings: Settings, db: Database,
                                                          seeded_kb: KB,
                                                          tmp_path: Path) -> None:
    # an app of its own without the memo: every request runs its statements
    client = create_app(make_settings(settings.neo4j_uri or "", tmp_path,
                                      KB_MEMO_SIZE="0")).test_client()

    def plans_of_requests() -> int:
        for url in SAMPLE:
            r = client.get(url)
            assert r.status_code == 200, (url, r.json)
        return cleared(db)

    cleared(db)
    alone = plans_of_requests()
    assert alone > len(SAMPLE)  # each runs several statements
    warmed = warm_plans(settings, SAMPLE)
    assert warmed.asked == len(SAMPLE) and warmed.failed == {}
    assert cleared(db) == alone  # as many plans as the requests make
    warm_plans(settings, SAMPLE)
    # had the warm-up planned anything but what the requests run, it would be in the cache
    assert plans_of_requests() == alone


def test_names_the_data_lacks_are_not_failures(settings: Settings, seeded_kb: KB) -> None:
    warmed = warm_plans(settings, ("/api/v1/timeline?entity=Atlantis", "/api/v1/search?q=army"))
    assert warmed.failed == {}
    assert warmed.not_found == ["/api/v1/timeline?entity=Atlantis"]
    assert warmed.asked == 2


def test_an_unreachable_database_stops_the_warm_up_at_once(tmp_path: Path) -> None:
    settings = make_settings(f"bolt://127.0.0.1:{free_port()}", tmp_path,
                             KB_NEO4J_CONNECT_TIMEOUT="0.5")
    warmed = warm_plans(settings)
    assert warmed.asked == 1  # not one wait for each question
    assert list(warmed.failed) == [WARM_URLS[0]]
    assert warmed.failed[WARM_URLS[0]].startswith("503")
