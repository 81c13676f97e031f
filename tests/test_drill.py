"""The drill engine with a fake clock, and the drill as a user scripts it."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

from conftest import T0

from prep.clock import FakeClock
from prep.drill import DrillSession
from prep.schedule import REVIEW, Scheduler
from prep.store import Filters, Store
from prep.sync import sync
from prep.workspace import find


def _session(root: Path, clock: FakeClock, **kw) -> DrillSession:
    w = find(str(root))
    store = Store(w.db_path)
    sync(store, w, clock)
    return DrillSession(store=store, scheduler=Scheduler(fuzz=False), clock=clock, **kw)


def _deck(root: Path, n: int, kind: str = "technical") -> None:
    cards = "".join(
        f"  - id: c{i}\n    q: question {i}\n    a: answer {i}\n    kind: {kind}\n"
        for i in range(n)
    )
    (root / "decks" / "a.yaml").write_text(f"deck: a\ncards:\n{cards}", encoding="utf-8")


def test_new_cards_respect_the_daily_limit(empty_ws):
    _deck(empty_ws, 8)  # new_per_day is 5 in empty_ws
    s = _session(empty_ws, FakeClock(T0))
    assert s.queue == ["c0", "c1", "c2", "c3", "c4"]


def test_again_comes_back_in_the_same_session(empty_ws):
    _deck(empty_ws, 2)
    clock = FakeClock(T0)
    s = _session(empty_ws, clock, new_limit=2)
    shown = []
    card = s.next()
    while card is not None and len(shown) < 10:
        shown.append(card.card.id)
        s.reveal()
        s.grade(1 if len(shown) == 1 else 4)
        clock.advance(30)
        card = s.next()
    # c0 failed first, so it returns after c1 (learn-ahead when nothing else is left)
    assert shown == ["c0", "c1", "c0"]
    assert s.summary.reviewed == 3 and s.summary.again == 1


def test_undo_restores_state_exactly_and_reshows_the_card(empty_ws):
    _deck(empty_ws, 3)
    clock = FakeClock(T0)
    s = _session(empty_ws, clock)
    first = s.next()
    s.grade(4)
    clock.advance(5)
    assert s.next().card.id == "c1"
    before = s.store.state("c1")
    s.grade(3)
    assert s.store.state("c1") != before
    assert s.undo() == "c1"
    assert s.store.state("c1") == before
    assert s.store.state("c1") == s.scheduler.replay("c1", s.store.reviews_of("c1"))
    assert s.next().card.id == "c1"
    assert first.card.id == "c0" and s.store.state("c0").state == REVIEW


def test_daily_review_limit_and_day_boundary(empty_ws):
    (empty_ws / "prep.yaml").write_text(
        "settings: {new_per_day: 3, max_reviews_per_day: 2, day_starts_at: 4}\n", encoding="utf-8"
    )
    _deck(empty_ws, 3)
    clock = FakeClock(T0)
    s = _session(empty_ws, clock)
    for _ in range(3):
        s.next()
        s.grade(4)
    # Next day, all three are due, but only two reviews are allowed
    clock.advance(86400 * 30)
    s2 = DrillSession(store=s.store, scheduler=s.scheduler, clock=clock)
    assert len(s2.queue) == 2
    # 03:59 local is still "yesterday" when the day starts at 04:00
    late = FakeClock(T0.replace(hour=3, minute=59) + timedelta(days=31))
    s3 = DrillSession(store=s.store, scheduler=s.scheduler, clock=late)
    assert len(s3.queue) == 2


def test_filters_pick_only_matching_cards(ws):
    culture = Filters(kinds=("behavioral",), topics=("행동·문화 적합성",))
    s = _session(ws, FakeClock(T0), new_limit=100, filters=culture)
    assert s.queue == ["prioritization-fast-change", "team-conflict"]
    s = _session(ws, FakeClock(T0), new_limit=100, filters=Filters(topics=("AWS & IaC",)))
    assert s.queue[:2] == ["cfn-modularization", "ec2-autoscaling-s3-lifecycle"]


def test_cram_logs_without_moving_the_schedule(empty_ws):
    _deck(empty_ws, 3)
    clock = FakeClock(T0)
    s = _session(empty_ws, clock)
    s.next()
    s.grade(4)
    state = s.store.state("c0")
    cram = DrillSession(store=s.store, scheduler=s.scheduler, clock=clock, cram=True)
    assert set(cram.queue) == {"c0", "c1", "c2"}
    assert cram.queue[-1] == "c0"  # the strongest card last
    while cram.next() is not None:
        cram.grade(1)
    assert s.store.state("c0") == state
    assert s.store.state("c1").reps == 0
    sources = {
        r[0]
        for r in s.store.conn.execute("SELECT source FROM reviews WHERE session = ?", (cram.id,))
    }
    assert sources == {"cram"}


def test_scripted_drill_then_status_then_undo(ws, cli):
    r = cli("-w", str(ws), "drill", input="\n3\n\n3\nq\n")
    assert r.returncode == 0, r.stderr
    acks = [line for line in r.stdout.splitlines() if line.startswith("✓ ")]
    assert len(acks) == 2 and all(" Good · next in 10m" in a for a in acks)
    assert "Reviewed 2" in r.stdout
    # Quit with cards left: the 8 new not graded (the 2 Goods come back in 10 minutes, later).
    assert r.stdout.splitlines()[-1].endswith(
        " · 8 left for today (prep drill goes on) · 2 more after their learning step"
    )
    status = json.loads(cli("-w", str(ws), "status", "--json").stdout)
    assert status["reviewed_today"] == 2
    assert set(status) == {
        "due",
        "new",
        "reviewed_today",
        "streak_days",
        "cards",
        "interview_date",
        "days_left",
        "policy",
        "minutes_per_day",
        "minutes_today",
        "extra_minutes_today",
        "new_from",
    }
    assert status["policy"] == "fsrs"  # no interview date in the example: plain FSRS
    db = ws / ".prep" / "prep.db"
    conn = sqlite3.connect(db)
    graded = conn.execute("SELECT card_id FROM reviews ORDER BY reviewed_at").fetchall()
    conn.close()
    u = cli("-w", str(ws), "undo")
    assert u.returncode == 0 and f"Undid Good on {graded[-1][0]}" in u.stdout
    status = json.loads(cli("-w", str(ws), "status", "--json").stdout)
    assert status["reviewed_today"] == 1
    conn = sqlite3.connect(db)
    assert (
        conn.execute("SELECT COUNT(*) FROM card_state WHERE card_id = ?", graded[-1]).fetchone()[0]
        == 0
    )
    conn.close()


def test_grade_words_and_undo_key_in_line_mode(ws, cli):
    r = cli("-w", str(ws), "drill", input="good\nu\n\neasy\nq\n")
    assert r.returncode == 0, r.stderr
    acks = [line for line in r.stdout.splitlines() if line.startswith("✓ ")]
    assert len(acks) == 2 and "Good" in acks[0] and "Easy" in acks[1]
    assert acks[0].split()[1] == acks[1].split()[1]  # undo brought the same card back
    assert json.loads(cli("-w", str(ws), "status", "--json").stdout)["reviewed_today"] == 1


def test_drill_prints_card_text_literally(empty_ws, cli):
    (empty_ws / "decks" / "a.yaml").write_text(
        'deck: a\ncards:\n  - q: "[bold red]not markup[/] \\e[31mred\\e[0m"\n    a: "[link=http://x]y[/link]"\n',
        encoding="utf-8",
    )
    r = cli("-w", str(empty_ws), "drill", input="\n3\nq\n")
    assert r.returncode == 0, r.stderr
    assert "[bold red]not markup[/]" in r.stdout
    assert "\x1b[31m" not in r.stdout
    assert "[link=http://x]y[/link]" in r.stdout


def test_no_workspace_is_a_clean_error(tmp_path, cli):
    r = cli("status", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.startswith("Error: no prep.yaml in ") and "prep init DIR" in r.stderr
    r = cli("drill", cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr


def test_grade_buttons_preview_the_interval_the_grade_saves(empty_ws):
    # Fuzz is drawn from the review's UUID: the preview must use the UUID the grade is saved with.
    _deck(empty_ws, 20)
    clock = FakeClock(T0)
    w = find(str(empty_ws))
    store = Store(w.db_path)
    sync(store, w, clock)
    scheduler = Scheduler(fuzz=True, day_start=(clock.local_tz(), 4))
    checked = fuzzed = 0
    for day in range(40):
        s = DrillSession(store=store, scheduler=scheduler, clock=clock, new_limit=5)
        shown = s.next()
        while shown is not None:
            s.reveal()
            previews = s.previews(shown)
            rating = (1, 2, 3, 4, 3, 4, 3)[(day + checked) % 7]
            graded = s.grade(rating)
            assert graded.interval == previews[rating], (shown.card.id, day, rating)
            assert graded.review.uuid == store.reviews_of(shown.card.id)[-1].uuid
            checked += 1
            fuzzed += graded.interval >= timedelta(days=3)
            clock.advance(60)
            shown = s.next()
        clock.advance(86400)
    assert checked > 100 and fuzzed > 40, (checked, fuzzed)


def test_left_for_today_is_what_the_next_drill_shows(ws, cli, monkeypatch):
    # Two Again, one Good, then quit: what the summary says is left is the next drill's count.
    r = cli("-w", str(ws), "drill", input="\n1\n\n1\n\n3\nq\n")
    last = r.stdout.splitlines()[-1]
    left = int(last.split(" left for today")[0].split()[-1])
    assert left == 7 and last.endswith(" · 3 more after their learning step")
    heads = [_count(line) for line in r.stdout.splitlines() if line.startswith("prep drill")]
    assert heads[-1] == "3 done · 10 left"  # the header counted the 3 learning steps too
    again = cli("-w", str(ws), "drill", input="q\n")
    head = next(line for line in again.stdout.splitlines() if line.startswith("prep drill"))
    assert _count(head) == f"0 done · {left} left"  # 10 new, 3 shown: their steps wait


def _count(header: str) -> str:
    """The 'N done · M left' part of a drill header line."""
    return header.split("  ·  ")[1]


def test_undo_with_nothing_to_undo_keeps_the_card_on_screen(ws, cli):
    r = cli("-w", str(ws), "drill", input="u\nu\nq\n")
    assert r.returncode == 0, r.stderr
    heads = [_count(line) for line in r.stdout.splitlines() if line.startswith("prep drill")]
    assert heads == ["0 done · 10 left"] * 3
    assert r.stdout.count("nothing to undo in this session") == 2
    # One real undo puts the card back; a second `u` must not drop it from the session.
    r = cli("-w", str(ws), "drill", input="\n3\nu\nu\n\n3\nq\n")
    assert r.returncode == 0, r.stderr
    heads = [_count(line) for line in r.stdout.splitlines() if line.startswith("prep drill")]
    first, second = "0 done · 10 left", "1 done · 10 left"  # the graded card waits 10m, counted
    assert heads == [first, second, first, first, second]
    acks = [line.split()[1] for line in r.stdout.splitlines() if line.startswith("✓ ")]
    assert len(acks) == 2 and acks[0] == acks[1]
    assert "Reviewed 1 " in r.stdout


def test_a_card_graded_in_another_terminal_is_not_asked_again(empty_ws):
    _deck(empty_ws, 3)
    clock = FakeClock(T0)
    one = _session(empty_ws, clock)
    two = DrillSession(store=Store(one.store.path), scheduler=one.scheduler, clock=clock)
    assert one.queue == two.queue == ["c0", "c1", "c2"]
    clock.advance(5)
    assert one.next().card.id == "c0"
    one.grade(3)  # learning, due in 10 minutes
    clock.advance(5)
    assert two.next().card.id == "c1"  # c0 was graded meanwhile and is not due
    two.grade(1)  # Again: due in a minute
    clock.advance(61)
    assert one.next().card.id == "c1"  # graded elsewhere, but due now: asked
    one.grade(3)
    # two's own learning entry for c1 is due, but one graded c1 since: two goes on to c2.
    assert two.next().card.id == "c2"


def test_drill_summary_counts_only_grades_still_in_the_log(empty_ws):
    _deck(empty_ws, 3)
    clock = FakeClock(T0)
    s = _session(empty_ws, clock)
    for _ in range(2):
        s.next()
        clock.advance(7)
        s.grade(1)
    other = Store(s.store.path)  # `prep undo` from another shell
    assert other.undo(s.scheduler) is not None
    summary = s.finish()
    assert summary.reviewed == 1 and summary.again == 1 and summary.seconds == 7


def test_unknown_kind_or_deck_is_an_error_and_unknown_topic_a_note(ws, cli):
    r = cli("-w", str(ws), "drill", "--kind", "bogus", input="q\n")
    assert r.returncode == 2 and r.stdout == ""  # a usage error, as click reports one
    assert r.stderr.strip().endswith(
        "Error: Invalid value for '--kind': 'bogus' is not one of "
        "'technical', 'behavioral', 'concept', 'ask'."
    )
    r = cli("-w", str(ws), "drill", "--deck", "ask", "--deck", "nodeck", input="q\n")
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == "Error: no deck 'nodeck'; decks: ask, concepts, datavent-backend\n"
    r = cli("-w", str(ws), "drill", "--topic", "AWS & Iac", input="q\n")
    assert r.returncode == 0 and "Nothing to drill now." in r.stdout
    assert r.stderr.startswith("note: no card has topic 'AWS & Iac' (did you mean 'AWS & IaC'?)")
    assert "; topics: AWS & IaC, DevOps & 모니터링," in r.stderr and len(r.stderr.splitlines()) == 1
    r = cli("-w", str(ws), "drill", "--tag", "fastapi", "--tag", "nope", input="q\n")
    assert r.returncode == 0 and "prep drill  ·  0 done" in r.stdout  # the known tag still drills
    assert r.stderr.startswith("note: no card has tag 'nope'; tags: analyzer, architecture,")
    r = cli("-w", str(ws), "drill", "--deck", "ask", "--kind", "ask", "--tag", "ask", input="q\n")
    assert r.returncode == 0 and r.stderr == "" and "prep drill  ·  0 done" in r.stdout


def test_unknown_lines_in_line_mode_get_a_hint(ws, cli):
    r = cli("-w", str(ws), "drill", input="xyz\n\n5\n\n3\nq\n")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert (
        lines.count("type an empty line to reveal, 1-4 (or again/hard/good/easy) to grade, u or q")
        == 1
    )
    assert lines.count("type 1, 2, 3 or 4 (or again/hard/good/easy), u or q") == 1
    assert len([line for line in lines if line.startswith("✓ ")]) == 1  # the empty line is no error


def test_ctrl_c_in_the_drill_prints_the_summary_and_exits_130(ws):
    import os
    import signal
    import subprocess
    import sys

    child = subprocess.Popen(
        [sys.executable, "-m", "prep", "-w", str(ws), "drill"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ},
    )  # fmt: skip
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write("\n3\n")
    child.stdin.flush()
    for line in child.stdout:  # blocks until the grade is acknowledged: no sleep needed
        if line.startswith("✓ "):
            break
    child.send_signal(signal.SIGINT)  # the drill now waits for the next line
    out, _ = child.communicate(timeout=60)
    assert child.returncode == 130
    last = out.strip().splitlines()[-1]
    assert last.startswith("Interrupted, saved: Reviewed 1 · again 0% · 0m"), out


def test_the_summary_says_what_is_left_and_never_a_due_time_gone_by(empty_ws):
    _deck(empty_ws, 3)
    clock = FakeClock(T0)
    s = _session(empty_ws, clock, new_limit=3)
    s.next()
    s.reveal()
    s.grade(4)  # Easy: due in days
    s.next()  # the second card on screen, then quit
    early = s.finish()
    assert early.left == 2  # the card on screen and the one after it
    # Three days later the Easy card is due, but this session asks nothing more.
    clock.advance(10 * 86400)
    later = DrillSession(store=s.store, scheduler=s.scheduler, clock=clock, limit=0).finish()
    assert later.left == 0
    assert later.next_due is None or later.next_due > clock.now()


def test_cram_says_that_new_has_no_effect(ws, cli):
    r = cli("-w", str(ws), "drill", "--cram", "--new", "3", input="q\n")
    assert r.returncode == 0, r.stderr
    assert r.stderr.startswith("--new has no effect with --cram")
    assert "--new" not in cli("-w", str(ws), "drill", "--cram", input="q\n").stderr
