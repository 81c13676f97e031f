"""FSRS over the log: fixed UTC times, fuzz off unless a test is about fuzz."""

from __future__ import annotations

from datetime import timedelta

from conftest import T0

from prep.schedule import (
    LEARNING,
    NEW,
    REVIEW,
    CardState,
    Review,
    Scheduler,
    format_interval,
    parse_rating,
)


def _r(rating: int, at, uid: str = "u", source: str = "drill") -> Review:
    return Review(uuid=uid, card_id="c", rating=rating, at=at, source=source)


def test_new_card_good_goes_to_second_learning_step():
    s = Scheduler(fuzz=False)
    st = s.apply(CardState("c"), _r(3, T0))
    assert st.state == LEARNING
    assert st.due - T0 == timedelta(minutes=10)
    assert st.reps == 1 and st.first_review == T0


def test_again_comes_back_in_a_minute_and_easy_graduates():
    s = Scheduler(fuzz=False)
    assert s.apply(CardState("c"), _r(1, T0)).due - T0 == timedelta(minutes=1)
    easy = s.apply(CardState("c"), _r(4, T0))
    assert easy.state == REVIEW and easy.due - T0 >= timedelta(days=1)


def test_intervals_grow_with_good_reviews_on_time():
    s = Scheduler(fuzz=False)
    st = s.apply(CardState("c"), _r(3, T0, "a"))
    st = s.apply(st, _r(3, st.due, "b"))
    first = st.due - st.last_review
    st = s.apply(st, _r(3, st.due, "c"))
    second = st.due - st.last_review
    assert st.state == REVIEW
    assert second > first > timedelta(hours=12)


def test_lapse_counts_and_relearns():
    s = Scheduler(fuzz=False)
    st = s.apply(CardState("c"), _r(4, T0, "a"))
    st = s.apply(st, _r(1, st.due, "b"))
    assert st.lapses == 1 and st.state == 3  # relearning


def test_replay_equals_incremental_and_ignores_order_of_input():
    s = Scheduler(fuzz=True)
    reviews = []
    st = CardState("c")
    at = T0
    for i, rating in enumerate([3, 3, 2, 3, 1, 3, 4, 3]):
        r = _r(rating, at, f"uuid-{i}")
        reviews.append(r)
        st = s.apply(st, r)
        at = st.due + timedelta(hours=1)
    assert s.replay("c", list(reversed(reviews))) == st


def test_fuzz_is_deterministic_per_review_and_within_range():
    s = Scheduler(fuzz=True)
    plain = Scheduler(fuzz=False)
    base = plain.apply(CardState("c"), _r(4, T0, "a"))
    base = plain.apply(base, _r(4, base.due, "b"))
    at = base.due
    exact = plain.apply(base, _r(3, at, "x")).due - at
    dues = {s.apply(base, _r(3, at, f"seed-{i}")).due - at for i in range(40)}
    assert len(dues) > 1  # fuzz spreads intervals
    assert all(abs((d - exact).days) <= max(3, exact.days * 0.2) for d in dues)
    assert s.apply(base, _r(3, at, "same")).due == s.apply(base, _r(3, at, "same")).due


def test_cram_reviews_do_not_move_the_schedule():
    s = Scheduler(fuzz=False)
    st = s.apply(CardState("c"), _r(3, T0, "a"))
    assert s.apply(st, _r(1, T0 + timedelta(minutes=1), "b", source="cram")) == st
    assert s.replay("c", [_r(3, T0, "a"), _r(1, T0, "b", "cram")]) == st


def test_preview_matches_apply_for_each_rating():
    s = Scheduler(fuzz=False)
    st = s.apply(CardState("c"), _r(3, T0, "a"))
    at = T0 + timedelta(minutes=10)
    previews = s.preview(st, at)
    for rating in (1, 2, 3, 4):
        assert previews[rating] == s.apply(st, _r(rating, at, "p")).due - at
    assert previews[1] < previews[3] < previews[4]


def test_retrievability_decays_and_is_zero_for_new():
    s = Scheduler(fuzz=False)
    assert s.retrievability(CardState("c"), T0) == 0.0
    st = s.apply(CardState("c"), _r(4, T0))
    r1 = s.retrievability(st, T0 + timedelta(days=1))
    r30 = s.retrievability(st, T0 + timedelta(days=30))
    assert 1.0 >= r1 > r30 > 0.0


def test_desired_retention_changes_intervals():
    low, high = Scheduler(0.8, fuzz=False), Scheduler(0.95, fuzz=False)
    a = low.apply(CardState("c"), _r(4, T0))
    b = high.apply(CardState("c"), _r(4, T0))
    assert a.due > b.due


def test_helpers():
    assert format_interval(timedelta(seconds=30)) == "<1m"
    assert format_interval(timedelta(minutes=10)) == "10m"
    assert format_interval(timedelta(days=3)) == "3d"
    assert parse_rating("good") == 3 and parse_rating("4") == 4 and parse_rating("x") is None
    assert CardState("c").state == NEW


def test_elapsed_days_count_by_study_day_when_a_day_start_is_given():
    from datetime import timezone

    by_day = Scheduler(fuzz=False, day_start=(timezone.utc, 4))
    by_24h = Scheduler(fuzz=False)
    first = by_day.apply(CardState("c"), _r(4, T0, "a"))  # T0 is 09:00 UTC
    second_at = first.due - timedelta(minutes=10)  # a little earlier on the due day
    assert (second_at - T0) < first.due - T0 and (second_at - T0).days < (first.due - T0).days
    day_based = by_day.apply(first, _r(3, second_at, "b"))
    period_based = by_24h.apply(first, _r(3, second_at, "b"))
    assert day_based.stability > period_based.stability  # counted as a full study day later
    assert day_based.due - second_at > period_based.due - second_at
    # Within one study day both agree (a same-day review).
    same_day = T0 + timedelta(hours=3)
    assert by_day.apply(first, _r(3, same_day, "c")) == by_24h.apply(first, _r(3, same_day, "c"))
    # Replay gives the same state as the incremental path.
    assert by_day.replay("c", [_r(4, T0, "a"), _r(3, second_at, "b")]) == day_based


def test_preview_shows_the_interval_before_fuzz():
    fuzzed, plain = Scheduler(fuzz=True), Scheduler(fuzz=False)
    st = plain.apply(CardState("c"), _r(4, T0, "a"))
    at = st.due
    assert fuzzed.preview(st, at) == plain.preview(st, at)
