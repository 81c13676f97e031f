"""Does the interview-date policy help? The product itself, driven by simulated learners.

Every policy here is prep: its real store (SQLite in a temporary folder), its
real queue, its real cost measurement, its real daily budget and stopping,
driven through the public API (`prep.api`) with a fake clock, one session a
day, as a person would use it:

- prep: an interview date and the daily minutes set (the interview-date policy);
- fsrs-0.80 / 0.85 / 0.90 / 0.95: no interview date, plain FSRS at that
  desired retention, the same minutes a day (due cards first, then new cards,
  with no new-card cap, until the minutes are used: the most coverage a fixed
  retention can get).

The learners' true memory is not the policy's model. Four families:

- fsrs6: FSRS-6 equations with weights drawn around the defaults (each weight
  times a log-normal factor) and per-card noise (initial stability, growth,
  difficulty), written out here, not taken from prep;
- fsrs6-far: FSRS-6 far from the defaults: initial stabilities a quarter,
  slower growth, half the stability after a lapse, and a higher decay (0.5-0.8
  against 0.15), so recall falls faster and on a different curve;
- hlr: half-life regression (Settles & Meeder 2016): the half-life grows with
  the square roots of the counts of recalls and failures, with no spacing
  effect and no difficulty dynamics;
- actr: an ACT-R-style power law with a spacing effect (Pavlik & Anderson 2005):
  every show leaves a trace that decays as a power of its age, faster when it
  was laid down while the memory was still strong.

Every learner: a first sight that is usually not known (Again half the time)
and costs a long read; learning and relearning steps that cost time; reviews
in seconds drawn around 18 s (recalled) and 30 s (forgotten); every other
learner twice as slow; 10% of study days skipped (the same days for every
policy). Recall is a coin flip on the learner's true recall; ratings of a
recall are Hard/Good/Easy in the FSRS simulator's proportions.

Reported per memory model and setting (mean over learners; ± is the paired
standard error of prep's difference to the best fixed retention of that
cell): true recall over the whole deck on interview day (never-studied cards
count 0), minutes used per study day as a multiple of the budget (mean and
the worst single day), and true recall 30 days after the interview with no
study in between. "Equal minutes" is the minutes actually used: each policy's
figure is printed beside its recall.

    .venv/bin/python benchmarks/deadline.py                 # 4 learners per cell
    .venv/bin/python benchmarks/deadline.py --learners 8 --jobs 2
    .venv/bin/python benchmarks/deadline.py --model hlr --setting 300/21/15
    .venv/bin/python benchmarks/deadline.py --json out.json
    .venv/bin/python benchmarks/deadline.py --speed         # the drill's queue on 10k cards
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from prep import api  # noqa: E402
from prep.schedule import Scheduler  # noqa: E402

SETTINGS = ((300, 21, 15), (800, 28, 20), (150, 7, 30), (2000, 30, 30), (60, 3, 20))
MODELS = ("fsrs6", "fsrs6-far", "hlr", "actr")
FIXED = (0.80, 0.85, 0.90, 0.95)
POLICIES = ("prep",) + tuple(f"fsrs-{k:.2f}" for k in FIXED)
EPOCH = datetime(2027, 1, 4, tzinfo=timezone.utc)
SESSION_HOUR = 9  # the learner studies at 09:00 (UTC, the workspace's zone here)
INTERVIEW_HOUR = 10  # the interview is at 10:00 on day D
AFTER = 30
SKIP = 0.10

# --- the learner's behaviour ------------------------------------------------------
FIRST_RATING = (0.50, 0.15, 0.28, 0.07)  # a first sight is usually not known
PASS_RATING = (0.224, 0.631, 0.145)  # Hard, Good, Easy when recalled (FSRS simulator)
SECONDS = {"first": 45.0, "step": 15.0, "pass": 18.0, "fail": 30.0}

FSRS6 = (
    0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796,
    1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542,
)  # fmt: skip
LOWER = (0.001, 0.001, 0.001, 0.001, 1.0, 0.001, 0.001, 0.001, 0.0, 0.0, 0.001, 0.001,
         0.001, 0.001, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.1)  # fmt: skip
UPPER = (100.0, 100.0, 100.0, 100.0, 10.0, 4.0, 4.0, 0.75, 4.5, 0.8, 3.5, 5.0, 0.25, 0.9,
         4.0, 1.0, 6.0, 2.0, 2.0, 0.8, 0.8)  # fmt: skip


def pick(rng: random.Random, probs: tuple[float, ...]) -> int:
    x, acc = rng.random(), 0.0
    for i, p in enumerate(probs):
        acc += p
        if x < acc:
            return i + 1
    return len(probs)


# --- true memory: four families -------------------------------------------------------
class Memory:
    """One learner's memory of n cards. Times are days (floats)."""

    def p(self, i: int, t: float) -> float:
        raise NotImplementedError

    def show(self, i: int, t: float, rating: int, first: bool) -> None:
        raise NotImplementedError

    def seen(self, i: int) -> bool:
        return getattr(self, "last", [-1.0] * (i + 1))[i] >= 0


