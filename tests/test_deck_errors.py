"""Every deck problem is reported as file:line:col, exit 1, no traceback, no database change."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

CASES = {
    "syntax": (
        'deck: a\ncards:\n  - id: x\n    q: "unterminated\n',
        "decks/a.yaml:5:1: error: YAML syntax: found unexpected end of stream "
        "(while scanning a quoted scalar at 4:8)",
    ),
    "wrong-type": (
        "deck: a\ncards:\n  - id: x\n    q: [1, 2]\n",
        "decks/a.yaml:4:8: error: 'q' must be text, not a list",
    ),
    "missing-q": (
        "deck: a\ncards:\n  - id: y\n    a: only an answer\n",
        "decks/a.yaml:3:5: error: missing 'q'",
    ),
    "unknown-key": (
        "deck: a\ncards:\n  - id: z\n    q: ok\n    keyword: [a]\n",
        "decks/a.yaml:5:5: error: unknown card key 'keyword'; did you mean 'keywords'?",
    ),
    "unknown-kind": (
        "deck: a\ncards:\n  - id: z\n    q: ok\n    kind: technicl\n",
        "decks/a.yaml:5:11: error: unknown kind 'technicl' (did you mean 'technical'?); "
        "use one of technical, behavioral, concept, ask",
    ),
    "bad-time": (
        "deck: a\ncards:\n  - q: ok\n    time: soon\n",
        "decks/a.yaml:4:11: error: 'time' must be a duration like 90s, 2m or 1m30s (5s to 60m)",
    ),
    "duplicate-id": (
        "deck: a\ncards:\n  - id: x\n    q: one\n  - id: x\n    q: two\n",
        "decks/a.yaml:5:9: error: duplicate card id 'x' (first at decks/a.yaml:3:9)",
    ),
    "empty-list": ("deck: a\ncards: []\n", "decks/a.yaml:2:8: error: empty deck: no cards"),
    "empty-file": ("", "decks/a.yaml:1:1: error: empty deck: no cards"),
    "not-utf8": (
        b"deck: a\ncards:\n  - q: caf\xe9\n",
        "decks/a.yaml:3:11: error: file is not valid UTF-8",
    ),
    "tab": (
        "deck: a\ncards:\n\t- q: x\n",
        "decks/a.yaml:3:1: error: tab character in indentation; use spaces",
    ),
    "anchor": (
        "deck: a\ncards:\n  - &c1\n    q: x\n  - *c1\n",
        "decks/a.yaml:3:5: error: YAML anchor 'c1' is not allowed in this file",
    ),
    "sql-id": (
        'deck: a\ncards:\n  - id: "x\'; DROP TABLE cards; --"\n    q: hi\n',
        'decks/a.yaml:3:9: error: invalid card id "x\'; DROP TABLE cards; --": '
        "use letters, digits, '.', '_' or '-' (at most 80)",
    ),
    "not-a-mapping": (
        "- q: a\n",
        "decks/a.yaml:1:1: error: a deck must be a mapping with 'cards', not a list",
    ),
}


def _db_fingerprint(db: Path) -> tuple[str, list[str]]:
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    conn = sqlite3.connect(db)
    dump = list(conn.iterdump())
    conn.close()
    return digest, dump


def _write(path: Path, content: str | bytes) -> None:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


@pytest.mark.parametrize("name", sorted(CASES))
def test_deck_check_reports_located_error(name, empty_ws, cli):
    content, expected = CASES[name]
    _write(empty_ws / "decks" / "a.yaml", content)
    r = cli("-w", str(empty_ws), "deck", "check")
    assert r.returncode == 1
    assert expected in r.stderr.splitlines()
    assert "Traceback" not in r.stderr + r.stdout


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_deck_leaves_database_unchanged(name, empty_ws, cli):
    """Study goes on with the deck's last good version; one located line says why."""
    good = "deck: a\ncards:\n  - id: g\n    q: a good card\n"
    _write(empty_ws / "decks" / "a.yaml", good)
    assert cli("-w", str(empty_ws), "drill", input="\n3\nq\n").returncode == 0
    db = empty_ws / ".prep" / "prep.db"
    before = _db_fingerprint(db)
    content, expected = CASES[name]
    _write(empty_ws / "decks" / "a.yaml", content)
    for args, stdin in (
        (("status",), None),
        (("drill",), "\n3\nq\n"),
        (("status", "--json"), None),
    ):
        r = cli("-w", str(empty_ws), *args, input=stdin)
        assert r.returncode == 0, (args, r.stdout, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("decks/a.yaml:"), lines
        assert expected.split(": error: ")[1] in lines[0]
        assert "last good version is studied until it is fixed" in lines[0]
        assert "Traceback" not in r.stderr + r.stdout
    assert cli("-w", str(empty_ws), "deck", "check").returncode == 1
    assert _db_fingerprint(db) == before


def test_a_broken_deck_does_not_stop_the_others(empty_ws, cli):
    _write(empty_ws / "decks" / "a.yaml", "deck: a\ncards:\n  - id: a1\n    q: first\n")
    _write(empty_ws / "decks" / "b.yaml", "deck: b\ncards:\n  - id: b1\n    q: [broken\n")
    r = cli("-w", str(empty_ws), "drill", input="\n3\nq\n")
    assert r.returncode == 0, r.stderr
    assert "✓ a1 Good" in r.stdout
    (line,) = r.stderr.strip().splitlines()
    assert (
        line.startswith("decks/b.yaml:5:1: error: YAML syntax")
        and "this deck is left out until it is fixed" in line
    )
    # Fixed: its card joins, and the warning goes.
    _write(empty_ws / "decks" / "b.yaml", "deck: b\ncards:\n  - id: b1\n    q: mended\n")
    r = cli("-w", str(empty_ws), "drill", input="\n3\nq\n")
    assert "✓ b1 Good" in r.stdout and r.stderr == ""


def test_a_duplicate_id_in_a_new_deck_keeps_the_old_card(empty_ws, cli):
    _write(empty_ws / "decks" / "a.yaml", "deck: a\ncards:\n  - id: same\n    q: one\n")
    assert cli("-w", str(empty_ws), "status").returncode == 0
    _write(empty_ws / "decks" / "b.yaml", "deck: b\ncards:\n  - id: same\n    q: two\n")
    r = cli("-w", str(empty_ws), "drill", input="\n3\nq\n")
    assert r.returncode == 0 and "✓ same Good" in r.stdout
    assert "decks/b.yaml:3:9: error: duplicate card id 'same'" in r.stderr
    conn = sqlite3.connect(empty_ws / ".prep" / "prep.db")
    assert conn.execute("SELECT path FROM cards WHERE id = 'same'").fetchone() == ("decks/a.yaml",)
    conn.close()


def test_duplicate_across_decks_names_both_places(empty_ws, cli):
    _write(empty_ws / "decks" / "a.yaml", "deck: a\ncards:\n  - id: same\n    q: one\n")
    _write(
        empty_ws / "decks" / "b.yaml", "deck: b\ncards:\n  - q: two\n  - id: same\n    q: three\n"
    )
    r = cli("-w", str(empty_ws), "deck", "check")
    assert r.returncode == 1
    assert (
        "decks/b.yaml:4:9: error: duplicate card id 'same' (first at decks/a.yaml:3:9)" in r.stderr
    )


def test_oversized_file_is_refused(empty_ws, cli):
    (empty_ws / "decks" / "a.yaml").write_text("deck: a\ncards:\n  - q: " + "x" * 9_000_000 + "\n")
    r = cli("-w", str(empty_ws), "deck", "check")
    assert r.returncode == 1
    assert "decks/a.yaml:1:1: error: file is 9,000,023 bytes; the limit is 8,388,608" in r.stderr


def test_check_reports_every_problem_not_just_the_first(empty_ws, cli):
    _write(
        empty_ws / "decks" / "a.yaml",
        "deck: a\ncards:\n  - id: x\n    q: [1]\n  - a: no question\n  - q: fine\n    tagz: [a]\n",
    )
    r = cli("-w", str(empty_ws), "deck", "check")
    errors = [line for line in r.stderr.splitlines() if ": error: " in line]
    assert [e.split(": error:")[0] for e in errors] == [
        "decks/a.yaml:4:8",
        "decks/a.yaml:5:5",
        "decks/a.yaml:7:5",
    ]
    assert "3 error(s) in 1 file(s)" in r.stderr


def test_tags_and_keywords_as_text_are_read_as_a_list(empty_ws, cli):
    from prep.decks import load_all

    _write(
        empty_ws / "decks" / "a.yaml",
        "deck: a\ncards:\n  - {id: t, q: one tag, a: x, tags: solo}\n"
        "  - id: k\n    q: two keywords\n    a: x\n    keywords: one, two\n",
    )
    assert cli("-w", str(empty_ws), "deck", "check").returncode == 0
    decks, problems = load_all(empty_ws)
    cards = {c.id: c for d in decks for c in d.cards}
    assert problems == []
    assert cards["t"].tags == ["solo"] and cards["k"].keywords == ["one", "two"]


def test_a_card_without_an_answer_is_a_located_warning(empty_ws, cli):
    _write(
        empty_ws / "decks" / "a.yaml",
        "deck: a\ncards:\n  - id: noanswer\n    q: Question without answer\n"
        '  - q: empty answer\n    a: ""\n  - q: fine\n    a: an answer\n'
        "  - q: What do you like about working here?\n    kind: ask\n"
        "  - q: Tell me about a conflict\n    kind: behavioral\n    story: s1\n",
    )
    (empty_ws / "answers").mkdir(exist_ok=True)
    (empty_ws / "answers" / "s1.md.j2").write_text("---\nid: s1\ntitle: t\n---\n", "utf-8")
    r = cli("-w", str(empty_ws), "deck", "check")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "ok: 1 deck(s), 5 card(s)\n"  # the story is the behavioral card's answer
    assert r.stderr.splitlines() == [
        "decks/a.yaml:3:9: warning: card 'noanswer' has no answer ('a')",
        "decks/a.yaml:5:5: warning: card 'q-e93f42d450' has no answer ('a')",
    ]


def test_example_workspace_decks_are_clean(cli):
    from conftest import ROOT

    r = cli("-w", str(ROOT), "deck", "check")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("ok: 3 deck(s)")
    assert "warning" not in r.stderr
