"""Does the interview-date policy help? A simulation of learners, policy against policy.

In the style of the FSRS simulator (open-spaced-repetition/fsrs-optimizer,
`fsrs_simulator.py`): each day a learner works through the queue a policy
gives, until the day's time budget is spent. Recall is a Bernoulli draw from
the learner's forgetting curve; a recalled card is rated Hard/Good/Easy in the
simulator's proportions; a new card's first rating and its learning and
relearning steps follow the simulator's transition tables; every rating costs
the simulator's seconds for its state.

No policy is graded by its own model: each learner's TRUE memory runs on
FSRS-6 parameters drawn around the defaults (every weight scaled by a
log-normal factor), with per-card noise on top (initial stability, growth
after a recall, difficulty). The policies see only the ratings and keep their
own FSRS-6 default state, exactly as `prep` does.

Policies, all at the same daily budget on the same learners (every card has
its own random stream, so the policies face the same coin flips as far as
their histories agree):

- fsrs-0.80 / 0.90 / 0.95: plain FSRS at that desired retention; due cards
  first, then new cards while the budget lasts (no new-card cap, which is the
  most coverage a fixed policy can get);
- sm2: Anki's SM-2 (the simulator's rules), same order;
- deadline: `prep.deadline.choose`, the function the drill calls, fed the
  same state the drill builds from its store.
- fsrs-best (printed with its retention, e.g. fsrs-0.92): the best fixed
  desired retention on a finer grid (0.70, 0.72, ... 0.98) among those that
  use no more minutes a day than the deadline policy: the comparison at equal
  minutes actually used;
- every-day: every card every day with no budget. Not a policy: a ceiling
  that shows how much recall on the day there is to win at all.

Reported per setting (mean over seeds, ± standard error): true recall over the
whole deck on interview day (cards never studied count 0), minutes used per
study day, true recall 30 days after the interview with no study in between,
and how many reviews plain FSRS (0.90) finds due in the week after the date
(the workload when the drill goes back to plain FSRS).

    .venv/bin/python benchmarks/deadline.py            # 20 seeds, 3 settings
    .venv/bin/python benchmarks/deadline.py --quick    # 5 seeds
    .venv/bin/python benchmarks/deadline.py --json out.json
    .venv/bin/python benchmarks/deadline.py --speed    # the drill's queue on 10k cards
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from prep.deadline import (  # noqa: E402
    FSRS6_DEFAULTS,
    Costs,
    Day,
    Item,
    Mix,
    Model,
    choose,
)
from prep.schedule import CardState, Review, Scheduler  # noqa: E402

# --- the simulator's constants (fsrs-optimizer fsrs_simulator.py defaults) -------
FIRST_RATING_PROB = (0.24, 0.094, 0.495, 0.171)
REVIEW_RATING_PROB = (0.224, 0.631, 0.145)  # Hard, Good, Easy when recalled
LEARNING_STEP_TRANSITIONS = (
    (0.3687, 0.0628, 0.5108, 0.0577),
    (0.0441, 0.4553, 0.4457, 0.0549),
    (0.0518, 0.0470, 0.8462, 0.0550),
)
RELEARNING_STEP_TRANSITIONS = (
    (0.2157, 0.0643, 0.6595, 0.0605),
    (0.0500, 0.4638, 0.4475, 0.0387),
    (0.1056, 0.1434, 0.7266, 0.0244),
)
STATE_RATING_COSTS = (  # seconds by state (learning, review, relearning) and rating
    (12.75, 12.26, 8.0, 6.38),
    (13.05, 11.74, 7.42, 5.6),
    (10.56, 10.0, 7.37, 5.4),
)
LEARNING_STEPS, RELEARNING_STEPS, MAX_STEPS = 2, 1, 5

# Parameter bounds of FSRS-6 (fsrs package), to keep drawn learners valid.
LOWER = (0.001, 0.001, 0.001, 0.001, 1.0, 0.001, 0.001, 0.001, 0.0, 0.0, 0.001, 0.001,
         0.001, 0.001, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.1)  # fmt: skip
UPPER = (100.0, 100.0, 100.0, 100.0, 10.0, 4.0, 4.0, 0.75, 4.5, 0.8, 3.5, 5.0, 0.25, 0.9,
         4.0, 1.0, 6.0, 2.0, 2.0, 0.8, 0.8)  # fmt: skip

SETTINGS = ((300, 21, 15), (800, 28, 20), (150, 7, 30))  # cards, days, minutes a day
POLICIES = ("fsrs-0.80", "fsrs-0.90", "fsrs-0.95", "sm2", "deadline", "every-day")
FIXED = ("fsrs-0.80", "fsrs-0.90", "fsrs-0.95")
# The fixed retention whose minutes a day match the deadline policy's is searched in this range.
# The finer grid of fixed retentions searched for the best one at no more minutes.
GRID = tuple(round(0.70 + 0.02 * k, 2) for k in range(15))
EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)
SESSION_AT = 9 / 24  # the learner studies at 09:00
INTERVIEW_AT = 10 / 24  # the interview is at 10:00 on day D
AFTER = 30
STEP_GAP = 5 / 1440  # minutes between same-day steps, in days


def pick(rng: random.Random, probs: tuple[float, ...]) -> int:
    x, acc = rng.random(), 0.0
    for i, p in enumerate(probs):
        acc += p
        if x < acc:
            return i + 1
    return len(probs)


# --- the learner's true memory --------------------------------------------------
@dataclass
class Learner:
    w: tuple[float, ...]
    s_factor: list[float]  # per card: initial stability multiplier
    growth: list[float]  # per card: multiplier of stability growth after a recall
    d_shift: list[float]  # per card: difficulty offset

    @classmethod
    def draw(cls, seed: int, n: int) -> Learner:
        rng = random.Random(f"learner-{seed}")
        w = []
        for i, (x, lo, hi) in enumerate(zip(FSRS6_DEFAULTS, LOWER, UPPER, strict=True)):
            sigma = 0.15 if i == 20 else 0.25
            w.append(min(hi, max(lo, x * math.exp(rng.gauss(0.0, sigma)))))
        return cls(
            w=tuple(w),
            s_factor=[math.exp(rng.gauss(0.0, 0.35)) for _ in range(n)],
            growth=[math.exp(rng.gauss(0.0, 0.25)) for _ in range(n)],
            d_shift=[rng.gauss(0.0, 1.0) for _ in range(n)],
        )


@dataclass
class TrueCard:
    s: float = 0.0
    d: float = 0.0
    last: float = -1.0  # day (float) of the last review; -1: never studied


def true_recall(m: Model, c: TrueCard, at: float) -> float:
    return 0.0 if c.last < 0 else m.r(at - c.last, c.s)


# --- one policy's run -------------------------------------------------------------
@dataclass
class Run:
    recall_day: float = 0.0
    recall_after: float = 0.0
    minutes: float = 0.0
    due_week_after: int = 0
    peak_after: float = 0.0  # minutes, busiest day of the week after
    learned: int = 0


@dataclass
class Sim:
    policy: str
    n: int
    days: int
    budget_s: float
    learner: Learner
    seed: int
    truth: Model = field(init=False)
    cards: list[TrueCard] = field(init=False)
    rngs: list[random.Random] = field(init=False)
    states: list[CardState] = field(init=False)
    sm2: list[list[float]] = field(init=False)  # ivl, ease, due day
    spent_log: dict[str, list[float]] = field(init=False)
    ratings_first: list[int] = field(init=False)
    ratings_pass: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.truth = Model(self.learner.w)
        self.cards = [TrueCard() for _ in range(self.n)]
        self.rngs = [random.Random(f"{self.seed}-{i}") for i in range(self.n)]
        self.states = [CardState(card_id=str(i)) for i in range(self.n)]
        self.sm2 = [[0.0, 0.0, math.inf] for _ in range(self.n)]
        retention = float(self.policy[5:]) if self.policy.startswith("fsrs-") else 0.9
        self.scheduler = Scheduler(retention, fuzz=False)
        self.spent_log = {"new": [], "pass": [], "fail": []}
        self.ratings_first = [0, 0, 0, 0]
        self.ratings_pass = [0, 0, 0]
        self._uuid = 0
        self.spent_today = 0.0

    # --- applying ratings to truth and to the policy's state -------------------
    # A day's grades of one card are stamped so that the last lands at the
    # session time and the steps before it minutes earlier: the next day's
    # review is then a full day later, which FSRS (whole days elapsed) needs
    # to treat it as a new day rather than a same-day step.
    def _model(self, i: int, ratings: list[int], t: float) -> None:
        if self.policy == "sm2":
            return
        st = self.states[i]
        for j, rating in enumerate(ratings):
            self._uuid += 1
            at = EPOCH + timedelta(days=t - (len(ratings) - 1 - j) * STEP_GAP)
            st = self.scheduler.apply(
                st, Review(uuid=str(self._uuid), card_id=str(i), rating=rating, at=at)
            )
        self.states[i] = st

    def _steps(self, i: int, rating: int, relearning: bool, out: list[int]) -> float:
        """Same-day (re)learning steps until graduation; returns their seconds."""
        m, c, rng = self.truth, self.cards[i], self.rngs[i]
        table = RELEARNING_STEP_TRANSITIONS if relearning else LEARNING_STEP_TRANSITIONS
        costs = STATE_RATING_COSTS[2] if relearning else STATE_RATING_COSTS[0]
        need = RELEARNING_STEPS if relearning else LEARNING_STEPS - (0, 0, 1, 1)[rating - 1]
        done = steps = 0
        cost = 0.0
        while steps < MAX_STEPS and done < need and rating < 4:
            rating = pick(rng, table[rating - 1])
            c.s = m.short_term(c.s, rating)
            c.d = m.next_d(c.d, rating)
            cost += costs[rating - 1]
            steps += 1
            out.append(rating)
            if rating > 2:
                done += 1
            elif rating == 1:
                done = 0
        return cost

    def learn(self, i: int, t: float) -> float:
        m, c, rng, lr = self.truth, self.cards[i], self.rngs[i], self.learner
        first = pick(rng, FIRST_RATING_PROB)
        self.ratings_first[first - 1] += 1
        c.s = max(0.001, lr.w[first - 1] * lr.s_factor[i])
        c.d = min(10.0, max(1.0, m.init_d(first) + lr.d_shift[i]))
        c.last = t
        ratings = [first]
        cost = STATE_RATING_COSTS[0][first - 1] + self._steps(i, first, False, ratings)
        self._model(i, ratings, t)
        if self.policy == "sm2":
            self.sm2[i] = [
                4.0 if first == 4 else 1.0,
                2.5,
                math.floor(t) + (4 if first == 4 else 1),
            ]
        self.spent_log["new"].append(cost)
        return cost

    def review(self, i: int, t: float) -> float:
        m, c, rng = self.truth, self.cards[i], self.rngs[i]
        elapsed = t - c.last
        p = m.r(elapsed, c.s)
        ok = rng.random() < p
        rating = 1 + pick(rng, REVIEW_RATING_PROB) if ok else 1
        if ok:
            self.ratings_pass[rating - 2] += 1
        same_day = math.floor(t) == math.floor(c.last)
        if ok:
            if same_day:
                c.s = m.short_term(c.s, rating)
            else:
                grown = m.passed(c.s, c.d, p, rating)
                c.s = c.s + (grown - c.s) * self.learner.growth[i]
            c.d = m.next_d(c.d, rating)
        else:
            if same_day:
                c.s = m.short_term(c.s, 1)
            else:
                w = m.w
                long = w[11] * c.d ** -w[12] * ((c.s + 1) ** w[13] - 1) * math.exp((1 - p) * w[14])
                c.s = max(0.001, min(long, c.s / math.exp(w[17] * w[18])))
            c.d = m.next_d(c.d, 1)
        c.last = t
        cost = STATE_RATING_COSTS[1][rating - 1]
        ratings = [rating]
        if not ok:
            cost += self._steps(i, 1, True, ratings)
        elif self.policy != "sm2" and self.states[i].state in (1, 3) and rating < 4:
            # A card left mid-steps on an earlier day finishes them now.
            cost += self._steps(i, rating, self.states[i].state == 3, ratings)
        self._model(i, ratings, t)
        if self.policy == "sm2":
            self._sm2(i, t, elapsed, rating)
        self.spent_log["pass" if ok else "fail"].append(cost)
        return cost

    def _sm2(self, i: int, t: float, real: float, rating: int) -> None:
        ivl, ease, _ = self.sm2[i]
        if rating == 1:
            new, ease = 1.0, max(1.3, ease - 0.2)
        else:
            delay = real - ivl
            hard = max(round(ivl * 1.2 + 0.01), ivl + 1)
            good = max(round((ivl + delay / 2) * ease + 0.01), hard + 1)
            easy = max(round(real * ease * 1.3 + 0.01), good + 1)
            new = (hard, good, easy)[rating - 2]
            ease = max(1.3, ease + (-0.15, 0.0, 0.15)[rating - 2])
        self.sm2[i] = [float(new), ease, math.floor(t) + new]

    # --- the daily queue ------------------------------------------------------
    def queue(self, k: int, now: float) -> list[int]:
        if self.policy == "deadline":
            return self._deadline(k, now)
        if self.policy == "every-day":
            return list(range(self.n))
        unseen = [i for i, c in enumerate(self.cards) if c.last < 0]
        if self.policy == "sm2":
            due = [i for i in range(self.n) if self.sm2[i][2] <= k and self.cards[i].last >= 0]
            due.sort(key=lambda i: self.sm2[i][2])
            return due + unseen
        end = EPOCH + timedelta(days=k + 1)
        due = [
            i
            for i, st in enumerate(self.states)
            if st.due is not None and st.due < end and self.cards[i].last >= 0
        ]
        due.sort(key=lambda i: (self.states[i].state == 2, self.states[i].due))
        return due + unseen

    def _measured(self) -> tuple[Costs, Mix]:
        base, prior = Mix(), 20.0
        n1, n2 = sum(self.ratings_first), sum(self.ratings_pass)
        first = tuple(
            (self.ratings_first[r] + prior * base.first[r]) / (n1 + prior) for r in range(4)
        )
        passed = tuple(
            (self.ratings_pass[r] + prior * base.passed[r]) / (n2 + prior) for r in range(3)
        )

        def mean(xs: list[float], default: float) -> float:
            return statistics.fmean(xs[-500:]) if len(xs) >= 10 else default

        costs = Costs(
            new_s=mean(self.spent_log["new"], 30.0),
            pass_s=mean(self.spent_log["pass"], 8.0),
            fail_s=mean(self.spent_log["fail"], 25.0),
        )
        return costs, Mix(first=first, passed=passed)  # type: ignore[arg-type]

    def _deadline(self, k: int, now: float) -> list[int]:
        at = EPOCH + timedelta(days=now)
        items = []
        for i, st in enumerate(self.states):
            if st.state == 0 or st.last_review is None:
                items.append(Item(str(i)))
                continue
            last = (st.last_review - EPOCH).total_seconds() / 86400
            items.append(
                Item(
                    id=str(i),
                    state=st.state,
                    s=st.stability or 0.001,
                    d=st.difficulty or 5.0,
                    elapsed=now - last,
                    last_day=k - math.floor(last),
                    step_due=st.state in (1, 3) and st.due is not None and st.due <= at,
                )
            )
        costs, mix = self._measured()
        day = Day(
            horizon=self.days + INTERVIEW_AT - now,
            days_left=self.days - k,
            daily_s=self.budget_s,
            left_s=self.budget_s - self.spent_today,
        )
        choice = choose(items, day, Model(FSRS6_DEFAULTS), costs, mix)
        return [int(x) for x in choice.ids]

    # --- the whole run --------------------------------------------------------------
    def day(self, k: int, t: float) -> float:
        """One study session; returns its seconds.

        When the queue runs out with minutes left, the deadline policy is asked
        again for the minutes left, as the drill does.
        """
        self.spent_today = spent = 0.0
        done: set[int] = set()
        while True:
            queue = [i for i in self.queue(k, t) if i not in done]
            if not queue:
                return spent
            for i in queue:
                # Costs are only known once done (the simulator's rule): the
                # card that would overrun the budget is not done, and the day ends.
                snapshot = (self.cards[i].s, self.cards[i].d, self.cards[i].last, self.states[i],
                            list(self.sm2[i]), self.rngs[i].getstate(), self._uuid)  # fmt: skip
                logs = {key: len(v) for key, v in self.spent_log.items()}
                firsts, passes = list(self.ratings_first), list(self.ratings_pass)
                cost = self.learn(i, t) if self.cards[i].last < 0 else self.review(i, t)
                if spent + cost > self.budget_s:
                    c = self.cards[i]
                    c.s, c.d, c.last, self.states[i], self.sm2[i] = snapshot[:5]
                    self.rngs[i].setstate(snapshot[5])
                    self._uuid = snapshot[6]
                    for key, n in logs.items():
                        del self.spent_log[key][n:]
                    self.ratings_first, self.ratings_pass = firsts, passes
                    return spent
                spent += cost
                done.add(i)
                self.spent_today = spent
            if self.policy != "deadline":
                return spent

    def run(self) -> Run:
        spent_total = sum(self.day(k, k + SESSION_AT) for k in range(self.days))
        interview = self.days + INTERVIEW_AT
        out = Run()
        out.recall_day = sum(true_recall(self.truth, c, interview) for c in self.cards) / self.n
        out.recall_after = (
            sum(true_recall(self.truth, c, interview + AFTER) for c in self.cards) / self.n
        )
        out.minutes = spent_total / self.days / 60
        out.learned = sum(1 for c in self.cards if c.last >= 0)
        # After the date the drill is plain FSRS (0.90 for the deadline policy) on
        # the state the policy left: how many reviews come due in the next week,
        # and the minutes of the busiest day if every due card is done (measured
        # last: the recall 30 days after, above, is without any study).
        week = EPOCH + timedelta(days=self.days + 8)
        if self.policy == "sm2":
            out.due_week_after = sum(1 for x in self.sm2 if x[2] < self.days + 8)
        else:
            out.due_week_after = sum(
                1 for st in self.states if st.due is not None and st.due < week
            )
        out.peak_after = self.week_after()
        return out

    def week_after(self) -> float:
        """Minutes of the busiest of the 7 days after the interview, doing every due card."""
        if self.policy in ("deadline", "every-day"):
            self.policy = "fsrs-0.90"
        peak = 0.0
        for k in range(self.days, self.days + 7):
            t = k + SESSION_AT
            spent = sum(self.review(i, t) for i in self.queue(k, t) if self.cards[i].last >= 0)
            peak = max(peak, spent / 60)
        return peak


def one(task: tuple[int, int, int, int, str]) -> tuple[tuple[int, int, int], str, int, Run]:
    n, days, minutes, seed, policy = task
    learner = Learner.draw(seed * 1000 + n, n)
    # every-day is a reference, not a policy: every card every day, no budget.
    budget = math.inf if policy == "every-day" else minutes * 60.0
    return ((n, days, minutes), policy, seed, Sim(policy, n, days, budget, learner, seed).run())


def best_fixed(
    results: dict[tuple[int, int, int], dict[str, list[Run]]], seeds: int, run_all
) -> dict[tuple[int, int, int], float]:
    """Per setting, the fixed retention on GRID with the best recall on the day among those
    using no more minutes a day (mean over learners) than the deadline policy.

    Its runs are filed as "fsrs-best"; the retention found is returned.
    """
    tasks = [
        (*key, seed, f"fsrs-{r}")
        for key, by in results.items()
        for r in GRID
        if f"fsrs-{r}" not in by
        for seed in range(seeds)
    ]
    runs: dict[tuple[tuple[int, int, int], str], list[Run]] = {}
    for key, policy, _, run in run_all(tasks):
        runs.setdefault((key, policy), []).append(run)
    found: dict[tuple[int, int, int], float] = {}
    for key, by in results.items():
        limit = statistics.fmean(r.minutes for r in by["deadline"]) + 1e-9
        best: tuple[float, float, list[Run]] | None = None
        for r in GRID:
            rs = by.get(f"fsrs-{r}") or runs[(key, f"fsrs-{r}")]
            recall = statistics.fmean(x.recall_day for x in rs)
            if statistics.fmean(x.minutes for x in rs) <= limit and (
                best is None or recall > best[0]
            ):
                best = (recall, r, rs)
        if best is not None:
            by["fsrs-best"] = best[2]
            found[key] = best[1]
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=20, help="learners per setting (default 20)")
    ap.add_argument("--quick", action="store_true", help="5 seeds: a rough look in seconds")
    ap.add_argument("--jobs", type=int, default=0, help="worker processes (default: all CPUs)")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON here")
    ap.add_argument(
        "--speed", action="store_true", help="time the drill's queue and the plan on 10k cards"
    )
    ap.add_argument(
        "--setting", action="append", metavar="CARDS/DAYS/MIN",
        help="a setting such as 300/21/15 (repeatable; default: the three standard ones)",
    )  # fmt: skip
    args = ap.parse_args(argv)
    if args.speed:
        return speed()
    seeds = 5 if args.quick else args.seeds
    settings = SETTINGS
    if args.setting:
        settings = tuple(tuple(int(x) for x in s.split("/")) for s in args.setting)  # type: ignore[assignment]
    tasks = [
        (n, d, m, seed, p) for (n, d, m) in settings for seed in range(seeds) for p in POLICIES
    ]
    started = time.perf_counter()
    results: dict[tuple[int, int, int], dict[str, list[Run]]] = {
        s: {p: [] for p in POLICIES} for s in settings
    }
    jobs = args.jobs or None
    with ProcessPoolExecutor(max_workers=jobs) as pool:

        def run_all(ts: list) -> list:
            return list(map(one, ts) if jobs == 1 else pool.map(one, ts, chunksize=2))

        for key, policy, _, run in run_all(tasks):
            results[key][policy].append(run)
        retention = best_fixed(results, seeds, run_all)
    elapsed = time.perf_counter() - started
    report = summarize(results, seeds, retention)
    print_table(report, seeds, elapsed)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


def _stats(xs: list[float]) -> dict[str, float]:
    mean = statistics.fmean(xs)
    se = statistics.stdev(xs) / math.sqrt(len(xs)) if len(xs) > 1 else 0.0
    return {"mean": mean, "se": se}


def summarize(results: dict, seeds: int, retention: dict | None = None) -> dict:
    out: dict = {"seeds": seeds, "settings": [], "summary": {}}
    margins, after_gaps, minute_ok = [], [], []
    for (n, days, minutes), by_policy in results.items():
        row: dict = {"cards": n, "days": days, "minutes_per_day": minutes, "policies": {}}
        for policy, runs in by_policy.items():
            row["policies"][policy] = {
                "recall_on_day": _stats([r.recall_day for r in runs]),
                "minutes_used": _stats([r.minutes for r in runs]),
                "recall_30_days_after": _stats([r.recall_after for r in runs]),
                "due_week_after": _stats([float(r.due_week_after) for r in runs]),
                "busiest_day_after_min": _stats([r.peak_after for r in runs]),
                "cards_studied": _stats([float(r.learned) for r in runs]),
            }
        fixed = FIXED
        best = max(fixed, key=lambda p: row["policies"][p]["recall_on_day"]["mean"])
        best_after = max(row["policies"][p]["recall_30_days_after"]["mean"] for p in fixed)
        dl = row["policies"]["deadline"]
        margin = dl["recall_on_day"]["mean"] - row["policies"][best]["recall_on_day"]["mean"]
        paired = [
            a.recall_day - b.recall_day
            for a, b in zip(by_policy["deadline"], by_policy[best], strict=True)
        ]
        row["best_fixed"] = best
        row["margin_points"] = 100 * margin
        row["margin_se_points"] = 100 * _stats(paired)["se"]
        row["after_gap_points"] = 100 * (dl["recall_30_days_after"]["mean"] - best_after)
        row["minutes_vs_best"] = (
            dl["minutes_used"]["mean"] - row["policies"][best]["minutes_used"]["mean"]
        )
        if "fsrs-best" in by_policy and retention:
            mt = row["policies"]["fsrs-best"]
            row["best_retention_at_minutes"] = retention[(n, days, minutes)]
            row["margin_at_minutes_points"] = 100 * (
                dl["recall_on_day"]["mean"] - mt["recall_on_day"]["mean"]
            )
        if "every-day" in by_policy:
            row["room_points"] = 100 * (
                row["policies"]["every-day"]["recall_on_day"]["mean"]
                - row["policies"][best]["recall_on_day"]["mean"]
            )
        margins.append(margin)
        after_gaps.append(row["after_gap_points"])
        minute_ok.append(row["minutes_vs_best"] <= 1e-9)
        out["settings"].append(row)
    out["summary"] = {
        "mean_margin_points": 100 * statistics.fmean(margins),
        "beats_best_fixed_everywhere": all(m > 0 for m in margins),
        "worst_after_gap_points": min(after_gaps),
        "no_more_minutes": all(minute_ok),
    }
    margins_at_minutes = [
        r["margin_at_minutes_points"] for r in out["settings"] if "margin_at_minutes_points" in r
    ]
    if margins_at_minutes:
        out["summary"]["mean_margin_at_no_more_minutes_points"] = statistics.fmean(
            margins_at_minutes
        )
    rooms = [r["room_points"] for r in out["settings"] if "room_points" in r]
    if rooms:
        out["summary"]["mean_room_points"] = statistics.fmean(rooms)
    s = out["summary"]
    s["target_met"] = (
        s["beats_best_fixed_everywhere"]
        and s["mean_margin_points"] >= 3
        and s["worst_after_gap_points"] >= -5
        and s["no_more_minutes"]
    )
    return out


def print_table(report: dict, seeds: int, elapsed: float) -> None:
    def pct(x: dict) -> str:
        return f"{100 * x['mean']:5.1f} ±{100 * x['se']:.1f}"

    print(f"Interview-day recall by policy ({seeds} learners per setting, {elapsed:.0f} s)\n")
    head = (
        f"{'policy':<10} {'recall on day':>14} {'min/day':>8} {'recall +30d':>12} "
        f"{'due week after':>15} {'busiest day after':>18} {'studied':>8}"
    )
    for row in report["settings"]:
        print(f"{row['cards']} cards, {row['days']} days, {row['minutes_per_day']} min/day")
        print(head)
        for policy, v in row["policies"].items():
            name = policy
            if policy == "fsrs-best":
                name = f"fsrs-{row['best_retention_at_minutes']:.2f}*"
            print(
                f"{name:<10} {pct(v['recall_on_day']):>14} {v['minutes_used']['mean']:8.1f} "
                f"{pct(v['recall_30_days_after']):>12} {v['due_week_after']['mean']:15.0f} "
                f"{v['busiest_day_after_min']['mean']:14.1f} min {v['cards_studied']['mean']:8.0f}"
            )
        print(
            f"deadline vs best fixed ({row['best_fixed']}): {row['margin_points']:+.1f} points "
            f"(±{row['margin_se_points']:.1f}) on the day, {row['after_gap_points']:+.1f} points "
            f"30 days after vs the best fixed, {row['minutes_vs_best']:+.1f} min/day"
        )
        if "margin_at_minutes_points" in row:
            print(
                f"deadline vs the best fixed retention on a 0.02 grid at no more minutes "
                f"(fsrs-{row['best_retention_at_minutes']:.2f}*): "
                f"{row['margin_at_minutes_points']:+.1f} points"
            )
        if "room_points" in row:
            print(
                f"every-day (every card every day, no budget: a ceiling, not a policy) is "
                f"{row['room_points']:+.1f} points above the best fixed"
            )
        print()
    s = report["summary"]
    print(
        f"mean margin {s['mean_margin_points']:+.1f} points; beats the best fixed retention in every "
        f"setting: {'yes' if s['beats_best_fixed_everywhere'] else 'NO'}; worst 30-day gap "
        f"{s['worst_after_gap_points']:+.1f} points; no more minutes: {'yes' if s['no_more_minutes'] else 'NO'}; "
        f"target met: {'yes' if s['target_met'] else 'NO'}"
    )
    if "mean_margin_at_no_more_minutes_points" in s:
        print(
            f"mean margin over the best fixed retention at no more minutes: "
            f"{s['mean_margin_at_no_more_minutes_points']:+.1f} points"
        )
    if "mean_room_points" in s:
        print(
            f"mean room above the best fixed (every-day ceiling): {s['mean_room_points']:+.1f} points"
        )


def speed(n: int = 10_000, studied: int = 7_000) -> int:
    """Build a 10k-card workspace with 7k studied cards; time `deadline_queue` and `prep plan`."""
    import tempfile

    from prep.clock import FakeClock, iso
    from prep.deadline import deadline_queue
    from prep.plan import build
    from prep.store import Filters, Store
    from prep.sync import sync
    from prep.workspace import find

    rng = random.Random(1)
    now = datetime(2026, 11, 26, 9, tzinfo=timezone.utc)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "decks").mkdir()
        (root / "prep.yaml").write_text("settings: {new_per_day: 20}\n", encoding="utf-8")
        body = "".join(
            f"  - {{id: c{i}, q: question {i}, a: answer, topic: T{i % 12}}}\n" for i in range(n)
        )
        (root / "decks" / "big.yaml").write_text(f"deck: big\ncards:\n{body}", encoding="utf-8")
        ws = find(str(root))
        store = Store(ws.db_path)
        sync(store, ws, FakeClock(now))
        with store.write() as conn:
            for i in range(studied):
                s = rng.lognormvariate(1.5, 1.2)
                last = now - timedelta(days=rng.uniform(0.5, 40))
                due = last + timedelta(days=s)
                conn.execute(
                    "INSERT INTO card_state VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (f"c{i}", 2, None, s, rng.uniform(1, 10), iso(due), iso(last), 3, 0, iso(last)),
                )
                conn.execute(
                    "INSERT INTO reviews VALUES (?,?,?,?,?,?,?)",
                    (f"u{i}", f"c{i}", 3, iso(last), rng.randint(5000, 60000), "drill", None),
                )
            store.set_meta(conn, "interview_override", (now + timedelta(days=21)).isoformat())
            store.set_meta(conn, "minutes_per_day", 60)
        sch = Scheduler(fuzz=False)
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            queue = deadline_queue(store, sch, now, now + timedelta(days=21), Filters(), 200, 20)
            times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        plan = build(store, sch, FakeClock(now))
        plan_s = time.perf_counter() - t0
        from prep.status import status

        status_times = []
        for _ in range(5):
            t0 = time.perf_counter()
            status(store, FakeClock(now))
            status_times.append(time.perf_counter() - t0)
    print(f"{n} cards ({studied} studied), interview in 21 days, 60 min a day")
    print(
        f"drill queue (deadline_queue): median {1000 * statistics.median(times):.0f} ms, "
        f"{len(queue)} cards"
    )
    print(
        f"prep plan (21 days projected): {plan_s:.1f} s, predicted recall {100 * plan.recall:.1f}%"
    )
    print(
        f"prep status numbers (the same queue, counted): median "
        f"{1000 * statistics.median(status_times):.0f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