class FSRSMemory(Memory):
    def __init__(self, rng: random.Random, n: int, far: bool):
        w = []
        for i, (x, lo, hi) in enumerate(zip(FSRS6, LOWER, UPPER, strict=True)):
            sigma = 0.15 if i == 20 else 0.25
            v = x * math.exp(rng.gauss(0.0, sigma))
            if far:
                if i < 4:
                    v *= 0.25  # initial stabilities: a quarter
                elif i == 8:
                    v -= 0.6  # slower growth after a recall
                elif i == 11:
                    v *= 0.5  # less left after a lapse
                elif i == 20:
                    v = rng.uniform(0.5, 0.8)  # a steeper, different curve
            w.append(min(hi, max(lo, v)))
        self.w = w
        self.decay = w[20]
        self.factor = 0.9 ** (-1.0 / w[20]) - 1.0
        self.s_factor = [math.exp(rng.gauss(0.0, 0.35)) for _ in range(n)]
        self.growth = [math.exp(rng.gauss(0.0, 0.25)) for _ in range(n)]
        self.d_shift = [rng.gauss(0.0, 1.0) for _ in range(n)]
        self.s = [0.0] * n
        self.d = [0.0] * n
        self.last = [-1.0] * n

    def p(self, i: int, t: float) -> float:
        if self.last[i] < 0:
            return 0.0
        dt = max(0.0, t - self.last[i])
        return (1.0 + self.factor * dt / self.s[i]) ** -self.decay

    def _d(self, d: float, rating: int) -> float:
        w = self.w
        d2 = d + (10.0 - d) * (-w[6] * (rating - 3)) / 9.0
        easy = w[4] - math.exp(w[5] * 3) + 1
        return min(10.0, max(1.0, w[7] * easy + (1 - w[7]) * d2))

    def show(self, i: int, t: float, rating: int, first: bool) -> None:
        w = self.w
        if first:
            self.s[i] = max(0.001, w[rating - 1] * self.s_factor[i])
            d0 = w[4] - math.exp(w[5] * (rating - 1)) + 1 + self.d_shift[i]
            self.d[i] = min(10.0, max(1.0, d0))
            self.last[i] = t
            return
        s, d = self.s[i], self.d[i]
        dt = t - self.last[i]
        if dt < 0.5:  # a same-day step
            inc = math.exp(w[17] * (rating - 3 + w[18])) * s ** -w[19]
            if rating >= 2:
                inc = max(inc, 1.0)
            s = max(0.001, s * inc)
        else:
            p = self.p(i, t)
            if rating > 1:
                bonus = w[15] if rating == 2 else w[16] if rating == 4 else 1.0
                gain = math.exp(w[8]) * (11 - d) * s ** -w[9] * (math.exp((1 - p) * w[10]) - 1)
                s = s * (1 + gain * bonus * self.growth[i])
            else:
                long = w[11] * d ** -w[12] * ((s + 1) ** w[13] - 1) * math.exp((1 - p) * w[14])
                s = max(0.001, min(long, s / math.exp(w[17] * w[18])))
        self.s[i], self.d[i], self.last[i] = s, self._d(d, rating), t


class HLRMemory(Memory):
    """p = 2^(-lag / h), log2 h = theta0 + theta1 sqrt(1 + right) + theta2 sqrt(1 + wrong) + card."""

    def __init__(self, rng: random.Random, n: int):
        self.t0 = -1.6 + rng.gauss(0.0, 0.3)
        self.t1 = 2.0 * math.exp(rng.gauss(0.0, 0.15))
        self.t2 = -0.4 + rng.gauss(0.0, 0.1)
        self.card = [rng.gauss(0.0, 0.5) for _ in range(n)]
        self.right = [0] * n
        self.wrong = [0] * n
        self.last = [-1.0] * n

    def p(self, i: int, t: float) -> float:
        if self.last[i] < 0:
            return 0.0
        x = self.t0 + self.t1 * math.sqrt(1 + self.right[i])
        x += self.t2 * math.sqrt(1 + self.wrong[i]) + self.card[i]
        h = 2.0 ** min(20.0, x)
        return 2.0 ** (-max(0.0, t - self.last[i]) / h)

    def show(self, i: int, t: float, rating: int, first: bool) -> None:
        if rating > 1:
            self.right[i] += 1
        else:
            self.wrong[i] += 1
        self.last[i] = t


