"""What every part of prep reads from the store before it plans: the settings as last
synced from prep.yaml, and the interview date. Below the modules that use them
(status, the deadline policy, the drill, the plan, stats, the cheat sheet)."""

from __future__ import annotations

from datetime import datetime

from .clock import Clock
from .store import Store
from .workspace import Settings

__all__ = ["interview_at", "interview_text", "settings_of"]


def settings_of(store: Store) -> Settings:
    return Settings.from_dict(store.get_meta("settings") or {})


def interview_at(store: Store, clock: Clock) -> datetime | None:
    """The interview time: the latest of `prep plan --interview` and prep.yaml's date.

    The command line (a date, or 'none') wins over prep.yaml until prep.yaml's
    date is edited; sync then drops it (the file is the newer word).
    """
    text = interview_text(store)
    if not text:
        return None
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=clock.local_tz())
    return dt


def interview_text(store: Store) -> str | None:
    override = store.get_meta("interview_override")
    if override is None:
        return store.get_meta("interview_date")
    return None if override == "none" else override
