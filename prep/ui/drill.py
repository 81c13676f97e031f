"""The drill screen: a question, a key to reveal, four grades, undo, quit.

In a terminal the screen is laid out to its size (see screen.Page): the
header, the question and the keys stay in view; the answer, the keywords and
the story (folded to one line per STAR section until `s`) scroll between them.
Over a pipe, lines are printed and read as before, so a script can drive it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.text import Text

from ..drill import DrillSession, Shown
from ..schedule import RATINGS, format_interval, parse_rating
from . import render
from .keys import KeyReader
from .screen import Fixed, Page

HINT_Q = "type an empty line to reveal, 1-4 (or again/hard/good/easy) to grade, u or q"
HINT_A = "type 1, 2, 3 or 4 (or again/hard/good/easy), u or q"
GRADE_STYLE = {1: "red", 2: "yellow", 3: "green", 4: "cyan"}
TICK_KEYS = "1234567890"  # in tick mode: keyword 1-9, and 0 for the tenth
POLL_S = 0.3  # key wait between checks of the terminal's size

# Keys that set a card aside or open it, before or after the reveal.
SUSPEND_KEYS = ("@", "!", "suspend")
BURY_KEYS = ("-", "bury")
EDIT_KEYS = ("e", "edit")


def _buttons(
    previews: dict[int, timedelta], cram: bool, suggested: int | None = None
) -> render.Flow:
    items = []
    for r, name in RATINGS.items():
        t = Text()
        t.append(f" {r} ", style=f"reverse {GRADE_STYLE[r]}")
        ivl = "—" if cram else format_interval(previews[r])
        t.append(f" {name} {ivl}", style="bold underline" if r == suggested else "")
        items.append(t)
    return render.Flow(Text(""), items, gap=3)


def _keys(*items: str) -> render.Flow:
    """A line of key hints that wraps between items, never inside one."""
    return render.Flow(Text(""), [Text(i, style="dim") for i in items], gap=2)


_BEFORE_REVEAL: list[Fixed] = []


def _before_reveal() -> Fixed:
    """The keys line under a card not yet revealed: laid out once for the whole drill."""
    if not _BEFORE_REVEAL:
        _BEFORE_REVEAL.append(Fixed(Group(*CardScreen.keys_before_reveal())))
    return _BEFORE_REVEAL[0]


def header_items(session: DrillSession, shown: Shown, spent: float) -> list[Text]:
    """The header's elements, left to right; a new one is one more item here."""
    done = shown.index - 1
    left = shown.total - done
    s = int(spent)
    if session.budget_s is not None:  # the day's minutes: all of today's sessions count
        used, budget = int(session.used_s), int(session.budget_s)
        clock = Text(f"{used // 60:02d}:{used % 60:02d} of {budget // 60} min today")
    else:
        clock = Text(f"{s // 60:02d}:{s % 60:02d}")
    items = [
        Text("prep drill", style="bold"),
        Text(f"{done} done · {left} left", style="bold"),
        clock,
    ]
    if session.extra and session.budget_s is not None:
        items.append(Text("past today's minutes", style="yellow"))
    if session.cram:
        items.append(Text("cram: the schedule is not changed", style="yellow"))
    return items


def header(session: DrillSession, shown: Shown, spent: float) -> Text:
    return Text("  ·  ").join(header_items(session, shown, spent))


def suggest(covered: set[int], total: int) -> int | None:
    """A grade from the share of keywords ticked (the person still decides)."""
    if not total:
        return None
    share = len(covered) / total
    if share >= 1:
        return 4
    if share >= 2 / 3:
        return 3
    if share >= 1 / 3:
        return 2
    return 1


