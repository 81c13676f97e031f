"""`prep cheatsheet`: content by priority, one page guaranteed, hostile text printed as text."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import sys
import unicodedata
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest

from prep import cheatsheet
from prep.clock import FakeClock
from prep.decks import parse_deck
from prep.schedule import Scheduler
from prep.store import Filters, Store
from prep.sync import sync
from prep.workspace import find

FIXTURES = Path(__file__).parent / "fixtures" / "cheatsheet"
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)
NOW = "2026-11-26T09:00:00Z"


def needs_pdf() -> None:
    pytest.importorskip("weasyprint")
    for tool in ("pdfinfo", "pdftotext"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} (poppler-utils) is not installed")


def pdf_pages(path: Path) -> tuple[int, str]:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))  # type: ignore[union-attr]
    size = re.search(r"^Page size:\s+(.*)$", info.stdout, re.M).group(1)  # type: ignore[union-attr]
    return pages, size


def pdf_text(path: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return out.stdout.decode("utf-8")


def squash(text: str) -> str:
    """Text without any whitespace: a PDF wraps lines wherever its columns end."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def ask_questions(root: Path) -> list[str]:
    deck, problems = parse_deck((root / "decks" / "ask.yaml").read_bytes(), "decks/ask.yaml")
    assert deck is not None and not problems
    questions = [c.q for c in deck.cards if c.kind == "ask"]
    assert questions
    return questions


