"""Backups and restore under faults: restore refuses what prep did not create and brings a
copy up to date before it replaces anything; the rotation survives a clock that ran ahead;
the daily backup never takes the room the grade after it needs."""

from __future__ import annotations

import hashlib
import sqlite3
from collections import namedtuple
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import T0

from prep import backup
from prep.errors import PrepError
from prep.schedule import Scheduler
from prep.store import MIGRATIONS, SCHEMA_VERSION, Store


def _store(path: Path, reviews: int = 0, card: str = "c0") -> Store:
    store = Store(path)
    store._first_write_done = True
    sched = Scheduler(fuzz=False)
    for i in range(reviews):
        store.grade(sched, card, 3, T0 + timedelta(days=i))
    return store


def _reviews(store: Store) -> list[str]:
    return [r[0] for r in store.conn.execute("SELECT uuid FROM reviews ORDER BY uuid")]


def _backup_with(tmp_path: Path, sql: str, name: str = "tampered.db") -> Path:
    """A real backup of a database with two reviews, then `sql` run on the file."""
    src = _store(tmp_path / "src" / "prep.db", reviews=2, card="theirs")
    dest = backup.backup_to(src, tmp_path / name)
    src.close()
    conn = sqlite3.connect(dest, isolation_level=None)
    conn.executescript(sql)
    conn.close()
    return dest


# --- D9: restore refuses what prep does not create ------------------------------------------
HOSTILE = {
    "trigger": "CREATE TRIGGER eat AFTER INSERT ON reviews BEGIN DELETE FROM reviews; END;",
    "view": "CREATE VIEW v AS SELECT * FROM reviews;",
    "index": "CREATE INDEX extra ON reviews(rating);",
    "table": "CREATE TABLE extra (x);",
    "altered table": "ALTER TABLE reviews ADD COLUMN x DEFAULT 1;",
    "dropped index": "DROP INDEX reviews_card;",
    "trigger on meta": "CREATE TRIGGER t2 BEFORE UPDATE ON meta BEGIN SELECT 1; END;",
    "time out of range": "UPDATE reviews SET reviewed_at = '1-01-01T00:00:00.000000Z';",
}


@pytest.mark.parametrize("what", sorted(HOSTILE))
def test_restore_refuses_a_file_holding_what_prep_does_not_create(tmp_path, what):
    live = _store(tmp_path / "live" / "prep.db", reviews=1)
    before = _reviews(live)
    source = _backup_with(tmp_path, HOSTILE[what])
    with pytest.raises(PrepError, match="not a database as prep makes it"):
        backup.restore(live, source)
    assert _reviews(live) == before
    assert backup.list_backups(live.path) == []  # not even a safety copy was needed
    assert not [p for p in (live.path.parent / "backups").glob(".*")]  # no staging left


def test_a_trigger_in_a_restored_file_can_never_eat_later_grades(tmp_path):
    """The red team's case end to end: were the trigger let in, each grade would vanish."""
    live = _store(tmp_path / "live" / "prep.db", reviews=1)
    source = _backup_with(tmp_path, HOSTILE["trigger"])
    with pytest.raises(PrepError):
        backup.restore(live, source)
    review, _ = live.grade(Scheduler(fuzz=False), "c9", 3, T0 + timedelta(days=9))
    assert review.uuid in _reviews(live)
    assert live.conn.execute(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'"
    ).fetchone() == (0,)


def test_restore_takes_a_plain_backup_and_one_from_an_older_schema(tmp_path):
    live = _store(tmp_path / "live" / "prep.db", reviews=1)
    plain = _backup_with(tmp_path, "")
    done = backup.restore(live, plain)
    assert done.source.reviews == 2 and len(_reviews(live)) == 2

    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    old = tmp_path / "old.db"
    conn = sqlite3.connect(old, isolation_level=None)
    migrations = Migrations("prep")
    for fn in MIGRATIONS[: SCHEMA_VERSION - 1]:
        migrations()(fn)
    migrations.apply(Database(conn))
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    conn.execute(
        "INSERT INTO reviews (uuid, card_id, rating, reviewed_at) "
        "VALUES ('u-old', 'c', 3, '2026-11-20T09:00:00.000000Z')"
    )
    conn.close()
    backup.restore(live, old)
    assert _reviews(live) == ["u-old"]
    assert live.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert backup.schema_problem(live.conn, SCHEMA_VERSION) is None
    live.grade(Scheduler(fuzz=False), "c", 3, T0)  # the restored database takes grades