def run(
    session: DrillSession,
    console: Console,
    story_for: Any,
    started: float | None = None,
    reader: KeyReader | None = None,
    editor: Callable[[Any], tuple[Any, str]] | None = None,
) -> None:
    """The drill until q, end of input or an empty queue; Ctrl-C ends it too, with the summary.

    `editor(card)` opens the card in the person's editor and returns (the card as
    the decks now have it or None, a line to show). KeyboardInterrupt is raised
    again after the summary, so the command exits 130.
    """
    reader = reader or KeyReader()
    started = started or time.monotonic()
    tty = reader.tty
    interrupted = False
    try:
        with reader.active():
            if tty:
                _drill_screen(session, console, story_for, reader, started, editor)
            else:
                _drill(session, console, story_for, reader, started)
    except KeyboardInterrupt:
        render.drop_pending(console)  # a half-written line must not print twice
        interrupted = True
    summary = session.finish()
    if tty or interrupted:
        console.print()
    line = Text("Interrupted, saved: " if interrupted else "", style="bold")
    line.append(
        f"Reviewed {summary.reviewed} · again {summary.again_rate:.0%} · "
        f"{int(summary.seconds) // 60}m{int(summary.seconds) % 60:02d}s",
        style="bold",
    )
    now = session.clock.now()
    waiting = sum(1 for due, _ in session.learning if due > now)  # counted in the header
    if summary.stopped and summary.budget_s is not None:
        line.append(
            f" · {_budget_words(summary.budget_s, summary.used_s)}; {summary.left} left for "
            "another day (prep drill --extra goes on)",
            style="",
        )
    elif summary.left:
        line.append(f" · {summary.left} left for today (prep drill goes on)", style="")
        if waiting:
            line.append(
                f" · {waiting} more after {'its' if waiting == 1 else 'their'} learning step"
            )
    elif summary.next_due:
        line.append(
            f" · next due {summary.next_due.astimezone().strftime('%Y-%m-%d %H:%M')}", style=""
        )
    console.print(line, soft_wrap=True)  # one line, also for a script reading it
    if interrupted:
        raise KeyboardInterrupt


