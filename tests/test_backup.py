"""Backups: daily on the first write, rotated, consistent snapshots; explicit backup and restore;
and the refusal to open a database that a sync tool duplicated."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import T0

from prep import backup
from prep.errors import PrepError
from prep.schedule import Scheduler
from prep.store import SCHEMA_VERSION, Store


def _db(root: Path) -> Path:
    return root / ".prep" / "prep.db"


def _store(tmp_path: Path, reviews: int = 0) -> Store:
    """A store with `reviews` grades of card c0 (made without triggering a backup)."""
    store = Store(tmp_path / ".prep" / "prep.db")
    sched = Scheduler(fuzz=False)
    store._first_write_done = True  # these grades set the scene; the hook is tested on its own
    for i in range(reviews):
        store.grade(sched, "c0", 3, T0 + timedelta(days=i))
    store._first_write_done = False
    return store


def _count(path: Path) -> int:
    with sqlite3.connect(path) as c:
        return c.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]


def _autos(db: Path) -> list[str]:
    return sorted(p.name for p in (db.parent / "backups").glob("auto-*.db"))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the automatic backup -------------------------------------------------------------
def test_first_change_of_the_day_makes_one_backup_before_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PREP_NOW", "2026-11-26T09:00:00Z")
    store = _store(tmp_path, reviews=2)
    store.suspend(["c0"], T0)  # the first change of this process (not a grade)
    assert _autos(store.path) == ["auto-2026-11-26.db"]
    made = store.path.parent / "backups" / "auto-2026-11-26.db"
    assert _count(made) == 2
    with sqlite3.connect(made) as c:  # taken before the change it precedes
        assert c.execute("SELECT COUNT(*) FROM holds").fetchone()[0] == 0
    stamp = made.stat().st_mtime_ns
    again = Store(store.path)  # another process the same day: no second backup
    again.suspend(["c1"], T0)
    again.grade(Scheduler(fuzz=False), "c1", 3, T0 + timedelta(hours=1))
    again.close()
    assert made.stat().st_mtime_ns == stamp and _count(made) == 2
    monkeypatch.setenv("PREP_NOW", "2026-11-27T09:00:00Z")
    Store(store.path).suspend(["c2"], T0 + timedelta(days=1))
    assert _autos(store.path) == ["auto-2026-11-26.db", "auto-2026-11-27.db"]
    assert _count(store.path.parent / "backups" / "auto-2026-11-27.db") == 3


def test_the_daily_backup_never_runs_inside_a_grade(tmp_path, monkeypatch):
    """A drill's first grade of the day does not wait for the backup: it is taken when the
    command ends, with that grade in it."""
    monkeypatch.setenv("PREP_NOW", "2026-11-26T09:00:00Z")
    store = _store(tmp_path, reviews=2)
    inside: list[bool] = []
    real = backup.daily_backup
    in_grade = False

    def watched(s, today=None):
        inside.append(in_grade)
        return real(s, today)

    monkeypatch.setattr(backup, "daily_backup", watched)
    sched = Scheduler(fuzz=False)
    for i in range(3):
        in_grade = True
        store.grade(sched, "c1", 3, T0 + timedelta(days=3, minutes=i))
        in_grade = False
    store.undo(sched)
    assert inside == [] and _autos(store.path) == []  # none during the grades and the undo
    store.close()  # the command ends
    assert inside == [False]
    assert _count(store.path.parent / "backups" / "auto-2026-11-26.db") == 4


def test_a_big_database_is_backed_up_when_the_command_ends(tmp_path, monkeypatch):
    monkeypatch.setenv("PREP_NOW", "2026-11-26T09:00:00Z")
    store = _store(tmp_path, reviews=2)
    monkeypatch.setattr(backup, "QUICK_BYTES", 0)  # every copy takes a while
    store.suspend(["c0"], T0)
    assert _autos(store.path) == []  # not before the change
    store.finish_backup()
    assert _autos(store.path) == ["auto-2026-11-26.db"]
    store.finish_backup()  # once
    assert _count(store.path.parent / "backups" / "auto-2026-11-26.db") == 2


def test_nothing_to_lose_means_no_backup(tmp_path):
    store = _store(tmp_path, reviews=0)
    store.suspend(["c0"], T0)
    assert not (store.path.parent / "backups").exists()


def test_the_hook_runs_once_per_process(tmp_path, monkeypatch):
    store = _store(tmp_path, reviews=1)
    calls = []
    monkeypatch.setattr(backup, "daily_backup", lambda s: calls.append(s))
    for i in range(3):
        store.suspend([f"c{i}"], T0 + timedelta(days=10 + i))
        store.grade(Scheduler(fuzz=False), "c0", 3, T0 + timedelta(days=10 + i))
    store.close()
    assert calls == [store]


def test_a_failing_backup_never_stops_the_grade(tmp_path, capsys):
    store = _store(tmp_path, reviews=1)
    (store.path.parent / "backups").write_text("a file where the folder should be")
    store.suspend(["c1"], T0)
    store.grade(Scheduler(fuzz=False), "c0", 3, T0 + timedelta(days=5))
    assert _count(store.path) == 2
    assert "warning: automatic backup skipped" in capsys.readouterr().err
    store.close()  # nor the end of the command
    assert _count(store.path) == 2


def test_the_drill_takes_the_days_backup_when_it_ends(ws, cli):
    env = {"PREP_NOW": "2026-11-26T09:00:00Z"}
    assert cli("-w", str(ws), "drill", input="\n3\nq\n", env=env).returncode == 0
    db = _db(ws)
    # The very first drill: nothing to lose when it began, its grade when it ended.
    assert _autos(db) == ["auto-2026-11-26.db"]
    assert _count(db.parent / "backups" / "auto-2026-11-26.db") == 1
    env = {"PREP_NOW": "2026-11-27T09:00:00Z"}
    r = cli("-w", str(ws), "drill", "--new", "2", input="\n3\n\n3\nq\n", env=env)
    assert r.returncode == 0, r.stderr
    assert _autos(db) == ["auto-2026-11-26.db", "auto-2026-11-27.db"]
    assert _count(db.parent / "backups" / "auto-2026-11-27.db") == _count(db) >= 2


def test_a_damaged_database_is_not_backed_up_over_good_backups(tmp_path, capsys):
    from test_doctor import corrupt_table

    store = _store(tmp_path, reviews=40)
    assert backup.daily_backup(store, date(2026, 11, 20)) is not None
    store.close()
    corrupt_table(store.path, "card_state")
    damaged = Store(store.path)
    assert backup.daily_backup(damaged, date(2026, 11, 21)) is None
    assert "fails its integrity check" in capsys.readouterr().err
    assert _autos(store.path) == ["auto-2026-11-20.db"]


def test_backup_is_a_snapshot_not_a_file_copy(tmp_path):
    """Committed rows still in the WAL are in the backup; another's open transaction is not."""
    store = _store(tmp_path, reviews=3)
    store.conn.execute("PRAGMA wal_autocheckpoint = 0")
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("PRAGMA wal_autocheckpoint = 0")
    other.execute(
        "INSERT INTO reviews(uuid, card_id, rating, reviewed_at) "
        "VALUES ('committed-in-wal', 'c9', 3, '2026-11-26T09:00:00.000000Z')"
    )
    other.execute("BEGIN IMMEDIATE")
    other.execute(
        "INSERT INTO reviews(uuid, card_id, rating, reviewed_at) "
        "VALUES ('not-committed', 'c9', 3, '2026-11-26T10:00:00.000000Z')"
    )
    dest = backup.backup_to(store, tmp_path / "b.db")
    other.execute("ROLLBACK")
    with sqlite3.connect(dest) as c:
        uuids = {r[0] for r in c.execute("SELECT uuid FROM reviews")}
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert "committed-in-wal" in uuids and "not-committed" not in uuids
    assert len(uuids) == 4
    assert not list(tmp_path.glob(".b.db.*.tmp"))


