"""The command line: one Typer app per command group, mounted here. Thin."""

from typing import Annotated

import typer

from .. import __version__
from . import (
    answer,
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
from .common import GLOBALS

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
        typer.echo(f"prep {__version__}")
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
tools.register(app)
mock.register(app)
plan.register(app)
app.add_typer(deck.app, name="deck")
answer.register(app)
cheatsheet.register(app)
maintenance.register(app)
completion.register(app)
