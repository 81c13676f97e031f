"""Top-level commands that are not a group: init, undo."""

from pathlib import Path
from typing import Annotated

import typer

from .common import JsonOpt, guard, open_workspace, print_json, scheduler_for


def register(app: typer.Typer) -> None:
    @app.command("init")
    @guard
    def init(
        directory: Annotated[Path, typer.Argument(help="Folder for the new workspace.")] = Path(
            "."
        ),
    ) -> None:
        """Create a new workspace from the bundled example (profile, decks, answers)."""
        from ..workspace import init as do_init

        made = do_init(directory)
        typer.echo(f"Created a workspace in {directory} ({len(made)} files).")
        typer.echo(f"Next: edit {directory / 'prep.yaml'}, then run `prep -w {directory} drill`.")

    @app.command("undo")
    @guard
    def undo(json_: JsonOpt = False) -> None:
        """Take back the last grade (from any drill or mock) and rebuild that card from the log."""
        from ..clock import default_clock
        from ..schedule import RATINGS

        _, store = open_workspace()
        result = store.undo(scheduler_for(store), at=default_clock().now())
        if result is None:
            if json_:
                print_json({"undone": None})
                return
            typer.echo("Nothing to undo.")
            return
        review, state = result
        card = store.card(review.card_id)
        if json_:
            from ..clock import iso

            print_json(
                {
                    "undone": {
                        "uuid": review.uuid,
                        "card": review.card_id,
                        "rating": RATINGS[review.rating],
                        "reviewed_at": iso(review.at),
                        "source": review.source,
                    },
                    "due": iso(state.due) if state.due else None,
                }  # fmt: skip
            )
            return
        label = card.q if card else review.card_id
        typer.echo(f"Undid {RATINGS[review.rating]} on {review.card_id}: {label}")
