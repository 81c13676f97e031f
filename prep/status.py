"""`prep status`: the day's numbers, on the stdlib-only path."""

from __future__ import annotations

from datetime import date, timedelta

from .clock import Clock, day_start, iso, parse_iso
from .settings import interview_at, settings_of
from .store import Store

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def streak(study_days: list[str], today: date) -> int:
    """Consecutive study days ending today (or yesterday, if today is not done yet)."""
    days = {date.fromisoformat(d) for d in study_days if d}
    cursor = today if today in days else today - timedelta(days=1)
    n = 0
    while cursor in days:
        n += 1
        cursor -= timedelta(days=1)
    return n


def status(store: Store, clock: Clock) -> dict[str, Any]:
    settings = settings_of(store)
    now = clock.now()
    tz = clock.local_tz()
    start = day_start(now, tz, settings.day_starts_at)
    counts = store.counts(now, start, tz, settings.day_starts_at)
    today = (now.astimezone(tz) - timedelta(hours=settings.day_starts_at)).date()
    new_today = max(0, min(settings.new_per_day - counts["introduced_today"], counts["unseen"]))
    interview = interview_at(store, clock)
    days_left = None
    minutes: tuple[float, float] | None = None  # (the day's budget, seconds used), in seconds
    due, policy = counts["due"], "fsrs"
    if interview is not None:
        days_left = (interview.astimezone(tz).date() - now.astimezone(tz).date()).days
        room = max(0, settings.max_reviews_per_day - store.scheduled_reviews_since(start))
    if interview is not None and interview > now:
        # Before the interview the drill asks what the deadline policy picks, which is
        # not what plain FSRS finds due nor `new_per_day`: say what the drill will ask.
        from .deadline import today_choice

        choice, ctx = today_choice(store, None, now, interview, None, room, None, tz)
        due, new_today = choice.count("step", "review", "final", "spare"), choice.count("new")
        policy = "deadline"
        minutes = (ctx.daily_s, ctx.spent_s)
    elif interview is not None:
        # Just after the interview the drill holds due reviews to the minutes a day.
        from .deadline import after_choice
        from .store import Filters

        held = after_choice(store, None, now, interview, Filters(), room, new_today, tz)
        if held is not None:
            due, new_today, policy = len(held[0]), len(held[1]), "after"
    if minutes is None and (interview is not None or settings.minutes_per_day or (
        store.get_meta("minutes_per_day")
    )):  # fmt: skip
        from .deadline import budget_minutes, spent_today

        minutes = (budget_minutes(store) * 60.0, spent_today(store, start, 20.0))
    last = store.conn.execute(
        "SELECT MIN(due) FROM card_state WHERE due > ?", (iso(now),)
    ).fetchone()[0]
    return {
        "due": due,
        "new": new_today,
        "policy": policy,
        "reviewed_today": counts["reviewed_today"],
        "streak_days": streak(counts["study_days"], today),
        "cards": counts["cards"],
        "interview_date": interview.isoformat() if interview else None,
        "days_left": days_left,
        "next_due": parse_iso(last).isoformat() if last else None,
        "minutes_per_day": round(minutes[0] / 60) if minutes else None,
        "minutes_today": round(minutes[1] / 60, 1) if minutes else None,
        # Minutes past the budget today: the person chose to go on (prep drill --extra).
        "extra_minutes_today": round(max(0.0, minutes[1] - minutes[0]) / 60, 1)
        if minutes
        else None,
        # Before an interview the plan paces new cards, not settings.new_per_day.
        "new_from": "interview plan" if policy == "deadline" else "new_per_day",
    }
