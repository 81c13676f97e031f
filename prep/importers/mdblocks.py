"""A small, fast Markdown block scanner and inline flattener for the importer.

The importer needs the block structure of a document (headings, paragraphs,
nested lists, code fences, HTML blocks, quotes, tables) with line numbers, and
the inline text of headings and paragraphs as plain text. A general CommonMark
parser spends most of its time on things the importer throws away; on a
5,000-question file markdown-it-py takes 1.3 s for the blocks alone. This
scanner follows the CommonMark block rules the importer depends on (a `#`
inside a fence is code, lists nest by content indentation, lazy continuation
lines, setext headings, HTML block start and end conditions, GFM tables) and
is checked against markdown-it on the test fixtures.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache


@dataclass
class Node:
    type: str  # heading, para, list, fence, code, html, hr, quote, table, details
    start: int  # 0-based first line
    end: int  # exclusive, trailing blank lines not counted
    inline: str = ""  # inline source of a heading or paragraph
    level: int = 0  # heading level
    items: list[Item] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)


@dataclass
class Item:
    start: int
    end: int
    first: Node | None  # the item's own paragraph
    rest: list[Node]  # what is nested below it


Line = tuple[int, str]  # (0-based line number, text with container prefixes removed)

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+|$)(.*)$")
_ATX_CLOSE = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
_HR = re.compile(r"^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_LIST = re.compile(r"^( {0,3})(?:([-+*])|(\d{1,9})([.)]))(?:( +)(.*))?$")
_QUOTE = re.compile(r"^ {0,3}> ?")
_TABLE_DELIM = re.compile(r"^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_BLOCK_TAGS = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|"
    "details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|"
    "h1|h2|h3|h4|h5|h6|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|"
    "noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|"
    "thead|title|tr|track|ul"
)
_HTML_START: list[tuple[re.Pattern[str], re.Pattern[str] | None]] = [
    (
        re.compile(r"^ {0,3}<(?:script|pre|style|textarea)(?:\s|>|$)", re.I),
        re.compile(r"</(?:script|pre|style|textarea)>", re.I),
    ),
    (re.compile(r"^ {0,3}<!--"), re.compile(r"-->")),
    (re.compile(r"^ {0,3}<\?"), re.compile(r"\?>")),
    (re.compile(r"^ {0,3}<![A-Za-z]"), re.compile(r">")),
    (re.compile(r"^ {0,3}<!\[CDATA\["), re.compile(r"\]\]>")),
    (re.compile(rf"^ {{0,3}}</?(?:{_BLOCK_TAGS})(?:\s|/?>|$)", re.I), None),
]
_HTML_7 = re.compile(
    r"^ {0,3}(?:<[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:][\w.:-]*"
    r"(?:\s*=\s*(?:[^\s\"'=<>`]+|'[^']*'|\"[^\"]*\"))?)*\s*/?>|</[A-Za-z][A-Za-z0-9-]*\s*>)\s*$"
)


def _detab(line: str) -> str:
    """Tabs in the leading whitespace to spaces (CommonMark tab stops of 4)."""
    if "\t" not in line:
        return line
    stripped = line.lstrip(" \t")
    lead = line[: len(line) - len(stripped)]
    return lead.expandtabs(4) + stripped


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _blank(text: str) -> bool:
    return not text.strip()


def _html_start(text: str, interrupting: bool) -> re.Pattern[str] | None | bool:
    """The end pattern of the HTML block this line starts (None: ends at a blank line)."""
    for start, end in _HTML_START:
        if start.match(text):
            return end
    if not interrupting and _HTML_7.match(text):
        return None
    return False


def _list_start(text: str, interrupting: bool) -> re.Match[str] | None:
    m = _LIST.match(text)
    if not m:
        return None
    if _HR.match(text):
        return None
    if interrupting:
        # Only a non-empty bullet or an ordered list starting at 1 interrupts a paragraph.
        if m.group(6) is None or not m.group(6).strip():
            return None
        if m.group(3) is not None and m.group(3) != "1":
            return None
    return m


def _interrupts(lines: list[Line], i: int) -> bool:
    """Does line i end the paragraph above it?"""
    text = lines[i][1]
    if _indent(text) >= 4:
        return False
    return bool(
        _ATX.match(text)
        or _FENCE.match(text)
        or _HR.match(text)
        or _QUOTE.match(text)
        or _html_start(text, True) is not False
        or _list_start(text, True)
        or _table_start(lines, i)
    )


def _table_start(lines: list[Line], i: int) -> bool:
    return (
        "|" in lines[i][1]
        and i + 1 < len(lines)
        and "-" in lines[i + 1][1]
        and bool(_TABLE_DELIM.match(lines[i + 1][1]))
    )


def _end_of(lines: list[Line], lo: int, hi: int) -> int:
    """Exclusive end line number of lines[lo:hi], trailing blank lines dropped."""
    j = hi - 1
    while j > lo and _blank(lines[j][1]):
        j -= 1
    return lines[j][0] + 1


def parse(text: str) -> list[Node]:
    lines = [(n, _detab(line)) for n, line in enumerate(text.split("\n"))]
    return _blocks(lines)


# Containers (lists, quotes, folds) nested deeper than this are read as text: no
# document nests 32 deep, and a line of a thousand list markers must not recurse
# a thousand times.
MAX_NESTING = 32
_depth = [0]


def _blocks(lines: list[Line]) -> list[Node]:
    if _depth[0] >= MAX_NESTING:
        kept = [(no, t) for no, t in lines if t.strip()]
        if not kept:
            return []
        text = " ".join(t.strip() for _, t in kept)
        return [Node("para", kept[0][0], kept[-1][0] + 1, inline=text)]
    _depth[0] += 1
    try:
        return _blocks_at(lines)
    finally:
        _depth[0] -= 1


def _blocks_at(lines: list[Line]) -> list[Node]:
    out: list[Node] = []
    i, n = 0, len(lines)
    while i < n:
        no, text = lines[i]
        if _blank(text):
            i += 1
            continue
        ind = _indent(text)
        if ind >= 4:
            j = i + 1
            while j < n and (_blank(lines[j][1]) or _indent(lines[j][1]) >= 4):
                j += 1
            out.append(Node("code", no, _end_of(lines, i, j)))
            i = j
            continue
        m = _FENCE.match(text)
        if m and not (m.group(2)[0] == "`" and "`" in m.group(3)):
            mark = m.group(2)
            close = re.compile(rf"^ {{0,3}}{re.escape(mark[0])}{{{len(mark)},}}[ \t]*$")
            j = i + 1
            while j < n and not close.match(lines[j][1]):
                j += 1
            end = lines[j][0] + 1 if j < n else _end_of(lines, i, n)
            out.append(Node("fence", no, end))
            i = j + 1
            continue
        m = _ATX.match(text)
        if m:
            content = _ATX_CLOSE.sub("", m.group(2).strip()).strip()
            out.append(Node("heading", no, no + 1, inline=content, level=len(m.group(1))))
            i += 1
            continue
        if _HR.match(text):
            out.append(Node("hr", no, no + 1))
            i += 1
            continue
        end_rx = _html_start(text, False)
        if end_rx is not False and _DETAILS_OPEN.match(text):
            node, i = _details(lines, i)
            out.append(node)
            continue
        if end_rx is not False and (h := _HTML_HEADING.match(text)):
            # `<h5>[JPA]</h5>` alone on its line: a heading, as a browser shows it.
            out.append(
                Node("heading", no, no + 1, inline=h.group(2).strip(), level=int(h.group(1)))
            )
            i += 1
            continue
        if end_rx is not False:
            j = i
            if end_rx is None:
                while j < n and not _blank(lines[j][1]):
                    j += 1
                    if j < n and _DETAILS_OPEN.match(lines[j][1]):
                        break  # `<h5>…</h5>` then `<details>` with no blank line: a fold starts
            else:
                assert isinstance(end_rx, re.Pattern)
                while j < n and not end_rx.search(lines[j][1]):
                    j += 1
                j = min(j + 1, n)
            out.append(Node("html", no, _end_of(lines, i, j)))
            i = j
            continue
        if _QUOTE.match(text):
            inner: list[Line] = []
            j = i
            while j < n:
                t = lines[j][1]
                q = _QUOTE.match(t)
                if q:
                    inner.append((lines[j][0], t[q.end() :]))
                elif (
                    not _blank(t)
                    and inner
                    and not _blank(inner[-1][1])
                    and not _interrupts(lines, j)
                ):
                    inner.append(lines[j])  # lazy continuation
                else:
                    break
                j += 1
            out.append(Node("quote", no, _end_of(lines, i, j), children=_blocks(inner)))
            i = j
            continue
        m = _list_start(text, False)
        if m:
            node, i = _list(lines, i)
            out.append(node)
            continue
        if _table_start(lines, i):
            j = i + 2
            while j < n and not _blank(lines[j][1]) and not _interrupts(lines, j):
                j += 1
            out.append(Node("table", no, _end_of(lines, i, j)))
            i = j
            continue
        # A paragraph, or a setext heading when an underline follows.
        j = i + 1
        level = 0
        while j < n:
            t = lines[j][1]
            if _blank(t):
                break
            s = _SETEXT.match(t)
            if s:
                level = 1 if s.group(1)[0] == "=" else 2
                break
            if _interrupts(lines, j):
                break
            j += 1
        inline = "\n".join(
            t.strip(" ") if k else t.lstrip(" ") for k, (_, t) in enumerate(lines[i:j])
        )
        if level:
            out.append(Node("heading", no, lines[j][0] + 1, inline=inline.strip(), level=level))
            i = j + 1
        else:
            out.append(Node("para", no, lines[j - 1][0] + 1, inline=inline))
            i = j
    return out


_DETAILS_OPEN = re.compile(r"^ {0,3}<details\b", re.I)
_HTML_HEADING = re.compile(
    r"^ {0,3}<h([1-6])\b[^<>]*>([^<>]*(?:<(?!/?h[1-6]\b)[^<>]*>[^<>]*)*)</h\1\s*>\s*$", re.I
)
_DETAILS_TAG = re.compile(r"<(/?)details\b[^>]*>", re.I)
_SUMMARY = re.compile(r"<summary\b[^>]*>(.*?)</summary\s*>", re.I | re.S)
# Lines that only wrap content (`<div markdown="1">`, `</div>`, `<br/>`, `<p>`):
# blank them so the Markdown between them is read as Markdown.
_WRAPPER_LINE = re.compile(
    r"^\s*(?:</?(?:div|span|p|br|blockquote|center|section|article|ins)\b[^<>]*>\s*)+$", re.I
)


def _details(lines: list[Line], i: int) -> tuple[Node, int]:
    """A `<details>` block: its `<summary>` (inline source) and its body, parsed as blocks.

    The block runs to the `</details>` that closes it (nested blocks counted), blank
    lines or not; GitHub shows everything between as the folded content.
    """
    n = len(lines)
    depth = 0
    j = i
    in_fence: re.Pattern[str] | None = None
    while j < n:
        text = lines[j][1]
        if in_fence is not None:
            if in_fence.match(text):
                in_fence = None
        elif (f := _FENCE.match(text)) and j > i:
            mark = f.group(2)
            in_fence = re.compile(rf"^ {{0,3}}{re.escape(mark[0])}{{{len(mark)},}}[ \t]*$")
        else:
            for tag in _DETAILS_TAG.finditer(text):
                depth += -1 if tag.group(1) else 1
            if depth <= 0:
                break
        j += 1
    last = min(j, n - 1)
    region = [(no, t) for no, t in lines[i : last + 1]]
    # Cut the opening tag (and the summary, wherever it sits) off the front, the
    # closing tag off the back; what is left is the body, line numbers kept.
    joined = "\n".join(t for _, t in region)
    open_tag = _DETAILS_TAG.search(joined)
    at = open_tag.end() if open_tag else 0
    summary = ""
    m = _SUMMARY.search(joined, at)
    if m and not _DETAILS_TAG.search(joined, at, m.start()):
        summary = " ".join(m.group(1).split())
        at = m.end()
    close = None
    if depth <= 0:
        closes = [t for t in _DETAILS_TAG.finditer(joined) if t.group(1)]
        close = closes[-1].start() if closes else None
    body_text = joined[at:close] if close is not None else joined[at:]
    first_no = region[0][0] + joined[:at].count("\n")
    body: list[Line] = []
    for k, t in enumerate(body_text.split("\n")):
        body.append((first_no + k, "" if _WRAPPER_LINE.match(t) else t))
    lead = min((_indent(t) for _, t in body if t.strip()), default=0)
    body = [(no, t[lead:] if t.strip() else "") for no, t in body]
    kids = _blocks(body) if body else []
    end = region[-1][0] + 1
    return Node("details", region[0][0], end, inline=summary, children=kids), last + 1


def _same_list(a: re.Match[str], b: re.Match[str]) -> bool:
    if a.group(2) is not None:
        return b.group(2) == a.group(2)
    return b.group(4) == a.group(4)


def _list(lines: list[Line], i: int) -> tuple[Node, int]:
    n = len(lines)
    first = _LIST.match(lines[i][1])
    assert first is not None
    items: list[Item] = []
    start_no = lines[i][0]
    last = i
    while i < n:
        m = _LIST.match(lines[i][1])
        if m is None or _HR.match(lines[i][1]) or not _same_list(first, m):
            break
        marker = len(m.group(1)) + len(m.group(2) or (m.group(3) + m.group(4)))
        spaces = len(m.group(5) or "")
        content = m.group(6) or ""
        if m.group(5) is None or _blank(content):
            width, content = marker + 1, ""
        elif spaces > 4:
            width, content = marker + 1, " " * (spaces - 1) + content
        else:
            width = marker + spaces
        body: list[Line] = [(lines[i][0], content)]
        j = i + 1
        while j < n:
            t = lines[j][1]
            if _blank(t):
                body.append((lines[j][0], ""))
                j += 1
                continue
            if _indent(t) >= width:
                body.append((lines[j][0], t[width:]))
                j += 1
                continue
            prev = body[-1][1]
            if (
                not _blank(prev)
                and not _interrupts(lines, j)
                and not _SETEXT.match(t)
                and not _list_start(t, False)  # a sibling item, whatever its number
            ):
                body.append(lines[j])  # lazy continuation of a paragraph
                j += 1
                continue
            break
        while len(body) > 1 and _blank(body[-1][1]):
            body.pop()
        kids = _blocks(body)
        head = kids[0] if kids and kids[0].type == "para" and kids[0].start == lines[i][0] else None
        end = body[-1][0] + 1
        items.append(Item(lines[i][0], end, head, kids[1:] if head else kids))
        last = i
        k = j
        while k < n and _blank(lines[k][1]):
            k += 1
        if (
            k < n
            and (nxt := _LIST.match(lines[k][1]))
            and _same_list(first, nxt)
            and not _HR.match(lines[k][1])
        ):
            i = k
            continue
        i = j
        break
    _ = last
    return Node("list", start_no, items[-1].end, items=items), i


# -- inline --------------------------------------------------------------------


@dataclass
class Inline:
    """Inline Markdown flattened to plain text; \\x01 marks a soft break, \\x02 a hard one."""

    text: str
    links: list[tuple[str, str]]  # (text, href) of links flattened to their text
    struck: bool  # every letter is inside ~~ ~~
    only_links: bool  # nothing but links
    lead_strong: str | None  # a leading **bold** run
    after_strong: str  # the text after it


_CODE = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_ESC = re.compile(r"\\([!-/:-@\[-`{-~])")
_HARD = re.compile(r"(?: {2,}|\\)\n")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^\s<>]*)>", re.I)
_BR = re.compile(r"<br\s*/?>", re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_COMMENT_END = re.compile(r"(?=(-->))")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*?)?/?>", re.S)
_IMG = re.compile(r"!\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\([^)]*\)")
_LINK = re.compile(
    r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]"
    r"\(\s*<?([^()\s<>]*(?:\([^()\s]*\)[^()\s<>]*)*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)"
)
_REFLINK = re.compile(r"\[((?:[^\[\]]|\[[^\[\]]*\])+)\]\[[^\]]*\]")
# Each pair pattern comes with the pattern of its closer alone. A closer's
# validity depends only on the characters around it, so an opener before the
# last closer always finds one: searching only up to the last closer keeps the
# lazy scans from running to the end of the text once per unclosed opener
# (`~~a ~~a ~~a ...` would take quadratic time).
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~", re.S)
_STRIKE_END = re.compile(r"(?=((?<=\S)~~))")
_STRONG_STAR = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.S)
_STRONG_STAR_END = re.compile(r"(?=((?<=\S)\*\*))")
_STRONG_UNDER = re.compile(r"(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)", re.S)
_STRONG_UNDER_END = re.compile(r"(?=((?<=\S)__(?!\w)))")
_EM_STAR = re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])", re.S)
_EM_STAR_END = re.compile(r"(?=((?<=[^\s*])\*(?![*\w])))")
_EM_UNDER = re.compile(r"(?<!\w)_(?=[^\s_])(.+?)(?<=[^\s_])_(?!\w)", re.S)
_EM_UNDER_END = re.compile(r"(?=((?<=[^\s_])_(?!\w)))")


def _sub_paired(
    rx: re.Pattern[str], closer: re.Pattern[str], repl: Callable[[re.Match[str]], str], text: str
) -> str:
    """`rx.sub(repl, text)` in linear time for a pattern of opener, lazy body, closer."""
    end = -1
    for m in closer.finditer(text):  # zero-width: every closer, overlapping ones too
        end = m.end(1)
    if end < 0:
        return text
    return rx.sub(repl, text[:end]) + text[end:]


# Private-use characters stand in for protected text while the patterns run.
_P0, _P1 = "\ue000", "\ue001"  # a protected piece: _P0 index _P1
_S0, _S1 = "\ue002", "\ue003"  # struck text
_B0, _B1 = "\ue004", "\ue005"  # strong text
_L0, _L1 = "\ue006", "\ue007"  # link text
_PROTECTED = re.compile(f"{_P0}(\\d+){_P1}")


@lru_cache(maxsize=65536)
def flatten(src: str) -> Inline:
    keep: list[str] = []

    def protect(text: str) -> str:
        keep.append(text)
        return f"{_P0}{len(keep) - 1}{_P1}"

    def code(m: re.Match[str]) -> str:
        body = m.group(2).replace("\n", " ")
        if len(body) > 2 and body[0] == body[-1] == " " and body.strip():
            body = body[1:-1]
        fence = "``" if "`" in body else "`"
        return protect(f"{fence}{body}{fence}")

    text = src.replace(_P0, "").replace(_P1, "")
    text = _CODE.sub(code, text)
    text = _HARD.sub("\x02", text)
    text = _ESC.sub(lambda m: protect(m.group(1)), text)
    links: list[tuple[str, str]] = []

    def autolink(m: re.Match[str]) -> str:
        links.append((m.group(1), m.group(1)))
        return f"{_L0}{m.group(1)}{_L1}"

    text = _AUTOLINK.sub(autolink, text)
    text = _BR.sub("\x02", text)
    text = _sub_paired(_COMMENT, _COMMENT_END, lambda m: "", text)
    text = _TAG.sub("", text)
    text = _IMG.sub(lambda m: m.group(1), text)

    def link(m: re.Match[str]) -> str:
        label, href = m.group(1), m.group(2)
        plain = _PROTECTED.sub(lambda p: keep[int(p.group(1))], label)
        if href.startswith("#") and not any(ch.isalnum() for ch in plain):
            return ""  # a decoration such as [[↑]](#toc)
        links.append((_strip_marks(plain), href))
        return f"{_L0}{label}{_L1}"

    text = _LINK.sub(link, text)
    text = _REFLINK.sub(lambda m: m.group(1), text)
    text = _sub_paired(_STRIKE, _STRIKE_END, lambda m: f"{_S0}{m.group(1)}{_S1}", text)
    text = _sub_paired(_STRONG_STAR, _STRONG_STAR_END, lambda m: f"{_B0}{m.group(1)}{_B1}", text)
    text = _sub_paired(_STRONG_UNDER, _STRONG_UNDER_END, lambda m: f"{_B0}{m.group(1)}{_B1}", text)
    text = _sub_paired(_EM_STAR, _EM_STAR_END, lambda m: m.group(1), text)
    text = _sub_paired(_EM_UNDER, _EM_UNDER_END, lambda m: m.group(1), text)
    text = text.replace("\n", "\x01")
    text = html.unescape(text) if "&" in text else text

    def restore(t: str) -> str:
        return _PROTECTED.sub(lambda p: keep[int(p.group(1))], t)

    struck = False
    if _S0 in text:
        inside = "".join(re.findall(f"{_S0}(.*?){_S1}", text, re.S))
        outside = re.sub(f"{_S0}.*?{_S1}", "", text, flags=re.S)
        struck = any(ch.isalnum() for ch in inside) and not any(
            ch.isalnum() for ch in restore(outside)
        )
    outside_links = re.sub(f"{_L0}.*?{_L1}", "", text, flags=re.S)
    only_links = bool(links) and not _strip_marks(restore(outside_links)).strip("\x01\x02 \t")
    lead_strong = None
    after_strong = ""
    stripped = text.lstrip(" \x01\x02")
    if stripped.startswith(_B0) and _B1 in stripped:
        head, _, tail = stripped[1:].partition(_B1)
        lead_strong = _strip_marks(restore(head))
        after_strong = _strip_marks(restore(tail))
    return Inline(
        text=_strip_marks(restore(text)),
        links=links,
        struck=struck,
        only_links=only_links,
        lead_strong=lead_strong,
        after_strong=after_strong,
    )


_MARKS = re.compile(f"[{_S0}{_S1}{_B0}{_B1}{_L0}{_L1}]")


def _strip_marks(text: str) -> str:
    return _MARKS.sub("", text)
