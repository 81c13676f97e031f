"""prep side by side with Anki's own backend, on the same cards and the same history.

    python benchmarks/vs_anki.py                      # N = 1k and 10k, 1 warm-up + 5 runs
    python benchmarks/vs_anki.py --quick              # 1k and 10k, 3 runs, no warm-up
    python benchmarks/vs_anki.py --cards 10000 100000 --runs 3 --warmup 0 --heavy-runs 1
    python benchmarks/vs_anki.py --markdown           # only the tables (as the README shows them)
    python benchmarks/vs_anki.py --json > run.json    # one JSON document
    python benchmarks/vs_anki.py --table a.json b.json  # the tables of saved runs, side by side

On a 2-core machine shared with other work, `--quick` takes about 5 minutes
once the collections are built (building: about 30 s for 1k and 10k cards,
several minutes for 100k, most of it `prep log import`); the default, about
10 minutes. At 100k cards a run of `prep plan` or `prep stats` alone takes
minutes, so give it fewer runs.

Needs the `anki` package (Anki's Python library with its Rust backend), an
optional benchmark dependency: `pip install --group bench` from the
repository (or `pip install anki`). prep itself never imports it.

What it builds, for each N (cached, see below):

- a prep workspace with N cards in `decks/` (5,000 to a file, Korean
  questions with Markdown answers and keywords), `new_per_day: 20`,
  `max_reviews_per_day: 9999`, and a copy of it whose `prep.yaml` sets an
  interview date three weeks ahead;
- an Anki collection (`collection.anki2`) with the same N notes (Basic,
  front = question, back = answer) in the Default deck, the same daily
  limits, the v3 scheduler and FSRS turned on;
- the same 60 days of review history in both, ending yesterday: 60% of the
  cards introduced evenly over the 60 days, each then reviewed on a fixed
  ladder of gaps (1, 3, 7, 16, 35, 75 days) with seeded ratings (about 10%
  Again, each followed by a Good ten minutes later, 7% Hard, 5% Easy). prep
  takes it in through `prep log import` (its own path for reviews from
  elsewhere); Anki as rows of its `revlog` table, after which its deck
  options are saved with FSRS on and "reschedule cards" ticked, so each tool
  computes its own FSRS memory states and due dates from the same reviews.

Built collections are kept in `--cache` (default: prep-vs-anki under the
system's temporary folder), one folder per N, keyed by the day (the
history ends yesterday, and Anki reads the real clock), the format of this
benchmark, prep's schema version and the anki version; `--fresh` builds again.

What it measures, from one run in which the two tools alternate (for each
repetition, each measure runs prep's side and then Anki's):

- `prep status` (without and with an interview date) against an Anki cold
  process: `python -c` opening the collection, `col.sched.counts()`, closing;
- the first card of `prep drill` (without and with a date), run in a
  pseudo-terminal (100x30) as a person runs it: from the start until the
  card is on screen, then `q`; against an Anki cold process that opens the
  collection, takes its first queued card (`col.sched.getCard()`), renders
  its question and closes;
- CPU per grade: `prep drill` in the pseudo-terminal revealing and grading
  K cards Good (space, then 3, waiting for each screen as a person would),
  its CPU minus that of the first-card run above, divided by K: the whole
  cost of a grade as the drill does it (reading the next card, drawing the
  question, the revealed answer, the one-transaction write). Against Anki
  answering K queued cards Good in one process (`get_queued_cards`, the
  question and answer rendered, `build_answer`, `answer_card`, which commits
  each answer), timed with `time.process_time` around that loop, divided by
  K. Each grade run starts from a fresh copy of the built collection; before
  the first, prep grades one card on its copy (not counted) so that the
  day's automatic backup is not in the figure;
- `prep --help`, `prep deck list`, `prep plan`, `prep stats`, `prep
  cheatsheet` (Markdown to standard output), the first screen of `prep
  mock` (pseudo-terminal, until the question set is shown, then `q`), all
  with the interview date (plan needs one), against `python -c pass`;
- the first sync of the decks (`prep status` on a copy of the workspace
  without its database) and `Store.rebuild` (every card's state replayed
  from the log; timed inside a process that has opened the workspace), with
  the 100k/10k ratios when both are run.

Every command is the product itself, run as a child process; its CPU time is
user + system from `resource.getrusage(RUSAGE_CHILDREN)` around it, and wall
time is measured too. Ratios are of median CPU times; the targets are
checked on them. A first pass of every measure is a warm-up and is not
counted (`--warmup 0` to skip it). Use `nice -n 10` on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

FORMAT = 1  # bump when what is built changes
REPO = Path(__file__).resolve().parent.parent
DAYS = 60
STUDIED = 0.6
LADDER = (1, 3, 7, 16, 35, 75)
PER_FILE = 5000
NEW_PER_DAY = 20
REVIEWS_PER_DAY = 9999
COLS, ROWS = 100, 30

ANKI_STATUS = """
import sys
from anki.collection import Collection
col = Collection(sys.argv[1])
print(*col.sched.counts())
col.close()
"""

ANKI_FIRST = """
import sys
from anki.collection import Collection
col = Collection(sys.argv[1])
card = col.sched.getCard()
print(card.id, len(card.question()))
col.close()
"""

ANKI_GRADES = """
import sys, time
from anki.collection import Collection
from anki.cards import Card
from anki.scheduler.v3 import CardAnswer
col = Collection(sys.argv[1])
c0 = time.process_time()
for i in range(int(sys.argv[2])):
    cards = col.sched.get_queued_cards().cards
    if not cards:
        sys.exit(f"Anki had no card left after {i} grades: use fewer --grades")
    queued = cards[0]
    card = Card(col)
    card._load_from_backend_card(queued.card)
    card.start_timer()
    card.question()
    card.answer()
    col.sched.answer_card(
        col.sched.build_answer(card=card, states=queued.states, rating=CardAnswer.GOOD)
    )
