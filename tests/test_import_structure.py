"""Real shapes of question files, the structure a dry run reports, and the
options that read a file the way the person says when the reading guessed wrong.

The fixtures are structural copies of public files (their markup, nesting and
counts; the text is ours).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from prep.errors import PrepError
from prep.importers import Overrides, import_file
from prep.importers.structure import describe

FIX = Path(__file__).parent / "fixtures" / "import"


def read(name: str, **told: object) -> object:
    return import_file(FIX / name, overrides=Overrides(**told) if told else None)  # type: ignore[arg-type]


def rows(result: object) -> list[tuple[str, str, str]]:
    return [(d.q, d.topic, d.kind) for d in result.drafts]  # type: ignore[attr-defined]


def test_nested_folds_with_toggle_words_and_html_labels() -> None:
    result = read("accordion_ko.md")
    assert rows(result) == [
        ("우리 회사에 지원한 이유가 무엇인가요?", "지원동기", "behavioral"),
        ("입사 후 첫 해에 무엇을 하고 싶나요?", "지원동기", "behavioral"),
        ("캐시 무효화는 왜 어려운가요?", "기술 스택", "technical"),
        ("TTL은 어떻게 정하나요?", "기술 스택", "technical"),
        ("메시지 중복 처리는 어떻게 막나요?", "기술 스택", "technical"),
    ]
    assert result.drafts[1].a == "온보딩 문서를 고치고 싶습니다."  # type: ignore[attr-defined]
    # The <h5> labels hold no question: listed, with their line, not lost.
    assert [(s.line, s.what) for s in result.skipped] == [(35, "[캐시]"), (50, "[큐]")]  # type: ignore[attr-defined]


def test_short_label_lines_name_the_topic_of_the_folds_or_list_below() -> None:
    result = read("labels_over_blocks.md")
    assert [(d.topic, d.q) for d in result.drafts] == [  # type: ignore[attr-defined]
        ("공통", "동기 호출과 비동기 호출의 차이를 설명해 주세요."),
        ("공통", "멱등성이란 무엇인가요?"),
        ("Java", "JVM의 가비지 컬렉션은 어떻게 동작하나요?"),
        ("Network", "TCP와 UDP의 차이를 설명해주세요."),
        ("Network", "DNS 조회 과정을 설명해주세요."),
        ("Database", "인덱스가 느려지는 경우는 언제인가요?"),
    ]
    assert result.drafts[0].a == "동기는 끝날 때까지 기다린다."  # type: ignore[attr-defined]
    assert not result.skipped  # type: ignore[attr-defined]


def test_quoted_questions_and_a_table_with_a_question_column() -> None:
    result = read("quoted_and_tables.md")
    d = result.drafts  # type: ignore[attr-defined]
    assert [x.q for x in d] == [
        "What is the difference between `==` and `===`?",
        'Why does `typeof null` return "object"?',
        "What is a process, and what is a thread?",
        "How do you prevent a deadlock?",
    ]
    assert d[0].a.startswith("`===` compares without converting types.")
    assert "`==` converts both sides first." in d[0].a and "Answer:" not in d[0].a
    assert d[2].topic == "Operating systems" and d[2].line == 21
    assert d[2].a == (
        "**Intent:** Basics of memory\n\n**Expected answer:** Separate address spaces; shared memory"
    )


def test_a_document_inside_a_markdown_fence_is_read_as_the_document() -> None:
    result = read("fenced_document.md")
    qs = [x.q for x in result.drafts]  # type: ignore[attr-defined]
    assert qs[:4] == [
        "Explain how Python manages memory.",
        "What are `*args` and `**kwargs`?",
        "Compare threads, processes and asyncio.",
        "What does the GIL prevent?",
    ]
    assert [x.topic for x in result.drafts[:4]] == ["Core Python"] * 2 + ["Concurrency"] * 2  # type: ignore[attr-defined]
    skipped = {(s.line, s.reason) for s in result.skipped}  # type: ignore[attr-defined]
    assert (1, "outside the document held in a ```markdown fence") in skipped
    # The cheat sheet at its end is a note: --skip-section leaves it out.
    assert qs[4:] == ["Quick Cheat Sheet"]
    told = read("fenced_document.md", skip_sections=["cheat sheet"])
    assert [x.q for x in told.drafts] == qs[:4]  # type: ignore[attr-defined]
    assert (20, "skipped with --skip-section") in {(s.line, s.reason) for s in told.skipped}  # type: ignore[attr-defined]


def test_questions_at_a_heading_level_fold_their_subsections_into_the_answer() -> None:
    """Terse h3 titles over h4 parts: the reading takes some parts for cards."""
    guessed = read("study_notes.md")
    assert "Pitfall" in [x.q for x in guessed.drafts]  # type: ignore[attr-defined]
    told = read("study_notes.md", questions="h3")
    d = told.drafts  # type: ignore[attr-defined]
    assert [(x.q, x.topic, x.line, x.end) for x in d] == [
        ("Index selectivity", "Databases", 5, 12),
        ("Write-ahead log", "Databases", 14, 18),
        ("Cache stampede", "Caching", 22, 26),
        ("TTL jitter", "Caching", 28, 29),
    ]
    assert "Functions on the column defeat the index." in d[0].a
    assert "**Pitfall**" in d[0].a
    assert d[0].shape == "h3 heading"
    # Text above the question level (the company section's) is listed, with its line.
    assert [(s.line, s.reason) for s in told.skipped] == [  # type: ignore[attr-defined]
        (33, "outside the questions (--questions h3)")
    ]


def test_keep_section_reads_what_its_heading_words_would_skip() -> None:
    guessed = read("study_notes.md")
    assert "Company summary" in [s.what for s in guessed.skipped]  # type: ignore[attr-defined]
    kept = read("study_notes.md", keep_sections=["company"])
    assert "Company summary" in [x.q for x in kept.drafts]  # type: ignore[attr-defined]


def test_topic_override_regroups_by_another_level() -> None:
    by_h1 = read("study_notes.md", questions="h3", topic="h1")
    assert {x.topic for x in by_h1.drafts} == {"Backend study notes"}  # type: ignore[attr-defined]
    none = read("study_notes.md", questions="h3", topic="none")
    assert {x.topic for x in none.drafts} == {""}  # type: ignore[attr-defined]
    by_h2 = read("titled_questions.md", topic="h3")
    assert {x.topic for x in by_h2.drafts} == {"Caching", "Code"}  # type: ignore[attr-defined]


def test_list_details_and_bold_overrides() -> None:
    as_list = read("labels_over_blocks.md", questions="list")
    assert [x.q.split()[0] for x in as_list.drafts] == ["TCP와", "DNS", "인덱스가"]  # type: ignore[attr-defined]
    assert any(
        "outside the questions (--questions list)" == s.reason
        for s in as_list.skipped  # type: ignore[attr-defined]
    )
    as_folds = read("labels_over_blocks.md", questions="details")
    assert len(as_folds.drafts) == 3  # type: ignore[attr-defined]
    as_bold = read("bold_pairs.md", questions="bold")
    assert as_bold.drafts[0].q.startswith("What does a load balancer")  # type: ignore[attr-defined]


def test_overrides_are_refused_where_they_mean_nothing() -> None:
    with pytest.raises(PrepError, match="apply to Markdown files only"):
        import_file(FIX / "questions.csv", overrides=Overrides(questions="h2"))
    with pytest.raises(PrepError, match="--questions 'h7'"):
        Overrides(questions="h7")


def test_describe_names_shapes_topics_and_answer_lines() -> None:
    doc = describe(read("study_notes.md", questions="h3"))  # type: ignore[arg-type]
    assert doc["questions"] == [{"shape": "h3 headings (--questions h3)", "cards": 4}]
    assert doc["topics_from"] == [{"from": "h2 headings", "topics": 2}]
    assert [(t["topic"], t["cards"]) for t in doc["topics"]] == [("Databases", 2), ("Caching", 2)]
    assert doc["topics"][0]["sample"]["answer_lines"] == [6, 12]
    assert doc["with_answer"] == 4


def test_dry_run_shows_the_structure_and_every_skipped_block_and_writes_nothing(
    ws: Path, invoke: Callable[..., object]
) -> None:
    src = FIX / "study_notes.md"
    r = invoke("-w", str(ws), "deck", "import", str(src), "--dry-run", "--questions", "h3")
    out = r.output  # type: ignore[attr-defined]
    assert r.exit_code == 0, out  # type: ignore[attr-defined]
    assert "questions: 4 h3 headings (--questions h3)" in out
    assert "topics:    h2 headings (2 topic(s))" in out
    assert "line 5, answer 6-12  study-notes-index-selectivity" in out
    assert f"{src}:33: Acme sells caches" in out and "Skipped (all 1):" in out
    assert not (ws / "decks" / "study-notes.yaml").exists()
    doc = json.loads(
        invoke(  # type: ignore[attr-defined]
            "-w", str(ws), "deck", "import", str(src), "--dry-run", "--json",
            "--questions", "h3", "--topic", "h2", "--skip-section", "company",
        ).output
    )  # fmt: skip
    assert doc["structure"]["questions"] == [{"shape": "h3 headings (--questions h3)", "cards": 4}]
    assert [c["line"] for c in doc["structure"]["cards"]] == [5, 14, 22, 28]
    assert doc["skipped"][-1]["reason"] == "skipped with --skip-section"
    bad = invoke("-w", str(ws), "deck", "import", str(src), "--questions", "h9")
    assert bad.exit_code == 2  # type: ignore[attr-defined]
