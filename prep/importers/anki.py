"""Export decks to an Anki package (.apkg) with genanki (the optional `anki` extra).

Anki matches an imported note to one it already has by the note's GUID and
updates it in place. The GUID is derived from the card id, and the note type
and deck ids from fixed names, so exporting again after editing a deck updates
the same notes instead of adding copies.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..decks import Deck
from ..errors import PrepError

MODEL_NAME = "prep: question and answer"
CSS = """\
.card { font-family: -apple-system, "Noto Sans KR", "Noto Sans CJK KR", sans-serif;
        font-size: 18px; line-height: 1.5; text-align: left; color: #222; background: #fff; }
.meta { color: #888; font-size: 13px; margin-bottom: 8px; }
pre { background: #f4f4f4; padding: 8px; overflow-x: auto; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 15px; }
"""
QFMT = '<div class="meta">{{Topic}} · {{Kind}}</div>\n{{Question}}'
AFMT = '{{FrontSide}}\n<hr id="answer">\n{{Answer}}'


@dataclass
class ExportReport:
    path: Path
    decks: int
    notes: int


def stable_id(name: str) -> int:
    """A 31-bit id from a name, the same on every machine and every run."""
    digest = int(hashlib.sha1(name.encode("utf-8")).hexdigest()[:12], 16)
    return (1 << 30) + digest % (1 << 30)


def model_id() -> int:
    return stable_id("prep-model:" + MODEL_NAME)


def deck_id(deck: str) -> int:
    return stable_id("prep-deck:" + deck)


def _html(text: str) -> str:
    """Card Markdown to HTML; raw HTML in a card is shown as text, never run."""
    from markdown_it import MarkdownIt

    if not text.strip():
        return ""
    md = MarkdownIt("commonmark", {"html": False}).enable(["strikethrough", "table"])
    return md.render(text).strip()


def _tag(text: str) -> str:
    return re.sub(r"\s+", "_", text.strip())


MAX_COLLECTION = 64 * 1024 * 1024  # bytes of collection.anki2 read to recognise a package


def is_apkg(path: Path) -> bool:
    """True for a package prep exported: an Anki collection whose only note type is prep's.

    A package made by Anki (your own decks, or a collection that merely holds
    imported prep notes) has other note types and is not replaced without --force.
    """
    import json
    import sqlite3
    import tempfile
    import zipfile

    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "collection.anki2"
            with zipfile.ZipFile(path) as z:
                names = [n for n in z.namelist() if n.startswith("collection.anki2")]
                if not names:
                    return False
                # Inflate at most the cap, whatever the header claims: a small package
                # can inflate to gigabytes. A collection prep writes is a few megabytes.
                size = 0
                with z.open(names[0]) as member, db.open("wb") as out:
                    while chunk := member.read(1 << 20):
                        size += len(chunk)
                        if size > MAX_COLLECTION:
                            return False
                        out.write(chunk)
            con = sqlite3.connect(db)
            try:
                (models,) = con.execute("SELECT models FROM col").fetchone()
            finally:
                con.close()
        return set(json.loads(models)) == {str(model_id())}
    except (OSError, ValueError, TypeError, zipfile.BadZipFile, sqlite3.Error):
        return False


def export_apkg(decks: list[Deck], path: Path) -> ExportReport:
    try:
        import genanki
    except ImportError:
        from ..install import hint

        raise PrepError(f"Anki export needs the genanki package: {hint('anki')}") from None
    from html import escape

    model = genanki.Model(
        model_id(),
        MODEL_NAME,
        fields=[
            {"name": "Question"},
            {"name": "Answer"},
            {"name": "Topic"},
            {"name": "Kind"},
            {"name": "Id"},
        ],
        templates=[{"name": "Card 1", "qfmt": QFMT, "afmt": AFMT}],
        css=CSS,
    )
    packages: list[Any] = []
    notes = 0
    for deck in decks:
        adeck = genanki.Deck(deck_id(deck.id), deck.title or deck.id)
        for card in deck.cards:
            tags = [_tag(t) for t in card.tags if t.strip()]
            if card.kind not in tags:
                tags.append(card.kind)
            adeck.add_note(
                genanki.Note(
                    model=model,
                    fields=[
                        _html(card.q),
                        _html(card.a),
                        escape(card.topic),
                        escape(card.kind),
                        escape(card.id),
                    ],
                    tags=tags,
                    guid=genanki.guid_for(card.id),
                )
            )
            notes += 1
        packages.append(adeck)
    from ..safefile import replacing

    with replacing(path) as f:
        try:
            genanki.Package(packages).write_to_file(f)
        except OSError as exc:
            raise PrepError(f"{path}: cannot write: {exc.strerror}") from None
    return ExportReport(path=path, decks=len(decks), notes=notes)
