"""prep from Python: a workspace, the daily drill and an injectable clock.

This is the supported way to drive prep from code (a study harness, a
simulation, another front end). It runs the product itself: the same store,
the same queue, the same daily budget and the same stopping as `prep drill`.

    from datetime import datetime, timezone
    from prep import api

    clock = api.FakeClock(datetime(2027, 1, 4, 9, 0, tzinfo=timezone.utc))
    ws = api.open("path/to/workspace", clock=clock)  # finds prep.yaml, syncs decks/
    ws.set_interview("2027-01-25T10:00+00:00")
    ws.set_minutes(15)                               # the daily budget
    session = ws.drill()
    while (shown := session.next()) is not None:     # None: done, or the minutes are used
        clock.advance(14.0)                          # the person reads and answers
        session.reveal()
        session.grade(3)                             # 1 Again, 2 Hard, 3 Good, 4 Easy
    summary = session.finish()
    print(summary.reviewed, summary.used_s, summary.budget_s, summary.stopped)
    ws.close()

Stable: `open`, `Workspace` and its methods below, `DrillSession.next`,
`reveal`, `grade(rating, duration_s=None)`, `go_on`, `finish`, `left_s`,
`used_s`, `budget_s`, the fields of `Shown`, `Graded` and `Summary`, `Clock`
and `FakeClock` (`now`, `monotonic`, `advance`, `local_tz`). The answer time
of a grade is the clock's monotonic time since `next`, unless `duration_s`
is given.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .clock import Clock, FakeClock
from .drill import DrillSession, Graded, Shown, Summary

if TYPE_CHECKING:
    from .plan import Plan
    from .schedule import Scheduler
    from .store import Store
    from .sync import SyncReport
    from .workspace import Workspace as _Files

__all__ = [
    "Clock", "DrillSession", "FakeClock", "Graded", "Shown", "Summary", "Workspace", "open",
]  # fmt: skip


class Workspace:
    """An open workspace: its files, its store, its clock. Close it when done."""

    def __init__(self, files: _Files, store: Store, clock: Clock, fuzz: bool = True):
        self.files = files
        self.store = store
        self.clock = clock
        self.fuzz = fuzz

    @property
    def root(self) -> Path:
        return self.files.root

    def sync(self) -> SyncReport:
        """Bring the cards up to date with decks/ (done by `open`; again after editing files)."""
        from .sync import sync

        return sync(self.store, self.files, self.clock)

    def scheduler(self) -> Scheduler:
        from .schedule import Scheduler
        from .status import settings_of

        settings = settings_of(self.store)
        return Scheduler(
            settings.desired_retention, fuzz=self.fuzz,
            day_start=(self.clock.local_tz(), settings.day_starts_at),
        )  # fmt: skip

    def drill(
        self,
        *,
        deck: tuple[str, ...] = (),
        topic: tuple[str, ...] = (),
        tag: tuple[str, ...] = (),
        kind: tuple[str, ...] = (),
        new: int | None = None,
        limit: int | None = None,
        cram: bool = False,
        extra: bool = False,
    ) -> DrillSession:
        """A drill session as `prep drill` starts it (filters as its options)."""
        from .store import Filters

        return DrillSession(
            store=self.store, scheduler=self.scheduler(), clock=self.clock,
            filters=Filters(tuple(deck), tuple(topic), tuple(tag), tuple(kind)),
            new_limit=new, limit=limit, cram=cram, extra=extra,
        )  # fmt: skip

    def set_interview(self, when: str | datetime | None) -> datetime | None:
        """Set the interview time (ISO text, an aware datetime, or None to clear it)."""
        from .plan import set_interview

        if when is None:
            return set_interview(self.store, "none", self.clock)
        text = when.isoformat() if isinstance(when, datetime) else when
        return set_interview(self.store, text, self.clock)

    def set_minutes(self, minutes: int) -> None:
        """Set the daily budget in minutes (as `prep plan --minutes-per-day`)."""
        from .plan import set_minutes

        set_minutes(self.store, minutes)

    def plan(self) -> Plan:
        """The plan to the interview (as `prep plan --json`, as an object)."""
        from .plan import build

        return build(self.store, self.scheduler(), self.clock)

    def status(self) -> dict[str, Any]:
        """The day's numbers (as `prep status --json`)."""
        from .status import status

        return status(self.store, self.clock)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open(  # noqa: A001 - the API's one verb
    root: str | Path, *, clock: Clock | None = None, db: str | Path | None = None, fuzz: bool = True
) -> Workspace:
    """Open the workspace at `root` (the folder with prep.yaml) and sync its decks.

    `db` puts the database elsewhere (default: `root/.prep/prep.db`); `fuzz=False`
    turns off the interval fuzz, for runs that must repeat exactly.
    """
    from . import workspace
    from .store import Store
    from .sync import sync

    clock = clock or Clock()
    files = workspace.find(str(root), str(db) if db is not None else None)
    store = Store(files.db_path)
    try:
        sync(store, files, clock)
    except BaseException:
        store.close()
        raise
    return Workspace(files, store, clock, fuzz)