def test_a_backup_killed_half_way_leaves_no_partial_file(tmp_path, monkeypatch):
    store = _store(tmp_path, reviews=1)

    def crash(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(backup.os, "replace", crash)
    assert backup.daily_backup(store, date(2026, 11, 26)) is None
    folder = store.path.parent / "backups"
    assert list(folder.iterdir()) == []


# --- rotation ------------------------------------------------------------------------
def test_rotation_keeps_seven_days_and_four_weeks():
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(60)]  # to Sunday 2026-03-01
    keep = backup.to_keep(days)
    dailies = {date(2026, 2, 23) + timedelta(days=i) for i in range(7)}  # ISO week 9
    weeklies = {date(2026, 2, 22), date(2026, 2, 15), date(2026, 2, 8), date(2026, 2, 1)}
    assert keep == dailies | weeklies


def test_rotation_with_gaps_keeps_the_newest_of_each_week():
    days = [date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 20)]
    assert backup.to_keep(days, daily=1, weekly=4) == {date(2026, 3, 20), date(2026, 3, 4)}


def test_backups_stay_bounded_over_two_months(tmp_path):
    store = _store(tmp_path, reviews=1)
    folder = store.path.parent / "backups"
    folder.mkdir(parents=True)
    (folder / "manual-20260101-090000.db").write_bytes(b"kept: made by hand")
    (folder / "before-restore-20260101-090000.db").write_bytes(b"kept: made by restore")
    stale = folder / ".auto-2026-01-01.db.999.tmp"
    stale.write_bytes(b"left by a killed process")
    import os

    os.utime(stale, (0, 0))
    fresh = folder / ".auto-2026-03-01.db.998.tmp"
    fresh.write_bytes(b"another process is writing this one now")
    start = date(2026, 1, 1)
    for i in range(60):
        backup.daily_backup(store, start + timedelta(days=i))
        assert len(_autos(store.path)) <= backup.KEEP_DAILY + backup.KEEP_WEEKLY
    assert len(_autos(store.path)) == 11
    assert _autos(store.path)[-1] == "auto-2026-03-01.db"
    assert (folder / "manual-20260101-090000.db").exists()
    assert (folder / "before-restore-20260101-090000.db").exists()
    assert not stale.exists() and fresh.exists()