class ACTRMemory(Memory):
    """m = ln sum_j age_j^-d_j, d_j = c e^{m(t_j)} + a;  p = 1 / (1 + e^{(tau - m) / s})."""

    MIN_AGE = 1.0 / 1440  # a minute

    def __init__(self, rng: random.Random, n: int):
        self.a = 0.18 * math.exp(rng.gauss(0.0, 0.1))
        self.c = 0.25 * math.exp(rng.gauss(0.0, 0.1))
        self.tau = rng.gauss(-0.1, 0.2)
        self.sc = 0.25
        self.card = [rng.gauss(0.0, 0.3) for _ in range(n)]
        self.traces: list[list[tuple[float, float]]] = [[] for _ in range(n)]  # (time, decay)

    def seen(self, i: int) -> bool:
        return bool(self.traces[i])

    def _m(self, i: int, t: float) -> float:
        total = 0.0
        for tj, dj in self.traces[i]:
            total += max(self.MIN_AGE, t - tj) ** -dj
        return math.log(total) if total > 0 else -math.inf

    def p(self, i: int, t: float) -> float:
        if not self.traces[i]:
            return 0.0
        m = self._m(i, t)
        z = (self.tau + self.card[i] - m) / self.sc
        return 1.0 / (1.0 + math.exp(min(50.0, z)))

    def show(self, i: int, t: float, rating: int, first: bool) -> None:
        m = self._m(i, t) if self.traces[i] else -math.inf
        d = self.c * math.exp(min(5.0, m)) + self.a if m > -math.inf else self.a
        self.traces[i].append((t, d))


def memory(model: str, seed: int, n: int) -> Memory:
    rng = random.Random(f"{model}-{seed}")
    if model == "fsrs6":
        return FSRSMemory(rng, n, far=False)
    if model == "fsrs6-far":
        return FSRSMemory(rng, n, far=True)
    if model == "hlr":
        return HLRMemory(rng, n)
    if model == "actr":
        return ACTRMemory(rng, n)
    raise ValueError(model)


# --- one learner, one policy, one setting: the product driven through its API --------
@dataclass
class Result:
    recall_day: float = 0.0
    recall_after: float = 0.0
    day_s: list[float] = field(default_factory=list)  # seconds used, per study day
    budget_s: float = 0.0
    reviews: int = 0
    learned: int = 0
    stops: int = 0  # study days the drill ended because the minutes were used
    cpu_s: float = 0.0

    @property
    def ratio_mean(self) -> float:
        return statistics.fmean(self.day_s) / self.budget_s if self.day_s else 0.0

    @property
    def ratio_worst(self) -> float:
        return max(self.day_s) / self.budget_s if self.day_s else 0.0


def _workspace(root: Path, n: int, retention: float) -> None:
    (root / "decks").mkdir(parents=True)
    (root / "prep.yaml").write_text(
        "candidate: {name: Learner}\n"
        "settings: {new_per_day: 1000, max_reviews_per_day: 100000, "
        f"desired_retention: {retention}, day_starts_at: 4}}\n",
        encoding="utf-8",
    )
    body = "".join(
        f"  - {{id: c{i:05d}, q: question {i}, a: answer {i}, topic: T{i % 10}}}\n"
        for i in range(n)
    )
    (root / "decks" / "bench.yaml").write_text(f"deck: bench\ncards:\n{body}", encoding="utf-8")


def _tmp_dir() -> str | None:
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() else None


