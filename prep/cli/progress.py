"""A progress bar on stderr for long work (a first sync of a big deck, a big import).

The core reports how far it is through a callback; this draws it with rich,
and only when it is worth it: nothing for work that ends within a second,
nothing when stderr is not a terminal (a pipe, a log, a test). rich is
imported only when a bar is drawn, so short commands never pay for it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import IO, Any

DELAY_S = 1.0

# What the core reports, as the person reads it.
LABELS = {
    "decks": "Reading decks",
    "cards": "Saving cards",
    "reviews": "Replaying reviews",
    "import": "Importing",
}


class Bar:
    """Call it as `bar(what, done, total)`; use it as a context manager so the bar goes away."""

    def __init__(
        self,
        stream: IO[str] | None = None,
        *,
        delay: float = DELAY_S,
        clock: Callable[[], float] = time.monotonic,
        labels: dict[str, str] | None = None,
    ):
        self.stream = stream if stream is not None else sys.stderr
        self.delay = delay
        self.clock = clock
        self.labels = labels or LABELS
        self.start = clock()
        try:
            self.live = bool(self.stream.isatty())
        except (AttributeError, ValueError):  # a closed or fake stream
            self.live = False
        self._progress: Any = None
        self._tasks: dict[str, Any] = {}

    def __call__(self, what: str, done: int, total: int) -> None:
        if not self.live:
            return
        if self._progress is None:
            if self.clock() - self.start < self.delay or (total and done >= total):
                return  # quick so far, or already over: no bar
            self._open()
        task = self._tasks.get(what)
        if task is None:
            task = self._tasks[what] = self._progress.add_task(
                self.labels.get(what, what), total=max(total, 1)
            )
        self._progress.update(task, completed=min(done, total), total=max(total, 1))

    def reviews(self, done: int, total: int) -> None:
        """The two-number form (Store.rebuild)."""
        self("reviews", done, total)

    def _open(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
        )  # fmt: skip

        console = Console(file=self.stream, highlight=False, markup=False, emoji=False)
        # The spinner and the clock move while a long step runs between two reports.
        self._progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(),
            TaskProgressColumn(), TimeElapsedColumn(), console=console, transient=True,
        )  # fmt: skip
        self._progress.start()

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
