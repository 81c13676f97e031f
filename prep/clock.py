"""Time, injectable. Everything that asks "when is now" takes a Clock."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone, tzinfo

UTC = timezone.utc

# The times prep works with: a review, an interview, "now". Outside this range the
# date arithmetic of scheduling (intervals up to a century) would overflow, and a
# year before 1970 is a wrong clock, not a review.
MIN_TIME = datetime(1970, 1, 1, tzinfo=UTC)
MAX_TIME = datetime(9000, 1, 1, tzinfo=UTC)
TIME_RANGE = "1970-01-01 to 8999-12-31"


def in_range(dt: datetime) -> bool:
    return MIN_TIME <= dt < MAX_TIME


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
    u = dt.astimezone(UTC)
    # The year by hand: strftime("%Y") does not pad years below 1000 on every platform.
    return f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u:%H:%M:%S}.{u.microsecond:06d}Z"


def parse_iso(text: str) -> datetime:
    given = text
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        from .errors import TimeValueError

        # Read from the database, a time written by an older prep (a year without its
        # zeros) would stop every command for good: say what to do instead.
        raise TimeValueError(
            f"cannot read the time {given!r:.40}; if the database holds it, "
            "`prep doctor` takes it out"
        ) from None
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
    from .errors import PrepError

    text = text.strip()
    try:
        if len(text) == 10:
            dt = datetime.fromisoformat(text + "T09:00:00")
        else:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=tz)
        dt = dt.astimezone(UTC)
    except ValueError as exc:
        raise PrepError(
            f"cannot read date {text!r}: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[+09:00]"
        ) from exc
    except OverflowError:  # in UTC it falls before year 1 or after 9999
        dt = MAX_TIME
    if not in_range(dt):
        raise PrepError(f"date {text!r} is outside the range prep supports ({TIME_RANGE})")
    return dt


def default_clock() -> Clock:
    """The real clock, or a frozen one when PREP_NOW is set (scripts and tests)."""
    import os

    frozen = os.environ.get("PREP_NOW")
    if frozen:
        from .errors import PrepError

        try:
            at = parse_iso(frozen.strip())
        except ValueError:
            raise PrepError(f"PREP_NOW: not an ISO date-time: {frozen!r}") from None
        except OverflowError:  # in UTC it falls before year 1 or after 9999
            at = MAX_TIME
        if not in_range(at):
            raise PrepError(
                f"PREP_NOW: {frozen!r} is outside the range prep supports ({TIME_RANGE})"
            )
        return FakeClock(at, tz=Clock().local_tz())
    return Clock()
