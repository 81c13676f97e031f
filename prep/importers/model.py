"""What every reader returns: card drafts, skipped blocks, the overrides a person gives.

Below the readers (markdown, csvtsv, apkg) and the package that dispatches to
them, so that no reader imports the package that imports it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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
