"""`prep doctor`: integrity, card state rebuilt from the log, renames, orphans, leeches."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

from conftest import T0

from prep.doctor import LEECH_LAPSES, diff_states, doctor, resolve_alias
from prep.schedule import REVIEW, Scheduler
from prep.store import Store
from prep.sync import sync
from prep.workspace import find

SCHED = Scheduler(fuzz=False)


def _deck(root: Path, ids: list[str]) -> None:
    body = "".join(f"  - id: {i}\n    q: question {i}?\n    a: answer {i}\n" for i in ids)
    (root / "decks" / "d.yaml").write_text(f"deck: d\ncards:\n{body}", encoding="utf-8")


def _open(root: Path) -> Store:
    w = find(str(root))
    store = Store(w.db_path)
    sync(store, w)
    return store


def _grade(store: Store, card: str, ratings: list[int], start_day: int = 0) -> None:
    for i, r in enumerate(ratings):
        store.grade(SCHED, card, r, T0 + timedelta(days=start_day + 3 * i))


def _replay_equals_cache(store: Store) -> bool:
    changed, _ = diff_states(store, SCHED)
    return changed == []


def test_a_healthy_database_needs_nothing(empty_ws, cli):
    _deck(empty_ws, ["a", "b"])
    store = _open(empty_ws)
    _grade(store, "a", [3, 3])
    p = cli("-w", str(empty_ws), "doctor")
    assert p.returncode == 0, p.stderr
    assert "database     ok (integrity_check)" in p.stdout
    assert "reviews      2 on 1 card(s)" in p.stdout
    assert "every card matches its review log" in p.stdout
    assert "leeches      none" in p.stdout


def test_damaged_card_state_is_named_and_rebuilt_from_the_log(empty_ws, cli):
    _deck(empty_ws, ["a", "b", "c", "d"])
    store = _open(empty_ws)
    for card in "abc":
        _grade(store, card, [3, 3, 2])
    want = {cid: store.state(cid) for cid in "abc"}
    with store.write() as conn:
        conn.execute("UPDATE card_state SET stability = 99.0 WHERE card_id = 'a'")
        conn.execute("DELETE FROM card_state WHERE card_id = 'b'")
        conn.execute(  # a state for a card that was never reviewed
            "INSERT INTO card_state(card_id, state, reps) VALUES ('d', 2, 5)"
        )
    dry = cli("-w", str(empty_ws), "doctor", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["changed"] == ["a", "b", "d"]
    assert store.state("a").stability == 99.0  # --dry-run changed nothing
    p = cli("-w", str(empty_ws), "doctor")
    assert p.returncode == 0, p.stderr
    assert "rebuilt 3 card(s) from the log: a, b, d" in p.stdout
    fresh = Store(store.path)
    assert {cid: fresh.state(cid) for cid in "abc"} == want
    assert (
        fresh.conn.execute("SELECT COUNT(*) FROM card_state WHERE card_id = 'd'").fetchone()[0] == 0
    )
    again = cli("-w", str(empty_ws), "doctor", "--json")
    assert json.loads(again.stdout)["changed"] == []


def test_orphans_and_unknown_ids_are_listed_with_their_history(empty_ws):
    _deck(empty_ws, ["a", "b", "c"])
    store = _open(empty_ws)
    _grade(store, "b", [3, 1, 3])
    _grade(store, "ghost", [3])  # e.g. imported from a machine with another deck
    _deck(empty_ws, ["a", "c"])  # b leaves its deck
    sync(store, find(str(empty_ws)))
    report = doctor(store, SCHED)
    assert [(o.card_id, o.reviews) for o in report.orphans] == [("b", 3)]
    assert report.unknown == {"ghost": 1}
    assert report.changed == []


def test_leeches_are_cards_forgotten_eight_times(empty_ws):
    _deck(empty_ws, ["hard", "almost", "fine"])
    store = _open(empty_ws)
    # each Again on a card in review is a lapse; Easy brings it back to review
    _grade(store, "hard", [4] + [1, 4] * LEECH_LAPSES)
    _grade(store, "almost", [4] + [1, 4] * (LEECH_LAPSES - 1))
    _grade(store, "fine", [4, 3, 3])
    assert store.state("hard").lapses == LEECH_LAPSES
    assert store.state("almost").lapses == LEECH_LAPSES - 1
    assert store.state("hard").state == REVIEW
    report = doctor(store, SCHED)
    assert [(lc.card_id, lc.lapses) for lc in report.leeches] == [("hard", LEECH_LAPSES)]
    assert report.leeches[0].q == "question hard?"


def test_reviews_left_under_a_renamed_id_are_moved(empty_ws):
    _deck(empty_ws, ["new-id"])
    store = _open(empty_ws)
    _grade(store, "new-id", [3])
    with store.write() as conn:
        conn.execute("INSERT INTO card_aliases(old_id, new_id) VALUES ('old-id', 'new-id')")
        conn.execute(
            "INSERT INTO reviews(uuid, card_id, rating, reviewed_at) "
            "VALUES ('u-old', 'old-id', 1, '2026-11-20T09:00:00.000000Z')"
        )
    report = doctor(store, SCHED)
    assert report.aliases == 1 and report.alias_moved == 1 and report.fixed
    ids = {r[0] for r in store.conn.execute("SELECT card_id FROM reviews")}
    assert ids == {"new-id"}
    assert store.state("new-id").reps == 2
    assert _replay_equals_cache(store)


def test_alias_chains_resolve_and_loops_are_caught():
    assert resolve_alias({"a": "b", "b": "c"}, "a") == "c"
    assert resolve_alias({"a": "b"}, "z") == "z"
    assert resolve_alias({"a": "b", "b": "a"}, "a") is None


def _corrupt(db: Path) -> None:
    """Overwrite the middle of the file (after the header) with garbage."""
    with sqlite3.connect(db) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = c.execute("PRAGMA page_count").fetchone()[0]
        size = c.execute("PRAGMA page_size").fetchone()[0]
    assert pages > 4
    with db.open("r+b") as f:
        for page in range(2, pages):
            f.seek(page * size + 8)
            f.write(b"\xa5" * 64)


def corrupt_table(db: Path, table: str) -> None:
    """Scribble over one table's root page: the file still opens, the table is broken."""
    with sqlite3.connect(db) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        root = c.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()
        size = c.execute("PRAGMA page_size").fetchone()[0]
    with db.open("r+b") as f:
        f.seek((root[0] - 1) * size)
        f.write(b"\x0d\x00\x00\x00\xff\xff" + b"\xa5" * 200)


