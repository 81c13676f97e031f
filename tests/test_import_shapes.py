"""Markdown import of the shapes real question files take: folds, answer sub-headings,
labelled pairs, a table of contents after stray headings, questions to ask."""

from __future__ import annotations

from pathlib import Path

from prep.decks import parse_deck
from prep.importers import Imported, import_file
from prep.importers.markdown import parse_markdown
from prep.importers.writer import plan_import

FIX = Path(__file__).parent / "fixtures" / "import"


def read(name: str) -> Imported:
    return import_file(FIX / name)


def cards(result: Imported) -> list[tuple[int, str, str, str]]:
    return [(d.line, d.kind, d.topic, d.q) for d in result.drafts]


def skipped(result: Imported) -> list[tuple[int, str]]:
    return [(s.line, s.reason) for s in result.skipped]


def test_headings_after_a_table_of_contents_are_read_whatever_came_before_it() -> None:
    result = read("stray_heading_toc_ko.md")
    assert cards(result) == [
        (21, "technical", "캐시", "캐시를 두면 안 되는 경우는 언제인가요?"),
        (22, "technical", "캐시", "쓰기 지연(write-back) 캐시가 위험한 이유를 설명해 주세요."),
        (23, "technical", "캐시", "TTL을 얼마로 잡을지 어떻게 정하시나요?"),
        (27, "technical", "큐", "메시지가 두 번 처리되면 어떤 일이 생기나요?"),
        (28, "technical", "큐", "순서 보장이 필요한 이벤트는 어떻게 나누어 보내시겠습니까?"),
        (32, "technical", "운영", "새벽에 장애 알림이 오면 가장 먼저 무엇을 확인하나요?"),
        (33, "technical", "운영", "Tell me about a rollback you had to do in a hurry."),
    ]
    assert skipped(result) == [
        (4, "introduction"),
        (7, "introduction (before the table of contents)"),
        (9, "introduction (before the table of contents)"),
        (13, "table of contents or reference section"),
    ]


def test_details_folds_give_question_and_answer() -> None:
    result = read("details_ko.md")
    assert cards(result) == [
        (13, "technical", "네트워크", "리버스 프록시란?"),
        (22, "technical", "네트워크", "HTTP keep-alive를 설명해 주세요"),
        (33, "technical", "네트워크", "DNS 조회 순서는 어떻게 되나요?"),
        (46, "technical", "인덱스", "복합 인덱스의 컬럼 순서는 왜 중요한가요?"),
        (52, "technical", "인덱스", "커버링 인덱스란 무엇인가요?"),
        (62, "technical", "퀴즈", "트랜잭션 격리 수준 네 가지를 말해 보세요."),
        (68, "technical", "퀴즈", "팬텀 리드는 어느 수준에서 막히나요?"),
    ]
    by_line = {d.line: d.a for d in result.drafts}
    # Markdown inside a <div markdown="1">, a heading inside the fold kept in bold.
    assert by_line[13] == (
        "-   클라이언트 대신 서버 앞에서 요청을 받는다\n-   TLS 종료와 캐시를 맡기도 한다\n\n"
        "**쓰임**\n\n-   로드 밸런싱"
    )
    # HTML inside the fold becomes Markdown.
    assert (
        by_line[22]
        == "연결 하나로 여러 요청을 보낸다.\n\n- 핸드셰이크 비용이 준다\n- 서버는 `timeout`으로 닫는다"
    )
    # The [뒤로] link is navigation, not answer text.
    assert by_line[33] == "1. 브라우저 캐시\n2. OS 리졸버"
    # An "정답" fold answers the list item above it.
    assert by_line[62] == "READ UNCOMMITTED, READ COMMITTED, REPEATABLE READ, SERIALIZABLE"
    assert skipped(result) == [(5, "links, not a question")]


def test_repeated_answer_headings_are_parts_of_one_card() -> None:
    result = read("answer_headings.md")
    assert [(d.line, d.q) for d in result.drafts] == [
        (6, "정수 배열에서 합이 target인 두 수의 위치를 찾으시오."),
        (24, "괄호 문자열이 올바른지 판단하시오."),
        (46, "배열을 k칸 오른쪽으로 회전하시오."),
        (53, "What happens when a pod runs out of memory?"),
        (61, "How would you drain a node safely?"),
    ]
    first = result.drafts[0]
    assert first.name == "두 수의 합"
    assert first.a.startswith(
        "해시맵에 본 값을 넣어 가며 한 번에 찾는다.\n\n**코드**\n\n```python\n"
    )
    assert first.a.endswith("        seen[n] = i\n```")
    pod = result.drafts[3]
    assert pod.topic == "Systems"
    assert pod.a == (
        "The kernel OOM killer ends it and the kubelet restarts it per its policy.\n\n"
        "**Follow-up**\n\nLimits versus requests decide which pods go first."
    )
    assert not result.merged  # no "### 정답" card gathering every answer


