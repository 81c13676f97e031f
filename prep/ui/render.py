"""Rich pieces shared by drill and mock screens. Card text is data: never markup."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from weakref import WeakKeyDictionary

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.panel import Panel
from rich.segment import Segment
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


class Line:
    """One line of text, drawn as rich draws it but without wrapping it again when it
    already fits the width (rich wraps every Text it prints, word by word)."""

    __slots__ = ("text",)

    def __init__(self, text: Text) -> None:
        self.text = text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        text = self.text
        plain = text.plain
        justify = text.justify or options.justify
        if (
            "\n" in plain
            or "\t" in plain
            or justify not in (None, "default")  # rich pads or aligns such a line
            or text.cell_len > options.max_width
        ):
            yield text
            return
        # What Text.__rich_console__ yields for a line it need not wrap.
        yield from Text("").join([text]).render(console, end=text.end)


class LeftRule:
    """A title then a line to the edge: rich.rule.Rule(title, align="left") drawn as one
    Line (the drill's header, drawn again on every key)."""

    __slots__ = ("title",)

    def __init__(self, title: Text) -> None:
        self.title = title

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        if options.ascii_only or width < 3 or not self.title.plain:
            from rich.rule import Rule

            yield Rule(self.title, align="left")
            return
        title = self.title.copy()
        title.plain = title.plain.replace("\n", " ")
        title.expand_tabs()
        title.truncate(width - 2, overflow="ellipsis")
        line = Text()
        line.append(title)
        line.append(" ")
        line.append("─" * (width - line.cell_len), "rule.line")
        yield Line(line)


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


class Flow:
    """A label then items, wrapped like words but only between items.

    rich wraps a Text at any space, which put a checkbox at the end of one line
    and its keyword (or half of a two-word keyword) on the next.
    """

    def __init__(self, label: Text, items: list[Text], gap: int = 2):
        self.label = label
        self.items = items
        self.gap = gap

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widths = [self.label.cell_len] + [i.cell_len for i in self.items]
        total = sum(widths) + self.gap * len(self.items)
        return Measurement(min(max(widths), options.max_width), min(total, options.max_width))

    def lines(self, width: int) -> list[Text]:
        # Continuation lines start under the first item if every item fits there.
        widest = max((i.cell_len for i in self.items), default=0)
        indent = self.label.cell_len if self.label.cell_len + widest <= width else 0
        out: list[Text] = []
        line = self.label.copy()
        fresh = True  # no item on this line yet (the label ends with its own space)
        for item in self.items:
            gap = 0 if fresh else self.gap
            if line.cell_len + gap + item.cell_len > width and line.cell_len > indent:
                line.rstrip()
                out.append(line)
                line, gap = Text(" " * indent), 0
            line.append(" " * gap)
            line.append_text(item)
            fresh = False
        out.append(line)
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines(options.max_width):
            yield Line(line)  # an item wider than the screen wraps alone


def checkbox(
    i: int, keyword: str, covered: set[int] | None = None, style: str = "", sep: str = ""
) -> Text:
    """`☐ 3.keyword` as one unit for Flow; `style` marks a covered one."""
    done = bool(covered and i in covered)
    t = Text()
    t.append(f"{'☑' if done else '☐'} {i}.{sep}", style=style if done else "")
    t.append(clean(keyword))
    return t


def keywords(card: Any, covered: set[int] | None = None) -> Flow | None:
    if not card.keywords:
        return None
    items = [checkbox(i, kw, covered) for i, kw in enumerate(card.keywords, 1)]
    return Flow(Text("keywords  ", style="dim"), items)


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
    from ..answers import EXAMPLE_MARK

    if any(EXAMPLE_MARK in body for _, body in sections):
        head.append(f"  {EXAMPLE_MARK} = example figure: replace with your own", style="yellow")
    return Group(head, *panels)


STAR_LETTERS = {"Situation": "S", "Task": "T", "Action": "A", "Result": "R", "Learned": "L"}
STAR_COLORS = {
    "Situation": "cyan",
    "Task": "yellow",
    "Action": "green",
    "Result": "magenta",
    "Learned": "blue",
}


@lru_cache(maxsize=512)
def headline(markdown: str) -> str:
    """A section's text on one line, as it would be said (for a folded story).

    Kept per text: the same stories come back on card after card.
    """
    from ..answers import spoken_text

    return " ".join(clean(spoken_text(markdown)).replace("*", "").replace("`", "").split())


def fit(text: Text, width: int) -> Text:
    """`text` cut to `width` cells with an ellipsis, as Text.truncate does, without
    measuring a long text to its end (a STAR section is hundreds of wide characters)."""
    # Every character but a zero-width one takes a cell or two: past `width` + 1 of
    # them the text overflows whatever follows, so the rest can go first.
    if len(text) > width + 1:
        short = text[: width + 1]
        if short.cell_len > width:
            text = short
    text.truncate(width, overflow="ellipsis")
    return text


@lru_cache(maxsize=64)
def _folded(
    title: str, seconds: float, sections: tuple[tuple[str, str, float], ...], width: int
) -> tuple[Text, ...]:
    from ..answers import whole_seconds

    head = Text(f"STAR · {clean(title)} · ~{whole_seconds(seconds)}s to say", style="bold")
    out = [fit(head, width)]
    for name, markdown, secs in sections:
        t = Text(" ")
        letter = STAR_LETTERS.get(name, name[:1].upper())
        t.append(f" {letter} ", style=f"reverse {STAR_COLORS.get(name, 'white')}")
        t.append(f" {clean(name)} {whole_seconds(secs)}s  ", style="bold")
        t.append(headline(markdown), style="dim")
        out.append(fit(t, width))
    return tuple(out)


class StoryView:
    """A STAR story folded to one line per section (with its seconds), or open in full."""

    def __init__(self, parts: list[Any], title: str, seconds: float, opened: bool = False):
        self.parts = parts  # answers.Section: name, markdown, seconds
        self.title = title
        self.seconds = seconds
        self.opened = opened

    def head(self) -> Text:
        from ..answers import whole_seconds

        return Text(
            f"STAR · {clean(self.title)} · ~{whole_seconds(self.seconds)}s to say", style="bold"
        )

    def folded(self, width: int) -> list[Text]:
        """One line per section; the same story at the same width is folded once (the
        lines are shared: not to be changed)."""
        sections = tuple((p.name, p.markdown, p.seconds) for p in self.parts)
        return list(_folded(self.title, self.seconds, sections, width))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not self.opened:
            for line in self.folded(options.max_width):
                yield Line(line)
            return
        # Open, the story is Markdown in panels: laid out once per console and width,
        # however many cards show it (a drill over a pipe prints it with every card).
        sections = tuple((p.name, p.markdown, p.seconds) for p in self.parts)
        key = (
            options.max_width, options.ascii_only, options.justify, options.overflow,
            options.no_wrap, self.title, self.seconds, sections,
        )  # fmt: skip
        kept = _OPENED.setdefault(console, {})
        rows = kept.get(key)
        if rows is None:
            if len(kept) >= 64:
                kept.clear()
            whole = story([(name, md) for name, md, _ in sections], self.title, self.seconds)
            options = options.update(height=None)
            rows = kept[key] = console.render_lines(whole, options, pad=False, new_lines=True)
        for row in rows:
            yield from row


# Opened stories as laid out, for each console that drew them (and only while it lives).
_OPENED: WeakKeyDictionary[Console, dict[Any, list[list[Segment]]]] = WeakKeyDictionary()


def open_stories(renderable: Any) -> Any:
    """Open every folded story in `renderable` (a script or a pipe reads them whole)."""
    if isinstance(renderable, StoryView):
        renderable.opened = True
    for inner in getattr(renderable, "renderables", None) or ():
        open_stories(inner)
    return renderable


def fit_table(
    heads: list[str],
    rows: list[list[Any]],
    width: int,
    drop: list[int],
    flex: int | None = None,
    right: frozenset[int] = frozenset(),
    title: str | None = None,
    flex_min: int = 12,
    shrink: int | None = None,
) -> Any:
    """A table that fits `width`: columns in `drop` go first to last until it does.

    `flex` (a text column, e.g. the question) takes what the others leave and is
    cut with an ellipsis, as `shrink` is when the rest still does not fit; no cell wraps, so a narrow terminal loses columns, not
    the shape of its rows.
    """
    from rich import box
    from rich.table import Table

    def cell(value: Any) -> Text:
        return value if isinstance(value, Text) else Text(str(value))

    cells = [[cell(v) for v in r] for r in rows]
    need = {i: max([len(h), *(r[i].cell_len for r in cells)]) for i, h in enumerate(heads)}
    shown = list(range(len(heads)))

    def total(cols: list[int]) -> int:
        # Between two columns: one cell of padding each side and the divider.
        return sum(flex_min if i == flex else need[i] for i in cols) + 3 * (len(cols) - 1)

    for i in drop:
        if total(shown) <= width:
            break
        shown.remove(i)
    if shrink is not None and total(shown) > width:  # still too wide: cut that column
        need[shrink] = max(8, need[shrink] - (total(shown) - width))
    table = Table(
        title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False
    )
    room = width - total([i for i in shown if i != flex]) - 3
    for i in shown:
        if i == flex:
            table.add_column(
                heads[i], no_wrap=True, overflow="ellipsis", max_width=max(flex_min, room),
                min_width=min(need[i], max(flex_min, room)),
            )  # fmt: skip
        else:
            table.add_column(
                heads[i], justify="right" if i in right else "left", no_wrap=True,
                min_width=need[i], max_width=need[i], overflow="ellipsis",
            )  # fmt: skip
    for r in cells:
        table.add_row(*[r[i] for i in shown])
    return table