# --- D10: a file that cannot be migrated leaves the live database untouched ---------------
def _unmigratable(tmp_path: Path) -> Path:
    """Passes every check of the file as it is; its migration record refuses new rows."""
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    path = tmp_path / "cannot-migrate.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrations = Migrations("prep")
    for fn in MIGRATIONS[: SCHEMA_VERSION - 1]:
        migrations()(fn)
    migrations.apply(Database(conn))
    conn.executescript(
        f"""
        PRAGMA user_version = {SCHEMA_VERSION - 1};
        ALTER TABLE _sqlite_migrations RENAME TO old_m;
        CREATE TABLE _sqlite_migrations (id INTEGER PRIMARY KEY, migration_set TEXT,
            name TEXT, applied_at TEXT CHECK (applied_at IS NULL));
        INSERT INTO _sqlite_migrations (id, migration_set, name)
            SELECT id, migration_set, name FROM old_m;
        DROP TABLE old_m;
        INSERT INTO reviews (uuid, card_id, rating, reviewed_at)
            VALUES ('u-bad', 'c', 3, '2026-11-20T09:00:00.000000Z');
        """
    )
    conn.close()
    return path


def test_a_file_that_cannot_be_migrated_leaves_the_live_database_untouched(tmp_path):
    live = _store(tmp_path / "live" / "prep.db", reviews=3)
    before = _reviews(live)
    source = _unmigratable(tmp_path)
    backup.inspect(source)  # the file as it is passes the check
    with pytest.raises(PrepError, match="cannot be brought up to date.*nothing was changed"):
        backup.restore(live, source)
    assert _reviews(live) == before
    # Every command still works on it: a new store, a grade, another restore.
    again = Store(live.path)
    again._first_write_done = True
    again.grade(Scheduler(fuzz=False), "c1", 3, T0 + timedelta(days=10))
    assert len(_reviews(again)) == 4
    backup.restore(again, _backup_with(tmp_path, ""))
    assert len(_reviews(again)) == 2


def test_restore_cli_refuses_an_unmigratable_file_and_doctor_still_runs(ws, cli):
    env = {"PREP_NOW": "2026-11-26T09:00:00Z"}
    assert cli("-w", str(ws), "drill", input="\n3\nq\n", env=env).returncode == 0
    r = cli("-w", str(ws), "restore", str(_unmigratable(ws.parent)), env=env)
    assert r.returncode == 1 and r.stderr.startswith("Error: ") and "Traceback" not in r.stderr
    for args in (["status"], ["doctor"]):
        ok = cli("-w", str(ws), *args, env=env)
        assert ok.returncode == 0, ok.stderr
    assert "reviews      1 on 1 card(s)" in cli("-w", str(ws), "doctor", env=env).stdout


# --- D11: rotation after the clock ran ahead ---------------------------------------------------
def test_each_new_backup_survives_rotation_after_the_clock_ran_ahead(tmp_path):
    store = _store(tmp_path / ".prep" / "prep.db", reviews=1)
    folder = backup.backups_dir(store.path)
    folder.mkdir()
    ahead = date(2027, 6, 1)
    for i in range(10):  # ten days of backups made while the clock ran a year ahead
        (folder / f"auto-{(ahead + timedelta(days=i)).isoformat()}.db").write_bytes(b"x")
    today = date(2026, 11, 26)
    for i in range(9):
        day = today + timedelta(days=i)
        made = backup.daily_backup(store, today=day)
        assert made is not None and made.exists(), f"the backup of {day} was rotated away"
    kept = sorted(p.name for p in folder.glob("auto-*.db"))
    newest = [f"auto-{(today + timedelta(days=8 - i)).isoformat()}.db" for i in range(7)]
    assert set(newest) <= set(kept)  # the real week is all there
    misdated = [n for n in kept if n >= "auto-2027"]
    assert len(misdated) <= backup.KEEP_WEEKLY  # the misdated ones are going: weekly slots at most
    assert len(kept) <= backup.KEEP_DAILY + backup.KEEP_WEEKLY


