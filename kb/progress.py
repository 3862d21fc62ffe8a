"""The progress display of long commands: records/s and the time left, on stderr."""

from __future__ import annotations

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
