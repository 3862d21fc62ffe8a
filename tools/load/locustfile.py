"""A realistic mix for the Deconfliction KB API (see tools/load/run.py).

Mostly reads: search, mechanisms between two actors, neighbourhood graphs, entity gets; a
few writes with an editor key (KB_LOAD_KEY): patching one load-test entity.
A 503 counts as a failure named "503", so outage runs can tell expected 503s from errors.
"""

from __future__ import annotations

import os
import random

from locust import HttpUser, between, task

SEARCHES = ["Bogdanovski", "Netanjahu", "hotline", "incidents at sea", "Hmeimim", "Golan"]
PAIRS = [("idf", "ru-armed-forces"), ("USA", "RUS"), ("israeli-air-force", "ru-aerospace-forces"),
         ("TUR", "RUS"), ("IND", "PAK"), ("USA", "CHN")]
CENTERS = ["il-ru-syria-deconfliction", "idf", "incsea-annual-review", "yair-golan",
           "syria-theatre"]
ENTITIES = ["forces/idf", "persons/nikolai-bogdanovsky", "mechanisms/il-ru-syria-deconfliction",
            "events/il-ru-tel-aviv-talks-2015-10", "states/ISR", "sources/iso-3166"]
OK = (200, 201, 204, 304)


class Analyst(HttpUser):
    wait_time = between(0.05, 0.3)

    def _get(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as resp:
            self._judge(resp)

    @staticmethod
    def _judge(resp: object) -> None:
        code = resp.status_code  # type: ignore[attr-defined]
        if code in OK:
            resp.success()  # type: ignore[attr-defined]
        elif code == 503:
            resp.failure("503")  # type: ignore[attr-defined]
        else:
            resp.failure(f"unexpected {code}")  # type: ignore[attr-defined]

    @task(4)
    def search(self) -> None:
        self._get(f"/api/v1/search?q={random.choice(SEARCHES)}", "search")

    @task(4)
    def between(self) -> None:
        a, b = random.choice(PAIRS)
        self._get(f"/api/v1/mechanisms?between={a}&between={b}", "mechanisms between")

    @task(2)
    def graph(self) -> None:
        self._get(f"/api/v1/graph?center={random.choice(CENTERS)}&depth=2", "graph")

    @task(4)
    def entity(self) -> None:
        self._get(f"/api/v1/{random.choice(ENTITIES)}", "entity get")

    @task(1)
    def write(self) -> None:
        headers = {"Authorization": f"Bearer {os.environ['KB_LOAD_KEY']}"}
        body = {"description": f"load test write {random.randint(0, 10**9)}"}
        with self.client.patch("/api/v1/places/load-test-place", json=body, headers=headers,
                               name="write (patch)", catch_response=True) as resp:
            self._judge(resp)
