from typing import Annotated

import typer

from .common import GLOBALS


def register(app: typer.Typer) -> None:
    @app.command("status")
    def status(
        json_: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    ) -> None:
        """Due now, new today, reviewed today, streak, cards, days to the interview."""
        from .status import run

        raise typer.Exit(run(GLOBALS.workspace, GLOBALS.db, json_))
