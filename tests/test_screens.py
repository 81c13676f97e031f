"""The drill screen fits the terminal; suspend, bury, edit; `prep cards`."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import T0
from rich.console import Console

from prep.clock import FakeClock
from prep.drill import DrillSession
from prep.schedule import Scheduler
from prep.store import Store
from prep.sync import sync
from prep.ui.drill import CardScreen, header_items, suggest
from prep.ui.screen import Page
from prep.workspace import find

SIZES = [(80, 24), (90, 30), (100, 32), (60, 24), (120, 40)]


def _plain(line: list) -> str:
    return "".join(seg.text for seg in line)


def _story_for(ws_root: Path):
    from prep.cli.drill import _story_renderer

    w = find(str(ws_root))
    return _story_renderer(w, None)


def _main_deck_screens(root: Path):
    """A CardScreen, revealed, for every card of the example's main deck."""
    w = find(str(root))
    store = Store(w.db_path)
    sync(store, w, FakeClock(T0))
    session = DrillSession(store=store, scheduler=Scheduler(fuzz=False), clock=FakeClock(T0))
    story_for = _story_for(root)
    ids = [c.id for c in store.cards() if c.deck == "datavent-backend"]
    assert len(ids) >= 10
    for card_id in ids:
        session.current = card_id
        from prep.drill import Shown

        shown = Shown(card=store.card(card_id), state=store.state(card_id), index=1, total=5)
        screen = CardScreen(session, shown, story_for, ack="✓ earlier-card Good · next in 10m")
        screen.reveal()
        yield screen


@pytest.mark.parametrize("width, height", SIZES)
def test_after_the_reveal_the_question_and_the_grades_stay_on_screen(ws, width, height):
    stories = 0
    for screen in _main_deck_screens(ws):
        console = Console(width=width, height=height, color_system=None, force_terminal=False)
        page = Page(console)
        lines = page.layout(screen.top(1.0), screen.middle(), screen.bottom(), width, height)
        text = [_plain(line) for line in lines]
        assert len(text) <= height, screen.card.id
        assert all(console.measure(t).maximum <= width for t in text)
        first_words = screen.card.q.split()[0]
        assert any(first_words in t for t in text[:8]), (screen.card.id, text[:8])
        assert any("Again" in t and "Good" in t for t in text[-3:]), (screen.card.id, text[-3:])
        stories += screen.story is not None
        # The story is folded to one line per section until opened.
        if screen.story is not None:
            rest = page.lines(screen.middle()[:-1], width)
            assert page.length == len(rest) + 1 + len(screen.story.parts)
    assert stories >= 10


@pytest.mark.parametrize("width, height", [(80, 24), (100, 32)])
def test_an_opened_story_can_be_paged_through_to_its_end(ws, width, height):
    screen = next(s for s in _main_deck_screens(ws) if s.story is not None)
    assert screen.story is not None
    screen.story.opened = True
    console = Console(width=width, height=height, color_system=None)
    page = Page(console)
    whole = [_plain(x) for x in page.lines(screen.middle(), width)]
    seen: list[str] = []
    page.layout(screen.top(0), screen.middle(), screen.bottom(), width, height)
    head = len(page.lines(screen.top(0), width))
    for _ in range(100):
        lines = page.layout(screen.top(0), screen.middle(), screen.bottom(), width, height)
        body = [_plain(x) for x in lines[head : head + page.room]]
        seen[page.offset :] = body
        if page.offset + page.room >= page.length:
            break
        page.move(" ")
    assert seen == whole  # every line of the answer, keywords and story was shown
    assert any("Result" in line for line in whole)
    page.move("pgup")
    assert page.offset < len(whole) - page.room  # and PgUp goes back