# --- a terminal: one screen per card ------------------------------------------------
class CardScreen:
    """What one card's screen shows, and the keys that change it."""

    def __init__(self, session: DrillSession, shown: Shown, story_for: Any, ack: str) -> None:
        self.session = session
        self.shown = shown
        self.story_for = story_for
        self.ack = ack
        self.revealed = False
        self.ticking = False  # number keys tick keywords instead of grading
        self.covered: set[int] = set()
        self._extra: Any = None
        self._previews: dict[int, timedelta] | None = None
        # The parts of this card's screen, each laid out once (see screen.Fixed).
        self._parts: dict[Any, Fixed] = {}
        self._parts_of: Any = None  # the card they show: an edit puts another one here

    @property
    def card(self) -> Any:
        return self.shown.card

    def reveal(self) -> None:
        self.revealed = True
        self.session.reveal()
        self._extra = self.story_for(self.card)
        self._previews = self.session.previews(self.shown)

    @property
    def story(self) -> render.StoryView | None:
        return self._extra if isinstance(self._extra, render.StoryView) else None

    def fixed(self, key: Any, make: Callable[[], RenderableType]) -> Fixed:
        """The part `key` of this card's screen, made and laid out once while it is shown."""
        if self._parts_of is not self.card:
            self._parts.clear()
            self._parts_of = self.card
        part = self._parts.get(key)
        if part is None:
            part = self._parts[key] = Fixed(make())
        return part

    def top(self, spent: float) -> list[RenderableType]:
        # The header changes with the clock: the only part of the top drawn each time.
        title = header(self.session, self.shown, spent)
        parts: list[RenderableType] = [render.LeftRule(title)]
        ack = self.ack
        if ack:  # what the last key did; a deck left broken by an edit says so in red
            style = "red" if ": error:" in ack else "dim green"
            parts.append(self.fixed(("ack", ack), lambda: Text(ack, style=style)))
        card = self.card
        parts.append(
            self.fixed("question", lambda: Group(render.card_header(card), render.question(card)))
        )
        return parts

    def middle(self) -> list[RenderableType]:
        if not self.revealed:
            return []
        card = self.card
        parts: list[RenderableType] = [self.fixed("answer", lambda: render.answer(card))]
        kw = render.keywords(card, self.covered) if card.keywords else None
        if kw is not None:  # a Flow is cheap to make; its lines are what is kept
            covered = frozenset(self.covered)
            parts.append(self.fixed(("keywords", covered), lambda: kw))
        extra = self._extra
        if extra is not None:
            opened = extra.opened if isinstance(extra, render.StoryView) else None
            parts.append(self.fixed(("extra", opened), lambda: extra))
        return parts

    def bottom(self) -> list[RenderableType]:
        if not self.revealed:
            return [_before_reveal()]  # the same on every card
        story = self.story
        key = ("bottom", self.ticking, frozenset(self.covered), story and story.opened)
        return [self.fixed(key, lambda: Group(*self._bottom()))]

    @staticmethod
    def keys_before_reveal() -> list[RenderableType]:
        return [
            _keys(
                "[space/enter] reveal",
                "[1-4] grade",
                "[e] edit",
                "[-] bury",
                "[@] suspend",
                "[u] undo",
                "[q] quit",
            )  # fmt: skip
        ]

    def _bottom(self) -> list[RenderableType]:
        """The grades and keys under a revealed card."""
        n = len(self.card.keywords)
        suggested = suggest(self.covered, n) if self.covered or self.ticking else None
        assert self._previews is not None
        parts: list[RenderableType] = []
        if self.ticking:
            last = min(n, 10)
            keys = f"1-{last % 10}" if last > 1 else "1"
            tick = [Text("ticking keywords:", style="bold"), Text(f"[{keys}] toggle")]
            tick.append(Text("[t/enter] done"))
            if suggested is not None:
                tick.append(Text(f"{len(self.covered)}/{n} said: suggests {RATINGS[suggested]}"))
            parts.append(render.Flow(Text(""), tick, gap=2))
        parts.append(_buttons(self._previews, self.session.cram, suggested))
        items = []
        story = self.story
        if story is not None:
            items.append("[s] close story" if story.opened else "[s] open story")
        if n and not self.ticking:
            items.append("[t] tick keywords")
        items += ["[e] edit", "[-] bury", "[@] suspend", "[u] undo", "[q] quit"]
        parts.append(_keys(*items))
        return parts


def _drill_screen(
    session: DrillSession,
    console: Console,
    story_for: Any,
    reader: KeyReader,
    started: float,
    editor: Callable[[Any], tuple[Any, str]] | None,
) -> None:
    page = Page(console)
    shown = session.next()
    ack = ""
    if shown is None and session.stopped:
        shown = _offer_extra(session, console, reader)
    if shown is None:
        if session.stopped:
            console.print("Today's minutes are used. ", end="")
        else:
            console.print("Nothing to drill now. ", end="")
    while shown is not None:
        screen = CardScreen(session, shown, story_for, ack)
        page.offset = 0
        page.forget()  # a new card: drawn whole, once
        outcome = _card_loop(screen, page, reader, started, editor)
        if outcome == "q":
            return
        if outcome == "u":
            undone, ack = _undo(session, console, tty=True)
            if undone is not None:
                shown = session.next()
            continue
        if isinstance(outcome, tuple):  # set aside or graded: (what to say,)
            ack = outcome[0]
        shown = session.next()
        if shown is None and session.stopped:
            shown = _offer_extra(session, console, reader, ack)


