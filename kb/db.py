"""The Neo4j driver lifecycle: one driver per process, created lazily after fork.

gunicorn forks its workers from a master that never touches the database, and each worker
builds its own driver on first use (the driver is thread-safe but not fork-safe). The pid
check makes a driver inherited across a fork unusable by mistake, and `close()` is called
at worker exit (gunicorn hook) and at interpreter exit.
"""

from __future__ import annotations

import atexit
import contextvars
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, LiteralString, TypeVar

import neo4j
from flask import Flask, current_app
from neo4j.exceptions import DatabaseUnavailable, ServiceUnavailable, SessionExpired

from kb.settings import Settings

T = TypeVar("T")
DOWN_PAUSE_S = 2.0
# threads per process that run the independent reads of one request side by side (read_all)
PARALLEL_READS = 4
Record = dict[str, Any]
# times one unit of work, given its mode (read/write) and kind (query/transaction)
Observer = Callable[[str, str], AbstractContextManager[Any]]


def _unobserved(mode: str, kind: str) -> AbstractContextManager[None]:
    return nullcontext()


# The read transaction that Database.in_one_read holds open for a unit of request work:
# read_tx calls made meanwhile, in this context, run in it instead of in their own.
_OPEN_READ: contextvars.ContextVar[neo4j.ManagedTransaction | None] = contextvars.ContextVar(
    "kb_open_read", default=None)


