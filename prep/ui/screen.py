"""A full-terminal page: a fixed top and bottom, and a middle that scrolls.

The drill and mock screens keep the question (top) and the keys (bottom) in
view whatever the answer, keywords and story (middle) take; the middle is
paged with space/PgDn, PgUp, j/k and the arrows. Everything is laid out for
the terminal's size at the moment it is drawn, so a resize is a redraw.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, Group, RenderableType
from rich.control import Control, ControlType
from rich.segment import Segment
from rich.text import Text

# Keys that move the middle (the keys module names the escape sequences).
PAGE_DOWN = frozenset({" ", "pgdn", "f"})
PAGE_UP = frozenset({"pgup", "b"})
LINE_DOWN = frozenset({"j", "down"})
LINE_UP = frozenset({"k", "up"})
HOME = frozenset({"home", "g"})
END = frozenset({"end", "G"})
_ERASE_LINE = Control((ControlType.ERASE_IN_LINE, 2))
MOVES = PAGE_DOWN | PAGE_UP | LINE_DOWN | LINE_UP | HOME | END


def render_lines(console: Console, renderable: RenderableType, width: int) -> list[list[Segment]]:
    options = console.options.update(width=width, height=None)
    return console.render_lines(renderable, options, pad=False, new_lines=False)


class Fixed:
    """A part of a screen that does not change while it is shown (a card's question, its
    answer): laid out once for each width it is drawn at, then its lines are reused.

    Whoever shows it makes a new one when what it shows changes. Printed or rendered
    elsewhere, it is the renderable it holds.
    """

    __slots__ = ("renderable", "_console", "_lines")

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable
        self._console: Console | None = None
        self._lines: dict[int, list[list[Segment]]] = {}

    def lines(self, console: Console, width: int) -> list[list[Segment]]:
        if console is not self._console:
            self._console, self._lines = console, {}
        got = self._lines.get(width)
        if got is None:
            got = self._lines[width] = render_lines(console, self.renderable, width)
        return got

    def __rich_console__(self, console: Console, options: object) -> list[RenderableType]:
        return [self.renderable]


class Page:
    """Lays out and draws one screen; remembers how far the middle is scrolled."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.offset = 0
        self.room = 1  # rows the middle had at the last draw
        self.length = 0  # lines the middle had at the last draw
        self.size = (0, 0)
        self._frame: list[list[Segment]] | None = None  # the rows on the terminal now

    def lines(self, parts: Sequence[RenderableType], width: int) -> list[list[Segment]]:
        """The parts' lines at `width`; a `Fixed` part is laid out once per width and kept."""
        out: list[list[Segment]] = []
        pending: list[RenderableType] = []
        for part in parts:
            if isinstance(part, Fixed):
                if pending:
                    out += render_lines(self.console, Group(*pending), width)
                    pending = []
                out += part.lines(self.console, width)
            else:
                pending.append(part)
        if pending:
            out += render_lines(self.console, Group(*pending), width)
        return out

    def layout(
        self,
        top: Sequence[RenderableType],
        middle: Sequence[RenderableType],
        bottom: Sequence[RenderableType],
        width: int,
        height: int,
    ) -> list[list[Segment]]:
        """The screen's lines, at most `height` of them, with the middle scrolled to `offset`."""
        head = self.lines(top, width)
        foot = self.lines(bottom, width)
        body = self.lines(middle, width)
        # The question may be long; it keeps at least its first lines, the keys always stay.
        keep_top = max(1, height - len(foot) - 3)
        head = head[:keep_top]
        room = max(1, height - len(head) - len(foot))
        marker: list[list[Segment]] = []
        if len(body) > room:
            room = max(1, room - 1)  # one row says where in the middle we are
        self.room, self.length = room, len(body)
        self.offset = max(0, min(self.offset, len(body) - room))
        shown = body[self.offset : self.offset + room]
        if len(body) > room:
            marker = self.lines([self.marker(width)], width)[:1]
        return head + shown + marker + foot

    def marker(self, width: int) -> Text:
        first, last = self.offset + 1, min(self.length, self.offset + self.room)
        more = []
        if last < self.length:
            more.append("space/PgDn more")
        if self.offset:
            more.append("PgUp/k back")
        t = Text(f"── lines {first}-{last} of {self.length}", style="dim")
        if more:
            t.append(" · " + " · ".join(more), style="dim")
        t.append(" ")
        t.append("─" * max(0, width - t.cell_len), style="dim")
        t.truncate(width)
        return t

    def move(self, key: str) -> bool:
        """Scroll the middle for a paging key; False if the key is not one."""
        step = {**dict.fromkeys(PAGE_DOWN, self.room), **dict.fromkeys(PAGE_UP, -self.room)}
        step.update(dict.fromkeys(LINE_DOWN, 1))
        step.update(dict.fromkeys(LINE_UP, -1))
        if key in HOME:
            self.offset = 0
        elif key in END:
            self.offset = self.length
        elif key in step:
            self.offset = max(0, self.offset + step[key])
        else:
            return False
        return True

    def draw(
        self,
        top: Sequence[RenderableType],
        middle: Sequence[RenderableType],
        bottom: Sequence[RenderableType],
    ) -> None:
        """Draw the screen: the rows that differ from the last draw, or all of it after
        `forget`, a resize, or when the output is not a terminal."""
        console = self.console
        width, height = console.size
        lines = self.layout(top, middle, bottom, width, height)
        old, self._frame = self._frame, lines
        segments: list[Segment] = []
        if old is None or self.size != (width, height) or not console.is_terminal:
            self.size = (width, height)
            for i, line in enumerate(lines):
                if i:
                    segments.append(Segment.line())
                segments.extend(line)
            console.clear()
            console.print(_Segments(segments), end="", crop=False, soft_wrap=True)
            return
        # The same card: rewrite only the rows that changed (the header's clock, the
        # middle when it scrolls or the answer appears), each erased before it is
        # written (erasing after a row that fills the width would take its last cell).
        for y in range(max(len(lines), len(old))):
            row = lines[y] if y < len(lines) else None
            if y < len(old) and row is not None and (row is old[y] or row == old[y]):
                continue
            segments += [Control.move_to(0, y).segment, _ERASE_LINE.segment]
            if row is not None:
                segments += row
        if not segments:
            return
        last = lines[-1] if lines else []
        x = min(width - 1, sum(seg.cell_length for seg in last if not seg.control))
        segments.append(
            Control.move_to(x, max(0, len(lines) - 1)).segment
        )  # where a full draw ends
        console.print(_Segments(segments), end="", crop=False, soft_wrap=True)

    def forget(self) -> None:
        """The terminal shows something else now (a new card, the editor ran): the next
        draw is a whole one."""
        self._frame = None

    def resized(self) -> bool:
        return self.console.size != self.size


class _Segments:
    """Already laid-out segments, written as they are."""

    def __init__(self, segments: list[Segment]) -> None:
        self.segments = segments

    def __rich_console__(self, console: Console, options: object) -> list[Segment]:
        return self.segments