def test_the_header_counts_done_and_left_and_takes_one_more_item(empty_ws):
    (empty_ws / "decks" / "a.yaml").write_text(
        "deck: a\ncards:\n" + "".join(f"  - id: c{i}\n    q: q{i}\n" for i in range(3)),
        encoding="utf-8",
    )
    w = find(str(empty_ws))
    store = Store(w.db_path)
    clock = FakeClock(T0)
    sync(store, w, clock)
    s = DrillSession(store=store, scheduler=Scheduler(fuzz=False), clock=clock)
    shown = s.next()
    assert shown is not None
    texts = [t.plain for t in header_items(s, shown, 65)]
    assert texts == ["prep drill", "0 done · 3 left", "01:05"]
    s.reveal()
    s.grade(4)  # Easy: days away, gone from today
    shown = s.next()
    assert shown is not None
    assert [t.plain for t in header_items(s, shown, 0)][1] == "1 done · 2 left"
    s.reveal()
    s.grade(1)  # Again: back in a minute, so still left
    shown = s.next()
    assert shown is not None
    assert [t.plain for t in header_items(s, shown, 0)][1] == "2 done · 2 left"


def test_ticked_keywords_suggest_a_grade_and_are_saved_with_the_review(empty_ws):
    assert [suggest(set(range(1, k + 1)), 6) for k in (0, 1, 2, 3, 4, 5, 6)] == [
        1, 1, 2, 2, 3, 3, 4,
    ]  # fmt: skip
    assert suggest(set(), 0) is None
    (empty_ws / "decks" / "a.yaml").write_text(
        "deck: a\ncards:\n  - id: k\n    q: q\n    keywords: [a, b, c]\n", encoding="utf-8"
    )
    w = find(str(empty_ws))
    store = Store(w.db_path)
    sync(store, w, FakeClock(T0))
    s = DrillSession(store=store, scheduler=Scheduler(fuzz=False), clock=FakeClock(T0))
    assert s.next() is not None
    graded = s.grade(3, covered=([1, 3], 3))
    row = store.conn.execute(
        "SELECT covered, total FROM review_keywords WHERE uuid = ?", (graded.review.uuid,)
    ).fetchone()
    assert row == ("[1, 3]", 3)


# --- suspend and bury ----------------------------------------------------------------
def _three(root: Path) -> None:
    (root / "decks" / "a.yaml").write_text(
        "deck: a\ncards:\n" + "".join(f"  - id: c{i}\n    q: question {i}\n" for i in range(3)),
        encoding="utf-8",
    )


def _ids(out: str) -> list[str]:
    return [line.split()[1] for line in out.splitlines() if line.startswith("✓ ")]


def test_a_suspended_card_stays_out_until_unsuspended(empty_ws, cli):
    _three(empty_ws)
    env = {"PREP_NOW": T0.isoformat()}
    r = cli("-w", str(empty_ws), "drill", input="suspend\n\n3\nq\n", env=env)
    assert r.returncode == 0, r.stderr
    assert "⏸ suspended c0" in r.stdout and _ids(r.stdout) == ["c1"]
    later = {"PREP_NOW": (T0 + timedelta(days=3)).isoformat()}
    status = json.loads(cli("-w", str(empty_ws), "status", "--json", env=later).stdout)
    assert status["new"] == 1  # c2; c0 is suspended
    r = cli("-w", str(empty_ws), "drill", input="\n3\n\n3\nq\n", env=later)
    assert "c0" not in _ids(r.stdout)
    listed = json.loads(cli("-w", str(empty_ws), "cards", "--suspended", "--json").stdout)
    assert [c["id"] for c in listed] == ["c0"] and listed[0]["held"] == "suspended"
    r = cli("-w", str(empty_ws), "cards", "unsuspend", "c0", env=later)
    assert r.returncode == 0 and r.stdout.strip() == "1 card unsuspended"
    r = cli("-w", str(empty_ws), "drill", input="\n3\nq\n", env=later)
    assert _ids(r.stdout) == ["c0"]


def test_suspension_survives_a_rebuild_from_the_log(empty_ws, cli):
    _three(empty_ws)
    assert cli("-w", str(empty_ws), "cards", "suspend", "c1", "c2").stdout.strip() == (
        "2 cards suspended"
    )
    again = cli("-w", str(empty_ws), "cards", "suspend", "c1")
    assert again.stdout.strip() == "0 cards suspended (1 already suspended)"
    w = find(str(empty_ws))
    store = Store(w.db_path)
    store.rebuild(Scheduler(fuzz=False))
    assert store.holds(T0) == {"c1": "suspended", "c2": "suspended"}
    bad = cli("-w", str(empty_ws), "cards", "suspend", "nope")
    assert bad.returncode == 1 and bad.stderr.startswith("Error: no card 'nope'")