def test_bold_and_labelled_pairs() -> None:
    result = read("bold_pairs.md")
    got = [(d.line, d.topic, d.q, d.a) for d in result.drafts]
    assert got == [
        (
            5,
            "General",
            "What does a load balancer health check protect against?",
            "It stops traffic going to instances that cannot answer.\n\n"
            "Use a cheap endpoint that checks dependencies lightly.",
        ),
        (
            11,
            "General",
            "Why prefer idempotent retries?",
            "A retry may arrive twice; an idempotent call makes the second one harmless.",
        ),
        (
            17,
            "Storage",
            "What is write amplification?",
            "Bytes written to disk per byte the application wrote.",
        ),
        (
            19,
            "Storage",
            "When does an LSM tree beat a B-tree?",
            "On write-heavy loads with mostly recent reads.",
        ),
        (
            24,
            "Languages",
            "Explain what a closure captures.",
            "The variables of the scope it was made in, by reference.",
        ),
        (
            27,
            "Languages",
            "What is the difference between a process and a thread?",
            "Threads share one address space; processes do not.",
        ),
        (
            30,
            "Languages",
            "What is a memory leak in a garbage-collected language?",
            "Objects still reachable but never used again.",
        ),
        (34, "Languages", "How do you find one?", "Take two heap snapshots and compare what grew."),
    ]
    assert {d.kind for d in result.drafts} == {"technical"}


def test_questions_to_ask_keep_every_section_and_their_kind() -> None:
    result = read("ask_ko.md")
    assert cards(result) == [
        (7, "ask", "회사 (The Company)", "올해 회사가 가장 집중하는 목표는 무엇인가요?"),
        (8, "ask", "회사 (The Company)", "최근 1년 사이 조직 개편이 있었나요?"),
        (12, "ask", "팀", "팀에서 온보딩은 어떻게 진행되나요?"),
        (13, "ask", "팀", "코드 리뷰는 누가, 얼마나 빨리 하나요?"),
        (17, "behavioral", "자기소개 질문 대비", "1분 자기소개를 해 주세요."),
        (18, "behavioral", "자기소개 질문 대비", "Why do you want to join our company?"),
    ]
    english = parse_markdown(
        "# Questions to ask interviewers\n\n## The Company\n\n- What is the plan for next year?\n"
        "\n## Culture fit\n\n- How are disagreements settled?\n",
        "ask.md",
    )
    assert [(d.kind, d.topic) for d in english.drafts] == [
        ("ask", "The Company"),
        ("ask", "Culture fit"),
    ]


def test_emoji_codes_and_navigation_links_are_dropped() -> None:
    result = read("nav_emoji.md")
    assert result.title == "Frontend Interview"
    assert cards(result) == [
        (5, "technical", "JavaScript", "What is event delegation?"),
        (11, "technical", "JavaScript", "Why does `this` change in a callback?"),
        (19, "technical", "CSS", "What does `box-sizing: border-box` change?"),
    ]
    assert [d.a for d in result.drafts] == [
        "One listener on a parent handles events from its children.",
        "It depends on how the function is called, not where it is defined.",
        "Width then includes padding and border.",
    ]


def test_numbered_topics_are_not_topics() -> None:
    text = "# Drills\n\n## Trees\n\n### #1\n\nHow do you invert a binary tree?\n\n### #2\n\nWhat is a trie?\n"
    result = parse_markdown(text, "d.md")
    assert [(d.topic, d.q) for d in result.drafts] == [
        ("Trees", "How do you invert a binary tree?"),
        ("Trees", "What is a trie?"),
    ]


def test_own_text_over_subsections_is_a_note_or_listed_as_skipped() -> None:
    notes = parse_markdown(
        "# OS notes\n\n## Processes\n\nA running program with its own memory.\n\n"
        "### Threads\n\nThey use the memory of their process.\n\n### Fibers\n\nScheduled by the program.\n",
        "n.md",
    )
    assert [(d.line, d.q, d.a) for d in notes.drafts] == [
        (3, "Processes", "A running program with its own memory."),
        (7, "Threads", "They use the memory of their process."),
        (11, "Fibers", "Scheduled by the program."),
    ]
    over_questions = parse_markdown(
        "# Q\n\n## Caching\n\nCaches trade freshness for speed.\n\n### Invalidation\n\n"
        "- When do you invalidate?\n- What is a stampede?\n",
        "q.md",
    )
    assert [d.q for d in over_questions.drafts] == [
        "When do you invalidate?",
        "What is a stampede?",
    ]
    assert skipped(over_questions) == [(5, "text above subsections")]


