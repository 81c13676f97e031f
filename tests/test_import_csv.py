"""CSV/TSV import, Anki's text export above all: headers, columns, HTML fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from prep.errors import PrepError
from prep.importers import detect_format, import_file
from prep.importers.apkg import guid_id
from prep.importers.htmlmd import html_to_markdown

FIX = Path(__file__).parent / "fixtures" / "import"


def test_anki_text_export_with_all_its_headers() -> None:
    result = import_file(FIX / "anki_export.txt")
    assert result.format == "tsv"
    got = [(d.q, d.topic, d.tags, d.line) for d in result.drafts]
    assert got == [
        ("What is a generator?", "Python", ["python", "generators"], 7),
        ("What does <code>EXPLAIN</code> show?", "Databases", ["sql", "postgres"], 8),
        ("Why use ETags?", "Web", ["web"], 9),
    ]
    first, second, third = result.drafts
    # <br> is a hard break, so the line break shows in the drill too.
    assert first.a == "A function that *yields* values lazily.\\\nSaves memory on big inputs."
    # The note GUID is the card's identity: a newer export updates these cards.
    assert [d.id for d in result.drafts] == [
        guid_id("b`9H3)xq1"),
        guid_id("c@7Jk2!zz"),
        guid_id("d#1Lm9?aa"),
    ]
    assert second.a == "The plan:\n\n- scan type\n- estimated `rows`"
    # A link in the question is kept in the answer; &nbsp; is a plain space.
    assert third.a == (
        "Conditional requests:\n\nthe server answers 304 Not Modified.\n\n"
        "- [ETags](https://example.com/etag)"
    )
    assert [(s.line, s.reason) for s in result.skipped] == [(10, "no question in this row")]


def test_a_txt_file_with_anki_headers_is_read_as_a_table() -> None:
    path = FIX / "anki_export.txt"
    assert detect_format(path, path.read_text(encoding="utf-8")) == "tsv"
    assert detect_format(Path("notes.txt"), "# Title\n\n- What?\n") == "markdown"
    assert detect_format(Path("x.txt"), "What?\tAnswer\nWhy?\tBecause\n") == "tsv"


def test_header_row_quoted_fields_and_korean() -> None:
    result = import_file(FIX / "questions.csv")
    assert result.format == "csv"
    assert [(d.q, d.topic, d.tags, d.line) for d in result.drafts] == [
        ("What is a race condition?", "Concurrency", ["concurrency", "threads"], 2),
        ('Explain "idempotent" for HTTP methods.', "Web", ["http"], 4),
        ("데드락은 어떻게 예방하나요?", "동시성", ["concurrency"], 5),
    ]
    assert result.drafts[0].a == (
        "Two threads touch shared state and the result depends on timing.\n"
        "Fix with a lock or by not sharing."
    )


def test_columns_header_separator_and_html_off() -> None:
    result = import_file(FIX / "semicolon.csv")
    assert [(d.q, d.a, d.tags) for d in result.drafts] == [
        ("What does a B-tree index keep?", "A b-tree keeps keys sorted", ["db", "index"]),
        ("Is HTML read when html is false?", "<b>literal</b> stays", ["html"]),
    ]


def test_columns_option_maps_the_fields(tmp_path: Path) -> None:
    src = tmp_path / "cards.tsv"
    src.write_text("an answer\tWhat is asked?\tignored\tt1 t2\n", encoding="utf-8")
    result = import_file(src, columns=["back", "front", "skip", "tags"])
    d = result.drafts[0]
    assert (d.q, d.a, d.tags) == ("What is asked?", "an answer", ["t1", "t2"])


def test_pipe_separator_kind_and_id_columns(tmp_path: Path) -> None:
    src = tmp_path / "cards.txt"
    src.write_text(
        "#separator:pipe\n#columns:id|kind|front|back\n"
        "my-id|behavioral|Tell me about a conflict.|STAR\nbad id!|nonsense|Why?|\n",
        encoding="utf-8",
    )
    result = import_file(src)
    first, second = result.drafts
    assert (first.id, first.kind, first.q, first.a) == (
        "my-id",
        "behavioral",
        "Tell me about a conflict.",
        "STAR",
    )
    assert (second.id, second.kind) == (None, "technical")
    assert {s.reason for s in result.skipped} == {
        "invalid id; a new one is made",
        "unknown kind 'nonsense'; read as technical",
    }


def test_without_a_header_the_first_two_columns_are_front_and_back(tmp_path: Path) -> None:
    src = tmp_path / "plain.csv"
    src.write_text("What is CAP?,Consistency availability partition\n", encoding="utf-8")
    d = import_file(src).drafts[0]
    assert (d.q, d.a) == ("What is CAP?", "Consistency availability partition")


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        ("one<br>two<br/>three", "one\\\ntwo\\\nthree"),
        (
            "<table><tr><th>Op</th><th>Big-O</th></tr><tr><td>get</td><td>O(1)</td></tr></table>",
            "| Op | Big-O |\n| --- | --- |\n| get | O(1) |",
        ),
        ("<p>first</p><p>second</p>", "first\n\nsecond"),
        ("<b>bold</b> <strong>strong</strong>", "**bold** **strong**"),
        ("<i>it</i> <em>em</em>", "*it* *em*"),
        ("<ul><li>a</li><li>b</li></ul>", "- a\n- b"),
        ("<ol><li>a</li><li>b</li></ol>", "1. a\n2. b"),
        ("use <code>x = 1</code>", "use `x = 1`"),
        ('<a href="https://e.org">site</a>', "[site](https://e.org)"),
        ("&lt;tag&gt; &amp; &quot;q&quot;&nbsp;end", '<tag> & "q" end'),
        ("<pre>line 1\n  line 2</pre>", "```\nline 1\n  line 2\n```"),
        ("<script>alert(1)</script>text", "text"),
    ],
)
def test_html_fields_become_markdown(html: str, markdown: str) -> None:
    assert html_to_markdown(html)[0] == markdown


def test_html_questions_become_plain_text() -> None:
    text, links = html_to_markdown(
        'What is <b>this</b>? See <a href="https://x.org">x</a>', plain=True
    )
    assert text == "What is this? See x"
    assert links == [("x", "https://x.org")]


@pytest.mark.parametrize(
    ("content", "columns", "message"),
    [
        ("#separator:weird\na\tb\n", None, "unknown #separator 'weird'"),
        ("#html:maybe\na\tb\n", None, "#html must be true or false"),
        ("#tags column:x\na\tb\n", None, "#tags column must be a column number"),
        ("#separator:tab\n#tags column:99999999999\na\tb\n", None, r":2: #tags column is 9+, far"),
        ("#guid column:7\na\tb\tc\n", None, r":1: #guid column is 7, but the rows have at most 3"),
        ("#tags column:0\na\tb\n", None, r":1: #tags column must be 1 or more"),
        ("a\tb\n", ["front", "nope"], "unknown column 'nope' in --columns"),
        ("#columns:Tags\tGuid\na\tb\n", None, "no question column"),
    ],
)
def test_bad_headers_and_columns_are_named(
    tmp_path: Path, content: str, columns: list[str] | None, message: str
) -> None:
    src = tmp_path / "bad.tsv"
    src.write_text(content, encoding="utf-8")
    with pytest.raises(PrepError, match=message):
        import_file(src, columns=columns)


def test_columns_apply_to_tables_only() -> None:
    with pytest.raises(PrepError, match="--columns applies to CSV/TSV"):
        import_file(FIX / "list_questions.md", columns=["front"])


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ('front,back,tags\n"unterminated quote,answer,tag\nsecond,row\n', 2),
        ('front,back\nfirst,one\nsecond,"two\nthird,three', 3),
        ('#separator:tab\nq\ta\n"open\tb\n', 3),
    ],
)
def test_an_unterminated_quote_is_named_not_read_to_the_end(
    tmp_path: Path, content: str, line: int
) -> None:
    src = tmp_path / "bad.csv"
    src.write_text(content, encoding="utf-8")
    with pytest.raises(PrepError) as err:
        import_file(src)
    assert str(err.value) == f"{src}:{line}: unterminated quoted field"


@pytest.mark.parametrize(
    "content",
    [
        'front,back\n"What is X?,answer one\nq2,a2\nq3,"answer three"\n',
        'front,back,tags\nq0,a0,t\n"What is X?,answer one,t\nq2,a2,t\nq3,"answer three",t\n',
    ],
)
def test_an_unclosed_quote_mid_file_does_not_swallow_the_rows_after_it(
    tmp_path: Path, content: str
) -> None:
    # The quote pairs with a later one: the rows between would become one card's question.
    src = tmp_path / "mid.csv"
    src.write_text(content, encoding="utf-8")
    with pytest.raises(PrepError) as err:
        import_file(src)
    line = 3 if content.startswith("front,back,tags") else 2
    assert str(err.value).startswith(f"{src}:{line}: unterminated quoted field: the quote opened")


def test_a_short_row_with_text_over_several_lines_is_not_taken_for_an_unclosed_quote(
    tmp_path: Path,
) -> None:
    src = tmp_path / "short.csv"
    src.write_text('front,back,tags\n"multi\nline q","x, y\nz"\nq2,a2,t\n', encoding="utf-8")
    assert [(d.q, d.a) for d in import_file(src).drafts] == [
        ("multi\nline q", "x, y\nz"),
        ("q2", "a2"),
    ]


def test_quoted_fields_may_span_lines(tmp_path: Path) -> None:
    src = tmp_path / "multi.csv"
    src.write_text(
        'front,back\nfirst,one\n"multi\nline q","a\nb"\nlast,"x ""y"""', encoding="utf-8"
    )
    got = [(d.q, d.a, d.line) for d in import_file(src).drafts]
    assert got == [("first", "one", 2), ("multi\nline q", "a\nb", 3), ("last", 'x "y"', 6)]


