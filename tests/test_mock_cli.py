"""`prep mock` as a person uses it: the screen, keys, line mode, history, and a killed process."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import pytest
from conftest import T0
from rich.console import Console

from prep import workspace
from prep.clock import FakeClock, iso
from prep.mock import DONE, HINT, PAUSE, Answer, MockInterview, Question, Summary, limit_for
from prep.schedule import Scheduler
from prep.store import Store
from prep.sync import sync
from prep.ui.mock import MockScreen, screen, summary_view

NOW = {"PREP_NOW": iso(T0)}


def text_of(renderable: object, width: int = 100) -> str:
    con = Console(file=StringIO(), width=width, record=True, color_system=None)
    con.print(renderable)
    return con.export_text()


@pytest.fixture
def store(ws: Path) -> Iterator[Store]:
    w = workspace.find(str(ws), None)
    s = Store(w.db_path)
    sync(s, w)
    yield s
    s.close()


def make(store: Store, clock: FakeClock, *ids: str, limit: int | None = None) -> MockInterview:
    qs = []
    for i, cid in enumerate(ids, 1):
        card = store.card(cid)
        assert card is not None
        qs.append(Question(i, card, limit_for(card, limit)))
    return MockInterview(store, Scheduler(0.9, fuzz=False), clock, qs, {"seed": 0})


# --- the live screen, frame by frame ---------------------------------------------------
def test_screen_counts_down_turns_yellow_then_red_and_counts_overtime(store) -> None:
    clock = FakeClock(T0)
    iv = make(store, clock, "fastapi-async-caveats", limit=60)
    iv.start()
    first = text_of(screen(iv))
    assert "prep mock  1/1" in first and "01:00" in first and "of 01:00" in first
    assert "FastAPI에서 비동기(async/await) 처리 시 주의할 점은 무엇인가요?" in first
    assert "last 30 s" not in first and "[enter/space] done" in first
    clock.advance(10)
    assert " 00:50 " in text_of(screen(iv))
    clock.advance(25)
    assert "last 30 s" in text_of(screen(iv))
    clock.advance(30)
    late = text_of(screen(iv))
    assert "+00:05" in late and "OVER TIME" in late
    iv.handle(PAUSE)
    assert "PAUSED" in text_of(screen(iv))
    iv.handle(PAUSE)
    iv.handle(HINT)
    hinted = text_of(screen(iv))
    assert "hint ×1" in hinted and "run_in_threadpool" in hinted
    iv.handle(DONE)
    assert "answered in 01:05 of 01:00 (+00:05 over)" in text_of(screen(iv))


def test_star_bar_on_behavioral_cards_names_the_segment(store) -> None:
    clock = FakeClock(T0)
    iv = make(store, clock, "team-conflict", "fastapi-async-caveats", limit=100)
    iv.start()
    assert "now: Situation · Task at 01:20" in text_of(screen(iv))
    clock.advance(50)
    assert "now: Action · Result at 00:10" in text_of(screen(iv))
    clock.advance(55)
    assert "wrap up" in text_of(screen(iv))
    iv.handle(DONE)
    iv.grade(3)
    assert "now:" not in text_of(screen(iv))  # technical: no STAR bar


@pytest.mark.parametrize("width", [30, 36, 40, 80, 120])
def test_clock_and_star_bars_fit_the_terminal_width(store, width: int) -> None:
    clock = FakeClock(T0)
    iv = make(store, clock, "team-conflict", limit=100)
    iv.start()
    clock.advance(5)
    iv.handle(PAUSE)
    lines = text_of(screen(iv), width).splitlines()
    assert all(len(line.rstrip()) <= width for line in lines)
    time_bar = [line for line in lines if "█" in line or "░" in line]
    star_bar = [line for line in lines if "▮" in line or "▯" in line]
    assert len(time_bar) == 1 and len(star_bar) == 1  # not wrapped onto a second line
    assert len(time_bar[0].strip()) == min(40, width - 2)
    assert [c for c in star_bar[0].split("now:")[0] if c in "STAR"] == ["S", "T", "A", "R"]
    assert any("now: Situation · Task at 01:20" in line for line in lines)
    assert any("‖ PAUSED (p resumes)" in line for line in lines)
    assert any(line.startswith("[enter/space] done") for line in lines)


def test_summary_totals_add_up_the_rows_shown(store) -> None:
    card = store.card("fastapi-async-caveats")
    assert card is not None
    answers = [  # 3.9 s and 4.9 s over: the rows say +0:03 and +0:04
        Answer(1, card, limit_s=60, used_ms=63_900, rating=3),
        Answer(2, card, limit_s=60, used_ms=64_900, rating=3),
    ]
    out = text_of(summary_view(Summary(answers, planned=2, ended_early=False)))
    assert "+0:03" in out and "+0:04" in out
    assert "1:03/1:00" in out and "1:04/1:00" in out
    assert "time 2:07 of 2:00 · over 0:07" in out


class ScriptedKeys:
    """A terminal's keys: strings are key presses, numbers are seconds passing between them."""

    tty = True

    def __init__(self, clock: FakeClock, script: list[object]):
        self.clock = clock
        self.script = list(script)
        self.timeouts: list[float | None] = []

    @contextmanager
    def active(self) -> Iterator[ScriptedKeys]:
        yield self

    def read(self, timeout: float | None = None) -> str | None:
        self.timeouts.append(timeout)
        if not self.script:
            return None
        item = self.script.pop(0)
        if isinstance(item, (int, float)):
            self.clock.advance(item)
            return ""
        assert isinstance(item, str)
        return item


