"""The daily queue when an interview date is set: as much recall on the day as the minutes allow.

Plain FSRS reviews a card whenever its predicted recall falls to one desired
retention: right for the long run, wrong for a deadline. A high retention
under a tight budget starves new cards (which count zero on the day if never
seen), a low one leaves cards half-forgotten on the day, and either way a
card's last review lands wherever its interval happens to end. Here, under
the same FSRS-6 model the scheduler uses:

- the retention reviews are made at (`keep`) is the highest whose workload
  to the interview, new cards and last reviews included, fits the minutes a
  day; re-chosen every day, so a budget that turns out short lowers it;
- new cards come in at least at the pace that introduces them all in time,
  and more while minutes are left: early, so they get reviews that stabilise
  them;
- every card gets a last review shortly before the day: as soon as reviewing
  it today would leave its recall on the day within SLACK of a review on the
  last study day. The stablest cards qualify days ahead, the shakiest only on
  the last day, which spreads the final reviews over the last days; intervals
  are in effect capped at the date;
- due cards are ranked by the expected gain in recall on the interview day
  per expected second of review, and cut where the budget ends; a review that
  buys less than MIN_RATE per second is not asked for at all.

Everything here is pure (numbers in, card ids out): `prep plan` projects the
days ahead with it and the drill asks it for today, through `deadline`, which
feeds it from the store.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from .record import Factory, Record

# Plain records, not dataclasses: `prep status` forecasts with this module before an
# interview, and `dataclasses` (through `inspect`) costs more than the rest of it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .schedule import Scheduler

NEW, LEARNING, REVIEW, RELEARNING = 0, 1, 2, 3

# A last review is made once doing it today rather than on the last study
# day costs less than this much recall on the day, and only if it gains more.
SLACK = 0.01
# A review must buy at least this much recall on the day per second it takes
# (0.001: one more card recalled on the day for every ~17 minutes).
MIN_RATE = 0.001
# Share of the days left that the minimum pace of new cards keeps free, for last reviews,
# and the most of a day's minutes that pace may take ahead of the reviews.
RESERVE = 0.25
PACE_SHARE = 0.5
# Share of a day's minutes the last reviews may count on (the rest: lapses, new cards).
FINAL_SHARE = 0.7
# Recall levels to review at, highest first: the first whose workload fits the
# budget is used; when none fits (a deck too big for the minutes), the level
# that learns the most cards well (see `keep_for`).
KEEP_GRID = (0.95, 0.93, 0.9, 0.87, 0.85, 0.82, 0.8, 0.77, 0.75, 0.72, 0.7)
# Cards sampled to estimate a workload (it is a sum; a sample scales).
SAMPLE = 400
# Seconds one card is shown, when the log has too few timed reviews.
DEFAULT_SHOW_S = 20.0
# Conservative priors for what a show costs until the log says otherwise: a first
# sight is a long read, usually not known, followed by its learning steps; a
# lapse is the failed answer plus its relearning step.
PRIOR_NEW_S = 90.0
PRIOR_PASS_S = 20.0
PRIOR_FAIL_S = 50.0
PRIOR_WEIGHT = 5.0  # the priors count as this many observed shows of each kind

# FSRS-6 defaults (as in the fsrs package); the scheduler's own are used when known.
FSRS6_DEFAULTS = (
    0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796,
    1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542,
)  # fmt: skip


class Costs(Record):
    """Expected seconds: a new card with its same-day learning steps, a review recalled,
    one forgotten (with its relearning), and one learning step.

    Measured from the person's own log by kind of show (`measured`).
    """

    __slots__ = ("new_s", "pass_s", "fail_s", "step_s")
    _defaults = {
        "new_s": PRIOR_NEW_S,
        "pass_s": PRIOR_PASS_S,
        "fail_s": PRIOR_FAIL_S,
        "step_s": PRIOR_PASS_S,
    }
    new_s: float
    pass_s: float
    fail_s: float
    step_s: float

    def review(self, p: float) -> float:
        return p * self.pass_s + (1.0 - p) * self.fail_s


class Mix(Record):
    """How a person rates: the first rating of a new card (Again..Easy), and Hard/Good/Easy when recalled.

    Defaults are those of the FSRS simulator (open-spaced-repetition).
    """

    __slots__ = ("first", "passed")
    _defaults = {"first": (0.24, 0.094, 0.495, 0.171), "passed": (0.224, 0.631, 0.145)}
    first: tuple[float, float, float, float]
    passed: tuple[float, float, float]


class Model:
    """FSRS-6 memory equations on plain floats (days), for forecasting many cards fast.

    The same equations the scheduler applies (tests hold the two together), but
    with continuous elapsed time: the interview is at an hour, not a day.
    """

    def __init__(self, params: Sequence[float] = FSRS6_DEFAULTS, scale: float = 1.0):
        """`scale` multiplies every stability where recall is forecast: the person's own
        calibration (`calibrate`), 1.0 for a memory that forgets as FSRS-6 predicts."""
        w = tuple(float(x) for x in params)
        if len(w) != 21:
            raise ValueError(f"FSRS-6 needs 21 parameters, got {len(w)}")
        self.w = w
        self.scale = float(scale)
        self.decay = w[20]
        self.factor = 0.9 ** (-1.0 / w[20]) - 1.0
        self._e8 = math.exp(w[8])
        self._e1718 = math.exp(w[17] * w[18])
        self._good_step = math.exp(w[17] * w[18])  # a same-day Good: exp(w17 (3 - 3 + w18))
        self._d_easy = w[4] - math.exp(w[5] * 3) + 1  # unclamped, the mean-reversion target
        self._learned = {r: self._learn(r) for r in (1, 2, 3, 4)}

    # --- the curve and the update rules ---------------------------------------
    def r(self, t: float, s: float) -> float:
        """Recall probability `t` days after a review that left stability `s`."""
        if t <= 0:
            return 1.0
        return (1.0 + self.factor * t / (s * self.scale)) ** -self.decay

    def init_d(self, rating: int) -> float:
        return min(10.0, max(1.0, self.w[4] - math.exp(self.w[5] * (rating - 1)) + 1))

    def next_d(self, d: float, rating: int) -> float:
        w = self.w
        delta = -w[6] * (rating - 3)
        d2 = d + (10.0 - d) * delta / 9.0
        return min(10.0, max(1.0, w[7] * self._d_easy + (1 - w[7]) * d2))

    def short_term(self, s: float, rating: int) -> float:
        """Stability after a same-day step (learning and relearning steps)."""
        w = self.w
        inc = math.exp(w[17] * (rating - 3 + w[18])) * s ** -w[19]
        if rating >= 2:
            inc = max(inc, 1.0)
        return max(0.001, s * inc)

    def passed(self, s: float, d: float, p: float, rating: int = 3) -> float:
        w = self.w
        bonus = w[15] if rating == 2 else w[16] if rating == 4 else 1.0
        gain = self._e8 * (11.0 - d) * s ** -w[9] * (math.exp((1.0 - p) * w[10]) - 1.0)
        return max(0.001, s * (1.0 + gain * bonus))

    def lapsed(self, s: float, d: float, p: float) -> tuple[float, float]:
        """Stability and difficulty after Again and one relearning step rated Good."""
        return self.lapsed_s(s, d, p), self.next_d(self.next_d(d, 1), 3)

    def lapsed_s(self, s: float, d: float, p: float) -> float:
        w = self.w
        long = w[11] * d ** -w[12] * ((s + 1) ** w[13] - 1) * math.exp((1.0 - p) * w[14])
        sf = max(0.001, min(long, s / self._e1718))
        return max(sf, sf * self._good_step * sf ** -w[19])

    def _learn(self, first: int) -> tuple[float, float]:
        # The drill's learning steps (1m, 10m): Again or Hard need two Goods to
        # graduate, Good one, Easy none. Each same-day Good is a short-term step.
        s, d = max(0.001, self.w[first - 1]), self.init_d(first)
        for _ in range({1: 2, 2: 2, 3: 1, 4: 0}[first]):
            s, d = self.short_term(s, 3), self.next_d(d, 3)
        return s, d

    def learned(self, first: int) -> tuple[float, float]:
        """Stability and difficulty when a new card, first rated `first`, graduates the same day."""
        return self._learned[first]

    # --- expected recall on the day --------------------------------------------
    def after_review(self, s: float, d: float, p: float, left: float, mix: Mix) -> float:
        """Expected recall `left` days after a review made at recall probability `p` (none after it)."""
        w = self.w
        core = self._e8 * (11.0 - d) * s ** -w[9] * (math.exp((1.0 - p) * w[10]) - 1.0)
        hard, good, easy = mix.passed
        ok = (
            hard * self.r(left, s * (1.0 + core * w[15]))
            + good * self.r(left, s * (1.0 + core))
            + easy * self.r(left, s * (1.0 + core * w[16]))
        )
        if p >= 1.0:
            return ok
        return p * ok + (1.0 - p) * self.r(left, self.lapsed_s(s, d, p))

    def with_final(self, s: float, d: float, t_final: float, horizon: float, mix: Mix) -> float:
        """Expected recall at `horizon` for a card just reviewed (state s, d) with one more review at `t_final`."""
        if t_final <= 0 or t_final >= horizon:
            return self.r(horizon, s)
        return self.after_review(s, d, self.r(t_final, s), horizon - t_final, mix)


def scheduler_params(scheduler: Scheduler | None) -> Sequence[float]:
    # The weights live on the wrapped fsrs.Scheduler; forecasting with other
    # weights than the ones scheduling would make the plan lie.
    inner = getattr(scheduler, "_s", None)
    params = getattr(inner, "parameters", None)
    return tuple(params) if params and len(params) == 21 else FSRS6_DEFAULTS


# --- the choice -------------------------------------------------------------------
class Item(Record):
    """One card as the policy sees it. Times are days; `last_day` counts study days back (0 = today)."""

    __slots__ = ("id", "state", "s", "d", "elapsed", "last_day", "step_due")
    id: str
    state: int
    s: float
    d: float
    elapsed: float
    last_day: int
    step_due: bool  # a learning or relearning step is due now

    def __init__(  # one per card on every call: spelled out, faster than Record's
        self, id: str, state: int = NEW, s: float = 0.0, d: float = 0.0, elapsed: float = 0.0,
        last_day: int = 0, step_due: bool = False,
    ) -> None:  # fmt: skip
        self.id, self.state, self.s, self.d = id, state, s, d
        self.elapsed, self.last_day, self.step_due = elapsed, last_day, step_due


class Day(Record):
    """Where today stands: days to the interview (float), study days left (today included), seconds."""

    __slots__ = ("horizon", "days_left", "daily_s", "left_s")
    horizon: float
    days_left: int
    daily_s: float
    left_s: float


class Pick(Record):
    __slots__ = ("id", "kind", "seconds", "gain")
    id: str
    kind: str  # "step" | "new" | "final" | "review" | "spare"
    seconds: float
    gain: float  # expected recall on the day it adds

    def __init__(self, id: str, kind: str, seconds: float, gain: float) -> None:
        self.id, self.kind, self.seconds, self.gain = id, kind, seconds, gain


class Choice(Record):
    __slots__ = ("picks", "keep")
    _defaults = {"picks": Factory(list), "keep": KEEP_GRID[0]}  # keep: recall cards were due at
    picks: list[Pick]
    keep: float

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.picks]

    @property
    def seconds(self) -> float:
        return sum(p.seconds for p in self.picks)

    def count(self, *kinds: str) -> int:
        return sum(1 for p in self.picks if p.kind in kinds)


def interval(model: Model, s: float, keep: float) -> float:
    """Days until recall falls to `keep` after a review that left stability `s`."""
    return s * model.scale / model.factor * (keep ** (-1.0 / model.decay) - 1.0)


def _reviews_until(model: Model, s: float, d: float, t: float, until: float, keep: float) -> int:
    """Reviews at recall `keep` from `t` (days to the first) to `until`, on the success path."""
    n = 0
    while t < until and n < 50:
        n += 1
        s = model.passed(s, d, keep)
        t += max(1.0, interval(model, s, keep))
    return n


def _learned_and_new(
    items: Sequence[Item], day: Day, model: Model, costs: Costs, mix: Mix, keep: float
) -> tuple[float, float, int]:
    """(seconds the learned cards need to the last study day, seconds per new card, new cards)."""
    until = max(0.0, float(day.days_left - 1))
    learned = [it for it in items if it.state != NEW]
    unseen = len(items) - len(learned)
    step = max(1, len(learned) // SAMPLE)
    review_s = costs.review(keep)
    total = 0.0
    for it in learned[::step]:
        t = interval(model, it.s, keep) - it.elapsed
        total += (_reviews_until(model, it.s, it.d, t, until, keep) + 1) * review_s * step
    per_new = costs.new_s + review_s
    for first, prob in zip((1, 2, 3, 4), mix.first, strict=True):
        s, d = model.learned(first)
        n = _reviews_until(model, s, d, interval(model, s, keep), until / 2, keep)
        per_new += prob * n * review_s
    return total, per_new, unseen


def workload(
    items: Sequence[Item], day: Day, model: Model, costs: Costs, mix: Mix, keep: float
) -> float:
    """Seconds of study from now to the last study day if cards are reviewed at recall `keep`.

    New cards count their learning and reviews (each comes in, on average,
    halfway), and every card one last review. Above SAMPLE cards, a sample.
    """
    learned_s, per_new, unseen = _learned_and_new(items, day, model, costs, mix, keep)
    return learned_s + unseen * per_new


# Levels the projection compares, and its size: a sample of the cards, a bounded horizon.
PROJECT_GRID = (0.95, 0.9, 0.85, 0.8, 0.75, 0.7)
PROJECT_SAMPLE = 150
PROJECT_DAYS = 40


def keep_for(items: Sequence[Item], day: Day, model: Model, costs: Costs, mix: Mix) -> float:
    """The recall level to review at before the interview: the one whose plan gives
    the most recall on the day.

    For each level the days to the interview are projected (as `prep plan`
    does: the queue `choose` gives each day, applied to the expected memory
    state), on a sample of the cards with the minutes scaled to it. A deck the
    minutes cannot cover gets a low level, so that more cards are learned; a
    small one a high level. Ties go to the higher level (it keeps better after
    the day).
    """
    if not items:
        return PROJECT_GRID[0]
    step = max(1, math.ceil(len(items) / PROJECT_SAMPLE))
    sample = list(items[::step])
    share = len(sample) / len(items)
    days = min(max(1, day.days_left), PROJECT_DAYS)
    horizon = day.horizon - (day.days_left - days)
    best, best_recall = PROJECT_GRID[0], -1.0
    for keep in PROJECT_GRID:
        proj = project(
            sample, _Forecast(model, costs, mix), horizon, days, day.left_s * share,
            day.daily_s * share, keep=keep,
        )  # fmt: skip
        recall = sum(recall_on_day(sample, proj, horizon, model).values())
        if recall > best_recall + 1e-9:
            best, best_recall = keep, recall
    return best


class _Forecast(Record):
    """What `plan.project` reads of a Context."""

    __slots__ = ("model", "costs", "mix")
    model: Model
    costs: Costs
    mix: Mix


def choose(
    items: Sequence[Item],
    day: Day,
    model: Model,
    costs: Costs,
    mix: Mix,
    review_room: int | None = None,
    new_room: int | None = None,
    keep: float | None = None,
) -> Choice:
    """Today's queue (see the module notes). `items` lists new cards in the order to introduce them.

    Learning steps due come first, then the reviews the learned cards need
    (due at `keep`, by gain in recall on the day per second), then last
    reviews that cannot all wait for the last days, then new cards while
    minutes are left, then spare reviews. The drill stops at the day's
    minutes, so what the person's pace leaves out is the end of this order.
    """
    horizon, days_left = day.horizon, max(1, day.days_left)
    if keep is None:
        keep = keep_for(items, day, model, costs, mix)
    last = float(days_left - 1)  # days from now to the last study day
    to_day = horizon - last  # from the last study day to the interview

    steps: list[Pick] = []
    due: list[tuple[float, Pick]] = []  # (gain per second, pick)
    early: list[
        tuple[float, Pick]
    ] = []  # last reviews not due yet (recall lost by going now, per second)
    new: list[Pick] = []
    shaky: list[Pick] = []  # on the last study day: cards below `keep` on the day
    final_s = 0.0  # seconds the last reviews still to come will take

    # A new card's worth: learned now and reviewed once more on the last study day.
    new_value = 0.0
    for first, prob in zip((1, 2, 3, 4), mix.first, strict=True):
        s, d = model.learned(first)
        new_value += prob * model.with_final(s, d, last, horizon, mix)

    for it in items:
        if it.state == NEW:
            new.append(Pick(it.id, "new", costs.new_s, new_value))
            continue
        if it.state in (LEARNING, RELEARNING):
            if it.step_due:
                steps.append(Pick(it.id, "step", costs.step_s, 0.0))
            continue
        if it.last_day == 0 and it.elapsed < 0.5:
            continue  # reviewed today already
        p = model.r(it.elapsed, it.s)
        r_day = model.r(it.elapsed + horizon, it.s)
        cost = costs.review(p)
        # Recall on the day after a review now (none after it): weighed only for the
        # cards that can be asked, which keeps a deck of 100,000 quick.
        if p <= keep and last > 0:
            # Due at the level the minutes afford: the review a learned card needs
            # to stay learned. Always asked (ranked by its gain on the day), so a
            # forecast that is off cannot starve the cards already learned.
            gain = model.after_review(it.s, it.d, p, horizon, mix) - r_day
            due.append((gain / cost, Pick(it.id, "review", cost, gain)))
            continue
        if last == 0:
            # The last study day: every review is a last review. A card that would be
            # below `keep` on the day gets it first; the others are weighed against
            # learning one more card (see below).
            gain = model.after_review(it.s, it.d, p, horizon, mix) - r_day
            if r_day < keep:
                shaky.append(Pick(it.id, "final", cost, gain))
            elif gain >= SLACK:
                due.append((gain / cost, Pick(it.id, "final", cost, gain)))
            continue
        if 1.0 - r_day < SLACK:
            continue  # sure enough on the day: no review can gain SLACK
        # Its last review: once going today costs almost nothing against the last day.
        p_last = model.r(it.elapsed + last, it.s)
        later = model.after_review(it.s, it.d, p_last, to_day, mix)
        if later - r_day < SLACK:
            continue
        final_s += costs.review(p_last)
        now = model.after_review(it.s, it.d, p, horizon, mix)
        gain = now - r_day
        if now < later - SLACK:
            early.append(((later - now) / cost, Pick(it.id, "final", cost, gain)))
            continue
        due.append((gain / cost, Pick(it.id, "final", cost, gain)))

    # Learning steps still to come today (a card shown again in ten minutes) are not
    # held minutes for: the drill shows them when due, between the cards asked here,
    # and stops at the day's minutes. Holding minutes for them left new cards out for
    # steps that add little recall on the day.
    budget = _Budget(day.left_s, review_room, new_room, day.daily_s)
    for pick in steps:  # steps due now first
        budget.take(pick)
    shaky.sort(key=lambda p: -p.gain / p.seconds)
    for pick in shaky:
        budget.take(pick)
    if last == 0 and new:
        # The last study day: a card learned today is worth its recall tomorrow, a
        # last review what it adds to its card's; the minutes go where they buy most.
        rate = new_value / costs.new_s
        due.extend((rate - k * 1e-12, pick) for k, pick in enumerate(new))
        new = []
    # Last reviews the days left cannot all hold start today (see below).
    excess = final_s - last * day.daily_s * FINAL_SHARE
    # New cards at the pace that brings them all in by three quarters of the way
    # (time for their reviews), ahead of the reviews, but never more than
    # PACE_SHARE of the day: the reviews the learned cards need keep the rest.
    if last > 0 and new:
        pace = math.ceil(len(new) / max(1.0, last - round(last * RESERVE)))
        # Near the date a card learned now is worth more than a review (and a day
        # missed would leave it unlearned): the share grows in the last days.
        share = PACE_SHARE if last >= 3 else 0.6 if last == 2 else 0.75
        pace = min(pace, int(share * max(0.0, budget.left) / costs.new_s))
        for pick in new[:pace]:
            if not budget.take(pick):
                break
        new = new[pace:]
    due.sort(key=lambda x: -x[0])
    waiting = False  # reviews due that today's minutes do not hold
    for _, pick in due:
        if not budget.take(pick):
            waiting = True
            break  # in order of gain per second: nothing after it jumps the line
    # Last reviews that the remaining days cannot all hold start today: those
    # that lose least by going early first.
    early.sort(key=lambda x: x[0])
    for _, pick in early:
        if waiting or excess <= 0 or not budget.take(pick):
            break
        excess -= pick.seconds
    # New cards while minutes are left.
    for pick in new:
        if waiting or not budget.take(pick):
            break
    # Minutes still left today (the plan holds reviews back for the last days) go
    # to more reviews while they buy MIN_RATE: the cards gaining most, first.
    if budget.left >= costs.pass_s and not waiting:
        chosen = {p.id for p in budget.picks}
        # The weakest cards on the day first; only as many as could fill the minutes left
        # (four times over) are valued in full, which keeps a big deck quick.
        weakest = sorted(
            (
                (model.r(it.elapsed + horizon, it.s), k)
                for k, it in enumerate(items)
                if it.state == REVIEW
                and it.id not in chosen
                and not (it.last_day == 0 and it.elapsed < 0.5)
            ),
        )[: 4 * math.ceil(budget.left / costs.pass_s)]
        spare: list[tuple[float, Pick]] = []
        for r_day, k in weakest:
            it = items[k]
            p = model.r(it.elapsed, it.s)
            if last > 0:
                gain = _before_final(model, it, p, last, horizon, mix)
            else:
                gain = model.after_review(it.s, it.d, p, horizon, mix) - r_day
            cost = costs.review(p)
            if gain / cost >= MIN_RATE:
                spare.append((gain / cost, Pick(it.id, "spare", cost, gain)))
        spare.sort(key=lambda x: -x[0])
        for _, pick in spare:
            if not budget.take(pick):
                break
    return Choice(picks=budget.picks, keep=keep)


def _before_final(model: Model, it: Item, p: float, last: float, horizon: float, mix: Mix) -> float:
    """Recall on the day a review now adds to the last review `last` days ahead, which comes anyway."""
    s_ok, d_ok = model.passed(it.s, it.d, p), model.next_d(it.d, 3)
    s_f, d_f = model.lapsed(it.s, it.d, p)
    with_review = p * model.with_final(s_ok, d_ok, last, horizon, mix) + (
        1.0 - p
    ) * model.with_final(s_f, d_f, last, horizon, mix)
    p_last = model.r(it.elapsed + last, it.s)
    return with_review - model.after_review(it.s, it.d, p_last, horizon - last, mix)


class _Budget:
    """Seconds and counts left today; `take` adds a pick when it fits."""

    def __init__(
        self, seconds: float, reviews: int | None, news: int | None, whole: float | None = None
    ):
        self.left = seconds
        self.whole = seconds if whole is None else whole  # the day's budget
        self.reviews = math.inf if reviews is None else reviews
        self.news = math.inf if news is None else news
        self.picks: list[Pick] = []

    def take(self, pick: Pick) -> bool:
        if self.left <= 0:
            return False
        # A card that would run past the minutes waits for another day, unless half of it
        # fits (the drill starts a card with half its expected time left), it is the
        # first of a budget smaller than one card, or it is a step already begun.
        if (
            pick.seconds > 2 * self.left
            and pick.kind != "step"
            and not (not self.picks and self.whole < pick.seconds)
        ):
            return False
        if pick.kind == "new":
            if self.news <= 0:
                return False
            self.news -= 1
        elif pick.kind != "step":
            if self.reviews <= 0:
                return False
            self.reviews -= 1
        self.left -= pick.seconds
        self.picks.append(pick)
        return True


# --- the days ahead ----------------------------------------------------------------
# Days projected at most; a later date is planned to this day, then left alone.
MAX_DAYS = 120


class Projection(Record):
    """The days ahead: each day's choice with its offset from now, the expected recall
    on the day of each card touched, the state after the last planned day."""

    __slots__ = ("days", "estimate", "items", "truncated")
    days: list[tuple[Choice, float]]  # (choice, day offset from now)
    estimate: dict[str, float]  # expected recall on the day, per card touched
    items: list[Item]  # state after the last planned day
    truncated: bool


def _log_mix(pairs: list[tuple[float, float]]) -> float:
    """Weighted geometric mean: stabilities mix on a log scale."""
    total = sum(w for w, _ in pairs)
    return math.exp(sum(w * math.log(max(v, 1e-6)) for w, v in pairs) / total)


def _after(model: Model, it: Item, kind: str, horizon: float, ctx: Any) -> tuple[Item, float]:
    """The expected state after today's pick, and the expected recall on the day if it is the last."""
    mix = ctx.mix
    if kind == "new":
        outcomes = [(p, *model.learned(r)) for r, p in zip((1, 2, 3, 4), mix.first, strict=True)]
        s = _log_mix([(p, s) for p, s, _ in outcomes])
        d = sum(p * d for p, _, d in outcomes)
        est = sum(p * model.r(horizon, s) for p, s, _ in outcomes)
    elif kind == "step":
        s, d = model.short_term(it.s, 3), model.next_d(it.d, 3)
        est = model.r(horizon, s)
    else:
        p = model.r(it.elapsed, it.s)
        oks = [
            (w, model.passed(it.s, it.d, p, r)) for r, w in zip((2, 3, 4), mix.passed, strict=True)
        ]
        s_ok = _log_mix(oks)
        s_f, d_f = model.lapsed(it.s, it.d, p)
        s = _log_mix([(p, s_ok), (1.0 - p, s_f)]) if p < 1.0 else s_ok
        d = p * model.next_d(it.d, 3) + (1.0 - p) * d_f
        est = model.after_review(it.s, it.d, p, horizon, mix)
    return Item(it.id, REVIEW, s, d, 0.0, 0), est


