"""Deck files: the model, loading with located validation, and card ids."""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import Problem
from .yamlsafe import LDict, LList, load

KINDS = ("technical", "behavioral", "concept", "ask")
CARD_KEYS = ("id", "kind", "topic", "q", "a", "keywords", "story", "time", "tags", "priority")
DECK_KEYS = ("deck", "title", "language", "priority", "defaults", "cards")
# How soon a new card comes in: higher first. A deck's priority is its cards' default.
PRIORITY_WORDS = {"high": 1, "normal": 0, "low": -1}
DEFAULT_KEYS = ("kind", "topic", "time", "tags")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
# Past these sizes a field is a paste accident, not a card, and it would stall
# the drill screen (measured: a 1 MB question takes 5 s to draw).
MAX_CHARS = {"q": 2_000, "a": 20_000}
MAX_CHARS_OTHER = 500
MAX_ITEMS = 100
TIME_RE = re.compile(r"^\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?\s*$")


@dataclass
class Card:
    id: str
    deck: str
    kind: str
    topic: str
    q: str
    a: str = ""
    keywords: list[str] = field(default_factory=list)
    story: str | None = None
    time_s: int | None = None
    tags: list[str] = field(default_factory=list)
    priority: int = 0  # new cards of higher priority come in first (high 1, low -1)
    path: str = ""
    line: int = 0
    col: int = 0
    auto_id: bool = False
    position: int = 0
    chunk: str = ""  # hash of the card's lines in its file, for re-parsing only what changed
    chunk_line: int = 0  # the line where those lines start
    reused: bool = field(default=False, compare=False)  # taken unchanged from the last sync


@dataclass
class Deck:
    id: str
    title: str
    language: str
    path: str
    cards: list[Card]
    header: str = ""  # hash of the lines above the cards, when the file can be split per card


def normalize(text: str) -> str:
    """Question text reduced to what identifies it: case, spacing, punctuation gone."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


def auto_id(question: str) -> str:
    return "q-" + hashlib.sha1(normalize(question).encode("utf-8")).hexdigest()[:10]


def parse_time(value: Any) -> int | None:
    """'2m', '90s', '1m30s' or a number of seconds."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        m = TIME_RE.match(value)
        if m and (m.group(1) or m.group(2)):
            return int(m.group(1) or 0) * 60 + int(m.group(2) or 0)
    return None


def _did_you_mean(key: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.5)
    return f"; did you mean '{close[0]}'?" if close else ""


def _unknown_kind(kind: str) -> str:
    close = difflib.get_close_matches(kind, KINDS, n=1, cutoff=0.5)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown kind '{kind}'{hint}; use one of {', '.join(KINDS)}"


def _typename(value: Any) -> str:
    return {
        str: "text",
        int: "a number",
        float: "a number",
        bool: "true/false",
        type(None): "empty",
    }.get(
        type(value),
        "a list"
        if isinstance(value, list)
        else "a mapping"
        if isinstance(value, dict)
        else type(value).__name__,
    )


class _Checker:
    def __init__(self, path: str):
        self.path = path
        self.problems: list[Problem] = []

    def err(self, pos: tuple[int, int], message: str) -> None:
        self.problems.append(Problem(self.path, pos[0], pos[1], message))

    def text(self, m: LDict, key: str, *, required: bool = False) -> str | None:
        if key not in m:
            if required:
                self.err(m.pos, f"missing '{key}'")
            return None
        value = m[key]
        if isinstance(value, str):
            if required and not value.strip():
                self.err(m.val_pos[key], f"'{key}' is empty")
            limit = MAX_CHARS.get(key, MAX_CHARS_OTHER)
            if len(value) > limit:
                self.err(
                    m.val_pos[key], f"'{key}' is {len(value):,} characters; the limit is {limit:,}"
                )
            return value
        if value is None and not required:
            return None
        self.err(m.val_pos[key], f"'{key}' must be text, not {_typename(value)}")
        return None

    def str_list(self, m: LDict, key: str) -> list[str]:
        if key not in m or m[key] is None:
            return []
        value = m[key]
        if isinstance(value, str):  # "a, b" is a kind reading of a list; "a" is one item
            return self._sized(m, key, [v.strip() for v in value.split(",") if v.strip()])
        if not isinstance(value, list):
            self.err(m.val_pos[key], f"'{key}' must be a list of text, not {_typename(value)}")
            return []
        out: list[str] = []
        positions = value.item_pos if isinstance(value, LList) else [m.val_pos[key]] * len(value)
        for item, pos in zip(value, positions, strict=True):
            if isinstance(item, (str, int, float)) and not isinstance(item, bool):
                out.append(str(item))
            else:
                self.err(pos, f"'{key}' items must be text, not {_typename(item)}")
        return self._sized(m, key, out)

    def _sized(self, m: LDict, key: str, items: list[str]) -> list[str]:
        if len(items) > MAX_ITEMS:
            self.err(m.val_pos[key], f"'{key}' has {len(items):,} items; the limit is {MAX_ITEMS}")
        elif any(len(i) > MAX_CHARS_OTHER for i in items):
            self.err(m.val_pos[key], f"'{key}' items are limited to {MAX_CHARS_OTHER} characters")
        return items

    def unknown(self, m: LDict, allowed: tuple[str, ...], what: str) -> None:
        for key in m:
            if key not in allowed:
                self.err(m.key_pos[key], f"unknown {what} key '{key}'{_did_you_mean(key, allowed)}")

    def priority(self, m: LDict, key: str = "priority") -> int | None:
        """high, normal, low, or a whole number from -9 to 9 (higher comes first)."""
        if key not in m or m[key] is None:
            return None
        value = m[key]
        if isinstance(value, str) and value.strip().lower() in PRIORITY_WORDS:
            return PRIORITY_WORDS[value.strip().lower()]
        if isinstance(value, int) and not isinstance(value, bool) and -9 <= value <= 9:
            return value
        self.err(m.val_pos[key], f"'{key}' must be high, normal, low or a number from -9 to 9")
        return None

    def time(self, m: LDict, key: str) -> int | None:
        if key not in m or m[key] is None:
            return None
        seconds = parse_time(m[key])
        if seconds is None or not 5 <= seconds <= 3600:
            self.err(
                m.val_pos[key], f"'{key}' must be a duration like 90s, 2m or 1m30s (5s to 60m)"
            )
            return None
        return seconds


