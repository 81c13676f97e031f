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

`choose` is pure (numbers in, card ids out) so that `prep plan` and the
simulation benchmark (benchmarks/deadline.py) run exactly the logic the drill
runs. `deadline_queue` feeds it from the store.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, tzinfo

from .clock import iso, parse_iso
from .record import Factory, Record

# Plain records, not dataclasses: `prep status` forecasts with this module before an
# interview, and `dataclasses` (through `inspect`) costs more than the rest of it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .schedule import Scheduler
    from .store import Filters, Store

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
# Reviews read from the log for costs and the rating mix (the most recent).
COST_WINDOW = 3000
# Minutes a day suggested when an interview date is set and none was chosen.
SUGGESTED_MINUTES = 20
# Durations outside this range are a card left on screen, not an answer.
MAX_SHOW_S = 600.0

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
    from .plan import project, recall_on_day

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
        now = model.after_review(it.s, it.d, p, horizon, mix)
        gain = now - r_day
        if p <= keep and last > 0:
            # Due at the level the minutes afford: the review a learned card needs
            # to stay learned. Always asked (ranked by its gain on the day), so a
            # forecast that is off cannot starve the cards already learned.
            due.append((gain / cost, Pick(it.id, "review", cost, gain)))
            continue
        if last == 0:
            # The last study day: every review is a last review. A card that would be
            # below `keep` on the day gets it first; the others are weighed against
            # learning one more card (see below).
            if r_day < keep:
                shaky.append(Pick(it.id, "final", cost, gain))
            elif gain >= SLACK:
                due.append((gain / cost, Pick(it.id, "final", cost, gain)))
            continue
        if 1.0 - r_day < SLACK:
            continue  # sure enough on the day: no review can gain SLACK
        # Its last review: once going today costs almost nothing against the last day.
        if last > 0:
            p_last = model.r(it.elapsed + last, it.s)
            later = model.after_review(it.s, it.d, p_last, to_day, mix)
            if later - r_day < SLACK:
                continue
            final_s += costs.review(p_last)
            if now < later - SLACK:
                early.append(((later - now) / cost, Pick(it.id, "final", cost, gain)))
                continue
        elif gain < SLACK:
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
        "s.due IS NOT NULL AND s.due <= ? "
        "FROM cards c LEFT JOIN card_state s ON s.card_id = c.id "
        f"WHERE {where} ORDER BY s.card_id IS NOT NULL, {NEW_ORDER}",
        (now_iso, now_iso, today_iso, today_iso, now_iso, *args),
    ).fetchall()
    items: list[Item] = []
    meta: dict[str, Any] = {}
    add = items.append
    for cid, topic, kind, deck, state, s, d, elapsed, last_day, step_due in rows:
        meta[cid] = (topic, kind, deck)
        if state is None or (state == NEW and not s):
            add(Item(cid))
            continue
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
