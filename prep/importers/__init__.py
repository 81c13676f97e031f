"""Turn material people already have (Markdown, CSV/TSV, Anki packages) into deck cards.

Each reader returns an `Imported`: card drafts in source order plus what it
skipped and why, so nothing is dropped without a word. `writer` turns drafts
into a deck file and merges them into an existing one without losing ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import PrepError

MAX_BYTES = 20 * 1024 * 1024
FORMATS = ("markdown", "csv", "tsv")
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdx", ".mdown", ".mkd")
PACKAGE_SUFFIXES = (".apkg", ".colpkg")
HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
LETTER = re.compile(r"[^\W\d_]")


@dataclass
class Draft:
    """One card as read from a source, before it has a deck id."""

    q: str
    a: str = ""
    kind: str = "technical"
    topic: str = ""
    keywords: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    line: int = 0
    # A short title the source gives the card (a `####` title, a concept term).
    # Ids built from it survive edits of the question text.
    name: str | None = None
    # An id the source states outright (an `id` column).
    id: str | None = None
    # Where the card came from, for the dry run's account of the structure read:
    # the shape that held the question ("list item", "<details> fold", ...), the
    # heading level of its section (0: none), the last line of its answer (0: none).
    shape: str = ""
    level: int = 0
    end: int = 0
    # What gave the topic: "h2" (a heading of that level), "label" (a bold label or
    # a fold's summary over a group), "title" (the file's title), "field" (a column).
    topic_from: str = ""


QUESTION_SHAPES = ("h1", "h2", "h3", "h4", "h5", "h6", "list", "details", "bold")
TOPIC_LEVELS = ("h1", "h2", "h3", "h4", "h5", "h6", "none")


@dataclass
class Overrides:
    """What the person says about a Markdown file where the reading guessed wrong.

    questions: the shape that holds the questions: a heading level (`h3`: each
    level-3 heading is a card, its text the answer), `list` (each list item),
    `details` (each `<details>` fold), `bold` (each bold or `Q:` paragraph).
    topic: the heading level whose titles are the topics, or `none` (one topic).
    skip_sections / keep_sections: words of headings whose sections are skipped,
    or read although their heading words say "contents", "company", "summary".
    """

    questions: str | None = None
    topic: str | None = None
    skip_sections: list[str] = field(default_factory=list)
    keep_sections: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.questions is not None:
            self.questions = self.questions.strip().lower()
            if self.questions not in QUESTION_SHAPES:
                raise PrepError(
                    f"--questions '{self.questions}': use a heading level h1-h6, "
                    "list, details or bold"
                )
        if self.topic is not None:
            self.topic = self.topic.strip().lower()
            if self.topic not in TOPIC_LEVELS:
                raise PrepError(f"--topic '{self.topic}': use a heading level h1-h6 or none")
        for name in ("skip_sections", "keep_sections"):
            words = [w.strip() for w in getattr(self, name) if w.strip()]
            setattr(self, name, words)

    def __bool__(self) -> bool:
        return bool(self.questions or self.topic or self.skip_sections or self.keep_sections)


@dataclass
class Skipped:
    line: int
    what: str
    reason: str


@dataclass
class Imported:
    path: str
    format: str
    title: str
    language: str
    drafts: list[Draft]
    skipped: list[Skipped] = field(default_factory=list)
    merged: list[tuple[int, int]] = field(default_factory=list)  # (duplicate line, kept line)
    # With --with-history (Anki packages): review-log entries, and why others were left out.
    history: list[Any] = field(default_factory=list)
    history_left: dict[str, int] = field(default_factory=dict)


def read_text(path: Path) -> str:
    """The file as text with Unix newlines, or a PrepError that names the file and line."""
    from ..safefile import TooLarge, read_capped

    try:
        # Standard input (`deck import -`) comes already read, as `in_memory`.
        held = getattr(path, "in_memory", None)
        raw = held if isinstance(held, bytes) else read_capped(path, MAX_BYTES)
    except TooLarge as exc:
        raise PrepError(f"{path}: {exc}") from None
    except FileNotFoundError:
        raise PrepError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise PrepError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise PrepError(f"{path}: cannot read: {exc.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise PrepError(f"{path}: file is {len(raw):,} bytes; the limit is {MAX_BYTES:,}")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PrepError(f"{path}:{line}: not UTF-8 text; save the file as UTF-8") from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise PrepError(f"{path}:{line}: NUL byte: this looks like a binary file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def detect_format(path: Path, text: str) -> str:
    """Anki text exports are often `.txt`; their `#separator:` header gives them away."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".tsv":
        return "tsv"
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    head = [line for line in text.split("\n", 50)[:50] if line.strip()]
    if head and re.match(
        r"#(separator|html|columns|tags column|notetype|deck|guid)", head[0], re.I
    ):
        return "tsv"
    if head and not any(line.lstrip().startswith(("#", "-", "*", "1.", ">")) for line in head):
        tabbed = sum("\t" in line for line in head)
        if tabbed >= max(1, len(head) * 0.8):
            return "tsv"
    return "markdown"


def _is_package(path: Path) -> bool:
    """An Anki package: named so, or a zip file whatever its name."""
    if path.suffix.lower() in PACKAGE_SUFFIXES:
        return True
    try:
        with path.open("rb") as f:
            return f.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def language_of(texts: list[str]) -> str:
    sample = "".join(texts)[:200_000]
    letters = len(LETTER.findall(sample))
    if letters and len(HANGUL.findall(sample)) >= 0.3 * letters:
        return "ko"
    return "en"


