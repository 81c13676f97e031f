"""`prep stats`: counts from a review log written with a fake clock, and how they are drawn."""

from __future__ import annotations

import json
import random
import re
from datetime import date, timedelta
from pathlib import Path

from conftest import T0
from rich.cells import cell_len

from prep.clock import FakeClock, iso
from prep.drill import DrillSession
from prep.schedule import Scheduler
from prep.stats import compute
from prep.store import Store
from prep.sync import sync
from prep.workspace import find

SCH = Scheduler(fuzz=False)
BAR = r"[█·]{10,}"  # a readiness bar (a topic name may hold a '·')


def _store(root: Path) -> Store:
    w = find(str(root))
    store = Store(w.db_path)
    sync(store, w, FakeClock(T0))
    return store


def _two_cards(root: Path) -> None:
    (root / "decks" / "a.yaml").write_text(
        "deck: a\ncards:\n"
        "  - {id: a, q: qa, a: aa, topic: Python}\n"
        "  - {id: b, q: qb, a: ab, topic: 데이터베이스 & 캐시}\n",
        encoding="utf-8",
    )


def _grade(store: Store, card: str, rating: int, days: float, ms: int = 0, source: str = "drill"):
    return store.grade(SCH, card, rating, T0 + timedelta(days=days), duration_ms=ms, source=source)


def test_true_retention_counts_only_reviews_of_cards_in_review(empty_ws):
    _two_cards(empty_ws)
    store = _store(empty_ws)
    _grade(store, "a", 3, 0)  # new -> learning: not counted
    _grade(store, "a", 3, 10 / 1440)  # learning -> review: not counted
    _grade(store, "a", 3, 3)  # review, Good: passed (Sun Nov 29, week of Nov 23)
    _grade(store, "a", 1, 10)  # review, Again: failed (Sun Dec 6, week of Nov 30)
    _grade(store, "a", 3, 10 + 10 / 1440)  # relearning: not counted
    _grade(store, "a", 2, 12)  # review, Hard: not Good or Easy (Tue Dec 8)
    _grade(store, "b", 4, 0)  # new -> review at once: not counted
    _grade(store, "b", 4, 5)  # review, Easy: passed (Tue Dec 1)
    _grade(store, "b", 1, 6, source="cram")  # studying ahead moves nothing and counts nothing
    stats = compute(store, SCH, FakeClock(T0 + timedelta(days=13)))
    weeks = {w.label: (w.reviews, w.passed) for w in stats.by_week}
    assert weeks == {"2026-11-23": (1, 1), "2026-11-30": (2, 1), "2026-12-07": (1, 0)}
    topics = {t.label: (t.reviews, t.passed) for t in stats.by_topic}
    assert topics == {"Python": (3, 1), "데이터베이스 & 캐시": (1, 1)}
    assert stats.retention == 2 / 4 and stats.retention_reviews == 4
    assert stats.recalled == 3 / 4  # the Hard is recalled, as FSRS counts it
    assert compute(store, SCH, FakeClock(T0 + timedelta(days=13))).to_dict()["recalled"] == 0.75


def test_heatmap_days_follow_the_study_day_and_the_streak(empty_ws):
    _two_cards(empty_ws)
    store = _store(empty_ws)
    # The example settings start a study day at 04:00: 03:30 still belongs to the day before.
    for days in (0, 1, 2, 3 - 5.5 / 24, 4):
        _grade(store, "a", 3, days)
    stats = compute(store, SCH, FakeClock(T0 + timedelta(days=4, hours=1)))
    days = dict(stats.days)
    assert date.fromisoformat(stats.days[0][0]).weekday() == 0  # columns start on a Monday
    assert stats.days[-1][0] == "2026-11-30"
    assert len(stats.days) == 7 * 25 + 1  # 25 full weeks and today, a Monday
    assert [days[d] for d in ("2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29")] == [
        1,
        1,
        2,
        0,
    ]
    assert days["2026-11-30"] == 1
    assert stats.streak_days == 1  # Sunday the 29th had no review
    assert stats.study_days == 4 and stats.total_reviews == 5