# --- prep backup / prep restore -------------------------------------------------------
def _drill(cli, ws: Path, grades: str) -> None:
    p = cli("-w", str(ws), "drill", "--new", "10", input=grades)
    assert p.returncode == 0, p.stderr


def test_backup_command_writes_a_usable_copy(cli, ws):
    _drill(cli, ws, "3\n1\n4\n")
    p = cli("-w", str(ws), "backup")
    assert p.returncode == 0, p.stderr
    made = list((_db(ws).parent / "backups").glob("manual-*.db"))
    assert len(made) == 1
    assert f"Backed up 3 review(s) to {made[0]}" in p.stdout
    assert backup.inspect(made[0]).reviews == 3
    listed = cli("-w", str(ws), "backup", "--list")
    assert made[0].name in listed.stdout and "manual" in listed.stdout
    assert str(made[0].parent) in listed.stdout


def test_backup_list_is_an_aligned_table_with_dates(cli, ws):
    import os

    folder = _db(ws).parent / "backups"
    folder.mkdir(parents=True)
    stamp = 1_795_700_000  # 2026-11-26 13:33:20 UTC
    names = ["auto-2026-11-26.db", "before-restore-20261126-155656.db", "manual-x.db"]
    for i, name in enumerate(names):
        (folder / name).write_bytes(b"x" * 2048)
        os.utime(folder / name, (stamp - 60 * i, stamp - 60 * i))
    p = cli("-w", str(ws), "backup", "--list", env={"TZ": "UTC"})
    assert p.returncode == 0, p.stderr
    rows = p.stdout.splitlines()[1:]
    assert [r.split()[0] for r in rows] == ["name", *names]
    kinds = {len(r) - len(r.split(maxsplit=1)[1]) for r in rows}
    assert len(kinds) == 1  # the kind column starts at the same place on every row
    assert rows[1].split()[1:] == ["auto", "2026-11-26", "13:33", "2", "KB"]
    assert "before-restore  2026-11-26 13:32" in rows[2]


def test_backup_to_an_existing_file_is_refused(cli, ws, tmp_path):
    _drill(cli, ws, "3\n")
    target = tmp_path / "mine.db"
    target.write_bytes(b"precious")
    p = cli("-w", str(ws), "backup", str(target))
    assert p.returncode == 1
    assert p.stderr.startswith(f"Error: {target}: already exists")
    assert target.read_bytes() == b"precious"


def test_restore_brings_back_a_backup_and_keeps_the_current_one(cli, ws, tmp_path):
    _drill(cli, ws, "3\n1\n")
    assert cli("-w", str(ws), "backup", str(tmp_path / "two.db")).returncode == 0
    _drill(cli, ws, "4\n4\n4\n")
    assert _count(_db(ws)) == 5
    p = cli("-w", str(ws), "restore", str(tmp_path / "two.db"))
    assert p.returncode == 0, p.stderr
    assert _count(_db(ws)) == 2
    saved = list((_db(ws).parent / "backups").glob("before-restore-*.db"))
    assert len(saved) == 1 and _count(saved[0]) == 5
    assert f"is saved in {saved[0]}" in p.stdout
    # the restored database works: status reads it, doctor finds states equal to the log
    assert cli("-w", str(ws), "status").returncode == 0
    d = cli("-w", str(ws), "doctor")
    assert d.returncode == 0 and "every card matches its review log" in d.stdout


