"""The one-page cheat sheet: choose what goes on the page, render it, keep it to one page.

Content is a list of items in page order (the company, why you fit, the
selling points, the reminders, the readiness bars, the weakest cards, the
stories by value, the questions to ask, the gaps), ranked by `prioritize`:
the values, the fit, a story for every value, the questions to ask, the gaps
and the weakest cards and topics first; the reminders, products and news last.
A few pinned lines (the role, the company, the mission, the closing line) are
always printed. When the page overflows, items are dropped from the end of
the ranking until it fits, each kept item stays in its page place, and the
caller is told which ones went.

Templates only print a plain model built here: every text is already cut to
one line and a length cap, numbers are numbers. HTML is rendered with
autoescape on, Markdown with a finalizer that defuses raw HTML, so card text
is always shown as text.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import PrepError

if TYPE_CHECKING:
    from .clock import Clock
    from .schedule import Scheduler
    from .store import Filters, Store
    from .workspace import Workspace

TEMPLATES = Path(__file__).parent / "templates"

# Section ids, in page order (`prioritize` ranks what is kept when the page is full).
SECTIONS = (
    "company",
    "fit",
    "highlights",
    "advice",
    "readiness",
    "cards",
    "stories",
    "ask",
    "gaps",
)
SECTION_NAMES = {
    "company": "company values, products, news",
    "fit": "why I fit",
    "highlights": "top selling points",
    "advice": "STAR and tone reminders",
    "readiness": "readiness by topic",
    "cards": "cards to refresh",
    "stories": "stories by value",
    "ask": "questions to ask",
    "gaps": "gaps and plans",
}
FORMATS = ("md", "html", "pdf")
PAPERS = {"a4": "A4", "letter": "letter"}
PAPER_NAMES = {"a4": "A4", "letter": "US Letter"}

# One printed page of Markdown: 80 lines of 100 cells (a wide character such as
# Hangul takes two cells), about what a 10pt monospace page holds.
MD_LINES = 80
MD_COLS = 100
MAX_TOPICS = 16

# Length caps (in characters) keep one long field from eating the page, and
# keep the pinned header small enough that it always fits.
CAP_TITLE = 120
CAP_LINE = 160
CAP_POINT = 110
CAP_PARA = 260


# --- the model the templates print ------------------------------------------


@dataclass
class Head:
    candidate: str
    role: str
    company: str
    company_en: str
    details: list[str]
    mission: str
    mission_note: str
    closing: str
    at_label: str
    interview_label: str


@dataclass
class Group:
    title: str
    points: list[str]
    i: int = -1


@dataclass
class Line:
    kind: str  # value, product, news, advice
    label: str
    text: str
    i: int = -1  # index in the priority list (marks the element for the layout estimate)


@dataclass
class TopicBar:
    topic: str
    recall: float  # mean predicted recall, 0..1
    studied: int
    total: int
    i: int = -1

    @property
    def pct(self) -> int:
        return round(self.recall * 100)

    def text_bar(self, cells: int = 10) -> str:
        full = round(self.recall * cells)
        return "█" * full + "░" * (cells - full)


@dataclass
class WeakCard:
    id: str
    q: str
    point: str
    topic: str
    recall: float | None  # None: never studied
    asked_before: bool = False
    i: int = -1

    @property
    def pct(self) -> int | None:
        return None if self.recall is None else round(self.recall * 100)


@dataclass
class StoryRef:
    id: str
    title: str
    values: list[str]  # value ids, in profile order
    i: int = -1


@dataclass
class ValueGroup:
    """One line of the story index: a value and the numbers of the stories that show it."""

    name: str
    numbers: list[int]


@dataclass
class AskLine:
    id: str
    q: str
    keywords: str
    i: int = -1


@dataclass
class Gap:
    area: str
    admit: str
    plan: str
    i: int = -1


@dataclass
class Item:
    """One droppable piece of the page."""

    section: str
    label: str  # names it in the "left out" report
    data: Any
    pos: int = 0  # place on the page (the priority list is in another order)


@dataclass
class Content:
    head: Head
    items: list[Item]  # priority order, most important first
    value_names: dict[str, str]  # value id -> display name, profile order
    limited: dict[str, int] = field(default_factory=dict)  # section -> how many --max-cards cut
    notes: list[str] = field(default_factory=list)


@dataclass
class Sheet:
    """What a template prints: the head and the kept items grouped by section."""

    head: Head
    values: list[Line]
    products: list[Line]
    news: list[Line]
    fit: list[Group]
    highlights: list[Group]
    advice: list[Line]
    readiness: list[TopicBar]
    cards: list[WeakCard]
    stories: list[StoryRef]  # numbered 1.. in this order
    story_index: list[ValueGroup]
    asks: list[AskLine]
    gaps: list[Gap]
    paper: str


@dataclass
class Options:
    at: datetime | None = None
    filters: Filters | None = None
    sections: tuple[str, ...] = SECTIONS
    max_cards: int = 10
    paper: str = "a4"


@dataclass
class Output:
    format: str
    data: str | bytes
    dropped: list[Item]
    kept: int
    renders: int  # layout passes it took to fit
    notes: list[str] = field(default_factory=list)


# --- small text helpers --------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, dict) and len(value) == 1:
        # `- 예: 설명` in a YAML list of text reads as a one-entry mapping; print it as written.
        ((k, v),) = value.items()
        if not isinstance(v, (dict, list)):
            return f"{k}: {_text(v)}"
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


_MD_INLINE = re.compile(r"`+|\*\*|__")


def one_line(text: Any, cap: int = CAP_LINE) -> str:
    """Whitespace and control characters collapsed to single spaces, cut at `cap` with an ellipsis."""
    s = _text(text)
    s = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in s)
    s = " ".join(s.split())
    if len(s) > cap:
        s = s[: cap - 1].rstrip() + "…"
    return s


def key_point(answer: str, keywords: list[str]) -> str:
    """A card's one-line key point: its keywords, else the first line of its answer."""
    words = [one_line(k, 40) for k in keywords if one_line(k, 40)]
    if words:
        return one_line(" · ".join(words), CAP_POINT)
    for raw in answer.splitlines():
        line = raw.strip().lstrip("-*+> ").strip()
        if line:
            return one_line(_MD_INLINE.sub("", line), CAP_POINT)
    return ""


