"""Shared fixtures: every test gets its own workspace copy and database; no real data is touched."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)


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


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `python -m prep ...` in a child process, as a user would (stdin not a terminal)."""

    def run(
        *args: str,
        input: str | None = None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        import os

        full_env = dict(os.environ)
        full_env.update(env or {})
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