def test_keys_drive_the_interview_without_enter(store) -> None:
    clock = FakeClock(T0)
    iv = make(store, clock, "fastapi-async-caveats", "team-conflict", "cicd-rollback", limit=60)
    keys = ScriptedKeys(
        clock,
        [" ", 20, "p", 30, "p", 5, "h", 10, "\n",  # answer 1: 35 s, one hint
         "1", "2", "\n", "3",  # keywords 1 and 2 ticked, then Good: single keys, no Enter
         "x",  # the next question
         "n",  # answer 2 skipped at once; then the next question comes up
         40, "q"],  # answer 3 cut off by q
    )  # fmt: skip
    out = StringIO()
    con = Console(file=out, width=100, color_system=None)
    ms = MockScreen(iv, con, lambda card: "MODEL ANSWER", reader=keys)  # type: ignore[arg-type]
    summary = ms.run()
    assert summary.answers[0].covered == [1, 2]
    text = out.getvalue()
    assert summary.ended_early
    assert [(a.card.id, a.used_ms, a.hints, a.rating, a.skipped) for a in summary.answers] == [
        ("fastapi-async-caveats", 35_000, 1, 3, False),
        ("team-conflict", 0, 0, None, True),
    ]
    assert "MODEL ANSWER" in text and "✓ saved 1/3 fastapi-async-caveats: Good" in text
    assert "answered in 00:35 of 01:00" in text
    # The countdown never waits on the keyboard: every key read during an answer has a timeout.
    assert keys.timeouts[1:4] == [0.25, 0.25, 0.25]
    assert len(store.mock_answers(iv.id)) == 2


@pytest.mark.parametrize("keep, stored", [(False, 2), (True, 4)])
def test_over_time_a_grade_is_capped_unless_bang_keeps_it(store, keep, stored) -> None:
    clock = FakeClock(T0)
    iv = make(store, clock, "fastapi-async-caveats", limit=60)
    keys = ScriptedKeys(clock, [" ", 100, "\n", "\n", *(["!"] if keep else []), "4"])
    out = StringIO()
    ms = MockScreen(iv, Console(file=out, width=80, height=24), lambda c: "A", reader=keys)  # type: ignore[arg-type]
    summary = ms.run()
    assert [(a.rating, a.capped) for a in summary.answers] == [(stored, not keep)]
    assert "over 1.5× the time" in out.getvalue()


def test_ctrl_c_ends_cleanly_and_keeps_what_was_graded(store) -> None:
    clock = FakeClock(T0)
    iv = make(store, clock, "fastapi-async-caveats", "team-conflict", limit=60)

    class Interrupting(ScriptedKeys):
        def read(self, timeout: float | None = None) -> str | None:
            if not self.script:
                raise KeyboardInterrupt
            return super().read(timeout)

    keys = Interrupting(clock, [" ", 12, "\n", "\n", "4", "x", 3])
    out = StringIO()
    ms = MockScreen(iv, Console(file=out, width=100), lambda c: "", reader=keys)  # type: ignore[arg-type]
    summary = ms.run()
    assert ms.interrupted
    assert "Interrupted" in out.getvalue() and "1 answered of 2 (ended early)" in out.getvalue()
    assert [a.rating for a in summary.answers] == [4]
    row = store.conn.execute("SELECT ended_at FROM mock_sessions WHERE id = ?", (iv.id,))
    assert row.fetchone()[0] is not None


# --- the command, in a child process (stdin not a terminal) -----------------------------
def test_help_lists_options_and_history(invoke) -> None:
    r = invoke("mock", "--help")
    assert r.exit_code == 0
    for option in (
        "--count",
        "--minutes",
        "--deck",
        "--topic",
        "--kind",
        "--tag",
        "--seed",
        "--time",
    ):
        assert option in r.output
    assert "history" in r.output and "p pause" in r.output
    h = invoke("mock", "history", "--help")
    assert h.exit_code == 0 and "--json" in h.output


