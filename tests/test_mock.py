"""The mock-interview engine under a FakeClock: clock, events, grading, storage, question choice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import T0

from prep import workspace
from prep.clock import FakeClock
from prep.errors import PrepError
from prep.mock import (
    ASKING,
    DONE,
    END,
    FINISHED,
    HINT,
    KIND_LIMITS,
    NORMAL,
    OVER,
    PAUSE,
    REVIEW,
    SKIP,
    WARNING,
    MockInterview,
    Question,
    Timer,
    choose,
    clock_text,
    history,
    limit_for,
    parse_covered,
    parse_grade,
    star_segment,
    weakness,
)
from prep.schedule import CardState, Review, Scheduler
from prep.store import Filters, Store
from prep.sync import sync


@pytest.fixture
def store(ws: Path) -> Iterator[Store]:
    w = workspace.find(str(ws), None)
    s = Store(w.db_path)
    sync(s, w)
    yield s
    s.close()


@pytest.fixture
def sched() -> Scheduler:
    return Scheduler(0.9, fuzz=False)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


def questions(store: Store, *ids: str, limit: int | None = None) -> list[Question]:
    out = []
    for i, cid in enumerate(ids, 1):
        card = store.card(cid)
        assert card is not None, cid
        out.append(Question(i, card, limit_for(card, limit)))
    return out


def interview(store: Store, sched: Scheduler, clock: FakeClock, *ids: str, limit: int = 120):
    iv = MockInterview(store, sched, clock, questions(store, *ids, limit=limit), {"seed": 1})
    iv.start()
    return iv


def count(store: Store, sql: str, *args: object) -> int:
    return store.conn.execute(sql, args).fetchone()[0]


# --- the clock ------------------------------------------------------------------
def test_countdown_moves_with_the_clock_and_shows_whole_seconds(clock: FakeClock) -> None:
    t = Timer(clock, 180)
    assert clock_text(t) == "03:00"
    clock.advance(0.4)
    assert clock_text(t) == "03:00"  # rounded up: the limit shows whole at the start
    clock.advance(9.6)
    assert t.remaining() == pytest.approx(170)
    assert clock_text(t) == "02:50"
    clock.advance(110)
    assert clock_text(t) == "01:00"


def test_colour_turns_yellow_in_the_last_30_s_and_red_over_with_overtime_counting(
    clock: FakeClock,
) -> None:
    t = Timer(clock, 120)
    clock.advance(89)
    assert t.color() == NORMAL
    clock.advance(1)  # 30 s left
    assert t.color() == WARNING
    clock.advance(30)  # exactly at the limit
    assert (t.color(), clock_text(t)) == (WARNING, "00:00")
    clock.advance(0.5)
    assert t.color() == OVER
    clock.advance(12)
    assert t.overtime() == pytest.approx(12.5)
    assert clock_text(t) == "+00:12"
    clock.advance(60)
    assert clock_text(t) == "+01:12"


def test_pause_stops_the_clock_and_resume_continues(clock: FakeClock) -> None:
    t = Timer(clock, 120)
    clock.advance(10)
    t.toggle()
    assert t.paused
    clock.advance(50)
    assert t.elapsed() == pytest.approx(10)
    t.toggle()
    clock.advance(5)
    assert not t.paused
    assert t.elapsed() == pytest.approx(15)
    t.stop()
    clock.advance(100)
    assert t.elapsed() == pytest.approx(15)  # a stopped clock keeps the answer time


def test_star_segment_boundaries_split_the_limit_20_10_60_10() -> None:
    def letter(at: float) -> str | None:
        seg = star_segment(at, 120)
        return seg.letter if seg else None

    assert [letter(x) for x in (0, 23.99, 24, 35.99, 36, 107.99, 108, 119.99, 120, 200)] == [
        "S", "S", "T", "T", "A", "A", "R", "R", None, None,
    ]  # fmt: skip
    seg = star_segment(100, 300)
    assert seg is not None and (seg.name, seg.start_s, seg.end_s) == ("Action", 90, 270)


def test_star_segment_follows_the_interview_clock(store, sched, clock) -> None:
    iv = interview(store, sched, clock, "team-conflict", limit=100)
    assert iv.timer.segment().letter == "S"
    clock.advance(20)
    assert iv.timer.segment().letter == "T"
    iv.handle(PAUSE)
    clock.advance(60)  # paused time does not move the segment
    assert iv.timer.segment().letter == "T"
    iv.handle(PAUSE)
    clock.advance(10)
    assert iv.timer.segment().name == "Action"


def test_limits_come_from_time_override_then_card_then_kind(store: Store) -> None:
    card = store.card("fastapi-async-caveats")
    assert card is not None and card.time_s == 180  # the deck default (3m)
    assert limit_for(card) == 180
    assert limit_for(card, 20) == 20
    assert limit_for(card.replace(time_s=45)) == 45
    expected = {"behavioral": 120, "technical": 180, "concept": 120, "ask": 60}
    assert KIND_LIMITS == expected
    for kind, seconds in expected.items():
        assert limit_for(card.replace(time_s=None, kind=kind)) == seconds


# --- events and grades -----------------------------------------------------------
def test_done_then_grade_stores_review_and_answer_together(store, sched, clock) -> None:
    iv = interview(store, sched, clock, "fastapi-async-caveats", "team-conflict")
    assert count(store, "SELECT COUNT(*) FROM mock_sessions WHERE id = ?", iv.id) == 1
    clock.advance(95)
    assert iv.handle(DONE) == REVIEW
    clock.advance(40)  # time spent reading the model answer is not answer time
    answer = iv.grade(3, {1, 3})
    assert answer.used_ms == 95_000 and answer.rating == 3 and not answer.capped
    review = store.conn.execute(
        "SELECT card_id, rating, duration_ms, source, session, uuid FROM reviews"
    ).fetchall()
    assert review == [("fastapi-async-caveats", 3, 95_000, "mock", iv.id, answer.review_uuid)]
    rows = store.mock_answers(iv.id)
    assert len(rows) == 1
    row = rows[0]
    assert (row["card_id"], row["rating"], row["used_ms"], row["limit_s"]) == (
        "fastapi-async-caveats", 3, 95_000, 120,
    )  # fmt: skip
    assert (row["covered"], row["keywords_covered"], row["keywords_total"]) == ([1, 3], 2, 6)
    assert row["review_uuid"] == answer.review_uuid
    assert store.state("fastapi-async-caveats").reps == 1  # the schedule moved
    assert iv.phase == ASKING and iv.current.card.id == "team-conflict"


def test_skip_records_an_ungraded_answer_and_moves_on(store, sched, clock) -> None:
    iv = interview(store, sched, clock, "fastapi-async-caveats", "team-conflict")
    clock.advance(7)
    iv.handle(SKIP)
    assert iv.current.card.id == "team-conflict" and iv.phase == ASKING
    assert iv.timer.elapsed() == 0
    assert count(store, "SELECT COUNT(*) FROM reviews") == 0
    (row,) = store.mock_answers(iv.id)
    assert row["skipped"] and row["rating"] is None and row["used_ms"] == 7000


def test_hints_are_counted_per_question(store, sched, clock) -> None:
    iv = interview(store, sched, clock, "fastapi-async-caveats", "team-conflict")
    iv.handle(HINT)
    iv.handle(HINT)
    iv.handle(DONE)
    first = iv.grade(2)
    iv.handle(DONE)
    second = iv.grade(3)
    assert (first.hints, second.hints) == (2, 0)
    assert [r["hint_used"] for r in store.mock_answers(iv.id)] == [2, 0]


def test_events_in_review_do_not_move_and_grading_needs_an_answer(store, sched, clock) -> None:
    iv = interview(store, sched, clock, "fastapi-async-caveats")
    with pytest.raises(RuntimeError):
        iv.grade(3)
    iv.handle(DONE)
    for event in (SKIP, HINT, PAUSE, DONE):
        assert iv.handle(event) == REVIEW
    with pytest.raises(ValueError):
        iv.handle("jump")
    with pytest.raises(PrepError, match="keyword 9 is not on the list"):
        iv.grade(3, {9})
    assert count(store, "SELECT COUNT(*) FROM reviews") == 0  # a bad grade wrote nothing


def test_grade_over_one_and_a_half_times_the_limit_is_capped_at_hard(store, sched, clock) -> None:
    iv = interview(store, sched, clock, "fastapi-async-caveats", "team-conflict", "cicd-rollback")
    clock.advance(30)  # exactly 1.5x of 20 s: not over
    iv.timer.limit_s = iv.current.limit_s = 20
    iv.handle(DONE)
    assert not iv.over_cap
    assert iv.grade(4).rating == 4
    iv.questions[1].limit_s = iv.timer.limit_s = 20
    clock.advance(30.5)
    iv.handle(DONE)
    assert iv.over_cap
    capped = iv.grade(3)
    assert (capped.rating, capped.capped) == (2, True)
    iv.questions[2].limit_s = iv.timer.limit_s = 20
    clock.advance(45)
    iv.handle(DONE)
    kept = iv.grade(3, override=True)
    assert (kept.rating, kept.capped) == (3, False)
    ratings = [r[0] for r in store.conn.execute("SELECT rating FROM reviews ORDER BY rowid")]
    assert ratings == [4, 2, 3]
    assert [r["capped"] for r in store.mock_answers(iv.id)] == [False, True, False]


def test_again_is_never_raised_by_the_cap(store, sched, clock) -> None:
    iv = interview(store, sched, clock, "team-conflict", limit=10)
    clock.advance(100)
    iv.handle(DONE)
    assert iv.grade(1).rating == 1


def test_end_early_keeps_graded_answers_and_drops_the_one_in_progress(store, sched, clock) -> None:
    iv = interview(store, sched, clock, "fastapi-async-caveats", "team-conflict", "cicd-rollback")
    iv.handle(DONE)
    iv.grade(3)
    clock.advance(20)
    assert iv.handle(END) == FINISHED
    assert iv.current is None
    summary = iv.end()
    assert summary.ended_early and summary.planned == 3 and len(summary.answers) == 1
    ended = store.conn.execute("SELECT ended_at FROM mock_sessions WHERE id = ?", (iv.id,))
    assert ended.fetchone()[0] is not None
    assert len(store.mock_answers(iv.id)) == 1
    assert iv.handle(DONE) == FINISHED  # nothing moves after the end


def test_the_last_grade_finishes_the_interview(store, sched, clock) -> None:
    iv = interview(store, sched, clock, "fastapi-async-caveats")
    iv.handle(DONE)
    iv.grade(3)
    assert iv.phase == FINISHED
    assert not iv.summary().ended_early


def test_a_session_without_answers_leaves_no_trace(store, sched, clock) -> None:
    iv = interview(store, sched, clock, "fastapi-async-caveats")
    iv.end()
    assert count(store, "SELECT COUNT(*) FROM mock_sessions") == 0


def test_undo_of_a_mock_grade_clears_the_answer_rating(store, sched, clock) -> None:
    iv = interview(store, sched, clock, "fastapi-async-caveats", "team-conflict")
    iv.handle(DONE)
    iv.grade(3)
    assert store.undo(sched, session=iv.id) is not None
    (row,) = store.mock_answers(iv.id)
    assert row["rating"] is None and row["review_uuid"] is None
    assert store.state("fastapi-async-caveats").reps == 0


def test_history_averages_time_overtime_keywords_and_grades(store, sched, clock) -> None:
    iv = interview(store, sched, clock, "fastapi-async-caveats", "team-conflict", "cicd-rollback")
    clock.advance(100)  # limit 120
    iv.handle(DONE)
    iv.grade(3, {1, 2, 3})  # of 6 keywords
    clock.advance(150)  # 30 s over
    iv.handle(DONE)
    iv.grade(2, {1})  # of 6
    clock.advance(5)
    iv.handle(SKIP)
    (h,) = history(store)
    assert h["id"] == iv.id and h["finished"] and h["seed"] == 1
    assert (h["planned"], h["questions"], h["answered"], h["skipped"], h["graded"]) == (
        3,
        3,
        2,
        1,
        2,
    )
    assert h["used_s"] == 250 and h["limit_s"] == 240
    assert h["mean_used_s"] == 125 and h["mean_limit_s"] == 120
    assert (h["over_time"], h["overtime_s"]) == (1, 30)
    assert (h["keywords_covered"], h["keywords_total"], h["keyword_coverage"]) == (4, 12, 0.333)
    assert h["mean_grade"] == 2.5


# --- what the person types ---------------------------------------------------------
def test_parse_grade_takes_numbers_words_and_an_override_mark() -> None:
    assert parse_grade("3") == (3, False)
    assert parse_grade(" good ") == (3, False)
    assert parse_grade("3!") == (3, True)
    assert parse_grade("easy!") == (4, True)
    assert parse_grade("5") is None
    assert parse_grade("") is None


def test_parse_covered_reads_numbers_ranges_all_and_nothing() -> None:
    assert parse_covered("1 3", 6) == {1, 3}
    assert parse_covered("1,3, 5", 6) == {1, 3, 5}
    assert parse_covered("2-4", 6) == {2, 3, 4}
    assert parse_covered("all", 3) == {1, 2, 3}
    assert parse_covered("", 6) == set()
    with pytest.raises(ValueError, match="7 is not on the list"):
        parse_covered("1 7", 6)
    with pytest.raises(ValueError, match="'x' is not a keyword number"):
        parse_covered("x", 6)


# --- choosing the questions ---------------------------------------------------------
def test_weakness_prefers_forgotten_lapsed_and_never_rehearsed_cards(sched) -> None:
    fresh = sched.apply(CardState("c"), Review("u", "c", 4, T0))
    new = CardState("c")
    assert weakness(new, sched, T0, 0, True) > weakness(fresh, sched, T0, 0, True)
    assert weakness(fresh, sched, T0, 2, True) > weakness(fresh, sched, T0, 0, True)
    assert weakness(fresh, sched, T0, 0, False) > weakness(fresh, sched, T0, 0, True)
    later = T0.replace(year=T0.year + 1)  # a card not seen for a year is weaker than today
    assert weakness(fresh, sched, later, 0, True) > weakness(fresh, sched, T0, 0, True)


def test_choice_is_reproducible_by_seed(store, sched) -> None:
    a = choose(store, sched, T0, count=6, seed=42)
    b = choose(store, sched, T0, count=6, seed=42)
    assert [q.card.id for q in a.questions] == [q.card.id for q in b.questions]
    others = {tuple(q.card.id for q in choose(store, sched, T0, count=6, seed=s).questions)
              for s in range(10)}  # fmt: skip
    assert len(others) > 5


def test_default_set_mixes_topics_with_behavioral_between_and_a_question_to_ask_last(
    store, sched
) -> None:
    for seed in range(30):
        plan = choose(store, sched, T0, count=6, seed=seed)
        qs = plan.questions
        assert [q.position for q in qs] == [1, 2, 3, 4, 5, 6]
        kinds = [q.card.kind for q in qs]
        topics = [q.card.topic for q in qs]
        assert all(a != b for a, b in zip(topics, topics[1:], strict=False)), (seed, topics)
        assert kinds[-1] == "ask"
        assert "ask" not in kinds[:-1]
        assert kinds.count("behavioral") == 2 and kinds[0] != "behavioral", (seed, kinds)
        assert len({q.card.id for q in qs}) == 6


def test_weak_cards_come_up_more_often(store, sched) -> None:
    technical = [c.id for c in store.cards(Filters(kinds=("technical",)))]
    weak, strong = technical[0], technical[1:]
    for cid in strong:  # known well and already rehearsed under a clock
        store.grade(sched, cid, 4, T0)
    store.conn.execute(
        "INSERT INTO mock_sessions(id, started_at) VALUES ('old', '2026-11-01T00:00:00.000000Z')"
    )
    for i, cid in enumerate(strong):
        store.conn.execute(
            "INSERT INTO mock_answers(session_id, position, card_id, limit_s, used_ms) "
            "VALUES ('old', ?, ?, 180, 1000)",
            (i, cid),
        )
    picks = [
        choose(store, sched, T0, Filters(kinds=("technical",)), count=1, seed=s).questions[0]
        for s in range(300)
    ]
    weak_share = sum(q.card.id == weak for q in picks) / len(picks)
    assert weak_share > 2.5 / len(technical)  # uniform would be 1/len


def test_kind_filter_and_time_override(store, sched) -> None:
    plan = choose(store, sched, T0, Filters(kinds=("concept",)), count=4, time_s=20, seed=1)
    assert [q.card.kind for q in plan.questions] == ["concept"] * 4
    assert {q.limit_s for q in plan.questions} == {20}
    asks = choose(store, sched, T0, Filters(kinds=("ask",)), count=2, seed=1)
    assert [q.card.kind for q in asks.questions] == ["ask", "ask"]


def test_minutes_fit_the_set_to_a_total_length(store, sched) -> None:
    plan = choose(store, sched, T0, minutes=5, time_s=60, seed=3)
    assert len(plan.questions) == 5
    plan = choose(store, sched, T0, minutes=10, seed=3)
    assert sum(q.limit_s for q in plan.questions) <= 600
    assert len(plan.questions) >= 3  # the shortest questions take 1-3 minutes
    capped = choose(store, sched, T0, minutes=30, count=2, seed=3)
    assert len(capped.questions) == 2
    with pytest.raises(PrepError, match="--minutes 0.5 is shorter than any question"):
        choose(store, sched, T0, minutes=0.5, seed=3)


def test_no_matching_cards_and_bad_options_are_user_errors(store, sched) -> None:
    with pytest.raises(PrepError, match="no cards match"):
        choose(store, sched, T0, Filters(topics=("없는 주제",)))
    with pytest.raises(PrepError, match="--time must be between 5 and 3600"):
        choose(store, sched, T0, time_s=2)
    with pytest.raises(PrepError, match="--count must be at least 1"):
        choose(store, sched, T0, count=0)


def test_small_pool_gives_what_there_is(store, sched) -> None:
    only = Filters(kinds=("behavioral",), topics=("행동·문화 적합성",))
    plan = choose(store, sched, T0, only, count=5, seed=1)
    assert sorted(q.card.id for q in plan.questions) == [
        "prioritization-fast-change", "team-conflict",
    ]  # fmt: skip
