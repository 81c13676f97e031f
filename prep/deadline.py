"""The interview-date policy fed from the store: the person's costs and calibration
measured from their log, the cards as the policy sees them, the day's choice
weighed once and kept, and the queue after the date.

The policy itself (`choose`, `keep_for`, the projection of the days ahead) is
pure and lives in `policy`; its names are re-exported here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, tzinfo

from .clock import iso, parse_iso
from .policy import (  # noqa: F401  (re-exported: the policy's names, as before)
    DEFAULT_SHOW_S,
    FINAL_SHARE,
    FSRS6_DEFAULTS,
    KEEP_GRID,
    LEARNING,
    MIN_RATE,
    NEW,
    PACE_SHARE,
    PRIOR_FAIL_S,
    PRIOR_NEW_S,
    PRIOR_PASS_S,
    PRIOR_WEIGHT,
    PROJECT_DAYS,
    PROJECT_GRID,
    PROJECT_SAMPLE,
    RELEARNING,
    RESERVE,
    REVIEW,
    SAMPLE,
    SLACK,
    Choice,
    Costs,
    Day,
    Item,
    Mix,
    Model,
    Pick,
    _Budget,
    choose,
    interval,
    keep_for,
    scheduler_params,
    workload,
)
from .record import Factory, Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .schedule import Scheduler
    from .store import Filters, Store

# Reviews read from the log for costs and the rating mix (the most recent).
COST_WINDOW = 3000
# Minutes a day suggested when an interview date is set and none was chosen.
SUGGESTED_MINUTES = 20
# Durations outside this range are a card left on screen, not an answer.
MAX_SHOW_S = 600.0


# --- from the store -----------------------------------------------------------
class Context(Record):
    """Everything `choose` needs besides the cards, read once from the store."""

    __slots__ = ("model", "costs", "mix", "daily_s", "spent_s", "today", "tz", "day_hour")
    model: Model
    costs: Costs
    mix: Mix
    daily_s: float
    spent_s: float
    today: datetime  # start (UTC) of today's study day
    tz: tzinfo
    day_hour: int


class Calibration(Record):
    """How the person's recall compares with the forecast: `scale` multiplies stability.

    `bands` holds, per stability band, (label, reviews, forecast pass rate with the
    plain model, with the calibrated one, observed pass rate).
    """

    __slots__ = ("scale", "reviews", "bands")
    _defaults = {"scale": 1.0, "reviews": 0, "bands": Factory(list)}
    scale: float
    reviews: int
    bands: list[tuple[str, int, float, float, float]]


# Stability bands (days) for the calibration table, and the scales searched.
CAL_BANDS = ((0.0, 2.0, "< 2 d"), (2.0, 7.0, "2-7 d"), (7.0, 21.0, "7-21 d"), (21.0, 1e9, "> 21 d"))
CAL_SCALES = tuple(round(math.exp(k / 10.0), 4) for k in range(-25, 21))  # 0.08 .. 7.4
CAL_CARDS = 600  # cards whose whole history is replayed (the most recently reviewed)
CAL_MIN = 20  # reviews before the calibration moves away from 1
CAL_PRIOR_SD = 0.6  # on log(scale): the plain model is believed until the log says otherwise


def _observations(store: Store, scheduler: Scheduler | None) -> list[tuple[float, float, bool]]:
    """(days since the last review, stability then, recalled) for reviews half a day or
    more after the one before.

    The histories of the most recently reviewed cards are replayed through the
    scheduler, so each review is judged against the state the card was in then.
    A card still in its learning steps overnight counts too (its stability is a
    forecast like any other): a deck of a few days has little else to learn from.
    Same-day steps are left out.
    """
    from .schedule import CardState, Review
    from .schedule import Scheduler as _Scheduler

    sch = _Scheduler(fuzz=False) if scheduler is None else scheduler
    ids = [
        r[0]
        for r in store.conn.execute(
            "SELECT card_id FROM card_state WHERE last_review IS NOT NULL "
            "ORDER BY last_review DESC LIMIT ?",
            (CAL_CARDS,),
        )
    ]
    out: list[tuple[float, float, bool]] = []
    if not ids:
        return out
    marks = ",".join("?" * len(ids))
    rows = store.conn.execute(
        f"SELECT card_id, rating, reviewed_at, uuid FROM reviews WHERE card_id IN ({marks}) "
        "AND source != 'cram' ORDER BY card_id, reviewed_at, uuid",
        ids,
    ).fetchall()
    st: CardState | None = None
    for cid, rating, at, uuid in rows:
        when = parse_iso(at)
        if st is None or st.card_id != cid:
            st = CardState(cid)
        elif st.last_review is not None and st.stability and st.state != NEW:
            elapsed = (when - st.last_review).total_seconds() / 86400.0
            if elapsed >= 0.5:
                out.append((elapsed, float(st.stability), rating > 1))
        st = sch.apply(st, Review(uuid=uuid, card_id=cid, rating=rating, at=when), fuzz=False)
    return out


def calibrate(
    store: Store, params: Sequence[float] = FSRS6_DEFAULTS, scheduler: Scheduler | None = None
) -> Calibration:
    """Fit the stability scale to the person's own pass rates (maximum a posteriori).

    A person who forgets faster than FSRS-6 predicts gets a scale below 1 (shorter
    forecasts), one who remembers better, above 1. With fewer than CAL_MIN reviews
    of learned cards the scale stays 1.
    """
    plain = Model(params)
    total = store.conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
    # Too few grades to hold CAL_MIN reviews of graduated cards: no replay (it needs fsrs).
    obs = _observations(store, scheduler) if total >= CAL_MIN else []
    scale = 1.0
    if len(obs) >= CAL_MIN:
        best = -math.inf
        for c in CAL_SCALES:
            m = Model(params, c)
            ll = -((math.log(c) / CAL_PRIOR_SD) ** 2) / 2.0
            for t, st, ok in obs:
                p = min(1.0 - 1e-6, max(1e-6, m.r(t, st)))
                ll += math.log(p if ok else 1.0 - p)
            if ll > best:
                best, scale = ll, c
    fitted = Model(params, scale)
    bands = []
    for lo, hi, label in CAL_BANDS:
        sel = [(t, st, ok) for t, st, ok in obs if lo <= st < hi]
        if sel:
            n = len(sel)
            bands.append(
                (
                    label,
                    n,
                    sum(plain.r(t, st) for t, st, _ in sel) / n,
                    sum(fitted.r(t, st) for t, st, _ in sel) / n,
                    sum(ok for *_, ok in sel) / n,
                )
            )
    return Calibration(scale=scale, reviews=len(obs), bands=bands)


def cached_calibration(
    store: Store, params: Sequence[float], scheduler: Scheduler | None = None
) -> Calibration:
    """`calibrate`, cached in meta until the log has grown by a tenth (it is a slow fit)."""
    n = store.conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
    cached = store.get_meta("calibration")
    if isinstance(cached, dict) and cached.get("params") == list(params):
        at = cached.get("log_reviews", -1)
        if isinstance(at, int) and 0 <= at <= n <= at + max(10, at // 10):
            return Calibration(
                scale=float(cached.get("scale", 1.0)),
                reviews=int(cached.get("reviews", 0)),
                bands=[tuple(b) for b in cached.get("bands", [])],
            )
    cal = calibrate(store, params, scheduler)
    store.cache_meta(
        "calibration",
        {
            "params": list(params), "log_reviews": n, "scale": cal.scale,
            "reviews": cal.reviews, "bands": [list(b) for b in cal.bands],
        },
    )  # fmt: skip
    return cal


def measured(store: Store) -> tuple[Costs, Mix]:
    """Seconds per kind of show and the rating mix, from the person's recent log.

    The last COST_WINDOW reviews are read as episodes: a card's first study day
    (its first sight with every learning step that day), a later review
    recalled (with any same-day repeats), a lapse (Again with its relearning
    that day). Each kind's mean seconds is shrunk toward a conservative prior,
    so a handful of quick answers cannot make the plan promise too much. Kept in
    meta until the log changes (a grade, an import, an undo).
    """
    mark = store.conn.execute(
        "SELECT (SELECT max(rowid) FROM reviews), (SELECT count(*) FROM undone)"
    ).fetchone()
    kept = store.get_meta("costs_kept")
    if isinstance(kept, dict) and kept.get("mark") == list(mark):
        try:
            return Costs(**kept["costs"]), Mix(
                first=tuple(kept["first"]), passed=tuple(kept["passed"])
            )
        except (KeyError, TypeError):
            pass
    costs, mix = _measure(store)
    store.cache_meta(
        "costs_kept",
        {
            "mark": list(mark),
            "costs": {k: getattr(costs, k) for k in Costs.__slots__},
            "first": list(mix.first),
            "passed": list(mix.passed),
        },
    )
    return costs, mix


def _measure(store: Store) -> tuple[Costs, Mix]:
    rows = store.conn.execute(
        "SELECT r.card_id, r.rating, r.reviewed_at, r.duration_ms, (SELECT MIN(f.reviewed_at) "
        "FROM reviews f WHERE f.card_id = r.card_id AND f.source != 'cram') "
        "FROM reviews r WHERE r.source != 'cram' ORDER BY r.reviewed_at DESC LIMIT ?",
        (COST_WINDOW,),
    ).fetchall()
    rows.reverse()
    by_card: dict[str, list[tuple[int, float, int, str | None, str]]] = {}
    for cid, rating, at, ms, first in rows:
        by_card.setdefault(cid, []).append((rating, parse_iso(at).timestamp(), ms, first, at))
    sums = {"new": [0.0, 0], "pass": [0.0, 0], "fail": [0.0, 0]}
    steps = [0.0, 0]
    firsts = [0, 0, 0, 0]
    passes = [0, 0, 0]
    cap = MAX_SHOW_S * 1000
    for seq in by_card.values():
        k = 0
        while k < len(seq):
            rating, t0, ms, first, at = seq[k]
            j = k + 1
            while j < len(seq) and seq[j][1] - t0 < 43200:  # the same day (12 hours)
                j += 1
            episode = seq[k:j]
            kind = "new" if first is not None and at == first else (
                "fail" if rating == 1 else "pass"
            )  # fmt: skip
            if kind == "new":
                firsts[rating - 1] += 1
            elif rating > 1:
                passes[rating - 2] += 1
            timed = [e[2] for e in episode]
            if all(0 < x <= cap for x in timed):
                sums[kind][0] += sum(timed) / 1000.0
                sums[kind][1] += 1
                for x in timed[1:]:
                    steps[0] += x / 1000.0
                    steps[1] += 1
            k = j

    def shrunk(kind: str, prior: float) -> float:
        total, n = sums[kind]
        return (total + PRIOR_WEIGHT * prior) / (n + PRIOR_WEIGHT)

    base = Mix()
    prior = 20.0  # pseudo-counts: a handful of grades does not swing the forecast
    n1, n2 = sum(firsts), sum(passes)
    mix = Mix(
        first=tuple((firsts[r] + prior * base.first[r]) / (n1 + prior) for r in range(4)),
        passed=tuple((passes[r] + prior * base.passed[r]) / (n2 + prior) for r in range(3)),
    )
    pass_s = shrunk("pass", PRIOR_PASS_S)
    costs = Costs(
        new_s=shrunk("new", PRIOR_NEW_S),
        pass_s=pass_s,
        fail_s=max(pass_s, shrunk("fail", PRIOR_FAIL_S)),
        step_s=(steps[0] + PRIOR_WEIGHT * pass_s) / (steps[1] + PRIOR_WEIGHT),
    )
    return costs, mix


def budget_minutes(store: Store) -> int:
    """Minutes a day: `prep plan --minutes-per-day`, else settings.minutes_per_day, else
    the suggestion. The person's choice; never derived from how fast they answered."""
    value = store.get_meta("minutes_per_day")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return int(value)
    from .settings import settings_of

    chosen = settings_of(store).minutes_per_day
    return int(chosen) if chosen else SUGGESTED_MINUTES