def display_width(line: str) -> int:
    """Terminal cells the line takes, as a terminal draws it.

    Wide CJK and Hangul take 2 cells, composed or decomposed (NFD jamo vowels
    and finals join the leading consonant); combining marks take none; an emoji
    sequence (ZWJ family, flag, skin tone, VS16) is one glyph of 2 cells.
    rich measures by those rules (14.3+); it is imported here, not with the
    module, so the core stays free of it until a sheet is measured.
    """
    from rich.cells import cell_len

    return cell_len(line)


def printed_lines(text: str, cols: int = MD_COLS) -> int:
    """Lines the text takes on paper when long lines wrap at `cols` cells."""
    return sum(max(1, math.ceil(display_width(line) / cols)) for line in text.splitlines())


def _when(dt: datetime) -> str:
    offset = dt.strftime("%z")
    zone = f"{offset[:3]}:{offset[3:]}" if offset and dt.utcoffset() else "UTC"
    return dt.strftime("%Y-%m-%d %H:%M") + f" ({zone})"


# --- choosing the content ---------------------------------------------------------


def default_at(store: Store, clock: Clock) -> tuple[datetime, bool]:
    """The interview time, else tomorrow 09:00 local. The flag says it was the interview."""
    from .status import interview_at

    interview = interview_at(store, clock)
    if interview is not None:
        return interview, True
    tz = clock.local_tz()
    local = clock.now().astimezone(tz) + timedelta(days=1)
    return local.replace(hour=9, minute=0, second=0, microsecond=0), False


