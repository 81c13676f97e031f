"""prep among other command-line tools: pipes, completion, stdin, usage errors, --json, hints."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from prep.cli.common import ImportFormat, Kind
from prep.decks import KINDS
from prep.importers import FORMATS
from prep.install import hint

PREP = Path(sys.executable).with_name("prep")  # the installed console script


def _closed_pipe(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """Run prep with stdout a pipe whose reader has already gone (`prep ... | true`)."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [sys.executable, "-m", "prep", *args],
            stdout=write, stderr=subprocess.PIPE, cwd=cwd, timeout=60,
        )  # fmt: skip
    finally:
        os.close(write)


@pytest.mark.parametrize(
    "args",
    [["status"], ["status", "--json"], [], ["--help"], ["deck", "list"], ["answer", "list"]],
)
def test_a_closed_pipe_ends_quietly(ws, args):
    r = _closed_pipe(args, ws)
    assert r.stderr.decode() == ""  # no BrokenPipeError traceback, no "Exception ignored"
    assert r.returncode == 1


def test_help_through_head_prints_the_first_line_and_stops(ws):
    r = subprocess.run(
        f"{sys.executable} -m prep --help | head -1", shell=True, cwd=ws,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert r.stdout == "Usage: prep [OPTIONS] COMMAND [ARGS]...\n"
    assert r.stderr == ""


# --- completion ------------------------------------------------------------------------------


def _complete(env: dict[str, str], cwd: Path) -> list[str]:
    full = {**os.environ, **env}
    r = subprocess.run(
        [sys.executable, "-m", "prep"], env=full, cwd=cwd, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    return r.stdout.split()


def test_completion_requests_pass_the_fast_path(ws):
    # Bare `prep` is the fast status path; with _PREP_COMPLETE set it must complete instead.
    words = _complete(
        {"_PREP_COMPLETE": "complete_bash", "COMP_WORDS": "prep ", "COMP_CWORD": "1"}, ws
    )
    assert {"status", "drill", "mock", "deck", "completion"} <= set(words)
    assert "due" not in words  # not the status output
    words = _complete(
        {"_PREP_COMPLETE": "complete_bash", "COMP_WORDS": "prep drill --kind ", "COMP_CWORD": "3"},
        ws,
    )
    assert words == list(KINDS)


@pytest.mark.skipif(not PREP.exists() or not shutil.which("bash"), reason="needs bash and prep")
def test_bash_loads_the_script_and_completes(ws):
    script = (
        "source <(prep completion bash)\n"
        "COMP_WORDS=(prep cheatsheet --pa); COMP_CWORD=2; _prep_completion prep\n"
        'echo "${COMPREPLY[@]}"\n'
        'COMP_WORDS=(prep cheatsheet --paper ""); COMP_CWORD=3; _prep_completion prep\n'
        'echo "${COMPREPLY[@]}"\n'
        "complete -p prep\n"
    )
    env = {**os.environ, "PATH": f"{PREP.parent}{os.pathsep}{os.environ['PATH']}"}
    r = subprocess.run(
        ["bash", "--norc", "-c", script], env=env, cwd=ws, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "--paper",
        "a4 letter",
        "complete -o default -F _prep_completion prep",
    ]


@pytest.mark.skipif(not PREP.exists() or not shutil.which("zsh"), reason="needs zsh and prep")
def test_zsh_loads_the_script(ws):
    script = (
        "autoload -U compinit && compinit -u\n"
        "source <(prep completion zsh)\n"
        'print -r -- "$_comps[prep]"\n'
        "whence -w _prep_completion\n"
    )
    env = {**os.environ, "PATH": f"{PREP.parent}{os.pathsep}{os.environ['PATH']}"}
    r = subprocess.run(
        ["zsh", "-f", "-c", script], env=env, cwd=ws, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["_prep_completion", "_prep_completion: function"]
    # What the script asks prep on Tab: options with their help, for zsh's menu.
    words = _complete(
        {"_PREP_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "prep mock --ti"}, ws
    )
    assert any("--time" in w for w in words)


def test_completion_scripts_for_each_shell(invoke):
    for shell, marker in (
        ("bash", "complete -o default -F _prep_completion prep"),
        ("zsh", "compdef _prep_completion prep"),
        ("fish", "complete --command prep"),
        ("powershell", "Register-ArgumentCompleter"),
    ):
        r = invoke("completion", shell)
        assert r.exit_code == 0, r.output
        assert marker in r.output and "_PREP_COMPLETE" in r.output
    r = invoke("completion", "tcsh")
    assert (
        r.exit_code == 2 and "'tcsh' is not one of 'bash', 'zsh', 'fish', 'powershell'" in r.output
    )


# --- deck import - -------------------------------------------------------------------------


def test_deck_import_reads_standard_input(ws, cli):
    text = "# Python\n\n1. What is a closure?\n2. What does the GIL protect?\n"
    r = cli("-w", str(ws), "deck", "import", "-", "--deck", "piped", "--json", input=text)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["source"] == "<stdin>" and doc["format"] == "markdown" and doc["cards"] == 2
    written = (ws / "decks" / "piped.yaml").read_text(encoding="utf-8")
    assert "What is a closure?" in written and "GIL" in written
    csv = "front,back\nWhat is REST?,An architectural style\n"
    out = str(ws / "decks" / "c.yaml")
    r = cli("-w", str(ws), "deck", "import", "-", "-o", out, "--format", "csv", input=csv)
    assert r.returncode == 0, r.stderr
    assert "Read <stdin> (csv): 1 question(s)." in r.stdout


def test_deck_import_stdin_errors_name_stdin(ws, cli):
    for data, args, message in (
        ("", ["--deck", "x"], "Error: <stdin>: nothing to import (standard input is empty)\n"),
        ("q\n", [], "Error: reading standard input: name the deck with --deck ID or -o FILE\n"),
        ("\xe9", ["--deck", "x"], None),
    ):
        if message is None:  # not UTF-8: bytes through the text pipe in latin-1
            r = subprocess.run(
                [sys.executable, "-m", "prep", "-w", str(ws), "deck", "import", "-", *args],
                input=b"ok\n\xff\n", capture_output=True, timeout=60,
            )  # fmt: skip
            assert r.returncode == 1
            assert r.stderr.decode() == "Error: <stdin>:2: not UTF-8 text; save the file as UTF-8\n"
            continue
        r = cli("-w", str(ws), "deck", "import", "-", *args, input=data)
        assert r.returncode == 1 and r.stderr == message
    assert sorted(p.name for p in (ws / "decks").glob("*.yaml")) == [
        "ask.yaml",
        "concepts.yaml",
        "datavent-backend.yaml",
    ]


# --- usage errors ----------------------------------------------------------------------------


def test_choices_match_the_core():
    assert [k.value for k in Kind] == list(KINDS)
    assert [f.value for f in ImportFormat] == list(FORMATS)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deck", "import", "x.md", "--kind", "tech"], "'tech' is not one of 'technical', "),
        (["deck", "import", "x.md", "--format", "xml"], "'xml' is not one of 'markdown', 'csv'"),
        (["plan", "--interview", "tomorrow"], "Invalid value for '--interview': cannot read date"),
        (["log", "export", "-", "--since", "May"], "Invalid value for '--since': cannot read date"),
        (["drill", "--kind", "Technical"], "'Technical' is not one of 'technical'"),
    ],
)
def test_bad_values_exit_2_and_change_nothing(ws, invoke, args, message):
    r = invoke("-w", str(ws), *args)
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert not (ws / ".prep").exists()


def test_help_lists_the_choices_and_names_every_metavar(invoke):
    import typer

    from prep.cli.app import app

    shown = {
        ("drill",): "technical, behavioral, concept or ask",
        ("cheatsheet",): "--paper [a4|letter]",
        ("deck", "import"): "--format [markdown|csv|tsv]",
        ("completion",): "bash, zsh, fish or powershell",
    }
    for args, text in shown.items():
        assert text in invoke(*args, "--help").output
    # No option falls back to the metavar of its type (TEXT, <str>, INTEGER, <int>...), which
    # differs between typer versions.
    root = typer.main.get_command(app)

    def walk(command, path):
        for p in command.params:
            if not getattr(p, "is_flag", False) and p.param_type_name == "option":
                assert p.metavar, (path, p.opts)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(root, ["prep"])


# --- --json ----------------------------------------------------------------------------------


def test_json_on_checks(ws, invoke):
    r = invoke("-w", str(ws), "deck", "check", "--json")
    assert r.exit_code == 0
    assert json.loads(r.output) == {
        "ok": True, "decks": 3, "cards": 59, "errors": 0, "warnings": 0, "problems": [],
    }  # fmt: skip
    (ws / "decks" / "bad.yaml").write_text("cards:\n  - q: x\n    kind: tech\n", encoding="utf-8")
    r = invoke("-w", str(ws), "deck", "check", "--json")
    assert r.exit_code == 1
    doc = json.loads(r.output)
    assert doc["ok"] is False and doc["errors"] == 1
    [problem] = [p for p in doc["problems"] if p["severity"] == "error"]
    assert problem["path"] == "decks/bad.yaml" and problem["line"] == 3
    assert "unknown kind 'tech'" in problem["message"]

    r = invoke("-w", str(ws), "answer", "check", "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    answers = sorted((ws / "answers").glob("*.md.j2"))
    assert doc["ok"] is True and len(doc["stories"]) == len(answers) > 12
    story = next(s for s in doc["stories"] if s["id"] == "fastapi-latency")
    assert 90 <= story["seconds"] <= 150 and set(story["split"]) >= {"Situation", "Action"}


def test_json_on_undo_backup_and_log_import(ws, cli, tmp_path):
    env = {"PREP_NOW": "2026-11-26T09:00:00Z"}
    r = cli("-w", str(ws), "undo", "--json", env=env)
    assert json.loads(r.stdout) == {"undone": None}
    r = cli("-w", str(ws), "drill", input="\n3\nq\n", env=env)
    assert r.returncode == 0, r.stderr
    log = tmp_path / "desk.jsonl"
    assert cli("-w", str(ws), "log", "export", str(log), env=env).returncode == 0
    r = cli("-w", str(ws), "undo", "--json", env=env)
    doc = json.loads(r.stdout)
    assert doc["undone"]["rating"] == "Good" and doc["undone"]["source"] == "drill"
    card = doc["undone"]["card"]

    r = cli("-w", str(ws), "log", "import", str(log), "--json", env=env)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    # The export was made before the undo: the undone grade is not brought back.
    assert doc["read"] == 1 and doc["added"] == 0 and doc["kept_undone"] == 1
    assert doc["cards"] == [] or doc["cards"] == [card]

    r = cli("-w", str(ws), "backup", "--json", env=env)
    made = json.loads(r.stdout)
    assert Path(made["path"]).exists() and made["reviews"] == 0
    r = cli("-w", str(ws), "backup", "--list", "--json", env=env)
    listed = json.loads(r.stdout)["backups"]
    assert made["path"] in [b["path"] for b in listed]
    assert {"name", "kind", "saved_at", "size", "day"} <= set(listed[0])


# --- install hints ---------------------------------------------------------------------------


def test_install_hints_follow_the_installer(tmp_path, monkeypatch):
    pipx = tmp_path / "pipx" / "venvs" / "prep-interview"
    pipx.mkdir(parents=True)
    (pipx / "pipx_metadata.json").write_text("{}", encoding="utf-8")
    assert hint("anki", str(pipx)) == (
        "pipx inject prep-interview 'genanki>=0.13' 'zstandard>=0.21'"
    )

    uv = tmp_path / "uv" / "tools" / "prep-interview"
    uv.mkdir(parents=True)
    (uv / "uv-receipt.toml").write_text(
        "[tool]\nrequirements = [\n"
        '    { name = "prep-interview", directory = "/src/prep" },\n'
        '    { name = "genanki", specifier = ">=0.13" },\n]\n'
        'entrypoints = [\n    { name = "prep", install-path = "/b/prep", from = "prep-interview" },\n]\n',
        encoding="utf-8",
    )
    # uv replaces the tool's environment: the earlier --with stays in the command.
    assert hint("pdf", str(uv)) == (
        "uv tool install --with 'genanki>=0.13' --with 'weasyprint>=63' /src/prep"
    )

    plain = tmp_path / "venv"
    plain.mkdir()
    text = hint("pdf", str(plain))
    assert text.startswith(f"{sys.executable} -m pip install ")
    assert text.endswith("[pdf]'") and "prep[" not in text.replace("prep-interview[", "")
