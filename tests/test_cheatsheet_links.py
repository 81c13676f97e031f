"""A card cannot define a Markdown link that the cheat sheet (or another card) then uses."""

from __future__ import annotations

from prep.cheatsheet import md_escape


def _links(markdown: str) -> list[str]:
    from markdown_it import MarkdownIt

    hrefs = []
    for token in MarkdownIt("commonmark").parse(markdown):
        for child in token.children or ():
            if child.type == "link_open":
                hrefs.append(str(child.attrs.get("href", "")))
    return hrefs


def test_reference_definitions_in_cards_are_text(ws, invoke):
    (ws / "decks" / "links.yaml").write_text(
        "deck: links\ncards:\n"
        "  - {id: l1, kind: ask, q: '[new]: https://evil.example/badge'}\n"
        "  - {id: l2, kind: ask, q: '[y]: https://evil.example/y'}\n"
        "  - {id: l3, kind: ask, q: 'What does [y] mean, and [see][y]?'}\n"
        "  - {id: l4, kind: ask, q: '[a\\]b]: https://evil.example/escaped'}\n"
        "  - {id: l5, kind: ask, q: 'And [a\\]b]?'}\n",
        encoding="utf-8",
    )
    r = invoke("-w", str(ws), "cheatsheet", "--only", "ask", "--only", "cards")
    assert r.exit_code == 0, r.output
    md = r.stdout
    assert "https://evil.example/y" in md  # the text is there, to read ...
    assert "[new]" in md  # ... beside the sheet's own badges
    assert not [h for h in _links(md) if "evil" in h], _links(md)  # ... and no link uses it


def test_md_escape_keeps_ordinary_brackets():
    assert md_escape("list[int] and dict[str, int]") == "list[int] and dict[str, int]"
    assert md_escape("[y]: u") == "\\[y]: u"
    assert _links(md_escape("[y]: https://evil.example") + "\n\n[y]\n") == []