def test_a_column_just_past_the_rows_is_an_empty_last_column(tmp_path: Path) -> None:
    src = tmp_path / "notes.txt"
    src.write_text("#separator:tab\n#tags column:3\nWhat is a heap?\tA tree\n", encoding="utf-8")
    result = import_file(src)
    assert [(d.q, d.a, d.tags) for d in result.drafts] == [("What is a heap?", "A tree", [])]


def test_tilde_separator_plural_headers_and_a_number_column() -> None:
    result = import_file(FIX / "tilde_plural.csv")
    assert [(d.q, d.a, d.topic, d.line) for d in result.drafts] == [
        ("What is a deadlock?", "Two waits, each on the other", "OS", 2),
        ("Why use an index?", "Fewer reads", "DB", 3),
    ]


def test_cloze_notes_in_a_text_export_give_a_card_per_cloze() -> None:
    result = import_file(FIX / "anki_cloze.txt")
    assert [(d.q, d.a, d.kind, d.id) for d in result.drafts] == [
        ("[...] retransmits; UDP does not.", "TCP\n\nLayer 4", "concept", guid_id("z1") + "-c1"),
        ("TCP retransmits; [...] does not.", "UDP\n\nLayer 4", "concept", guid_id("z1") + "-c2"),
        ("What is a port?", "A number", "technical", guid_id("z2")),
    ]
