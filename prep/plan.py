"""`prep plan`: the interview date, the daily budget, and the day-by-day plan to the interview.

The plan replays the drill's own policy (`deadline.choose`) forward, one day
at a time, on the expected memory state: each review moves a card to the
probability-weighted mix of its recalled and forgotten outcomes. Day 0 is the
queue `prep drill` gives right now, so the two always agree. The recall on
the day is the expectation taken at each card's last review in the plan,
which is exact given the state before that review.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .deadline import Context, day_keep, items_of, study_days_left, today_choice
from .errors import PrepError
from .policy import (  # noqa: F401  (project and recall_on_day are plan's API too)
    MAX_DAYS,
    NEW,
    Day,
    Item,
    Projection,
    keep_for,
    project,
    recall_on_day,
    unseen_on_day,
)

if TYPE_CHECKING:
    from .clock import Clock
    from .schedule import Scheduler
    from .store import Store

# Above this many cards the days ahead are projected on a sample of about PLAN_SAMPLE
# (every k-th card of each topic, in introduction order, the minutes scaled to it);
# today is the drill's own queue either way. The search for the minutes that would
# cover the deck runs on a sample of SEARCH_SAMPLE.
PLAN_SAMPLE = 1200
SEARCH_SAMPLE = 400
REFINE_STEPS = 6
MAX_MINUTES = 24 * 60


@dataclass
class PlanDay:
    date: str
    reviews: int
    new: int
    minutes: float


@dataclass
class TopicRecall:
    topic: str
    cards: int
    recall: float
    recall_now: float
    new_on_day: int


@dataclass
class Plan:
    interview: str | None
    passed: bool = False
    held_until: str | None = None  # after the date: due reviews held to the budget until then
    days_left: int = 0
    minutes_per_day: int = 0
    minutes_source: str = "settings"  # "set" (--minutes-per-day), "settings", "suggested"
    minutes_today: float = 0.0  # minutes studied today so far
    extra_minutes_today: float = 0.0  # past the budget, on purpose (prep drill --extra)
    costs: dict[str, float] = field(default_factory=dict)  # seconds by kind of show
    calibration: float = 1.0  # stability scale fitted to the person's pass rates
    seconds_per_card: float = 0.0
    keep: float = 0.0
    queue: list[str] = field(default_factory=list)
    days: list[PlanDay] = field(default_factory=list)
    cards: int = 0
    recall: float = 0.0
    recall_now: float = 0.0
    new_on_day: int = 0
    topics: list[TopicRecall] = field(default_factory=list)
    needed_minutes: int | None = None
    truncated: bool = False
    sampled: int | None = None  # the days ahead were projected on this many cards
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("recall", "recall_now", "seconds_per_card", "keep"):
            out[key] = round(out[key], 4)
        for t in out["topics"]:
            t["recall"], t["recall_now"] = round(t["recall"], 4), round(t["recall_now"], 4)
        for d in out["days"]:
            d["minutes"] = round(d["minutes"], 1)
        return out


# --- setting the date and the budget --------------------------------------------
def set_interview(store: Store, text: str, clock: Clock) -> datetime | None:
    """Store the interview time given on the command line ('none' clears it). Refuses the past.

    It wins over prep.yaml's date until that date is edited (see `status.interview_at`).
    """
    from .clock import parse_when

    if text.strip().lower() in ("none", "clear", "off"):
        with store.write() as conn:
            store.set_meta(conn, "interview_override", "none")
        return None
    when = parse_when(text, clock.local_tz())
    if when <= clock.now():
        raise PrepError(f"the interview time {text!r} is in the past; give a future date")
    # Kept in the offset it was given in (like a date written in prep.yaml), else local time.
    given = text.strip().replace("Z", "+00:00").replace(" ", "T", 1)
    offset = datetime.fromisoformat(given).tzinfo if len(given) > 10 else None
    when = when.astimezone(offset or clock.local_tz())
    with store.write() as conn:
        store.set_meta(conn, "interview_override", when.isoformat())
    return when


def set_minutes(store: Store, minutes: int) -> None:
    if not 1 <= minutes <= MAX_MINUTES:
        raise PrepError(f"--minutes-per-day must be from 1 to {MAX_MINUTES}, not {minutes}")
    with store.write() as conn:
        store.set_meta(conn, "minutes_per_day", int(minutes))


# --- the projection ---------------------------------------------------------------
def sample_items(
    items: list[Item], meta: dict[str, Any], size: int
) -> tuple[list[Item], dict[str, float]]:
    """About `size` of `items`: every k-th card of each topic (`meta` gives the topics),
    in their order, each standing for the cards of its topic it was drawn from."""
    if len(items) <= size:
        return items, {it.id: 1.0 for it in items}
    step = len(items) / size
    groups: dict[str, list[int]] = {}
    for k, it in enumerate(items):
        groups.setdefault(meta[it.id][0] if it.id in meta else "", []).append(k)
    chosen: list[int] = []
    weight: dict[str, float] = {}
    for ks in groups.values():
        take = ks[:: max(1, round(step))] or ks[:1]
        for k in take:
            weight[items[k].id] = len(ks) / len(take)
        chosen += take
    chosen.sort()
    return [items[k] for k in chosen], weight


def needed_minutes(
    items: list[Item],
    ctx: Context,
    horizon: float,
    days_left: int,
    first_left_s: float,
    keep: float | None = None,
    share: float = 1.0,
) -> int:
    """The smallest daily budget that introduces every card before the interview.

    `items` may be a sample of the deck: `share` of it, with the minutes scaled to it.
    """
    if len(items) > SEARCH_SAMPLE:
        sample, _ = sample_items(items, {}, SEARCH_SAMPLE)
        if len(sample) < len(items):
            part = len(sample) / len(items)
            return needed_minutes(
                sample, ctx, horizon, days_left, first_left_s * part, keep, share * part
            )
    daily = ctx.daily_s / 60.0

    def covers(minutes: int, exact: bool = False) -> bool:
        extra = (minutes - daily) * 60.0 * share
        daily_s = minutes * 60.0 * share
        if keep is None or exact:
            # The level the drill would choose at these minutes (`keep_for`, as each day).
            start = Day(horizon, days_left, daily_s, first_left_s + extra)
            level = keep_for(items, start, ctx.model, ctx.costs, ctx.mix)
        else:
            level = keep  # today's level: a quick search, refined below
        proj = project(items, ctx, horizon, days_left, first_left_s + extra, daily_s, keep=level)
        return unseen_on_day(proj) == 0

    lo, hi = max(1, math.floor(daily)), max(2, math.ceil(daily) * 2)
    while not covers(hi):
        lo, hi = hi, hi * 2
        if hi >= MAX_MINUTES:
            return MAX_MINUTES
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if covers(mid):
            hi = mid
        else:
            lo = mid
    if keep is None or share < 1.0:
        return hi  # searched at the drill's own level, or an estimate for a sampled deck
    # The whole deck: from the estimate to the smallest minutes that cover it at the
    # level the drill would choose with them (the plan at those minutes says so).
    for _ in range(REFINE_STEPS):
        if covers(hi, exact=True):
            break
        hi += 1
    else:
        return hi
    lo = max(1, hi // 2)
    if covers(lo, exact=True):
        return lo
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if covers(mid, exact=True):
            hi = mid
        else:
            lo = mid
    return hi


def build(
    store: Store,
    scheduler: Scheduler | None,
    clock: Clock,
    progress: Callable[[int, int], None] | None = None,
) -> Plan:
    """The plan from now to the interview, following the drill's policy."""
    from .deadline import budget_source, context
    from .settings import interview_at, settings_of

    now = clock.now()
    interview = interview_at(store, clock)
    if interview is None:
        return Plan(interview=None)
    if interview <= now:
        from .deadline import GRACE_DAYS, budget_minutes, in_grace

        if not in_grace(now, interview):
            return Plan(interview=interview.isoformat(), passed=True)
        return Plan(
            interview=interview.isoformat(),
            passed=True,
            held_until=(interview + timedelta(days=GRACE_DAYS)).isoformat(),
            minutes_per_day=budget_minutes(store),
        )
    tz = clock.local_tz()
    ctx = context(store, scheduler, now, tz)
    items, meta = items_of(store, None, now, ctx)
    settings = settings_of(store)
    reviewed = store.scheduled_reviews_since(ctx.today)
    review_room = max(0, settings.max_reviews_per_day - reviewed)
    horizon = (interview - now).total_seconds() / 86400.0
    days_left = study_days_left(now, interview, ctx)
    first_left = max(0.0, ctx.daily_s - ctx.spent_s)
    # The level the drill reviews at today, kept for the days projected (the drill
    # chooses it again each day; the plan shows the course it sets out on).
    day0 = Day(horizon, days_left, ctx.daily_s, first_left)
    keep = day_keep(store, items, day0, ctx)
    # Today is the drill's own queue (kept for the day, less what was graded since).
    today, _ = today_choice(store, scheduler, now, interview, None, review_room, None, tz)
    every = items
    items, weight = sample_items(every, meta, PLAN_SAMPLE)
    share = len(items) / len(every) if every else 1.0
    proj = project(
        items, ctx, horizon, days_left, first_left * share, ctx.daily_s * share, review_room,
        progress, keep, today if share == 1.0 else None,
    )  # fmt: skip
    model = ctx.model
    recall = recall_on_day(items, proj, horizon, model)
    now_recall = {  # exact, over every card
        it.id: (model.r(it.elapsed + horizon, it.s) if it.state != NEW else 0.0) for it in every
    }
    unseen_ids = {it.id for it in proj.items if it.state == NEW}
    total = sum(weight.values()) or 1.0

    def weighted(values: dict[str, float], ids: Any = None) -> float:
        keys = values if ids is None else ids
        return sum(weight[i] * values[i] for i in keys)

    plan = Plan(
        interview=interview.isoformat(),
        days_left=days_left,
        minutes_per_day=round(ctx.daily_s / 60),
        minutes_source=budget_source(store),
        minutes_today=round(ctx.spent_s / 60, 1),
        extra_minutes_today=round(max(0.0, ctx.spent_s - ctx.daily_s) / 60, 1),
        costs={
            "new_s": round(ctx.costs.new_s, 1),
            "pass_s": round(ctx.costs.pass_s, 1),
            "fail_s": round(ctx.costs.fail_s, 1),
        },  # fmt: skip
        calibration=round(ctx.model.scale, 3),
        seconds_per_card=ctx.costs.pass_s,
        keep=today.keep,
        queue=today.ids,
        cards=len(every),
        recall=weighted(recall) / total if items else 0.0,
        recall_now=sum(now_recall.values()) / len(every) if every else 0.0,
        new_on_day=round(sum(weight[i] for i in unseen_ids)),
        truncated=proj.truncated,
        sampled=len(items) if share < 1.0 else None,
    )
    start = ctx.today.astimezone(tz).date()
    for choice, offset in proj.days:
        if offset == 0:
            choice, times = today, 1.0  # the drill's queue itself
        else:
            times = 1.0 / share
        plan.days.append(
            PlanDay(
                date=(start + timedelta(days=int(offset))).isoformat(),
                reviews=round(choice.count("step", "review", "final", "spare") * times),
                new=round(choice.count("new") * times),
                minutes=choice.seconds * times / 60.0,
            )
        )
    groups: dict[str, list[str]] = {}
    for it in items:
        groups.setdefault(meta[it.id][0], []).append(it.id)
    every_of: dict[str, list[str]] = {}
    for it in every:
        every_of.setdefault(meta[it.id][0], []).append(it.id)
    for topic, ids in groups.items():
        size = sum(weight[i] for i in ids)
        plan.topics.append(
            TopicRecall(
                topic=topic,
                cards=len(every_of[topic]),
                recall=weighted(recall, ids) / size,
                recall_now=sum(now_recall[i] for i in every_of[topic]) / len(every_of[topic]),
                new_on_day=round(sum(weight[i] for i in ids if i in unseen_ids)),
            )
        )
    plan.topics.sort(key=lambda t: (t.recall, t.topic))
    if unseen_ids:
        plan.needed_minutes = needed_minutes(
            items, ctx, horizon, days_left, first_left * share, keep, share
        )
        where = sorted(((t.new_on_day, t.topic) for t in plan.topics if t.new_on_day), reverse=True)
        listed = ", ".join(f"{topic} ({n})" for n, topic in where[:4])
        if len(where) > 4:
            rest = sum(n for n, _ in where[4:])
            listed += f" and {rest} in {len(where) - 4} more topic{'s' if len(where) > 5 else ''}"
        plan.warnings.append(
            f"{plan.new_on_day} of {len(every)} cards would still be new on the day at "
            f"{plan.minutes_per_day} minutes a day: {listed}. The minutes go first to the "
            "reviews the cards already learned need, so that what you learn is kept; new "
            "cards come by priority (a deck's or card's `priority`), those with a STAR "
            "story first, questions to ask last. Study "
            f"{plan.needed_minutes} minutes a day (prep plan --minutes-per-day "
            f"{plan.needed_minutes}), or cut {plan.new_on_day} cards (remove them from the "
            f"decks, or drill only what matters with --deck/--topic)."
        )
    if proj.truncated:
        plan.warnings.append(
            f"the interview is {days_left} study days away; the plan shows the first {MAX_DAYS}"
        )
    return plan
