"""Keep a thread free for the probes: at most THREADS - 1 requests per worker run at once.

gunicorn serves each worker's connections with a fixed number of threads (kb.gunicorn_conf).
Were every one of them busy with a slow request (a wide traversal running into its
timeout), /healthz and /readyz would wait behind them. Requests other than the probes take
a slot first; when none is free the answer is an immediate 503 with Retry-After, and the
last thread stays for the probes.
"""

from __future__ import annotations

import threading

from flask import Flask, g, request

from kb.errors import ServiceBusy

PROBES = ("/healthz", "/readyz")
THREADS = 4  # gunicorn threads per worker (kb.gunicorn_conf reads this)


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
    """Shed requests past `slots` in flight (register before any other request hook)."""
    pool = Slots(slots)

    @app.before_request
    def _take() -> None:
        if request.path in PROBES:
            return
        if not pool.take():
            raise ServiceBusy()
        g.kb_slot = True

    @app.teardown_request
    def _give_back(_: BaseException | None) -> None:
        if g.pop("kb_slot", False):
            pool.give_back()

    app.extensions["kb.slots"] = pool


