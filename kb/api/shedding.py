"""Keep threads free for the probes: at most THREADS - 1 traversals per worker at once.

gunicorn serves each worker's connections with a fixed number of threads (kb.gunicorn_conf).
Were every one of them busy with a slow traversal (a wide path search running into its
timeout), /healthz and /readyz would wait behind them. The traversals (paths, graph,
dossier, gaps, timeline) take a slot first; when none is free the answer is an immediate
503 with Retry-After. Other requests are quick and never shed, so a burst of them (a
dashboard opening several lists at once) queues as usual, and a thread always comes free
for the probes.
"""

from __future__ import annotations

import threading

from flask import Flask, g, request

from kb.errors import ServiceBusy

HEAVY = tuple(f"/api/v1/{name}" for name in ("paths", "graph", "dossier", "gaps", "timeline"))
THREADS = 8  # gunicorn threads per worker (kb.gunicorn_conf reads this)


class Slots:
    """A non-blocking count of the requests in flight in this process."""

    def __init__(self, size: int) -> None:
        self._free = threading.BoundedSemaphore(size)

    def take(self) -> bool:
        """Take a slot if one is free, at once."""
        return self._free.acquire(blocking=False)

    def give_back(self) -> None:
        """Return a slot taken by `take`."""
        self._free.release()


def init_app(app: Flask, slots: int = THREADS - 1) -> None:
    """Shed traversals past `slots` in flight (register before any other request hook)."""
    pool = Slots(slots)

    @app.before_request
    def _take() -> None:
        if request.path not in HEAVY:
            return
        if not pool.take():
            raise ServiceBusy()
        g.kb_slot = True

    @app.teardown_request
    def _give_back(_: BaseException | None) -> None:
        if g.pop("kb_slot", False):
            pool.give_back()

    app.extensions["kb.slots"] = pool