def test_a_suspended_card_stays_suspended_when_its_question_is_edited(empty_ws, cli):
    deck = empty_ws / "decks" / "a.yaml"
    deck.write_text("deck: a\ncards:\n  - q: the old wording of a question\n", encoding="utf-8")
    (card,) = json.loads(cli("-w", str(empty_ws), "cards", "--json").stdout)
    assert cli("-w", str(empty_ws), "cards", "suspend", card["id"]).returncode == 0
    deck.write_text("deck: a\ncards:\n  - q: the new wording of a question\n", encoding="utf-8")
    (moved,) = json.loads(cli("-w", str(empty_ws), "cards", "--json").stdout)
    assert moved["id"] != card["id"] and moved["held"] == "suspended"
    # The old id still names it.
    r = cli("-w", str(empty_ws), "cards", "unsuspend", card["id"])
    assert r.stdout.strip() == "1 card unsuspended"


def test_a_buried_card_comes_back_the_next_study_day(empty_ws, cli):
    _three(empty_ws)  # the study day starts at 04:00 (empty_ws), TZ is UTC
    env = {"PREP_NOW": T0.isoformat()}  # 09:00
    r = cli("-w", str(empty_ws), "drill", input="bury\nq\n", env=env)
    assert "⤓ buried c0 until tomorrow" in r.stdout
    evening = {"PREP_NOW": (T0 + timedelta(hours=18)).isoformat()}  # 03:00 next morning
    r = cli("-w", str(empty_ws), "drill", input="\n3\nq\n", env=evening)
    assert _ids(r.stdout) == ["c1"]
    morning = {"PREP_NOW": (T0 + timedelta(hours=19, minutes=1)).isoformat()}  # 04:01
    r = cli("-w", str(empty_ws), "drill", input="\n3\n\n3\nq\n", env=morning)
    assert _ids(r.stdout) == ["c1", "c0"]  # c1's learning step is due first