class Database:
    """Owns the process's driver and runs parameterised queries on it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.name = settings.neo4j_database
        self._driver: neo4j.Driver | None = None
        self._pid = 0
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = 0
        self._lock = threading.Lock()
        self._down_until = 0.0
        # the app sets kb.metrics.neo4j_work here; command-line use stays uninstrumented
        self.observe: Observer = _unobserved
        atexit.register(self.close)

    @property
    def driver(self) -> neo4j.Driver:
        """The driver of this process, created on first use."""
        if self._driver is None or self._pid != os.getpid():
            with self._lock:
                if self._driver is None or self._pid != os.getpid():
                    self._driver = self._make_driver()
                    self._pid = os.getpid()
        return self._driver

    def _make_driver(self) -> neo4j.Driver:
        s = self.settings
        # Short timeouts so a missing database turns into a quick 503, well below
        # gunicorn's worker timeout, instead of a request pinned for a minute.
        return neo4j.GraphDatabase.driver(
            s.effective_uri,
            auth=(s.neo4j_user, s.neo4j_password),
            connection_timeout=s.connect_timeout_s,
            connection_acquisition_timeout=s.connect_timeout_s * 2,
            max_transaction_retry_time=s.connect_timeout_s,
            liveness_check_timeout=30.0,
            max_connection_pool_size=20,
            # server notifications (e.g. "property key does not exist" on optional fields)
            # are expected here and would flood the log
            notifications_min_severity=neo4j.NotificationMinimumSeverity.OFF,
        )

    def close(self) -> None:
        """Close the driver if this process created one."""
        if self._pool is not None and self._pool_pid == os.getpid():
            self._pool.shutdown(wait=False)
        self._pool = None
        if self._driver is not None and self._pid == os.getpid():
            self._driver.close()
        self._driver = None

    @contextmanager
    def _guarded(self, mode: str, kind: str) -> Iterator[None]:
        # After a failure to reach Neo4j, fail at once for a moment instead of letting every
        # request wait out the driver's retries: answers stay fast while the database is
        # down, and the first request after the pause finds out whether it is back.
        if time.monotonic() < self._down_until:
            raise ServiceUnavailable("Neo4j was unreachable moments ago")
        try:
            with self.observe(mode, kind):
                yield
        except (ServiceUnavailable, SessionExpired, DatabaseUnavailable):
            self._down_until = time.monotonic() + DOWN_PAUSE_S
            raise

    def read(
        self, query: LiteralString, timeout: float | None = None, **params: Any
    ) -> list[Record]:
        """Run one read query (routed to readers in a cluster) and return its records."""
        with self._guarded("read", "query"):
            return self._read(query, timeout, **params)

    def _read(
        self, query: LiteralString, timeout: float | None = None, **params: Any
    ) -> list[Record]:
        records, _, _ = self.driver.execute_query(
            neo4j.Query(query, timeout=timeout or self.settings.query_timeout_s),
            params,
            database_=self.name,
            routing_=neo4j.RoutingControl.READ,
        )
        return [record.data() for record in records]

    def read_tx(self, work: Callable[[neo4j.ManagedTransaction], T]) -> T:
        """Run a unit of read work in one managed read transaction (KB_QUERY_TIMEOUT bound),
        or in the one in_one_read holds open, if any."""
        held = _OPEN_READ.get()
        if held is not None:
            return work(held)
        bounded = neo4j.unit_of_work(timeout=self.settings.query_timeout_s)(work)
        with self._guarded("read", "transaction"), self.driver.session(
            database=self.name, default_access_mode=neo4j.READ_ACCESS
        ) as s:
            return s.execute_read(bounded)

    def in_one_read(self, work: Callable[[], T]) -> T:
        """Run `work`, which may call read_tx several times, with all those reads in one
        read transaction (a retry of the transaction runs `work` again).

        A request that resolves names and then reads its answer saves a round trip to the
        database for each transaction it no longer begins and commits (BEGIN, COMMIT).
        """
        def unit(tx: neo4j.ManagedTransaction) -> T:
            token = _OPEN_READ.set(tx)
            try:
                return work()
            finally:
                _OPEN_READ.reset(token)
        return self.read_tx(unit)

    def read_all(self, works: Mapping[str, Callable[[neo4j.ManagedTransaction], Any]]
                 ) -> dict[str, Any]:
        """Run independent units of read work side by side, each in its own read transaction
        (as read_tx); their results by name.

        Neo4j runs one statement on one core, so a request whose statements each read the
        whole of a kind (/stats) ends sooner when they run at once. Each unit runs in a copy
        of the caller's context, so its log lines keep the request id.
        """
        pool = self._reader_pool()
        futures = {name: pool.submit(_apart().run, self.read_tx, work)
                   for name, work in works.items()}
        return {name: future.result() for name, future in futures.items()}

    def _reader_pool(self) -> ThreadPoolExecutor:
        # threads do not survive a fork: each process makes its own pool, as its own driver
        if self._pool is None or self._pool_pid != os.getpid():
            with self._lock:
                if self._pool is None or self._pool_pid != os.getpid():
                    self._pool = ThreadPoolExecutor(PARALLEL_READS, "kb-read")
                    self._pool_pid = os.getpid()
        return self._pool

    def write_tx(self, work: Callable[[neo4j.ManagedTransaction], T]) -> T:
        """Run a unit of write work in one managed (retried, so idempotent) transaction."""
        with self._guarded("write", "transaction"), self.driver.session(
                database=self.name) as session:
            return session.execute_write(work)

    def ping(self) -> None:
        """Raise if the database cannot be reached."""
        self.driver.verify_connectivity()


def _apart() -> contextvars.Context:
    # a copy of the caller's context without its open read transaction: a transaction
    # serves one thread, so each side-by-side read begins its own
    context = contextvars.copy_context()
    context.run(_OPEN_READ.set, None)
    return context


def init_app(app: Flask, settings: Settings) -> None:
    """Attach a Database to the app (no connection is made until first use)."""
    app.extensions["kb.db"] = Database(settings)


def get_db() -> Database:
    """The Database of the current app."""
    db: Database = current_app.extensions["kb.db"]
    return db


# the reason inside a connection error: "... (reason [Errno 111] Connection refused)"
_REASON = re.compile(r"reason (?:\[Errno \d+\] )?([^)\n]+)")


def problem_for_humans(error: Exception, settings: Settings) -> str:
    """One line for the command line about a database error: what happened, what to do.

    The API answers these with problem documents (kb.errors); a command prints this instead
    of the driver's traceback.
    """
    where = f"Neo4j at {settings.effective_uri}"
    if isinstance(error, neo4j.exceptions.AuthError):
        return (f"{where} refused user {settings.neo4j_user!r}: check NEO4J_USER and "
                "NEO4J_PASSWORD")
    if isinstance(error, ServiceUnavailable | SessionExpired | DatabaseUnavailable | OSError):
        found = _REASON.search(str(error))
        reason = found.group(1).strip() if found else type(error).__name__
        todo = ("start it with `kb neo4j start` (or `make run`)" if settings.local_neo4j
                else "check that it is running and that NEO4J_URI names it")
        return f"{where} cannot be reached ({reason}): {todo}"
    if isinstance(error, neo4j.exceptions.TransientError):
        return f"{where} failed for a moment ({error.code}): run the command again"
    if isinstance(error, neo4j.exceptions.Neo4jError):
        message = (error.message or "").strip().splitlines()[:1]
        return f"{where} reported an error ({error.code}): {' '.join(message)}"
    first = str(error).strip().splitlines()[:1]
    return f"the Neo4j driver failed ({type(error).__name__}): {' '.join(first)}"
