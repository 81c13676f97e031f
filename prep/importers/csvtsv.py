"""CSV/TSV question tables, including Anki's "Notes in Plain Text" export.

Anki writes header lines before the rows: `#separator:tab`, `#html:true`,
`#columns:Front<TAB>Back<TAB>Tags`, `#tags column:3`, `#guid column:1`,
`#notetype column:2`, `#deck column:3`, `#deck:Name`, `#tags:a b`. They are all
understood; without them the first row may name the columns, else the first
two unassigned columns are front and back. Fields holding HTML become
Markdown (answers) or plain text (questions).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from ..errors import PrepError
from .model import Draft, Imported, Skipped

SEPARATORS = {
    "tab": "\t",
    "comma": ",",
    "semicolon": ";",
    "pipe": "|",
    "space": " ",
    "colon": ":",
    "tilde": "~",
}
COLUMN_NAMES = {
    "front": "front",
    "question": "front",
    "q": "front",
    "term": "front",
    "prompt": "front",
    "text": "front",
    "질문": "front",
    "앞면": "front",
    "back": "back",
    "answer": "back",
    "a": "back",
    "definition": "back",
    "extra": "back",
    "back extra": "back",
    "답": "back",
    "답변": "back",
    "뒷면": "back",
    "tags": "tags",
    "tag": "tags",
    "태그": "tags",
    "topic": "topic",
    "section": "topic",
    "주제": "topic",
    "kind": "kind",
    "type": "kind",
    "id": "id",
    "keywords": "keywords",
    "deck": "deck",
    "guid": "guid",
    "notetype": "notetype",
    "note type": "notetype",
    "skip": "skip",
    "no": "skip",
    "no.": "skip",
    "#": "skip",
    "number": "skip",
    "num": "skip",
    "index": "skip",
    "번호": "skip",
    "순번": "skip",
    "category": "topic",
    "_": "skip",
    "-": "skip",
    "ignore": "skip",
}
USER_NAMES = ("front", "back", "tags", "topic", "kind", "id", "keywords", "skip")
_HTML_HINT = re.compile(
    r"<(?:br|div|p|b|i|u|ul|ol|li|strong|em|code|pre|span|a|img|font|sub|sup|h[1-6])\b[^>]*>"
    r"|</(?:div|p|b|i|u|ul|ol|li|strong|em|code|pre|span|a|font)>|&(?:[a-z]+|#\d+|#x[0-9a-f]+);",
    re.I,
)


def html_to_markdown(text: str, *, plain: bool = False) -> tuple[str, list[tuple[str, str]]]:
    """Field HTML to Markdown (or plain text): see htmlmd, which imports markdownify."""
    from .htmlmd import html_to_markdown as convert

    return convert(text, plain=plain)


def _column_name(cell: str) -> str | None:
    """What a header cell names: `Question`, `Questions`, `Answers`, `태그`."""
    key = cell.strip().lower()
    if key in COLUMN_NAMES:
        return COLUMN_NAMES[key]
    if key.endswith("s") and key[:-1] in COLUMN_NAMES and len(key) > 2:
        return COLUMN_NAMES[key[:-1]]
    if key.endswith("es") and key[:-2] in COLUMN_NAMES:
        return COLUMN_NAMES[key[:-2]]
    if key.endswith("ies") and key[:-3] + "y" in COLUMN_NAMES:
        return COLUMN_NAMES[key[:-3] + "y"]
    return None


def _separator(value: str, path: str) -> str:
    v = value.strip()
    if v.lower() in SEPARATORS:
        return SEPARATORS[v.lower()]
    if len(value) == 1:
        return value
    raise PrepError(
        f"{path}:1: unknown #separator '{value}'; use tab, comma, semicolon, pipe, space or colon"
    )


def _column_of(value: str, path: str, key: str, line: int, width: int) -> int:
    """A `#... column:N` header as a 0-based index within the rows' width (plus one,
    for an empty last column a writer left out); a larger number is an error, not
    a list that size."""
    v = value.strip()
    if not v.isdigit() or len(v) > 6:
        if v.isdigit():
            raise PrepError(f"{path}:{line}: #{key} is {v}, far more columns than any row has")
        raise PrepError(f"{path}:{line}: #{key} must be a column number, not '{value}'")
    n = int(v)
    if n < 1:
        raise PrepError(f"{path}:{line}: #{key} must be 1 or more")
    if n > width + 1:
        raise PrepError(f"{path}:{line}: #{key} is {n}, but the rows have at most {width} columns")
    return n - 1


def _check_last_record(body: str, first: int, sep: str, path: str, start: int) -> None:
    """The lenient reader takes an unclosed quote to the end of the file as one field
    (the rest of the file becomes one card); only the last record can have one."""
    tail = "\n".join(body.split("\n")[first:])
    strict = csv.reader(io.StringIO(tail), delimiter=sep, quotechar='"', strict=True)
    try:
        for _ in strict:
            pass
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise PrepError(f"{path}:{start + first + 1}: unterminated quoted field") from None


def _check_swallowed_rows(rows: list[tuple[int, list[str]]], sep: str, path: str) -> None:
    """An unclosed quote mid-file pairs with a later quote and swallows the rows between.

    Such a record is short of columns (the separators went into the field) and its
    field holds lines with a row's worth of separators: rows, not text. A quoted
    field over several lines in a row with all its columns is legitimate.
    """
    from collections import Counter

    widths = Counter(len(r) for _, r in rows if not any("\n" in c for c in r))
    if not widths:
        return
    usual = widths.most_common(1)[0][0]
    for line, row in rows:
        if len(row) >= usual:
            continue
        for cell in row:
            inner = cell.split("\n")
            # A line inside with as many separators as a row has: a swallowed row.
            if len(inner) > 1 and any(part.count(sep) >= usual - 1 for part in inner[:-1]):
                raise PrepError(
                    f"{path}:{line}: unterminated quoted field: the quote opened here runs over "
                    f"{len(inner)} lines, and its row has {len(row)} of {usual} columns"
                )


def parse_table(
    text: str, path: str, *, fmt: str = "csv", columns: list[str] | None = None
) -> Imported:
    from ..decks import ID_RE, KINDS

    lines = text.split("\n")
    headers: dict[str, str] = {}
    header_line: dict[str, int] = {}
    start = 0
    for i, text_line in enumerate(lines):
        m = re.match(r"^#([A-Za-z ]+):(.*)$", text_line)
        if not m:
            break
        headers[m.group(1).strip().lower()] = m.group(2)
        header_line[m.group(1).strip().lower()] = i + 1
        start = i + 1
    if "separator" in headers:
        sep = _separator(headers["separator"], path)
    elif fmt == "tsv":
        sep = "\t"
    else:
        sample = "\n".join(lines[start : start + 20])
        try:
            sep = csv.Sniffer().sniff(sample, delimiters=",;\t|~").delimiter
        except csv.Error:
            sep = ","
    html_mode = headers.get("html", "").strip().lower()
    if html_mode not in ("", "true", "false"):
        raise PrepError(f"{path}: #html must be true or false, not '{headers['html']}'")

    body = "\n".join(lines[start:])
    reader = csv.reader(io.StringIO(body), delimiter=sep, quotechar='"', doublequote=True)
    rows: list[tuple[int, list[str]]] = []
    last = 0  # where the last record read began, in lines of the body
    try:
        while True:
            first_line = start + reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            last = first_line - start - 1
            if row and any(cell.strip() for cell in row):
                rows.append((first_line, row))
    except csv.Error as exc:
        raise PrepError(f"{path}:{start + reader.line_num}: {exc}") from None
    _check_last_record(body, last, sep, path, start)
    _check_swallowed_rows(rows, sep, path)

    names: list[str] = []
    header_row = bool(rows) and all(_column_name(c) is not None for c in rows[0][1] if c.strip())
    if columns:
        for name in columns:
            key = name.strip().lower()
            if key not in USER_NAMES and COLUMN_NAMES.get(key) is None:
                raise PrepError(
                    f"unknown column '{name}' in --columns; use {', '.join(USER_NAMES)}"
                )
            names.append(COLUMN_NAMES.get(key, key))
        if header_row:
            rows = rows[1:]  # the file names its columns too; --columns wins
    elif "columns" in headers:
        names = [COLUMN_NAMES.get(c.strip().lower(), "skip") for c in headers["columns"].split(sep)]
    elif header_row:
        names = [(_column_name(c) or "skip") if c.strip() else "skip" for c in rows[0][1]]
        rows = rows[1:]
    fixed = {
        "tags column": "tags",
        "guid column": "guid",
        "notetype column": "notetype",
        "deck column": "deck",
    }
    width = max((len(r) for _, r in rows), default=0)
    names = names + ["" for _ in range(max(0, width - len(names)))]
    for key, role in fixed.items():
        if key in headers:
            col = _column_of(headers[key], path, key, header_line[key], len(names))
            if col >= len(names):
                names += ["" for _ in range(col - len(names) + 1)]
            names[col] = role
    if "front" not in names:
        free = [i for i, n in enumerate(names) if n == ""]
        if free:
            names[free[0]] = "front"
        if "back" not in names and len(free) > 1:
            names[free[1]] = "back"
    if "front" not in names:
        raise PrepError(f"{path}: no question column; name it with --columns front,back,tags")

    title = (headers.get("deck") or "").strip() or Path(path).stem
    all_tags = (headers.get("tags") or "").split()
    drafts: list[Draft] = []
    skipped: list[Skipped] = []
    for line, row in rows:
        cell = {n: row[i].strip() for i, n in enumerate(names) if i < len(row) and n}
        front, back = cell.get("front", ""), cell.get("back", "")
        convert = html_mode == "true" or (html_mode == "" and bool(_HTML_HINT.search(front + back)))
        links: list[tuple[str, str]] = []
        if convert:
            front, links = html_to_markdown(front, plain=True)
            back, _ = html_to_markdown(back)
        if not front.strip():
            skipped.append(Skipped(line, back[:60] or "(empty row)", "no question in this row"))
            continue
        if links:
            extra = "\n".join(f"- [{t or h}]({h})" for t, h in links)
            back = f"{back}\n\n{extra}" if back else extra
        kind = cell.get("kind", "").lower() or "technical"
        if kind not in KINDS:
            skipped.append(Skipped(line, front[:60], f"unknown kind '{kind}'; read as technical"))
            kind = "technical"
        topic = cell.get("topic", "")
        if not topic and cell.get("deck"):
            topic = cell["deck"].split("::")[-1].strip()
        card_id = cell.get("id") or None
        if card_id is not None and not ID_RE.match(card_id):
            skipped.append(Skipped(line, card_id, "invalid id; a new one is made"))
            card_id = None
        if card_id is None and cell.get("guid"):
            from .apkg import guid_id

            card_id = guid_id(cell["guid"])  # the note's identity in Anki
        tags = all_tags + [t for t in cell.get("tags", "").split() if t not in all_tags]
        keywords = [k.strip() for k in re.split(r"[,;]", cell.get("keywords", "")) if k.strip()]
        raw_front = cell.get("front", "")
        if "{{c" in raw_front:
            from .apkg import cloze_cards

            # A Cloze note: a card per cloze, not `{{c1::…}}` shown as text.
            for num, cq, ca in cloze_cards(raw_front, cell.get("back", "")):
                drafts.append(
                    Draft(
                        q=cq,
                        a=ca,
                        kind="concept" if not cell.get("kind") else kind,
                        topic=topic,
                        tags=tags,
                        line=line,
                        id=f"{card_id}-c{num}" if card_id else None,
                    )
                )
            if drafts and drafts[-1].line == line:
                continue
        drafts.append(
            Draft(
                q=front.strip(),
                a=back.strip(),
                kind=kind,
                topic=topic,
                keywords=keywords,
                tags=tags,
                line=line,
                id=card_id,
            )
        )
    return Imported(
        path=path,
        format="tsv" if sep == "\t" else "csv",
        title=title,
        language="",
        drafts=drafts,
        skipped=skipped,
    )
