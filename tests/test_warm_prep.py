"""The `cli` fixture's forked children behave as `python -m prep` started afresh."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from warm_prep import WarmPrep

from prep.store import Store
from prep.sync import sync
from prep.workspace import find

NOW = "2026-11-26T09:00:00Z"


def cold(args, input=None, env=None, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "prep", *args],
        input=input, capture_output=True, text=True, env=env, cwd=cwd, timeout=60,
    )  # fmt: skip


@pytest.fixture(scope="module")
def warm():
    server = WarmPrep()
    yield server
    server.close()


@pytest.mark.parametrize(
    "args, input",
    [
        (["status"], None),  # the path without typer
        (["--help"], None),  # the stored help
        (["deck", "check", "--json"], None),
        (["mock", "--kind", "bogus"], None),  # a usage error: exit 2
        (["drill", "--deck", "nope"], None),  # an Error: line, exit 1
        (["drill"], "\n3\nq\n"),  # a grade from standard input
    ],
)
def test_a_forked_child_prints_and_exits_as_a_new_interpreter(warm, ws, args, input):
    env = dict(os.environ, PREP_NOW=NOW)
    sync(Store(find(str(ws)).db_path), find(str(ws)))  # both start from a synced database
    a = cold(["-w", str(ws), *args], input=input, env=env)
    if input is not None:
        cold(["-w", str(ws), "undo"], env=env)  # the same card is shown to both
    b = warm.run(["-w", str(ws), *args], input, env, None, 60)
    assert (b.returncode, b.stdout, b.stderr) == (a.returncode, a.stdout, a.stderr)


def test_the_child_works_in_the_given_folder_with_the_given_environment(warm, ws, tmp_path):
    env = dict(os.environ, PREP_WORKSPACE=str(ws), PREP_NOW=NOW, TZ="Asia/Seoul")
    a = cold(["status", "--json"], env=env, cwd=tmp_path)
    b = warm.run(["status", "--json"], None, env, tmp_path, 60)
    assert b.returncode == a.returncode == 0, b.stderr
    assert b.stdout == a.stdout
    env.pop("PREP_WORKSPACE")
    b = warm.run(["status"], None, env, tmp_path, 60)
    assert b.returncode == 1 and "no prep.yaml" in b.stderr


def test_a_command_past_its_timeout_is_killed_and_the_server_goes_on(warm, ws):
    env = dict(os.environ, PREP_NOW=NOW)
    with pytest.raises(subprocess.TimeoutExpired):  # as subprocess.run(timeout=0) does
        warm.run(["-w", str(ws), "drill"], "3\n", env, None, 0)
    r = warm.run(["-w", str(ws), "status"], None, env, None, 60)
    assert r.returncode == 0, r.stderr


def test_an_environment_that_changes_python_start_up_runs_a_new_interpreter(warm, ws, tmp_path):
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\nsys.stderr.write('a new interpreter\\n')\n", encoding="utf-8"
    )
    env = dict(os.environ, PYTHONPATH=str(tmp_path), PREP_NOW=NOW)
    r = warm.run(["-w", str(ws), "status"], None, env, None, 60)
    assert r.returncode == 0
    assert r.stderr.startswith("a new interpreter\n")
    r = warm.run(["-w", str(ws), "status"], None, dict(os.environ, PREP_NOW=NOW), None, 60)
    assert "a new interpreter" not in r.stderr
