"""`prep init DIR --from DOC`: a workspace built from a prep document, nothing invented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from prep.prepdoc import classify, outline, read, read_text

FIXTURES = Path(__file__).parent / "fixtures" / "prepdoc"
SEED = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"
SEED_DOC = next(iter(sorted(SEED.glob("*.txt"))), None) if SEED.is_dir() else None
if SEED_DOC is None:
    SEED_DOC = Path("/work/shared/seeds/000_3120593d5ef43f65.txt")
needs_seed = pytest.mark.skipif(not SEED_DOC.is_file(), reason="the seed prep document is absent")


def build(cli, tmp_path: Path, doc: Path, *extra: str) -> Path:
    target = tmp_path / "ws"
    r = cli("init", str(target), "--from", str(doc), *extra)
    assert r.returncode == 0, r.stderr
    return target


def load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def cards(ws: Path) -> list[dict]:
    out = []
    for p in sorted((ws / "decks").glob("*.yaml")):
        out += load(p)["cards"]
    return out


def front(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n")[1])


def section(text: str, heading: str) -> list[str]:
    """The lines of one `## heading` section of the seed, read independently of prep."""
    lines = text.split("\n")
    start = lines.index(f"## {heading}") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return lines[start:end]


def checks_pass(cli, ws: Path) -> tuple[str, str]:
    deck = cli("-w", str(ws), "deck", "check")
    assert deck.returncode == 0, deck.stdout + deck.stderr
    assert ": error:" not in deck.stdout + deck.stderr
    answer = cli("-w", str(ws), "answer", "check")
    assert answer.returncode == 0, answer.stdout + answer.stderr
    assert ": error:" not in answer.stdout + answer.stderr
    return deck.stdout + deck.stderr, answer.stdout + answer.stderr


# ---------------------------------------------------------------- the seed


@needs_seed
def test_the_seed_becomes_a_workspace_holding_all_it_holds(cli, tmp_path: Path) -> None:
    text = SEED_DOC.read_text(encoding="utf-8")
    ws = build(cli, tmp_path, SEED_DOC)
    deck_out, answer_out = checks_pass(cli, ws)
    profile = load(ws / "prep.yaml")
    all_cards = cards(ws)

    # Predicted questions: verbatim, under their topics, in order.
    want: list[tuple[str, str]] = []
    topic = ""
    for line in section(text, "Predicted Interview Questions"):
        m = re.match(r"^\d+\. \*\*(.+)\*\*$", line)
        if m:
            topic = m.group(1)
        m = re.match(r"^\s+- “(.+)”$", line)
        if m:
            want.append((topic, m.group(1)))
    assert len(want) == 14 and len({t for t, _ in want}) == 7
    got = [(c["topic"], c["q"]) for c in all_cards if c["kind"] in ("technical", "behavioral")]
    assert got == want
    behavioral = [c for c in all_cards if c["kind"] == "behavioral"]
    assert [c["q"] for c in behavioral] == [q for t, q in want if t == "행동·문화 적합성"]

    asks = [
        re.match(r"^- “(.+)”$", x).group(1) for x in section(text, "Questions to Ask Them") if x
    ]
    assert len(asks) == 7
    assert [c["q"] for c in all_cards if c["kind"] == "ask"] == asks

    concepts = [x for x in section(text, "Concepts To Know/Review") if x.startswith("- ")]
    assert len(concepts) == 11
    concept_cards = [c for c in all_cards if c["kind"] == "concept"]
    assert len(concept_cards) == 11
    for line, card in zip(concepts, concept_cards, strict=True):
        name = re.match(r"^- \*\*(.+?):?\*\*", line).group(1).rstrip(":")
        assert card["q"] == name
        rest = line.split(":**", 1)[1] if ":**" in line else ""
        for item in filter(None, (x.strip() for x in rest.split(", "))):
            assert item in card["keywords"]

    # Nothing invented: every answer is empty, marked to fill in.
    assert all(c.get("a", "") == "" for c in all_cards)
    assert 'a: ""  # ' in (ws / "decks" / "questions.yaml").read_text(encoding="utf-8")
    assert deck_out.count("has no answer") == 14 + 11 - len(behavioral)

    company = profile["company"]
    assert company["name"] == "㈜데이터벤처스" and company["name_en"] == "Data Ventures Korea"
    names = [v["name"] for v in company["values"]]
    assert len(names) == 4
    for word in ("책임", "속도 & 임팩트", "협업", "지속 개선"):
        assert sum(word in n for n in names) == 1
    assert [v["id"] for v in company["values"]] == [
        "ownership",
        "speed-impact",
        "collaboration",
        "continuous-improvement",
    ]
    assert (
        company["values"][1]["how_i_show_it"] == "빠른 프로토타이핑·도입으로 개선된 성과 수치 제시"
    )
    assert company["mission"] == "High-math intersects with common sense™"
    assert len(company["recent_news"]) == 3 and len(company["products"]) == 3

    seed_highlights = [
        x.strip()[2:]
        for x in section(text, "Resume Highlights for This Role")
        if x.startswith("  - ")
    ]
    points = [p for g in profile["highlights"] for p in g["points"]]
    assert len(points) == 12 and points == seed_highlights
    assert [g["area"] for g in profile["highlights"]][:2] == [
        "FastAPI & Python",
        "데이터 저장소 & 캐싱",
    ]

    role = profile["role"]
    assert role["title"] == "파이썬 백엔드 개발자(중급)"
    assert role["location"] == "서울 강남구 역삼동" and role["remote"] is True
    assert role["employment_type"] == "정규직" and role["compensation"] == "₩40M–₩55M"
    assert len(role["responsibilities"]) == 4 and len(role["requirements"]) == 3
    assert profile["candidate"]["name"] == "Dongju"
    assert len(profile["why_fit"]) == 4
    assert profile["closing"] == (
        "데이터벤처스의 빠른 혁신 문화 속에서 제 역량을 발휘해 고객 ROI 극대화에 기여하고 싶습니다."
    )
    assert profile["follow_up"]["thank_you_within_hours"] == 24
    assert [g["area"] for g in profile["gaps"]] == ["CloudFormation 심화", "Terraform"]
    assert len(profile["advice"]["tone"]) == 2 and len(profile["advice"]["star"]) == 2
    assert len(profile["advice"]["avoid"]) == 2

    # A draft story for each value, and for each behavioral question (linked both ways).
    stories = {p.name: front(p) for p in (ws / "answers").glob("*.md.j2")}
    for v in company["values"]:
        drafts = [s for s in stories.values() if s.get("draft") and v["id"] in s["values"]]
        assert drafts, v
    for c in behavioral:
        story = stories[f"{c['story']}.md.j2"]
        assert story["draft"] is True and story["cards"] == [c["id"]]
    assert answer_out.count("warning: draft:") == 4 + len(behavioral)
    own = (ws / "answers" / "ownership.md.j2").read_text(encoding="utf-8")
    assert "CloudFormation 템플릿 작성으로 인프라 자동화" in own  # the highlight it draws on


@needs_seed
def test_the_seed_workspace_drills_at_once(cli, tmp_path: Path) -> None:
    ws = build(cli, tmp_path, SEED_DOC)
    r = cli("-w", str(ws), "drill", input="\n3\nq\n")
    assert r.returncode == 0, r.stderr
    assert "✓" in r.stdout
    status = cli("-w", str(ws), "status", "--json")
    assert '"reviewed_today": 1' in status.stdout


# ---------------------------------------------------------------- English, reordered, Korean


def test_an_english_document_with_other_heading_styles(cli, tmp_path: Path) -> None:
    ws = build(cli, tmp_path, FIXTURES / "acme_en.md")
    checks_pass(cli, ws)
    p = load(ws / "prep.yaml")
    assert p["candidate"]["name"] == "Maya Chen"
    assert p["role"]["title"] == "Senior Data Engineer"
    assert p["role"]["location"] == "Rotterdam, NL"
    assert p["role"]["remote_note"] == "hybrid, 2 days in office"
    assert p["role"]["requirements"] == [
        "5+ years of data engineering",
        "Python and SQL",
        "Kafka or Kinesis",
        "Airflow",
    ]
    assert p["company"]["name"] == "Northwind Logistics B.V."
    assert p["company"]["mission"] == "Move every parcel with less waste."
    values = p["company"]["values"]
    assert [v["id"] for v in values] == ["customer-obsession", "bias-for-action", "own-it"]
    assert values[2]["how_i_show_it"] == "the billing incident you ran end to end"
    assert p["company"]["recent_news"] == [
        "Raised a €40M Series C (2024)",
        "Opened a hub in Hamburg",
    ]
    assert sum(len(g["points"]) for g in p["highlights"]) == 5
    assert p["closing"].startswith("I'd love to help Northwind")
    assert p["follow_up"]["thank_you_within_hours"] == 24
    assert {g["area"] for g in p["gaps"]} == {"Short tenure at the last job", "Flink", "Kinesis"}
    assert p["advice"]["tone"][0] == "Calm and concrete: numbers before adjectives"
    assert p["notes"][0]["section"] == "Interview Logistics" and p["notes"][0]["line"] == 118
    all_cards = cards(ws)
    topics = {}
    for c in all_cards:
        if c["kind"] in ("technical", "behavioral"):
            topics.setdefault(c["topic"], []).append(c["q"])
    assert list(topics) == ["Data Modeling", "Streaming", "SQL & Performance", "Behavioral"]
    assert (
        topics["Data Modeling"][1]
        == "Explain slowly changing dimensions and when you'd use type 2."
    )
    assert [c["kind"] for c in all_cards if c["topic"] == "Behavioral"] == ["behavioral"] * 3
    assert len([c for c in all_cards if c["kind"] == "ask"]) == 3
    concepts = [c for c in all_cards if c["kind"] == "concept"]
    assert [c["q"] for c in concepts] == [
        "Kafka",
        "Spark Structured Streaming",
        "dbt",
        "Data modeling",
    ]
    assert concepts[0]["keywords"] == ["partitions", "consumer groups", "idempotent producers"]
    stories = sorted(p.name for p in (ws / "answers").glob("*.md.j2"))
    assert len(stories) == 3 + 3 + 1  # values, behavioral questions, thank-you email
    assert "## Situation" in (ws / "answers" / "own-it.md.j2").read_text(encoding="utf-8")


def test_sections_in_another_order_extra_and_missing(cli, tmp_path: Path) -> None:
    doc = FIXTURES / "reordered_en.txt"
    target = tmp_path / "ws"
    r = cli("init", str(target), "--from", str(doc))
    assert r.returncode == 0, r.stderr
    assert f"{doc}:16: SALARY NEGOTIATION NOTES (unknown section, kept under notes)" in r.stdout
    assert "To fill in:" in r.stdout and "candidate.name" in r.stdout
    checks_pass(cli, target)
    p = load(target / "prep.yaml")
    assert p["notes"] == [
        {
            "section": "SALARY NEGOTIATION NOTES",
            "line": 16,
            "text": "- Anchor at the top of the band\n- Ask about equity refresh",
        }
    ]
    assert p["company"]["name"] == "Lumen Health" and p["company"]["values"] == []
    assert p["role"]["title"] == "Backend Engineer" and p["role"]["remote"] is True
    assert p["closing"] == "I want to build software that gets patients seen sooner."
    got = [(c["topic"], c["q"], c["kind"]) for c in cards(target) if c["kind"] != "ask"]
    assert got == [
        (
            "Python",
            "What is the difference between a list and a generator, and when does it matter?",
            "technical",
        ),
        ("Python", "How does the GIL affect a web server?", "technical"),
        ("APIs", "How would you version a public REST API?", "technical"),
        ("Behavioral", "Tell me about a time you pushed back on a deadline.", "behavioral"),
    ]
    assert not (target / "decks" / "concepts.yaml").exists()


def test_a_korean_document_with_setext_headings_and_plain_labels(cli, tmp_path: Path) -> None:
    ws = build(cli, tmp_path, FIXTURES / "kestrel_ko.md")
    checks_pass(cli, ws)
    p = load(ws / "prep.yaml")
    assert p["candidate"]["name"] == "지수"
    assert p["company"]["name"] == "케스트렐페이" and p["company"]["name_en"] == "Kestrel Pay"
    assert p["role"]["title"] == "결제 플랫폼 백엔드 엔지니어 (시니어)"
    assert p["role"]["location"] == "서울 성수동" and p["role"]["remote_note"] == "주 2회 재택"
    assert p["role"]["responsibilities"] == ["결제 승인·정산 API 설계와 운영", "장애 대응 및 온콜"]
    assert [v["name"] for v in p["company"]["values"]] == ["고객 신뢰", "끝까지 책임", "함께 성장"]
    assert p["company"]["values"][0]["how_i_show_it"] == "결제 장애 복구 사례"
    assert p["follow_up"]["thank_you_within_hours"] == 48
    assert [g["area"] for g in p["gaps"]] == ["Kotlin 코루틴", "Kafka"]
    assert "notes" not in p
    by_kind: dict[str, list[str]] = {}
    for c in cards(ws):
        by_kind.setdefault(c["kind"], []).append(c["topic"])
    assert by_kind["technical"] == ["기술"] * 3 and by_kind["behavioral"] == ["인성·협업"] * 2
    assert len(by_kind["ask"]) == 2 and len(by_kind["concept"]) == 3
    story = (ws / "answers" / "value-1.md.j2").read_text(encoding="utf-8")
    assert "## 상황" in story and "결제 장애 평균 복구 시간(MTTR) 40분 → 12분" in story
    email = cli("-w", str(ws), "answer", "show", "thank-you")
    assert email.returncode == 0 and "케스트렐페이" in email.stdout and "지수 드림" in email.stdout


def test_lang_overrides_the_document_language(cli, tmp_path: Path) -> None:
    ws = build(cli, tmp_path, FIXTURES / "kestrel_ko.md", "--lang", "en")
    story = (ws / "answers" / "value-1.md.j2").read_text(encoding="utf-8")
    assert "## Situation" in story
    assert load(ws / "prep.yaml")["company"]["values"][0]["name"] == "고객 신뢰"  # text stays


# ---------------------------------------------------------------- the reader's shapes


def test_unknown_shapes_never_fail_and_are_kept_with_their_line() -> None:
    doc = read_text(
        "# Prep\n\n## Predicted Questions\n\n- Why Rust?\n\n"
        "## Weather on the day\n\nSunny, 12 °C\n| a | b |\n|---|---|\n\n"
        "```\n## not a heading\n```\n",
        "x.md",
    )
    assert [c.q for c in doc.cards] == ["Why Rust?"]
    assert [(u.line, u.text) for u in doc.unplaced] == [(7, "Weather on the day")]
    note = doc.profile["notes"][0]
    assert note["line"] == 7 and "## not a heading" in note["text"] and "| a | b |" in note["text"]


def test_headings_in_code_fences_are_text() -> None:
    root, _ = outline("## Predicted Questions\n```\n## Company\n```\n- What is X?\n")
    assert [n.text for n in root.children] == ["Predicted Questions"]


@pytest.mark.parametrize(
    "title, key",
    [
        ("Questions to Ask Them", "ask"),
        ("면접관에게 할 질문", "ask"),
        ("역질문", "ask"),
        ("Predicted Interview Questions", "questions"),
        ("예상 면접 질문", "questions"),
        ("Why This Job Is a Fit", "fit"),
        ("지원 동기", "fit"),
        ("Concepts To Know/Review", "concepts"),
        ("복습할 개념", "concepts"),
        ("Resume Highlights for This Role", "highlights"),
        ("이력 하이라이트", "highlights"),
        ("Company Summary", "company"),
        ("회사 소개", "company"),
        ("Job Overview", "overview"),
        ("직무 개요", "overview"),
        ("Strategic Advice", "advice"),
        ("면접 전략", "advice"),
        ("Red Flags", "red_flags"),
        ("Closing Statement", "closing"),
        ("마무리", "closing"),
        ("핵심 가치", "values"),
        ("Interview Logistics", None),
    ],
)
def test_headings_name_their_sections_in_both_languages(title: str, key: str | None) -> None:
    assert classify(title) == key


def test_template_syntax_and_markup_in_the_document_stay_text(cli, tmp_path: Path) -> None:
    doc = tmp_path / "prep.md"
    doc.write_text(
        "# Interview Prep: Evil Corp – Engineer\n\n"
        "## Company Summary\n- **Values:** Ownership\n\n"
        "## Resume Highlights\n- **Scale:**\n  - Served {{ 7*7 }} users {% raw %} [bold]x[/bold]\n\n"
        "## Predicted Questions\n- **Behavioral**\n  - Tell me about {{ candidate.name }}\x1b[31m?\n",
        encoding="utf-8",
    )
    target = tmp_path / "ws"
    r = cli("init", str(target), "--from", str(doc))
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stdout
    checks_pass(cli, target)
    shown = cli("-w", str(target), "answer", "show", "ownership")
    assert shown.returncode == 0, shown.stderr
    assert "Served {{ 7*7 }} users {% raw %} [bold]x[/bold]" in shown.stdout
    q = cards(target)[0]["q"]
    assert q == "Tell me about {{ candidate.name }}\x1b[31m?"


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\xff\xfe binary", ":1: not UTF-8 text; save the file as UTF-8"),
        (b"# A\n\x00\n", ":2: NUL byte: this looks like a binary file, not a prep document"),
        (b"Just a shopping list.\nMilk\n", ": found no prep document sections"),
    ],
)
def test_a_document_that_cannot_be_read_is_one_error_and_writes_nothing(
    cli, tmp_path: Path, content: bytes, message: str
) -> None:
    doc = tmp_path / "doc.md"
    doc.write_bytes(content)
    target = tmp_path / "ws"
    r = cli("init", str(target), "--from", str(doc))
    assert r.returncode == 1
    assert r.stderr.startswith(f"Error: {doc}{message}") and r.stderr.count("\n") == 1
    assert "Traceback" not in r.stderr and not target.exists()


def test_missing_document_and_existing_workspace(cli, tmp_path: Path, ws: Path) -> None:
    r = cli("init", str(tmp_path / "new"), "--from", str(tmp_path / "nope.md"))
    assert r.returncode == 1 and r.stderr == f"Error: {tmp_path / 'nope.md'}: no such file\n"
    before = (ws / "prep.yaml").read_bytes()
    r = cli("init", str(ws), "--from", str(FIXTURES / "acme_en.md"))
    assert r.returncode == 1 and "already exists; not overwriting a workspace" in r.stderr
    assert (ws / "prep.yaml").read_bytes() == before


def test_from_and_blank_together_is_a_usage_error(cli, tmp_path: Path) -> None:
    r = cli("init", str(tmp_path / "x"), "--from", str(FIXTURES / "acme_en.md"), "--blank")
    assert (
        r.returncode == 2
        and r.stderr == "Error: --from and --blank cannot be used together: choose one\n"
    )
    r = cli("init", str(tmp_path / "x"), "--blank", "--lang", "fr")
    assert r.returncode == 2 and r.stderr == "Error: --lang must be ko or en, not 'fr'\n"
    assert not (tmp_path / "x").exists()


def test_every_shared_question_file_reads_without_failing(tmp_path: Path) -> None:
    data = Path("/work/shared/data")
    files = sorted(data.glob("*.md")) if data.is_dir() else []
    if not files:
        pytest.skip("no shared question files here")
    for f in files:
        doc = read(f)
        from prep.starter import files_from

        files_from(doc, f.name)  # read back by prep's own parsers, or raises


def test_front_matter_is_metadata_not_content() -> None:
    doc = read_text(
        "---\ntitle: My prep\ndescription: notes\n---\n## Predicted Questions\n- Why Go?\n", "x.md"
    )
    assert [(c.q, c.line) for c in doc.cards] == [("Why Go?", 6)]
    assert doc.unplaced == []


def test_notes_under_a_question_are_its_answer_and_a_table_gives_fields() -> None:
    doc = read_text(
        "## Job Overview\n\n| Field | Value |\n|---|---|\n| **Title** | Backend |\n\n"
        "## Likely Questions\n\n1. What is a B-tree?\n   - balanced, wide nodes\n   - used by indexes\n"
        "2. Why not a hash index?\n",
        "x.md",
    )
    assert [(c.q, c.a, c.topic) for c in doc.cards] == [
        ("What is a B-tree?", "- balanced, wide nodes\n- used by indexes", "General"),
        ("Why not a hash index?", "", "General"),
    ]
    assert doc.profile["role"]["title"] == "Backend"
    assert [u.line for u in doc.unplaced] == [3]  # the header row names no field
    assert doc.profile["notes"][0]["text"] == "| Field | Value |"


def test_a_thank_you_email_in_the_document_becomes_the_template(cli, tmp_path: Path) -> None:
    doc = tmp_path / "prep.md"
    doc.write_text(
        "# Prep: Acme – Dev\n\n## Predicted Questions\n- Why Acme?\n\n## Thank-you Email\n\n"
        "Subject: Thank you, {{ name }}\n\nDear Ms. Lee,\n\nThank you for today.\n\nBest,\nSam\n",
        encoding="utf-8",
    )
    ws = build(cli, tmp_path, doc)
    shown = cli("-w", str(ws), "answer", "show", "thank-you")
    assert shown.returncode == 0, shown.stderr
    assert "Subject: Thank you, {{ name }}" in shown.stdout and "Dear Ms. Lee," in shown.stdout


@needs_seed
def test_the_summary_counts_what_the_checks_then_report(cli, tmp_path: Path) -> None:
    target = tmp_path / "ws"
    r = cli("init", str(target), "--from", str(SEED_DOC))
    assert r.returncode == 0, r.stderr
    deck_out, answer_out = checks_pass(cli, target)
    m = re.search(r"To fill in: (\d+) answers, (\d+) story drafts", r.stdout)
    assert m is not None, r.stdout
    assert int(m.group(1)) == deck_out.count("has no answer")
    assert int(m.group(2)) == answer_out.count("warning: draft:")
    assert f"({len([p for p in target.rglob('*') if p.is_file()]) - 1} files)" in r.stdout
