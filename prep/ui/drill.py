"""The drill screen: a question, a key to reveal, four grades, undo, quit."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from rich.console import Console
from rich.text import Text

from ..drill import DrillSession
from ..schedule import RATINGS, format_interval, parse_rating
from . import render
from .keys import KeyReader

HELP_Q = "[space/enter] reveal   [1-4] grade   [u] undo   [q] quit"
HINT_Q = "type an empty line to reveal, 1-4 (or again/hard/good/easy) to grade, u or q"
HINT_A = "type 1, 2, 3 or 4 (or again/hard/good/easy), u or q"


def _buttons(previews: dict[int, timedelta], cram: bool) -> Text:
    t = Text()
    styles = {1: "red", 2: "yellow", 3: "green", 4: "cyan"}
    for r, name in RATINGS.items():
        t.append(f" {r} ", style=f"reverse {styles[r]}")
        ivl = "—" if cram else format_interval(previews[r])
        t.append(f" {name} {ivl}   ")
    t.append(" u undo  q quit", style="dim")
    return t


def run(
    session: DrillSession,
    console: Console,
    story_for: Any,
    started: float | None = None,
    reader: KeyReader | None = None,
) -> None:
    """The drill until q, end of input or an empty queue; Ctrl-C ends it too, with the summary.

    KeyboardInterrupt is raised again after the summary, so the command exits 130.
    """
    reader = reader or KeyReader()
    started = started or time.monotonic()
    tty = reader.tty
    interrupted = False
    try:
        with reader.active():
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
    if summary.stopped and summary.budget_s is not None:
        line.append(
            f" · {_budget_words(summary.budget_s, summary.used_s)}; {summary.left} left for "
            "another day (prep drill --extra goes on)",
            style="",
        )
    elif summary.left:
        line.append(f" · {summary.left} left for today (prep drill goes on)", style="")
    elif summary.next_due:
        line.append(
            f" · next due {summary.next_due.astimezone().strftime('%Y-%m-%d %H:%M')}", style=""
        )
    console.print(line, soft_wrap=True)  # one line, also for a script reading it
    if interrupted:
        raise KeyboardInterrupt


def _drill(
    session: DrillSession, console: Console, story_for: Any, reader: KeyReader, started: float
) -> None:
    tty = reader.tty
    shown = session.next()
    last_ack = ""
    if shown is None and session.stopped and tty:
        shown = _offer_extra(session, console, reader)
    if shown is None:
        if session.stopped:
            console.print("Today's minutes are used. ", end="")
        else:
            console.print("Nothing to drill now. ", end="")
    while shown is not None:
        spent = int(time.monotonic() - started)
        if tty:
            console.clear()
        if session.budget_s is not None:
            used, budget = int(session.used_s), int(session.budget_s)
            clock = f"{used // 60:02d}:{used % 60:02d} of {budget // 60} min today"
        else:
            clock = f"{spent // 60:02d}:{spent % 60:02d}"
        head = Text(f"prep drill  {shown.index}/{shown.total}  ·  {clock}", style="bold")
        if session.extra and session.budget_s is not None:
            head.append("  ·  past today's minutes", style="yellow")
        if session.cram:
            head.append("  ·  cram: the schedule is not changed", style="yellow")
        console.rule(head, align="left")
        if tty and last_ack:  # the screen was cleared: say what the last key did
            console.print(last_ack, style="dim green", highlight=False)
        console.print(render.card_header(shown.card))
        console.print(render.question(shown.card))
        console.print(Text(HELP_Q, style="dim"))
        action = _read_action(reader, console, revealed=False)
        if action == "q":
            break
        if action == "u":
            undone, last_ack = _undo(session, console, tty)
            if undone is not None:  # else: nothing to undo, the same card stays
                shown = session.next()
            continue
        session.reveal()
        console.print(render.answer(shown.card))
        kw = render.keywords(shown.card)
        if kw is not None:
            console.print(kw)
        extra = story_for(shown.card)
        if extra is not None:
            console.print(extra)
        rating = action if isinstance(action, int) else None
        if rating is None:
            console.print(_buttons(session.previews(shown), session.cram))
            action = _read_action(reader, console, revealed=True)
            if action == "q":
                break
            if action == "u":
                undone, last_ack = _undo(session, console, tty)
                if undone is not None:
                    shown = session.next()
                continue
            rating = int(action)
        graded = session.grade(rating)
        nxt = "not rescheduled" if session.cram else f"next in {format_interval(graded.interval)}"
        last_ack = f"✓ {shown.card.id} {RATINGS[rating]} · {nxt}"
        console.print(last_ack, style="green", highlight=False)
        shown = session.next()
        if shown is None and session.stopped and tty:
            shown = _offer_extra(session, console, reader)


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


def _offer_extra(session: DrillSession, console: Console, reader: KeyReader) -> Any:
    """The day's minutes are used: say so, and go on only if the person asks."""
    words = _budget_words(session.budget_s or 0.0, session.used_s)
    console.print(
        Text(
            f"{words[0].upper()}{words[1:]}.   [c] go on past them   [q] stop here",
            style="bold yellow",
        )
    )
    while True:
        key = reader.read()
        if key is None or key.strip().lower() in ("q", "quit", ""):
            return None
        if key.strip().lower() in ("c", "continue"):
            session.go_on()
            return session.next()


def _undo(session: DrillSession, console: Console, tty: bool) -> tuple[str | None, str]:
    """Undo this session's last grade: (the card to show again or None, what to tell)."""
    undone = session.undo()
    message = f"↶ undid the last grade of {undone}" if undone else "nothing to undo in this session"
    if not tty:
        console.print(message, style="dim", highlight=False)
    return undone, message


def _read_action(reader: KeyReader, console: Console, revealed: bool) -> int | str:
    """Next meaningful action: a rating (int), 'reveal', 'u' or 'q'. EOF counts as 'q'."""
    while True:
        key = reader.read()
        if key is None:
            return "q"
        key = key.strip().lower() if not reader.tty else key.lower()
        if key in ("q", "quit"):
            return "q"
        if key in ("u", "undo"):
            return "u"
        rating = parse_rating(key) if key.strip() else None
        if rating is not None:
            return rating
        if key in ("", " ", "\n") or key in ("r", "reveal", "s", "show"):
            if not revealed:
                return "reveal"
            continue  # already revealed: a second Enter is no mistake
        if not reader.tty:  # a script or a pipe: say what would have worked
            console.print(HINT_A if revealed else HINT_Q, style="red", highlight=False)
