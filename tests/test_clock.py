"""The local clock follows the zone's rules: a date across a DST change keeps its local time."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from prep import clock
from prep.clock import FakeClock, LibcZone, day_start, parse_when, system_zone
from prep.schedule import Scheduler
from prep.status import status
from prep.store import Store
from prep.sync import sync
from prep.workspace import find

NY = ZoneInfo("America/New_York")
UTC = timezone.utc
WINTER = datetime(2027, 1, 15, 12, tzinfo=UTC)
SUMMER = datetime(2027, 7, 15, 12, tzinfo=UTC)


def _offsets(zone) -> tuple[float, float]:
    return tuple(
        (at.astimezone(zone).utcoffset() or timedelta(0)).total_seconds() / 3600
        for at in (WINTER, SUMMER)
    )


@pytest.fixture(autouse=True)
def _fresh_zone(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(clock, "_zone_cache", None)
    yield
    monkeypatch.undo()
    time.tzset()  # the C library's idea of TZ, back to this process's environment


def test_tz_names_a_zone_with_its_daylight_saving(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    assert _offsets(system_zone()) == (-5, -4)
    assert _offsets(clock.Clock().local_tz()) == (-5, -4)
    monkeypatch.setenv("TZ", ":Europe/Berlin")  # the C library's leading colon
    assert _offsets(system_zone()) == (1, 2)


def test_tz_as_a_zone_file_path(monkeypatch):
    path = Path("/usr/share/zoneinfo/Australia/Sydney")
    if not path.exists():
        pytest.skip("no system zone files")
    monkeypatch.setenv("TZ", str(path))
    assert _offsets(system_zone()) == (11, 10)  # southern summer in January


def test_a_posix_rule_falls_back_to_the_c_library(monkeypatch):
    monkeypatch.setenv("TZ", "XST5XDT,M3.2.0,M11.1.0")  # no such zone file: a rule
    zone = system_zone()
    assert isinstance(zone, LibcZone)
    assert _offsets(zone) == (-5, -4)
    local = datetime(2027, 3, 20, 9, tzinfo=zone)
    assert local.astimezone(UTC).hour == 13  # 09:00 daylight time is 13:00 UTC


def test_an_empty_tz_is_utc(monkeypatch):
    monkeypatch.setenv("TZ", "")
    assert _offsets(system_zone()) == (0, 0)


def test_without_tz_the_system_zone_is_read(monkeypatch):
    monkeypatch.delenv("TZ", raising=False)
    time.tzset()
    zone = system_zone()
    # Whatever this machine's zone is, it answers for any date (not one fixed offset taken now).
    for at in (WINTER, SUMMER):
        expected = datetime.fromtimestamp(at.timestamp()).astimezone().utcoffset()
        assert at.astimezone(zone).utcoffset() == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Spring forward, 2027-03-14 02:00 EST -> 03:00 EDT.
        (datetime(2027, 3, 14, 12, 0, tzinfo=NY), datetime(2027, 3, 14, 8, 0, tzinfo=UTC)),
        (datetime(2027, 3, 14, 3, 30, tzinfo=NY), datetime(2027, 3, 13, 9, 0, tzinfo=UTC)),
        (datetime(2027, 3, 15, 3, 59, tzinfo=NY), datetime(2027, 3, 14, 8, 0, tzinfo=UTC)),
        # Fall back, 2026-11-01 02:00 EDT -> 01:00 EST.
        (datetime(2026, 11, 1, 12, 0, tzinfo=NY), datetime(2026, 11, 1, 9, 0, tzinfo=UTC)),
        (datetime(2026, 11, 1, 1, 30, tzinfo=NY), datetime(2026, 10, 31, 8, 0, tzinfo=UTC)),
        (datetime(2026, 11, 2, 3, 0, tzinfo=NY), datetime(2026, 11, 1, 9, 0, tzinfo=UTC)),
    ],
)
def test_study_day_starts_at_the_local_hour_on_both_sides_of_a_change(now, expected):
    start = day_start(now.astimezone(UTC), NY, 4)
    assert start == expected
    assert start.astimezone(NY).hour == 4


def test_a_date_across_the_change_is_nine_local_that_day():
    # Set in winter (EST, -05:00) for a day in daylight time (EDT, -04:00), and back.
    spring = parse_when("2027-03-20", NY)
    assert spring.astimezone(NY).hour == 9 and spring.hour == 13
    autumn = parse_when("2026-11-05", NY)
    assert autumn.astimezone(NY).hour == 9 and autumn.hour == 14


def test_plan_stores_the_interview_with_that_days_offset(ws, cli):
    env = {"TZ": "America/New_York", "PREP_NOW": "2027-03-01T15:00:00Z"}
    r = cli("-w", str(ws), "plan", "--interview", "2027-03-20", "--json", env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["interview"].startswith("2027-03-20T09:00:00-04:00")
    env["PREP_NOW"] = "2026-10-20T15:00:00Z"
    r = cli("-w", str(ws), "plan", "--interview", "2026-11-05T10:00", "--json", env=env)
    assert json.loads(r.stdout)["interview"].startswith("2026-11-05T10:00:00-05:00")


def test_streak_counts_local_study_days_across_a_change(empty_ws):
    # A review at 03:30 local, just before the day starts at 04:00, every night from
    # 2027-03-10 to 03-16 (DST begins 03-14): study days 03-09 to 03-15, seven in a row.
    # One fixed offset (today's, EDT) would put the four EST nights a day later.
    (empty_ws / "decks" / "a.yaml").write_text(
        "deck: a\ncards:\n  - id: c0\n    q: question\n    a: answer\n", encoding="utf-8"
    )
    w = find(str(empty_ws))
    store = Store(w.db_path)
    scheduler = Scheduler(fuzz=False)
    sync(store, w, FakeClock(WINTER))
    for day in range(10, 17):
        store.grade(scheduler, "c0", 3, datetime(2027, 3, day, 3, 30, tzinfo=NY).astimezone(UTC))
    for at, reviewed_today in (
        (datetime(2027, 3, 16, 3, 45, tzinfo=NY), 1),  # still the study day of 03-15
        (datetime(2027, 3, 16, 12, 0, tzinfo=NY), 0),  # 03-16: nothing yet, the streak holds
    ):
        data = status(store, FakeClock(at, tz=NY))
        assert data["streak_days"] == 7
        assert data["reviewed_today"] == reviewed_today
