"""What the frequent commands import: heavy modules only where they are used."""

from __future__ import annotations

import os
import subprocess
import sys

HEAVY = {"yaml", "jinja2", "sqlite_utils", "fsrs", "pydantic", "weasyprint", "genanki"}


def _imported(args: list[str], cwd) -> set[str]:
    r = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "prep", *args],
        capture_output=True, text=True, cwd=cwd, timeout=60,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    names = set()
    for line in r.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


def test_status_with_unchanged_decks_imports_nothing_heavy(ws):
    first = _imported(["status"], ws)
    assert "yaml" in first  # the first run reads the decks
    warm = _imported(["status"], ws)
    assert not warm & (HEAVY | {"typer", "rich", "click"}), warm & (HEAVY | {"typer", "rich"})
    assert not _imported(["status", "--json"], ws) & (HEAVY | {"typer", "rich"})
    assert not _imported([], ws) & (HEAVY | {"typer", "rich"})


def test_help_imports_nothing_heavy(ws):
    names = _imported(["--help"], ws)
    assert not names & (HEAVY | {"typer", "rich"}), names & (HEAVY | {"typer", "rich"})
    names = _imported(["drill", "--help"], ws)
    assert "typer" in names
    assert not names & HEAVY, names & HEAVY


def _locked_typer() -> str | None:
    """The typer version constraints.txt pins (the one CI and the README install)."""
    import re
    from pathlib import Path

    lock = Path(__file__).resolve().parent.parent / "constraints.txt"
    text = lock.read_text(encoding="utf-8") if lock.exists() else ""
    found = re.search(r"^typer==(\S+)", text, re.MULTILINE)
    return found.group(1) if found else None


def test_stored_top_level_help_is_what_typer_prints():
    from importlib.metadata import version

    import pytest

    from prep.cli.help_text import HELP_FILE, render

    if version("typer") != _locked_typer():
        # Other typers in the supported range lay help out slightly differently; the
        # stored text is the locked version's (run by .ci/bounds at the range's ends).
        pytest.skip(f"the stored help is typer {_locked_typer()}'s; this is {version('typer')}")
    assert HELP_FILE.read_text(encoding="utf-8") == render(), (
        "commands changed: rewrite the help with `python -m prep.cli.help_text`"
    )


def test_help_on_a_narrow_terminal_comes_from_typer(ws):
    from prep.cli.help_text import HELP_FILE

    env = dict(os.environ, COLUMNS="60")
    r = subprocess.run([sys.executable, "-m", "prep", "--help"], capture_output=True, text=True,
                       cwd=ws, env=env, timeout=60)  # fmt: skip
    assert r.returncode == 0
    assert r.stdout != HELP_FILE.read_text(encoding="utf-8")
    assert "Commands:" in r.stdout and max(len(line) for line in r.stdout.splitlines()) <= 60
    wide = subprocess.run([sys.executable, "-m", "prep", "-h"], capture_output=True, text=True,
                          cwd=ws, env=dict(os.environ, COLUMNS="120"), timeout=60)  # fmt: skip
    assert wide.stdout == HELP_FILE.read_text(encoding="utf-8")


def test_status_notices_a_changed_deck(ws):
    _imported(["status"], ws)
    deck = ws / "decks" / "ask.yaml"
    deck.write_text(
        deck.read_text(encoding="utf-8") + "  - q: 새로 추가한 질문\n    kind: ask\n",
        encoding="utf-8",
    )
    assert "yaml" in _imported(["status"], ws)