@dataclass
class Reuse:
    """What the last sync of a file knew: its header hash and, per card chunk, the card."""

    header: str
    chunks: dict[str, tuple[Card, int]]  # chunk hash -> (card, chunk start line)


_CARDS_LINE = re.compile(r"^cards:[ \t]*(?:#.*)?$", re.MULTILINE)


def _sha(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def split_chunks(text: str) -> tuple[str, list[tuple[int, str]]] | None:
    """Split a block-style deck into its header and one text chunk per card.

    Returns None for any shape this cannot cut safely (flow style, keys after
    the card list, tabs); the caller then parses the whole file. Regular
    expressions do the scanning: this runs on every re-sync of a big deck.
    """
    m = _CARDS_LINE.search(text)
    if m is None or "\t" in text:
        return None
    header = text[: m.end()]
    rest = text[m.end() + 1 :]
    first = _FIRST_CONTENT.search(rest)
    if first is None or not _ITEM_AT.match(rest, first.start() + len(first.group(1))):
        return None
    indent = len(first.group(1))
    less = f" {{0,{indent - 1}}}[^ #\n]|" if indent else ""
    if re.search(rf"^(?:{less} {{{indent}}}(?!- |-$|#)[^ \n])", rest, re.MULTILINE):
        return None  # a key after the card list, or an item at the wrong depth
    starts = [m2.start() for m2 in re.finditer(rf"^ {{{indent}}}-(?: |$)", rest, re.MULTILINE)]
    line = header.count("\n") + 2
    chunks = []
    prev = 0
    for i, pos in enumerate(starts):
        line += rest.count("\n", prev, pos)
        end = starts[i + 1] if i + 1 < len(starts) else len(rest)
        chunks.append((line, rest[pos:end].rstrip("\n")))
        prev = pos
    return header, chunks


_FIRST_CONTENT = re.compile(r"^( *)[^ #\n]", re.MULTILINE)
_ITEM_AT = re.compile(r"-(?: |$)", re.MULTILINE)


def parse_deck(
    raw: bytes, path: str, reuse: Reuse | None = None
) -> tuple[Deck | None, list[Problem]]:
    """Parse and validate one deck file. Returns the deck and its problems.

    With `reuse` (from the last sync), only the cards whose lines changed are
    parsed; a 10k-card deck with one edit costs one card, not ten thousand.
    """
    if reuse is not None:
        result = _parse_incremental(raw, path, reuse)
        if result is not None:
            return result
    loaded = load(raw, path)
    if loaded.problems:
        return None, loaded.problems
    data = loaded.data
    c = _Checker(path)
    if data is None:
        return None, [Problem(path, 1, 1, "empty deck: no cards")]
    if not isinstance(data, LDict):
        return None, [
            Problem(path, 1, 1, f"a deck must be a mapping with 'cards', not {_typename(data)}")
        ]
    head = _header(c, data, path)
    cards_raw = data.get("cards")
    if cards_raw is None:
        c.err(data.pos, "empty deck: no cards" if "cards" in data else "missing 'cards'")
        return None, c.problems
    if not isinstance(cards_raw, LList):
        c.err(data.val_pos["cards"], f"'cards' must be a list, not {_typename(cards_raw)}")
        return None, c.problems
    if not cards_raw:
        c.err(data.val_pos["cards"], "empty deck: no cards")
    split = split_chunks(loaded.text)
    header = _sha(split[0]) if split else ""
    hashes = [(_sha(t), start) for start, t in split[1]] if split else []
    if len(hashes) != len(cards_raw):
        hashes = []
    cards: list[Card] = []
    seen: dict[str, tuple[int, int]] = {}
    for position, (item, pos) in enumerate(zip(cards_raw, cards_raw.item_pos, strict=True)):
        card = _card(c, item, pos, position, head, seen)
        if card is not None:
            if hashes:
                card.chunk, card.chunk_line = hashes[position]
            cards.append(card)
    # Valid cards come back even beside problems, so cross-deck checks still see
    # them; callers treat any problem as fatal.
    deck = Deck(
        head["deck"], head["title"], head["language"], path, cards, header if hashes else ""
    )
    return deck, c.problems


def _parse_incremental(raw: bytes, path: str, reuse: Reuse) -> tuple[Deck, list[Problem]] | None:
    from .yamlsafe import decode

    text, problems = decode(raw, path)
    if text is None or problems:
        return None
    split = split_chunks(text)
    if split is None or _sha(split[0]) != reuse.header:
        return None
    header_text, chunks = split
    if not chunks:
        return None
    fresh = [i for i, (_, t) in enumerate(chunks) if _sha(t) not in reuse.chunks]
    if len(fresh) > max(50, len(chunks) // 5):
        return None  # mostly new: one full parse is cheaper
    loaded = load(header_text.encode("utf-8"), path)
    if loaded.problems or not isinstance(loaded.data, LDict):
        return None
    c = _Checker(path)
    head = _header(c, loaded.data, path)
    cards: list[Card] = []
    seen: dict[str, tuple[int, int]] = {}
    for position, (start, chunk) in enumerate(chunks):
        sha = _sha(chunk)
        known = reuse.chunks.get(sha)
        if known is not None and known[0].id not in seen:
            old, old_start = known
            card = Card(
                **{
                    **old.__dict__,
                    "line": old.line - old_start + start,
                    "position": position,
                    "chunk_line": start,
                    # unchanged and in the same place: the database row needs no write
                    "reused": old_start == start and position == old.position,
                }
            )
            seen[card.id] = (card.line, card.col)
            cards.append(card)
            continue
        piece = load(chunk.encode("utf-8"), path)
        if piece.problems:
            return None  # report YAML errors exactly as a full parse does
        if not isinstance(piece.data, LList) or len(piece.data) != 1:
            return None
        _shift(piece.data, start - 1)  # positions as they are in the whole file
        new = _card(c, piece.data[0], piece.data.item_pos[0], position, head, seen)
        if new is not None:
            new.chunk, new.chunk_line = sha, start
            cards.append(new)
    if not cards and not c.problems:
        c.err((start, 1), "empty deck: no cards")
    return Deck(
        head["deck"], head["title"], head["language"], path, cards, reuse.header
    ), c.problems


def _shift(value: Any, lines: int) -> None:
    """Move every recorded position down by `lines` (a chunk parsed on its own)."""
    if isinstance(value, LDict):
        value.pos = (value.pos[0] + lines, value.pos[1])
        value.key_pos = {k: (p[0] + lines, p[1]) for k, p in value.key_pos.items()}
        value.val_pos = {k: (p[0] + lines, p[1]) for k, p in value.val_pos.items()}
        for v in value.values():
            _shift(v, lines)
    elif isinstance(value, LList):
        value.pos = (value.pos[0] + lines, value.pos[1])
        value.item_pos = [(p[0] + lines, p[1]) for p in value.item_pos]
        for v in value:
            _shift(v, lines)


def _header(c: _Checker, data: LDict, path: str) -> dict[str, Any]:
    c.unknown(data, DECK_KEYS, "deck")
    deck_id = c.text(data, "deck") or Path(path).stem
    if not ID_RE.match(deck_id):
        c.err(
            data.val_pos.get("deck", data.pos),
            f"invalid deck id '{deck_id}': use letters, digits, '.', '_' or '-'",
        )
    title = c.text(data, "title") or deck_id
    language = c.text(data, "language") or "ko"
    priority = c.priority(data) or 0
    defaults: dict[str, Any] = {}
    if "defaults" in data and data["defaults"] is not None:
        d = data["defaults"]
        if not isinstance(d, LDict):
            c.err(data.val_pos["defaults"], "'defaults' must be a mapping")
        else:
            c.unknown(d, DEFAULT_KEYS, "defaults")
            defaults = {
                "kind": c.text(d, "kind"),
                "topic": c.text(d, "topic"),
                "time": c.time(d, "time"),
                "tags": c.str_list(d, "tags"),
            }
            if defaults["kind"] is not None and defaults["kind"] not in KINDS:
                c.err(d.val_pos["kind"], _unknown_kind(defaults["kind"]))
    return {
        "deck": deck_id, "title": title, "language": language, "defaults": defaults,
        "priority": priority,
    }  # fmt: skip


def _card(
    c: _Checker, item: Any, pos: tuple[int, int], position: int, head: dict[str, Any],
    seen: dict[str, tuple[int, int]],
) -> Card | None:  # fmt: skip
    path = c.path
    defaults = head["defaults"]
    if not isinstance(item, LDict):
        c.err(pos, f"a card must be a mapping with 'q', not {_typename(item)}")
        return None
    before = len(c.problems)
    c.unknown(item, CARD_KEYS, "card")
    q = c.text(item, "q", required=True)
    card_id = c.text(item, "id")
    if card_id is not None and not ID_RE.match(card_id):
        c.err(
            item.val_pos["id"],
            f"invalid card id {card_id!r}: use letters, digits, '.', '_' or '-' (at most 80)",
        )
    kind = c.text(item, "kind") or defaults.get("kind") or "technical"
    if "kind" in item and isinstance(item["kind"], str) and kind not in KINDS:
        c.err(item.val_pos["kind"], _unknown_kind(kind))
    topic = c.text(item, "topic") or defaults.get("topic") or head["title"]
    answer = c.text(item, "a") or ""
    keywords = c.str_list(item, "keywords")
    story = c.text(item, "story")
    if story is not None and not ID_RE.match(story):
        c.err(item.val_pos["story"], f"invalid story id {story!r}")
    time_s = c.time(item, "time") if "time" in item else defaults.get("time")
    tags = c.str_list(item, "tags") or list(defaults.get("tags") or [])
    own = c.priority(item)
    priority = own if own is not None else head.get("priority", 0)
    if len(c.problems) > before or q is None:
        return None
    auto = card_id is None
    cid = card_id if card_id is not None else auto_id(q)
    card_pos = item.val_pos.get("id", pos) if not auto else pos
    if cid in seen:
        first = seen[cid]
        what = "card id" if not auto else "question (same text gives the same id)"
        c.err(card_pos, f"duplicate {what} '{cid}' (first at {path}:{first[0]}:{first[1]})")
        return None
    seen[cid] = card_pos
    return Card(
        id=cid, deck=head["deck"], kind=kind, topic=topic.strip(), q=q.strip(), a=answer.strip(),
        keywords=keywords, story=story, time_s=time_s, tags=tags, priority=priority, path=path,
        line=card_pos[0], col=card_pos[1], auto_id=auto, position=position,
    )  # fmt: skip


def deck_files(root: Path) -> list[Path]:
    folder = root / "decks"
    if not folder.is_dir():
        return []
    from .workspace import is_deck_name

    return sorted(p for p in folder.iterdir() if is_deck_name(p.name) and p.is_file())


def cross_check(
    decks: list[Deck], known: dict[str, tuple[str, int, int]] | None = None
) -> list[Problem]:
    """Duplicate ids across decks (both places named), duplicate deck ids."""
    problems: list[Problem] = []
    where: dict[str, tuple[str, int, int]] = dict(known or {})
    deck_ids: dict[str, str] = {}
    for deck in decks:
        if deck.id in deck_ids:
            problems.append(
                Problem(
                    deck.path, 1, 1, f"duplicate deck id '{deck.id}' (also {deck_ids[deck.id]})"
                )
            )
        deck_ids[deck.id] = deck.path
        for card in deck.cards:
            if card.id in where:
                p, line, col = where[card.id]
                problems.append(
                    Problem(
                        card.path,
                        card.line,
                        card.col,
                        f"duplicate card id '{card.id}' (first at {p}:{line}:{col})",
                    )
                )
            else:
                where[card.id] = (card.path, card.line, card.col)
    return problems


def load_all(root: Path, paths: list[Path] | None = None) -> tuple[list[Deck], list[Problem]]:
    """Load every deck of a workspace (or the given files), all problems reported."""
    from .yamlsafe import read

    files = paths if paths is not None else deck_files(root)
    decks: list[Deck] = []
    problems: list[Problem] = []
    for f in files:
        rel = display_path(f, root)
        raw, problem = read(f, rel)
        if raw is None:
            problems.append(problem)  # type: ignore[arg-type]
            continue
        deck, probs = parse_deck(raw, rel)
        problems.extend(probs)
        if deck is not None:
            decks.append(deck)
    problems.extend(cross_check(decks))
    return decks, problems


def display_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
