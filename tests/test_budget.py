"""The day's minutes as a promise: the drill stops at them, plans from the person's own
seconds and memory, and a deck too big for them keeps what it learned."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import T0

from prep import api
from prep.clock import FakeClock, iso
from prep.deadline import Model, calibrate, measured, today_choice
from prep.schedule import REVIEW
from prep.status import interview_at, status

DAY = 86400


def _workspace(root: Path, n: int, settings: str = "") -> Path:
    (root / "decks").mkdir(parents=True)
    (root / "prep.yaml").write_text(
        "candidate: {name: Test}\n"
        f"settings: {{new_per_day: 1000, max_reviews_per_day: 10000{settings}}}\n",
        encoding="utf-8",
    )
    cards = "".join(f"  - {{id: c{i:04d}, q: question {i}, a: answer {i}}}\n" for i in range(n))
    (root / "decks" / "a.yaml").write_text(f"deck: a\ncards:\n{cards}", encoding="utf-8")
    return root


class Learner:
    """Recalls with FSRS-6's probability (continuous time), at its own speed."""

    def __init__(self, first_s: float, step_s: float, review_s: float, seed: int = 1):
        self.first_s, self.step_s, self.review_s = first_s, step_s, review_s
        self.rng = random.Random(seed)
        self.model = Model()

    def answer(self, shown, clock: FakeClock) -> tuple[int, float]:
        st = shown.state
        if st.state == 0:
            return (1 if self.rng.random() < 0.4 else 3), self.first_s
        if st.state == REVIEW and st.last_review is not None and st.stability:
            p = self.model.r((clock.now() - st.last_review).total_seconds() / DAY, st.stability)
            return (3 if self.rng.random() < p else 1), self.review_s
        return 3, self.step_s


def _session(ws: api.Workspace, learner: Learner, extra: bool = False) -> tuple[object, list]:
    session = ws.drill(extra=extra)
    seconds = []
    while (shown := session.next()) is not None and len(seconds) < 3000:
        rating, took = learner.answer(shown, ws.clock)  # type: ignore[arg-type]
        ws.clock.advance(took)  # type: ignore[attr-defined]
        session.reveal()
        session.grade(rating)
        seconds.append(took)
    return session.finish(), seconds


def _days(ws: api.Workspace, learner: Learner, days: int) -> list[float]:
    used = []
    for k in range(days):
        target = T0 + timedelta(days=k)
        ws.clock.advance((target - ws.clock.now()).total_seconds())  # type: ignore[attr-defined]
        _, seconds = _session(ws, learner)
        used.append(sum(seconds))
    return used


@pytest.fixture
def big(tmp_path: Path) -> api.Workspace:
    ws = api.open(_workspace(tmp_path / "w", 400), clock=FakeClock(T0), fuzz=False)
    ws.set_interview((T0 + timedelta(days=10, hours=1)).isoformat())
    ws.set_minutes(10)
    yield ws
    ws.close()


def test_the_drill_stops_when_the_days_minutes_are_used(big):
    summary, seconds = _session(big, Learner(first_s=40, step_s=10, review_s=15))
    assert summary.stopped and summary.budget_s == 600
    used = sum(seconds)
    # It ends with the card on screen: never more than one card past the minutes, and
    # it does not start a new card with less than half of one's time left.
    assert used - max(seconds) < 600 <= used + 45 and used <= 600 + 40
    assert summary.used_s == pytest.approx(used)
    assert summary.left > 0  # what the minutes did not hold is left for another day
    # A second session the same day has at most what the minutes left hold: a new card
    # when at least half of one's time (now measured: the first sights were quick) is
    # left; then nothing, and it says why.
    second, second_seconds = _session(big, Learner(40, 10, 15, seed=3))
    assert second.stopped and len(second_seconds) <= 2
    used += sum(second_seconds)
    assert used - max(seconds + second_seconds) < 600 and used <= 600 + 40
    again = big.drill()
    assert again.next() is None and again.stopped
    # Going on past the minutes is the person's choice, and counts as extra.
    extra_summary, extra_seconds = _session(big, Learner(40, 10, 15, seed=2), extra=True)
    assert extra_seconds and not extra_summary.stopped
    numbers = big.status()
    assert numbers["minutes_per_day"] == 10
    assert numbers["extra_minutes_today"] == pytest.approx(
        (used + sum(extra_seconds) - 600) / 60, abs=0.1
    )