def _stories(ws: Workspace) -> tuple[list[Any], list[str]]:
    """Stories (not emails) and a note per story file that cannot be read.

    A broken story costs its line on the page, not the whole page: the sheet
    is what the person reads on the way in.
    """
    from .answers import scan

    metas, problems = scan(ws)
    notes = [f"{p} (left off the sheet; `prep answer check` for all)" for p in problems[:3]]
    return [m for m in metas if m.kind == "story"], notes


def asked_cards(store: Store) -> set[str]:
    """Cards recorded as asked in a real interview (`prep followup --asked`)."""
    import sqlite3

    try:
        rows = store.conn.execute(
            "SELECT DISTINCT card_id FROM debrief_cards WHERE role = 'asked'"
        ).fetchall()
    except sqlite3.OperationalError:  # a database from before the follow-up tables
        return set()
    return {r[0] for r in rows}


class _Lite:
    """A card as the page's ranking needs it."""

    __slots__ = ("id", "topic", "kind")

    def __init__(self, id: str, topic: str, kind: str) -> None:
        self.id, self.topic, self.kind = id, topic, kind


def _recall_at(
    store: Store, scheduler: Scheduler, filters: Filters, at: datetime
) -> tuple[list[_Lite], dict[str, float], set[str]]:
    """Matching cards in deck order, their predicted recall at `at` (the scheduler's
    own: whole days since the last review), and the ids of those studied."""
    from .clock import iso, parse_iso

    where, args = filters.sql()
    rows = store.conn.execute(
        "SELECT c.id, c.topic, c.kind, s.state, s.stability, "
        "CAST(round((julianday(?) - julianday(s.last_review)) * 86400000) AS INTEGER), "
        f"s.last_review FROM cards c LEFT JOIN card_state s ON s.card_id = c.id WHERE {where} "
        "ORDER BY c.deck, c.position",
        (iso(at), *args),
    ).fetchall()
    cards: list[_Lite] = []
    recall: dict[str, float] = {}
    studied: set[str] = set()
    for cid, topic, kind, state, stability, ms, last in rows:
        cards.append(_Lite(cid, topic, kind))
        if state is None:
            recall[cid] = 0.0
            continue
        if ms is None and last is not None:  # a stored time SQLite cannot read: say so
            ms = int((at - parse_iso(last)).total_seconds() * 1000)
        studied.add(cid)
        recall[cid] = scheduler.recall_after(stability, ms)
    return cards, recall, studied


def weakest_order(
    cards: list[Any], recall: dict[str, float], studied: set[str], new_order: list[str],
    retention: float,
) -> list[Any]:  # fmt: skip
    """Cards most likely to be forgotten first.

    1. Studied cards FSRS predicts below the target retention, weakest first
       (these are slipping: one line on paper refreshes them).
    2. Cards never studied (recall 0), in the order a drill would introduce them.
       They come after the slipping ones because before any study every card is
       unseen and would crowd the studied signal off the page.
    3. Studied cards at or above the target, weakest first.
    """
    rank_new = {cid: i for i, cid in enumerate(new_order)}
    slipping = [c for c in cards if c.id in studied and recall[c.id] < retention]
    unseen = [c for c in cards if c.id not in studied]
    strong = [c for c in cards if c.id in studied and recall[c.id] >= retention]
    slipping.sort(key=lambda c: recall[c.id])
    unseen.sort(key=lambda c: rank_new.get(c.id, len(rank_new)))
    strong.sort(key=lambda c: recall[c.id])
    return slipping + unseen + strong