print(time.process_time() - c0)
col.close()
"""

PREP_REBUILD = """
import json, sys, time
from prep import api
ws = api.open(sys.argv[1])
t0, c0 = time.perf_counter(), time.process_time()
ws.store.rebuild(ws.scheduler())
print(json.dumps({"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0}))
ws.close()
"""


# --- the shared history ----------------------------------------------------------------


def local_tz() -> Any:
    return datetime.now().astimezone().tzinfo


def history(n: int, today: date) -> list[tuple[int, float, int, int, int, int]]:
    """(card, epoch seconds, rating, duration ms, Anki revlog type, gap in days), by time.

    The gap is what the history's own ladder gave (negative seconds for a
    same-day step), kept only for Anki's revlog `ivl` column: both tools
    compute their own schedule from the ratings and times.
    """
    rng = random.Random(1729 + n)
    tz = local_tz()
    per_day = max(1, round(n * STUDIED / DAYS))
    step: dict[int, int] = {}
    due: dict[int, list[int]] = {}
    events: list[tuple[int, float, int, int, int, int]] = []
    next_new = 0
    for d in range(DAYS):
        day = today - timedelta(days=DAYS - d)
        todays = sorted(due.pop(d, []))
        fresh = list(range(next_new, min(n, next_new + per_day)))
        next_new += len(fresh)
        todays += fresh
        start = datetime(day.year, day.month, day.day, 9, 0, tzinfo=tz).timestamp()
        spacing = min(8.0, 12 * 3600 / max(1, len(todays)))
        for i, card in enumerate(todays):
            at = start + i * spacing
            new = card not in step
            roll = rng.random()
            rating = 1 if roll < 0.10 else 2 if roll < 0.17 else 4 if roll < 0.22 else 3
            k = step.get(card, 0)
            if rating == 1:
                k = max(0, k - 2)
                gap = 1
            elif rating == 2:
                gap = max(1, LADDER[k] // 2)
            elif rating == 3:
                gap = LADDER[k]
                k = min(k + 1, len(LADDER) - 1)
            else:
                gap = LADDER[min(k + 1, len(LADDER) - 1)]
                k = min(k + 2, len(LADDER) - 1)
            step[card] = k
            duration = rng.randint(4000, 25000)
            if rating == 1:  # a step ten minutes later, graded Good
                events.append((card, at, 1, duration, 0 if new else 1, -600))
                events.append((card, at + 600, 3, rng.randint(3000, 12000), 0 if new else 2, gap))
            else:
                events.append((card, at, rating, duration, 0 if new else 1, gap))
            if d + gap < DAYS:
                due.setdefault(d + gap, []).append(card)
    events.sort(key=lambda e: (e[1], e[0]))
    return events


def card_id(i: int) -> str:
    return f"card-{i:06d}"


def question(i: int) -> str:
    return f"질문 {i}번 — PostgreSQL 인덱스와 격리 수준의 관계를 설명해주세요 (사례 {i % 97})"


def answer(i: int) -> str:
    return (
        f"- 요점 {i}: B-tree는 범위 검색, GIN은 배열·JSONB 포함 검색\n"
        "- READ COMMITTED와 REPEATABLE READ에서 보이는 행이 다름\n"
        "- `EXPLAIN ANALYZE`로 실제 계획과 시간을 확인"
    )


# --- building ----------------------------------------------------------------------------


def study_day() -> date:
    """Today as both tools count it: a day starts at 04:00 local (prep's day_starts_at, Anki's rollover)."""
    return (datetime.now() - timedelta(hours=4)).date()


def schema_version() -> str:
    text = (REPO / "prep" / "store.py").read_text(encoding="utf-8")
    m = re.search(r"^SCHEMA_VERSION = (\d+)", text, re.M)
    return m.group(1) if m else "?"


def anki_version() -> str:
    from importlib.metadata import version

    return version("anki")


def cache_dir(base: Path, n: int, today: date) -> Path:
    key = f"n{n}-{today.isoformat()}-f{FORMAT}-s{schema_version()}-a{anki_version()}"
    return base / key


def interview_date(today: date) -> str:
    return (today + timedelta(days=21)).isoformat() + "T10:00:00"


def prep_yaml(with_date: str | None) -> str:
    text = (
        "candidate: {name: Bench}\n"
        "company: {name: Bench Corp, values: []}\n"
        f"settings: {{new_per_day: {NEW_PER_DAY}, max_reviews_per_day: {REVIEWS_PER_DAY}}}\n"
    )
    if with_date:
        text += f"interview: {{date: '{with_date}'}}\n"
    return text


def write_workspace(root: Path, n: int, with_date: str | None) -> None:
    (root / "decks").mkdir(parents=True)
    (root / "answers").mkdir()
    (root / "prep.yaml").write_text(prep_yaml(with_date), encoding="utf-8")
    for f, first in enumerate(range(0, n, PER_FILE)):
        lines = [f"deck: bank-{f:02d}", f"title: 문제 은행 {f}", "cards:"]
        for i in range(first, min(n, first + PER_FILE)):
            lines += [f"  - id: {card_id(i)}", f"    topic: 주제 {i % 12}", f"    q: {question(i)}"]
            lines += ["    a: |"] + [f"      {line}" for line in answer(i).splitlines()]
            lines += ["    keywords: [인덱스, 격리 수준, EXPLAIN]", "    tags: [db]"]
        (root / "decks" / f"bank-{f:02d}.yaml").write_text("\n".join(lines) + "\n", "utf-8")


def build_prep(folder: Path, n: int, events: list, today: date) -> float:
    ws = folder / "prep"
    write_workspace(ws, n, None)
    log = folder / "history.jsonl"
    with log.open("w", encoding="utf-8") as out:
        for j, (card, at, rating, dur, _kind, _gap) in enumerate(events):
            row = {
                "uuid": str(uuid.UUID(int=(n << 40) + j, version=4)),
                "card_id": card_id(card),
                "rating": rating,
                "reviewed_at": datetime.fromtimestamp(at, local_tz()).isoformat(),
                "duration_ms": dur,
                "source": "drill",
            }
            out.write(json.dumps(row) + "\n")
    t0 = time.perf_counter()
    r = subprocess.run(
        [*PREP, "-w", str(ws), "log", "import", str(log)], env=prep_env(ws), capture_output=True,
        text=True,
    )  # fmt: skip
    if r.returncode != 0:
        sys.exit(f"prep log import failed:\n{r.stdout}{r.stderr}")
    took = time.perf_counter() - t0
    dated = folder / "prep-date"
    shutil.copytree(ws, dated)
    (dated / "prep.yaml").write_text(prep_yaml(interview_date(today)), encoding="utf-8")
    return took


def build_anki(folder: Path, n: int, events: list, today: date) -> float:
    from anki.collection import AddNoteRequest, Collection
    from anki.decks import DeckId

    t0 = time.perf_counter()
    (folder / "anki").mkdir()
    col = Collection(str(folder / "anki" / "collection.anki2"))
    if not col.v3_scheduler():
        col.set_v3_scheduler(True)
    model = col.models.by_name("Basic")
    for first in range(0, n, 5000):
        reqs = []
        for i in range(first, min(n, first + 5000)):
            note = col.new_note(model)
            note["Front"] = question(i)
            note["Back"] = answer(i).replace("\n", "<br>")
            reqs.append(AddNoteRequest(note, DeckId(1)))
        col.add_notes(reqs)
    # Card i is the i-th note added (ids rise with the order of adding).
    cids = [
        r[0]
        for r in col.db.all("SELECT c.id FROM cards c JOIN notes n ON n.id = c.nid ORDER BY n.id")
    ]
    today_num = col.sched.today
    tz = local_tz()
    rows = []
    last: dict[int, tuple[int, int]] = {}
    reps: dict[int, int] = {}
    lapses: dict[int, int] = {}
    prev_ivl: dict[int, int] = {}
    used: set[int] = set()
    for card, at, rating, dur, kind, gap in events:
        rid = int(at * 1000)
        while rid in used:
            rid += 1
        used.add(rid)
        cid = cids[card]
        rows.append(
            (rid, cid, -1, rating, gap if gap > 0 else gap, prev_ivl.get(cid, 0), 0, dur, kind)
        )
        prev_ivl[cid] = gap
        day = datetime.fromtimestamp(at, tz).date()
        if gap > 0:
            last[cid] = (today_num - (today - day).days, gap)
        reps[cid] = reps.get(cid, 0) + 1
        if rating == 1 and kind == 1:
            lapses[cid] = lapses.get(cid, 0) + 1
    # In one transaction of the standard library's sqlite3 (Anki's executemany commits each row).
    path = str(folder / "anki" / "collection.anki2")
    col.close()
    import sqlite3

    db = sqlite3.connect(path)
    with db:
        db.executemany(
            "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.executemany(
            "UPDATE cards SET type = 2, queue = 2, ivl = ?, due = ?, reps = ?, lapses = ?, "
            "left = 0, factor = 2500 WHERE id = ?",
            [(gap, day + gap, reps[c], lapses.get(c, 0), c) for c, (day, gap) in last.items()],
        )
    db.close()
    col = Collection(path)
    # Deck options: the same limits, FSRS on, every card rescheduled from its reviews.
    upd = col.decks.get_deck_configs_for_update(DeckId(1))
    conf = upd.all_config[0].config
    conf.config.new_per_day = NEW_PER_DAY
    conf.config.reviews_per_day = REVIEWS_PER_DAY
    conf.config.desired_retention = 0.9
    from anki.deck_config_pb2 import UpdateDeckConfigsMode
    from anki.decks import UpdateDeckConfigs

    col.decks.update_deck_configs(
        UpdateDeckConfigs(
            target_deck_id=DeckId(1), configs=[conf], removed_config_ids=[],
            mode=UpdateDeckConfigsMode.UPDATE_DECK_CONFIGS_MODE_NORMAL,
            card_state_customizer=upd.card_state_customizer, limits=upd.current_deck.limits,
            new_cards_ignore_review_limit=upd.new_cards_ignore_review_limit, fsrs=True,
            apply_all_parent_limits=upd.apply_all_parent_limits, fsrs_reschedule=True,
            fsrs_health_check=False,
        )
    )  # fmt: skip
    with_memory = col.db.scalar("SELECT COUNT(*) FROM cards WHERE data LIKE '%\"s\":%'")
    col.close()
    if with_memory < len(last):
        sys.exit(f"Anki computed FSRS memory for {with_memory} of {len(last)} studied cards")
    return time.perf_counter() - t0


def build(base: Path, n: int, today: date, fresh: bool) -> Path:
    folder = cache_dir(base, n, today)
    done = folder / "built.json"
    if done.exists() and not fresh:
        return folder
    if base.exists():  # collections of other days or formats for this N are stale
        for old in base.glob(f"n{n}-*"):
            shutil.rmtree(old, ignore_errors=True)
    folder.mkdir(parents=True)
    events = history(n, today)
    print(f"building {n:,} cards, {len(events):,} reviews in {folder} ...", file=sys.stderr)
    info = {
        "cards": n, "reviews": len(events), "studied": len({e[0] for e in events}),
        "prep_log_import_s": round(build_prep(folder, n, events, today), 2),
        "anki_build_s": round(build_anki(folder, n, events, today), 2),
    }  # fmt: skip
    done.write_text(json.dumps(info), encoding="utf-8")
    print(f"  built: {info}", file=sys.stderr)
    return folder


# --- running -----------------------------------------------------------------------------

PREP = [sys.executable, "-m", "prep"]


def prep_env(ws: Path) -> dict[str, str]:
    env = dict(os.environ, PREP_WORKSPACE=str(ws), TERM="xterm-256color")
    for key in ("PREP_DB", "PREP_NOW", "PREP_LINE_MODE", "NO_COLOR", "PYTHONDONTWRITEBYTECODE"):
        env.pop(key, None)
    env.update(COLUMNS=str(COLS), LINES=str(ROWS))
    return env


def cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


class Sample:
    __slots__ = ("cpu", "wall", "out")

    def __init__(self, cpu: float, wall: float, out: str = ""):
        self.cpu, self.wall, self.out = cpu, wall, out


def run(cmd: list[str], env: dict[str, str], stdin: str | None = None) -> Sample:
    c0, t0 = cpu_children(), time.perf_counter()
    r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env)
    wall, cpu = time.perf_counter() - t0, cpu_children() - c0
    if r.returncode != 0:
        shown = " ".join("<script>" if "\n" in part else part for part in cmd)
        sys.exit(f"{shown} failed ({r.returncode}):\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
    return Sample(cpu, wall, r.stdout)


_ANSI = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]")


class Terminal:
    """A child process on a pseudo-terminal of COLS x ROWS, read until a pattern shows."""

    def __init__(self, cmd: list[str], env: dict[str, str]):
        import fcntl
        import struct
        import termios

        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.c0, self.t0 = cpu_children(), time.perf_counter()
        self.proc = subprocess.Popen(
            cmd, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        self.slave = slave  # kept open: its terminal mode tells when the child reads keys
        self.seen = b""
        self.matched = b""
        self.cmd = cmd

    def until(self, pattern: bytes, timeout: float = 180.0) -> float:
        """Read until `pattern` appears in the text since the last call; returns the wall time."""
        end = time.perf_counter() + timeout
        pat = re.compile(pattern, re.S)
        while time.perf_counter() < end:
            ready, _, _ = select.select([self.master], [], [], 0.5)
            if not ready:
                if self.proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(self.master, 1 << 16)
            except OSError:
                break
            if not data:
                break
            self.seen += data
            found = pat.search(_ANSI.sub(b"", self.seen))
            if found:
                self.matched = found.group(0)
                self.seen = b""
                return time.perf_counter() - self.t0
        self.kill()
        text = _ANSI.sub(b"", self.seen).decode("utf-8", "replace")[-1500:]
        sys.exit(f"{' '.join(self.cmd)}: {pattern!r} never showed; the screen ended with:\n{text}")

    def send(self, keys: bytes) -> None:
        """Type `keys` once the child reads single keys (cbreak: keys typed before are flushed)."""
        import termios

        end = time.perf_counter() + 60
        while termios.tcgetattr(self.slave)[3] & termios.ICANON:
            if time.perf_counter() > end or self.proc.poll() is not None:
                self.kill()
                sys.exit(f"{' '.join(self.cmd)} never read single keys")
            time.sleep(0.002)
        os.write(self.master, keys)

    def finish(self, timeout: float = 600.0) -> Sample:
        """Read to the end and wait; the process's CPU and wall time."""
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            ready, _, _ = select.select([self.master], [], [], 0.5)
            if ready:
                try:
                    if not os.read(self.master, 1 << 16):
                        break
                except OSError:
                    break
            elif self.proc.poll() is not None:
                break
        rc = self.proc.wait(timeout=max(1.0, end - time.perf_counter()))
        wall, cpu = time.perf_counter() - self.t0, cpu_children() - self.c0
        os.close(self.master)
        os.close(self.slave)
        if rc != 0:
            sys.exit(f"{' '.join(self.cmd)} exited {rc}")
        return Sample(cpu, wall)

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        os.close(self.master)
        os.close(self.slave)


def drill_first(ws: Path) -> Sample:
    term = Terminal([*PREP, "drill"], prep_env(ws))
    shown = term.until(rb"\[space/enter\] reveal")
    term.send(b"q")
    s = term.finish()
    return Sample(s.cpu, shown)  # wall: until the card is on screen


def drill_grades(ws: Path, k: int) -> Sample:
    term = Terminal([*PREP, "drill"], prep_env(ws))
    term.until(rb"\[space/enter\] reveal")
    for i in range(1, k + 1):
        term.send(b" ")
        term.until(rb"Again")
        term.send(b"3")
        term.until(rb"%d done .*\[space/enter\] reveal|Reviewed \d+" % i)
        if term.matched.startswith(b"Reviewed"):
            term.finish()
            sys.exit(f"the drill in {ws} ended after {i} of {k} grades: use fewer --grades")
    term.send(b"q")
    return term.finish()


def mock_first(ws: Path) -> Sample:
    term = Terminal([*PREP, "mock"], prep_env(ws))
    shown = term.until(rb"to start the clock")
    term.send(b"q")
    s = term.finish()
    return Sample(s.cpu, shown)


def restore(src_db: Path, dest_ws: Path) -> None:
    """Put the built database back into the scratch workspace (its backups stay)."""
    dest = dest_ws / ".prep"
    for suffix in ("-wal", "-shm"):
        (dest / f"prep.db{suffix}").unlink(missing_ok=True)
    shutil.copyfile(src_db, dest / "prep.db")


def restore_anki(src: Path, dest: Path) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest)


# --- one N -------------------------------------------------------------------------------


def measure(folder: Path, runs: int, warmup: int, grades: int, heavy_runs: int) -> dict:
    ws, wsd = folder / "prep", folder / "prep-date"
    col = folder / "anki" / "collection.anki2"
    scratch = folder / "scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    grade_ws = scratch / "prep"
    shutil.copytree(ws, grade_ws)
    anki_scratch = scratch / "anki"
    py = [sys.executable]
    env = prep_env(ws)
    envd = prep_env(wsd)
    aenv = dict(os.environ)

    def anki_grades() -> Sample:
        restore_anki(folder / "anki", anki_scratch)
        s = run([*py, "-c", ANKI_GRADES, str(anki_scratch / "collection.anki2"), str(grades)], aenv)
        s.out = s.out.split()[0]  # the CPU seconds of the answering loop itself
        return s

    def prep_grades() -> Sample:
        restore(ws / ".prep" / "prep.db", grade_ws)
        return drill_grades(grade_ws, grades)

    # name -> callable; the order is the order of one repetition (prep, then Anki, per pair).
    measures: dict[str, Callable[[], Sample]] = {
        "python -c pass": lambda: run([*py, "-c", "pass"], env),
        "prep status": lambda: run([*PREP, "status"], env),
        "prep status, with a date": lambda: run([*PREP, "status"], envd),
        "anki status": lambda: run([*py, "-c", ANKI_STATUS, str(col)], aenv),
        "prep drill, first card": lambda: drill_first(ws),
        "prep drill, first card, with a date": lambda: drill_first(wsd),
        "anki first card": lambda: run([*py, "-c", ANKI_FIRST, str(col)], aenv),
        "prep drill, grades": prep_grades,
        "anki grades": anki_grades,
        "prep --help": lambda: run([*PREP, "--help"], envd),
        "prep deck list": lambda: run([*PREP, "deck", "list"], envd),
        "prep plan": lambda: run([*PREP, "plan"], envd),
        "prep stats": lambda: run([*PREP, "stats"], envd),
        "prep cheatsheet": lambda: run([*PREP, "cheatsheet"], envd),
        "prep mock, first screen": lambda: mock_first(wsd),
    }
    # The day's automatic backup of the scratch copy, taken by a first grade (not counted).
    restore(ws / ".prep" / "prep.db", grade_ws)
    drill_grades(grade_ws, 1)
    samples: dict[str, list[Sample]] = {name: [] for name in measures}
    for rep in range(warmup + runs):
        for name, fn in measures.items():
            s = fn()
            if rep >= warmup:
                samples[name].append(s)
        print(f"  run {rep + 1}/{warmup + runs} done", file=sys.stderr)

    # First sync and rebuild: fewer runs, they are the slow ones.
    sync, rebuild = [], []
    for _ in range(heavy_runs):
        fresh = scratch / "sync"
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir()
        shutil.copytree(ws / "decks", fresh / "decks")
        (fresh / "answers").mkdir()
        shutil.copyfile(ws / "prep.yaml", fresh / "prep.yaml")
        sync.append(run([*PREP, "status"], prep_env(fresh)))
        restore(ws / ".prep" / "prep.db", grade_ws)
        r = subprocess.run([*py, "-c", PREP_REBUILD, str(grade_ws)], capture_output=True,
                           text=True, env=prep_env(grade_ws))  # fmt: skip
        if r.returncode != 0:
            sys.exit(f"Store.rebuild failed:\n{r.stderr[-2000:]}")
        inner = json.loads(r.stdout.strip().splitlines()[-1])
        rebuild.append(Sample(inner["cpu"], inner["wall"]))
    samples["first sync"] = sync
    samples["Store.rebuild"] = rebuild
    shutil.rmtree(scratch, ignore_errors=True)
    med = {
        name: {
            "cpu_ms": round(statistics.median(s.cpu for s in v) * 1000, 1),
            "wall_ms": round(statistics.median(s.wall for s in v) * 1000, 1),
            "runs": len(v),
        }
        for name, v in samples.items()
        if v
    }
    per = (med["prep drill, grades"]["cpu_ms"] - med["prep drill, first card"]["cpu_ms"]) / grades
    med["prep drill, per grade"] = {"cpu_ms": round(per, 2), "wall_ms": None, "runs": runs}
    loop = statistics.median(float(s.out) for s in samples["anki grades"]) * 1000 / grades
    med["anki per grade"] = {"cpu_ms": round(loop, 2), "wall_ms": None, "runs": runs}
    med["counts"] = {
        "prep": json.loads(run([*PREP, "status", "--json"], env).out),
        "prep with a date": json.loads(run([*PREP, "status", "--json"], envd).out),
        "anki (new, learning, review)": [int(x) for x in samples["anki status"][0].out.split()],
    }
    return med


# --- the table ---------------------------------------------------------------------------

# (label, prep measure, reference measure, target on the ratio, N it applies to or None = all)
COMPARED = [
    ("`prep status`", "prep status", "anki status", 0.5, None),
    ("`prep status`, interview date", "prep status, with a date", "anki status", 0.5, None),
    ("first drill card", "prep drill, first card", "anki first card", 0.5, None),
    ("first drill card, interview date", "prep drill, first card, with a date",
     "anki first card", 0.5, None),
    ("CPU per grade", "prep drill, per grade", "anki per grade", 1.0, None),
]  # fmt: skip
AGAINST_PYTHON = [
    ("`prep status`, interview date", "prep status, with a date", {100_000: 3.0}),
    ("first drill card", "prep drill, first card", {None: 8.0}),
    ("first drill card, interview date", "prep drill, first card, with a date", {None: 8.0}),
    ("`prep --help`", "prep --help", {}),
    ("`prep deck list`", "prep deck list", {}),
    ("`prep plan`", "prep plan", {10_000: 10.0}),
    ("`prep stats`", "prep stats", {10_000: 10.0}),
    ("`prep cheatsheet` (Markdown)", "prep cheatsheet", {10_000: 10.0}),
    ("first `prep mock` screen", "prep mock, first screen", {}),
]
ONE_SECOND_AT_100K = ("prep plan", "prep stats", "prep cheatsheet")


def fmt_ms(ms: float | None) -> str:
    if ms is None:
        return ""
    return f"{ms / 1000:.2f} s" if ms >= 10_000 else f"{ms:,.0f}" if ms >= 100 else f"{ms:.1f}"


def verdict(ok: bool | None) -> str:
    return "" if ok is None else ("met" if ok else "**missed**")


def tables(
    results: dict[int, dict], grades: int, runs: list[dict[int, dict]] | None = None
) -> list[str]:
    ns = sorted(results)
    head = "| measure | " + " | ".join(f"{n // 1000}k" for n in ns) + " |"
    sep = "|---|" + "---:|" * len(ns)
    out = ["CPU ms, median: prep / Anki = ratio (target)", "", head, sep]
    for label, mine, theirs, target, _ in COMPARED:
        cells = []
        for n in ns:
            r = results[n]
            a, b = r[mine]["cpu_ms"], r[theirs]["cpu_ms"]
            ratio = a / b if b > 0 else float("inf")
            cells.append(f"{fmt_ms(a)} / {fmt_ms(b)} = {ratio:.2f}× {verdict(ratio <= target)}")
        out.append(f"| {label} (≤ {target}×) | " + " | ".join(cells) + " |")
    out += ["", "CPU ms, median: prep / `python -c pass` = ratio (target)", "", head, sep]
    for label, mine, targets in AGAINST_PYTHON:
        cells = []
        for n in ns:
            r = results[n]
            a, b = r[mine]["cpu_ms"], r["python -c pass"]["cpu_ms"]
            ratio = a / b
            target = targets.get(n, targets.get(None))
            text = f"{fmt_ms(a)} = {ratio:.1f}×"
            if target is not None:
                text += f" (≤ {target:g}×) {verdict(ratio <= target)}"
            if n == 100_000 and mine in ONE_SECOND_AT_100K:
                text += f" (≤ 1 s) {verdict(a <= 1000)}"
            cells.append(text)
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    row = "| `python -c pass` | " + " | ".join(
        fmt_ms(results[n]["python -c pass"]["cpu_ms"]) for n in ns
    ) + " |"  # fmt: skip
    out.append(row)
    out += ["", "Seconds (CPU / wall), median", "", head, sep]
    for name, label in (
        ("first sync", "first sync of the decks"),
        ("Store.rebuild", "`Store.rebuild`"),
    ):
        cells = []
        for n in ns:
            r = results[n][name]
            text = f"{r['cpu_ms'] / 1000:.2f} / {r['wall_ms'] / 1000:.2f}"
            if name == "first sync" and n == 100_000:
                text += f" (< 60 s) {verdict(r['cpu_ms'] < 60_000)}"
            cells.append(text)
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    for one in runs or [results]:  # the ratios within one run only
        if 10_000 in one and 100_000 in one:
            out.append("")
            for name in ("first sync", "Store.rebuild"):
                big, small = one[100_000][name], one[10_000][name]
                ratio = big["cpu_ms"] / small["cpu_ms"]
                out.append(
                    f"- {name}, 100k / 10k: {big['cpu_ms'] / 1000:.2f} / "
                    f"{small['cpu_ms'] / 1000:.2f} s = {ratio:.1f} (≤ 12) {verdict(ratio <= 12)}"
                )
    wall = ["", "Wall ms, median (first card and mock: until on screen)", "", head, sep]
    for name in ("prep status", "prep status, with a date", "anki status", "prep drill, first card",
                 "prep drill, first card, with a date", "anki first card", "prep plan",
                 "prep stats", "prep cheatsheet", "prep mock, first screen", "python -c pass"):  # fmt: skip
        wall.append(
            f"| {name} | " + " | ".join(fmt_ms(results[n][name]["wall_ms"]) for n in ns) + " |"
        )
    out += wall
    out += [
        "",
        f"CPU per grade: prep, (a drill grading {grades} cards − the first-card run) / "
        f"{grades}; Anki, its answering loop over {grades} cards / {grades}.",
    ]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--cards", type=int, nargs="+", default=[1000, 10_000], metavar="N",
                    help="collection sizes (default: 1000 10000; 100000 takes long)")  # fmt: skip
    ap.add_argument("--runs", type=int, default=5, help="counted runs of each measure (default 5)")
    ap.add_argument("--warmup", type=int, default=1, help="uncounted first runs (default 1)")
    ap.add_argument(
        "--grades", type=int, default=20, help="cards graded per grade run (default 20)"
    )
    ap.add_argument("--heavy-runs", type=int, default=None,
                    help="runs of first sync and rebuild (default: 3 up to 10k cards, 1 above)")  # fmt: skip
    ap.add_argument("--quick", action="store_true", help="1k and 10k, 3 runs, no warm-up")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "prep-vs-anki")
    ap.add_argument("--fresh", action="store_true", help="build the collections again")
    ap.add_argument("--json", action="store_true", help="print one JSON document")
    ap.add_argument("--markdown", action="store_true", help="print only the Markdown tables")
    ap.add_argument("--table", type=Path, nargs="+", metavar="JSON",
                    help="print the tables of documents --json wrote, sizes merged; runs nothing")  # fmt: skip
    args = ap.parse_args()
    if args.table:
        report([json.loads(p.read_text(encoding="utf-8")) for p in args.table], args.markdown)
        return
    if args.quick:
        args.cards, args.runs, args.warmup = [1000, 10_000], 3, 0
    try:
        import anki  # noqa: F401
    except ImportError:
        sys.exit(
            "This benchmark needs Anki's library: pip install --group bench (or pip install anki)"
        )
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "prep")], env=env,
                   capture_output=True, check=False)  # fmt: skip
    today = study_day()
    results: dict[int, dict] = {}
    info: dict[int, Any] = {}
    for n in args.cards:
        folder = build(args.cache, n, today, args.fresh)
        info[n] = json.loads((folder / "built.json").read_text(encoding="utf-8"))
        heavy = args.heavy_runs if args.heavy_runs is not None else (3 if n <= 10_000 else 1)
        print(f"measuring {n:,} cards ...", file=sys.stderr)
        results[n] = measure(folder, args.runs, args.warmup, args.grades, heavy)
    doc = {"runs": args.runs, "grades": args.grades, "anki": anki_version(), "built": info,
           "results": results}  # fmt: skip
    if args.json:
        print(json.dumps(doc, indent=2))
        return
    report([doc], args.markdown)


