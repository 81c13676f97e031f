"""Work in proportion to what is asked: status counts read indexes, rebuild is one pass over
the log, renames in a bank edited through are still found, and long work reports progress."""

from __future__ import annotations

import io
import os
import random
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import T0

from prep import sync as sync_mod
from prep.clock import FakeClock
from prep.schedule import Scheduler
from prep.store import Store
from prep.sync import sync
from prep.workspace import find


def _deck(root: Path, questions: list[str], name: str = "bank.yaml") -> None:
    lines = [f"deck: {name.split('.')[0]}", "cards:"]
    for q in questions:
        lines += [f'  - q: "{q}"', "    a: 답"]
    path = root / "decks" / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


def _questions(n: int) -> list[str]:
    subjects = ["PostgreSQL 인덱스", "Redis 캐시", "Kafka 컨슈머", "FastAPI 미들웨어", "S3 업로드"]
    return [
        f"{subjects[i % 5]}를 운영할 때 주의할 점은 무엇인가요 사례 {i} 번호 {i * 7919 % 100003}"
        for i in range(n)
    ]


def _synced(empty_ws: Path, n: int) -> tuple:
    _deck(empty_ws, _questions(n))
    ws = find(str(empty_ws))
    store = Store(ws.db_path)
    store._first_write_done = True
    sync(store, ws, FakeClock(T0))
    return ws, store


def _grade_some(store: Store, ids: list[str], seed: int = 1) -> None:
    rng = random.Random(seed)
    sched = Scheduler(fuzz=False)
    for k, card_id in enumerate(ids):
        for day in range(rng.randrange(1, 4)):
            store.grade(
                sched, card_id, rng.choice((1, 3, 3, 4)), T0 + timedelta(days=day, seconds=k)
            )


# --- status counts ------------------------------------------------------------------------
def test_status_counts_read_indexes_not_the_cards_with_their_text(empty_ws):
    ws, store = _synced(empty_ws, 40)
    ids = [r[0] for r in store.conn.execute("SELECT id FROM cards ORDER BY id")]
    _grade_some(store, ids[:10])
    store.suspend([ids[0], ids[-1]], T0)  # one seen, one unseen
    now = T0 + timedelta(days=30)
    due = sum(1 for cid, st in store.states().items() if cid != ids[0] and st.due <= now)
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    counts = store.counts(now, now - timedelta(hours=5), FakeClock(T0).local_tz(), 4)
    store.conn.set_trace_callback(None)
    assert counts["cards"] == 40 and counts["unseen"] == 29
    assert 0 < counts["due"] == due and counts["reviewed_today"] == 0
    plans = []
    for sql in seen:
        plan = [r[3] for r in store.conn.execute("EXPLAIN QUERY PLAN " + sql)]
        plans.append((sql, plan))
        for step in plan:
            # no pass over a table's rows (only `holds`, the few cards set aside), and the
            # cards only through an index that holds what the count needs
            assert not step.startswith("SCAN") or "INDEX" in step or step == "SCAN h", (sql, plan)
            if step.startswith("SEARCH c ") or " cards " in f" {step} ":
                assert "COVERING INDEX" in step, (sql, plan)
    assert any("cards_active" in " ".join(p) for _, p in plans)


def test_the_streak_is_found_day_by_day(empty_ws):
    ws, store = _synced(empty_ws, 5)
    sched = Scheduler(fuzz=False)
    ids = [r[0] for r in store.conn.execute("SELECT id FROM cards")]
    for day in (0, 1, 2, 4, 5, 6):  # a gap on day 3
        store.grade(sched, ids[day % 5], 3, T0 + timedelta(days=day))
    tz = FakeClock(T0).local_tz()
    days = store.counts(T0 + timedelta(days=6, hours=1), T0, tz, 4)["study_days"]
    assert days == [(T0 + timedelta(days=d)).date().isoformat() for d in (6, 5, 4)]
    # today not studied yet: the run that ended yesterday
    days = store.counts(T0 + timedelta(days=7, hours=1), T0, tz, 4)["study_days"]
    assert days == [(T0 + timedelta(days=d)).date().isoformat() for d in (6, 5, 4)]