def test_scripted_interview_then_history_and_status(ws, cli) -> None:
    # answer 1: done at once, keywords 1 and 2, Good; answer 2: a hint, done, all keywords, Easy
    r = cli(
        "-w",
        str(ws),
        "mock",
        "--count",
        "2",
        "--seed",
        "7",
        input="\n1 2\n3\nh\n\nall\n4\n",
        env=NOW,
    )
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert "✓ saved 1/2" in r.stdout and "✓ saved 2/2" in r.stdout
    assert "2 answered of 2" in r.stdout and "mean grade 3.5" in r.stdout
    h = cli("-w", str(ws), "mock", "history", "--json", env=NOW)
    assert h.returncode == 0, h.stderr
    (s,) = json.loads(h.stdout)["sessions"]
    assert (s["finished"], s["planned"], s["graded"], s["seed"], s["mean_grade"]) == (
        True, 2, 2, 7, 3.5,
    )  # fmt: skip
    assert s["hinted"] == 1 and s["used_s"] == 0  # PREP_NOW freezes the clock
    with _open(ws) as store:
        answers = store.mock_answers(s["id"])
        assert [a["rating"] for a in answers] == [3, 4]
        assert answers[0]["covered"] == [1, 2]
        assert answers[1]["covered"] == list(range(1, answers[1]["keywords_total"] + 1))
        sources = [r[0] for r in store.conn.execute("SELECT source FROM reviews")]
        assert sources == ["mock", "mock"]
    st = json.loads(cli("-w", str(ws), "status", "--json", env=NOW).stdout)
    assert st["reviewed_today"] == 2
    table = cli("-w", str(ws), "mock", "history", env=NOW)
    assert table.returncode == 0 and "Mock interviews" in table.stdout and "3.5" in table.stdout


@contextmanager
def _open(ws: Path) -> Iterator[Store]:
    store = Store(ws / ".prep" / "prep.db")
    try:
        yield store
    finally:
        store.close()


def test_same_seed_same_questions(ws, cli) -> None:
    runs = [
        cli("-w", str(ws), "mock", "--count", "3", "--seed", "5", input="q\n", env=NOW)
        for _ in range(2)
    ]
    firsts = [r.stdout.split("prep mock  1/3")[1].splitlines()[0] for r in runs]
    assert firsts[0] == firsts[1]
    assert all("seed 5" in r.stdout for r in runs)


def test_line_mode_skip_pause_reprompts_and_end(ws, cli) -> None:
    script = "p\np\n\n1 9\n1\nx\n2\nn\nq\n"
    r = cli("-w", str(ws), "mock", "--count", "3", "--seed", "2", input=script, env=NOW)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "paused (p resumes)" in out and "resumed" in out
    assert "9 is not on the list" in out
    assert "type 1, 2, 3 or 4" in out
    assert "✓ saved 1/3" in out and "Hard" in out
    assert "skipped" in out
    assert "1 answered of 3, 1 skipped (ended early)" in out


def test_end_of_input_at_once_records_nothing(ws, cli) -> None:
    r = cli("-w", str(ws), "mock", input="", env=NOW)
    assert r.returncode == 0, r.stderr
    assert "No answers recorded" in r.stdout
    h = cli("-w", str(ws), "mock", "history", "--json", env=NOW)
    assert json.loads(h.stdout) == {"sessions": []}
    assert "No mock interviews yet" in cli("-w", str(ws), "mock", "history", env=NOW).stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--deck", "nope"], "Error: no deck 'nope'; decks: ask, concepts, datavent-backend"),
        (["--time", "2"], "Error: --time must be between 5 and 3600 seconds"),
        (["--topic", "없음"], "Error: no cards match: check --deck, --topic, --kind and --tag"),
        (["--minutes", "0.2"], "Error: --minutes 0.2 is shorter than any question"),
    ],
)
def test_bad_options_are_one_error_line_and_write_nothing(ws, cli, args, message) -> None:
    r = cli("-w", str(ws), "mock", *args, input="", env=NOW)
    assert r.returncode == 1
    assert r.stderr.strip().startswith(message), r.stderr
    assert "Traceback" not in r.stderr
    with _open(ws) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM mock_sessions").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--kind", "nope"],
            "Error: Invalid value for '--kind': 'nope' is not one of "
            "'technical', 'behavioral', 'concept', 'ask'.",
        ),
        (["--time", "soon"], "Error: Invalid value for '--time': 'soon': use seconds (90) or 2m"),
    ],
)
def test_bad_option_values_are_usage_errors(ws, cli, args, message) -> None:
    r = cli("-w", str(ws), "mock", *args, input="", env=NOW)
    assert r.returncode == 2  # as click reports a bad value of its own
    assert message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert not (ws / ".prep").exists()  # refused before the workspace is opened