# --- edit ------------------------------------------------------------------------------
def test_edit_opens_the_deck_at_the_card_and_shows_the_edited_card(empty_ws, tmp_path, monkeypatch):
    (empty_ws / "decks" / "a.yaml").write_text(
        "deck: a\ncards:\n  - q: first question\n  - q: the old wording of a question\n",
        encoding="utf-8",
    )
    editor = tmp_path / "editor.py"
    log = tmp_path / "editor.log"
    editor.write_text(
        "import sys, pathlib\n"
        f"pathlib.Path({str(log)!r}).write_text(' '.join(sys.argv[1:]))\n"
        "p = pathlib.Path(sys.argv[2])\n"
        "p.write_text(p.read_text().replace('the old wording', 'the new wording'))\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    monkeypatch.delenv("VISUAL", raising=False)
    from prep.cli.drill import _editor

    w = find(str(empty_ws))
    store = Store(w.db_path)
    sync(store, w, FakeClock(T0))
    old = next(c for c in store.cards() if "old wording" in c.q)
    store.grade(Scheduler(fuzz=False), old.id, 3, T0)  # history to keep
    fresh, said = _editor(w, store)(old)
    assert log.read_text() == f"+{old.line} {empty_ws / 'decks' / 'a.yaml'}"
    assert fresh is not None and fresh.q == "the new wording of a question"
    assert fresh.id != old.id and store.resolve_id(old.id) == fresh.id  # renamed, history kept
    assert len(store.reviews_of(fresh.id)) == 1
    assert "is now" in said


def test_editor_command_lines():
    from prep.editor import editor_argv

    p = Path("/w/decks/a.yaml")
    assert editor_argv(p, 12, {"EDITOR": "vim"}) == ["vim", "+12", "/w/decks/a.yaml"]
    assert editor_argv(p, 12, {"EDITOR": "code --wait"}) == [
        "code", "--wait", "--goto", "/w/decks/a.yaml:12",
    ]  # fmt: skip
    assert editor_argv(p, 3, {"VISUAL": "nano", "EDITOR": "vim"})[0] == "nano"
    assert editor_argv(p, None, {}) == ["vi", "/w/decks/a.yaml"]


# --- prep cards ------------------------------------------------------------------------
def test_cards_lists_state_and_filters(ws, cli):
    env = {"PREP_NOW": T0.isoformat()}
    assert cli("-w", str(ws), "drill", input="\n1\n\n4\nq\n", env=env).returncode == 0
    everything = json.loads(cli("-w", str(ws), "cards", "--json", env=env).stdout)
    db = sqlite3.connect(ws / ".prep" / "prep.db")
    assert (
        len(everything) == db.execute("SELECT COUNT(*) FROM cards WHERE active = 1").fetchone()[0]
    )
    studied = [c for c in everything if c["state"] != "new"]
    assert len(studied) == 2
    again = next(c for c in studied if c["state"] == "learning")
    assert again["reps"] == 1 and again["due"] and 0 < again["retrievability"] <= 1
    assert again["file"].startswith("decks/datavent-backend.yaml:")
    later = {"PREP_NOW": (T0 + timedelta(minutes=5)).isoformat()}
    due = json.loads(cli("-w", str(ws), "cards", "--due", "--json", env=later).stdout)
    assert [c["id"] for c in due] == [again["id"]]
    concepts = json.loads(cli("-w", str(ws), "cards", "--deck", "concepts", "--json").stdout)
    assert concepts and all(c["deck"] == "concepts" for c in concepts)
    found = json.loads(cli("-w", str(ws), "cards", "redis", "cache", "--json").stdout)
    assert found and all("redis" in (c["q"] + c["id"] + c["topic"]).lower() for c in found)
    assert json.loads(cli("-w", str(ws), "cards", "--leeches", "--json").stdout) == []
    bad = cli("-w", str(ws), "cards", "--deck", "nope")
    assert bad.returncode == 1 and bad.stderr.startswith("Error: no deck 'nope'")


@pytest.mark.parametrize("columns", [60, 90, 140])
def test_cards_table_fits_the_width(ws, cli, columns):
    r = cli("-w", str(ws), "cards", "fastapi", env={"COLUMNS": str(columns)})
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    console = Console(width=500)
    assert all(console.measure(line).maximum <= columns for line in lines), lines[:3]
    assert lines[-1].endswith("cards") or "cards," in lines[-1]


# --- in a real terminal ----------------------------------------------------------------
def _tmux() -> str | None:
    return shutil.which("tmux")


def _wait_for(name: str, text: str, timeout: float = 30) -> str:
    end = time.monotonic() + timeout
    while True:
        screen = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", name], capture_output=True, text=True
        ).stdout
        if text in screen or time.monotonic() > end:
            return screen
        time.sleep(0.1)


@pytest.mark.skipif(_tmux() is None, reason="needs tmux")
@pytest.mark.parametrize("width, height", [(80, 24), (100, 32)])
def test_in_tmux_each_card_keeps_its_question_and_grades_after_the_reveal(
    ws, width, height, tmp_path
):
    name = f"prep-test-{os.getpid()}-{width}"
    env = f"PREP_NO_FUZZ=1 NO_COLOR=1 HOME={tmp_path} TZ=UTC PREP_NOW={T0.isoformat()}"
    cmd = f"cd {ws} && env {env} {sys.executable} -m prep drill --deck datavent-backend"
    subprocess.run(["tmux", "new", "-d", "-s", name, "-x", str(width), "-y", str(height), cmd])
    try:
        w = find(str(ws))
        seen = 0
        for _ in range(5):
            screen = _wait_for(name, "[space/enter] reveal")
            assert "[space/enter] reveal" in screen, screen
            question = next(line for line in screen.splitlines() if line.startswith("│ "))
            subprocess.run(["tmux", "send-keys", "-t", name, " "])
            screen = _wait_for(name, "Again")
            lines = screen.rstrip("\n").splitlines()
            assert question in lines, screen
            assert any("Again" in line and "Easy" in line for line in lines[-3:]), screen
            assert len(lines) <= height
            if "[s] open story" in screen:  # open the story and page to its end
                subprocess.run(["tmux", "send-keys", "-t", name, "s"])
                screen = _wait_for(name, "[s] close story")
                for _ in range(40):
                    if "space/PgDn more" not in screen:
                        break
                    subprocess.run(["tmux", "send-keys", "-t", name, " "])
                    time.sleep(0.2)
                    screen = _wait_for(name, "Again")
                assert (
                    "space/PgDn more" not in screen and "Result" in screen or ("Learned" in screen)
                ), screen
                assert question in screen.splitlines()
            if seen == 1:  # a resize lays the screen out again
                subprocess.run(["tmux", "resize-window", "-t", name, "-x", "70", "-y", "22"])
                screen = _wait_for(name, "zz-never", timeout=1.5)
                lines = screen.rstrip("\n").splitlines()
                assert any("Again" in line for line in lines[-4:]), screen
                assert all(len(line) <= 70 for line in lines)
                subprocess.run(
                    ["tmux", "resize-window", "-t", name, "-x", str(width), "-y", str(height)]
                )
            subprocess.run(["tmux", "send-keys", "-t", name, "3"])
            seen += 1
            _wait_for(name, f"{seen} done")
        subprocess.run(["tmux", "send-keys", "-t", name, "q"])
        store = Store(w.db_path)
        assert store.conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 5
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