def add_bulk_deck(
    root: Path, n: int = 500, kinds: tuple[str, ...] = ("technical", "concept", "ask", "behavioral")
) -> None:
    """n long cards of the given kinds (every kind by default), spread over 30 topics."""
    lines = ["deck: bulk", "title: 대량 카드", "cards:"]
    for i in range(n):
        q = (
            f"긴 질문 {i}: "
            + "분산 시스템에서 일관성과 가용성의 트레이드오프를 설명해 주세요. " * 5
        )
        a = "- " + "핵심 포인트 설명 " * 40
        lines += [
            f"  - id: bulk-{i}",
            f"    kind: {kinds[i % len(kinds)]}",
            f"    topic: 주제 {i % 30}",
            f"    q: {json.dumps(q, ensure_ascii=False)}",
            f"    a: {json.dumps(a, ensure_ascii=False)}",
            f"    keywords: [{', '.join(f'키워드{j}' for j in range(12))}]",
        ]
    (root / "decks" / "bulk.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def add_xss(root: Path) -> None:
    shutil.copyfile(FIXTURES / "xss.yaml", root / "decks" / "xss.yaml")
    shutil.copyfile(FIXTURES / "xss-story.md.j2", root / "answers" / "xss-story.md.j2")
    profile = (root / "prep.yaml").read_text(encoding="utf-8")
    profile = profile.replace(
        "  name: ㈜데이터벤처스", "  name: \"<script>alert('co')</script>㈜데이터벤처스\"", 1
    )
    profile = re.sub(
        r"^closing: .*$",
        "closing: \"<img src=x onerror=alert('closing')> {{ 7*7 }} 마무리\"",
        profile,
        flags=re.M,
    )
    (root / "prep.yaml").write_text(profile, encoding="utf-8")


def open_ws(root: Path) -> tuple[object, Store]:
    ws = find(str(root))
    store = Store(ws.db_path)
    sync(store, ws)
    return ws, store


def content_of(root: Path, **options: object) -> cheatsheet.Content:
    ws, store = open_ws(root)
    opts = cheatsheet.Options(**options)  # type: ignore[arg-type]
    return cheatsheet.build(ws, store, Scheduler(0.9, fuzz=False), FakeClock(T0), opts)  # type: ignore[arg-type]


def cells(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


# --- PDF -----------------------------------------------------------------------


def test_pdf_of_the_example_is_one_a4_page_with_company_and_questions(ws, cli, tmp_path):
    needs_pdf()
    out = tmp_path / "sheet.pdf"
    r = cli("-w", str(ws), "cheatsheet", "-o", str(out), env={"PREP_NOW": NOW})
    assert r.returncode == 0, r.stderr
    pages, size = pdf_pages(out)
    assert pages == 1
    assert "A4" in size
    text = squash(pdf_text(out))
    assert squash("㈜데이터벤처스") in text
    assert squash("Data Ventures Korea") in text
    for q in ask_questions(ws):
        assert squash(q) in text, q
    assert f"Wrote {out}" in r.stderr


def test_pdf_uses_real_hangul_glyphs_from_an_embedded_font(ws, cli, tmp_path):
    needs_pdf()
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts is not installed")
    out = tmp_path / "sheet.pdf"
    assert cli("-w", str(ws), "cheatsheet", "-o", str(out)).returncode == 0
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows, fonts
    assert all(" yes " in row for row in rows), fonts  # every font embedded
    assert any(re.search(r"CJK|KR|Nanum|Gothic", row) for row in rows), fonts
    # The text layer decodes back to Hangul: no tofu and no missing-glyph boxes.
    text = pdf_text(out)
    assert "\ufffd" not in text and "□" not in text
    assert sum(1 for ch in text if "\uac00" <= ch <= "\ud7a3") > 500


def test_markdown_and_pdf_choose_the_same_content_in_one_layout_pass(ws):
    pytest.importorskip("weasyprint")
    ws_, store = open_ws(ws)
    args = (ws_, store, Scheduler(0.9, fuzz=False), FakeClock(T0), cheatsheet.Options())
    md = cheatsheet.make(*args, "md")  # type: ignore[arg-type]
    pdf = cheatsheet.make(*args, "pdf")  # type: ignore[arg-type]
    assert 0 < md.kept == pdf.kept
    assert [i.label for i in md.dropped] == [i.label for i in pdf.dropped]
    assert pdf.renders == 1


def test_letter_paper(ws, cli, tmp_path):
    needs_pdf()
    out = tmp_path / "sheet.pdf"
    r = cli("-w", str(ws), "cheatsheet", "-o", str(out), "--paper", "letter")
    assert r.returncode == 0, r.stderr
    pages, size = pdf_pages(out)
    assert pages == 1
    assert "letter" in size.lower()


def test_500_long_cards_still_one_page_and_the_command_says_what_it_left_out(ws, cli, tmp_path):
    needs_pdf()
    # 500 long cards to study (every question to ask is kept, so 125 long ones of those
    # could not fit a page with the Hangul font, whatever else went).
    add_bulk_deck(ws, kinds=("technical", "concept", "behavioral"))
    out = tmp_path / "big.pdf"
    r = cli("-w", str(ws), "cheatsheet", "-o", str(out), "--max-cards", "200", timeout=300)
    assert r.returncode == 0, r.stderr
    assert pdf_pages(out)[0] == 1
    assert "Left out to fit one A4 page:" in r.stderr
    left = re.findall(r"^\s+- (\d+) of (.+?) \(", r.stderr, re.M)
    sections = {name for _, name in left}
    # The extra cards go; the questions to ask and the gaps stay.
    assert cheatsheet.SECTION_NAMES["cards"] in sections
    assert cheatsheet.SECTION_NAMES["gaps"] not in sections
    assert cheatsheet.SECTION_NAMES["ask"] not in sections
    assert sum(int(n) for n, _ in left) > 100
    text = squash(pdf_text(out))
    assert squash("㈜데이터벤처스") in text  # the essentials stay


def test_fitting_drops_only_what_it_must_and_only_from_the_end(ws):
    needs_pdf()
    import weasyprint

    add_bulk_deck(ws, 120)
    content = content_of(ws, max_cards=60)
    out = cheatsheet.fit_pdf(content, "a4")
    assert out.dropped == content.items[out.kept :]
    assert 0 < out.kept < len(content.items)
    # One more item would not fit: nothing was dropped that had room.
    html = cheatsheet.render_html(cheatsheet.sheet_of(content, out.kept + 1))
    assert len(weasyprint.HTML(string=html).render().pages) > 1
    # And it took a handful of layout passes, not one per dropped item.
    assert out.renders <= 8 < len(out.dropped)


def test_html_from_the_cli_is_the_printable_page(ws, cli, tmp_path):
    out = tmp_path / "sheet.html"
    r = cli("-w", str(ws), "cheatsheet", "-o", str(out))
    assert r.returncode == 0, r.stderr
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "@page { size: A4 portrait" in html
    assert '"Noto Sans CJK KR", "Noto Sans KR", "NanumGothic"' in html
    for q in ask_questions(ws):
        assert q in html


# --- safety ------------------------------------------------------------------------

ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "main", "section", "h1", "h2",
    "h3", "p", "span", "b", "strong", "ul", "ol", "li", "div", "table", "tr", "td", "svg", "rect",
}  # fmt: skip


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(k, v or "") for k, v in attrs]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_hostile_deck_story_and_profile_render_as_text_in_html(ws):
    add_xss(ws)
    content = content_of(ws, max_cards=200)
    html = cheatsheet.render_html(cheatsheet.sheet_of(content, len(content.items)))
    parser = Tags()
    parser.feed(html)
    assert "script" not in parser.tags
    assert set(parser.tags) <= ALLOWED_TAGS, set(parser.tags) - ALLOWED_TAGS
    assert not [k for k, _ in parser.attrs if k.lower().startswith("on")]
    assert not [v for _, v in parser.attrs if "javascript:" in v.lower()]
    # The payloads are there, as text the reader can see.
    text = "".join(parser.text)
    for payload in (
        "<script>alert('q')</script> 스크립트 질문",
        "<img src=x onerror=alert('img')> 이미지 질문",
        "{{ cycler.__init__.__globals__ }} {{ 7*7 }} 템플릿 질문",
        "<script>alert('story')</script>",
        "<script>alert('co')</script>㈜데이터벤처스",
        "<img src=x onerror=alert('closing')> {{ 7*7 }} 마무리",
        "javascript:alert('kw')",
    ):
        assert payload in text, payload
    assert "&lt;script&gt;" in html