def run(job: tuple[str, str, tuple[int, int, int], int]) -> Result:
    policy, model, (n, days, minutes), seed = job
    cpu0 = time.process_time()
    mem = memory(model, seed, n)
    slow = 2.0 if seed % 2 else 1.0  # every other learner answers twice as slowly
    rngs = [random.Random(f"card-{model}-{seed}-{i}") for i in range(n)]
    skip = {k for k in range(1, days) if random.Random(f"skip-{seed}-{k}").random() < SKIP}
    retention = float(policy[5:]) if policy.startswith("fsrs-") else 0.9
    out = Result(budget_s=minutes * 60.0)
    interview = EPOCH + timedelta(days=days, hours=INTERVIEW_HOUR)
    with tempfile.TemporaryDirectory(dir=_tmp_dir()) as tmp:
        _workspace(Path(tmp), n, retention)
        clock = api.FakeClock(EPOCH)
        ws = api.open(tmp, clock=clock, fuzz=False)
        try:
            ws.set_minutes(minutes)
            if policy == "prep":
                ws.set_interview(interview.isoformat())
            for k in range(days):
                if k in skip:
                    continue
                start = EPOCH + timedelta(days=k, hours=SESSION_HOUR)
                clock.advance((start - clock.now()).total_seconds())
                session = ws.drill()
                spent = 0.0
                while (shown := session.next()) is not None:
                    i = int(shown.card.id[1:])
                    rng = rngs[i]
                    t = (clock.now() - EPOCH).total_seconds() / 86400.0
                    first = shown.state.state == 0
                    if first:
                        rating, kind = pick(rng, FIRST_RATING), "first"
                    else:
                        ok = rng.random() < mem.p(i, t)
                        rating = 1 + pick(rng, PASS_RATING) if ok else 1
                        kind = "step" if shown.state.state in (1, 3) else "pass" if ok else "fail"
                    seconds = SECONDS[kind] * slow * math.exp(rng.gauss(0.0, 0.3))
                    clock.advance(seconds)
                    mem.show(i, t + seconds / 86400.0, rating, first)
                    session.reveal()
                    session.grade(rating)
                    spent += seconds
                summary = session.finish()
                out.stops += summary.stopped
                out.reviews += summary.reviewed
                out.day_s.append(spent)
        finally:
            ws.close()
    at = (interview - EPOCH).total_seconds() / 86400.0
    out.recall_day = sum(mem.p(i, at) for i in range(n)) / n
    out.recall_after = sum(mem.p(i, at + AFTER) for i in range(n)) / n
    out.learned = sum(1 for i in range(n) if mem.seen(i))
    out.cpu_s = time.process_time() - cpu0
    return out


# --- the report -----------------------------------------------------------------------
def _mean_se(xs: list[float]) -> tuple[float, float]:
    m = statistics.fmean(xs)
    se = statistics.stdev(xs) / math.sqrt(len(xs)) if len(xs) > 1 else 0.0
    return m, se


