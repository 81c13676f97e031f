"""Two terminals on one database: every grade lands, none is lost, a held lock fails cleanly.

500 + 500 grades, as promised; `python benchmarks/two_terminals.py` runs the same
harness (it lives there) and prints the counts.
"""

from __future__ import annotations

import importlib.util
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from prep.errors import PrepError
from prep.store import Store

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    "two_terminals", ROOT / "benchmarks" / "two_terminals.py"
)
assert _spec and _spec.loader
tt = importlib.util.module_from_spec(_spec)
sys.modules["two_terminals"] = tt
_spec.loader.exec_module(tt)

N = 500


@pytest.fixture
def two_ws(tmp_path: Path) -> Path:
    return tt.setup(tmp_path, N)


def _reviews_per_card(ws: Path) -> dict[str, int]:
    with sqlite3.connect(ws / ".prep" / "prep.db") as c:
        return dict(c.execute("SELECT card_id, COUNT(*) FROM reviews GROUP BY card_id"))


def test_two_drills_on_their_own_decks_commit_every_grade(two_ws):
    o = tt.two_drills(two_ws, ("left", "right"), N, "apart")
    print(tt.describe(o))
    assert o.problems == []
    assert o.exit_codes == [0, 0]
    assert (o.committed, o.graded) == (2 * N, 2 * N)
    assert o.locked_errors == 0
    assert o.lost_updates == 0
    per_card = _reviews_per_card(two_ws)
    assert len(per_card) == 2 * N and set(per_card.values()) == {1}


def test_two_drills_on_the_same_cards_lose_no_update(two_ws):
    o = tt.two_drills(two_ws, ("shared", "shared"), N, "same")
    print(tt.describe(o))
    assert o.problems == []
    assert o.committed == o.graded  # every acknowledged grade landed
    assert o.locked_errors == 0
    # A card one drill graded before the other showed it is skipped there (not asked
    # twice); a card on both screens at once (at least the first: both showed it while
    # the lock was held) is graded by both, and its state holds both grades.
    per_card = _reviews_per_card(two_ws)
    assert len(per_card) == N and set(per_card.values()) <= {1, 2}
    assert 2 in per_card.values()
    with sqlite3.connect(two_ws / ".prep" / "prep.db") as c:
        reps = dict(c.execute("SELECT card_id, reps FROM card_state"))
    assert reps == per_card
    assert o.lost_updates == 0


def test_a_held_write_makes_the_other_exit_1_and_write_nothing(two_ws):
    b = tt.blocked_drill(two_ws, busy_timeout_s=0.5)
    assert b.exit_code == 1
    assert b.written == 0 and b.acks == 0
    assert "Traceback" not in b.stderr
    errors = [line for line in b.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1
    assert "database is busy (another prep is writing); nothing was written" in errors[0]
    assert str(two_ws / ".prep" / "prep.db") in errors[0]


def test_a_write_released_within_the_busy_timeout_is_waited_for(two_ws):
    db = two_ws / ".prep" / "prep.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", tt.HOLDER, str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    p = tt.prep(
        two_ws, "drill", "--deck", "spare", "--new", "2", env=tt.env(PREP_BUSY_TIMEOUT="60")
    )
    assert p.stdin is not None and p.stdout is not None
    p.stdin.write(b"4\n4\n")
    p.stdin.close()
    lines: list[str] = []
    first_card = threading.Event()

    def read() -> None:
        assert p.stdout is not None
        for raw in p.stdout:
            lines.append(raw.decode("utf-8", "replace"))
            if raw.startswith(b"prep drill"):
                first_card.set()
        first_card.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert first_card.wait(60)
    # the drill is trying to grade while the lock is held: nothing can be acknowledged yet
    reader.join(0.5)
    assert not any(line.startswith(tt.ACK) for line in lines)
    holder.communicate("go\n", timeout=30)
    assert p.wait(60) == 0
    reader.join(30)
    assert sum(line.startswith(tt.ACK) for line in lines) == 2
    assert sum(_reviews_per_card(two_ws).values()) == 2


# --- the store itself -------------------------------------------------------------------
def test_store_reports_busy_cleanly_and_rolls_nothing_in(tmp_path):
    db = tmp_path / "p.db"
    first = Store(db)
    second = Store(db, timeout=0.1)
    with first.write() as conn:
        conn.execute("INSERT INTO meta(key, value) VALUES ('a', '1')")
        with pytest.raises(PrepError, match="database is busy"):
            with second.write() as other:
                other.execute("INSERT INTO meta(key, value) VALUES ('b', '2')")
    assert second.get_meta("a") == 1
    assert second.get_meta("b") is None


def test_busy_timeout_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PREP_BUSY_TIMEOUT", "0.25")
    assert Store(tmp_path / "a.db").conn.execute("PRAGMA busy_timeout").fetchone()[0] == 250
    monkeypatch.setenv("PREP_BUSY_TIMEOUT", "soon")  # unreadable: the default, not a crash
    assert Store(tmp_path / "b.db").conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    monkeypatch.delenv("PREP_BUSY_TIMEOUT")
    assert (
        Store(tmp_path / "c.db", timeout=2).conn.execute("PRAGMA busy_timeout").fetchone()[0]
        == 2000
    )


def test_a_grade_timed_before_another_terminals_grade_keeps_state_equal_to_the_log(tmp_path):
    """Terminal B reads the clock, waits for A's write, then commits: its review is older."""
    from datetime import datetime, timedelta, timezone

    from prep.schedule import Scheduler

    store = Store(tmp_path / "p.db")
    sched = Scheduler(fuzz=False)
    t = datetime(2026, 11, 26, 9, tzinfo=timezone.utc)
    store.grade(sched, "c", 4, t + timedelta(seconds=10))  # A
    store.grade(sched, "c", 3, t + timedelta(seconds=5))  # B, timed earlier, committed later
    state = store.state("c")
    assert state == sched.replay("c", store.reviews_of("c"))
    assert state.last_review == t + timedelta(seconds=10) and state.reps == 2
