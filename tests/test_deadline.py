"""The interview-date policy: its model, its choices with a fake clock, and the drill using it."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import T0

from prep.clock import FakeClock, iso
from prep.deadline import (
    Costs,
    Day,
    Item,
    Mix,
    Model,
    choose,
    deadline_queue,
    interval,
    measured,
    scheduler_params,
)
from prep.drill import DrillSession
from prep.schedule import LEARNING, REVIEW, CardState, Review, Scheduler
from prep.store import Filters, Store
from prep.sync import sync
from prep.workspace import find

DAY = 86400


def _deck(root: Path, n: int) -> None:
    cards = "".join(
        f"  - id: c{i:03d}\n    q: question {i}\n    a: answer {i}\n    topic: T{i % 3}\n"
        for i in range(n)
    )
    (root / "decks" / "a.yaml").write_text(f"deck: a\ncards:\n{cards}", encoding="utf-8")


def _store(root: Path, clock: FakeClock, n: int = 0) -> Store:
    if n:
        _deck(root, n)
    w = find(str(root))
    store = Store(w.db_path)
    sync(store, w, clock)
    return store


def _set(store: Store, **meta: object) -> None:
    with store.write() as conn:
        for key, value in meta.items():
            store.set_meta(conn, key, value)


def _study_day(store: Store, clock: FakeClock, seconds: float = 20) -> int:
    """One drill session: a learner who recalls a card with the probability FSRS predicts.

    The coin is seeded by card and repetition, so runs are repeatable and two
    policies showing a card at the same point of its history see the same outcome.
    """
    sch = Scheduler(fuzz=False)
    s = DrillSession(store=store, scheduler=sch, clock=clock)
    n = 0
    shown = s.next()
    while shown is not None and n < 2000:
        st = shown.state
        if st.state == REVIEW and st.last_review is not None and st.stability:
            # FSRS-6's curve in continuous time (the fsrs package's retrievability
            # counts whole days: a card seen 23 hours ago would be sure).
            elapsed = (clock.now() - st.last_review).total_seconds() / DAY
            p = Model().r(elapsed, st.stability)
        else:
            p = 0.9 if st.reps else 0.75
        coin = random.Random(f"{shown.card.id}-{st.reps}").random()
        clock.advance(seconds)
        s.grade(3 if coin < p else 1)
        n += 1
        shown = s.next()
    return n


def _run_days(store: Store, start: datetime, days: int) -> None:
    for k in range(days):
        _study_day(store, FakeClock(start + timedelta(days=k)))


def _last_reviews(store: Store) -> dict[str, datetime]:
    from prep.clock import parse_iso

    return {
        cid: parse_iso(at)
        for cid, at in store.conn.execute(
            "SELECT card_id, MAX(reviewed_at) FROM reviews GROUP BY 1"
        )
    }


# --- the model -----------------------------------------------------------------------
def test_model_follows_the_scheduler_it_forecasts_for():
    sch = Scheduler(fuzz=False)
    model = Model(scheduler_params(sch))
    st = CardState("x")
    st = sch.apply(st, Review("1", "x", 3, T0))
    st = sch.apply(st, Review("2", "x", 3, T0 + timedelta(minutes=10)))
    assert st.state == REVIEW
    s, d = model.learned(3)
    assert st.stability == pytest.approx(s) and st.difficulty == pytest.approx(d)
    for days in (1, 3, 10):
        at = st.last_review + timedelta(days=days)
        assert model.r(days, s) == pytest.approx(sch.retrievability(st, at))
    at = st.last_review + timedelta(days=4)
    good = sch.apply(st, Review("3", "x", 3, at))
    assert good.stability == pytest.approx(model.passed(s, d, model.r(4, s), 3))
    assert good.difficulty == pytest.approx(model.next_d(d, 3))
    easy = sch.apply(st, Review("4", "x", 4, at))
    assert easy.stability == pytest.approx(model.passed(s, d, model.r(4, s), 4))
    again = sch.apply(good, Review("5", "x", 1, at + timedelta(days=9)))
    back = sch.apply(again, Review("6", "x", 3, at + timedelta(days=9, minutes=10)))
    s2, d2 = good.stability, good.difficulty
    assert (back.stability, back.difficulty) == pytest.approx(model.lapsed(s2, d2, model.r(9, s2)))


# --- the choice, on plain numbers -------------------------------------------------------
def _day(days_left: int, minutes: float = 20, hour_gap: float = 1 / 24) -> Day:
    return Day(days_left - 1 + hour_gap + 1.0, days_left, minutes * 60, minutes * 60)


def test_a_stable_card_gets_its_last_review_shortly_before_the_day_not_on_its_interval():
    model, costs, mix = Model(), Costs(), Mix()
    card = Item("a", REVIEW, s=25.0, d=5.0, elapsed=4.0, last_day=4)
    days_left = 14
    picked_on = None
    for k in range(days_left):
        it = Item("a", REVIEW, 25.0, 5.0, card.elapsed + k, card.last_day + k)
        choice = choose([it], _day(days_left - k), model, costs, mix, keep=0.9)
        if choice.ids:
            picked_on = k
            assert choice.picks[0].kind == "final"
            break
    assert picked_on is not None
    interview = days_left + 1 / 24
    # Plain FSRS at 0.9 would next show it after the interview...
    assert card.elapsed * -1 + interval(model, 25.0, 0.9) > interview
    # ...the policy shows it in the last days, not while it is still far off.
    assert days_left - 5 <= picked_on <= days_left - 1


def test_shaky_cards_take_the_last_day_and_stable_ones_go_earlier():
    model, costs, mix = Model(), Costs(), Mix()
    cards = {
        "stable": Item("stable", REVIEW, 40.0, 4.0, 3.0, 3),
        "shaky": Item("shaky", REVIEW, 3.0, 7.0, 0.6, 1),
    }
    picked: dict[str, list[int]] = {"stable": [], "shaky": []}
    days = 10
    for k in range(days):
        for pick in choose(
            list(cards.values()), _day(days - k), model, costs, mix, keep=0.85
        ).picks:
            it = cards[pick.id]
            picked[pick.id].append(k)
            # Recalled: the new stability, reviewed just now.
            cards[pick.id] = Item(
                it.id, REVIEW, model.passed(it.s, it.d, model.r(it.elapsed, it.s)), it.d, 0.0, 0
            )
        cards = {
            i: Item(c.id, REVIEW, c.s, c.d, c.elapsed + 1, c.last_day + 1) for i, c in cards.items()
        }
    # One last review for the stable card, before the shaky card's, which lands in the last days.
    assert len(picked["stable"]) == 1
    assert picked["stable"][0] < picked["shaky"][-1]
    assert picked["shaky"][-1] >= days - 2


def test_gain_per_second_decides_when_the_budget_is_short():
    model, costs, mix = Model(), Costs(), Mix()
    items = [Item(f"r{i}", REVIEW, 2.0 + i, 5.0, 6.0, 6) for i in range(30)]
    choice = choose(items, Day(3.04, 3, 120, 120), model, costs, mix, keep=0.9)
    assert 0 < len(choice.picks) < 30
    assert choice.seconds <= 120 + costs.fail_s
    rates = [p.gain / p.seconds for p in choice.picks]
    left_out = set(it.id for it in items) - set(choice.ids)
    # Nothing left out would have bought more recall per second than what was chosen.
    full = choose(items, Day(3.04, 3, 10**6, 10**6), model, costs, mix, keep=0.9)
    others = [p.gain / p.seconds for p in full.picks if p.id in left_out]
    assert min(rates) >= max(others)


def test_a_step_due_now_comes_first_and_steps_still_to_come_hold_no_minutes():
    model, costs, mix = Model(), Costs(), Mix()
    due = Item("now", LEARNING, 0.5, 6.0, 0.01, 0, step_due=True)
    later = [Item(f"l{i}", LEARNING, 0.5, 6.0, 0.001, 0) for i in range(5)]
    new = [Item(f"n{i}") for i in range(10)]
    # 100 s left: the step due now first. The five steps due later today are shown by
    # the drill when they come due, between these cards; the minutes are not held for
    # them (a step adds little recall on the day, a new card much), so a new card
    # follows: 80 s left hold more than half of one (90 s).
    choice = choose([due, *later, *new], Day(5.04, 5, 100, 100), model, costs, mix, keep=0.9)
    assert choice.ids == ["now", "n0"]
    # With 30 s left after the step, not even half a new card fits: the step alone.
    choice = choose([due, *later, *new], Day(5.04, 5, 600, 50), model, costs, mix, keep=0.9)
    assert choice.ids == ["now"]


def test_new_cards_come_at_their_pace_but_never_crowd_out_the_reviews():
    model, costs, mix = Model(), Costs(), Mix()
    new = [Item(f"n{i:03d}") for i in range(100)]
    due = [Item(f"r{i}", REVIEW, 3.0, 6.0, 8.0, 8) for i in range(60)]
    budget = 20 * costs.new_s / 60  # minutes for 20 new cards, or for the 60 reviews
    choice = choose(new + due, _day(12, minutes=budget), model, costs, mix, keep=0.9)
    # 100 cards in the 8 days the pace allows would be 13 today; ahead of the reviews the
    # pace takes at most half the day (10 new cards), and the reviews get the rest.
    assert choice.count("new") == 10
    assert choice.count("review") > 0
    assert choice.seconds <= budget * 60
    # A pace a day can hold is served in full.
    small = choose(new[:40] + due, _day(12, minutes=budget), model, costs, mix, keep=0.9)
    assert small.count("new") >= 5
    assert [p.id for p in choice.picks if p.kind == "new"] == [
        f"n{i:03d}" for i in range(choice.count("new"))
    ]
    # An explicit new-card limit is a limit.
    capped = choose(new, _day(12, minutes=60), model, costs, mix, new_room=3)
    assert capped.count("new") == 3


# --- with the store and a fake clock ----------------------------------------------------
def test_drill_uses_the_policy_only_while_the_date_is_ahead(empty_ws):
    clock = FakeClock(T0)
    store = _store(empty_ws, clock, 12)
    _set(store, minutes_per_day=60)
    plain = DrillSession(store=store, scheduler=Scheduler(fuzz=False), clock=clock).queue
    assert plain == [f"c{i:03d}" for i in range(5)]  # new_per_day 5
    _set(store, interview_override=(T0 + timedelta(days=5)).isoformat())
    ahead = DrillSession(store=store, scheduler=Scheduler(fuzz=False), clock=clock).queue
    assert ahead == [f"c{i:03d}" for i in range(12)]  # the deadline paces new cards itself
    _set(store, interview_override=(T0 - timedelta(hours=1)).isoformat())
    after = DrillSession(store=store, scheduler=Scheduler(fuzz=False), clock=clock).queue
    assert after == plain


def test_status_says_what_the_drill_will_ask_before_the_interview(empty_ws):
    from prep.status import status

    clock = FakeClock(T0)
    store = _store(empty_ws, clock, 12)
    _set(store, minutes_per_day=60)
    plain = status(store, clock)
    assert (plain["new"], plain["policy"]) == (5, "fsrs")  # new_per_day
    _set(store, interview_override=(T0 + timedelta(days=5)).isoformat())
    ahead = status(store, clock)
    queue = DrillSession(store=store, scheduler=Scheduler(fuzz=False), clock=clock).queue
    assert ahead["policy"] == "deadline"
    assert (ahead["new"], ahead["due"]) == (len(queue), 0) == (12, 0)
    _study_day(store, clock)
    clock.advance(DAY)
    later = status(store, clock)
    queue = DrillSession(store=store, scheduler=Scheduler(fuzz=False), clock=clock).queue
    assert later["due"] + later["new"] == len(queue) > 0
    # Just after the interview the drill holds due reviews to the minutes a day: so does status.
    _study_day(store, clock)
    clock.advance(8 * DAY)
    _set(store, interview_override=(clock.now() - timedelta(hours=1)).isoformat())
    _set(store, minutes_per_day=1)  # three reviews at the default 20 s
    held = status(store, clock)
    session = DrillSession(store=store, scheduler=Scheduler(fuzz=False), clock=clock)
    assert held["policy"] == "after"
    assert len(store.due_ids(clock.now())) > held["due"] == 3
    assert held["due"] + held["new"] == len(session.queue)
    _set(store, interview_override=(clock.now() - timedelta(days=30)).isoformat())
    assert status(store, clock)["policy"] == "fsrs"


def test_new_cards_are_all_in_early_enough_to_be_reviewed_before_the_day(empty_ws):
    store = _store(empty_ws, FakeClock(T0), 120)
    interview = T0 + timedelta(days=10, hours=1)
    _set(store, interview_override=interview.isoformat(), minutes_per_day=20)
    _run_days(store, T0, 10)
    firsts = [
        r[0] for r in store.conn.execute("SELECT MIN(reviewed_at) FROM reviews GROUP BY card_id")
    ]
    assert len(firsts) == 120
    # Study days 0-9: the pace aims to bring every card in by day 7 (the last quarter is
    # for reviews) but takes at most half of a day ahead of the reviews, so the last
    # ones may come on day 8; none is left for the last study day.
    assert max(firsts) < iso(T0 + timedelta(days=9))


def test_last_reviews_land_shortly_before_the_day_and_the_workload_does_not_jump(empty_ws):
    import shutil

    n, days = 60, 21
    interview = T0 + timedelta(days=days, hours=1)
    model = Model()

    def run(with_date: bool) -> tuple[list[float], int, list[int]]:
        root = empty_ws.parent / ("with" if with_date else "without")
        shutil.copytree(empty_ws, root)
        store = _store(root, FakeClock(T0), n)
        if with_date:
            _set(store, interview_override=interview.isoformat(), minutes_per_day=20)
        else:  # the same intake, so that only the scheduling differs
            _set(store, settings={"new_per_day": 60, "max_reviews_per_day": 200})
        _run_days(store, T0, days)
        on_day = {
            cid: model.r((interview - st.last_review).total_seconds() / DAY, st.stability)
            for cid, st in store.states().items()
        }
        lasts = _last_reviews(store)
        # A card is ready on the day when its last review came in the last four days,
        # or when it is so stable that one would not add SLACK (0.01) to its recall.
        near = sum(1 for at in lasts.values() if at >= interview - timedelta(days=4))
        weak = sum(
            1
            for cid, at in lasts.items()
            if at < interview - timedelta(days=4) and on_day[cid] < 0.95
        )
        after = [len(store.due_ids(interview + timedelta(days=k, hours=23))) for k in range(7)]
        return sorted(on_day.values()), near, weak, after

    recall, near, weak, after = run(True)
    plain_recall, plain_near, plain_weak, plain_after = run(False)
    assert len(recall) == len(plain_recall) == n
    # Every card either takes its last review in the last four days or is sure of the
    # day without one; plain FSRS leaves them wherever their intervals end.
    assert near > plain_near and weak <= n // 20 < plain_weak, (near, weak, plain_near, plain_weak)
    # Recall on the day, by the model both schedule with, is at least plain FSRS's,
    # which here has no daily budget at all (the interview plan has 20 minutes).
    # How much either gains on learners whose memory is not this model is measured by
    # benchmarks/deadline.py, not here.
    assert sum(recall) / n >= sum(plain_recall) / n
    # Back to plain FSRS after the date: no jump. The cards due in the week after (counted
    # day by day as they come due) stay at or under plain FSRS's at their busiest and in
    # total; the first days may hold a few more, reviewed early on the day.
    assert max(after) <= max(plain_after) and sum(after) <= sum(plain_after), (after, plain_after)


def test_the_day_budget_counts_what_was_already_studied_today(empty_ws):
    clock = FakeClock(T0)
    store = _store(empty_ws, clock, 80)
    _set(store, interview_override=(T0 + timedelta(days=20)).isoformat(), minutes_per_day=10)
    first = DrillSession(store=store, scheduler=Scheduler(fuzz=False), clock=clock)
    assert 0 < len(first.queue) < 80
    _study_day(store, clock, seconds=30)
    spent = store.conn.execute("SELECT SUM(duration_ms) FROM reviews").fetchone()[0] / 1000
    assert spent >= 10 * 60 * 0.8
    again = deadline_queue(
        store, Scheduler(fuzz=False), clock.now(), T0 + timedelta(days=20), Filters(), 200, 5
    )
    # The day's minutes are spent but for the last seconds: what is queued is at most
    # one card that half fits in them (the drill starts a card with half its time left).
    from prep.deadline import measured

    left = 10 * 60 - spent
    assert len(again) <= 1
    assert not again or left >= measured(store)[0].new_s / 2


def test_a_drill_that_runs_out_of_queue_before_minutes_asks_the_policy_again(empty_ws):
    clock = FakeClock(T0)
    store = _store(empty_ws, clock, 80)
    _set(store, interview_override=(T0 + timedelta(days=20)).isoformat(), minutes_per_day=10)
    # No timed answers yet: the policy reckons 20 s a card shown and queues few new cards.
    first = DrillSession(store=store, scheduler=Scheduler(fuzz=False), clock=clock).queue
    assert 0 < len(first) < 40
    graded = _study_day(store, clock, seconds=5)  # a fast learner: 5 s a card
    spent = store.conn.execute("SELECT SUM(duration_ms) FROM reviews").fetchone()[0] / 1000
    studied = store.conn.execute("SELECT COUNT(DISTINCT card_id) FROM reviews").fetchone()[0]
    assert studied > len(first)  # the session went on past its first queue
    # Until the day's minutes were spent; past them only by the learning steps of
    # cards already begun (each step still to come is reserved, a relapse is not).
    assert 10 * 60 * 0.8 <= spent <= 10 * 60 * 1.25
    assert graded < 2000  # and then it ended
    again = DrillSession(store=store, scheduler=Scheduler(fuzz=False), clock=clock)
    assert again.next() is None or again.queue == []


def test_new_n_stays_a_limit_for_the_whole_session_when_the_drill_refills(empty_ws):
    clock = FakeClock(T0)
    store = _store(empty_ws, clock, 80)
    _set(store, interview_override=(T0 + timedelta(days=20)).isoformat(), minutes_per_day=10)
    s = DrillSession(store=store, scheduler=Scheduler(fuzz=False), clock=clock, new_limit=3)
    shown = s.next()
    graded = 0
    while shown is not None and graded < 500:
        clock.advance(5)  # fast answers: the queue runs out long before the minutes
        s.grade(3)
        graded += 1
        shown = s.next()
    studied = store.conn.execute("SELECT COUNT(DISTINCT card_id) FROM reviews").fetchone()[0]
    assert studied == len(s.introduced) == 3


def test_costs_are_measured_by_kind_of_show_from_the_log(empty_ws):
    """A first sight costs its read and its learning steps; a lapse its relearning too."""
    from prep.clock import iso
    from prep.deadline import PRIOR_FAIL_S, PRIOR_NEW_S, PRIOR_PASS_S

    store = _store(empty_ws, FakeClock(T0), 30)
    costs, _ = measured(store)
    assert (costs.new_s, costs.pass_s, costs.fail_s) == (PRIOR_NEW_S, PRIOR_PASS_S, PRIOR_FAIL_S)
    cards = [r[0] for r in store.conn.execute("SELECT id FROM cards ORDER BY id")]
    for k, cid in enumerate(cards):
        at = T0 + timedelta(minutes=30 * k)
        # First sight: a 120 s read graded Again, then two 10 s learning steps.
        rows = [
            (1, at, 120),
            (3, at + timedelta(minutes=1), 10),
            (3, at + timedelta(minutes=11), 10),
        ]
        later = at + timedelta(days=3)
        if k % 3:  # recalled in 30 s
            rows.append((3, later, 30))
        else:  # forgotten: 70 s, then a 10 s relearning step
            rows += [(1, later, 70), (3, later + timedelta(minutes=10), 10)]
        with store.write() as conn:
            for j, (rating, when, sec) in enumerate(rows):
                conn.execute(
                    "INSERT INTO reviews VALUES (?,?,?,?,?,?,?)",
                    (f"{cid}-{j}", cid, rating, iso(when), sec * 1000, "drill", None),
                )
    with store.write() as conn:  # studying ahead is not a kind of show the plan pays for
        conn.execute(
            "INSERT INTO reviews VALUES (?,?,?,?,?,?,?)",
            ("cram", cards[0], 1, iso(T0 - timedelta(days=1)), 500_000, "cram", None),
        )
    costs, _ = measured(store)

    def toward(value: float, prior: float, true: float) -> bool:
        return abs(value - true) < abs(prior - true) / 2 and min(prior, true) < value < max(
            prior, true
        )

    assert toward(costs.new_s, PRIOR_NEW_S, 140.0)  # 30 first sights with their steps
    assert toward(costs.pass_s, PRIOR_PASS_S, 30.0)
    assert toward(costs.fail_s, PRIOR_FAIL_S, 80.0)
    assert costs.step_s < PRIOR_PASS_S  # steps of 10 s


def test_rating_mix_counts_first_grades_apart_from_later_recalls(empty_ws):
    from prep.clock import iso

    store = _store(empty_ws, FakeClock(T0), 3)
    cards = [r[0] for r in store.conn.execute("SELECT id FROM cards ORDER BY id")]
    with store.write() as conn:
        for k, cid in enumerate(cards):
            at = T0 + timedelta(minutes=k)
            rows = [(4, at), (2, at + timedelta(days=1)), (2, at + timedelta(days=3))]
            for j, (rating, when) in enumerate(rows):
                conn.execute(
                    "INSERT INTO reviews VALUES (?,?,?,?,?,?,?)",
                    (f"{cid}-{j}", cid, rating, iso(when), 20000, "drill", None),
                )
        # A cram grade before everything else is not the card's first grade.
        conn.execute(
            "INSERT INTO reviews VALUES (?,?,?,?,?,?,?)",
            ("cram", cards[0], 1, iso(T0 - timedelta(days=1)), 20000, "cram", None),
        )
    _, mix = measured(store)
    base = Mix()
    assert mix.first[3] == pytest.approx((3 + 20 * base.first[3]) / 23)  # three Easy firsts
    assert mix.first[0] == pytest.approx(20 * base.first[0] / 23)  # the cram Again is not one
    assert mix.passed[0] == pytest.approx((6 + 20 * base.passed[0]) / 26)  # six later Hards
    assert mix.passed[2] == pytest.approx(20 * base.passed[2] / 26)  # first Easys are not recalls


def test_after_the_date_a_backlog_drains_at_the_daily_budget(empty_ws):
    from prep.deadline import GRACE_DAYS, after_choice

    def after_queue(*args):
        held = after_choice(*args)
        return None if held is None else held[0] + held[1]

    clock = FakeClock(T0)
    store = _store(empty_ws, clock, 90)
    interview = T0 + timedelta(days=3)
    _set(store, interview_override=interview.isoformat(), minutes_per_day=60)
    _run_days(store, T0, 3)
    _set(store, minutes_per_day=5)  # 5 minutes: 15 cards at the default 20 s
    later = interview + timedelta(days=10)
    due = store.due_ids(later)
    assert len(due) > 15
    sch = Scheduler(fuzz=False)
    queue = after_queue(store, sch, later, interview, Filters(), 200, 0)
    assert queue == due[:15]  # most overdue first, as many as the minutes allow
    # New cards come only in minutes the backlog leaves: none here, even with room for 10.
    _deck(empty_ws, 120)  # 30 cards never seen
    sync(store, find(str(empty_ws)), FakeClock(later))
    assert len(store.new_ids(Filters(), 10)) == 10
    assert after_queue(store, sch, later, interview, Filters(), 200, 10) == due[:15]
    beyond = interview + timedelta(days=GRACE_DAYS, hours=1)
    assert after_queue(store, sch, beyond, interview, Filters(), 200, 0) is None
    assert after_queue(store, sch, T0, interview, Filters(), 200, 0) is None  # before the date


def test_the_queue_stays_within_the_minutes_but_always_has_a_card():
    costs = Costs(new_s=43.0, pass_s=20.0, fail_s=40.0)
    items = [Item(f"n{i}") for i in range(30)]

    def queue(seconds: float) -> list:
        day = Day(horizon=5.0, days_left=5, daily_s=seconds, left_s=seconds)
        return choose(items, day, Model(), costs, Mix()).picks

    picks = queue(180.0)  # 4 new cards take 172 s; a fifth would run to 215 s
    assert len(picks) == 4 and sum(p.seconds for p in picks) <= 180.0
    assert len(queue(30.0)) == 1  # less than one card's minutes: still one card