def _card_loop(
    screen: CardScreen,
    page: Page,
    reader: KeyReader,
    started: float,
    editor: Callable[[Any], tuple[Any, str]] | None,
) -> str | tuple[str]:
    """Keys on one card until it is graded, set aside, undone or the drill ends."""
    session = screen.session

    def draw() -> None:
        page.draw(screen.top(time.monotonic() - started), screen.middle(), screen.bottom())

    draw()
    while True:
        key = reader.read(timeout=POLL_S)
        if key is None:
            return "q"
        if key == "":
            if page.resized():
                draw()
            continue
        low = key.lower() if len(key) == 1 else key
        if screen.ticking:
            if low in ("q", "u"):
                return low
            if key in TICK_KEYS:
                i = TICK_KEYS.index(key) + 1
                if i <= len(screen.card.keywords):
                    screen.covered ^= {i}
            elif low in ("t", "\n", "esc"):
                screen.ticking = False
            elif not page.move(key):
                continue
            draw()
            continue
        if low == "q":
            return "q"
        if low == "u":
            return "u"
        if key in SUSPEND_KEYS or key in BURY_KEYS:
            return (_set_aside(session, screen.card, bury=key in BURY_KEYS),)
        if low in EDIT_KEYS and editor is not None:
            with reader.paused():
                card, message = editor(screen.card)
            page.forget()  # the editor had the terminal
            still = session.store.card(screen.card.id)
            if card is None and (still is None or not still.active):
                session.current = None  # taken out of its deck: the drill moves on
                return (message,)
            if card is not None:
                screen.shown.card = card
                session.current = card.id  # a renamed card is graded under its new id
                screen.revealed = False
                screen.covered.clear()
                page.offset = 0
            screen.ack = message
            draw()
            continue
        rating = parse_rating(key)
        if rating is not None:
            if not screen.revealed:
                screen.reveal()
            return (_grade(session, screen, rating),)
        if not screen.revealed:
            if key in (" ", "\n", "r"):
                screen.reveal()
                draw()
            continue
        if low == "s" and screen.story is not None:
            story = screen.story
            story.opened = not story.opened
            # Opened: start the page where the story starts.
            before = screen.middle()[:-1]
            page.offset = len(page.lines(before, page.size[0])) if story.opened else 0
            draw()
            continue
        if low == "t" and screen.card.keywords:
            screen.ticking = True
            draw()
            continue
        if page.move(key):
            draw()


def _grade(session: DrillSession, screen: CardScreen, rating: int) -> str:
    n = len(screen.card.keywords)
    covered = (sorted(screen.covered), n) if screen.covered else None
    graded = session.grade(rating, covered=covered)
    nxt = "not rescheduled" if session.cram else f"next in {format_interval(graded.interval)}"
    ticked = f" · keywords {len(screen.covered)}/{n}" if covered else ""
    return f"✓ {screen.card.id} {RATINGS[rating]} · {nxt}{ticked}"


def next_study_day(session: DrillSession, now: Any) -> Any:
    """When the next study day starts (a day is not always 24 hours: DST)."""
    from ..clock import day_start
    from ..status import settings_of

    tz, hour = session.clock.local_tz(), settings_of(session.store).day_starts_at
    return day_start(day_start(now, tz, hour) + timedelta(hours=36), tz, hour)


def _set_aside(session: DrillSession, card: Any, bury: bool) -> str:
    """Suspend or bury the shown card; the drill moves on without it."""
    now = session.clock.now()
    if bury:
        session.store.bury(card.id, next_study_day(session, now), now)
        session.current = None
        return f"⤓ buried {card.id} until tomorrow"
    session.store.suspend([card.id], now)
    session.current = None
    return f"⏸ suspended {card.id} (prep cards unsuspend {card.id})"