def test_hostile_deck_in_pdf_is_printed_text(ws, tmp_path):
    needs_pdf()
    add_xss(ws)
    content = content_of(ws, max_cards=200)
    out = cheatsheet.fit_pdf(content, "a4")
    assert isinstance(out.data, bytes)
    path = tmp_path / "xss.pdf"
    path.write_bytes(out.data)
    text = squash(pdf_text(path))
    assert squash("<script>alert('q')</script> 스크립트 질문") in text
    assert squash("{{ 7*7 }} 템플릿 질문") in text


def test_hostile_deck_in_markdown_has_no_raw_html_or_links(ws):
    add_xss(ws)
    content = content_of(ws, max_cards=200)
    md = cheatsheet.render_markdown(cheatsheet.sheet_of(content, len(content.items)))
    for raw in ("<script", "<img", "<iframe", "<svg", "<b ", "<style", "](javascript"):
        assert raw not in md, raw
    assert "&lt;script>alert('q')&lt;/script> 스크립트 질문" in md
    assert "{{ cycler.__init__.__globals__ }} {{ 7*7 }}" in md  # printed, never evaluated
    # One item is one line: a newline in a question cannot start a heading.
    assert all(
        not line.startswith("#") or line.startswith(("# ", "## ")) for line in md.splitlines()
    )


def test_sheet_never_fetches_anything(ws, tmp_path):
    needs_pdf()
    with pytest.raises(ValueError, match="not loaded"):
        cheatsheet._no_fetch("file:///etc/passwd")


# --- Markdown budget -------------------------------------------------------------------


# What a terminal draws (tmux 3.3 agrees on each): one syllable is 2 cells whether
# it is composed or decomposed, a ZWJ family is one glyph, a combining accent takes
# no cell of its own.
@pytest.mark.parametrize(
    ("text", "width"),
    [
        ("abc", 3),
        ("한국어", 6),
        (unicodedata.normalize("NFD", "한국어"), 6),
        ("\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466", 2),
        ("\U0001f1f0\U0001f1f7", 2),
        ("e\u0301te\u0301", 3),
        ("漢字 ok", 7),
        ("㈜데이터", 8),
    ],
)
def test_display_width_counts_cells_as_a_terminal_draws_them(text, width):
    assert cheatsheet.display_width(text) == width


def test_decomposed_hangul_wraps_like_composed_hangul():
    line = "가나다라마바사 " * 20  # 15 cells a repeat, 300 in all
    expected = math.ceil(300 / cheatsheet.MD_COLS)
    assert cheatsheet.printed_lines(line) == expected
    assert cheatsheet.printed_lines(unicodedata.normalize("NFD", line)) == expected


def test_the_cheat_sheet_module_loads_without_rich():
    code = "import sys, prep.cheatsheet; print('rich' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "False", r.stderr