def build(
    ws: Workspace, store: Store, scheduler: Scheduler, clock: Clock, options: Options
) -> Content:
    """Everything that could go on the page, in priority order."""
    from .store import Filters
    from .workspace import load_profile

    for s in options.sections:
        if s not in SECTIONS:
            raise PrepError(f"unknown section '{s}'; use one of {', '.join(SECTIONS)}")
    if options.max_cards < 0:
        raise PrepError("--max-cards must be 0 or more")
    data = load_profile(ws).data
    want = set(options.sections)
    filters = options.filters or Filters()

    if options.at is not None:
        at, is_interview = options.at.astimezone(clock.local_tz()), False
    else:
        at, is_interview = default_at(store, clock)
    from .status import interview_at

    interview = interview_at(store, clock)

    candidate = _dict(data.get("candidate"))
    role = _dict(data.get("role"))
    company = _dict(data.get("company"))
    details = [
        one_line(x, 60)
        for x in (role.get("location"), role.get("remote_note"), role.get("employment_type"))
        if one_line(x)
    ]
    head = Head(
        candidate=one_line(candidate.get("name"), 60),
        role=one_line(role.get("title"), CAP_TITLE),
        company=one_line(company.get("name"), 80),
        company_en=one_line(company.get("name_en"), 80),
        details=details,
        mission=one_line(company.get("mission"), CAP_LINE).strip('"“”'),
        mission_note=one_line(company.get("mission_note"), CAP_LINE),
        closing=one_line(data.get("closing"), CAP_PARA),
        at_label=_when(at),
        interview_label=_when(interview) if interview else "",
    )
    if is_interview:
        head.at_label = head.interview_label

    items: list[Item] = []
    value_names: dict[str, str] = {}
    for v in _list(company.get("values")):
        v = _dict(v)
        vid, name = _text(v.get("id")), one_line(v.get("name"), 60)
        if vid:
            value_names[vid] = name or vid
        if "company" in want and name:
            items.append(
                Item("company", name, Line("value", name, one_line(v.get("how_i_show_it"))))
            )
    if "company" in want:
        items += [
            Item("company", one_line(p, 60), Line("product", "", one_line(p, CAP_POINT)))
            for p in _list(company.get("products"))
            if one_line(p)
        ]
        items += [
            Item("company", one_line(n, 60), Line("news", "", one_line(n, CAP_POINT)))
            for n in _list(company.get("recent_news"))
            if one_line(n)
        ]
    if "fit" in want:
        for g in _list(data.get("why_fit")):
            g = _dict(g)
            title = one_line(g.get("title"), 60)
            points = [one_line(p) for p in _list(g.get("points")) if one_line(p)]
            if title or points:
                items.append(Item("fit", title or points[0], Group(title, points)))
    if "highlights" in want:
        for g in _list(data.get("highlights")):
            g = _dict(g)
            area = one_line(g.get("area"), 60)
            points = [one_line(p) for p in _list(g.get("points")) if one_line(p)]
            if area or points:
                items.append(Item("highlights", area or points[0], Group(area, points)))
    if "advice" in want:
        advice = _dict(data.get("advice"))
        for key, label in (("star", "STAR"), ("tone", "Tone"), ("avoid", "Avoid")):
            for line in _list(advice.get(key)):
                if one_line(line):
                    items.append(
                        Item(
                            "advice",
                            f"{label}: {one_line(line, 40)}",
                            Line("advice", label, one_line(line)),
                        )
                    )

    # Every matching card as (id, topic, kind) with its recall at `at`, read in one query;
    # the whole card (answer, keywords) only for those that go on the page.
    cards, recall, studied = _recall_at(store, scheduler, filters, at)

    if "readiness" in want:
        by_topic: dict[str, list[Any]] = {}
        for c in cards:
            by_topic.setdefault(c.topic, []).append(c)
        bars = [
            TopicBar(
                topic=one_line(topic, 60),
                recall=sum(recall[c.id] for c in group) / len(group),
                studied=sum(1 for c in group if c.id in studied),
                total=len(group),
            )
            for topic, group in by_topic.items()
        ]
        order = {t: i for i, t in enumerate(by_topic)}
        bars.sort(key=lambda b: (b.recall, order.get(b.topic, 0)))
        items += [Item("readiness", f"{b.topic} {b.pct}%", b) for b in bars[:MAX_TOPICS]]

    asked = asked_cards(store)
    if "cards" in want:
        candidates = [c for c in cards if c.kind != "ask"]
        slipping = sum(
            1 for c in candidates if c.id in studied and recall[c.id] < scheduler.desired_retention
        )
        # Unseen cards come after the slipping ones: the order of the first few is enough.
        room = options.max_cards + len(asked)
        new_order = store.new_ids(filters, room) if slipping < room else []
        ordered = weakest_order(candidates, recall, studied, new_order, scheduler.desired_retention)
        # On the page because likely forgotten: a card predicted at or above the target
        # retention needs no refreshing tonight.
        ordered = [
            c for c in ordered
            if c.id not in studied or recall[c.id] < scheduler.desired_retention
        ]  # fmt: skip
        # A card asked in a real interview (prep followup --asked) comes first: the next
        # round may ask it again.
        ordered.sort(key=lambda c: c.id not in asked)
        if len(ordered) > options.max_cards:
            options_cut = len(ordered) - options.max_cards
            ordered = ordered[: options.max_cards]
        else:
            options_cut = 0
        for lite in ordered:
            row = store.card(lite.id)
            if row is None:
                continue
            items.append(
                Item(
                    "cards",
                    row.id,
                    WeakCard(
                        id=row.id,
                        q=one_line(row.q, CAP_LINE),
                        point=key_point(row.a, row.keywords),
                        topic=one_line(row.topic, 60),
                        recall=recall[row.id] if row.id in studied else None,
                        asked_before=row.id in asked,
                    ),
                )
            )
    else:
        options_cut = 0

    story_notes: list[str] = []
    if "stories" in want:
        stories, story_notes = _stories(ws)
        rank = {vid: i for i, vid in enumerate(value_names)}

        def first_value(s: Any) -> int:
            ranks = [rank[v] for v in getattr(s, "values", []) if v in rank]
            return min(ranks) if ranks else len(rank)

        for s in sorted(stories, key=first_value):
            vals = [v for v in value_names if v in getattr(s, "values", [])]
            vals += [one_line(v, 40) for v in getattr(s, "values", []) if v not in value_names]
            title = one_line(getattr(s, "title", "") or s.id, CAP_POINT)
            items.append(Item("stories", title, StoryRef(s.id, title, vals)))

    if "ask" in want:
        # --deck and --topic choose the cards to refresh; the questions for the interviewer
        # stay unless the filters name them (a deck or topic of asks).
        ask_ids = [c.id for c in cards if c.kind == "ask"]
        asks = [row for row in map(store.card, ask_ids) if row is not None]
        if not asks and filters != Filters(kinds=filters.kinds, tags=filters.tags):
            asks = store.cards(Filters(kinds=("ask",)))
        for ask in asks:
            if ask.kind == "ask":
                kw = " · ".join(one_line(k, 30) for k in ask.keywords if one_line(k))
                items.append(
                    Item("ask", ask.id, AskLine(ask.id, one_line(ask.q), one_line(kw, 90)))
                )

    if "gaps" in want:
        for g in _list(data.get("gaps")):
            g = _dict(g)
            area = one_line(g.get("area"), 60)
            if area or one_line(g.get("admit")):
                items.append(
                    Item(
                        "gaps",
                        area or one_line(g.get("admit"), 40),
                        Gap(
                            area,
                            one_line(g.get("admit"), CAP_PARA),
                            one_line(g.get("plan"), CAP_PARA),
                        ),
                    )
                )

    items = prioritize(items, value_names)
    for index, item in enumerate(items):
        item.data.i = index
    limited = {"cards": options_cut} if options_cut else {}
    return Content(
        head=head, items=items, value_names=value_names, limited=limited, notes=story_notes
    )