def test_minutes_chosen_without_a_date_are_a_budget_too(tmp_path):
    root = _workspace(tmp_path / "w", 200, ", minutes_per_day: 5")
    with api.open(root, clock=FakeClock(T0), fuzz=False) as ws:
        summary, seconds = _session(ws, Learner(30, 10, 15))
        used = sum(seconds)
        # Stopped within one card of the minutes (a new card is not started with less
        # than half its expected 90 s left).
        assert summary.stopped and used - max(seconds) < 300 < used + 45
        # And without any chosen minutes, plain FSRS has no budget: new_per_day holds.
    root2 = _workspace(tmp_path / "v", 50)
    with api.open(root2, clock=FakeClock(T0), fuzz=False) as ws:
        summary, _ = _session(ws, Learner(30, 10, 15))
        assert summary.budget_s is None and not summary.stopped


def test_a_slow_answerer_is_planned_for_after_a_few_days(big):
    slow = Learner(first_s=150, step_s=30, review_s=45)
    ctx_before = today_choice(big.store, None, big.clock.now(), interview_at(big.store, big.clock))
    planned_first = ctx_before[0].seconds
    used = _days(big, slow, 4)
    assert all(u <= 600 * 1.25 for u in used)
    costs, _ = measured(big.store)
    # First sights with their steps took about 150 + 30 (+30 for an Again): the estimate
    # has moved from the prior (90 s) most of the way there, and the few reviews toward 45 s.
    assert costs.new_s > 125 and costs.pass_s > 24
    # The queue now planned for a day is about what the person gets through in a day.
    big.clock.advance(DAY)
    choice, *_ = today_choice(big.store, None, big.clock.now(), interview_at(big.store, big.clock))
    assert choice.seconds <= 600 + costs.new_s / 2
    summary, seconds = _session(big, slow)
    shown = len(seconds)
    assert len(choice.picks) <= shown * 1.5 + 2
    # The first day's plan fit the minutes by the priors too (the last card may run past
    # them by half its time, as the drill starts a card with half its time left).
    assert planned_first <= 600 + 45


def test_a_deck_too_big_for_the_minutes_keeps_reviewing_and_gives_final_reviews(big):
    learner = Learner(first_s=40, step_s=10, review_s=15)
    kinds_by_day = []
    for k in range(10):
        target = T0 + timedelta(days=k)
        big.clock.advance((target - big.clock.now()).total_seconds())
        choice, *_ = today_choice(
            big.store, None, big.clock.now(), interview_at(big.store, big.clock)
        )
        kinds_by_day.append({p.kind for p in choice.picks})
        _session(big, learner)
    # 400 cards cannot be learned in 10 days of 10 minutes; every day after the first
    # still reviews what was learned.
    unseen = big.store.conn.execute(
        "SELECT COUNT(*) FROM cards c LEFT JOIN card_state s ON s.card_id = c.id "
        "WHERE s.card_id IS NULL"
    ).fetchone()[0]
    assert unseen > 100
    reviewing = [bool(kinds & {"review", "final", "spare", "step"}) for kinds in kinds_by_day]
    assert all(reviewing[2:]), str([sorted(k) for k in kinds_by_day])  # day 1: none due yet
    # What was learned is kept for the day: every learned card had its last review in
    # the last three study days, or is forecast at 70% or more on the day without one
    # (a card that sure is worth less than a card learned in its place).
    from prep.clock import parse_iso

    interview = T0 + timedelta(days=10, hours=1)
    model = Model()
    late = 0
    rows = big.store.conn.execute("SELECT card_id, last_review, stability FROM card_state")
    for cid, last, s in rows.fetchall():
        at = parse_iso(last)
        sure = model.r((interview - at).total_seconds() / DAY, s) >= 0.7
        assert at >= T0 + timedelta(days=7) or sure, cid
        late += at >= T0 + timedelta(days=7)
    assert late > 30


