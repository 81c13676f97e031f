"""The mock-interview screen: a live countdown, single keys, then keywords and a grade.

In a terminal the clock is a rich `Live` region redrawn four times a second
while keys are read with a timeout, so the countdown never waits on the
keyboard. With stdin not a terminal every answer ends with a line instead.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.text import Text

from ..errors import PrepError
from ..mock import (
    ASKING,
    CAP_FACTOR,
    DONE,
    END,
    FINISHED,
    HINT,
    OVER,
    PAUSE,
    REVIEW,
    SKIP,
    WARNING,
    Answer,
    MockInterview,
    Summary,
    clock_text,
    mmss,
    parse_covered,
    parse_grade,
    star_segments,
)
from ..schedule import RATINGS
from . import render
from .keys import KeyReader, clean

TICK_S = 0.25  # key wait between redraws: the clock moves at least once a second
BAR_W = 40  # at most; narrower terminals get a shorter bar
BAR_MIN = 10
KEYS_HELP = ("[enter/space] done", "[p] pause", "[n] skip", "[h] hint", "[q] end")
LINE_HELP = "(empty line = done · n = skip · h = hint · p = pause · q = end)"
CLOCK_STYLE = {WARNING: "bold yellow", OVER: "bold red"}
STAR_STYLE = {"S": "cyan", "T": "yellow", "A": "green", "R": "magenta"}
GRADE_STYLE = {1: "red", 2: "yellow", 3: "green", 4: "cyan"}

KEY_EVENTS = {"\n": DONE, " ": DONE, "p": PAUSE, "n": SKIP, "h": HINT, "q": END}
LINE_EVENTS = {
    "": DONE, "d": DONE, "done": DONE, "p": PAUSE, "pause": PAUSE, "n": SKIP, "skip": SKIP,
    "h": HINT, "hint": HINT, "q": END, "quit": END, "end": END,
}  # fmt: skip


# --- pieces -----------------------------------------------------------------------
def header(iv: MockInterview) -> Text:
    q = iv.current
    assert q is not None
    t = Text(f"prep mock  {q.position}/{len(iv.questions)}  ·  ", style="bold")
    t.append_text(render.card_header(q.card))
    return t


def clock_line(iv: MockInterview) -> RenderableType:
    timer = iv.timer
    assert timer is not None
    color = timer.color()
    style = CLOCK_STYLE.get(color, "bold")
    items = [
        Text(f" {clock_text(timer)} ", style=f"reverse {style}" if color != "normal" else style),
        Text(f"of {mmss(timer.limit_s)}"),
    ]
    if color == OVER:
        items.append(Text("OVER TIME", style="bold red"))
    elif color == WARNING:
        items.append(Text("last 30 s", style="yellow"))
    if timer.paused:
        items.append(Text("‖ PAUSED (p resumes)", style="bold"))
    if iv.hints:
        items.append(Text(f"· hint ×{iv.hints}", style="dim"))
    return render.Flow(Text("  "), items)


class Sized:
    """Drawn at the width it is given, so a bar fits a narrow or resized terminal."""

    def __init__(self, draw: Callable[[int], RenderableType]):
        self.draw = draw

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.draw(options.max_width)


def bar_width(width: int, other: int) -> int:
    """Cells for a bar that shares a `width`-wide line with `other` cells of text."""
    return max(BAR_MIN, min(BAR_W, width - other))


def time_bar(iv: MockInterview, width: int = BAR_W + 2) -> Text:
    timer = iv.timer
    assert timer is not None
    bar = bar_width(width, 2)
    frac = min(1.0, timer.elapsed() / timer.limit_s) if timer.limit_s else 1.0
    filled = round(frac * bar)
    style = {"normal": "green", WARNING: "yellow", OVER: "red"}[timer.color()]
    t = Text("  ")
    t.append("█" * filled, style=style)
    t.append("░" * (bar - filled), style="dim")
    return t


def star_bar(iv: MockInterview, width: int = BAR_W + 10) -> Text:
    """The suggested STAR split of the limit, filled as time passes; the current segment lit."""
    timer = iv.timer
    assert timer is not None
    elapsed = timer.elapsed()
    now = timer.segment()
    segments = star_segments(timer.limit_s)
    bar = bar_width(width, 2 + 2 * len(segments))  # the indent, a letter and a space each
    t = Text("  ")
    for seg in segments:
        # From rounded ends, so the segments add up to the bar's width exactly.
        start = round(seg.start_s / timer.limit_s * bar) if timer.limit_s else 0
        end = round(seg.end_s / timer.limit_s * bar) if timer.limit_s else bar
        cells = max(1, end - start)
        span = seg.end_s - seg.start_s
        done = min(1.0, max(0.0, (elapsed - seg.start_s) / span)) if span else 1.0
        full = round(done * cells)
        style = STAR_STYLE[seg.letter]
        current = now is not None and now.letter == seg.letter
        t.append(seg.letter, style=f"reverse bold {style}" if current else f"bold {style}")
        t.append("▮" * full, style=style)
        t.append("▯" * (cells - full), style="dim")
        t.append(" ")
    t.rstrip()
    note = Text()
    if now is not None:
        note.append(f"now: {now.name}", style=STAR_STYLE[now.letter])
        nxt = next((s for s in segments if s.start_s >= now.end_s), None)
        if nxt is not None:  # said in the countdown's terms: "Task when the clock shows 00:16"
            note.append(f" · {nxt.name} at {mmss(math.ceil(timer.limit_s - nxt.start_s - 1e-9))}")
    else:
        note.append("wrap up", style="bold red")
    # Beside the bar when it fits, else on a line of its own (never split mid-phrase).
    if t.cell_len + 2 + note.cell_len <= width:
        t.append("  ")
    else:
        t.append("\n" + ("  " if note.cell_len + 2 <= width else ""))
    t.append_text(note)
    return t


def hint_line(iv: MockInterview) -> RenderableType | None:
    q = iv.current
    if q is None or not iv.hints:
        return None
    kw = render.keywords(q.card)
    return kw if kw is not None else Text("(no keywords for this card)", style="dim")


def screen(iv: MockInterview) -> RenderableType:
    q = iv.current
    assert q is not None
    parts: list[RenderableType] = [
        header(iv),
        render.question(q.card),
        clock_line(iv),
        Sized(lambda width: time_bar(iv, width)),
    ]
    if q.card.kind == "behavioral":
        parts.append(Sized(lambda width: star_bar(iv, width)))
    hint = hint_line(iv)
    if hint is not None:
        parts.append(hint)
    timer = iv.timer
    if timer is not None and timer.stopped:
        parts.append(Text(f"answered in {used(timer)}", style="bold"))
    else:
        parts.append(render.Flow(Text(""), [Text(k, style="dim") for k in KEYS_HELP], gap=3))
    return Group(*parts)


def used(timer: Any) -> str:
    over = f" (+{mmss(timer.overtime())} over)" if timer.overtime() else ""
    return f"{mmss(timer.elapsed())} of {mmss(timer.limit_s)}{over}"


def checklist(card: Any, covered: set[int] | None = None) -> RenderableType | None:
    if not card.keywords:
        return None
    items = [render.checkbox(i, kw, covered, "green", " ") for i, kw in enumerate(card.keywords, 1)]
    return render.Flow(Text("keywords  ", style="bold"), items, gap=3)


def used_text(a: Answer) -> str:
    over = f" (+{mmss(a.overtime_ms / 1000)})" if a.overtime_ms else ""
    return f"{mmss(a.used_ms / 1000)} / {mmss(a.limit_s)}{over}"


def _cut(text: str, width: int) -> Text:
    t = Text(" ".join(text.split()))
    t.truncate(width, overflow="ellipsis")
    return t


def short(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 60}:{s % 60:02d}"


def summary_view(summary: Summary, width: int = 80) -> RenderableType:
    if not summary.answers:
        return Text("No answers recorded.", style="dim")
    rows: list[list[Text]] = []
    capped = False
    for a in summary.answers:
        over = Text(f"+{short(a.overtime_s)}", style="red") if a.overtime_ms else Text("")
        if a.skipped:
            grade = Text("skip", style="dim")
        else:
            grade = Text(RATINGS[a.rating or 0], style=GRADE_STYLE.get(a.rating or 0, ""))
            if a.capped:
                grade.append("*")
                capped = True
        kw = f"{len(a.covered)}/{a.keywords_total}" if a.keywords_total and not a.skipped else ""
        rows.append([
            Text(str(a.position)), Text(" ".join(clean(a.card.q).split())),
            Text(f"{short(a.used_s)}/{short(a.limit_s)}"), over, Text(kw), grade,
            Text(str(a.hints) if a.hints else ""),
        ])  # fmt: skip
    heads = ["#", "question", "time/limit", "over", "keywords", "grade", "hint"]
    # The question takes what the other columns leave, cut with an ellipsis; a narrow
    # terminal drops the hint and overtime columns first.
    table = render.fit_table(
        heads, rows, width, drop=[6, 3, 4], flex=1, right=frozenset({0, 2, 3, 4, 6}),
        title="Mock interview",
    )  # fmt: skip
    covered, total = summary.keywords
    mean = summary.mean_grade
    done = len(summary.answers) - summary.skipped
    first = Text(
        f"{done} answered of {summary.planned}"
        + (f", {summary.skipped} skipped" if summary.skipped else "")
        + (" (ended early)" if summary.ended_early else ""),
        style="bold",
    )
    items = [first]
    if summary.limit_s:
        items.append(Text(f"· time {short(summary.used_s)} of {short(summary.limit_s)}"))
    if summary.overtime_ms:
        items.append(Text(f"· over {short(summary.overtime_s)}", style="red"))
    if total:
        items.append(Text(f"· keywords {covered}/{total} ({covered / total:.0%})"))
    if mean is not None:
        items.append(Text(f"· mean grade {mean:.1f}"))
    if summary.hinted:
        items.append(Text(f"· hints on {summary.hinted}"))
    parts: list[RenderableType] = [table, render.Flow(Text(""), items, gap=1)]
    if capped:
        parts.append(Text(f"* capped at Hard: over {CAP_FACTOR:g}× the time", style="dim"))
    return Group(*parts)


# --- the loop ---------------------------------------------------------------------
def _stories(renderable: Any) -> list[render.StoryView]:
    if isinstance(renderable, render.StoryView):
        return [renderable]
    return [s for inner in getattr(renderable, "renderables", None) or () for s in _stories(inner)]


def _has_story(renderable: Any) -> bool:
    return bool(_stories(renderable))


def _toggle_stories(renderable: Any) -> None:
    for story in _stories(renderable):
        story.opened = not story.opened


class MockScreen:
    """Runs one interview in a terminal (keys) or over lines (pipes)."""

    def __init__(
        self,
        iv: MockInterview,
        console: Console,
        answer_view: Callable[[Any], RenderableType],
        reader: KeyReader | None = None,
    ):
        self.iv = iv
        self.console = console
        self.answer_view = answer_view
        self.reader = reader or KeyReader()
        self.tty = self.reader.tty
        self.interrupted = False  # Ctrl-C ended it (the command exits 130 after the summary)

    def _flush(self) -> None:
        try:
            sys.stdout.flush()
        except (OSError, ValueError):
            pass

    def _line(self, prompt: str) -> str | None:
        """One line of input; None at end of input."""
        if self.tty:
            try:
                return clean(self.console.input(Text(prompt, style="bold"))).strip()
            except EOFError:
                return None
        self.console.print(Text(prompt), end="")
        self._flush()
        text = self.reader.read()
        if text is not None:
            self.console.print(clean(text), highlight=False)
        return clean(text) if text is not None else None

    def run(self, intro: RenderableType | None = None) -> Summary:
        iv = self.iv
        try:
            if intro is not None:
                self.console.print(intro)
            if self.tty and not self._wait_start():
                return iv.summary()
            iv.start()
            while iv.phase != FINISHED:
                if iv.phase == ASKING:
                    if self.tty:
                        self._ask_keys()
                    else:
                        self._ask_lines()
                elif iv.phase == REVIEW:
                    if self.tty:
                        self._review_keys()
                    else:
                        self._review()
        except KeyboardInterrupt:
            render.drop_pending(self.console)
            self.interrupted = True
            self.console.print("\nInterrupted: ending the interview; graded answers are saved.")
        summary = iv.end() if iv.started else iv.summary()
        self.console.print()
        self.console.print(summary_view(summary, self.console.width))
        self._flush()
        return summary

    def _wait_start(self) -> bool:
        self.console.print(
            Text("Press Enter or space to start the clock, q to leave.", style="bold")
        )
        with self.reader.active():
            while True:
                key = self.reader.read()
                if key is None or key.lower() == "q":
                    return False
                if key in ("\n", " "):
                    return True

    def _ask_keys(self) -> None:
        from rich.live import Live

        iv = self.iv
        position = iv.index
        self.console.clear()
        iv.restart_clock()
        with (
            self.reader.active(),
            Live(screen(iv), console=self.console, auto_refresh=False, transient=False) as live,
        ):
            while iv.phase == ASKING and iv.index == position:
                key = self.reader.read(timeout=TICK_S)
                event = END if key is None else KEY_EVENTS.get(key.lower()) if key else None
                if event is not None:
                    iv.handle(event)
                if iv.current is not None and iv.index == position:
                    live.update(screen(iv), refresh=True)  # after done: the time used stays

    def _ask_lines(self) -> None:
        iv = self.iv
        q = iv.current
        assert q is not None and iv.timer is not None
        position = iv.index
        iv.restart_clock()
        self.console.rule(header(iv), align="left")
        self.console.print(render.question(q.card))
        self.console.print(Text(f"time {mmss(q.limit_s)}  {LINE_HELP}", style="dim"))
        self._flush()
        while iv.phase == ASKING and iv.index == position:
            text = self.reader.read()
            if text is None:
                iv.handle(END)
                return
            event = LINE_EVENTS.get(text.strip().lower(), DONE)
            iv.handle(event)
            if event == HINT:
                hint = hint_line(iv)
                if hint is not None:
                    self.console.print(hint)
            elif event == PAUSE:
                paused = iv.timer is not None and iv.timer.paused
                self.console.print("paused (p resumes)" if paused else "resumed")
            elif event == SKIP:
                self.console.print(Text(f"skipped {q.card.id}", style="dim"))
            self._flush()

    def _review_keys(self) -> None:
        """The answer on one screen with the question kept in view; single keys tick and grade.

        Number keys tick the keywords said first (Enter when done), then 1-4 grade;
        ! before a grade keeps it above Hard when the answer ran over time.
        """
        from .screen import Page

        iv = self.iv
        q = iv.current
        assert q is not None and iv.timer is not None
        n = len(q.card.keywords)
        covered: set[int] = set()
        ticking = n > 0
        keep = False
        page = Page(self.console)
        view = self.answer_view(q.card)
        note = ""
        spent = used(iv.timer)

        def top() -> list[RenderableType]:
            parts: list[RenderableType] = [header(iv), render.question(q.card)]
            parts.append(Text(f"answered in {spent}", style="bold"))
            return parts

        def middle() -> list[RenderableType]:
            parts: list[RenderableType] = [view]
            kw = checklist(q.card, covered)
            if kw is not None:
                parts.append(kw)
            return parts

        def bottom() -> list[RenderableType]:
            parts: list[RenderableType] = []
            if note:
                parts.append(Text(note, style="red"))
            if ticking:
                last = min(n, 10)
                keys = f"1-{last % 10}" if last > 1 else "1"
                parts.append(
                    render.Flow(
                        Text(""),
                        [
                            Text("keywords you said:", style="bold"),
                            Text(f"[{keys}] toggle"),
                            Text(f"{len(covered)}/{n}"),
                            Text("[enter] done, then grade"),
                        ],
                        gap=2,
                    )
                )
            else:
                from .drill import suggest

                hint = suggest(covered, n)
                items = [Text("grade:", style="bold")]
                for r, name in RATINGS.items():
                    t = Text()
                    t.append(f" {r} ", style=f"reverse {GRADE_STYLE[r]}")
                    t.append(f" {name}", style="bold underline" if r == hint else "")
                    items.append(t)
                if hint is not None:
                    items.append(Text(f"keywords {len(covered)}/{n} suggest {RATINGS[hint]}"))
                parts.append(render.Flow(Text(""), items, gap=3))
                if iv.over_cap:
                    parts.append(
                        Text(
                            f"over {CAP_FACTOR:g}× the time: above Hard is stored as Hard"
                            + (" · ! on: this grade is kept" if keep else " · [!] keep it"),
                            style="yellow",
                        )
                    )
            extra = ["[t] keywords"] if n and not ticking else []
            if isinstance(view, render.StoryView) or _has_story(view):
                extra.append("[s] story")
            parts.append(
                render.Flow(Text(""), [Text(k, style="dim") for k in [*extra, "[q] end"]], gap=2)
            )
            return parts

        def draw() -> None:
            page.draw(top(), middle(), bottom())

        with self.reader.active():
            draw()
            while True:
                key = self.reader.read(timeout=TICK_S)
                if key is None:
                    iv.handle(END)
                    return
                if key == "":
                    if page.resized():
                        draw()
                    continue
                note = ""
                if key.lower() == "q":
                    iv.handle(END)
                    return
                if ticking and key in "1234567890" and len(key) == 1:
                    i = "1234567890".index(key) + 1
                    if i <= n:
                        covered ^= {i}
                elif ticking and key in ("\n", "t", "esc"):
                    ticking = False
                elif not ticking and key == "t" and n:
                    ticking = True
                elif not ticking and key == "!":
                    keep = not keep
                elif key.lower() == "s":
                    _toggle_stories(view)
                elif not ticking and key in "1234" and len(key) == 1:
                    try:
                        answer = iv.grade(int(key), covered, override=keep)
                        break
                    except PrepError as exc:  # e.g. the database busy: nothing written
                        note = f"not saved: {exc}"
                elif not page.move(key):
                    continue
                draw()
            self.console.print()
            self.console.print(self._ack(answer, n))
            if iv.phase != FINISHED:
                self.console.print(Text("Next question: press any key (q ends).", style="dim"))
                key = self.reader.read()
                if key is None or key.lower() == "q":
                    iv.handle(END)

    def _ack(self, answer: Answer, n: int) -> Text:
        ack = Text("✓ saved ", style="green")
        ack.append(f"{answer.position}/{len(self.iv.questions)} {answer.card.id}: ")
        ack.append(RATINGS[answer.rating or 0], style=GRADE_STYLE.get(answer.rating or 0, ""))
        if answer.capped:
            ack.append(" (capped: over time)", style="yellow")
        ack.append(f" · {used_text(answer)}")
        if n:
            ack.append(f" · keywords {len(answer.covered)}/{n}")
        return ack

    def _review(self) -> None:
        iv = self.iv
        q = iv.current
        assert q is not None and iv.timer is not None
        if not self.tty:  # the live screen already shows it
            self.console.print(Text(f"answered in {used(iv.timer)}", style="bold"))
        self.console.print(render.open_stories(self.answer_view(q.card)))
        n = len(q.card.keywords)
        covered: set[int] = set()
        if n:
            self.console.print(checklist(q.card))
            while True:
                text = self._line("keywords you covered (e.g. 1 3, all, Enter for none): ")
                if text is None or text.lower() in ("q", "quit", "end"):
                    iv.handle(END)
                    return
                try:
                    covered = parse_covered(text, n)
                    break
                except ValueError as exc:
                    self.console.print(Text(str(exc), style="red"))
        if iv.over_cap:
            self.console.print(
                Text(
                    f"Over {CAP_FACTOR:g}× the time: a grade above Hard is stored as Hard "
                    "(add ! to keep it, e.g. 3!).",
                    style="yellow",
                )
            )
        while True:
            text = self._line("grade  1 again · 2 hard · 3 good · 4 easy: ")
            if text is None:
                iv.handle(END)
                return
            if text.lower() in ("q", "quit", "end"):
                iv.handle(END)
                return
            parsed = parse_grade(text)
            if parsed is None:
                self.console.print(Text("type 1, 2, 3 or 4 (or again/hard/good/easy)", style="red"))
                continue
            try:
                answer = iv.grade(parsed[0], covered, override=parsed[1])
                break
            except PrepError as exc:  # e.g. the database busy: nothing written, grade again
                self.console.print(Text(f"not saved: {exc}", style="red"))
        self.console.print(self._ack(answer, n))
        self._flush()
        if self.tty and iv.phase != FINISHED:
            self.console.print(Text("Next question: press any key (q ends).", style="dim"))
            with self.reader.active():
                key = self.reader.read()
            if key is None or key.lower() == "q":
                iv.handle(END)
