"""Field HTML (Anki notes, `<details>` bodies) to Markdown, with markdownify.

Answers keep their form: tables, nested lists, `<br>` as a hard line break,
images as `![alt](file)` (the terminal cannot show them; the importers list
them as skipped media), code blocks. Questions become plain text (the drill
shows them as such): emphasis dropped, links kept aside so the answer can
list them. A cloze `{{c1::...}}` passes through untouched for the cloze reader.

The HTML is data: it is parsed, never run. `<script>` and `<style>` are
dropped with their content, a field is cut at MAX_HTML characters before it
is parsed, and markup nested past what the converter can walk is read as its
text alone.
"""

from __future__ import annotations

import re
from typing import Any

from markdownify import MarkdownConverter

MAX_HTML = 1024 * 1024  # characters of one field's HTML (a deck card's answer is far smaller)
_BREAK_TAIL = re.compile(r"(?:\\\n\s*)+$")


class _Answer(MarkdownConverter):
    """Markdown for an answer: hard breaks, ATX headings, `-` bullets, tables."""

    def __init__(self, **options: Any) -> None:
        super().__init__(
            heading_style="ATX",
            bullets="-",
            newline_style="BACKSLASH",
            table_infer_header=True,
            escape_misc=False,
            **options,
        )


class _Plain(_Answer):
    """Plain text for a question; links are collected, not written."""

    def __init__(self) -> None:
        super().__init__(escape_asterisks=False, escape_underscores=False)
        self.links: list[tuple[str, str]] = []

    def convert_a(self, el: Any, text: str, parent_tags: set[str]) -> str:
        href = el.get("href") or ""
        if href and href != text.strip():
            self.links.append((text.strip(), href))
        return text

    def convert_b(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return text

    convert_strong = convert_i = convert_em = convert_u = convert_b

    def convert_img(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return str(el.attrs.get("alt") or "")

    def convert_br(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return "\n"

    def convert_hN(self, n: int, el: Any, text: str, parent_tags: set[str]) -> str:  # noqa: N802
        return f"\n\n{text.strip()}\n\n"

    def convert_table(self, el: Any, text: str, parent_tags: set[str]) -> str:
        rows = []
        for tr in el.find_all("tr"):
            cells = [" ".join(td.get_text(" ").split()) for td in tr.find_all(["td", "th"])]
            if any(cells):
                rows.append(" | ".join(cells))
        return "\n\n" + "\n".join(rows) + "\n\n"


MAX_DEPTH = 200  # nested elements the converter walks (it recurses once per level)
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)\b[^>]*?(/?)>")
_VOID = {
    "br",
    "img",
    "hr",
    "input",
    "meta",
    "link",
    "area",
    "base",
    "col",
    "embed",
    "source",
    "wbr",
}


def _too_deep(html: str) -> bool:
    depth = 0
    for m in _TAG.finditer(html):
        if m.group(2).lower() in _VOID or m.group(3):
            continue
        depth += -1 if m.group(1) else 1
        if depth > MAX_DEPTH:
            return True
    return False


def _text_only(html: str) -> str:
    """The text of markup too deep to convert: tags dropped, block ends as line breaks."""
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []
            self.skip = 0

        def handle_starttag(self, tag: str, attrs: Any) -> None:
            self.skip += tag in ("script", "style")
            if tag in ("br", "p", "div", "li", "tr"):
                self.parts.append("\n")

        def handle_endtag(self, tag: str) -> None:
            self.skip -= tag in ("script", "style") and self.skip > 0

        def handle_data(self, data: str) -> None:
            if not self.skip:
                self.parts.append(data)

    parser = Text()
    parser.feed(html)
    parser.close()
    return "\n".join(" ".join(line.split()) for line in "".join(parser.parts).split("\n"))


def html_to_markdown(text: str, *, plain: bool = False) -> tuple[str, list[tuple[str, str]]]:
    """(Markdown, or plain text with `plain`; the links a plain text left out)."""
    if not text.strip():
        return "", []
    html = text[:MAX_HTML]
    if "<" not in html and "&" not in html:
        # No markup at all (most Anki fields): what markdownify would give, without
        # parsing (parsing and converting cost about 2 ms a field).
        out = " ".join(html.split())
        if not plain:
            out = out.replace("*", "\\*").replace("_", "\\_")
        return out, []
    converter: _Answer = _Plain() if plain else _Answer()
    if _too_deep(html):
        out = _text_only(html)
    else:
        try:
            out = converter.convert(html)
        except RecursionError:  # pragma: no cover - _too_deep comes first
            out = _text_only(html)
    out = out.replace("\xa0", " ")
    out = _BREAK_TAIL.sub("", out.rstrip())  # no hard break at the very end
    lines = [line.rstrip() for line in out.split("\n")]
    out = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    links = converter.links if isinstance(converter, _Plain) else []
    return out, links