CORE_CARDS = 5  # weakest cards kept before the second tier
CORE_TOPICS = 4  # weakest readiness topics kept before the second tier


def prioritize(items: list[Item], value_names: dict[str, str]) -> list[Item]:
    """The page's items (in page order) in the order they are kept, most needed first.

    Kept first: the company values, why you fit, one story for every value, every
    question to ask and every gap, the weakest cards and topics. Then the other
    stories (a line each) and cards, the selling points and the other topics. Last (the first to go): the
    reminders, products and news. Cutting a page from the end of this list never
    leaves a value without its story nor the questions to ask behind.
    """
    for pos, item in enumerate(items):
        item.pos = pos
    by: dict[str, list[Item]] = {}
    for item in items:
        key = f"company:{item.data.kind}" if item.section == "company" else item.section
        by.setdefault(key, []).append(item)
    stories = by.get("stories", [])
    one_each: list[Item] = []
    for vid in value_names:
        if any(vid in s.data.values for s in one_each):
            continue
        first = next((s for s in stories if vid in s.data.values and s not in one_each), None)
        if first is not None:
            one_each.append(first)
    cards, topics = by.get("cards", []), by.get("readiness", [])
    core = [
        *by.get("company:value", []), *by.get("fit", []), *one_each, *by.get("ask", []),
        *by.get("gaps", []), *cards[:CORE_CARDS], *topics[:CORE_TOPICS],
    ]  # fmt: skip
    second = [
        *[s for s in stories if s not in one_each], *cards[CORE_CARDS:],
        *by.get("highlights", []), *topics[CORE_TOPICS:],
    ]  # fmt: skip
    third = [*by.get("advice", []), *by.get("company:product", []), *by.get("company:news", [])]
    ordered = core + second + third
    assert len(ordered) == len(items)
    return ordered


