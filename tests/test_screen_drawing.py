"""The drill screen draws a card's parts once and rewrites only the rows that change."""

from __future__ import annotations

import io
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import T0
from rich.cells import cell_len
from rich.console import Console, Group
from rich.rule import Rule
from rich.text import Text

from prep.clock import FakeClock
from prep.drill import DrillSession
from prep.schedule import Scheduler
from prep.store import Store
from prep.sync import sync
from prep.ui import render
from prep.ui.drill import CardScreen, run
from prep.ui.render import LeftRule, Line, fit
from prep.ui.screen import Fixed, Page
from prep.workspace import find


def _plain(lines: list) -> list[str]:
    return ["".join(seg.text for seg in line) for line in lines]


def _unwrap(parts: list) -> list:
    """The renderables as drawn before any was kept: Fixed parts opened, rules as rich's."""
    out = []
    for part in parts:
        if isinstance(part, Fixed):
            part = part.renderable
        if isinstance(part, LeftRule):
            part = Rule(part.title, align="left")
        out.append(part)
    return out


def _session(root: Path) -> tuple[DrillSession, object, FakeClock]:
    from prep.cli.drill import _story_renderer

    w = find(str(root))
    store = Store(w.db_path)
    clock = FakeClock(T0)
    sync(store, w, clock)
    session = DrillSession(store=store, scheduler=Scheduler(fuzz=False), clock=clock, new_limit=100)
    return session, _story_renderer(w, store), clock


@pytest.mark.parametrize("width, height", [(80, 24), (60, 16), (120, 40)])
def test_kept_parts_lay_out_as_the_renderables_they_hold(ws, width, height):
    session, story_for, _ = _session(ws)
    seen = 0
    while (shown := session.next()) is not None and seen < 25:
        screen = CardScreen(session, shown, story_for, ack="✓ earlier Good · next in 10m")
        screen.reveal()
        screen.covered = {1}
        if screen.story is not None:
            screen.story.opened = seen % 2 == 1
        console = Console(width=width, height=height, color_system="truecolor", force_terminal=True)
        page = Page(console)
        for _ in range(2):  # the second time from what was kept
            kept = page.layout(screen.top(3.0), screen.middle(), screen.bottom(), width, height)
            fresh = Page(console).layout(
                _unwrap(screen.top(3.0)), _unwrap(screen.middle()), _unwrap(screen.bottom()),
                width, height,
            )  # fmt: skip
            assert kept == fresh, shown.card.id
        session.grade(3)
        seen += 1
    assert seen >= 20


