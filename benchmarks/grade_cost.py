"""What one grade costs: CPU time per grade through the drill screen, and the fsync.

    python benchmarks/grade_cost.py [--cards 1000 10000] [--grades 200] [--profile FILE]

Builds a workspace of N cards (the bundled example's questions, Markdown
answers, keywords and STAR stories, repeated) and drives the drill's real
terminal loop, `prep.ui.drill.run`, with a scripted key source: for each card
space (reveal), then a grade (mostly Good, some Again, Hard and Easy), drawn
on a 100x30 terminal through the console `prep drill` prints with (its output
goes to /dev/null). It prints the CPU time per grade:

- screen: the whole loop: the session's queue, the grade's transaction, FSRS,
  and drawing the card before and after the reveal;
- no screen: the same keys through `DrillSession` alone (next, reveal, the
  four intervals, grade): what a grade costs below the screen.

Then the wall time of one grade's transaction (`Store.grade`) with
`PRAGMA synchronous = NORMAL` and `FULL` (the setting prep uses), in the
workspace's folder, so the figure includes this disk's fsync.

`--profile FILE` writes a cProfile of the screen loop at the first N.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WIDTH, HEIGHT = 100, 30
T0 = datetime(2027, 1, 4, 9, 0, tzinfo=timezone.utc)


def scalar(value: object) -> str:
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a YAML scalar


def build(root: Path, n: int) -> Path:
    """The example workspace with `n` cards made from its own, in decks of 2,000."""
    import yaml

    shutil.copytree(ROOT / "prep" / "example", root)
    cards = []
    for deck in sorted((root / "decks").glob("*.yaml")):
        cards += yaml.safe_load(deck.read_text(encoding="utf-8"))["cards"]
        deck.unlink()
    per_file = 2000  # a deck file stays under the 8 MiB limit
    for start in range(0, n, per_file):
        lines = [f"deck: big-{start // per_file}", "cards:"]
        for i in range(start, min(n, start + per_file)):
            c = cards[i % len(cards)]
            lines += [
                f"  - id: card-{i:06d}",
                f"    kind: {c.get('kind', 'technical')}",
                f"    topic: {scalar(c.get('topic', 'misc'))}",
                f"    q: {scalar(str(c['q']) + f' ({i})')}",
            ]
            if c.get("a"):
                lines.append("    a: |")
                lines += [f"      {line}" for line in str(c["a"]).rstrip().split("\n")]
            if c.get("keywords"):
                lines.append(f"    keywords: [{', '.join(scalar(k) for k in c['keywords'])}]")
            if c.get("story"):
                lines.append(f"    story: {c['story']}")
        deck = root / "decks" / f"big-{start // per_file}.yaml"
        deck.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


class ScriptedKeys:
    """A terminal's keys, one per read, from a list; the fake clock moves with them."""

    tty = True

    def __init__(self, clock, keys: list[str], seconds_per_key: float = 6.0):
        self.clock = clock
        self.keys = list(reversed(keys))
        self.step = seconds_per_key

    @contextmanager
    def active(self) -> Iterator[ScriptedKeys]:
        yield self

    @contextmanager
    def paused(self) -> Iterator[None]:
        yield

    def read(self, timeout: float | None = None) -> str | None:
        if not self.keys:
            return None
        self.clock.advance(self.step)
        return self.keys.pop()


def ratings(count: int, seed: int = 1) -> list[int]:
    rng = random.Random(seed)
    return rng.choices((1, 2, 3, 4), weights=(1, 1, 6, 2), k=count)


def open_ws(root: Path, clock):
    from prep.cli.common import scheduler_for
    from prep.store import Store
    from prep.sync import sync
    from prep.workspace import find

    ws = find(str(root))
    store = Store(ws.db_path)
    sync(store, ws, clock)
    return ws, store, scheduler_for(store)


def screen_console():
    """The console `prep drill` prints with, as a 100x30 terminal writing to /dev/null."""
    from prep.cli.common import console

    con = console()
    con.file = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - closed by the caller
    con._force_terminal = True
    con.size = (WIDTH, HEIGHT)
    return con


def session_for(store, scheduler, clock, grades: int):
    from prep.drill import DrillSession

    return DrillSession(store=store, scheduler=scheduler, clock=clock, new_limit=grades + 50)


def run_screen(root: Path, clock, grades: int, profile: str | None = None) -> tuple[float, int]:
    """CPU seconds for `grades` grades through the drill screen, and the grades made."""
    from prep.cli.drill import _story_renderer
    from prep.ui.drill import run

    ws, store, scheduler = open_ws(root, clock)
    con = screen_console()
    story_for = _story_renderer(ws, store)
    # Warm up: the day's first write (its backup), the imports of the first reveal.
    warm = session_for(store, scheduler, clock, 3)
    run(warm, con, story_for, reader=ScriptedKeys(clock, [" ", "3"] * 3))
    keys = [k for r in ratings(grades) for k in (" ", str(r))]
    session = session_for(store, scheduler, clock, grades)
    reader = ScriptedKeys(clock, keys)
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    t0 = time.process_time()
    run(session, con, story_for, reader=reader)
    cpu = time.process_time() - t0
    if prof is not None:
        prof.disable()
        prof.dump_stats(profile)
    done = session.summary.reviewed
    con.file.close()
    store.conn.close()
    return cpu, done


class ScriptedLines(ScriptedKeys):
    """Lines from a pipe: an empty line reveals, a digit grades."""

    tty = False