def cell(results: dict[str, list[Result]]) -> dict:
    """One model x setting: every policy's means, and prep against the best fixed retention."""
    row: dict = {"policies": {}}
    for policy, rs in results.items():
        row["policies"][policy] = {
            "recall_day": statistics.fmean(r.recall_day for r in rs),
            "recall_after": statistics.fmean(r.recall_after for r in rs),
            "minutes_ratio_mean": statistics.fmean(r.ratio_mean for r in rs),
            "minutes_ratio_worst": max(r.ratio_worst for r in rs),
            "minutes_per_day": statistics.fmean(
                statistics.fmean(r.day_s) / 60 if r.day_s else 0.0 for r in rs
            ),
            "learned": statistics.fmean(r.learned for r in rs),
            "stop_days": statistics.fmean(r.stops / max(1, len(r.day_s)) for r in rs),
        }
    fixed = [p for p in results if p.startswith("fsrs-")]
    if not fixed:  # prep alone (--policy prep): its own figures only
        row.update(best_fixed="-", margin=0.0, margin_se=0.0, after_gap=0.0, after_gap_se=0.0)
        row["meets"] = {}
        return row
    best = max(fixed, key=lambda p: row["policies"][p]["recall_day"])
    diffs = [
        a.recall_day - b.recall_day for a, b in zip(results["prep"], results[best], strict=True)
    ]
    after = [
        a.recall_after - b.recall_after for a, b in zip(results["prep"], results[best], strict=True)
    ]
    row["best_fixed"] = best
    row["margin"], row["margin_se"] = _mean_se(diffs)
    row["after_gap"], row["after_gap_se"] = _mean_se(after)
    prep = row["policies"]["prep"]
    row["meets"] = {
        "minutes_mean": prep["minutes_ratio_mean"] <= 1.05,
        "minutes_worst": prep["minutes_ratio_worst"] <= 1.25,
        "recall_day": row["margin"] >= 0.0,
        "recall_after": row["after_gap"] >= -0.03,
    }
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--learners", type=int, default=4, help="learners per cell (default 4)")
    ap.add_argument("--model", action="append", choices=MODELS, help="memory model (repeatable)")
    ap.add_argument("--setting", action="append", help="CARDS/DAYS/MINUTES (repeatable)")
    ap.add_argument("--policy", action="append", choices=POLICIES, help="policies (repeatable)")
    ap.add_argument("--jobs", type=int, default=2, help="processes (default 2)")
    ap.add_argument("--json", metavar="FILE", help="write the report as JSON")
    ap.add_argument("--speed", action="store_true", help="time the drill's queue on 10k cards")
    args = ap.parse_args(argv)
    if args.speed:
        return speed()
    settings = (
        [tuple(int(x) for x in s.split("/")) for s in args.setting] if args.setting else SETTINGS
    )
    models = args.model or list(MODELS)
    policies = args.policy or list(POLICIES)
    if "prep" not in policies:
        policies.insert(0, "prep")
    jobs = [
        (p, m, s, seed)
        for m in models
        for s in settings
        for seed in range(args.learners)
        for p in policies
    ]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(run, jobs, chunksize=1))
    by: dict[tuple[str, tuple], dict[str, list[Result]]] = {}
    for (p, m, s, _), r in zip(jobs, results, strict=True):
        by.setdefault((m, s), {}).setdefault(p, []).append(r)
    report: dict = {"learners": args.learners, "cells": [], "seconds": 0.0}
    for (m, s), res in by.items():
        row = cell(res)
        row["model"], row["setting"] = m, "/".join(map(str, s))
        report["cells"].append(row)
    report["seconds"] = round(time.perf_counter() - t0, 1)
    report["cpu_s"] = round(sum(r.cpu_s for r in results), 1)
    _print(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


def _print(report: dict) -> None:
    print(
        f"{report['learners']} learners per cell; recall on interview day % (minutes used per "
        f"study day / budget: mean, worst day); 30 days later %"
    )
    head = (
        "| model | setting | "
        + " | ".join(p for p in report["cells"][0]["policies"])
        + " | prep - best fixed | 30 d later, prep - best |"
    )
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for row in report["cells"]:
        cells = []
        for v in row["policies"].values():
            cells.append(
                f"{100 * v['recall_day']:.1f} ({v['minutes_ratio_mean']:.2f}, "
                f"{v['minutes_ratio_worst']:.2f})"
            )
        print(
            f"| {row['model']} | {row['setting']} | " + " | ".join(cells) + " | "
            f"{100 * row['margin']:+.1f} ±{100 * row['margin_se']:.1f} ({row['best_fixed']}) | "
            f"{100 * row['after_gap']:+.1f} ±{100 * row['after_gap_se']:.1f} |"
        )
    cells = report["cells"]
    mean_margin = statistics.fmean(r["margin"] for r in cells)
    print()
    print(f"mean margin over all cells: {100 * mean_margin:+.1f} points (target +3.0)")
    for key, label in (
        ("minutes_mean", "minutes at most 1.05x the budget on average"),
        ("minutes_worst", "no study day over 1.25x"),
        ("recall_day", "recall on the day at least the best fixed retention's"),
        ("recall_after", "30 days later no more than 3 points below"),
    ):
        misses = [f"{r['model']} {r['setting']}" for r in cells if not r["meets"].get(key, True)]
        met = len(cells) - len(misses)
        print(
            f"{label}: {met}/{len(cells)} cells"
            + (f" (misses: {', '.join(misses)})" if misses else "")
        )
    print(f"{report['seconds']} s wall, {report['cpu_s']} s CPU")


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
        times, kept_times = [], []
        for _ in range(5):  # every card weighed, as by the first command of a study day
            t0 = time.perf_counter()
            queue = deadline_queue(
                store, sch, now, now + timedelta(days=21), Filters(), 200, 20, fresh=True
            )
            times.append(time.perf_counter() - t0)
        for _ in range(5):  # the day's choice read back, as by the commands after it
            t0 = time.perf_counter()
            deadline_queue(store, sch, now, now + timedelta(days=21), Filters(), 200, 20)
            kept_times.append(time.perf_counter() - t0)
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
        f"drill queue (deadline_queue): median {1000 * statistics.median(times):.0f} ms "
        f"weighing every card, {1000 * statistics.median(kept_times):.0f} ms read back, "
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
