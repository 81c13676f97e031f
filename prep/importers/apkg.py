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
from functools import partial
from pathlib import Path

from ..errors import PrepError
from . import Draft, Imported, Skipped

MAX_COLLECTION = 200 * 1024 * 1024
QUESTION_FIELDS = ("front", "question", "q", "text", "prompt", "term", "앞면", "질문", "word")
ANSWER_FIELDS = ("back", "answer", "a", "extra", "back extra", "definition", "뒷면", "답", "답변")
_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.S)
_MEDIA = re.compile(r"<img\b[^>]*\bsrc=[\"']?([^\"'>\s]+)|\[sound:([^\]]+)\]", re.I)


def guid_id(guid: str, suffix: str = "") -> str:
    """A deck id from an Anki note GUID: the same GUID always gives the same id."""
    digest = hashlib.sha1(guid.encode("utf-8")).hexdigest()[:12]
    return f"anki-{digest}{suffix}"


def _collection_bytes(path: Path) -> bytes:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            for name in ("collection.anki21", "collection.anki2"):
                if name in names:
                    info = z.getinfo(name)
                    if info.file_size > MAX_COLLECTION:
                        raise PrepError(
                            f"{path}: the collection inside is {info.file_size:,} bytes; "
                            f"the limit is {MAX_COLLECTION:,}"
                        )
                    data = z.read(name)
                    if name == "collection.anki2" and "collection.anki21b" in names:
                        # Newer Anki puts a stub here and the real notes in .anki21b.
                        break
                    return data
            if "collection.anki21b" in names:
                raise PrepError(
                    f"{path}: this package uses Anki's newer compressed format; export it "
                    "again from Anki with 'Support older Anki versions' ticked"
                )
    except zipfile.BadZipFile:
        raise PrepError(f"{path}: not an Anki package (not a zip file)") from None
    except OSError as exc:
        raise PrepError(f"{path}: cannot read: {exc.strerror or exc}") from None
    raise PrepError(f"{path}: not an Anki package (no collection inside)")


def _role(name: str) -> str:
    key = name.strip().lower()
    if key in ("topic", "kind", "id", "tags"):
        return key
    if key in QUESTION_FIELDS:
        return "front"
    if key in ANSWER_FIELDS:
        return "back"
    return ""


def read_apkg(path: Path) -> Imported:
    from .csvtsv import html_to_markdown

    data = _collection_bytes(path)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "collection.anki2"
        db.write_bytes(data)
        try:
            con = sqlite3.connect(db)
            try:
                models_json, decks_json = con.execute("SELECT models, decks FROM col").fetchone()
                rows = con.execute(
                    "SELECT id, guid, mid, tags, flds FROM notes ORDER BY id"
                ).fetchall()
                deck_of = dict(con.execute("SELECT nid, did FROM cards GROUP BY nid").fetchall())
            finally:
                con.close()
        except sqlite3.Error as exc:
            raise PrepError(f"{path}: not a readable Anki collection ({exc})") from None
    try:
        models = json.loads(models_json or "{}")
        decks = json.loads(decks_json or "{}")
    except ValueError:
        raise PrepError(f"{path}: the collection's note types cannot be read") from None
    if not models and rows:
        raise PrepError(
            f"{path}: this collection keeps its note types in Anki's newer layout; export it "
            "again from Anki with 'Support older Anki versions' ticked"
        )
    deck_names = {int(k): v.get("name", "") for k, v in decks.items() if isinstance(v, dict)}
    drafts: list[Draft] = []
    skipped: list[Skipped] = []
    titles: list[str] = []
    for n, (nid, guid, mid, tags, flds) in enumerate(rows, start=1):
        model = models.get(str(mid)) or {}
        names = [f.get("name", "") for f in sorted(model.get("flds", []), key=lambda f: f["ord"])]
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
        front_html = _MEDIA.sub("", roles.get("front", ""))
        back_html = _MEDIA.sub("", roles.get("back", ""))
        if model.get("type") == 1 or _CLOZE.search(front_html):
            pairs = cloze_cards(front_html, back_html)
            if not pairs:
                skipped.append(
                    Skipped(n, front_html[:60], f"{where}: a Cloze note without a cloze")
                )
            for num, q, a in pairs:
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
    return Imported(
        path=str(path),
        format="apkg",
        title=title if title and title != "Default" else path.stem,
        language="",
        drafts=drafts,
        skipped=skipped,
    )


def cloze_cards(front_html: str, back_html: str) -> list[tuple[int, str, str]]:
    """(cloze number, question, answer) for each cloze: that cloze hidden as `[...]`
    (or `[hint]`), the others shown; the answer is its text, then the Extra field."""
    from .csvtsv import html_to_markdown

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