def test_every_new_shape_writes_a_deck_that_checks(tmp_path: Path) -> None:
    for name in (
        "stray_heading_toc_ko.md",
        "details_ko.md",
        "answer_headings.md",
        "bold_pairs.md",
        "ask_ko.md",
        "nav_emoji.md",
    ):
        result = read(name)
        plan = plan_import(result, tmp_path / f"{name}.yaml")
        deck, problems = parse_deck(plan.text.encode("utf-8"), f"{name}.yaml")
        assert not problems and deck is not None, name
        assert [c.q for c in deck.cards] == [d.q for d in result.drafts]


def test_code_at_the_margin_after_a_bulleted_question_belongs_to_it() -> None:
    text = (
        "## Snippets\n\n* What does this print?\n```python\nprint(0.1 + 0.2)\n```\n\n"
        "* Can you spot the leak?\n\n```js\nsetInterval(f, 10)\n```\n\nSome remark.\n"
    )
    result = parse_markdown(text, "s.md")
    assert [d.q for d in result.drafts] == [
        "What does this print?\n\n```python\nprint(0.1 + 0.2)\n```",
        "Can you spot the leak?\n\n```js\nsetInterval(f, 10)\n```",
    ]
    assert skipped(result) == [
        (14, "text beside a list of questions: indent it under a question to keep it")
    ]


def test_prompts_that_ask_without_a_question_mark() -> None:
    from prep.importers.markdown import question_like

    asks = [
        "이 주제에 대해 토론해 봅시다.",
        "자바 객체지향 프로그래밍(OOP에 대해 설명해 주세요).",
        "Using your preferred language, write a REPL that echoes its input.",
        "You are my boss and I'm fired. Inform me.",
        "I want to rewrite it from scratch. Then, switch our roles.",
        "RESTful이란 무엇이며, 아는 대로 설명해보세요.(보충필요)",
    ]
    statements = [
        "여기에서 상황이란 지원한 회사를 말한다.",
        "확실한 건, 전부 물어보려고 하면 좋지 않으니 그러지 말자.",
        "While loving to travel may be a good answer, show the product.",
    ]
    assert [question_like(t) for t in asks] == [True] * len(asks)
    assert [question_like(t) for t in statements] == [False] * len(statements)


def test_question_and_answer_labels_inline_on_a_line_and_after_a_question_heading() -> None:
    result = read("inline_pairs.md")
    assert [(d.line, d.topic, d.q, d.a) for d in result.drafts] == [
        (3, "Rapid fire", "Where does the kernel keep routes?", "In the FIB."),
        (4, "Rapid fire", "What does TTL limit?", "The hops a packet may take."),
        (6, "Rapid fire", "Why use anycast?", "Nearest site answers."),
        (9, "Rapid fire", "What is a socket?", "An endpoint for sending and receiving data."),
        (12, "Rapid fire", "How does TCP close a connection?", "With FIN from each side."),
    ]


def test_a_heading_that_asks_is_a_question_whatever_words_it_holds() -> None:
    result = parse_markdown(
        "# Prep\n\n## Interview\n\n### Why this company?\n\nBecause of the product.\n\n"
        "### 자기소개를 해 주세요\n\n3년차 백엔드 개발자입니다.\n\n### Company overview\n\nFounded in 2010.\n",
        "h.md",
    )
    assert [(d.kind, d.q, d.a) for d in result.drafts] == [
        ("behavioral", "Why this company?", "Because of the product."),
        ("behavioral", "자기소개를 해 주세요", "3년차 백엔드 개발자입니다."),
    ]
    assert skipped(result) == [(13, "profile material, not questions")]


def test_among_folds_that_ask_a_topic_fold_is_a_card_and_a_misc_fold_is_not() -> None:
    fold = "<details>\n<summary>{}</summary>\n\n{}\n</details>\n\n"
    text = "## 네트워크\n\n" + "".join(
        fold.format(s, b)
        for s, b in [
            ("브라우저에 주소를 넣으면 일어나는 일", "DNS, TCP, TLS, HTTP 순서."),
            ("TCP와 UDP의 차이를 설명해 주세요.", "연결과 신뢰성."),
            ("HTTP 캐시는 어떻게 동작하나요?", "헤더로 신선도를 정한다."),
            ("기타 (정리 중)", "- 나중에 채울 것"),
        ]
    )
    result = parse_markdown(text, "f.md")
    assert [d.q for d in result.drafts] == [
        "브라우저에 주소를 넣으면 일어나는 일",
        "TCP와 UDP의 차이를 설명해 주세요.",
        "HTTP 캐시는 어떻게 동작하나요?",
    ]
    assert skipped(result) == [(21, "notes, not a question (among folds that ask)")]
