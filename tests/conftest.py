"""Shared fixtures: every test gets its own workspace copy and database; no real data is touched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from warm_prep import WarmPrep

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)

# The slowest tests (4 s of CPU or more each, or seconds of waiting on a terminal),
# marked `slow`: `pytest -m "not slow"` is the quick run while working; the full
# suite, which CI runs, includes them.
SLOW = (
    "test_crash.py::test_drill_survives_sigkill",
    "test_crash.py::test_mock_survives_sigkill",
    "test_concurrency.py::test_two_drills_on_their_own_decks_commit_every_grade",
    "test_concurrency.py::test_two_drills_on_the_same_cards_lose_no_update",
    "test_screens.py::test_in_tmux_each_card_keeps_its_question_and_grades_after_the_reveal",
    "test_deadline.py::test_last_reviews_land_shortly_before_the_day_and_the_workload_does_not_jump",
    "test_deadline.py::test_a_drill_that_runs_out_of_queue_before_minutes_asks_the_policy_again",
    "test_budget.py::test_the_drill_stops_when_the_days_minutes_are_used",
    "test_cheatsheet.py::test_hostile_deck_in_pdf_is_printed_text",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.split("[", 1)[0].endswith(SLOW):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("PREP_WORKSPACE", "PREP_DB", "PREP_NOW", "PREP_LINE_MODE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PREP_NO_FUZZ", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TZ", "UTC")


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A copy of the example workspace (prep.yaml, decks/, answers/)."""
    root = tmp_path / "ws"
    root.mkdir()
    shutil.copyfile(ROOT / "prep.yaml", root / "prep.yaml")
    shutil.copytree(ROOT / "decks", root / "decks")
    shutil.copytree(ROOT / "answers", root / "answers")
    return root


@pytest.fixture
def empty_ws(tmp_path: Path) -> Path:
    """A workspace with a minimal profile and no decks yet."""
    root = tmp_path / "ews"
    (root / "decks").mkdir(parents=True)
    (root / "answers").mkdir()
    (root / "prep.yaml").write_text(
        "candidate: {name: Test}\ncompany: {name: Acme, values: []}\n"
        "settings: {new_per_day: 5, max_reviews_per_day: 100, desired_retention: 0.9, day_starts_at: 4}\n",
        encoding="utf-8",
    )
    return root


@pytest.fixture(scope="session")
def _warm_prep() -> Iterator[WarmPrep | None]:
    """One process with prep's modules imported that forks each `cli` command.

    PREP_TEST_COLD=1 starts a new interpreter for every command instead (the slow way,
    to compare).
    """
    if os.environ.get("PREP_TEST_COLD"):
        yield None
        return
    server = WarmPrep()
    yield server
    server.close()


@pytest.fixture
def cli(_warm_prep: WarmPrep | None) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `python -m prep ...` in a child process, as a user would (stdin not a terminal).

    The child is forked from a process that has already imported prep's modules
    (tests/warm_prep.py): its own pid, fds, folder, environment and exit code, without
    paying Python's start-up each time.
    """

    def run(
        *args: str,
        input: str | None = None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        full_env = dict(os.environ)
        full_env.update(env or {})
        if _warm_prep is not None:
            return _warm_prep.run(list(args), input, full_env, cwd, timeout)
        return subprocess.run(
            [sys.executable, "-m", "prep", *args],
            input=input,
            capture_output=True,
            text=True,
            env=full_env,
            cwd=cwd,
            timeout=timeout,
        )

    return run


@pytest.fixture
def invoke() -> Callable[..., object]:
    """Run the Typer app in-process with CliRunner (faster; for help text and errors)."""
    from typer.testing import CliRunner

    from prep.cli.app import app
    from prep.cli.common import GLOBALS

    runner = CliRunner()

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None):
        GLOBALS.workspace = GLOBALS.db = None
        return runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)

    return run
