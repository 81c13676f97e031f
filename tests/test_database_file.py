"""The database file itself: a new one is born whole, a 0-byte one is not taken as new, a
migration that fails and a damaged page give one `Error:` line (bare `prep` and `prep status`
included), and PREP_BUSY_TIMEOUT is read as a number of seconds or not at all."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import T0

from prep import store as store_mod
from prep.errors import PrepError
from prep.schedule import Scheduler
from prep.store import MIGRATIONS, SCHEMA_VERSION, Store

NOW = {"PREP_NOW": "2026-11-26T09:00:00Z"}
M = "_sqlite_migrations"


def _db(root: Path) -> Path:
    return root / ".prep" / "prep.db"


def _one_error_line(r) -> str:
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), r.stderr
    return lines[0]


def _old_schema_db(path: Path, version: int) -> sqlite3.Connection:
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    migrations = Migrations("prep")
    for fn in MIGRATIONS[:version]:
        migrations()(fn)
    migrations.apply(Database(conn))
    conn.execute(f"PRAGMA user_version = {version}")
    return conn


def _unmigratable(path: Path) -> None:
    """A database one schema behind whose migration record refuses every new row."""
    conn = _old_schema_db(path, SCHEMA_VERSION - 1)
    conn.executescript(
        """
        ALTER TABLE _sqlite_migrations RENAME TO old_m;
        CREATE TABLE _sqlite_migrations (id INTEGER PRIMARY KEY, migration_set TEXT,
            name TEXT, applied_at TEXT CHECK (applied_at IS NULL));
        INSERT INTO _sqlite_migrations (id, migration_set, name)
            SELECT id, migration_set, name FROM old_m;
        DROP TABLE old_m;
        INSERT INTO reviews (uuid, card_id, rating, reviewed_at)
            VALUES ('u1', 'c', 3, '2026-11-25T09:00:00.000000Z');
        """
    )
    conn.close()


# --- a 0-byte database (D22) --------------------------------------------------------------
def test_a_zero_byte_database_is_refused_not_taken_as_new(ws, cli):
    db = _db(ws)
    db.parent.mkdir(parents=True)
    db.write_bytes(b"")
    for args in (["status"], [], ["drill"], ["doctor"]):
        line = _one_error_line(cli("-w", str(ws), *args, input="q\n", env=NOW))
        assert "empty (0 bytes)" in line and "prep restore" in line
    assert db.stat().st_size == 0  # nothing was made in its place


def test_a_zero_byte_database_can_be_restored_from_a_backup(ws, cli):
    assert cli("-w", str(ws), "drill", input="\n3\nq\n", env=NOW).returncode == 0
    saved = ws / "saved.db"
    assert cli("-w", str(ws), "backup", str(saved), env=NOW).returncode == 0
    _db(ws).write_bytes(b"")
    for end in ("-wal", "-shm"):
        Path(f"{_db(ws)}{end}").unlink(missing_ok=True)
    listed = cli("-w", str(ws), "backup", "--list", env=NOW)
    assert listed.returncode == 0, listed.stderr
    r = cli("-w", str(ws), "restore", str(saved), env=NOW)
    assert r.returncode == 0, r.stderr
    assert "Restored" in r.stdout and "1 review(s)" in r.stdout
    assert cli("-w", str(ws), "status", env=NOW).returncode == 0


def test_a_new_database_never_exists_half_made(tmp_path, monkeypatch):
    path = tmp_path / ".prep" / "prep.db"

    def killed(conn):
        raise KeyboardInterrupt  # the process dies while the schema is being made

    monkeypatch.setattr(store_mod, "migrate_connection", killed)
    with pytest.raises(KeyboardInterrupt):
        Store(path)
    assert not path.exists()  # no 0-byte or half-made file where the database belongs
    assert list(path.parent.iterdir()) == []
    monkeypatch.undo()
    store = Store(path)
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store._first_write_done = True
    store.grade(Scheduler(fuzz=False), "c", 3, T0)
    assert sorted(
        p.name for p in path.parent.iterdir() if not p.name.endswith(("-wal", "-shm"))
    ) == ["prep.db"]


def test_two_stores_creating_the_same_database_share_one_file(tmp_path):
    path = tmp_path / "p.db"
    a = Store(path)
    b = Store(path)
    a._first_write_done = b._first_write_done = True
    a.grade(Scheduler(fuzz=False), "c", 3, T0)
    assert b.conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 1


# --- a migration that fails (D16) -----------------------------------------------------------
def test_a_migration_that_fails_is_one_error_and_changes_nothing(tmp_path):
    path = tmp_path / "p.db"
    _unmigratable(path)
    for _ in range(2):  # and again: the first attempt left nothing half-done
        with pytest.raises(PrepError, match="cannot bring the database up to date"):
            Store(path)
    with sqlite3.connect(path) as c:
        assert c.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION - 1
        assert c.execute("SELECT uuid FROM reviews").fetchall() == [("u1",)]
        schema = c.execute(
            "SELECT name, sql FROM sqlite_master WHERE tbl_name != ?", (M,)
        ).fetchall()
    ref = _old_schema_db(tmp_path / "ref.db", SCHEMA_VERSION - 1)
    assert sorted(schema) == sorted(
        ref.execute("SELECT name, sql FROM sqlite_master WHERE tbl_name != ?", (M,)).fetchall()
    )


@pytest.mark.parametrize("args", [[], ["status"], ["status", "--json"]])
def test_the_fast_status_path_gives_one_error_line_for_a_failed_migration(ws, cli, args):
    _unmigratable(_db(ws))
    line = _one_error_line(cli("-w", str(ws), *args, env=NOW))
    assert "cannot bring the database up to date" in line


@pytest.mark.parametrize("args", [[], ["status"]])
def test_the_fast_status_path_gives_one_error_line_for_a_damaged_page(ws, cli, args):
    assert cli("-w", str(ws), "status", env=NOW).returncode == 0
    db = _db(ws)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # The index status counts the cards by (it never reads the rows with their text).
    root = conn.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'cards_active'"
    ).fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(db.read_bytes())
    start = (root - 1) * size
    data[start : start + size] = b"\xa5" * size  # that index's root page is garbage
    db.write_bytes(bytes(data))
    line = _one_error_line(cli("-w", str(ws), *args, env=NOW))
    assert "database" in line


def test_the_fast_status_path_gives_one_error_line_for_a_full_disk(ws, monkeypatch, capsys):
    from prep.cli import status as status_cli

    def full(*a, **k):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr("prep.sync.sync", full)
    assert status_cli.run(str(ws), None, False) == 1
    err = capsys.readouterr().err
    assert err == "Error: the database could not be used: database or disk is full\n"


# --- PREP_BUSY_TIMEOUT (D18) ----------------------------------------------------------------
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1", "1e309", "99999999999"])
def test_a_busy_timeout_that_is_no_number_of_seconds_means_the_default(
    tmp_path, monkeypatch, value
):
    monkeypatch.setenv("PREP_BUSY_TIMEOUT", value)
    store = Store(tmp_path / "p.db")
    assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_prep_status_runs_with_a_nan_busy_timeout(ws, cli):
    r = cli("-w", str(ws), "status", env={**NOW, "PREP_BUSY_TIMEOUT": "nan"})
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