def project(
    items: list[Item],
    ctx: Any,
    horizon: float,
    days_left: int,
    first_left_s: float,
    daily_s: float,
    review_room: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    keep: float | None = None,
    first: Choice | None = None,
) -> Projection:
    """The days ahead as the drill's policy plans them. `keep` fixes the recall level
    (else each day's `choose` picks it); `first` is today's choice when it is known
    (the drill's own queue, `deadline.today_choice`)."""
    model = ctx.model
    state = {it.id: it for it in items}
    order = [it.id for it in items]
    estimate: dict[str, float] = {}
    days: list[tuple[Choice, float]] = []
    n = min(days_left, MAX_DAYS)
    for k in range(n):
        day = Day(
            horizon=horizon - k,
            days_left=days_left - k,
            daily_s=daily_s,
            left_s=first_left_s if k == 0 else daily_s,
        )
        current = [state[i] for i in order]
        # New cards keep their introduction order ahead of the rest, as from the store.
        current.sort(key=lambda it: it.state != NEW)
        if k == 0 and first is not None:
            choice = first
        else:
            choice = choose(
                current, day, model, ctx.costs, ctx.mix, review_room if k == 0 else None, None,
                keep,
            )  # fmt: skip
        for pick in choice.picks:
            it = state.get(pick.id)
            if it is None:
                continue  # a card synced in since the day's choice was made
            state[pick.id], estimate[pick.id] = _after(model, it, pick.kind, horizon - k, ctx)
        days.append((choice, float(k)))
        for cid, it in state.items():
            if it.state != NEW:
                state[cid] = Item(
                    it.id,
                    REVIEW if it.state in (LEARNING, RELEARNING) else it.state,
                    it.s,
                    it.d,
                    it.elapsed + 1.0,
                    it.last_day + 1,
                    it.state in (LEARNING, RELEARNING),
                )
        if progress is not None:
            progress(k + 1, n)
    return Projection(
        days=days, estimate=estimate, items=[state[i] for i in order], truncated=n < days_left
    )


def recall_on_day(items: list[Item], proj: Projection, horizon: float, model: Model) -> dict:
    out = {}
    for it in items:
        if it.id in proj.estimate:
            out[it.id] = proj.estimate[it.id]
        elif it.state != NEW:
            out[it.id] = model.r(it.elapsed + horizon, it.s)
        else:
            out[it.id] = 0.0
    return out


def unseen_on_day(proj: Projection) -> int:
    return sum(1 for it in proj.items if it.state == NEW)
