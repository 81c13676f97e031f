"""Undo, renames and doctor work on identities inside one transaction: undo takes back the
person's own last grade (never a review another machine sent), a grade follows a rename to
the live card, and a repair cannot overwrite a grade made while it ran."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import T0

from prep import doctor, logsync
from prep.errors import PrepError
from prep.schedule import Scheduler
from prep.store import MIGRATIONS, Store


def _store(path: Path) -> Store:
    store = Store(path)
    store._first_write_done = True  # no automatic backup in these scenes
    return store


def _card(store: Store, card_id: str, active: int = 1) -> None:
    with store.write() as conn:
        conn.execute(
            "INSERT INTO cards (id, deck, kind, topic, q, active) VALUES (?, 'd', 'concept', 't', ?, ?)",
            (card_id, f"question {card_id}", active),
        )


def _ahead_export(tmp_path: Path, card_id: str, hours: float) -> Path:
    """A log file from a machine whose clock runs `hours` ahead of this one."""
    line = {
        "uuid": "6f1c1f5e-2f1b-4d59-9a57-0d0a4c3b9e11", "card_id": card_id, "rating": 4,
        "reviewed_at": (T0 + timedelta(hours=hours)).isoformat(), "duration_ms": 1000,
        "source": "drill", "session": "laptop",
    }  # fmt: skip
    path = tmp_path / "laptop.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    return path


# --- D8: undo by identity ----------------------------------------------------------------
def test_undo_takes_back_my_last_grade_not_a_later_dated_imported_review(tmp_path):
    store, sched = _store(tmp_path / "p.db"), Scheduler(fuzz=False)
    first, _ = store.grade(sched, "c1", 3, T0)
    entries = logsync.read(_ahead_export(tmp_path, "c2", 3), now=T0)  # accepted: a day of slack
    logsync.import_(store, sched, entries)
    mine, _ = store.grade(sched, "c3", 2, T0 + timedelta(minutes=1))

    undone = store.undo(sched, at=T0 + timedelta(minutes=2))
    assert undone is not None and undone[0].uuid == mine.uuid
    undone = store.undo(sched, at=T0 + timedelta(minutes=3))
    assert undone is not None and undone[0].uuid == first.uuid
    # The imported review is never taken back by undo here, nor marked undone (which would sync).
    assert store.undo(sched, at=T0 + timedelta(minutes=4)) is None
    imported = entries[0].uuid  # type: ignore[union-attr]
    assert [r.uuid for r in store.reviews_of("c2")] == [imported]
    assert {r[0] for r in store.conn.execute("SELECT uuid FROM undone")} == {
        mine.uuid,
        first.uuid,
    }
    assert store.state("c2").reps == 1


def test_undo_in_a_session_takes_that_sessions_last_grade_whatever_the_times(tmp_path):
    store, sched = _store(tmp_path / "p.db"), Scheduler(fuzz=False)
    store.grade(sched, "a", 3, T0 + timedelta(hours=5), session="s1")  # a clock that jumped back
    later, _ = store.grade(sched, "b", 3, T0, session="s1")
    store.grade(sched, "c", 3, T0 + timedelta(hours=6), session="s2")
    got = store.undo(sched, session="s1", at=T0)
    assert got is not None and got[0].uuid == later.uuid


def test_reviews_from_before_the_order_column_keep_the_order_they_were_added(tmp_path):
    """A database made before grades were numbered: its last added review is the last grade."""
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    from prep.store import m006_local_grades

    before = MIGRATIONS.index(m006_local_grades)  # the migrations before grades were numbered
    migrations = Migrations("prep")
    for fn in MIGRATIONS[:before]:
        migrations()(fn)
    migrations.apply(Database(conn))
    conn.execute(f"PRAGMA user_version = {before}")
    for n, at in enumerate(["2026-11-26T12:00:00.000000Z", "2026-11-26T09:00:00.000000Z"]):
        conn.execute(
            "INSERT INTO reviews (uuid, card_id, rating, reviewed_at) VALUES (?, 'c', 3, ?)",
            (f"u{n}", at),
        )
    conn.close()
    store, sched = _store(path), Scheduler(fuzz=False)
    got = store.undo(sched, at=T0)
    assert got is not None and got[0].uuid == "u1"  # added last, though dated earlier


# --- D13: a grade follows card_aliases -------------------------------------------------------
def test_a_grade_on_a_card_renamed_meanwhile_goes_to_its_live_id(tmp_path):
    store, sched = _store(tmp_path / "p.db"), Scheduler(fuzz=False)
    _card(store, "new-id")
    with store.write() as conn:  # another terminal's sync renamed old-id -> mid -> new-id
        conn.execute("INSERT INTO card_aliases (old_id, new_id) VALUES ('old-id', 'mid')")
        conn.execute("INSERT INTO card_aliases (old_id, new_id) VALUES ('mid', 'new-id')")
    review, state = store.grade(sched, "old-id", 3, T0)
    assert review.card_id == "new-id" and state.card_id == "new-id"
    assert [r.uuid for r in store.reviews_of("new-id")] == [review.uuid]
    assert store.reviews_of("old-id") == []
    assert store.conn.execute("SELECT card_id FROM card_state").fetchall() == [("new-id",)]
    assert store.due_ids(T0 + timedelta(minutes=5)) == []  # the live card is not left due


def test_a_live_card_keeps_its_id_though_an_old_rename_names_it(tmp_path):
    """An id renamed away and later used again by a deck is that card, not an alias."""
    store, sched = _store(tmp_path / "p.db"), Scheduler(fuzz=False)
    _card(store, "back")
    _card(store, "other")
    with store.write() as conn:
        conn.execute("INSERT INTO card_aliases (old_id, new_id) VALUES ('back', 'other')")
    review, _ = store.grade(sched, "back", 3, T0)
    assert review.card_id == "back"


def test_renames_that_loop_leave_the_grade_where_it_was_asked(tmp_path):
    store, sched = _store(tmp_path / "p.db"), Scheduler(fuzz=False)
    with store.write() as conn:
        conn.execute("INSERT INTO card_aliases (old_id, new_id) VALUES ('x', 'y')")
        conn.execute("INSERT INTO card_aliases (old_id, new_id) VALUES ('y', 'x')")
    review, _ = store.grade(sched, "x", 3, T0)
    assert review.card_id == "x"


# --- D14: doctor in one transaction ------------------------------------------------------------
def test_a_grade_made_while_doctor_replays_is_not_overwritten(tmp_path, monkeypatch):
    path = tmp_path / "p.db"
    store, sched = _store(path), Scheduler(fuzz=False)
    for i in range(3):
        store.grade(sched, "c", 3, T0 + timedelta(days=i))
    with store.write() as conn:  # a stale cache: doctor has work to do on card c
        conn.execute("UPDATE card_state SET reps = 99 WHERE card_id = 'c'")

    other = Store(path, timeout=0)
    other._first_write_done = True
    outcome: list[str] = []
    real = doctor.diff_states

    def replay_then_other_terminal_grades(*args, **kwargs):
        result = real(*args, **kwargs)
        try:
            other.grade(sched, "c", 1, T0 + timedelta(days=5))
            outcome.append("graded")
        except PrepError as exc:  # the repair holds the write lock: it must wait
            outcome.append(str(exc))
        return result

    monkeypatch.setattr(doctor, "diff_states", replay_then_other_terminal_grades)
    report = doctor.doctor(store, sched, fix=True, integrity=["ok"])
    monkeypatch.setattr(doctor, "diff_states", real)
    assert report.fixed and report.changed == ["c"]
    assert outcome and ("busy" in outcome[0] or outcome[0] == "graded")
    changed, _ = doctor.diff_states(Store(path), sched)
    assert changed == []  # state equals the log: a grade that landed is in the replay
    other.grade(sched, "c", 1, T0 + timedelta(days=5))  # afterwards it goes in as usual
    assert doctor.diff_states(Store(path), sched)[0] == []


def test_doctor_dry_run_changes_nothing(tmp_path):
    path = tmp_path / "p.db"
    store, sched = _store(path), Scheduler(fuzz=False)
    store.grade(sched, "c", 3, T0)
    with store.write() as conn:
        conn.execute("UPDATE card_state SET reps = 99 WHERE card_id = 'c'")
    report = doctor.doctor(store, sched, fix=False, integrity=["ok"])
    assert report.changed == ["c"] and not report.fixed
    assert store.state("c").reps == 99
    assert not store.conn.in_transaction


@pytest.mark.parametrize("fix", [True, False])
def test_doctor_moves_reviews_of_renamed_ids_in_the_same_transaction(tmp_path, fix):
    path = tmp_path / "p.db"
    store, sched = _store(path), Scheduler(fuzz=False)
    store.grade(sched, "old", 3, T0)
    _card(store, "new")
    with store.write() as conn:
        conn.execute("INSERT INTO card_aliases (old_id, new_id) VALUES ('old', 'new')")
    report = doctor.doctor(store, sched, fix=fix, integrity=["ok"])
    assert report.alias_moved == 1 and report.fixed is fix
    assert len(store.reviews_of("new")) == (1 if fix else 0)


# --- D9, in the live database: doctor does not call a trigger that eats grades healthy -----------
def test_doctor_removes_a_trigger_that_eats_every_grade_and_names_extra_tables(ws, cli):
    env = {"PREP_NOW": "2026-11-26T09:00:00Z"}
    assert cli("-w", str(ws), "drill", input="\n3\nq\n", env=env).returncode == 0
    db = ws / ".prep" / "prep.db"
    with sqlite3.connect(db) as conn:
        conn.executescript(
            "CREATE TRIGGER eat AFTER INSERT ON reviews BEGIN DELETE FROM reviews; END;"
            "CREATE VIEW peek AS SELECT * FROM reviews; CREATE TABLE notes (x);"
        )
    dry = cli("-w", str(ws), "doctor", "--dry-run", env=env)
    assert "not prep's, to remove (run without --dry-run): trigger eat, view peek" in dry.stdout
    r = cli("-w", str(ws), "doctor", env=env)
    assert r.returncode == 0, r.stderr
    assert "schema       removed what prep never creates: trigger eat, view peek" in r.stdout
    assert "not prep's, left as they are: table notes" in r.stdout
    assert cli("-w", str(ws), "drill", input="\n3\nq\n", env=env).returncode == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM reviews").fetchone() == (2,)
    data = json.loads(cli("-w", str(ws), "doctor", "--json", env=env).stdout)
    assert data["foreign"] == ["table notes"] and data["dropped"] == []


def test_prep_undo_after_importing_a_log_from_a_clock_ahead_takes_back_my_grade(ws, cli, tmp_path):
    env = {"PREP_NOW": "2026-11-26T09:00:00Z"}
    drilled = cli("-w", str(ws), "drill", input="\n3\nq\n", env=env)
    assert drilled.returncode == 0, drilled.stderr
    mine = drilled.stdout.split("✓ ", 1)[1].split()[0]
    store = Store(ws / ".prep" / "prep.db")
    other = store.conn.execute(
        "SELECT id FROM cards WHERE active = 1 AND id != ? ORDER BY id LIMIT 1", (mine,)
    ).fetchone()[0]
    store.close()
    log = _ahead_export(tmp_path, other, 3)  # 12:00Z, three hours after this machine's grade
    assert cli("-w", str(ws), "log", "import", str(log), env=env).returncode == 0
    r = cli("-w", str(ws), "undo", env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"Undid Good on {mine}:")
    assert cli("-w", str(ws), "undo", env=env).stdout.strip() == "Nothing to undo."
    exported = tmp_path / "out.jsonl"
    assert cli("-w", str(ws), "log", "export", str(exported), env=env).returncode == 0
    lines = [json.loads(x) for x in exported.read_text(encoding="utf-8").splitlines()]
    assert [x["card_id"] for x in lines if "uuid" in x] == [other]  # the import still stands
    assert [x["card_id"] for x in lines if "undone" in x] == [mine]
