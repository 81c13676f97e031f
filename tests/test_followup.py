"""`prep followup`: the thank-you email, when it is due, and the debrief (database + decks/asked.yaml)."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from prep import followup as fu
from prep.clock import FakeClock
from prep.decks import parse_deck
from prep.store import SCHEMA_VERSION, Store
from prep.sync import sync
from prep.workspace import find

INTERVIEW = "2026-12-10T10:00:00+09:00"
INTERVIEW_UTC = datetime(2026, 12, 10, 1, 0, tzinfo=timezone.utc)


def set_interview(root: Path, when: str = INTERVIEW, interviewer: str | None = None) -> None:
    profile = root / "prep.yaml"
    text = profile.read_text(encoding="utf-8")
    text = re.sub(r"^  date: null.*$", f"  date: {when}", text, flags=re.M)
    if interviewer:
        text = re.sub(r"^  interviewer: null.*$", f"  interviewer: {interviewer}", text, flags=re.M)
    profile.write_text(text, encoding="utf-8")


def rows(root: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(root / ".prep" / "prep.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def asked_deck(root: Path):
    path = root / "decks" / "asked.yaml"
    deck, problems = parse_deck(path.read_bytes(), "decks/asked.yaml")
    assert not problems, problems
    assert deck is not None
    return deck


def profile_closing(root: Path) -> str:
    m = re.search(r"^closing: (.*)$", (root / "prep.yaml").read_text(encoding="utf-8"), re.M)
    assert m
    return m.group(1).strip()


# --- the email ----------------------------------------------------------------------


def test_email_with_and_without_an_interviewer_name(ws, cli):
    r = cli("-w", str(ws), "followup")
    assert r.returncode == 0, r.stderr
    assert "안녕하세요, 면접관님." in r.stdout  # the template's default
    assert profile_closing(ws) in r.stdout
    assert "㈜데이터벤처스" in r.stdout
    assert "No debrief recorded" in r.stderr
    assert r.stdout.startswith("**제목:**")  # only the email on stdout: it can be piped
    r = cli("-w", str(ws), "followup", "--interviewer", "김민수")
    assert "안녕하세요, 김민수님." in r.stdout


def test_interviewer_from_the_profile(ws, cli):
    set_interview(ws, interviewer="박지영")
    r = cli("-w", str(ws), "followup")
    assert "안녕하세요, 박지영님." in r.stdout


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-12-09T00:00:00Z", "Send it after the interview and by 2026-12-11 10:00 (within 24 hours)."),
        ("2026-12-10T05:00:00Z", "Send it by 2026-12-11 10:00: 20h 00m left."),
        ("2026-12-11T00:30:00Z", "Send it by 2026-12-11 10:00: 30m left."),
        ("2026-12-12T05:00:00Z", "It was due at 2026-12-11 10:00 (28h 00m ago); send it today anyway."),
    ],
)  # fmt: skip
def test_when_the_email_is_due(ws, cli, now, expected):
    set_interview(ws)
    r = cli("-w", str(ws), "followup", env={"PREP_NOW": now})
    assert r.returncode == 0, r.stderr
    assert expected in r.stderr


def test_due_follows_the_profile_hours(ws, cli):
    set_interview(ws)
    profile = ws / "prep.yaml"
    text = profile.read_text(encoding="utf-8")
    profile.write_text(
        text.replace("thank_you_within_hours: 24", "thank_you_within_hours: 6"), encoding="utf-8"
    )
    r = cli("-w", str(ws), "followup", env={"PREP_NOW": "2026-12-10T02:00:00Z"})
    assert "Send it by 2026-12-10 16:00: 5h 00m left." in r.stderr


def test_without_an_interview_date_it_says_how_to_set_one(ws, cli):
    r = cli("-w", str(ws), "followup")
    assert "Send it within 24 hours after the interview" in r.stderr
    assert "interview.date in prep.yaml" in r.stderr


# --- the debrief --------------------------------------------------------------------------


def test_debrief_lands_in_the_database_and_in_asked_yaml(ws, cli):
    set_interview(ws)
    new_q = "Kafka와 RabbitMQ 중 무엇을 고르겠습니까? 이유는?"
    r = cli(
        "-w", str(ws), "followup", "--interviewer", "김민수",
        "--asked", "fastapi-async-caveats", "--asked", "redis-pubsub-pipeline",
        "--new-question", new_q, "--new-question", "  사내 코드 리뷰\n문화에 대해  ",
        "--notes", "라이브 코딩 30분, 분위기 좋음",
        env={"PREP_NOW": "2026-12-10T05:00:00Z"},
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "Debrief recorded:" in r.stderr
    assert (
        "2 new question(s) added to decks/asked.yaml (asked-20261210-1, asked-20261210-2)"
        in r.stderr
    )

    debriefs = rows(ws, "SELECT id, recorded_at, interview_at, interviewer, notes FROM debriefs")
    assert len(debriefs) == 1
    did, recorded, interview, who, notes = debriefs[0]
    assert recorded.startswith("2026-12-10T05:00:00")
    assert interview.startswith("2026-12-10T01:00:00")
    assert (who, notes) == ("김민수", "라이브 코딩 30분, 분위기 좋음")
    cards = rows(ws, "SELECT card_id, role, question FROM debrief_cards ORDER BY role, card_id")
    assert cards == [
        ("fastapi-async-caveats", "asked", None),
        ("redis-pubsub-pipeline", "asked", None),
        ("asked-20261210-1", "new", new_q),
        ("asked-20261210-2", "new", "사내 코드 리뷰 문화에 대해"),
    ]

    deck = asked_deck(ws)
    assert deck.id == "asked"
    assert [(c.id, c.q, c.kind, c.topic) for c in deck.cards] == [
        ("asked-20261210-1", new_q, "technical", "면접에서 받은 질문"),
        ("asked-20261210-2", "사내 코드 리뷰 문화에 대해", "technical", "면접에서 받은 질문"),
    ]
    assert deck.cards[0].tags == ["asked", "2026-12-10"]
    check = cli("-w", str(ws), "deck", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    # The next run syncs the new cards in like any others.
    listed = cli("-w", str(ws), "deck", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert '"deck": "asked"' in listed.stdout


def test_history_shows_the_debriefs_recorded(ws, cli):
    empty = cli("-w", str(ws), "followup", "--history")
    assert empty.returncode == 0 and "No debrief recorded yet" in empty.stdout
    set_interview(ws)
    env = {"PREP_NOW": "2026-12-10T05:00:00Z"}
    cli("-w", str(ws), "followup", "--asked", "redis-pubsub-pipeline",
        "--new-question", "[bold]사내[/bold] 코드 리뷰 문화는?", "--notes", "라이브 코딩 30분",
        env=env)  # fmt: skip
    shown = cli("-w", str(ws), "followup", "--history", env=env)
    assert shown.returncode == 0, shown.stderr
    assert "감사" not in shown.stdout  # the history only, no thank-you email
    lines = shown.stdout.splitlines()
    assert any(line.startswith("  asked redis-pubsub-pipeline  ") for line in lines)
    assert any("[bold]사내[/bold] 코드 리뷰 문화는?" in line for line in lines)  # as text
    assert "  notes 라이브 코딩 30분" in lines
    data = json.loads(cli("-w", str(ws), "followup", "--history", "--json", env=env).stdout)
    (d,) = data["debriefs"]
    assert [a["card"] for a in d["asked"]] == ["redis-pubsub-pipeline"]
    assert d["notes"] == "라이브 코딩 30분" and len(d["new_questions"]) == 1


def test_second_debrief_appends_keeps_comments_and_new_ids(ws, cli):
    set_interview(ws)
    env = {"PREP_NOW": "2026-12-10T05:00:00Z"}
    assert cli("-w", str(ws), "followup", "--new-question", "첫 질문?", env=env).returncode == 0
    path = ws / "decks" / "asked.yaml"
    path.write_text(
        path.read_text(encoding="utf-8") + "    # 내 메모: 답을 곧 쓸 것\n", encoding="utf-8"
    )
    r = cli(
        "-w", str(ws), "followup", "--new-question", "둘째 질문?",
        "--new-question", "첫 질문?", env=env,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "is already card asked-20261210-1; recorded it as asked" in r.stderr
    text = path.read_text(encoding="utf-8")
    assert "# 내 메모: 답을 곧 쓸 것" in text
    assert [(c.id, c.q) for c in asked_deck(ws).cards] == [
        ("asked-20261210-1", "첫 질문?"),
        ("asked-20261210-2", "둘째 질문?"),
    ]
    assert cli("-w", str(ws), "deck", "check").returncode == 0


def test_a_question_already_in_a_deck_is_marked_asked_not_duplicated(ws, cli):
    r = cli(
        "-w", str(ws), "followup",
        "--new-question", "JWT 기반 인증 체계를 FastAPI에 통합한 경험을 설명해주세요!",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "is already card fastapi-jwt-auth" in r.stderr
    assert not (ws / "decks" / "asked.yaml").exists()
    assert rows(ws, "SELECT card_id, role FROM debrief_cards") == [("fastapi-jwt-auth", "asked")]


def test_unknown_card_changes_nothing(ws, cli):
    r = cli(
        "-w", str(ws), "followup", "--asked", "pydantic-perf", "--new-question", "새 질문?",
        "--notes", "x",
    )  # fmt: skip
    assert r.returncode == 1
    assert r.stderr.strip().splitlines()[-1] == (
        "Error: --asked: no card 'pydantic-perf'; did you mean 'pydantic-performance'?"
    )
    assert "Traceback" not in r.stderr
    assert not (ws / "decks" / "asked.yaml").exists()
    assert rows(ws, "SELECT COUNT(*) FROM debriefs") == [(0,)]


def test_broken_asked_yaml_is_reported_with_its_line_and_nothing_changes(ws, cli):
    path = ws / "decks" / "asked.yaml"
    path.write_text("deck: asked\ncards:\n  - id: a1\n    q: [broken\n", encoding="utf-8")
    before = path.read_bytes()
    r = cli("-w", str(ws), "followup", "--new-question", "새 질문?")
    assert r.returncode == 1
    assert re.search(r"Error: .*decks/asked\.yaml:\d+", r.stderr), r.stderr
    assert path.read_bytes() == before
    assert rows(ws, "SELECT COUNT(*) FROM debriefs") == [(0,)]


def test_asked_yaml_that_cannot_take_an_append_is_left_alone(ws, cli):
    path = ws / "decks" / "asked.yaml"
    path.write_text(
        "deck: asked\ncards: [{id: a1, q: 첫 질문}]\ntitle: 흐름 스타일\n", encoding="utf-8"
    )
    before = path.read_bytes()
    r = cli("-w", str(ws), "followup", "--new-question", "새 질문?")
    assert r.returncode == 1
    assert "decks/asked.yaml: cannot append the new questions" in r.stderr
    assert path.read_bytes() == before
    assert rows(ws, "SELECT COUNT(*) FROM debriefs") == [(0,)]


HOSTILE = [
    'Say "hi": {{ 7*7 }} <script>alert(1)</script>',
    "- 리스트처럼 보이는 질문",
    "# 주석처럼 시작하는 질문",
    "*alias 와 &anchor, !!python/object 태그?",
    "key: value 형태의 질문",
    "'작은따옴표' 와 \\백슬래시\\ 와 탭\t문자",
    "null",
    "123",
    "질문 #해시 그리고 끝의 콜론:",
]


def test_any_question_text_round_trips_through_the_deck_file(ws, cli):
    args = []
    for q in HOSTILE:
        args += ["--new-question", q]
    r = cli("-w", str(ws), "followup", *args)
    assert r.returncode == 0, r.stderr
    got = [c.q for c in asked_deck(ws).cards]
    assert got == [" ".join(q.split()) for q in HOSTILE]
    assert cli("-w", str(ws), "deck", "check").returncode == 0


def test_round_trip_property(tmp_path):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=150, deadline=None)
    @given(st.lists(st.text(min_size=1, max_size=80), min_size=1, max_size=4))
    def check(texts: list[str]) -> None:
        cleaned = [fu._clean(t) for t in texts]
        if not all(cleaned) or len(set(cleaned)) != len(cleaned):
            return
        new = [(f"asked-20261210-{i + 1}", q) for i, q in enumerate(cleaned)]
        path = tmp_path / "asked.yaml"
        path.unlink(missing_ok=True)
        text = fu.plan_deck(path, "decks/asked.yaml", new, "2026-12-10")
        deck, problems = parse_deck(text.encode("utf-8"), "decks/asked.yaml")
        assert not problems and deck is not None
        assert [(c.id, c.q) for c in deck.cards] == new

    check()


def test_asked_cards_are_marked_on_the_next_cheat_sheet(ws, cli):
    assert cli("-w", str(ws), "followup", "--asked", "pydantic-performance").returncode == 0
    r = cli("-w", str(ws), "cheatsheet", "--only", "cards")
    assert r.returncode == 0, r.stderr
    marked = [line for line in r.stdout.splitlines() if "[asked before]" in line]
    assert len(marked) == 1 and "Pydantic" in marked[0]


def test_core_call_with_an_injected_clock(ws):
    set_interview(ws)
    w = find(str(ws))
    store = Store(w.db_path)
    sync(store, w)
    clock = FakeClock(INTERVIEW_UTC + timedelta(hours=3))
    result = fu.followup(w, store, clock, asked=("fastapi-jwt-auth",), notes="메모")
    assert result.interview == INTERVIEW_UTC
    assert result.due == INTERVIEW_UTC + timedelta(hours=24)
    assert result.asked == ["fastapi-jwt-auth"]
    assert fu.due_text(result, clock.now()) == "Send it by 2026-12-11 10:00: 21h 00m left."
    assert store.conn.execute("SELECT notes FROM debriefs").fetchall() == [("메모",)]


def test_migration_adds_the_debrief_tables(tmp_path):
    store = Store(tmp_path / "p.db")
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 3
    tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"debriefs", "debrief_cards"} <= tables
    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute(
            "INSERT INTO debrief_cards (debrief_id, card_id, role) VALUES ('d', 'c', 'maybe')"
        )


def test_help_text(invoke):
    r = invoke("followup", "--help")
    assert r.exit_code == 0
    for option in ("--interviewer", "--asked", "--new-question", "--notes", "--history"):
        assert option in r.output
    assert "Thank-you email" in r.output


def test_without_a_thank_you_template_the_debrief_is_still_recorded(ws, cli):
    (ws / "answers" / "thank-you.md.j2").unlink()
    r = cli("-w", str(ws), "followup", "--notes", "메모만")
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert "No email: answers/thank-you.md.j2 does not exist" in r.stderr
    assert rows(ws, "SELECT notes FROM debriefs") == [("메모만",)]


def test_a_broken_thank_you_template_is_an_error_before_anything_is_written(ws, cli):
    (ws / "answers" / "thank-you.md.j2").write_text(
        "---\nid: thank-you\nkind: email\n---\n안녕하세요 {{ no_such_variable }}\n",
        encoding="utf-8",
    )
    r = cli("-w", str(ws), "followup", "--notes", "x", "--new-question", "새 질문?")
    assert r.returncode == 1
    assert "Error: " in r.stderr and "thank-you.md.j2" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (ws / "decks" / "asked.yaml").exists()
    assert rows(ws, "SELECT COUNT(*) FROM debriefs") == [(0,)]
