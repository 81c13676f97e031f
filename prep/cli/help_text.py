"""`prep --help` without importing typer.

Importing typer alone takes about as long as the whole help budget, so the
top-level help is kept here as text: what typer prints for `prep --help` on a
terminal of 80 columns or more (click caps help at 78 columns, so every such
terminal gets the same text). A test compares it with typer's own rendering;
after changing commands, rewrite it with `python -m prep.cli.help_text`.
"""

import sys
from pathlib import Path

HELP_FILE = Path(__file__).with_name("help.txt")
WIDE_ENOUGH = 80


def cached() -> str | None:
    """The stored help text, or None when it may not match (a narrow terminal)."""
    import shutil

    if shutil.get_terminal_size().columns < WIDE_ENOUGH:
        return None
    try:
        return HELP_FILE.read_text(encoding="utf-8")
    except OSError:
        return None


def render() -> str:
    """typer's own rendering of `prep --help` at 80 columns."""
    import os

    import typer

    from .app import app

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(WIDE_ENOUGH)
    try:
        command = typer.main.get_command(app)
        ctx = command.make_context("prep", [], resilient_parsing=True)
        return command.get_help(ctx) + "\n"
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old


if __name__ == "__main__":
    from ..safefile import write_file

    write_file(HELP_FILE, render())
    sys.stdout.write(f"wrote {HELP_FILE}\n")
