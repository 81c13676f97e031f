"""Times are checked against the range prep supports wherever they come in (log files,
prep.yaml, PREP_NOW, dates on the command line) and stored with a four-digit year; the review
log's JSON lines end at a newline only, whatever a card id or session holds."""

from __future__ import annotations

import json
import uuid as uuidlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import T0

from prep import logsync
from prep.clock import MAX_TIME, MIN_TIME, iso, parse_iso, parse_when
from prep.errors import PrepError
from prep.schedule import Scheduler
from prep.store import Store

UTC = timezone.utc
NOW = {"PREP_NOW": "2026-11-26T09:00:00Z"}
SEPARATORS = ["\u2028", "\u2029", "\x85", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e"]


def _store(path: Path) -> Store:
    store = Store(path)
    store._first_write_done = True
    return store


def _one_error_line(r) -> str:
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), r.stderr
    return lines[0]


def _meta_interview(ws: Path) -> object:
    import sqlite3

    with sqlite3.connect(ws / ".prep" / "prep.db") as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = 'interview_override'").fetchone()
    return row[0] if row else None


def _line(**fields) -> str:
    base = {
        "uuid": str(uuidlib.uuid4()), "card_id": "c", "rating": 3,
        "reviewed_at": "2026-11-25T09:00:00Z",
    }  # fmt: skip
    base.update(fields)
    return json.dumps(base, ensure_ascii=False)


# --- D12: line separators inside JSON strings ---------------------------------------------
@pytest.mark.parametrize("sep", SEPARATORS)
def test_an_export_with_a_line_separator_in_an_id_or_session_imports_again(tmp_path, sep):
    store, sched = _store(tmp_path / "a.db"), Scheduler(fuzz=False)
    card = f"card{sep}one"
    store.grade(sched, card, 3, T0, session=f"s{sep}1")
    store.grade(sched, "plain", 4, T0 + timedelta(minutes=1))
    store.undo(sched, at=T0 + timedelta(minutes=2))  # an undone line follows the reviews
    out = tmp_path / "log.jsonl"
    logsync.export(store, out)
    assert out.read_text(encoding="utf-8").count("\n") == 2  # one line per entry, no more
    entries = logsync.read(out, now=T0)
    assert [e.card_id for e in entries] == [card, "plain"]

    other = _store(tmp_path / "b.db")
    result = logsync.import_(other, sched, entries)
    assert isinstance(entries[1], logsync.Undo) and result.added == 1
    assert other.conn.execute("SELECT card_id FROM undone").fetchall() == [("plain",)]
    assert [r.card_id for r in other.reviews_of(card)] == [card]


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\x85"])
def test_a_raw_line_separator_inside_a_json_string_is_not_a_line_end(tmp_path, sep):
    """Another tool may write U+2028 unescaped (JSON allows it): the line is still one line."""
    path = tmp_path / "log.jsonl"
    path.write_text(_line(card_id=f"a{sep}b", session=f"x{sep}") + "\r\n" + _line() + "\n")
    entries = logsync.read(path, now=T0)
    assert [e.card_id for e in entries] == [f"a{sep}b", "c"]


