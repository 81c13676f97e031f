"""The daily queue when an interview date is set."""

from __future__ import annotations

from datetime import datetime

from .schedule import Scheduler
from .store import Filters, Store


def deadline_queue(
    store: Store,
    scheduler: Scheduler,
    now: datetime,
    interview: datetime,
    filters: Filters,
    review_room: int,
    new_room: int,
) -> list[str]:
    """Due cards first, then new ones (plain order until the deadline policy lands)."""
    return store.due_ids(now, filters, review_room) + store.new_ids(filters, new_room)