def sheet_of(content: Content, keep: int, paper: str = "a4") -> Sheet:
    """The page with the first `keep` items of the priority list, each in its page place."""
    kept = sorted(content.items[:keep], key=lambda item: item.pos)
    sheet = Sheet(
        head=content.head, values=[], products=[], news=[], fit=[], highlights=[], advice=[],
        readiness=[], cards=[], stories=[], story_index=[], asks=[], gaps=[],
        paper=PAPERS[paper],
    )  # fmt: skip
    lists: dict[str, list[Any]] = {
        "fit": sheet.fit, "highlights": sheet.highlights, "advice": sheet.advice,
        "readiness": sheet.readiness, "cards": sheet.cards, "stories": sheet.stories,
        "ask": sheet.asks, "gaps": sheet.gaps,
    }  # fmt: skip
    company: dict[str, list[Any]] = {
        "value": sheet.values,
        "product": sheet.products,
        "news": sheet.news,
    }
    for item in kept:
        d = item.data
        if item.section == "company":
            company[d.kind].append(d)
        elif item.section in lists:
            lists[item.section].append(d)
    # Every value has its line, also one no story on the page shows (it says so).
    groups: dict[str, ValueGroup] = (
        {vid: ValueGroup(name, []) for vid, name in content.value_names.items()}
        if sheet.stories
        else {}
    )
    for number, ref in enumerate(sheet.stories, 1):
        for vid in ref.values or ["-"]:
            name = content.value_names.get(vid, vid if vid != "-" else "(no value)")
            groups.setdefault(vid, ValueGroup(name, [])).numbers.append(number)
    order = {vid: i for i, vid in enumerate(content.value_names)}
    sheet.story_index = [groups[k] for k in sorted(groups, key=lambda k: order.get(k, len(order)))]
    return sheet


# --- rendering ------------------------------------------------------------------------


_MD_TAG = re.compile(r"<(?=[A-Za-z/!?])")
_MD_LINK = re.compile(r"\]\(")
# `[label]: url` defines a link for every `[label]` on the page (the sheet's own
# "[new]" badges included): in printed values its bracket is escaped, so no card
# can define a link that another card, or the sheet, then uses.
_MD_REFDEF = re.compile(r"\[(?=(?:[^[\]\\]|\\.){0,999}\]:)")  # labels are at most 999 chars


def md_escape(value: Any) -> Any:
    """Printed values in Markdown: raw HTML, inline links and link definitions become text."""
    if isinstance(value, str):
        value = _MD_REFDEF.sub("\\[", value)
        return _MD_LINK.sub("]\\(", _MD_TAG.sub("&lt;", value))
    return value