def budget_source(store: Store) -> str:
    """Where the minutes come from: 'set' (command line), 'settings' (prep.yaml), 'suggested'."""
    value = store.get_meta("minutes_per_day")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return "set"
    from .settings import settings_of

    return "settings" if settings_of(store).minutes_per_day else "suggested"


def spent_today(store: Store, since: datetime, show_s: float) -> float:
    """Seconds studied since `since`; an untimed grade counts as one card shown."""
    total = 0.0
    for (ms,) in store.conn.execute(
        "SELECT duration_ms FROM reviews WHERE reviewed_at >= ? AND source != 'cram'",
        (iso(since),),
    ):
        total += ms / 1000.0 if 0 < ms <= MAX_SHOW_S * 1000 else show_s
    return total


def local_tz() -> tzinfo:
    from .clock import Clock

    return Clock().local_tz()


def context(
    store: Store, scheduler: Scheduler | None, now: datetime, tz: tzinfo | None = None
) -> Context:
    from .clock import day_start
    from .settings import settings_of

    tz = tz or local_tz()
    settings = settings_of(store)
    costs, mix = measured(store)
    today = day_start(now, tz, settings.day_starts_at)
    params = scheduler_params(scheduler)
    cal = cached_calibration(store, params, scheduler)
    return Context(
        model=Model(params, cal.scale),
        costs=costs,
        mix=mix,
        daily_s=budget_minutes(store) * 60.0,
        spent_s=spent_today(store, today, costs.pass_s),
        today=today,
        tz=tz,
        day_hour=settings.day_starts_at,
    )