def test_a_bad_line_is_named_by_its_newline_count(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text(_line(card_id="a\u2028b") + "\n" + "{oops\n")
    with pytest.raises(PrepError, match=r"log\.jsonl:2: not JSON"):
        logsync.read(path, now=T0)


# --- D12: four-digit years ---------------------------------------------------------------------
@pytest.mark.parametrize("year", [1, 9, 99, 999, 1000, 2026, 9999])
def test_stored_times_always_have_a_four_digit_year(year):
    text = iso(datetime(year, 3, 4, 5, 6, 7, 89, tzinfo=UTC))
    assert text == f"{year:04d}-03-04T05:06:07.000089Z"
    assert parse_iso(text) == datetime(year, 3, 4, 5, 6, 7, 89, tzinfo=UTC)


def test_stored_times_sort_as_times_across_the_supported_range():
    times = [MIN_TIME, T0, MAX_TIME - timedelta(microseconds=1), MIN_TIME + timedelta(days=400)]
    assert sorted(iso(t) for t in times) == [iso(t) for t in sorted(times)]


# --- D12/D18: log lines out of range -------------------------------------------------------------
@pytest.mark.parametrize(
    "fields",
    [
        {"reviewed_at": "0001-01-01T00:00:00Z"},
        {"reviewed_at": "0001-01-01T00:00:00+14:00"},
        {"reviewed_at": "9999-12-31T23:59:59-12:00"},
        {"reviewed_at": "1969-12-31T23:59:59Z"},
    ],
)
def test_a_review_outside_the_range_is_a_bad_line(tmp_path, fields):
    path = tmp_path / "log.jsonl"
    path.write_text(_line() + "\n" + _line(**fields) + "\n")
    with pytest.raises(PrepError, match=r"log\.jsonl:2: .*(outside the range|ISO time)"):
        logsync.read(path)


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59-12:00"])
def test_an_undo_date_outside_the_range_is_a_bad_line(tmp_path, at):
    path = tmp_path / "log.jsonl"
    line = {"undone": str(uuidlib.uuid4()), "card_id": "c", "undone_at": at}
    path.write_text(json.dumps(line) + "\n")
    with pytest.raises(PrepError, match=r"log\.jsonl:1: .*undone_at"):
        logsync.read(path)


def test_log_import_of_year_one_reviews_is_one_error_and_imports_nothing(ws, cli, tmp_path):
    path = tmp_path / "old.jsonl"
    path.write_text(_line(reviewed_at="0001-01-01T00:00:00Z") + "\n")
    line = _one_error_line(cli("-w", str(ws), "log", "import", str(path), env=NOW))
    assert "old.jsonl:1" in line and "outside the range" in line
    assert cli("-w", str(ws), "stats", "--json", env=NOW).returncode == 0


# --- D18: PREP_NOW, prep.yaml and command-line dates ----------------------------------------------
@pytest.mark.parametrize(
    "value",
    [
        "0001-01-02T00:00:00Z",
        "9999-12-30T00:00:00Z",
        "9999-12-31T23:59:59-12:00",
        "0001-01-01T00:00:00+14:00",
        "1900-01-01T00:00:00Z",
    ],
)
@pytest.mark.parametrize("args", [["status"], ["drill"], ["stats"]])
def test_prep_now_outside_the_range_is_one_error(ws, cli, value, args):
    line = _one_error_line(cli("-w", str(ws), *args, input="q\n", env={"PREP_NOW": value}))
    assert "PREP_NOW" in line


def test_a_grade_at_the_edges_of_the_range_is_stored_and_read_back(ws, cli):
    for now in ("1970-01-02T00:00:00Z", "8999-01-01T00:00:00Z"):
        env = {"PREP_NOW": now}
        r = cli("-w", str(ws), "drill", input="\n3\nq\n", env=env)
        assert r.returncode == 0, r.stderr
        for args in (["status"], ["stats"], ["doctor"], ["cheatsheet", "-o", str(ws / "c.md")]):
            ok = cli("-w", str(ws), *args, env=env)
            assert ok.returncode == 0 and "Traceback" not in ok.stderr, (args, ok.stderr)


@pytest.mark.parametrize(
    "value",
    [
        '"9999-12-31T23:59:59-12:00"',
        '"0001-01-01T00:00:00+14:00"',
        '"0001-01-01T00:00:00"',
        "9999-12-31",
        "1960-05-05T10:00:00+09:00",
    ],
)
def test_an_interview_date_outside_the_range_is_one_error_naming_the_line(ws, cli, value):
    profile = ws / "prep.yaml"
    text = profile.read_text(encoding="utf-8")
    if "\ninterview:" in text:
        import re

        text = re.sub(r"\ninterview:\n(  .*\n)*", "\n", text)
    profile.write_text(text + f"\ninterview:\n  date: {value}\n", encoding="utf-8")
    n = profile.read_text(encoding="utf-8").splitlines().index(f"  date: {value}") + 1
    for args in (["status"], ["plan"], ["drill"]):
        line = _one_error_line(cli("-w", str(ws), *args, input="q\n", env=NOW))
        assert f"prep.yaml:{n}" in line and "interview.date" in line, line


@pytest.mark.parametrize(
    "text", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "0001-01-01"]
)
def test_a_date_on_the_command_line_outside_the_range_is_refused(text):
    with pytest.raises(PrepError, match="outside the range"):
        parse_when(text, UTC)


def test_plan_interview_outside_the_range_is_one_error(ws, cli):
    # A bad option value is a usage error (exit 2, as click reports its own), one line.
    r = cli("-w", str(ws), "plan", "--interview", "9999-12-31", env=NOW)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert "outside the range prep supports (1970-01-01 to 8999-12-31)" in r.stderr
    db = ws / ".prep" / "prep.db"
    assert not db.exists() or _meta_interview(ws) is None  # nothing was stored


# --- D12: a database that already holds such a time (written by an older prep) -------------
def test_a_stored_year_without_zeros_is_one_error_pointing_to_doctor_which_takes_it_out(ws, cli):
    import sqlite3

    assert cli("-w", str(ws), "drill", input="\n3\n\n3\nq\n", env=NOW).returncode == 0
    db = ws / ".prep" / "prep.db"
    with sqlite3.connect(db) as conn:  # what an older prep stored for PREP_NOW=0001-01-02
        card = conn.execute("SELECT card_id FROM reviews ORDER BY reviewed_at LIMIT 1").fetchone()[
            0
        ]
        conn.execute(
            "UPDATE reviews SET reviewed_at = '1-01-02T00:00:00.000000Z' WHERE card_id = ?", (card,)
        )
        conn.execute(
            "UPDATE card_state SET last_review = '1-01-02T00:00:00.000000Z' WHERE card_id = ?",
            (card,),
        )
        conn.execute(
            "INSERT INTO undone VALUES ('3b241101-e2bb-4255-8caf-4136c566a962', 'x', "
            "'1-01-01T00:00:00.000000Z')"
        )
    for args in (["stats"], ["cheatsheet", "-o", str(ws / "c.md")]):
        line = _one_error_line(cli("-w", str(ws), *args, env=NOW))
        assert "prep doctor" in line, (args, line)
    drill = cli("-w", str(ws), "drill", input="q\n", env=NOW)
    assert "Traceback" not in drill.stderr
    dry = cli("-w", str(ws), "doctor", "--dry-run", env=NOW)
    assert dry.returncode == 0, dry.stderr
    assert "1 review(s) dated outside 1970-01-01 to 8999-12-31 to take out" in dry.stdout
    r = cli("-w", str(ws), "doctor", env=NOW)
    assert r.returncode == 0, r.stderr
    assert "taken out, as undone" in r.stdout
    for args in (["stats"], ["status"], ["doctor"], ["cheatsheet", "-o", str(ws / "c.md")]):
        ok = cli("-w", str(ws), *args, env=NOW)
        assert ok.returncode == 0, (args, ok.stderr)
    assert "card state   ok" in cli("-w", str(ws), "doctor", env=NOW).stdout
    out = ws / "log.jsonl"
    assert cli("-w", str(ws), "log", "export", str(out), env=NOW).returncode == 0
    assert len(logsync.read(out, now=T0 + timedelta(days=1))) == 3  # 1 review, 2 undone lines
