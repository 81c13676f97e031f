"""Rich pieces shared by drill and mock screens. Card text is data: never markup."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from .keys import clean

KIND_STYLE = {"technical": "cyan", "behavioral": "magenta", "concept": "blue", "ask": "green"}


def drop_pending(console: Any) -> None:
    """Forget output rich wrote but had not yet cleared when Ctrl-C arrived.

    rich writes its buffer, flushes, then clears it; an interrupt in between
    leaves the text in the buffer and the next print writes it again (a
    "✓ saved" line twice would report one grade as two). Output not yet written
    is lost instead, which at worst leaves a saved grade unacknowledged.
    """
    buffer = getattr(console, "_buffer", None)
    if isinstance(buffer, list):
        del buffer[:]


def card_header(card: Any) -> Text:
    t = Text()
    t.append(clean(card.deck), style="dim")
    t.append(" · ")
    t.append(clean(card.topic), style="bold")
    t.append(" · ")
    t.append(card.kind, style=KIND_STYLE.get(card.kind, ""))
    return t


def question(card: Any) -> Panel:
    return Panel(
        Text(clean(card.q), style="bold"), title="Q", title_align="left", border_style="bright_blue"
    )


def answer(card: Any) -> RenderableType:
    if not card.a:
        return Text("(no model answer in the deck)", style="dim")
    from rich.markdown import Markdown  # markdown-it is slow to import: only once revealed

    return Markdown(clean(card.a))


def keywords(card: Any, covered: set[int] | None = None) -> Text | None:
    if not card.keywords:
        return None
    t = Text("keywords  ", style="dim")
    for i, kw in enumerate(card.keywords, 1):
        mark = "☑" if covered and i in covered else "☐"
        t.append(f"{mark} {i}.{clean(kw)}  ")
    return t


def story(sections: list[tuple[str, str]], title: str, seconds: float) -> RenderableType:
    from rich.markdown import Markdown

    colors = {
        "Situation": "cyan",
        "Task": "yellow",
        "Action": "green",
        "Result": "magenta",
        "Learned": "blue",
    }
    panels = [
        Panel(
            Markdown(clean(body)),
            title=name,
            title_align="left",
            border_style=colors.get(name, "white"),
        )
        for name, body in sections
    ]
    from ..answers import whole_seconds

    head = Text(f"STAR · {clean(title)} · ~{whole_seconds(seconds)}s to say", style="bold")
    return Group(head, *panels)
