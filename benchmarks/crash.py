"""Crash consistency: kill a drilling `prep` at random moments and check what survived.

A child process runs `prep drill` on a generated workspace, fed a script of
reveals and grades on stdin. It prints `✓ <card> <Rating> · ...` after each
grade is committed: that line is the promise. The harness kills it with
SIGKILL at a random moment (a random time after start, or a few
milliseconds after a random acknowledgement), then checks:

- `PRAGMA integrity_check` is ok;
- every acknowledged grade is in the review log, in order, and at most one
  grade more (the one committed but not yet printed when the kill came);
- every card's cached state equals a replay of its log.

Run: `python benchmarks/crash.py [--kills 200] [--seed N]`  (prints counts; exit 1 on a failure)
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACK = re.compile(r"^✓ (\S+) (Again|Hard|Good|Easy) · ")
# `prep mock` in line mode: "✓ saved 3/30 c00012: Good · 0:00 / 3:00 · keywords 2/3"
MOCK_ACK = re.compile(r"^✓ saved \d+/\d+ ([^\s:]+): (Again|Hard|Good|Easy)\b")
RATING = {"Again": 1, "Hard": 2, "Good": 3, "Easy": 4}
GRADES_PER_RUN = 30


def make_workspace(root: Path, cards: int = 2000) -> Path:
    """A workspace with one plain deck and generous daily limits (so drills never run dry)."""
    (root / "decks").mkdir(parents=True, exist_ok=True)
    (root / "answers").mkdir(exist_ok=True)
    (root / "prep.yaml").write_text(
        "candidate: {name: Crash}\ncompany: {name: Test, values: []}\n"
        "settings: {new_per_day: 1000, max_reviews_per_day: 100000, "
        "desired_retention: 0.9, day_starts_at: 4}\n",
        encoding="utf-8",
    )
    body = "".join(
        f"  - id: c{i:05d}\n    q: question number {i}?\n    a: answer {i}\n"
        "    keywords: [alpha, beta, gamma]\n"
        for i in range(cards)
    )
    (root / "decks" / "crash.yaml").write_text(f"deck: crash\ncards:\n{body}", encoding="utf-8")
    return root


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PREP_NO_FUZZ="1", NO_COLOR="1", COLUMNS="200", TZ="UTC", PREP_LINE_MODE="1",
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )  # fmt: skip
    for var in ("PREP_NOW", "PREP_WORKSPACE", "PREP_DB"):
        env.pop(var, None)
    return env


def drill_script(rng: random.Random, grades: int = GRADES_PER_RUN) -> str:
    """Reveal then grade, or grade straight away; weighted like a real session."""
    lines = []
    for _ in range(grades):
        if rng.random() < 0.7:
            lines.append("")
        lines.append(str(rng.choices((1, 2, 3, 4), weights=(2, 1, 5, 2))[0]))
    return "\n".join(lines) + "\n"


def mock_script(rng: random.Random, questions: int = GRADES_PER_RUN) -> str:
    """Per question: the answer ends (empty line), keywords covered, a grade."""
    lines = []
    for _ in range(questions):
        if rng.random() < 0.1:
            lines.append("h")  # a hint first
        lines.append("")
        lines.append(rng.choice(("", "1", "1 3", "all", "2-3")))
        lines.append(str(rng.choices((1, 2, 3, 4), weights=(2, 1, 5, 2))[0]))
    return "\n".join(lines) + "\n"


@dataclass
class Run:
    acks: list[tuple[str, int]] = field(default_factory=list)
    killed: bool = False
    signal: str = ""
    returncode: int | None = None
    stderr: str = ""


class Child:
    """A `prep` process whose acknowledgement lines are collected as they arrive."""

    def __init__(self, args: list[str], stdin_text: str, ack: re.Pattern[str] = ACK):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "prep", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=child_env(),
        )
        self.ack = ack
        self.acks: list[tuple[str, int]] = []
        self.ack_times: list[float] = []
        self.cond = threading.Condition()
        self.stderr = b""
        self.started = time.monotonic()
        threading.Thread(target=self._feed, args=(stdin_text.encode(),), daemon=True).start()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._err_reader = threading.Thread(target=self._read_err, daemon=True)
        self._err_reader.start()

    def _feed(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            if not raw.endswith(b"\n"):
                break  # a line cut by the kill is not an acknowledgement
            m = self.ack.match(raw.decode("utf-8", "replace"))
            if m:
                with self.cond:
                    self.acks.append((m.group(1), RATING[m.group(2)]))
                    self.ack_times.append(time.monotonic())
                    self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        self.stderr = self.proc.stderr.read()

    def wait_acks(self, n: int, timeout: float = 30) -> bool:
        end = time.monotonic() + timeout
        with self.cond:
            while len(self.acks) < n and self.proc.poll() is None:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.05))
            return len(self.acks) >= n

    def finish(self, timeout: float = 60) -> int:
        code = self.proc.wait(timeout)
        self._reader.join(timeout)
        self._err_reader.join(timeout)
        return code


def run_once(args: list[str], script: str, rng: random.Random, ack: re.Pattern[str] = ACK) -> Run:
    """Start a child and kill it at a random moment (or let it finish, if it is quicker)."""
    child = Child(args, script, ack)
    run = Run()
    mode = rng.random()
    if mode < 0.3:  # a random moment since start: startup, sync, drawing, grading
        deadline = child.started + rng.uniform(0.0, 1.2)
        while time.monotonic() < deadline and child.proc.poll() is None:
            time.sleep(0.002)
        sig = signal.SIGKILL
    else:  # shortly after an acknowledgement: the next grade is likely mid-commit
        reached = child.wait_acks(rng.randint(2, GRADES_PER_RUN - 5))
        if reached:
            # Anywhere in the next grade's cycle (draw, read, commit, acknowledge).
            times = child.ack_times
            cycle = (times[-1] - times[0]) / (len(times) - 1) if len(times) > 1 else 0.005
            time.sleep(rng.uniform(0.0, cycle * 1.1))
        sig = signal.SIGINT if mode > 0.92 else signal.SIGKILL
    if child.proc.poll() is None:
        child.proc.send_signal(sig)
        run.killed = True
        run.signal = sig.name
    run.returncode = child.finish()
    run.acks = list(child.acks)
    run.stderr = child.stderr.decode("utf-8", "replace")
    return run


@dataclass
class Check:
    new_reviews: list[tuple[str, int]]
    problems: list[str]


def check_db(db: Path, after_rowid: int, acks: list[tuple[str, int]]) -> tuple[Check, int]:
    """Integrity, acknowledged grades in the log, state == replay. Returns problems found."""
    sys.path.insert(0, str(ROOT))
    from prep.clock import parse_iso
    from prep.schedule import NEW, Review, Scheduler

    problems: list[str] = []
    if not db.exists():  # killed before the database was made
        return Check([], ["acknowledged grades but no database"] if acks else []), after_rowid
    conn = sqlite3.connect(str(db))
    try:
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            problems.append(f"integrity_check: {integrity[:3]}")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        if "reviews" not in tables:  # killed before the first migration committed
            if acks:
                problems.append("acknowledged grades but no reviews table")
            return Check([], problems), after_rowid
        rows = conn.execute(
            "SELECT rowid, card_id, rating FROM reviews WHERE rowid > ? ORDER BY rowid",
            (after_rowid,),
        ).fetchall()
        new = [(r[1], r[2]) for r in rows]
        last_rowid = rows[-1][0] if rows else after_rowid
        if new[: len(acks)] != acks:
            problems.append(f"acknowledged grades missing from the log: acked {acks}, log {new}")
        elif len(new) > len(acks) + 1:
            problems.append(f"{len(new) - len(acks)} unacknowledged grades in the log")
        retention = 0.9
        by_card: dict[str, list[Review]] = {}
        for u, cid, rating, at, dur, src in conn.execute(
            "SELECT uuid, card_id, rating, reviewed_at, duration_ms, source FROM reviews"
        ):
            by_card.setdefault(cid, []).append(Review(u, cid, rating, parse_iso(at), dur, src))
        sched = Scheduler(retention, fuzz=False)
        cols = "card_id, state, step, stability, difficulty, due, last_review, reps, lapses"
        stored = {r[0]: r for r in conn.execute(f"SELECT {cols} FROM card_state")}
        for cid, revs in by_card.items():
            st = sched.replay(cid, revs)
            row = stored.pop(cid, None)
            if row is None:
                if not (st.state == NEW and st.reps == 0):
                    problems.append(f"{cid}: no cached state, replay gives {st.state}")
                continue
            want = (
                cid, st.state, st.step, st.stability, st.difficulty,
                st.due.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if st.due else None,
                st.last_review.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if st.last_review else None,
                st.reps, st.lapses,
            )  # fmt: skip
            if tuple(row) != want:
                problems.append(f"{cid}: cached state {tuple(row)} != replay {want}")
        for cid in stored:
            problems.append(f"{cid}: cached state without any review")
    finally:
        conn.close()
    return Check(new, problems), last_rowid


DRILL_ARGS = ["drill", "--new", "1000"]
MOCK_ARGS = ["mock", "--count", str(GRADES_PER_RUN)]


@dataclass
class Totals:
    kills: int = 0
    kills_after_ack: int = 0  # killed while grading, not before the first card
    sigint: int = 0
    finished: int = 0
    acked: int = 0
    committed: int = 0
    committed_unacked: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


def check_mock_db(db: Path, after_rowid: int, acks: list[tuple[str, int]]) -> tuple[Check, int]:
    """As check_db, plus: a mock grade and its answer row landed together or not at all."""
    result, last = check_db(db, after_rowid, acks)
    if not db.exists():
        return result, last
    conn = sqlite3.connect(str(db))
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'mock_answers'").fetchone():
            return result, last
        orphan_reviews = conn.execute(
            "SELECT r.uuid FROM reviews r LEFT JOIN mock_answers a ON a.review_uuid = r.uuid "
            "WHERE r.source = 'mock' AND a.review_uuid IS NULL"
        ).fetchall()
        orphan_answers = conn.execute(
            "SELECT a.session_id, a.position FROM mock_answers a "
            "LEFT JOIN reviews r ON r.uuid = a.review_uuid "
            "WHERE a.skipped = 0 AND (a.review_uuid IS NULL OR r.uuid IS NULL "
            "OR r.rating != a.rating)"
        ).fetchall()
    finally:
        conn.close()
    if orphan_reviews:
        result.problems.append(f"mock reviews without their answer row: {orphan_reviews[:3]}")
    if orphan_answers:
        result.problems.append(f"graded mock answers without their review: {orphan_answers[:3]}")
    return result, last


def harness(
    ws: Path, kills: int, seed: int, args: list[str], make_script, ack: re.Pattern[str] = ACK,
    check=check_db, log=None,
) -> Totals:  # fmt: skip
    """Run children until `kills` of them were killed; check the database after each run."""
    rng = random.Random(seed)
    db = ws / ".prep" / "prep.db"
    totals = Totals()
    started = time.monotonic()
    last_rowid = 0
    if db.exists():
        with sqlite3.connect(str(db)) as c:
            last_rowid = c.execute("SELECT COALESCE(MAX(rowid), 0) FROM reviews").fetchone()[0]
    runs = 0
    while totals.kills < kills:
        runs += 1
        if runs > kills * 3 + 10:
            totals.failures.append("children keep finishing before they can be killed")
            break
        run = run_once(["-w", str(ws), *args], make_script(rng), rng, ack)
        if run.killed:
            totals.kills += 1
            totals.sigint += run.signal == "SIGINT"
            totals.kills_after_ack += bool(run.acks)
        else:
            totals.finished += 1
        if "Traceback" in run.stderr:
            totals.failures.append(f"run {runs}: traceback: {run.stderr[-800:]}")
        if not run.killed and run.returncode != 0:
            totals.failures.append(f"run {runs}: exit {run.returncode}: {run.stderr[-400:]}")
        result, last_rowid = check(db, last_rowid, run.acks)
        totals.acked += len(run.acks)
        totals.committed += len(result.new_reviews)
        totals.committed_unacked += len(result.new_reviews) - len(run.acks)
        for p in result.problems:
            totals.failures.append(f"run {runs} ({run.signal or 'finished'}): {p}")
        if log and totals.kills and run.killed and totals.kills % 20 == 0:
            log(
                f"  {totals.kills} kills, {totals.acked} acknowledged, {len(totals.failures)} failures"
            )
        if len(totals.failures) > 20:
            break
    totals.seconds = time.monotonic() - started
    return totals


def report(name: str, t: Totals) -> str:
    lost = sum("missing from the log" in f for f in t.failures)
    mismatched = sum("replay" in f for f in t.failures)
    bad = sum("integrity_check" in f for f in t.failures)
    return (
        f"{name}: {t.kills} kills ({t.sigint} SIGINT, rest SIGKILL; {t.kills_after_ack} after "
        f"the first acknowledgement), {t.finished} runs finished "
        f"first; {t.acked} grades acknowledged, {t.committed} committed "
        f"({t.committed_unacked} committed just before the kill, unacknowledged); "
        f"integrity failures {bad}, acknowledged grades lost {lost}, "
        f"states not equal to replay {mismatched}, other failures "
        f"{len(t.failures) - lost - mismatched - bad}; {t.seconds:.1f} s"
    )


def main(argv: list[str] | None = None) -> int:
    import tempfile

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kills", type=int, default=200)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--only", choices=("drill", "mock"), help="run one harness (default both)")
    opts = ap.parse_args(argv)
    failed = False
    print(f"seed {opts.seed}")
    with tempfile.TemporaryDirectory() as tmp:
        lines = []
        for name, args, script, ack, check, cards in (
            # a drill uses up new cards: enough that it never runs dry in 200 runs
            ("prep drill", DRILL_ARGS, drill_script, ACK, check_db, 8000),
            ("prep mock", MOCK_ARGS, mock_script, MOCK_ACK, check_mock_db, 300),
        ):
            if opts.only and name != f"prep {opts.only}":
                continue
            ws = make_workspace(Path(tmp) / name.replace(" ", "-"), cards)
            print(f"{name}: killing {opts.kills} times on {ws}")
            t = harness(ws, opts.kills, opts.seed, args, script, ack, check, log=print)
            lines.append(report(name, t))
            print(lines[-1])
            for f in t.failures[:10]:
                print("  FAIL", f)
            failed |= bool(t.failures)
    print("\n".join(["", "summary:", *lines]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
