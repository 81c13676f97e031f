"""Deck files: sync and `deck check` read the same ones (a hidden `.yaml` is neither's deck),
and two `deck import` runs into one deck are serialised by a lock file, so no import's cards
are lost while both say "Wrote"."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from prep import filelock
from prep.cli.app import app
from prep.decks import deck_files, parse_deck
from prep.errors import PrepError
from prep.store import Store
from prep.sync import fingerprint, sync
from prep.workspace import PROFILE, find

NOW = {"PREP_NOW": "2026-11-26T09:00:00Z"}
HIDDEN = 'deck: hidden\ncards:\n  - {q: A question in a hidden file?, a: "yes"}\n'


# --- D22: the same deck files for sync and deck check --------------------------------------
NAMES = ["a.yaml", "b.yml", ".yaml", ".yml", ".c.yaml", "d.YAML", "e.yaml.tmp", ".e.yaml.tmp"]


def test_sync_and_deck_check_read_the_same_files(empty_ws):
    decks = empty_ws / "decks"
    for name in NAMES:
        (decks / name).write_text(f"deck: x{abs(hash(name))}\ncards: []\n", encoding="utf-8")
    (decks / "dir.yaml").mkdir()
    ws = find(str(empty_ws), None)
    synced = {k.removeprefix("decks/") for k in fingerprint(ws) if k != PROFILE}
    checked = {p.name for p in deck_files(empty_ws)}
    assert synced == checked == {"a.yaml", "b.yml"}


def test_a_hidden_yaml_is_not_drilled_and_deck_check_says_so(ws, cli):
    (ws / "decks" / ".yaml").write_text(HIDDEN, encoding="utf-8")
    before = cli("-w", str(ws), "status", "--json", env=NOW)
    assert before.returncode == 0, before.stderr
    store = Store(ws / ".prep" / "prep.db")
    assert store.conn.execute(
        "SELECT COUNT(*) FROM cards WHERE q LIKE '%hidden file%'"
    ).fetchone() == (0,)
    check = cli("-w", str(ws), "deck", "check")
    assert check.returncode == 0
    assert "decks/.yaml: warning: a hidden file is not read as a deck" in check.stderr
    n_check = int(check.stdout.split(", ")[1].split()[0])
    import json

    assert json.loads(before.stdout)["cards"] == n_check  # both count the same cards


def test_sync_drops_a_hidden_deck_it_read_before(empty_ws, monkeypatch):
    """A `.yaml` an older prep drilled: its cards leave their deck (history kept)."""
    import prep.sync

    decks = empty_ws / "decks"
    (decks / "a.yaml").write_text('cards:\n  - {q: Visible?, a: "yes"}\n', encoding="utf-8")
    (decks / ".yaml").write_text(HIDDEN, encoding="utf-8")
    ws = find(str(empty_ws), None)
    store = Store(ws.db_path)
    store._first_write_done = True
    monkeypatch.setattr(prep.sync, "is_deck_name", lambda n: n.endswith((".yaml", ".yml")))
    sync(store, ws)  # as an older prep read the folder
    active = "SELECT q FROM cards WHERE active = 1 ORDER BY q"
    assert [r[0] for r in store.conn.execute(active)] == [
        "A question in a hidden file?",
        "Visible?",
    ]
    monkeypatch.undo()
    report = sync(store, ws)
    assert [r[0] for r in store.conn.execute(active)] == ["Visible?"]
    assert report.orphaned == 1
    assert [r[0] for r in store.conn.execute("SELECT path FROM files ORDER BY path")] == [
        "decks/a.yaml",
        "prep.yaml",
    ]


# --- D19: two imports into one deck ---------------------------------------------------------
def _csv(path: Path, questions: list[str]) -> Path:
    path.write_text("question,answer\n" + "".join(f"{q},ans\n" for q in questions), "utf-8")
    return path


def _questions(deck: Path) -> set[str]:
    parsed, problems = parse_deck(deck.read_bytes(), str(deck))
    assert parsed is not None and not problems
    return {c.q for c in parsed.cards}


def test_two_imports_into_one_deck_never_lose_an_acknowledged_one(ws, tmp_path, monkeypatch):
    """The second import runs while the first is between reading the deck and writing it."""
    import prep.importers.writer as writer

    first = _csv(
        tmp_path / "first.csv",
        ["How does a B-tree index work?", "Tell me about a conflict you resolved."],
    )
    second = _csv(
        tmp_path / "second.csv",
        ["What is the GIL in CPython?", "Where do you see yourself in five years?"],
    )
    target = ws / "decks" / "shared.yaml"
    real = writer.plan_import
    runs: list[subprocess.CompletedProcess[str]] = []

    def plan_then_other_terminal_imports(*args, **kwargs):
        plan = real(*args, **kwargs)
        if not runs:
            env = {**os.environ, **NOW, "PREP_BUSY_TIMEOUT": "0.2"}
            runs.append(
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "prep",
                        "-w",
                        str(ws),
                        "deck",
                        "import",
                        str(second),
                        "-o",
                        str(target),
                        "--deck",
                        "shared",
                    ],
                    capture_output=True,
                    text=True,
                    env=env,
                    timeout=60,
                )  # fmt: skip
            )
        return plan

    monkeypatch.setattr(writer, "plan_import", plan_then_other_terminal_imports)
    monkeypatch.setenv("PREP_NOW", NOW["PREP_NOW"])
    result = CliRunner().invoke(
        app, ["-w", str(ws), "deck", "import", str(first), "-o", str(target), "--deck", "shared"]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output
    other = runs[0]
    final = _questions(target)
    assert {"How does a B-tree index work?", "Tell me about a conflict you resolved."} <= final
    if other.returncode == 0:  # it said "Wrote": its cards must be there too
        assert {"What is the GIL in CPython?", "Where do you see yourself in five years?"} <= final
    else:
        assert other.returncode == 1 and "another prep is writing" in other.stderr
        assert "Traceback" not in other.stderr
    assert not filelock.lock_path(target).exists()


def test_an_import_waits_for_the_one_before_and_builds_on_it(ws, tmp_path, cli, monkeypatch):
    target = ws / "decks" / "shared.yaml"
    first = _csv(tmp_path / "first.csv", ["How does a B-tree index work?"])
    second = _csv(tmp_path / "second.csv", ["What is the GIL in CPython?"])
    held = filelock.exclusive(target, wait_s=0)
    held.__enter__()  # another import is between reading the deck and writing it
    waited: list[float] = []

    def first_import_finishes(seconds: float) -> None:
        waited.append(seconds)
        if len(waited) == 1:
            assert not target.exists()  # the waiting import has written nothing
            busy = {**NOW, "PREP_BUSY_TIMEOUT": "0"}
            r = cli("-w", str(ws), "deck", "import", str(first), "-o", str(target), env=busy)
            assert r.returncode == 1 and "another prep is writing" in r.stderr
            target.write_text(
                "deck: shared\ncards:\n  - id: first\n    q: How does a B-tree index work?\n"
                "    a: ans\n",
                encoding="utf-8",
            )
            held.__exit__(None, None, None)

    monkeypatch.setattr(filelock, "_sleep", first_import_finishes)
    monkeypatch.setenv("PREP_BUSY_TIMEOUT", "60")
    monkeypatch.setenv("PREP_NOW", NOW["PREP_NOW"])
    result = CliRunner().invoke(
        app, ["-w", str(ws), "deck", "import", str(second), "-o", str(target), "--deck", "shared"]
    )
    assert result.exit_code == 0, result.output
    assert waited  # it waited for the lock, then read the deck as the first left it
    assert _questions(target) == {"How does a B-tree index work?", "What is the GIL in CPython?"}


def test_the_lock_refuses_after_the_busy_timeout_with_one_clear_line(tmp_path):
    target = tmp_path / "deck.yaml"
    ticks = iter([0.0, 0.0, 1.0, 2.0, 3.0])
    slept: list[float] = []
    with filelock.exclusive(target, wait_s=0):
        with pytest.raises(PrepError, match="another prep is writing this file"):
            with filelock.exclusive(
                target, wait_s=2.5, monotonic=lambda: next(ticks), sleep=slept.append
            ):
                pytest.fail("two holders at once")
    assert slept  # it waited before refusing
    with filelock.exclusive(target, wait_s=0):  # released: the next one gets it at once
        pass


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path):
    target = tmp_path / "deck.yaml"
    lock = filelock.lock_path(target)
    lock.write_text("999999 somewhere\n")  # its process is gone; no one holds it
    old = time.time() - 60
    os.utime(lock, (old, old))
    with filelock.exclusive(target, wait_s=0):
        assert lock.read_text().split()[0] == str(os.getpid())
    assert not lock.exists()


def test_a_symlink_planted_as_the_lock_is_never_followed(tmp_path):
    target = tmp_path / "deck.yaml"
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    filelock.lock_path(target).symlink_to(victim)
    with pytest.raises(PrepError):
        with filelock.exclusive(target, wait_s=0):
            pass
    assert victim.read_text() == "keep me"