# --- a pipe: lines ------------------------------------------------------------------
def _drill(
    session: DrillSession, console: Console, story_for: Any, reader: KeyReader, started: float
) -> None:
    shown = session.next()
    if shown is None:
        console.print(
            "Today's minutes are used. " if session.stopped else "Nothing to drill now. ", end=""
        )
    while shown is not None:
        spent = time.monotonic() - started
        console.rule(header(session, shown, spent), align="left")
        console.print(render.card_header(shown.card))
        console.print(render.question(shown.card))
        console.print(Text(HELP_LINES, style="dim"))
        action = _read_action(reader, console, revealed=False)
        if action == "q":
            break
        if action == "u":
            undone, _ = _undo(session, console, tty=False)
            if undone is not None:  # else: nothing to undo, the same card stays
                shown = session.next()
            continue
        if action in ("suspend", "bury"):
            console.print(_set_aside(session, shown.card, bury=action == "bury"), highlight=False)
            shown = session.next()
            continue
        session.reveal()
        console.print(render.answer(shown.card))
        kw = render.keywords(shown.card)
        if kw is not None:
            console.print(kw)
        extra = story_for(shown.card)
        if isinstance(extra, render.StoryView):
            extra.opened = True  # a script reads the whole story
        if extra is not None:
            console.print(extra)
        rating = action if isinstance(action, int) else None
        if rating is None:
            console.print(_buttons(session.previews(shown), session.cram))
            action = _read_action(reader, console, revealed=True)
            if action == "q":
                break
            if action == "u":
                undone, _ = _undo(session, console, tty=False)
                if undone is not None:
                    shown = session.next()
                continue
            if action in ("suspend", "bury"):
                console.print(
                    _set_aside(session, shown.card, bury=action == "bury"), highlight=False
                )
                shown = session.next()
                continue
            rating = int(action)
        graded = session.grade(rating)
        nxt = "not rescheduled" if session.cram else f"next in {format_interval(graded.interval)}"
        console.print(
            f"✓ {shown.card.id} {RATINGS[rating]} · {nxt}", style="green", highlight=False
        )
        shown = session.next()


def _budget_words(budget_s: float, used_s: float) -> str:
    """'today's 10 minutes are used', or how much is left when it is less than a new card."""
    minutes = round(budget_s / 60)
    name = f"{minutes} minute{'s' if minutes != 1 else ''}"
    used = int(used_s)
    if used_s >= budget_s:
        return (
            f"today's {name} {'are' if minutes != 1 else 'is'} used ({used // 60}m{used % 60:02d}s)"
        )
    left = int(budget_s - used_s)
    return f"{left} s of today's {name} left: too little for a new card"


def _offer_extra(session: DrillSession, console: Console, reader: KeyReader, ack: str = "") -> Any:
    """The day's minutes are used: say so, and go on only if the person asks."""
    words = _budget_words(session.budget_s or 0.0, session.used_s)
    console.clear()
    if ack:
        console.print(ack, style="dim green", highlight=False)
    console.print(
        Text(
            f"{words[0].upper()}{words[1:]}.   [c] go on past them   [q] stop here",
            style="bold yellow",
        )
    )
    while True:
        key = reader.read()
        if key is None or key.strip().lower() in ("q", "quit", "", "esc"):
            return None
        if key.strip().lower() in ("c", "continue"):
            session.go_on()
            return session.next()


HELP_LINES = "[enter] reveal   [1-4] grade   [u] undo   [q] quit   [bury] [suspend]"


def _undo(session: DrillSession, console: Console, tty: bool) -> tuple[str | None, str]:
    """Undo this session's last grade: (the card to show again or None, what to tell)."""
    undone = session.undo()
    message = f"↶ undid the last grade of {undone}" if undone else "nothing to undo in this session"
    if not tty:
        console.print(message, style="dim", highlight=False)
    return undone, message


def _read_action(reader: KeyReader, console: Console, revealed: bool) -> int | str:
    """Next meaningful line: a rating (int), 'reveal', 'u', 'q', 'suspend' or 'bury'. EOF is 'q'."""
    while True:
        key = reader.read()
        if key is None:
            return "q"
        key = key.strip().lower()
        if key in ("q", "quit"):
            return "q"
        if key in ("u", "undo"):
            return "u"
        if key in SUSPEND_KEYS:
            return "suspend"
        if key in BURY_KEYS:
            return "bury"
        rating = parse_rating(key) if key else None
        if rating is not None:
            return rating
        if key in ("", "r", "reveal", "s", "show"):
            if not revealed:
                return "reveal"
            continue  # already revealed: a second Enter is no mistake
        console.print(HINT_A if revealed else HINT_Q, style="red", highlight=False)