def test_card_text_is_printed_literally(empty_ws, cli) -> None:
    (empty_ws / "decks" / "x.yaml").write_text(
        'cards:\n  - id: m1\n    q: "[bold red]markup[/bold red] and \\e[2J"\n'
        "    a: '[link=x]answer[/link]'\n    keywords: ['[i]kw[/i]']\n",
        encoding="utf-8",
    )
    r = cli("-w", str(empty_ws), "mock", "--count", "1", input="\n1\n3\n", env=NOW)
    assert r.returncode == 0, r.stderr
    assert "[bold red]markup[/bold red]" in r.stdout
    assert "[i]kw[/i]" in r.stdout
    assert "\x1b" not in r.stdout


def test_the_command_module_stays_light() -> None:
    code = "import sys, prep.cli.mock; print(sorted(m for m in ('rich', 'prep.mock', 'sqlite_utils', 'fsrs') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- a process killed mid-interview ------------------------------------------------------
def _start(ws: Path, *args: str) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    env = dict(os.environ)
    env.update(NOW)
    proc = subprocess.Popen(
        [sys.executable, "-m", "prep", "-w", str(ws), "mock", *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return proc, lines


def _wait_for(lines: queue.Queue[str], start: str, timeout: float = 30) -> str:
    seen = []
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no line starting {start!r}; saw {seen[-5:]}") from None
        seen.append(line)
        if line.startswith(start):
            return line


def test_kill_9_after_the_first_grade_keeps_it(ws, cli) -> None:
    proc, lines = _start(ws, "--count", "3", "--seed", "4")
    assert proc.stdin is not None
    proc.stdin.write("\n1 2\n3\n")
    proc.stdin.flush()
    ack = _wait_for(lines, "✓ saved 1/3")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    card_id = ack.split()[3].rstrip(":")
    with _open(ws) as store:
        reviews = store.conn.execute("SELECT card_id, rating, source FROM reviews").fetchall()
        assert reviews == [(card_id, 3, "mock")]
        session = store.conn.execute("SELECT id, ended_at FROM mock_sessions").fetchall()
        assert len(session) == 1 and session[0][1] is None  # it never reached its end
        (answer,) = store.mock_answers(session[0][0])
        assert (answer["card_id"], answer["rating"], answer["covered"]) == (card_id, 3, [1, 2])
    h = json.loads(cli("-w", str(ws), "mock", "history", "--json", env=NOW).stdout)
    (s,) = h["sessions"]
    assert (s["finished"], s["graded"], s["planned"]) == (False, 1, 3)
    st = json.loads(cli("-w", str(ws), "status", "--json", env=NOW).stdout)
    assert st["reviewed_today"] == 1


def test_sigint_mid_interview_ends_cleanly_with_a_summary(ws) -> None:
    proc, lines = _start(ws, "--count", "3", "--seed", "4")
    assert proc.stdin is not None
    proc.stdin.write("\n\n2\n")
    proc.stdin.flush()
    _wait_for(lines, "✓ saved 1/3")
    _wait_for(lines, "time ")  # the second question is up, waiting for its line
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)
    assert proc.stderr is not None
    err = proc.stderr.read()
    assert proc.returncode == 130, err  # the shell's code for Ctrl-C, after a clean end
    assert "Traceback" not in err
    with _open(ws) as store:
        ended = store.conn.execute("SELECT ended_at FROM mock_sessions").fetchone()[0]
        assert ended is not None
        assert store.conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 1


def test_a_grade_that_cannot_be_saved_is_asked_again(store, monkeypatch) -> None:
    from prep.errors import PrepError

    clock = FakeClock(T0)
    iv = make(store, clock, "fastapi-async-caveats", limit=60)
    real = store.grade
    calls = []

    def flaky(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise PrepError("the database is busy (another prep is writing); nothing was written")
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "grade", flaky)
    out = StringIO()
    keys = ScriptedKeys(clock, [" ", 5, "\n", "\n", "3", "4"])
    ms = MockScreen(iv, Console(file=out, width=100), lambda c: "", reader=keys)  # type: ignore[arg-type]
    summary = ms.run()
    assert "not saved: the database is busy" in out.getvalue()
    assert [a.rating for a in summary.answers] == [4]
    assert [r[0] for r in store.conn.execute("SELECT rating FROM reviews")] == [4]


def test_q_at_the_keywords_prompt_ends_without_grading(ws, cli) -> None:
    r = cli("-w", str(ws), "mock", "--count", "2", input="\nq\n", env=NOW)
    assert r.returncode == 0, r.stderr
    assert "No answers recorded" in r.stdout
    with _open(ws) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 0


def test_minutes_and_time_shape_the_set(ws, cli) -> None:
    r = cli("-w", str(ws), "mock", "--minutes", "4", "--time", "1m", input="q\n", env=NOW)
    assert r.returncode == 0, r.stderr
    assert "Mock interview: 4 questions, about 4 min" in r.stdout
    assert "time 01:00" in r.stdout