@pytest.mark.parametrize("real_days", [1, 3, 7, 12])
def test_days_after_today_rank_below_every_real_day(real_days):
    today = date(2026, 11, 26)
    future = [date(2027, 1, 1) + timedelta(days=i) for i in range(10)]
    real = [today - timedelta(days=i) for i in range(real_days)]
    keep = backup.to_keep([*future, *real], today=today)
    assert today in keep
    assert set(real[: backup.KEEP_DAILY]) <= keep  # no real day of the newest week goes
    kept_future = set(future) & keep
    if real_days >= backup.KEEP_DAILY:  # a real week exists: misdated ones hold weekly slots only
        assert len(kept_future) <= backup.KEEP_WEEKLY
    else:  # the daily slots left over go to misdated ones, newest first
        assert (
            sorted(kept_future, reverse=True)[: backup.KEEP_DAILY - real_days]
            == sorted(future, reverse=True)[: backup.KEEP_DAILY - real_days]
        )


# --- D15: the daily backup leaves room for the grade -----------------------------------------
Usage = namedtuple("Usage", "total used free")


def test_a_daily_backup_that_would_fill_the_disk_is_skipped_and_the_grade_goes_on(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("PREP_NOW", "2026-11-26T09:00:00Z")
    store = _store(tmp_path / ".prep" / "prep.db", reviews=2)
    store._first_write_done = False
    size = store.path.stat().st_size
    monkeypatch.setattr(
        "shutil.disk_usage", lambda p: Usage(10**9, 10**9 - size * 2, size * 2)
    )  # room for the copy, and nothing after it
    review, _ = store.grade(Scheduler(fuzz=False), "c1", 3, T0 + timedelta(days=3))
    store.close()  # the end of the command takes the backup a grade left for it
    assert review.uuid in _reviews(Store(store.path))
    assert list(backup.backups_dir(store.path).glob("*")) == []
    err = capsys.readouterr().err
    assert "automatic backup skipped" in err and "free" in err


def test_a_disk_full_during_the_backup_never_fails_the_grade(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PREP_NOW", "2026-11-26T09:00:00Z")
    store = _store(tmp_path / ".prep" / "prep.db", reviews=2)
    store._first_write_done = False

    def full(conn, dest):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(backup, "snapshot", full)
    store.suspend(["c2"], T0)  # a change that takes the backup before it
    review, _ = store.grade(Scheduler(fuzz=False), "c1", 3, T0 + timedelta(days=3))
    assert review.uuid in _reviews(store)
    assert "automatic backup skipped: database or disk is full" in capsys.readouterr().err


def test_with_room_to_spare_the_daily_backup_is_made(tmp_path, monkeypatch):
    monkeypatch.setenv("PREP_NOW", "2026-11-26T09:00:00Z")
    store = _store(tmp_path / ".prep" / "prep.db", reviews=2)
    store._first_write_done = False
    monkeypatch.setattr("shutil.disk_usage", lambda p: Usage(10**12, 0, 10**11))
    store.grade(Scheduler(fuzz=False), "c1", 3, T0 + timedelta(days=3))
    store.close()
    made = backup.backups_dir(store.path) / "auto-2026-11-26.db"
    assert hashlib.sha256(made.read_bytes()).hexdigest()  # a whole file
    assert backup.inspect(made).reviews == 3