def run_pipe(root: Path, clock, grades: int) -> tuple[float, int]:
    """CPU seconds for `grades` grades through the drill over a pipe (lines in, lines out)."""
    from prep.cli.common import console
    from prep.cli.drill import _story_renderer
    from prep.ui.drill import run

    ws, store, scheduler = open_ws(root, clock)
    con = console()
    con.file = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    con.size = (WIDTH, HEIGHT)
    story_for = _story_renderer(ws, store)
    warm = session_for(store, scheduler, clock, 3)
    run(warm, con, story_for, reader=ScriptedLines(clock, ["", "3"] * 3))
    session = session_for(store, scheduler, clock, grades)
    reader = ScriptedLines(clock, [k for r in ratings(grades) for k in ("", str(r))])
    t0 = time.process_time()
    run(session, con, story_for, reader=reader)
    cpu = time.process_time() - t0
    con.file.close()
    store.conn.close()
    return cpu, session.summary.reviewed


def run_session(root: Path, clock, grades: int) -> tuple[float, int]:
    """CPU seconds for the same grades through DrillSession alone (no screen)."""
    ws, store, scheduler = open_ws(root, clock)
    warm = session_for(store, scheduler, clock, 1)
    if warm.next() is not None:
        warm.reveal()
        warm.grade(3)
    session = session_for(store, scheduler, clock, grades)
    done = 0
    t0 = time.process_time()
    for rating in ratings(grades):
        shown = session.next()
        if shown is None:
            break
        clock.advance(6)
        session.reveal()
        session.previews(shown)
        clock.advance(6)
        session.grade(rating)
        done += 1
    cpu = time.process_time() - t0
    store.conn.close()
    return cpu, done


def commit_ms(root: Path, clock, mode: str, grades: int) -> list[float]:
    """Wall milliseconds of each `Store.grade` with the given synchronous mode."""
    ws, store, scheduler = open_ws(root, clock)
    store.conn.execute(f"PRAGMA synchronous = {mode}")
    ids = [
        r[0] for r in store.conn.execute("SELECT id FROM cards WHERE active = 1 LIMIT ?", (grades,))
    ]
    store.grade(scheduler, ids[0], 3, clock.now())  # the day's first write: its backup
    out = []
    for card_id in ids[1:]:
        clock.advance(5)
        t0 = time.perf_counter()
        store.grade(scheduler, card_id, 3, clock.now())
        out.append((time.perf_counter() - t0) * 1000)
    store.conn.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--cards", type=int, nargs="+", default=[1000, 10_000])
    ap.add_argument("--grades", type=int, default=200)
    ap.add_argument("--commits", type=int, default=100, help="grades per synchronous mode")
    ap.add_argument("--profile", metavar="FILE", help="cProfile of the screen loop (first N)")
    ap.add_argument("--commits-only", action="store_true", help="only the synchronous figures")
    args = ap.parse_args()
    from prep.clock import FakeClock

    os.environ.setdefault("TZ", "UTC")
    with tempfile.TemporaryDirectory(dir=os.environ.get("PREP_BENCH_DIR")) as tmp:
        first = build(Path(tmp) / "first", args.cards[0])
        if not args.commits_only:
            print(f"CPU per grade, {args.grades} grades, {WIDTH}x{HEIGHT} screen (ms)")
            print(f"{'cards':>8} {'screen':>8} {'pipe':>8} {'no screen':>10} {'drawing':>8}")
        for n in [] if args.commits_only else args.cards:
            src = build(Path(tmp) / f"ws{n}", n)
            a, b, c = (Path(tmp) / f"{x}{n}" for x in "abc")
            for copy in (a, b, c):
                shutil.copytree(src, copy)
            profile = args.profile if n == args.cards[0] else None
            cpu_s, done_s = run_screen(a, FakeClock(T0), args.grades, profile)
            cpu_p, done_p = run_pipe(c, FakeClock(T0), args.grades)
            cpu_n, done_n = run_session(b, FakeClock(T0), args.grades)
            per_s, per_n = cpu_s / max(1, done_s) * 1000, cpu_n / max(1, done_n) * 1000
            per_p = cpu_p / max(1, done_p) * 1000
            print(
                f"{n:>8} {per_s:>8.2f} {per_p:>8.2f} {per_n:>10.2f} {per_s - per_n:>8.2f}"
                f"   ({done_s}, {done_p} and {done_n} graded)"
            )
            for copy in (a, b, c):
                shutil.rmtree(copy)
        print(
            f"\nOne grade's transaction (Store.grade), wall ms, {args.commits} grades each"
            f" ({args.cards[0]} cards, in {Path(tmp).parent}):"
        )
        runs: dict[str, list[float]] = {"NORMAL": [], "FULL": []}
        rounds = 10
        for mode in ("NORMAL", "FULL") * rounds:  # alternating: both see the disk as it is
            c = Path(tmp) / mode
            if not c.exists():
                shutil.copytree(first, c)
            clock = FakeClock(T0 + timedelta(hours=len(runs[mode])))  # after the last round
            runs[mode] += commit_ms(c, clock, mode, args.commits // rounds + 1)
        for mode, ms in runs.items():
            ms.sort()
            print(
                f"  synchronous={mode:<6}  median {statistics.median(ms):6.2f}"
                f"  p90 {ms[int(len(ms) * 0.9)]:6.2f}  max {ms[-1]:6.2f}"
            )


if __name__ == "__main__":
    main()
