"""The command line: one Typer app per command group, mounted here. Thin."""

from typing import Annotated

import typer

from .. import __version__
from . import (
    answer,
    cards,
    cheatsheet,
    completion,
    deck,
    drill,
    maintenance,
    mock,
    plan,
    status_cmd,
    tools,
)
from .common import GLOBALS, echo

app = typer.Typer(
    name="prep",
    help="Get ready for a job interview: drill your decks, rehearse under a clock, print a cheat sheet.",
    # `prep completion SHELL` prints the script (typer's own --install-completion
    # would guess the shell and edit rc files).
    add_completion=False,
    no_args_is_help=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        echo(f"prep {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    workspace: Annotated[
        str | None,
        typer.Option(
            "--workspace",
            "-w",
            envvar="PREP_WORKSPACE",
            metavar="DIR",
            help="Workspace folder (holds prep.yaml).",
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="PREP_DB",
            metavar="FILE",
            help="Database file (default: <workspace>/.prep/prep.db).",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """With no command: the same as `prep status`."""
    GLOBALS.workspace = workspace
    GLOBALS.db = db
    if ctx.invoked_subcommand is None:
        from .status import run

        raise typer.Exit(run(workspace, db, False))


status_cmd.register(app)
drill.register(app)
cards.register(app)
tools.register(app)
mock.register(app)
plan.register(app)
app.add_typer(deck.app, name="deck")
answer.register(app)
cheatsheet.register(app)
maintenance.register(app)

completion.register(app)


def _short(doc: str | None) -> str | None:
    """A command's line in `prep --help`: its help's first sentence, whole.

    click would cut it to fit one line of 78 columns and end it with '...';
    given as short_help it is wrapped instead.
    """
    if not doc:
        return None
    para = " ".join(doc.strip().split("\n\n")[0].split())
    end = para.find(". ")
    return para[: end + 1] if end >= 0 else para


def _unset(value: object) -> bool:
    from typer.models import DefaultPlaceholder

    return value is None or isinstance(value, DefaultPlaceholder)


def _full_short_help(typer_app: typer.Typer) -> None:
    """Every command and group of `typer_app` (and below) shows its first sentence whole."""
    for info in typer_app.registered_commands:
        if _unset(info.short_help) and _unset(info.help) and info.callback is not None:
            info.short_help = _short(info.callback.__doc__)
    for group in typer_app.registered_groups:
        sub = group.typer_instance
        if sub is None:
            continue
        if _unset(group.short_help):
            doc = group.help if not _unset(group.help) else sub.info.help
            if _unset(doc) and sub.registered_callback is not None:
                callback = sub.registered_callback.callback
                doc = callback.__doc__ if callback is not None else None
            group.short_help = _short(doc if isinstance(doc, str) else None)
        _full_short_help(sub)


_full_short_help(app)