def test_restore_finds_a_name_in_the_backups_folder(cli, ws):
    _drill(cli, ws, "3\n")
    assert cli("-w", str(ws), "backup").returncode == 0
    name = next((_db(ws).parent / "backups").glob("manual-*.db")).name
    _drill(cli, ws, "4\n")
    p = cli("-w", str(ws), "restore", name)
    assert p.returncode == 0, p.stderr
    assert _count(_db(ws)) == 1


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_text("id,q\n1,hello\n"), "not a prep database (not an SQLite file)"),
        (
            lambda p: sqlite3.connect(p).execute("CREATE TABLE x(a)"),
            "not a prep database (no table",
        ),
        (lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000), "not a usable"),
        (lambda p: None, "no such file"),
    ],
    ids=["text", "other-sqlite", "garbage", "missing"],
)
def test_restore_refuses_what_is_not_a_prep_database(cli, ws, tmp_path, make, message):
    _drill(cli, ws, "3\n1\n")
    target = tmp_path / "thing.db"
    make(target)
    before = _sha(_db(ws))
    p = cli("-w", str(ws), "restore", str(target))
    assert p.returncode == 1
    assert p.stderr.startswith("Error: ") and message in p.stderr, p.stderr
    assert "Traceback" not in p.stderr
    assert _sha(_db(ws)) == before
    assert not list((_db(ws).parent / "backups").glob("before-restore-*"))


def test_restore_refuses_a_newer_schema(tmp_path):
    newer = tmp_path / "newer.db"
    src = Store(newer)
    src.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    src.close()
    store = _store(tmp_path / "here", reviews=1)
    with pytest.raises(PrepError, match="made by a newer prep"):
        backup.restore(store, newer)
    assert _count(store.path) == 1


def test_restore_of_an_older_schema_is_migrated(tmp_path):
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    from prep.store import MIGRATIONS

    old = tmp_path / "old.db"
    m = Migrations("prep")
    m()(MIGRATIONS[0])
    db = Database(old)
    m.apply(db)
    db.execute("PRAGMA user_version = 1")
    db.execute(
        "INSERT INTO reviews(uuid, card_id, rating, reviewed_at) "
        "VALUES ('u1', 'c0', 3, '2026-11-26T09:00:00.000000Z')"
    )
    db.conn.commit()
    db.close()
    store = _store(tmp_path / "here", reviews=2)
    done = backup.restore(store, old)
    assert done.source.schema == 1 and done.reviews_before == 2
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master")}
    assert "mock_sessions" in tables
    assert _count(store.path) == 1


# --- a sync tool's conflict copy ------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "prep (Dongju's conflicted copy 2026-11-26).db",
        "prep.sync-conflict-20261126-101010-ABCDEFG.db",
    ],
)
@pytest.mark.parametrize("command", [("status",), ("drill",), ("doctor",), ("backup",)])
def test_a_conflict_copy_next_to_the_database_is_refused(cli, ws, name, command):
    _drill(cli, ws, "3\n")
    (_db(ws).parent / name).write_bytes(b"whatever the sync tool left")
    before = _sha(_db(ws))
    p = cli("-w", str(ws), *command, input="3\n")
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert name in lines[0] and "sync conflict copy" in lines[0]
    assert "prep log import" in lines[0]  # says what to do
    assert _sha(_db(ws)) == before


def test_the_conflict_advice_merges_the_copy(cli, ws, tmp_path):
    _drill(cli, ws, "3\n")
    db = _db(ws)
    saved = tmp_path / "before.db"
    shutil.copyfile(db, saved)
    _drill(cli, ws, "3\n")  # this grade is only in what becomes the conflict copy
    copy = db.parent / "prep (conflicted copy 2026-11-26).db"
    shutil.copyfile(db, copy)
    shutil.copyfile(saved, db)
    for extra in ("-wal", "-shm"):
        Path(str(db) + extra).unlink(missing_ok=True)
    doctor = cli("-w", str(ws), "doctor")
    assert doctor.returncode == 1 and "restore" not in doctor.stderr  # the file is not damaged
    message = cli("-w", str(ws), "status").stderr
    steps = re.findall(r"`prep ([^`]*)`", message)
    assert len(steps) == 2 and f"move {shlex.quote(str(copy))} out of" in message
    export = cli("-w", str(ws), *shlex.split(steps[0]), cwd=tmp_path)
    assert export.returncode == 0 and "Exported 2 review(s)" in export.stdout, export.stderr
    copy.rename(tmp_path / copy.name)
    merged = cli("-w", str(ws), *shlex.split(steps[1]), cwd=tmp_path)
    assert merged.returncode == 0 and "Imported 1 new review(s)" in merged.stdout, merged.stderr
    assert json.loads(cli("-w", str(ws), "status", "--json").stdout)["reviewed_today"] == 2