def test_line_and_rule_draw_what_rich_draws():
    rng = random.Random(7)
    alphabet = "ab c 한국어 xyz  ✎…é\u0301[]"
    for _ in range(600):
        width = rng.randint(1, 50)
        text = Text("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 70))))
        text.stylize(rng.choice(["bold", "dim green", "reverse red"]), 0, rng.randint(0, 12))
        console = Console(width=width, color_system="truecolor", force_terminal=True)

        def lines(renderable: object, console: Console = console) -> list:
            options = console.options.update(width=console.width)
            return console.render_lines(renderable, options, pad=False, new_lines=False)

        assert lines(Line(text.copy())) == lines(text.copy()), (width, text.plain)
        text.justify = rng.choice(["left", "center", "right", "full", "default"])
        assert lines(Line(text.copy())) == lines(text.copy()), (width, text.plain)
        rule = Rule(text.copy(), align="left")
        assert lines(LeftRule(text.copy())) == lines(rule), (width, text.plain)
        assert fit(text.copy(), width).plain == _truncated(text, width), (width, text.plain)


def _truncated(text: Text, width: int) -> str:
    t = text.copy()
    t.truncate(width, overflow="ellipsis")
    return t.plain


class Keys:
    """A terminal's keys from a list; each key moves the fake clock."""

    tty = True

    def __init__(self, clock: FakeClock, keys: list[str]):
        self.clock = clock
        self.keys = list(keys)

    @contextmanager
    def active(self) -> Iterator[Keys]:
        yield self

    @contextmanager
    def paused(self) -> Iterator[None]:
        yield

    def read(self, timeout: float | None = None) -> str | None:
        if not self.keys:
            return None
        self.clock.advance(4)
        return self.keys.pop(0)


def test_the_answer_is_rendered_once_per_card_whatever_the_keys(ws, monkeypatch):
    session, story_for, clock = _session(ws)
    made: list[str] = []
    answer = render.answer

    def counted(card: object) -> object:
        made.append(card.id)  # type: ignore[attr-defined]
        return answer(card)

    monkeypatch.setattr(render, "answer", counted)
    per_card = [" ", "j", "j", "k", " ", "pgup", "t", "1", "2", "\n", "s", "s", "3"]
    keys = Keys(clock, per_card * 4)
    console = Console(width=80, height=24, file=io.StringIO(), force_terminal=True)
    run(session, console, story_for, reader=keys)
    assert session.summary.reviewed == 4
    assert len(made) == 4 and len(set(made)) == 4  # one Markdown per card, not per key


# --- what the terminal shows ---------------------------------------------------------
_TOKEN = re.compile(r"\x1b\[([0-9;]*)([A-Za-z])|(\n)|([^\x1b\n]+)")


def screen_of(output: str, width: int, height: int) -> list[str]:
    """The rows a terminal shows after `output` (plain text, cursor moves and erasing)."""
    rows = [[" "] * width for _ in range(height)]
    y = x = 0
    for m in _TOKEN.finditer(output):
        args, code, newline, text = m.groups()
        if newline:
            y, x = min(height - 1, y + 1), 0
        elif text:
            for ch in text:
                w = cell_len(ch)
                if x + w > width:
                    y, x = min(height - 1, y + 1), 0
                rows[y][x] = ch
                for i in range(1, w):
                    rows[y][x + i] = ""
                x += w
        elif code == "H":
            nums = [int(n) for n in args.split(";")] if args else [1, 1]
            y, x = nums[0] - 1, nums[1] - 1
        elif code == "J" and args == "2":
            rows = [[" "] * width for _ in range(height)]
        elif code == "K" and args == "2":
            rows[y] = [" "] * width
        else:
            raise AssertionError(f"unexpected sequence {m.group(0)!r}")
    return ["".join(r).rstrip() for r in rows]


def test_a_card_redraws_only_its_changed_rows_and_shows_what_a_whole_draw_shows(ws):
    width, height = 80, 24
    session, story_for, _ = _session(ws)
    shown = session.next()
    assert shown is not None
    out = io.StringIO()
    console = Console(
        width=width, height=height, file=out, force_terminal=True, color_system=None,
        legacy_windows=False,
    )  # fmt: skip
    page = Page(console)
    screen = CardScreen(session, shown, story_for, ack="")
    steps = [
        lambda: None,
        screen.reveal,
        lambda: page.move(" "),
        lambda: page.move("k"),
        lambda: setattr(screen, "covered", {2}),
        lambda: setattr(screen.story, "opened", True) if screen.story else None,
        lambda: page.move("end"),
    ]
    terminal: list[str] = []
    for step in steps:
        step()
        before = out.tell()
        page.draw(screen.top(1.0), screen.middle(), screen.bottom())
        written = out.getvalue()[before:]
        # The screen as a whole draw would make it, on a fresh terminal.
        whole = Page(Console(width=width, height=height, file=io.StringIO(),
                             force_terminal=True, color_system=None))  # fmt: skip
        whole.offset = page.offset
        lines = whole.layout(screen.top(1.0), screen.middle(), screen.bottom(), width, height)
        expected = (_plain(lines) + [""] * height)[:height]
        terminal = screen_of(out.getvalue(), width, height)
        assert terminal == [r.rstrip() for r in expected]
        if step is not steps[0]:
            assert "\x1b[2J" not in written  # not cleared: rows were rewritten in place
    # The question's rows were written once, by the first draw.
    question = screen.card.q.split()[0]
    assert out.getvalue().count(question) == 1
    assert any("Again" in row for row in terminal)


def test_a_new_card_or_a_resize_draws_the_whole_screen(ws):
    session, story_for, _ = _session(ws)
    shown = session.next()
    assert shown is not None
    out = io.StringIO()
    console = Console(width=80, height=24, file=out, force_terminal=True, color_system=None)
    page = Page(console)
    screen = CardScreen(session, shown, story_for, ack="")
    page.draw(screen.top(0), screen.middle(), screen.bottom())
    page.forget()
    before = out.tell()
    page.draw(screen.top(0), screen.middle(), screen.bottom())
    assert "\x1b[2J" in out.getvalue()[before:]
    console.size = (70, 20)
    before = out.tell()
    page.draw(screen.top(0), screen.middle(), screen.bottom())
    assert "\x1b[2J" in out.getvalue()[before:]


def test_a_folded_story_is_the_same_lines_each_time(ws):
    session, story_for, _ = _session(ws)
    views = []
    while (shown := session.next()) is not None:
        view = story_for(shown.card)
        if isinstance(view, render.StoryView):
            views.append(view)
        session.grade(3)
    assert views
    console = Console(width=70, color_system=None)
    options = console.options.update(width=70)
    for view in views:
        a = console.render_lines(view, options, pad=False, new_lines=False)
        b = console.render_lines(Group(*view.folded(70)), options, pad=False, new_lines=False)
        assert a == b
        assert len(a) == 1 + len(view.parts)
        assert all(cell_len(line) <= 70 for line in _plain(a))


def test_an_opened_story_is_laid_out_once_and_drawn_the_same(ws):
    session, story_for, _ = _session(ws)
    shown = session.next()
    while shown is not None and not isinstance(story_for(shown.card), render.StoryView):
        session.grade(3)
        shown = session.next()
    assert shown is not None
    console = Console(width=72, color_system="truecolor", force_terminal=True)
    options = console.options.update(width=72)
    view = story_for(shown.card)
    view.opened = True
    whole = render.story([(p.name, p.markdown) for p in view.parts], view.title, view.seconds)
    expected = console.render_lines(whole, options, pad=False, new_lines=False)
    first = console.render_lines(view, options, pad=False, new_lines=False)
    again = story_for(shown.card)  # the next card with this story
    again.opened = True
    second = console.render_lines(again, options, pad=False, new_lines=False)
    assert first == expected and second == expected
    assert any("Result" in line for line in _plain(second))
