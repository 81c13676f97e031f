"""Top-level commands that are not a group: init, undo."""

from pathlib import Path
from typing import Annotated

import typer

from .common import JsonOpt, echo, guard, open_workspace, print_json, scheduler_for


def register(app: typer.Typer) -> None:
    @app.command("init")
    @guard
    def init(
        directory: Annotated[Path, typer.Argument(help="Folder for the new workspace.")] = Path(
            "."
        ),
        from_doc: Annotated[
            Path | None,
            typer.Option(
                "--from",
                metavar="DOC",
                help="Build it from your prep document (Markdown or text, English or Korean).",
            ),
        ] = None,
        blank: Annotated[
            bool, typer.Option("--blank", help="An empty workspace: one example card and story.")
        ] = False,
        lang: Annotated[
            str | None,
            typer.Option(
                "--lang",
                metavar="LANG",
                help="ko or en (default: the document's language, else the locale).",
            ),
        ] = None,
    ) -> None:
        """Create a new workspace: from your prep document (--from), blank (--blank), or a copy
        of the bundled example (a Korean backend-developer prep)."""
        from ..workspace import init as do_init
        from .common import err

        if from_doc is not None and blank:
            err("--from and --blank cannot be used together: choose one")
            raise typer.Exit(2)
        if lang is not None and lang not in ("ko", "en"):
            err(f"--lang must be ko or en, not '{lang}'")
            raise typer.Exit(2)
        if lang is not None and from_doc is None and not blank:
            err("--lang applies to --blank and --from; the bundled example is in Korean")
            raise typer.Exit(2)
        if from_doc is not None:
            _init_from(directory, from_doc, lang)
            return
        if blank:
            from ..starter import blank_files, default_lang

            chosen = lang or default_lang()
            made = do_init(directory, blank_files(chosen))
            echo(
                f"Created a blank workspace in {directory} ({len(made)} files, "
                f"{'Korean' if chosen == 'ko' else 'English'})."
            )
        else:
            made = do_init(directory)
            echo(
                f"Created a workspace in {directory} from the bundled example ({len(made)} files)."
            )
            echo("Your own material instead: `prep init DIR --from prep.md`, or `--blank`.")
        echo(f"Next: edit {directory / 'prep.yaml'}, then run `prep -w {directory} drill`.")

    @app.command("undo")
    @guard
    def undo(json_: JsonOpt = False) -> None:
        """Take back the last grade made here (drill or mock; never an imported one) and rebuild that card from the log."""
        from ..clock import default_clock
        from ..schedule import RATINGS

        _, store = open_workspace()
        result = store.undo(scheduler_for(store), at=default_clock().now())
        if result is None:
            if json_:
                print_json({"undone": None})
                return
            echo("Nothing to undo.")
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
        echo(f"Undid {RATINGS[review.rating]} on {review.card_id}: {label}")


def _init_from(directory: Path, doc_path: Path, lang: str | None) -> None:
    from ..prepdoc import read
    from ..starter import files_from, summary
    from ..ui.keys import clean
    from ..workspace import init as do_init

    doc = read(doc_path, language=lang)
    files = files_from(doc, doc_path.name, lang)
    made = do_init(directory, files)
    echo(f"Created a workspace in {directory} from {doc_path} ({len(made)} files):")
    for line in summary(doc, files):
        echo(clean(f"  {line}"))
    todo = [u for u in doc.unplaced]
    if todo:
        echo(f"Not placed ({len(todo)}; kept under `notes` in prep.yaml):")
        for u in todo:
            echo(clean(f"  {doc_path}:{u.line}: {u.text} ({u.reason})"))
    echo("Next:")
    echo(f"  prep -w {directory} deck check     the answers to write")
    echo(f"  prep -w {directory} answer check   the story drafts")
    echo(f"  prep -w {directory} drill          start drilling")