@pytest.mark.parametrize("bulk", [0, 500])
def test_markdown_stays_within_its_line_budget(ws, cli, bulk):
    if bulk:
        add_bulk_deck(ws, bulk)
    r = cli("-w", str(ws), "cheatsheet", "--max-cards", "40", env={"PREP_NOW": NOW})
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    printed = sum(max(1, math.ceil(cells(line) / cheatsheet.MD_COLS)) for line in lines)
    assert printed <= cheatsheet.MD_LINES
    assert len(lines) <= cheatsheet.MD_LINES
    # It was full: the report names what did not fit, and the essentials are in.
    assert "Left out to fit one printed page:" in r.stderr
    assert lines[0].startswith(
        "# ㈜데이터벤처스 (Data Ventures Korea) — 파이썬 백엔드 개발자(중급)"
    )
    assert "**Closing:**" in r.stdout


def test_markdown_keeps_every_section_when_there_is_room(ws, cli):
    r = cli(
        "-w", str(ws), "cheatsheet", "--only", "ask", "--only", "gaps", "--only", "stories",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "Left out" not in r.stderr
    assert "## Questions to ask" in r.stdout and "## Gaps I will admit" in r.stdout
    assert "## Stories by value" in r.stdout
    for q in ask_questions(ws):
        assert q in r.stdout
    assert "## Company" not in r.stdout and "## Cards to refresh" not in r.stdout


# --- what goes on the page ------------------------------------------------------------------


def test_weakest_cards_slipping_first_then_unseen_in_drill_order_never_strong(ws):
    ws_, store = open_ws(ws)
    sched = Scheduler(0.9, fuzz=False)
    ids = store.new_ids(Filters(kinds=("technical", "behavioral", "concept")))
    weak_a, weak_b, strong = ids[3], ids[5], ids[8]
    # weak_a and weak_b: learned long ago, then left; strong: reviewed just before.
    store.grade(sched, weak_a, 3, T0 - timedelta(days=40))
    store.grade(sched, weak_b, 1, T0 - timedelta(days=20))
    store.grade(sched, strong, 3, T0 - timedelta(days=1))
    store.grade(sched, strong, 4, T0 - timedelta(hours=20))
    at = T0 + timedelta(days=2)
    content = cheatsheet.build(
        ws_,
        store,
        sched,
        FakeClock(T0),
        cheatsheet.Options(at=at, max_cards=100),  # type: ignore[arg-type]
    )
    cards = [i.data for i in content.items if i.section == "cards"]
    recall = {c: sched.retrievability(store.state(c), at) for c in (weak_a, weak_b, strong)}
    assert recall[strong] >= 0.9 > max(recall[weak_a], recall[weak_b])
    slipping = sorted((weak_a, weak_b), key=lambda c: recall[c])
    assert [c.id for c in cards[:2]] == slipping
    assert [c.pct for c in cards[:2]] == [round(recall[c] * 100) for c in slipping]
    unseen = [c for c in ids if c not in (weak_a, weak_b, strong)]
    assert [c.id for c in cards[2:]] == unseen
    assert all(c.pct is None for c in cards[2:])
    assert strong not in {c.id for c in cards}  # at the target retention: nothing to refresh
    assert all(c.id != "ask-ai-ml-roadmap" for c in cards)  # asks have their own section


def test_max_cards_and_filters(ws):
    content = content_of(ws, max_cards=3, filters=Filters(topics=("AWS & IaC",)))
    cards = [i.data for i in content.items if i.section == "cards"]
    assert len(cards) == 3
    assert {c.topic for c in cards} == {"AWS & IaC"}
    assert content.limited == {"cards": 5}
    bars = [i.data for i in content.items if i.section == "readiness"]
    assert [b.topic for b in bars] == ["AWS & IaC"]


def test_readiness_is_the_mean_predicted_recall_per_topic(ws):
    ws_, store = open_ws(ws)
    sched = Scheduler(0.9, fuzz=False)
    topic_cards = [c for c in store.cards() if c.topic == "AWS & IaC"]
    for c in topic_cards[:3]:
        store.grade(sched, c.id, 3, T0 - timedelta(days=3))
    at = T0 + timedelta(days=1)
    content = cheatsheet.build(
        ws_,
        store,
        sched,
        FakeClock(T0),
        cheatsheet.Options(at=at),  # type: ignore[arg-type]
    )
    bars = {i.data.topic: i.data for i in content.items if i.section == "readiness"}
    expected = sum(sched.retrievability(store.state(c.id), at) for c in topic_cards)
    bar = bars["AWS & IaC"]
    assert bar.recall == pytest.approx(expected / len(topic_cards))
    assert (bar.studied, bar.total) == (3, len(topic_cards))
    assert 0 < bar.pct < 100
    sheet = cheatsheet.sheet_of(content, len(content.items))
    html = cheatsheet.render_html(sheet)
    assert f'<rect width="{bar.pct}" height="16"' in html  # the SVG bar is the number
    md = cheatsheet.render_markdown(sheet)
    full = round(bar.recall * 10)
    assert f"`{'█' * full}{'░' * (10 - full)}` {bar.pct}% AWS & IaC (3/{len(topic_cards)})" in md
    # Topics are listed weakest first.
    values = [i.data.recall for i in content.items if i.section == "readiness"]
    assert values == sorted(values)


def test_default_time_is_the_interview_else_tomorrow_nine(ws):
    ws_, store = open_ws(ws)
    clock = FakeClock(T0)
    at, is_interview = cheatsheet.default_at(store, clock)  # type: ignore[arg-type]
    assert not is_interview
    assert at == datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)
    profile = ws / "prep.yaml"
    text = profile.read_text(encoding="utf-8")
    profile.write_text(
        re.sub(r"^  date: null.*$", "  date: 2026-12-10T10:00:00+09:00", text, flags=re.M),
        encoding="utf-8",
    )
    sync(store, ws_)  # type: ignore[arg-type]
    at, is_interview = cheatsheet.default_at(store, clock)  # type: ignore[arg-type]
    assert is_interview
    assert at == datetime(2026, 12, 10, 1, 0, tzinfo=timezone.utc)
    content = cheatsheet.build(
        ws_,
        store,
        Scheduler(0.9, fuzz=False),
        clock,
        cheatsheet.Options(),  # type: ignore[arg-type]
    )
    assert content.head.interview_label == "2026-12-10 10:00 (+09:00)"
    assert content.head.at_label == content.head.interview_label