def import_file(
    path: Path,
    *,
    fmt: str | None = None,
    kind: str | None = None,
    columns: list[str] | None = None,
    with_history: bool = False,
    now: datetime | None = None,
    overrides: Overrides | None = None,
) -> Imported:
    """Read one source file into card drafts (duplicates merged)."""
    from ..decks import KINDS

    if kind is not None and kind not in KINDS:
        raise PrepError(f"unknown kind '{kind}'; use one of {', '.join(KINDS)}")
    if fmt is not None and fmt not in FORMATS:
        raise PrepError(f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}")
    if overrides and (fmt in ("csv", "tsv") or (fmt is None and _is_package(path))):
        raise PrepError(
            "--questions, --topic, --skip-section and --keep-section apply to Markdown files only"
        )
    if fmt is None and _is_package(path):
        if columns:
            raise PrepError("--columns applies to CSV/TSV files only")
        from .apkg import read_apkg

        result = read_apkg(path, with_history=with_history, now=now)
        if kind is not None:
            for d in result.drafts:
                d.kind = kind
        merge_duplicates(result)
        kept = {d.id for d in result.drafts}
        gone = sum(e.card_id not in kept for e in result.history)
        if gone:
            result.history = [e for e in result.history if e.card_id in kept]
            reason = "review of a card not imported (its note was merged or skipped)"
            result.history_left[reason] = result.history_left.get(reason, 0) + gone
        fit_limits(result)
        result.language = language_of([d.q for d in result.drafts])
        return result
    if with_history:
        raise PrepError(
            f"{path}: --with-history reads the review history of an Anki package "
            "(.apkg or .colpkg); this file holds none"
        )
    text = read_text(path)
    fmt = fmt or detect_format(path, text)
    if fmt == "markdown":
        if columns:
            raise PrepError("--columns applies to CSV/TSV files only")
        from .markdown import parse_markdown

        result = parse_markdown(text, str(path), overrides)
    else:
        if overrides:
            raise PrepError(
                f"{path}: --questions, --topic, --skip-section and --keep-section apply to "
                "Markdown files only"
            )
        from .csvtsv import parse_table

        result = parse_table(text, str(path), fmt=fmt, columns=columns)
    if kind is not None:
        for d in result.drafts:
            d.kind = kind
    merge_duplicates(result)
    fit_limits(result)
    result.language = language_of([d.q for d in result.drafts])
    return result


def _cut(text: str, limit: int) -> tuple[str, str]:
    """Text split at the last paragraph (else line, else space) break within the limit."""
    if len(text) <= limit:
        return text, ""
    for sep in ("\n\n", "\n", " "):
        at = text.rfind(sep, 0, limit)
        if at > 0:
            return text[:at].rstrip(), text[at:].strip()
    return text[:limit], text[limit:]


def fit_limits(result: Imported) -> None:
    """Keep every card within the sizes a deck file allows, saying what moved.

    An over-long question keeps its first part and the rest opens the answer;
    an answer, topic or list beyond its limit is cut, and the cut is reported.
    """
    from ..decks import MAX_CHARS, MAX_CHARS_OTHER, MAX_ITEMS

    q_max, a_max = MAX_CHARS["q"], MAX_CHARS["a"]
    for d in result.drafts:
        if len(d.q) > q_max:
            d.q, rest = _cut(d.q, q_max)
            d.a = f"{rest}\n\n{d.a}" if d.a else rest
            result.skipped.append(
                Skipped(
                    d.line,
                    d.q[:60],
                    f"question over {q_max:,} characters: the rest opens the answer",
                )
            )
        if len(d.a) > a_max:
            d.a, _ = _cut(d.a, a_max)
            result.skipped.append(Skipped(d.line, d.q[:60], f"answer cut at {a_max:,} characters"))
        if len(d.topic) > MAX_CHARS_OTHER:
            d.topic, _ = _cut(d.topic, MAX_CHARS_OTHER)
        for name in ("keywords", "tags"):
            items = [
                i if len(i) <= MAX_CHARS_OTHER else _cut(i, MAX_CHARS_OTHER)[0]
                for i in getattr(d, name)
            ]
            if len(items) > MAX_ITEMS:
                result.skipped.append(Skipped(d.line, d.q[:60], f"{name} cut at {MAX_ITEMS} items"))
                items = items[:MAX_ITEMS]
            setattr(d, name, items)


def merge_duplicates(result: Imported) -> None:
    """Same question twice in one source: keep the first, fold the other into it."""
    from ..decks import normalize

    first: dict[str, Draft] = {}
    kept: list[Draft] = []
    for d in result.drafts:
        key = normalize(d.q)
        if not key:
            result.skipped.append(Skipped(d.line, d.q[:60], "no words in the question"))
            continue
        if key not in first:
            first[key] = d
            kept.append(d)
            continue
        keep = first[key]
        if d.a and d.a not in keep.a:
            keep.a = f"{keep.a}\n\n{d.a}" if keep.a else d.a
        for t in d.tags:
            if t not in keep.tags:
                keep.tags.append(t)
        for k in d.keywords:
            if k not in keep.keywords:
                keep.keywords.append(k)
        result.merged.append((d.line, keep.line))
    result.drafts = kept
