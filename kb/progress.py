"""The progress of long work, with records/s and the time left: a bar on stderr for the
commands, log lines for an import the API runs."""

from __future__ import annotations

import logging
import time

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class RateColumn(ProgressColumn):
    """Records per second, as rich measures the task's speed."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed or 0:>9,.0f} records/s")


def records_progress() -> Progress:
    """A Progress showing, per task: description, bar, done/total, records/s, time left."""
    return Progress(TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn(),
                    RateColumn(), TimeRemainingColumn(), console=Console(stderr=True))


# an import through the API logs its progress at most this often (and as each step ends)
LOG_EVERY_S = 30.0


class ImportLog:
    """An import's progress as log lines, where no one watches a bar (the import API): the
    records checked, then written, with records/s and the time left, at most one line every
    `every_s` seconds, and a line as each step ends. Its methods are import_paths' ticks."""

    def __init__(self, log: logging.Logger, dry_run: bool = False,
                 every_s: float | None = None) -> None:
        self.log = log
        self.every_s = LOG_EVERY_S if every_s is None else every_s
        self.verb = "compared (dry run)" if dry_run else "written"
        self.checked = self.written = 0
        self.started = self.last = time.monotonic()
        self.writing_since: float | None = None

    def on_check(self, n: int) -> None:
        """Count records checked."""
        self.checked += n
        if self._due():
            self.log.info("import: %s records checked (%s records/s)", f"{self.checked:,}",
                          _rate(self.checked, time.monotonic() - self.started))

    def on_write(self, n: int) -> None:
        """Count records written (the write step ticks 0 as it begins)."""
        now = time.monotonic()
        if self.writing_since is None:
            self.writing_since = self.last = now
            self.log.info("import: %s records checked in %.1f s; %s next", f"{self.checked:,}",
                          now - self.started, self.verb)
        self.written += n
        if n and (self._due() or self.written >= self.checked):
            seconds = now - self.writing_since
            left = (self.checked - self.written) * seconds / self.written
            self.log.info("import: %s of %s records %s (%s records/s, %.0f s left)",
                          f"{self.written:,}", f"{self.checked:,}", self.verb,
                          _rate(self.written, seconds), left)

    def _due(self) -> bool:
        now = time.monotonic()
        if now - self.last < self.every_s:
            return False
        self.last = now
        return True


def _rate(records: int, seconds: float) -> str:
    return f"{records / seconds:,.0f}" if seconds > 0 else "-"
