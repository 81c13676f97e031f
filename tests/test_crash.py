"""Crash consistency, short: 20 kills of a drilling `prep` and 20 of a mock interview.

The full run (200 kills each) is `python benchmarks/crash.py`; both use the
same harness, which lives there.
"""

from __future__ import annotations

import importlib.util
import random
import sqlite3
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("crash_harness", ROOT / "benchmarks" / "crash.py")
assert _spec and _spec.loader
crash = importlib.util.module_from_spec(_spec)
sys.modules["crash_harness"] = crash
_spec.loader.exec_module(crash)

KILLS = 20
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def _seed() -> int:
    seed = random.randrange(1 << 30)
    print(f"harness seed {seed} (rerun: python benchmarks/crash.py --seed {seed})")
    return seed


def _assert_clean(t) -> None:
    assert t.failures == [], "\n".join(t.failures)
    assert t.kills == KILLS
    # most kills landed while grading, not before the first card (70% aim there)
    assert t.kills_after_ack >= KILLS // 4
    assert t.committed - t.acked == t.committed_unacked
    assert 0 <= t.committed_unacked <= t.kills


def test_drill_survives_sigkill(tmp_path):
    ws = crash.make_workspace(tmp_path / "ws", cards=600)
    t = crash.harness(ws, KILLS, _seed(), crash.DRILL_ARGS, crash.drill_script)
    print(crash.report("prep drill", t))
    _assert_clean(t)


def test_mock_survives_sigkill(tmp_path):
    ws = crash.make_workspace(tmp_path / "ws", cards=300)
    t = crash.harness(
        ws, KILLS, _seed(), crash.MOCK_ARGS, crash.mock_script, crash.MOCK_ACK, crash.check_mock_db
    )
    print(crash.report("prep mock", t))
    _assert_clean(t)
    with sqlite3.connect(ws / ".prep" / "prep.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM reviews WHERE source = 'mock'").fetchone()[0] > 0


# --- the checks themselves can fail -------------------------------------------------
def _drilled(tmp_path: Path) -> tuple[Path, list[tuple[str, int]]]:
    """A workspace after one unkilled drill of three grades, and its acknowledgements."""
    ws = crash.make_workspace(tmp_path / "ws", cards=5)
    child = crash.Child(["-w", str(ws), "drill", "--new", "3"], "1\n3\n4\n")
    assert child.finish() == 0
    return ws, child.acks


def test_check_sees_every_acknowledged_grade_of_a_clean_run(tmp_path):
    ws, acks = _drilled(tmp_path)
    assert [r for _, r in acks] == [1, 3, 4]
    result, _ = crash.check_db(ws / ".prep" / "prep.db", 0, acks)
    assert result.problems == []
    assert result.new_reviews == acks


def test_check_reports_a_lost_acknowledged_grade(tmp_path):
    ws, acks = _drilled(tmp_path)
    db = ws / ".prep" / "prep.db"
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM reviews WHERE rowid = (SELECT MAX(rowid) FROM reviews)")
    result, _ = crash.check_db(db, 0, acks)
    assert any("missing from the log" in p for p in result.problems)


def test_check_reports_a_state_that_is_not_the_replay(tmp_path):
    ws, acks = _drilled(tmp_path)
    db = ws / ".prep" / "prep.db"
    with sqlite3.connect(db) as conn:
        card = conn.execute("SELECT card_id FROM card_state LIMIT 1").fetchone()[0]
        conn.execute("UPDATE card_state SET stability = stability * 2 WHERE card_id = ?", (card,))
    result, _ = crash.check_db(db, 0, acks)
    assert [p.split(":")[0] for p in result.problems] == [card]


def test_check_reports_a_mock_grade_without_its_answer_row(tmp_path):
    ws = crash.make_workspace(tmp_path / "ws", cards=5)
    child = crash.Child(
        ["-w", str(ws), "mock", "--count", "2"], "\n1\n3\n\nall\n4\n", crash.MOCK_ACK
    )
    assert child.finish() == 0
    db = ws / ".prep" / "prep.db"
    assert len(child.acks) == 2
    assert crash.check_mock_db(db, 0, child.acks)[0].problems == []
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM mock_answers WHERE position = 1")
    problems = crash.check_mock_db(db, 0, child.acks)[0].problems
    assert any("without their answer row" in p for p in problems)


def test_check_of_a_run_killed_before_the_database_existed(tmp_path):
    db = tmp_path / "ws" / ".prep" / "prep.db"
    assert crash.check_db(db, 0, [])[0].problems == []
    assert crash.check_mock_db(db, 0, [])[0].problems == []
    assert crash.check_db(db, 0, [("c00001", 3)])[0].problems != []
