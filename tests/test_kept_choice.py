"""The day's choice is weighed once and kept: `prep status`, the drill's first card and
`prep plan` read it back, less what was graded since, and it is weighed again when
anything it depends on changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import T0
from test_budget import Learner, _workspace

from prep import api
from prep.clock import FakeClock
from prep.deadline import today_choice
from prep.plan import build
from prep.schedule import Scheduler
from prep.status import interview_at


@pytest.fixture
def ws(tmp_path):
    w = api.open(_workspace(tmp_path / "w", 120), clock=FakeClock(T0), fuzz=False)
    w.set_interview((T0 + timedelta(days=9, hours=1)).isoformat())
    w.set_minutes(10)
    yield w
    w.close()


def _choice(ws, fresh=False):
    at = interview_at(ws.store, ws.clock)
    return today_choice(ws.store, None, ws.clock.now(), at, fresh=fresh)[0]


def _grade_some(ws, n, rating=3):
    learner = Learner(40, 10, 15)
    session = ws.drill()
    graded = []
    for _ in range(n):
        shown = session.next()
        assert shown is not None
        ws.clock.advance(30)
        session.reveal()
        session.grade(rating if rating else learner.answer(shown, ws.clock)[0])
        graded.append(shown.card.id)
    session.finish()
    return graded


def test_the_kept_choice_is_the_fresh_one_less_what_was_graded(ws):
    first = _choice(ws)
    assert ws.store.get_meta("choice_today")["picks"]
    assert _choice(ws).ids == first.ids == _choice(ws, fresh=True).ids
    graded = _grade_some(ws, 4)
    assert graded == first.ids[:4]  # the drill asks the kept queue, in its order
    kept = _choice(ws)
    assert [i for i in kept.ids if i not in graded] == [i for i in first.ids if i not in graded]
    assert not set(graded) & {p.id for p in kept.picks if p.kind != "step"}


def test_a_card_graded_again_comes_back_as_a_step_once_due(ws):
    graded = _grade_some(ws, 1, rating=1)
    assert graded[0] not in _choice(ws).ids  # its relearning step is not due yet
    ws.clock.advance(15 * 60)
    kept = _choice(ws)
    assert kept.picks[0].id == graded[0] and kept.picks[0].kind == "step"


def test_status_counts_come_from_the_kept_choice(ws):
    before = ws.status()
    _grade_some(ws, 3)
    after = ws.status()
    assert after["new"] + after["due"] == before["new"] + before["due"] - 3


@pytest.mark.parametrize("change", ["minutes", "deck", "next day", "other grade", "hold"])
def test_the_choice_is_weighed_again_when_what_it_depends_on_changes(ws, change):
    _choice(ws)
    kept = ws.store.get_meta("choice_today")
    # Forge the kept queue: if it were read back, it would say so.
    kept["picks"] = [["c0119", "new", 90.0, 0.5]]
    ws.store.cache_meta("choice_today", kept)
    assert _choice(ws).ids == ["c0119"]
    if change == "minutes":
        ws.set_minutes(25)
    elif change == "deck":
        deck = ws.root / "decks" / "a.yaml"
        deck.write_text(deck.read_text() + "  - {id: extra, q: one more?, a: one}\n")
        ws.sync()
    elif change == "next day":
        ws.clock.advance(86400)
    elif change == "other grade":  # a grade the kept queue did not ask for
        from prep.drill import DrillSession
        from prep.store import Filters

        session = DrillSession(ws.store, Scheduler(fuzz=False), ws.clock, Filters(decks=("a",)))
        shown = session.next()
        assert shown is not None and shown.card.id != "c0119"
        session.reveal()
        session.grade(3)
    elif change == "hold":
        assert ws.store.suspend(["c0003"], ws.clock.now())
    assert _choice(ws).ids != ["c0119"]


def test_plans_first_day_is_the_drills_queue(ws):
    _grade_some(ws, 2)
    ws.clock.advance(3600)
    plan = build(ws.store, Scheduler(fuzz=False), ws.clock)
    assert plan.queue == ws.drill().queue


def test_a_big_deck_is_planned_on_a_sample_that_stands_for_it(tmp_path, monkeypatch):
    import prep.plan as plan_module

    root = tmp_path / "w"
    (root / "decks").mkdir(parents=True)
    (root / "prep.yaml").write_text("settings: {new_per_day: 1000}\n", encoding="utf-8")
    body = "".join(
        f"  - {{id: c{i:04d}, q: question {i}, a: answer {i}, topic: T{i % 4}}}\n"
        for i in range(600)
    )
    (root / "decks" / "a.yaml").write_text(f"deck: a\ncards:\n{body}", encoding="utf-8")
    with api.open(root, clock=FakeClock(T0), fuzz=False) as w:
        w.set_interview((T0 + timedelta(days=12, hours=1)).isoformat())
        w.set_minutes(15)
        for day in range(3):  # some history, so that the sample holds learned cards too
            w.clock.advance(86400 if day else 0)
            session = w.drill()
            learner = Learner(40, 10, 15, seed=day)
            while (shown := session.next()) is not None:
                rating, took = learner.answer(shown, w.clock)
                w.clock.advance(took)
                session.reveal()
                session.grade(rating)
            session.finish()
        w.clock.advance(86400)
        full = build(w.store, Scheduler(fuzz=False), w.clock)
        monkeypatch.setattr(plan_module, "PLAN_SAMPLE", 150)
        sampled = build(w.store, Scheduler(fuzz=False), w.clock)
        drill_queue = w.drill().queue
    assert full.sampled is None and 140 <= (sampled.sampled or 0) <= 160
    assert sampled.cards == full.cards == 600
    assert sampled.queue == full.queue == drill_queue  # today is the drill's queue
    assert sampled.days[0] == full.days[0]
    assert abs(sampled.recall - full.recall) < 0.03
    assert sampled.recall_now == pytest.approx(full.recall_now)  # exact over every card
    assert abs(sampled.new_on_day - full.new_on_day) <= 0.15 * full.new_on_day + 10
    assert {t.topic: t.cards for t in sampled.topics} == {t.topic: t.cards for t in full.topics}
    later = [(d.reviews, d.new) for d in full.days[1:]]
    assert sum(r + n for r, n in later) > 0
    total_full = sum(d.reviews + d.new for d in full.days[1:])
    total_sampled = sum(d.reviews + d.new for d in sampled.days[1:])
    assert abs(total_sampled - total_full) <= 0.15 * total_full