def _log(store, rows) -> None:
    with store.write() as conn:
        for uuid, cid, rating, at in rows:
            conn.execute(
                "INSERT INTO reviews VALUES (?,?,?,?,?,?,?)",
                (uuid, cid, rating, iso(at), 20000, "drill", None),
            )


@pytest.mark.parametrize("forgets", [True, False])
def test_calibration_moves_the_forecast_toward_observed_pass_rates(tmp_path, forgets):
    root = _workspace(tmp_path / "w", 120)
    with api.open(root, clock=FakeClock(T0), fuzz=False) as ws:
        rows = []
        rng = random.Random(3)
        for i in range(120):
            cid = f"c{i:04d}"
            at = T0 + timedelta(minutes=i)
            rows += [(f"{cid}-0", cid, 4, at)]  # Easy: graduated at once
            # Reviews 3 and then 10 days later: a learner who forgets fast fails most;
            # one who remembers better than FSRS-6 passes all.
            for j, gap in enumerate((3, 13)):
                ok = (rng.random() < 0.35) if forgets else True
                rows.append((f"{cid}-{j + 1}", cid, 3 if ok else 1, at + timedelta(days=gap)))
        _log(ws.store, rows)
        ws.store.rebuild(ws.scheduler())
        cal = calibrate(ws.store)
        assert cal.reviews >= 120
        if forgets:
            assert cal.scale < 0.6
        else:
            assert cal.scale > 1.5
        for _label, n, plain, fitted, observed in cal.bands:
            if n >= 30:  # the calibrated forecast is nearer what happened
                assert abs(fitted - observed) < abs(plain - observed)
        # The plan forecasts with it.
        ws.set_interview((T0 + timedelta(days=30)).isoformat())
        ws.clock.advance(20 * DAY)
        _, ctx, *_ = today_choice(ws.store, None, ws.clock.now(), interview_at(ws.store, ws.clock))
        assert ctx.model.scale == pytest.approx(cal.scale)


def test_the_api_records_the_answer_time_it_is_given(tmp_path):
    root = _workspace(tmp_path / "w", 5)
    with api.open(root, clock=FakeClock(T0), fuzz=False) as ws:
        session = ws.drill()
        shown = session.next()
        assert shown is not None and shown.index == 1
        session.reveal()
        graded = session.grade(3, duration_s=12.5)
        assert graded.review.duration_ms == 12500
        with pytest.raises(ValueError):
            session.next()
            session.grade(5)
        assert status(ws.store, ws.clock)["reviewed_today"] == 1


def test_new_cards_come_by_priority_then_stories_then_file_order(tmp_path):
    from prep.store import Filters

    root = tmp_path / "w"
    (root / "decks").mkdir(parents=True)
    (root / "prep.yaml").write_text("candidate: {name: Test}\n", encoding="utf-8")
    (root / "decks" / "bank.yaml").write_text(
        "deck: bank\npriority: low\ncards:\n"
        "  - {id: b1, q: imported one}\n  - {id: b2, q: imported two, priority: high}\n",
        encoding="utf-8",
    )
    (root / "decks" / "main.yaml").write_text(
        "deck: main\ncards:\n  - {id: m1, q: predicted one}\n"
        "  - {id: m2, q: predicted two, story: a-story}\n  - {id: m3, q: predicted three}\n",
        encoding="utf-8",
    )
    with api.open(root, clock=FakeClock(T0)) as ws:
        assert ws.store.new_ids(Filters()) == ["b2", "m2", "m1", "m3", "b1"]


def test_a_bad_priority_is_a_located_error(tmp_path, cli):
    root = tmp_path / "w"
    (root / "decks").mkdir(parents=True)
    (root / "prep.yaml").write_text("candidate: {name: Test}\n", encoding="utf-8")
    (root / "decks" / "a.yaml").write_text(
        "deck: a\ncards:\n  - id: x\n    q: question\n    priority: urgent\n", encoding="utf-8"
    )
    r = cli("-w", str(root), "deck", "check")
    assert r.returncode == 1
    assert "decks/a.yaml:5:15: error: 'priority' must be high, normal, low" in r.stderr