def test_priority_keeps_a_story_per_value_the_asks_and_gaps_before_the_extras(ws):
    content = content_of(ws)
    order = [i.section for i in content.items]
    last_core = max(order.index("ask"), len(order) - 1 - order[::-1].index("gaps"))
    core = content.items[: last_core + 1]
    # Every question to ask and every gap come before the second tier ...
    assert {i.section for i in content.items[last_core + 1 :]} <= {
        "cards", "stories", "highlights", "readiness", "advice", "company",
    }  # fmt: skip
    assert [i for i in content.items if i.section in ("ask", "gaps")] == [
        i for i in core if i.section in ("ask", "gaps")
    ]
    # ... and so does one story for every company value.
    shown = {v for i in core if i.section == "stories" for v in i.data.values}
    assert set(content.value_names) <= shown
    # The first to go: reminders, products and news.
    tail = content.items[-3:]
    assert {i.section for i in tail} <= {"advice", "company"}
    assert [i.data.i for i in content.items] == list(range(len(content.items)))
    # Whatever is kept prints in page order (the order build() found them in).
    page = sorted(content.items, key=lambda i: i.pos)
    story_order = [i.data.id for i in page if i.section == "stories"]
    sheet = cheatsheet.sheet_of(content, len(content.items) // 2)
    kept = [s.id for s in sheet.stories]
    assert 4 <= len(kept) < len(story_order)
    assert kept == [sid for sid in story_order if sid in kept]


def test_the_default_sheet_balances_what_to_read_the_night_before(ws, cli):
    # The night before, after some study: cards well known are not "to refresh".
    env = {"PREP_NOW": NOW}
    assert cli("-w", str(ws), "drill", input="\n4\n\n4\n\n4\nq\n", env=env).returncode == 0
    r = cli("-w", str(ws), "cheatsheet", "--at", "2026-11-27T09:00", env=env)
    assert r.returncode == 0, r.stderr
    md = r.stdout
    refresh = md.split("## Cards to refresh")[1].split("\n## ")[0]
    assert "[100%]" not in refresh and refresh.count("\n- [") >= 3
    for q in ask_questions(ws):
        assert q in md  # every question to ask
    assert "CloudFormation 심화" in md and "Terraform" in md.split("## Gaps I will admit")[1]
    index = md.split("## Stories by value")[1].split("\n\n")[0]
    values = [line for line in index.splitlines() if line.startswith("- **")]
    assert len(values) == 4 and all(re.search(r":\*\* \d", v) for v in values), index
    # What goes first is the reminders, products and news, not a story, ask or gap.
    left = dict(
        (name, int(n)) for n, name in re.findall(r"^\s+- (\d+) of (.+?) \(", r.stderr, re.M)
    )
    assert (
        cheatsheet.SECTION_NAMES["ask"] not in left and cheatsheet.SECTION_NAMES["gaps"] not in left
    )
    assert cheatsheet.SECTION_NAMES["stories"] not in left


def test_filters_choose_the_cards_not_the_questions_to_ask(ws, cli):
    r = cli(
        "-w", str(ws), "cheatsheet", "--only", "cards", "--only", "ask",
        "--deck", "datavent-backend",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "## Questions to ask" in r.stdout
    for q in ask_questions(ws):
        assert q in r.stdout
    assert "Left out" not in r.stderr  # everything chosen fits: nothing is said to be cut
    # Filters that name the asks themselves still choose among them.
    r = cli("-w", str(ws), "cheatsheet", "--only", "ask", "--topic", "AWS & IaC")
    assert "## Questions to ask" in r.stdout
    r = cli("-w", str(ws), "cheatsheet", "--only", "ask", "--deck", "ask")
    assert all(q in r.stdout for q in ask_questions(ws))


def test_story_index_numbers_each_story_once_and_lists_it_under_each_value(ws):
    content = content_of(ws, sections=("stories",))
    sheet = cheatsheet.sheet_of(content, len(content.items))
    assert len({s.id for s in sheet.stories}) == len(sheet.stories) > 0
    for group in sheet.story_index:
        for n in group.numbers:
            story = sheet.stories[n - 1]
            assert any(content.value_names.get(v, v) == group.name for v in story.values)
    listed = {n for g in sheet.story_index for n in g.numbers}
    assert listed == set(range(1, len(sheet.stories) + 1))


def test_one_line_and_key_point():
    assert cheatsheet.one_line("a\n# b\tc\x00d", 100) == "a # b c d"
    assert cheatsheet.one_line("가" * 50, 10) == "가" * 9 + "…"
    assert (
        cheatsheet.key_point("- `async def` 안의 **블로킹**\n- 둘째", []) == "async def 안의 블로킹"
    )
    assert cheatsheet.key_point("ignored", ["이벤트 루프", "GIL"]) == "이벤트 루프 · GIL"
    # A YAML slip ("- 예: 설명" read as a mapping) is printed as written.
    assert cheatsheet._text({"예": "설명"}) == "예: 설명"


# --- fitting logic ---------------------------------------------------------------------------


def test_largest_fit_finds_the_boundary_from_any_guess():
    from hypothesis import given
    from hypothesis import strategies as st

    @given(st.integers(1, 300), st.data())
    def check(n: int, data: st.DataObject) -> None:
        limit = data.draw(st.integers(0, n))
        guess = data.draw(st.none() | st.integers(-5, n + 5))
        calls: list[int] = []

        def fits(k: int) -> bool:
            calls.append(k)
            return k <= limit

        assert cheatsheet.largest_fit(n, fits, guess=guess) == limit
        assert len(calls) <= 2 * math.ceil(math.log2(n + 1)) + 6

    check()


def test_largest_fit_walks_one_by_one_near_a_good_guess():
    calls: list[int] = []

    def fits(k: int) -> bool:
        calls.append(k)
        return k <= 41

    assert cheatsheet.largest_fit(300, fits, guess=40) == 41
    assert calls == [300, 40, 41, 42]
    calls.clear()
    assert cheatsheet.largest_fit(300, fits, guess=43, bad=150) == 41
    assert calls == [43, 42, 41]


def test_largest_fit_when_nothing_fits():
    from prep.errors import PrepError

    with pytest.raises(PrepError, match="essentials do not fit"):
        cheatsheet.largest_fit(10, lambda k: False)


# --- the command -------------------------------------------------------------------------------


def test_errors_are_one_line(ws, cli, tmp_path):
    cases = [
        (["cheatsheet", "--format", "pdf"], "Error: a PDF needs a file: add -o cheatsheet.pdf"),
        (["cheatsheet", "-o", str(tmp_path / "x.txt")], "cannot tell the format from '.txt'"),
        (["cheatsheet", "--deck", "nope"], "Error: no deck 'nope'; decks: ask, concepts, "),
    ]
    for args, message in cases:
        r = cli("-w", str(ws), *args)
        assert r.returncode == 1, (args, r.stderr)
        assert message in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "x.txt").exists()


def test_bad_option_values_are_usage_errors_naming_the_choices(ws, cli):
    cases = [
        (["--only", "nope"], "Invalid value for '--only': 'nope' is not one of 'company', 'fit'"),
        (["--paper", "legal"], "Invalid value for '--paper': 'legal' is not one of 'a4', 'letter'"),
        (["--at", "soon"], "Invalid value for '--at': cannot read date 'soon'"),
        (["--format", "docx"], "'docx' is not one of 'md', 'html', 'pdf'"),
    ]
    for args, message in cases:
        r = cli("-w", str(ws), "cheatsheet", *args)
        assert r.returncode == 2, (args, r.stderr)
        assert message in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.stderr
    r = cli("-w", str(ws), "cheatsheet", "--paper", "LETTER", "--format", "MD", "--only", "fit")
    assert r.returncode == 0, r.stderr  # choices are not case-sensitive
    from prep.cheatsheet import SECTIONS
    from prep.cli.common import Section

    assert [s.value for s in Section] == list(SECTIONS)


def test_pdf_without_weasyprint_says_what_to_install(ws, invoke, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import now raises ImportError
    out = tmp_path / "s.pdf"
    r = invoke("-w", str(ws), "cheatsheet", "-o", str(out))
    assert r.exit_code == 1
    from prep.install import hint

    assert f"Error: PDF output needs WeasyPrint: {hint('pdf')} " in r.output
    assert not out.exists()
    # HTML still works: it keeps what one printed Markdown page holds.
    html = tmp_path / "s.html"
    r = invoke("-w", str(ws), "cheatsheet", "-o", str(html))
    assert r.exit_code == 0, r.output
    assert "<main>" in html.read_text(encoding="utf-8")


def test_at_option_moves_the_prediction(ws, cli):
    r = cli("-w", str(ws), "cheatsheet", "--at", "2027-01-05T14:30", "--only", "readiness")
    assert r.returncode == 0, r.stderr
    assert "## Readiness at 2027-01-05 14:30 (UTC)" in r.stdout


def test_help_text(invoke):
    r = invoke("cheatsheet", "--help")
    assert r.exit_code == 0
    for option in ("--output", "--format", "--at", "--paper", "--deck", "--topic", "--max-cards",
                   "--only", "--without"):  # fmt: skip
        assert option in r.output
    assert "One-page cheat sheet" in r.output


def test_modules_import_nothing_heavy_at_the_top():
    """`prep --help` imports every command module: theirs must stay stdlib and typer."""
    import ast

    root = Path(cheatsheet.__file__).parent
    allowed = set(sys.stdlib_module_names) | {"typer", "__future__"}
    for rel in ("cli/cheatsheet.py", "cheatsheet.py", "followup.py"):
        tree = ast.parse((root / rel).read_text(encoding="utf-8"))
        for node in tree.body:  # top level only; TYPE_CHECKING blocks are not run
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed, (rel, name)


def test_a_bare_workspace_still_gets_a_sheet(empty_ws, cli, tmp_path):
    r = cli("-w", str(empty_ws), "cheatsheet")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[:2] == ["# Acme", "Test"]
    if cheatsheet.have_weasyprint() and shutil.which("pdfinfo"):
        out = tmp_path / "e.pdf"
        r = cli("-w", str(empty_ws), "cheatsheet", "-o", str(out))
        assert r.returncode == 0, r.stderr
        assert pdf_pages(out)[0] == 1


def test_a_broken_story_costs_its_line_not_the_page(ws, cli):
    (ws / "answers" / "broken.md.j2").write_text(
        "---\nid: broken\ntitle: [x\n---\n## Situation\n", encoding="utf-8"
    )
    r = cli("-w", str(ws), "cheatsheet", "--only", "stories")
    assert r.returncode == 0, r.stderr
    assert "answers/broken.md.j2:" in r.stderr and "left off the sheet" in r.stderr
    assert "## Stories by value" in r.stdout


def test_without_leaves_sections_out(ws, cli):
    r = cli("-w", str(ws), "cheatsheet", "--without", "cards", "--without", "readiness")
    assert r.returncode == 0, r.stderr
    assert "## Cards to refresh" not in r.stdout and "## Readiness" not in r.stdout
    assert "## Company" in r.stdout