def _env(html: bool) -> Any:
    import jinja2

    # Our own templates, printing data only; autoescape is explicit for HTML
    # (select_autoescape would not recognise the .html.j2 suffix).
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        finalize=None if html else md_escape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_markdown(sheet: Sheet) -> str:
    text = _env(False).get_template("cheatsheet.md.j2").render(sheet=sheet)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def render_html(sheet: Sheet) -> str:
    return _env(True).get_template("cheatsheet.html.j2").render(sheet=sheet)


def largest_fit(
    n: int,
    fits: Callable[[int], bool],
    *,
    guess: int | None = None,
    good: int = -1,
    bad: int | None = None,
    steps: int = 3,
) -> int:
    """The largest k in [0, n] with fits(k), for a fits() that is monotone in k.

    `good` / `bad` are a k already known to fit / not to fit. From `guess`
    (an estimate of the answer) it walks one item at a time for a few steps,
    then falls back to a binary search. Raises PrepError when not even k = 0 fits.
    """
    lo = good  # largest k known to fit (-1: none known)
    hi = n + 1 if bad is None else bad  # smallest k known not to fit
    if hi > n:
        if fits(n):
            return n
        hi = n
    if guess is not None and lo + 1 <= hi - 1:
        g = max(lo + 1, min(guess, hi - 1))
        if fits(g):
            lo = g
            for _ in range(steps):
                if lo + 1 >= hi or not fits(lo + 1):
                    return lo
                lo += 1
        else:
            hi = g
            for _ in range(steps):
                if hi - 1 <= lo:
                    break
                if fits(hi - 1):
                    return hi - 1
                hi -= 1
    if lo < 0:
        if hi == 0 or not fits(0):
            raise PrepError(
                "even the profile essentials do not fit on one page; "
                "shorten the role, mission or closing in prep.yaml"
            )
        lo = 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid
    return lo


def fit_markdown(content: Content, lines: int = MD_LINES, cols: int = MD_COLS) -> Output:
    renders: dict[int, str] = {}

    def fits(k: int) -> bool:
        renders[k] = render_markdown(sheet_of(content, k))
        return printed_lines(renders[k], cols) <= lines

    k = largest_fit(len(content.items), fits)
    return Output("md", renders[k], content.items[k:], k, len(renders))


def have_weasyprint() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):  # OSError: installed, but the Pango library is missing
        return False
    return True


def _weasyprint() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        from .install import hint

        raise PrepError(
            f"PDF output needs WeasyPrint: {hint('pdf')} "
            f"(it also needs the Pango library; see the README) [{exc.__class__.__name__}]"
        ) from exc
    return weasyprint


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    # The sheet is self-contained; nothing in it may reach the network or the disk.
    raise ValueError(f"external resources are not loaded: {url[:60]}")


def _first_overflow(document: Any) -> int | None:
    """Lowest item index with any box past the first page (an estimate of what fits)."""
    lowest: int | None = None
    try:
        for page in document.pages[1:]:
            for box in page._page_box.descendants():
                element = getattr(box, "element", None)
                value = element.get("data-i") if element is not None else None
                if value is not None and (lowest is None or int(value) < lowest):
                    lowest = int(value)
    except (AttributeError, TypeError, ValueError):  # layout internals changed: no estimate
        return None
    return lowest


# Rough page capacity in "estimated lines" (text of ~46 cells per column line,
# three columns), measured on the example sheet; only used to pick how much to
# lay out in the first pass, never to decide what fits.
PAGE_LINES = {"a4": 285, "letter": 265}
CELLS_PER_LINE = 46


def _estimated_lines(item: Item) -> float:
    import dataclasses

    total = 0.3
    for f in dataclasses.fields(item.data):
        value = getattr(item.data, f.name)
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str) and text:
                total += math.ceil(display_width(text) / CELLS_PER_LINE)
    return total


def first_probe(content: Content, paper: str, factor: float = 1.6) -> int:
    """How many items to lay out first: all of them, or about 1.6 pages' worth."""
    budget = PAGE_LINES[paper] * factor
    used = 0.0
    for k, item in enumerate(content.items):
        used += _estimated_lines(item)
        if used > budget:
            return k + 1
    return len(content.items)