def test_forecast_answer_times_and_readiness(empty_ws):
    _two_cards(empty_ws)
    store = _store(empty_ws)
    _grade(store, "a", 4, 0, ms=30_000)
    _grade(store, "b", 4, 0, ms=50_000)
    _grade(store, "b", 4, 0.01, ms=3_000_000)  # left on screen: not an answer time
    now = T0 + timedelta(days=20)
    stats = compute(store, SCH, FakeClock(now))
    due = {d: n for d, n in stats.forecast}
    st_a, st_b = store.state("a"), store.state("b")
    assert len(stats.forecast) == 30
    overdue = sum(1 for st in (st_a, st_b) if st.due <= now)
    assert due[stats.today] == overdue
    assert sum(due.values()) == sum(1 for st in (st_a, st_b) if st.due < now + timedelta(days=30))
    times = {a.card_id: a.mean_s for a in stats.answer_times}
    assert times == {"b": 50.0, "a": 30.0}
    assert stats.answer_times[0].card_id == "b"  # slowest first
    assert stats.median_answer_s == 50.0
    # Readiness now, then at an interview ten days later: lower, per topic.
    assert not stats.interview
    with store.write() as conn:
        store.set_meta(conn, "interview_override", (now + timedelta(days=10)).isoformat())
    later = compute(store, SCH, FakeClock(now))
    assert later.interview
    before = {r.topic: r.recall for r in stats.readiness}
    for r in later.readiness:
        assert 0 < r.recall < before[r.topic]
    # Card a was last reviewed exactly 30 days before the interview: whole days, so the
    # scheduler's own recall (which counts whole days) must agree.
    python = next(r.recall for r in later.readiness if r.topic == "Python")
    assert python == SCH.retrievability(st_a, now + timedelta(days=10))


def _history(root: Path, days: int, seed: int = 7) -> Store:
    """`days` days of drilling the example decks: a learner who recalls with FSRS's odds."""
    store = _store(root)
    rng = random.Random(seed)
    for k in range(days):
        if rng.random() < 0.15:
            continue  # days off
        clock = FakeClock(T0 - timedelta(days=days - k) + timedelta(hours=rng.randint(0, 10)))
        s = DrillSession(store=store, scheduler=SCH, clock=clock)
        shown = s.next()
        while shown is not None:
            p = SCH.retrievability(shown.state, clock.now()) if shown.state.reps else 0.7
            clock.advance(rng.randint(8, 90))
            s.grade(3 if rng.random() < max(p, 0.6) else 1)
            shown = s.next()
    return store


def test_stats_command_json_and_korean_topics_line_up(ws, cli):
    _history(ws, 30)
    env = {"PREP_NOW": iso(T0), "COLUMNS": "100"}
    r = cli("-w", str(ws), "stats", "--json", env=env)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["total_reviews"] > 50 and 0 < data["retention"] <= 1
    assert {t["topic"] for t in data["readiness"]} >= {"AWS & IaC", "데이터베이스 & 캐시"}
    r = cli("-w", str(ws), "stats", env=env)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("Readiness")))
    rows = [line for line in lines[start + 2 :] if re.search(BAR, line)]
    topics = [t["topic"] for t in data["readiness"]] + ["all cards"]
    assert len(rows) == len(topics)
    # The bar starts at the same screen column on every row, Hangul or not.
    columns = {cell_len(row[: re.search(BAR, row).start()]) for row in rows}  # type: ignore[union-attr]
    assert len(columns) == 1
    assert any(any("\uac00" <= ch <= "\ud7a3" for ch in row) for row in rows)
    assert "Mon" in r.stdout and "less" in r.stdout and "more" in r.stdout


def test_retention_kept_between_runs_is_what_a_whole_replay_gives(empty_ws):
    import shutil

    shutil.copytree(Path(__file__).parent.parent / "decks", empty_ws / "decks", dirs_exist_ok=True)
    store = _history(empty_ws, 20)
    clock = FakeClock(T0)

    def whole() -> tuple[list, list]:
        with store.write() as conn:
            conn.execute("DELETE FROM meta WHERE key = 'retention_kept'")
        s = compute(store, SCH, clock)
        return [(w.label, w.reviews, w.passed) for w in s.by_week], [
            (t.label, t.reviews, t.passed) for t in s.by_topic
        ]

    first = compute(store, SCH, clock)
    assert store.get_meta("retention_kept")["rowid"] > 0
    assert first.retention_reviews > 20
    # More grades: only their cards are replayed again, and the counts are a whole replay's.
    s = DrillSession(store=store, scheduler=SCH, clock=FakeClock(T0 + timedelta(days=3)))
    for _ in range(15):
        if s.next() is None:
            break
        s.grade(1 if random.Random(s.current).random() < 0.3 else 3)
    s.finish()
    later = FakeClock(T0 + timedelta(days=3, hours=2))
    kept = compute(store, SCH, later)
    clock = later
    weeks, topics = whole()
    assert [(w.label, w.reviews, w.passed) for w in kept.by_week] == weeks
    assert [(t.label, t.reviews, t.passed) for t in kept.by_topic] == topics
    assert kept.retention_reviews > first.retention_reviews
    # A forged cache is read back as long as nothing changed, and an undo replays all.
    forged = store.get_meta("retention_kept")
    forged["weeks"] = {"2020-01-06": [7, 7, 7]}
    store.cache_meta("retention_kept", forged)
    assert [w.label for w in compute(store, SCH, later).by_week] == ["2020-01-06"]
    assert store.undo(SCH, at=later.now()) is not None
    assert "2020-01-06" not in [w.label for w in compute(store, SCH, later).by_week]
