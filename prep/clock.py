"""Time, injectable. Everything that asks "when is now" takes a Clock."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone, tzinfo

UTC = timezone.utc


class Clock:
    """The real clock. Tests pass a FakeClock instead."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def local_tz(self) -> tzinfo:
        tz = datetime.now().astimezone().tzinfo
        assert tz is not None
        return tz


class FakeClock(Clock):
    """A clock that moves only when told to."""

    def __init__(self, start: datetime, tz: tzinfo = UTC):
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._mono = 1000.0
        self._tz = tz

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def local_tz(self) -> tzinfo:
        return self._tz

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += seconds


def iso(dt: datetime) -> str:
    """Fixed-width UTC text, so string order is time order in SQLite."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def day_start(now: datetime, tz: tzinfo, hour: int) -> datetime:
    """Start (UTC) of the study day containing `now`; a day begins at `hour` local."""
    local = now.astimezone(tz)
    start = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if local < start:
        start -= timedelta(days=1)
    return start.astimezone(UTC)


def parse_when(text: str, tz: tzinfo) -> datetime:
    """Parse a user-given date or datetime; naive values are local time."""
    text = text.strip()
    try:
        if len(text) == 10:
            dt = datetime.fromisoformat(text + "T09:00:00")
        else:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError as exc:
        from .errors import PrepError

        raise PrepError(
            f"cannot read date {text!r}: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[+09:00]"
        ) from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    return dt.astimezone(UTC)


def default_clock() -> Clock:
    """The real clock, or a frozen one when PREP_NOW is set (scripts and tests)."""
    import os

    frozen = os.environ.get("PREP_NOW")
    if frozen:
        try:
            at = parse_iso(frozen.strip())
        except (ValueError, OverflowError):
            from .errors import PrepError

            raise PrepError(f"PREP_NOW: not an ISO date-time: {frozen!r}") from None
        return FakeClock(at, tz=Clock().local_tz())
    return Clock()