# --- rebuild ------------------------------------------------------------------------------
def test_rebuild_gives_each_card_the_state_its_own_replay_gives(empty_ws):
    ws, store = _synced(empty_ws, 60)
    ids = [r[0] for r in store.conn.execute("SELECT id FROM cards ORDER BY id")]
    _grade_some(store, ids[:45])
    sched = Scheduler(fuzz=False)
    want = {cid: sched.replay(cid, store.reviews_of(cid)) for cid in ids[:45]}
    assert store.rebuild(sched) == 0  # the cache already matches the log
    # Spoil some states and leave one for a card with no reviews.
    store.conn.execute("UPDATE card_state SET stability = 99 WHERE card_id IN (?, ?, ?)", ids[:3])
    store.conn.execute(
        "INSERT INTO card_state (card_id, state, reps, lapses) VALUES (?, 2, 1, 0)", (ids[59],)
    )
    calls: list[tuple[int, int]] = []
    assert store.rebuild(sched, progress=lambda d, t: calls.append((d, t))) == 4
    assert store.states() == want
    total = store.conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
    assert calls[-1] == (total, total)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


# --- renames in a bank edited through -----------------------------------------------------
@pytest.mark.parametrize("all_pairs", [sync_mod.ALL_PAIRS, 0])
def test_a_bank_edited_through_keeps_every_history(empty_ws, monkeypatch, all_pairs):
    """Past the pairs compared one by one (ALL_PAIRS), each edited question is still found:
    at its place in the file, or by its rarer words when it moved."""
    monkeypatch.setattr(sync_mod, "ALL_PAIRS", all_pairs)
    n = 60
    ws, store = _synced(empty_ws, n)
    old_ids = [r[0] for r in store.conn.execute("SELECT id FROM cards ORDER BY position")]
    _grade_some(store, old_ids)
    reviews = store.conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
    edited = [q.replace("주의할 점은", "조심할 점은") for q in _questions(n)]
    edited = edited[10:] + edited[:10]  # and the first ten moved to the end
    _deck(empty_ws, edited + ["완전히 새로운 질문: 팀에서 갈등을 해결한 경험은?"])
    report = sync(store, ws, FakeClock(T0))
    assert report.orphaned == 0 and report.added == 1
    assert sum("question edited" in m for m in report.messages) == n
    live = {r[0] for r in store.conn.execute("SELECT DISTINCT card_id FROM reviews")}
    active = {r[0] for r in store.conn.execute("SELECT id FROM cards WHERE active = 1")}
    assert live <= active and len(live) == n
    assert store.conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == reviews
    aliases = dict(store.conn.execute("SELECT old_id, new_id FROM card_aliases"))
    assert set(aliases) == set(old_ids)


def test_a_different_question_at_the_same_place_is_not_taken_for_an_edit(empty_ws, monkeypatch):
    monkeypatch.setattr(sync_mod, "ALL_PAIRS", 0)
    ws, store = _synced(empty_ws, 3)
    _deck(empty_ws, ["전혀 다른 질문입니다", *_questions(3)[1:]])
    report = sync(store, ws, FakeClock(T0))
    assert report.orphaned == 1 and report.added == 1


# --- progress -------------------------------------------------------------------------------
def test_sync_reports_progress_only_when_it_has_work(empty_ws):
    _deck(empty_ws, _questions(30), "a.yaml")
    _deck(empty_ws, _questions(60)[30:], "b.yaml")
    ws = find(str(empty_ws))
    store = Store(ws.db_path)
    calls: list[tuple[str, int, int]] = []
    sync(store, ws, FakeClock(T0), progress=lambda *a: calls.append(a))
    reading = [c for c in calls if c[0] == "decks"]
    writing = [c for c in calls if c[0] == "cards"]
    size = sum(p.stat().st_size for p in (empty_ws / "decks").iterdir())
    assert reading[0] == ("decks", 0, size) and reading[-1] == ("decks", size, size)
    assert len(reading) >= 3 and writing[-1] == ("cards", 60, 60)
    calls.clear()
    sync(store, ws, FakeClock(T0), progress=lambda *a: calls.append(a))
    assert calls == []


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_shows_only_for_work_past_a_second_on_a_terminal():
    from prep.cli.progress import Bar

    now = [0.0]
    quick = _Terminal()
    with Bar(quick, clock=lambda: now[0]) as bar:
        for i in range(10):
            now[0] += 0.09
            bar("decks", i, 10)
        bar("decks", 10, 10)
    assert quick.getvalue() == ""

    slow = _Terminal()
    now[0] = 0.0
    with Bar(slow, clock=lambda: now[0]) as bar:
        for i in range(10):
            now[0] += 0.5
            bar("decks", i, 10)
    assert "Reading decks" in slow.getvalue()

    piped = io.StringIO()  # not a terminal: never a bar, however long
    now[0] = 0.0
    with Bar(piped, clock=lambda: now[0]) as bar:
        for i in range(10):
            now[0] += 5
            bar("decks", i, 10)
    assert piped.getvalue() == ""