def test_a_damaged_table_gives_one_error_line(ws, cli):
    assert cli("-w", str(ws), "drill", "--new", "40", input="3\n" * 40).returncode == 0
    db = ws / ".prep" / "prep.db"
    shutil.rmtree(db.parent / "backups")  # the drill's daily backup: here there is none
    corrupt_table(db, "card_state")
    before = db.read_bytes()
    p = cli("-w", str(ws), "doctor")
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith(f"Error: {db}: the database is damaged (integrity_check: ")
    assert "more)" in lines[0] and "no backup found" in lines[0]
    assert db.read_bytes() == before


def test_a_damaged_file_is_not_touched_and_a_backup_is_named(ws, cli):
    assert cli("-w", str(ws), "drill", "--new", "30", input="3\n" * 30).returncode == 0
    db = ws / ".prep" / "prep.db"
    shutil.rmtree(db.parent / "backups")  # the drill's daily backup: only the one made here
    assert cli("-w", str(ws), "backup").returncode == 0
    _corrupt(db)
    before = db.read_bytes()
    p = cli("-w", str(ws), "doctor")
    assert p.returncode == 1
    assert "Traceback" not in p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {db}")
    assert "prep restore" in lines[0] and "manual-" in lines[0]
    assert db.read_bytes() == before


def test_doctor_repairs_the_log_even_when_a_deck_is_broken(empty_ws, cli):
    _deck(empty_ws, ["a"])
    store = _open(empty_ws)
    _grade(store, "a", [3, 3])
    with store.write() as conn:
        conn.execute("UPDATE card_state SET reps = 7")
    (empty_ws / "decks" / "d.yaml").write_text("deck: d\ncards: [\n", encoding="utf-8")
    p = cli("-w", str(empty_ws), "doctor")
    assert p.returncode == 0, p.stderr
    assert "rebuilt 1 card(s) from the log: a" in p.stdout
    assert "decks        error: decks/d.yaml:" in p.stdout
    assert Store(store.path).state("a").reps == 2


def test_help_of_the_maintenance_commands(invoke):
    for args, words in (
        (("doctor",), ["integrity", "--dry-run", "--json"]),
        (("backup",), ["consistent copy", "--list"]),
        (("restore",), ["saved first", "FILE"]),
        (("log",), ["export", "import"]),
        (("log", "export"), ["JSON line", "--since"]),
        (("log", "import"), ["UUID", "idempotent"]),
    ):
        r = invoke(*args, "--help")
        assert r.exit_code == 0, r.output
        for word in words:
            assert word in r.stdout, (args, word, r.stdout)