def fit_pdf(
    content: Content, paper: str = "a4", fmt: str = "pdf", most: int | None = None
) -> Output:
    """Lay out through WeasyPrint and keep the page count at one.

    `most`: keep at most this many items (the Markdown page's choice, so both
    pages say the same); that many are laid out first, and when they fit one
    page that single pass is the answer. Otherwise one pass over a bit more
    than a page tells which item first spills over, and that is the estimate.
    """
    import logging

    weasyprint = _weasyprint()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    html_of: dict[int, str] = {}
    docs: dict[int, Any] = {}
    verdict: dict[int, bool] = {}

    def fits(k: int) -> bool:
        if k not in verdict:
            html = render_html(sheet_of(content, k, paper))
            doc = weasyprint.HTML(string=html, url_fetcher=_no_fetch).render()
            verdict[k] = len(doc.pages) == 1
            if verdict[k]:
                html_of[k], docs[k] = html, doc
            else:
                docs[k] = doc  # kept for the estimate
        return verdict[k]

    n = len(content.items) if most is None else min(most, len(content.items))
    probe = n if most is not None else first_probe(content, paper)
    if fits(probe):
        k = probe if probe == n else largest_fit(n, fits, good=probe)
    else:
        k = largest_fit(n, fits, guess=_first_overflow(docs[probe]), bad=probe)
    renders = len(verdict)
    if fmt == "html":
        return Output("html", html_of[k], content.items[k:], k, renders)
    notes = []
    if _slow_font_subsetting():
        notes.append(
            "Note: HarfBuzz's subsetter (libharfbuzz-subset0) is missing, so WeasyPrint "
            "subsets the Hangul font slowly (up to a minute); install it to make this fast."
        )
    return Output("pdf", docs[k].write_pdf(), content.items[k:], k, renders, notes)


def _slow_font_subsetting() -> bool:
    try:
        from weasyprint.text import ffi
    except Exception:  # layout internals moved: nothing to say
        return False
    return getattr(ffi, "harfbuzz_subset", True) is None


def make(
    ws: Workspace, store: Store, scheduler: Scheduler, clock: Clock, options: Options, fmt: str
) -> Output:
    """Build the content and render it to one page in the given format.

    HTML is laid out by WeasyPrint when it is installed (so it prints as the
    PDF does); without it, it keeps what the Markdown page holds.
    """
    if fmt not in FORMATS:
        raise PrepError(f"unknown format '{fmt}'; use md, html or pdf")
    if options.paper not in PAPERS:
        raise PrepError(f"unknown paper '{options.paper}'; use a4 or letter")
    if fmt == "pdf":
        _weasyprint()  # fail before any work when the extra is missing
    content = build(ws, store, scheduler, clock, options)
    if fmt == "md":
        out = fit_markdown(content)
    elif fmt == "html" and not have_weasyprint():
        out = fit_markdown(content)
        html = render_html(sheet_of(content, out.kept, options.paper))
        out = Output("html", html, out.dropped, out.kept, out.renders)
    else:
        # The PDF (and its HTML) keep what the Markdown page keeps, or less if the
        # printed page cannot hold it: one choice of content, usually one layout pass.
        out = fit_pdf(content, options.paper, fmt, most=fit_markdown(content).kept)
    out.notes[:0] = content.notes
    return out


def describe_dropped(items: list[Item], per_section: int = 4) -> list[str]:
    """'3 questions to ask (a, b, c)' lines for the report, in section order."""
    by: dict[str, list[str]] = {}
    for item in items:
        by.setdefault(item.section, []).append(item.label)
    out = []
    for section in SECTIONS:
        labels = by.get(section)
        if not labels:
            continue
        shown = ", ".join(labels[:per_section])
        more = f", and {len(labels) - per_section} more" if len(labels) > per_section else ""
        out.append(f"{len(labels)} of {SECTION_NAMES[section]} ({shown}{more})")
    return out
