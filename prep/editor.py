"""Open a file at a line in the person's editor ($VISUAL, $EDITOR, else vi)."""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Mapping
from pathlib import Path

from .errors import PrepError

# How editors take a line: most read `+LINE FILE`; these want something else.
GOTO = {
    "code": lambda f, n: ["--goto", f"{f}:{n}"],
    "code-insiders": lambda f, n: ["--goto", f"{f}:{n}"],
    "codium": lambda f, n: ["--goto", f"{f}:{n}"],
    "subl": lambda f, n: [f"{f}:{n}"],
    "zed": lambda f, n: [f"{f}:{n}"],
    "hx": lambda f, n: [f"{f}:{n}"],
    "helix": lambda f, n: [f"{f}:{n}"],
    "notepad": lambda f, n: [f],
}


def editor_argv(path: Path, line: int | None, env: Mapping[str, str] | None = None) -> list[str]:
    env = os.environ if env is None else env
    text = env.get("VISUAL") or env.get("EDITOR") or "vi"
    try:
        argv = shlex.split(text)
    except ValueError as exc:
        raise PrepError(f"EDITOR={text!r} cannot be read as a command: {exc}") from None
    if not argv:
        argv = ["vi"]
    name = Path(argv[0]).name.lower().removesuffix(".exe")
    goto = GOTO.get(name)
    if goto is not None:
        return argv + goto(str(path), line or 1)
    return argv + ([f"+{line}"] if line else []) + [str(path)]


def edit(path: Path, line: int | None) -> int:
    """Run the editor on `path` at `line` and wait for it; its exit code."""
    argv = editor_argv(path, line)
    try:
        return subprocess.call(argv)
    except OSError as exc:
        raise PrepError(f"cannot start the editor {argv[0]!r}: {exc.strerror or exc}") from None
