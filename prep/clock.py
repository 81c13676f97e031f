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
        return system_zone()


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


_zone_cache: tuple[str | None, tzinfo] | None = None


def system_zone() -> tzinfo:
    """The local time zone with its rules, daylight saving included.

    `TZ` if set (a zone name such as Europe/Berlin, or a tzfile path), else
    /etc/localtime; both read with zoneinfo, so 09:00 on a date across a DST
    change is 09:00 local that day. A TZ that names no zone file (a POSIX rule
    like `EST5EDT,M3.2.0,M11.1.0`, or a system without zone files) falls back
    to the C library's local time, which follows the same rules.
    """
    import os

    global _zone_cache
    key = os.environ.get("TZ")
    if _zone_cache is not None and _zone_cache[0] == key:
        return _zone_cache[1]
    zone = _zone_from_tz(key) if key is not None else _etc_localtime()
    if zone is None:
        time.tzset()
        zone = LibcZone()
    _zone_cache = (key, zone)
    return zone


def _zone_from_tz(key: str) -> tzinfo | None:
    key = key.strip().removeprefix(":")
    if not key:  # an empty TZ is UTC to the C library too
        return UTC
    import zoneinfo

    try:
        if key.startswith("/"):
            with open(key, "rb") as f:
                return zoneinfo.ZoneInfo.from_file(f, key=key)
        return zoneinfo.ZoneInfo(key)
    except (OSError, ValueError, zoneinfo.ZoneInfoNotFoundError):
        return None


def _etc_localtime() -> tzinfo | None:
    import os

    path = "/etc/localtime"
    try:
        target = os.path.realpath(path)
    except OSError:
        return None
    _, sep, name = target.partition("/zoneinfo/")
    if sep and name:
        zone = _zone_from_tz(name)
        if zone is not None:
            return zone
    return _zone_from_tz(path) if os.path.exists(path) else None


class LibcZone(tzinfo):
    """Local time as the C library computes it (time.localtime), DST included."""

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(seconds=self._local(dt).tm_gmtoff)

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(hours=1) if self._local(dt).tm_isdst > 0 else timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return self._local(dt).tm_zone

    def fromutc(self, dt: datetime) -> datetime:
        stamp = dt.replace(tzinfo=UTC).timestamp()
        offset = timedelta(seconds=time.localtime(stamp).tm_gmtoff)
        return (dt + offset).replace(tzinfo=self)

    @staticmethod
    def _local(dt: datetime | None) -> time.struct_time:
        if dt is None:
            return time.localtime()
        wall = (dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, 0, 0, -1)
        try:
            return time.localtime(time.mktime(wall))
        except (OverflowError, ValueError):
            return time.localtime()


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
    start = local.replace(hour=hour, minute=0, second=0, microsecond=0, fold=0)
    if local < start:
        # Wall-clock arithmetic: the day before at the same local hour, even across DST.
        start = start.replace(tzinfo=None) - timedelta(days=1)
        start = start.replace(tzinfo=tz)
    return start.astimezone(UTC)


def parse_when(text: str, tz: tzinfo) -> datetime:
    """Parse a user-given date or datetime: a date alone is 09:00 that day, and a time
    without an offset is local time (`tz`)."""
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