def study_days_left(now: datetime, interview: datetime, ctx: Context) -> int:
    """Study days from today to the last one before the interview's date (at least today).

    By the date, not the study day the interview falls in: an interview at 01:00,
    before the day starts at 04:00, still leaves the whole day before it.
    """
    days = (interview.astimezone(ctx.tz).date() - ctx.today.astimezone(ctx.tz).date()).days
    return max(1, days)


def day_index(at: datetime, ctx: Context) -> int:
    """Study days from `at`'s day to today (0 = today). Days are taken as 24 hours long."""
    if at >= ctx.today:
        return 0
    return int((ctx.today - at).total_seconds() // 86400) + 1


def items_of(
    store: Store, filters: Filters | None, now: datetime, ctx: Context
) -> tuple[list[Item], dict[str, Any]]:
    """Cards matching `filters` as policy items (new cards in introduction order), and card rows by id.

    The days since each card's last review are computed by SQLite (julianday), not
    by parsing 100,000 timestamps in Python.
    """
    from .store import NEW_ORDER, Filters

    where, args = (filters or Filters()).sql(now=now)
    now_iso, today_iso = iso(now), iso(ctx.today)
    rows = store.conn.execute(
        "SELECT c.id, c.topic, c.kind, c.deck, s.state, s.stability, s.difficulty, "
        "max(0.0, julianday(?) - julianday(coalesce(s.last_review, ?))), "
        "CASE WHEN s.last_review IS NULL OR s.last_review >= ? THEN 0 ELSE "
        "CAST(round((julianday(?) - julianday(s.last_review)) * 86400000) AS INTEGER) "
        "/ 86400000 + 1 END, "
        "s.due IS NOT NULL AND s.due <= ?, s.last_review "
        "FROM cards c LEFT JOIN card_state s ON s.card_id = c.id "
        f"WHERE {where} ORDER BY s.card_id IS NOT NULL, {NEW_ORDER}",
        (now_iso, now_iso, today_iso, today_iso, now_iso, *args),
    ).fetchall()
    items: list[Item] = []
    meta: dict[str, Any] = {}
    add = items.append
    for cid, topic, kind, deck, state, s, d, elapsed, last_day, step_due, last in rows:
        meta[cid] = (topic, kind, deck)
        if state is None or (state == NEW and not s):
            add(Item(cid))
            continue
        if elapsed is None:  # a stored time SQLite cannot read: say so, as parse_iso does
            at = parse_iso(last)
            elapsed = max(0.0, (now - at).total_seconds() / 86400.0)
            last_day = day_index(at, ctx)
        add(
            Item(
                cid,
                int(state),
                float(s or 0.001),
                float(d or 5.0),
                elapsed,
                last_day,
                bool(step_due),
            )
        )
    return items, meta


def today_choice(
    store: Store,
    scheduler: Scheduler | None,
    now: datetime,
    interview: datetime,
    filters: Filters | None = None,
    review_room: int | None = None,
    new_room: int | None = None,
    tz: tzinfo | None = None,
    left_s: float | None = None,
    *,
    fresh: bool = False,
) -> tuple[Choice, Context]:
    """The policy's queue for now. `left_s` overrides the seconds left today (going on
    past the budget on purpose).

    The day's choice is kept in meta (see `_kept_choice`): `prep status`, the
    drill's first card and `prep plan` read it back, minus the cards graded since,
    instead of weighing every card again; `fresh` weighs them again (the drill
    does when its queue ran out before the minutes did).
    """
    ctx = context(store, scheduler, now, tz)
    day = Day(
        horizon=(interview - now).total_seconds() / 86400.0,
        days_left=study_days_left(now, interview, ctx),
        daily_s=ctx.daily_s,
        left_s=max(0.0, ctx.daily_s - ctx.spent_s) if left_s is None else left_s,
    )
    key = None
    if left_s is None and new_room is None and filter_key(filters) == filter_key(None):
        key = _choice_key(store, interview, ctx, filters)
        if not fresh:
            kept = _kept_choice(store, key, now, day.left_s, day.daily_s)
            if kept is not None:
                return kept, ctx
    items, _ = items_of(store, filters, now, ctx)
    keep = day_keep(store, items, day, ctx, filters)
    choice = choose(items, day, ctx.model, ctx.costs, ctx.mix, review_room, new_room, keep)
    if key is not None:
        last = store.conn.execute("SELECT max(rowid) FROM reviews").fetchone()[0] or 0
        picks = [[p.id, p.kind, p.seconds, p.gain] for p in choice.picks]
        store.cache_meta("choice_today", {"key": key, "rowid": last, "keep": keep, "picks": picks})
    return choice, ctx


def _choice_key(store: Store, interview: datetime, ctx: Context, filters: Filters | None) -> list:
    """What the day's choice depends on besides the grades: the day, the date, the
    minutes, the filter, the decks as synced (their files' hashes), the cards set
    aside, the settings, the forecast's scale and the undo log."""
    conn = store.conn
    decks = conn.execute("SELECT count(*), total(length(sha256)), group_concat(sha256) FROM files")
    holds = conn.execute(
        "SELECT count(*), group_concat(card_id || ':' || suspended || ':' || "
        "coalesce(buried_until, '')) FROM holds"
    )
    undone = conn.execute("SELECT count(*) FROM undone").fetchone()[0]
    digest = (
        __import__("hashlib")
        .sha256(repr((decks.fetchone(), holds.fetchone(), store.get_meta("settings"))).encode())
        .hexdigest()[:24]
    )
    return [
        iso(ctx.today), iso(interview), round(ctx.daily_s), round(ctx.model.scale, 3),
        filter_key(filters), digest, undone,
    ]  # fmt: skip


def filter_key(filters: Filters | None) -> list:
    """A filter as a cache key: no filter and an empty one are the same."""
    if filters is None:
        return [[], [], [], []]
    return [
        sorted(filters.decks),
        sorted(filters.topics),
        sorted(filters.tags),
        sorted(filters.kinds),
    ]


def _kept_choice(
    store: Store, key: list, now: datetime, left_s: float, daily_s: float
) -> Choice | None:
    """The day's kept choice, less the cards graded since it was made, plus learning
    steps now due; None when it does not apply (another day, decks, filter, minutes,
    or a grade the choice did not ask for: a mock, an import, a cram)."""
    kept = store.get_meta("choice_today")
    if not isinstance(kept, dict) or kept.get("key") != key:
        return None
    try:
        since = int(kept["rowid"])
        picks = [Pick(str(i), str(k), float(s), float(g)) for i, k, s, g in kept["picks"]]
        keep = float(kept["keep"])
    except (KeyError, TypeError, ValueError):
        return None
    asked = {p.id for p in picks}
    graded: set[str] = set()
    for card_id, source in store.conn.execute(
        "SELECT card_id, source FROM reviews WHERE rowid > ?", (since,)
    ):
        if source != "drill" or card_id not in asked:
            return None
        graded.add(card_id)
    picks = [p for p in picks if p.id not in graded]
    # Learning and relearning steps now due (cards graded Again since, or shown
    # earlier today) come first, as the policy puts them.
    asked = {p.id for p in picks}
    steps = store.conn.execute(
        "SELECT card_id FROM card_state WHERE due <= ? AND state IN (1, 3) ORDER BY due",
        (iso(now),),
    ).fetchall()
    step_s = next((p.seconds for p in picks if p.kind == "step"), DEFAULT_SHOW_S)
    ordered = (
        [p for p in picks if p.kind == "step"]
        + [Pick(cid, "step", step_s, 0.0) for (cid,) in steps if cid not in asked]
        + [p for p in picks if p.kind != "step"]
    )
    # What the minutes left now still hold, as the choice was cut when it was made.
    budget = _Budget(left_s, None, None, daily_s)
    for pick in ordered:
        if not budget.take(pick) and pick.kind != "step":
            break
    return Choice(picks=budget.picks, keep=keep)


def day_keep(
    store: Store, items: Sequence[Item], day: Day, ctx: Context, filters: Filters | None = None
) -> float:
    """`keep_for`, chosen once a study day (it projects the days ahead) and kept in meta.

    The drill's refills, `prep status` and `prep plan` then use the level the
    day began with. A different filter, card count or budget chooses again.
    """
    key = [
        iso(ctx.today), len(items), round(ctx.daily_s), round(ctx.model.scale, 3),
        filter_key(filters),
    ]  # fmt: skip
    cached = store.get_meta("keep_today")
    if isinstance(cached, dict) and cached.get("key") == key:
        value = cached.get("keep")
        if isinstance(value, (int, float)) and 0.5 <= value <= 0.99:
            return float(value)
    start = Day(
        horizon=day.horizon, days_left=day.days_left, daily_s=day.daily_s, left_s=day.daily_s
    )
    keep = keep_for(items, start, ctx.model, ctx.costs, ctx.mix)
    store.cache_meta("keep_today", {"key": key, "keep": keep})
    return keep


def deadline_queue(
    store: Store,
    scheduler: Scheduler,
    now: datetime,
    interview: datetime,
    filters: Filters,
    review_room: int,
    new_room: int,
    *,
    new_is_limit: bool = False,
    tz: tzinfo | None = None,
    left_s: float | None = None,
    fresh: bool = False,
) -> list[str]:
    """Today's drill queue before an interview (see the module notes).

    `review_room` caps the reviews. New cards are the policy's to pace (the
    daily new-card setting is a plain-FSRS knob); `new_room` caps them only
    when it is the person's explicit limit (`new_is_limit`).
    """
    choice, _ = today_choice(
        store, scheduler, now, interview, filters, review_room,
        new_room if new_is_limit else None, tz, left_s, fresh=fresh,
    )  # fmt: skip
    return choice.ids


# After the interview, plain FSRS takes over. Cards the policy let run past
# their plain due dates (it reviews at `keep`, and a short budget leaves some
# last reviews out) would all be due on the first day after; for GRACE_DAYS
# this queue drains them at the daily budget instead, most overdue first.
GRACE_DAYS = 14


def after_choice(
    store: Store,
    scheduler: Scheduler | None,
    now: datetime,
    interview: datetime,
    filters: Filters,
    review_room: int,
    new_room: int,
    tz: tzinfo | None = None,
) -> tuple[list[str], list[str]] | None:
    """Plain FSRS held to the minutes a day, in the days after the interview.

    Due reviews (most overdue first), then new cards, while today's minutes last.
    None when the interview is not in the last GRACE_DAYS (the plain queue applies).
    """
    if not in_grace(now, interview):
        return None
    ctx = context(store, scheduler, now, tz)
    left = ctx.daily_s - ctx.spent_s
    due: list[str] = []
    for card_id in store.due_ids(now, filters, review_room):
        if left <= 0:
            break
        due.append(card_id)
        left -= ctx.costs.pass_s
    new: list[str] = []
    for card_id in store.new_ids(filters, new_room, now=now):
        if left <= 0:
            break
        new.append(card_id)
        left -= ctx.costs.new_s
    return due, new


def in_grace(now: datetime, interview: datetime) -> bool:
    """True in the GRACE_DAYS after the interview, when due reviews are held to the budget."""
    from datetime import timedelta

    return interview <= now < interview + timedelta(days=GRACE_DAYS)
