"""Anki packages (.apkg, .colpkg): the notes of the collection inside, as card drafts.

A package is a zip holding an SQLite collection (`collection.anki21` or
`collection.anki2`, Anki's schema 11, which Anki writes with "Support older Anki
versions" and genanki always writes). Each note's fields are mapped to question
and answer by their names (Front/Back, Question/Answer, Text/Extra, 앞면/뒷면),
else the first two fields; a note prep exported (Question, Answer, Topic, Kind,
Id) comes back whole. A Cloze note gives one card per cloze number. The note's
GUID becomes the card's id, so importing a newer export of the same notes
updates the cards instead of adding copies. Field HTML becomes Markdown; media
(images, sounds) cannot be shown in a terminal and are listed as skipped.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import tempfile
import zipfile
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any

from ..errors import PrepError
from .model import Draft, Imported, Skipped

MAX_COLLECTION = 200 * 1024 * 1024
QUESTION_FIELDS = ("front", "question", "q", "text", "prompt", "term", "앞면", "질문", "word")
ANSWER_FIELDS = ("back", "answer", "a", "extra", "back extra", "definition", "뒷면", "답", "답변")
_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.S)
_SOUND = re.compile(r"\[sound:[^\]]*\]", re.I)
_MEDIA = re.compile(r"<img\b[^>]*\bsrc=[\"']?([^\"'>\s]+)|\[sound:([^\]]+)\]", re.I)


def guid_id(guid: str, suffix: str = "") -> str:
    """A deck id from an Anki note GUID: the same GUID always gives the same id."""
    digest = hashlib.sha1(guid.encode("utf-8")).hexdigest()[:12]
    return f"anki-{digest}{suffix}"


def _collection_bytes(path: Path) -> bytes:
    """The SQLite collection inside the package: `collection.anki21b` (zstd, newer
    Anki), else `collection.anki21`, else `collection.anki2`. The older names hold
    only a stub ("please update Anki") when the newer one is there."""
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            for name in ("collection.anki21b", "collection.anki21", "collection.anki2"):
                if name not in names:
                    continue
                info = z.getinfo(name)
                if info.file_size > MAX_COLLECTION:
                    raise PrepError(
                        f"{path}: the collection inside is {info.file_size:,} bytes; "
                        f"the limit is {MAX_COLLECTION:,}"
                    )
                data = z.read(name)
                if name.endswith("b"):
                    return _unzstd(data, path)
                return data
    except zipfile.BadZipFile:
        raise PrepError(f"{path}: not an Anki package (not a zip file)") from None
    except OSError as exc:
        raise PrepError(f"{path}: cannot read: {exc.strerror or exc}") from None
    raise PrepError(f"{path}: not an Anki package (no collection inside)")


def _unzstd(data: bytes, path: Path) -> bytes:
    """Zstandard-compressed bytes inflated, never past MAX_COLLECTION (a small
    package can claim to inflate to gigabytes). Python 3.14's compression.zstd,
    else the `zstandard` package of the anki extra."""
    import io

    limit = MAX_COLLECTION + 1
    out = bytearray()
    try:
        from compression import zstd  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        zstd = None
    try:
        if zstd is not None:  # pragma: no cover - Python 3.14 and later
            dec = zstd.ZstdDecompressor()
            chunk = dec.decompress(data, max_length=1 << 20)
            while chunk and len(out) < limit:
                out += chunk
                chunk = b"" if dec.eof else dec.decompress(b"", max_length=1 << 20)
        else:
            try:
                import zstandard
            except ImportError:
                from ..install import hint

                raise PrepError(
                    f"{path}: this package uses Anki's newer compressed format (collection."
                    f"anki21b); reading it needs the zstandard package: {hint('anki')}"
                ) from None
            reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data))
            while len(out) < limit and (chunk := reader.read(1 << 20)):
                out += chunk
    except PrepError:
        raise
    except Exception as exc:  # each decoder has its own error class
        raise PrepError(f"{path}: the collection inside is damaged ({exc})") from None
    if len(out) > MAX_COLLECTION:
        raise PrepError(
            f"{path}: the collection inside inflates past {MAX_COLLECTION:,} bytes, the limit"
        )
    if not out:
        raise PrepError(f"{path}: the collection inside is damaged (empty after inflating)")
    return bytes(out)


def _role(name: str) -> str:
    key = name.strip().lower()
    if key in ("topic", "kind", "id", "tags"):
        return key
    if key in QUESTION_FIELDS:
        return "front"
    if key in ANSWER_FIELDS:
        return "back"
    return ""


def _note_types(con: sqlite3.Connection) -> tuple[dict[str, dict], dict[int, str]]:
    """Note types (fields in order, Cloze or not) and deck names, in the shape of
    the older layout (JSON in `col`), read from whichever layout the collection has."""
    models_json, decks_json = con.execute("SELECT models, decks FROM col").fetchone()
    try:
        models = json.loads(models_json or "{}")
        decks = json.loads(decks_json or "{}")
    except ValueError:
        raise ValueError("the collection's note types cannot be read") from None
    if not isinstance(models, dict) or not isinstance(decks, dict):
        raise ValueError("the collection's note types cannot be read")
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not models and {"notetypes", "fields", "templates"} <= tables:
        # Anki's newer layout (schema 18): a table per part; a note type's settings are
        # protobuf, whose first field (tag 0x08) is the kind, 1 for Cloze.
        for ntid, name, config in con.execute("SELECT id, name, config FROM notetypes"):
            models[str(ntid)] = {
                "name": str(name),
                "type": 1 if _blob(config)[:2] == b"\x08\x01" else 0,
                "flds": [],
            }
        for ntid, ord_, name in con.execute("SELECT ntid, ord, name FROM fields"):
            if str(ntid) in models and isinstance(ord_, int):
                models[str(ntid)]["flds"].append({"name": str(name), "ord": ord_})
        for ntid, config in con.execute("SELECT ntid, config FROM templates"):
            if str(ntid) in models and b"{{cloze:" in _blob(config):
                models[str(ntid)]["type"] = 1
    deck_names = {int(k): str(v.get("name", "")) for k, v in decks.items() if isinstance(v, dict)}
    if not decks and "decks" in tables:
        # The newer layout separates a deck's levels with \x1f where the older has "::".
        for did, name in con.execute("SELECT id, name FROM decks"):
            deck_names[int(did)] = str(name).replace("\x1f", "::")
    return models, deck_names


def _blob(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    return value.encode("utf-8", "replace") if isinstance(value, str) else b""


def _int(value: object, default: int = 0) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return default


def read_apkg(path: Path, *, with_history: bool = False, now: datetime | None = None) -> Imported:
    from .htmlmd import html_to_markdown

    data = _collection_bytes(path)
    revlog: list[tuple[int, int, int, int, int]] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "collection.anki2"
        db.write_bytes(data)
        try:
            con = sqlite3.connect(db)
            try:
                models, deck_names = _note_types(con)
                rows = con.execute(
                    "SELECT id, guid, mid, tags, flds FROM notes ORDER BY id"
                ).fetchall()
                deck_of = dict(con.execute("SELECT nid, did FROM cards GROUP BY nid").fetchall())
                cards = con.execute("SELECT id, nid, ord FROM cards").fetchall()
                if with_history:
                    revlog = con.execute(
                        "SELECT id, cid, ease, time, type FROM revlog ORDER BY id"
                    ).fetchall()
            finally:
                con.close()
        except sqlite3.Error as exc:
            raise PrepError(f"{path}: not a readable Anki collection ({exc})") from None
        except ValueError as exc:
            raise PrepError(f"{path}: {exc}") from None
    if not models and rows:
        raise PrepError(f"{path}: the collection has notes but no note types")
    drafts: list[Draft] = []
    card_of: dict[tuple[int, int], str] = {}  # (note, card ord) -> the card's id here
    skipped: list[Skipped] = []
    titles: list[str] = []
    for n, (nid, guid, mid, tags, flds) in enumerate(rows, start=1):
        guid, tags, flds = str(guid), str(tags or ""), str(flds or "")  # whatever the file holds
        model = models.get(str(mid)) or {}
        if not isinstance(model, dict):
            model = {}
        kept = [f for f in model.get("flds", []) if isinstance(f, dict)]
        names = [str(f.get("name", "")) for f in sorted(kept, key=lambda f: _int(f.get("ord"), 99))]
        values = flds.split("\x1f")
        fields = dict(zip(names, values, strict=False)) if names else {}
        roles: dict[str, str] = {}
        for name, value in fields.items():
            role = _role(name)
            if role and role not in roles:
                roles[role] = value
        for key in ("topic", "kind", "id"):
            if key in roles:
                roles[key] = html_to_markdown(roles[key], plain=True)[0].strip()
        rest = list(values)
        if "front" not in roles:
            roles["front"] = rest[0] if rest else ""
        if "back" not in roles and len(rest) > 1:
            roles["back"] = rest[1]
        deck = deck_names.get(deck_of.get(nid, 0), "")
        if deck:
            titles.append(deck.split("::")[0])
        topic = roles.get("topic") or (deck.split("::")[-1] if deck else "")
        kind = (roles.get("kind") or "").strip().lower()
        tag_list = [t for t in (tags or "").split() if t]
        media = [m.group(1) or m.group(2) for m in _MEDIA.finditer(" ".join(values))]
        where = f"note {n}"
        for m in media:
            skipped.append(Skipped(n, m, f"{where}: media, not shown in the terminal"))
        # Sounds cannot be played here: their tags go. Images stay as `![alt](file)`,
        # so the card says a picture belongs there; both are listed as media.
        front_html = _SOUND.sub("", roles.get("front", ""))
        back_html = _SOUND.sub("", roles.get("back", ""))
        if model.get("type") == 1 or _CLOZE.search(front_html):
            pairs = cloze_cards(front_html, back_html)
            if not pairs:
                skipped.append(
                    Skipped(n, front_html[:60], f"{where}: a Cloze note without a cloze")
                )
            for num, q, a in pairs:
                card_of[(nid, num - 1)] = guid_id(guid, f"-c{num}")
                drafts.append(
                    Draft(
                        q=q,
                        a=a,
                        kind=kind or "concept",
                        topic=topic,
                        tags=tag_list,
                        line=n,
                        id=guid_id(guid, f"-c{num}"),
                    )
                )
            continue
        q, links = html_to_markdown(front_html, plain=True)
        a, _ = html_to_markdown(back_html)
        if links:
            extra_links = "\n".join(f"- [{t or h}]({h})" for t, h in links)
            a = f"{a}\n\n{extra_links}" if a else extra_links
        if not q.strip():
            skipped.append(Skipped(n, a[:60] or "(empty note)", f"{where}: no question"))
            continue
        own_id = (roles.get("id") or "").strip()
        from ..decks import ID_RE, KINDS

        card_of[(nid, 0)] = own_id if ID_RE.match(own_id) else guid_id(guid)
        drafts.append(
            Draft(
                q=q.strip(),
                a=a.strip(),
                kind=kind if kind in KINDS else "technical",
                topic=topic,
                tags=tag_list,
                line=n,
                id=own_id if ID_RE.match(own_id) else guid_id(guid),
            )
        )
    title = max(set(titles), key=titles.count) if titles else path.stem
    result = Imported(
        path=str(path),
        format="apkg",
        title=title if title and title != "Default" else path.stem,
        language="",
        drafts=drafts,
        skipped=skipped,
    )
    if with_history:
        guids = {nid: guid for nid, guid, *_ in rows}
        card_at = {cid: (nid, ord_) for cid, nid, ord_ in cards}
        result.history, result.history_left = history(revlog, card_at, card_of, guids, now)
    return result


# Anki's revlog types: 0 learn, 1 review, 2 relearn, 3 in a filtered deck, 4 set by
# hand (no answer), 5 rescheduled by FSRS (no answer).
ANSWERED = (0, 1, 2, 3)


def history(
    revlog: list[tuple[int, int, int, int, int]],
    where: dict[int, tuple[int, int]],
    card_of: dict[tuple[int, int], str],
    guids: dict[int, str],
    now: datetime | None,
) -> tuple[list[Any], dict[str, int]]:
    """Anki's reviews as review-log entries of the cards they belong to here.

    A review's identity is its note's GUID, its card's ord and Anki's own review id
    (the time in milliseconds), so the same review read again from a newer export
    is the same entry and is not added twice. Ratings 1-4 are Anki's buttons
    (Again, Hard, Good, Easy) as prep's; the time taken is kept. Entries Anki made
    without an answer (a due date set by hand) are left out, and counted.
    """
    import uuid as uuidlib

    from ..clock import MAX_TIME, MIN_TIME, iso
    from ..logsync import FUTURE_SLACK, Entry

    entries: list[Entry] = []
    left: dict[str, int] = {}

    def leave(reason: str) -> None:
        left[reason] = left.get(reason, 0) + 1

    latest = now + FUTURE_SLACK if now is not None else MAX_TIME
    for rid, cid, ease, ms, rtype in revlog:
        at_card = where.get(cid)
        if at_card is None:
            leave("review of a card the package does not hold")
            continue
        card_id = card_of.get(at_card)
        if card_id is None:
            leave("review of a card not imported (a reverse or extra card of its note)")
            continue
        if rtype not in ANSWERED or not isinstance(ease, int) or not 1 <= ease <= 4:
            leave("no answer (a due date set or rescheduled in Anki)")
            continue
        try:
            when = datetime.fromtimestamp(int(rid) / 1000, tz=timezone.utc)
        except (TypeError, ValueError, OverflowError, OSError):
            leave("time outside the range prep supports")
            continue
        if not MIN_TIME <= when < MAX_TIME:
            leave("time outside the range prep supports")
            continue
        if when > latest:
            leave("time in the future (check the clock of the machine that made it)")
            continue
        nid, ord_ = at_card
        key = f"anki-revlog:{guids.get(nid, nid)}:{ord_}:{rid}"
        entries.append(
            Entry(
                uuid=str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, key)),
                card_id=card_id,
                rating=ease,
                reviewed_at=iso(when),
                duration_ms=min(max(_int(ms), 0), 86_400_000),
                source="drill",
                session="anki",
                line=0,
            )
        )
    return entries, left


def cloze_cards(front_html: str, back_html: str) -> list[tuple[int, str, str]]:
    """(cloze number, question, answer) for each cloze: that cloze hidden as `[...]`
    (or `[hint]`), the others shown; the answer is its text, then the Extra field."""
    from .htmlmd import html_to_markdown

    out: list[tuple[int, str, str]] = []
    extra, _ = html_to_markdown(back_html)
    for num in sorted({int(c.group(1)) for c in _CLOZE.finditer(front_html)}):
        q, _ = html_to_markdown(_CLOZE.sub(partial(_hide, number=num), front_html), plain=True)
        hidden = "; ".join(
            c.group(2) for c in _CLOZE.finditer(front_html) if int(c.group(1)) == num
        )
        a_text, _ = html_to_markdown(hidden, plain=True)
        a = "\n\n".join(x for x in (a_text, extra) if x.strip())
        out.append((num, q.strip(), a.strip()))
    return out


def _hide(c: re.Match[str], number: int) -> str:
    if int(c.group(1)) == number:
        return f"[{c.group(3)}]" if c.group(3) else "[...]"
    return c.group(2)