def report(docs: list[dict], markdown: bool) -> None:
    """Print the tables of one or more documents (`--json`), their sizes side by side."""
    results: dict[int, dict] = {}
    info: dict[int, Any] = {}
    runs = []
    for doc in docs:  # a size in two documents: the first one's figures are shown
        one = {int(n): r for n, r in doc["results"].items()}
        runs.append(one)
        results.update({n: r for n, r in one.items() if n not in results})
        info.update({int(n): i for n, i in doc["built"].items() if int(n) not in info})
    grades = docs[0]["grades"]
    if not markdown:
        counted = sorted({doc["runs"] for doc in docs})
        print(f"prep vs Anki {docs[0]['anki']} (FSRS on), {'/'.join(map(str, counted))} runs, "
              f"{os.cpu_count()} CPUs")  # fmt: skip
        for n in sorted(info):
            i, c = info[n], results[n]["counts"]
            p, d, a = c["prep"], c["prep with a date"], c["anki (new, learning, review)"]
            print(f"  {n:,} cards: {i['studied']:,} studied, {i['reviews']:,} reviews over {DAYS} "
                  f"days; today prep {p['due']} due + {p['new']} new ({d['due']} + {d['new']} "
                  f"with the date), Anki {a[2]} review + {a[1]} learning + {a[0]} new")  # fmt: skip
        print()
    print("\n".join(tables(results, grades, runs)))


if __name__ == "__main__":
    main()
