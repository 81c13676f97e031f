"""Field HTML to Markdown (markdownify): what Anki notes hold, and hostile markup."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prep.importers.htmlmd import MAX_DEPTH, MAX_HTML, html_to_markdown


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        # A table without header cells: its first row heads it.
        ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>",
         "| a | b |\n| --- | --- |\n| c | d |"),
        # Nested lists, ordered ones indented under their item's text.
        ("<ul><li>READ COMMITTED<ul><li>default</li></ul></li><li>SERIALIZABLE</li></ul>",
         "- READ COMMITTED\n  - default\n- SERIALIZABLE"),
        ("<ol><li>one<ol><li>a</li><li>b</li></ol></li><li>two</li></ol>",
         "1. one\n   1. a\n   2. b\n2. two"),
        # An image stays a reference: the card says a picture belongs there.
        ('See <img src="diagram.png" alt="the diagram"> here', "See ![the diagram](diagram.png) here"),
        ("Keys<br>in pages<br/>sorted", "Keys\\\nin pages\\\nsorted"),
        ("{{c1::TCP}} is <b>reliable</b>", "{{c1::TCP}} is **reliable**"),
        ("2*3 is <i>six</i>", "2\\*3 is *six*"),
        ("ok<script>alert(1)</script><style>p{}</style> done", "ok done"),
    ],
)  # fmt: skip
def test_answers(html: str, markdown: str) -> None:
    assert html_to_markdown(html)[0] == markdown


def test_questions_are_plain_and_keep_their_links_aside() -> None:
    text, links = html_to_markdown(
        '<div>What does <b>this</b> print?</div><img src="x.png" alt="code">'
        '<a href="https://docs.example/a">docs</a>',
        plain=True,
    )
    assert text == "What does this print?\n\ncodedocs"
    assert links == [("docs", "https://docs.example/a")]
    assert html_to_markdown("<table><tr><td>op</td><td>O(1)</td></tr></table>", plain=True)[0] == (
        "op | O(1)"
    )


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="<&", blacklist_categories=("Cs",))))
def test_text_without_markup_reads_as_markdownify_reads_it(text: str) -> None:
    """The fast path for fields with no markup gives what the library gives."""
    from markdownify import markdownify

    for plain in (False, True):
        want = markdownify(text, escape_asterisks=not plain, escape_underscores=not plain)
        want = " ".join(want.replace("\xa0", " ").split()) if want.strip() else ""
        got = html_to_markdown(text, plain=plain)[0]
        assert " ".join(got.split()) == want


def test_markup_nested_too_deep_is_read_as_its_text() -> None:
    deep = "<div>" * (MAX_DEPTH * 50) + "the <b>text</b>" + "</div>" * (MAX_DEPTH * 50)
    assert html_to_markdown(deep)[0] == "the text"
    shallow = "<div>" * (MAX_DEPTH - 1) + "<b>kept</b>" + "</div>" * (MAX_DEPTH - 1)
    assert html_to_markdown(shallow)[0] == "**kept**"


def test_a_huge_field_is_cut_before_it_is_parsed() -> None:
    out, _ = html_to_markdown("<p>" + "word " * (MAX_HTML // 4) + "</p>")
    assert len(out) <= MAX_HTML