# --- help and small words ---------------------------------------------------------------
@pytest.mark.parametrize("columns", ["60", "200"])
@pytest.mark.parametrize("group", [(), ("deck",), ("answer",), ("log",), ("mock",)])
def test_help_lists_every_description_whole(cli, columns, group):
    r = cli(*group, "--help", env={"COLUMNS": columns})
    assert r.returncode == 0
    commands = r.stdout.split("Commands:")[1]
    assert "..." not in commands, commands


def test_words():
    from prep.words import duration, plural, relative

    assert [plural(n, "day") for n in (0, 1, 2)] == ["0 days", "1 day", "2 days"]
    assert plural(1, "review") == "1 review" and plural(3, "story", "stories") == "3 stories"
    assert [duration(s) for s in (45, 540, 3600, 3900)] == ["45 s", "9 min", "1 h", "1 h 5 min"]
    assert relative(86400) == "in 1 day" and relative(-2 * 86400) == "2 days ago"
    assert relative(30) == "now" and relative(600) == "in 10 min"


def test_status_says_in_1_day(ws, cli):
    when = (T0 + timedelta(days=1, hours=2)).isoformat()
    r = cli("-w", str(ws), "plan", "--interview", when, env={"PREP_NOW": T0.isoformat()})
    assert r.returncode == 0, r.stderr
    out = cli("-w", str(ws), "status", env={"PREP_NOW": T0.isoformat()}).stdout
    assert "(in 1 day)" in out


@pytest.mark.parametrize("columns", [60, 100])
def test_mock_summary_and_history_fit_the_width_without_cut_headers(ws, cli, columns):
    env = {"COLUMNS": str(columns), "PREP_NOW": T0.isoformat()}
    r = cli("-w", str(ws), "mock", "--count", "2", "--seed", "2", input="\n1\n3\n\n\n4\n", env=env)
    assert r.returncode == 0, r.stderr
    history = cli("-w", str(ws), "mock", "history", env=env).stdout
    console = Console(width=500)
    for out, first in ((r.stdout, "#"), (history, "started")):
        lines = out.splitlines()
        assert all(console.measure(line).maximum <= columns for line in lines), out
        head = next(line for line in lines if line.lstrip().startswith(first))
        assert "…" not in head  # a column is dropped rather than its name cut
    assert "answered of 2" in r.stdout and "mean grade" in r.stdout


def test_escape_sequences_pressed_together_are_each_read():
    from prep.ui.keys import escape_name, split_escape

    assert split_escape("[B\x1b[B") == ("down", 2)
    assert split_escape("[6~j") == ("pgdn", 3)
    assert split_escape("") == ("esc", 0)
    assert split_escape("[99~\x1b[A") == ("", 4)  # unknown: skipped, the next one kept
    assert escape_name("[5~") == "pgup" and escape_name("[5~x") == "" and escape_name("") == "esc"
