"""`prep deck`: list, check (and import/export in deck_io)."""

from pathlib import Path
from typing import Annotated

import typer

from .common import (
    GLOBALS,
    JsonOpt,
    console,
    echo,
    echo_json,
    guard,
    open_workspace,
    print_json,
    problem_dict,
)  # fmt: skip

app = typer.Typer(
    help="List and check question decks; import and export them.", no_args_is_help=True
)


@app.command("list")
@guard
def list_(
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Decks with their card counts by kind and how many are due."""

    from ..clock import default_clock, iso

    _, store = open_workspace()
    now = iso(default_clock().now())
    rows = store.conn.execute(
        """
        SELECT c.deck, c.path, COUNT(*),
               SUM(c.kind = 'technical'), SUM(c.kind = 'behavioral'), SUM(c.kind = 'concept'),
               SUM(c.kind = 'ask'), SUM(s.due <= ?), SUM(s.card_id IS NULL)
        FROM cards c LEFT JOIN card_state s ON s.card_id = c.id
        WHERE c.active = 1 GROUP BY c.deck, c.path ORDER BY c.path
        """,
        (now,),
    ).fetchall()
    keys = ("deck", "path", "cards", "technical", "behavioral", "concept", "ask", "due", "new")
    decks = [
        dict(zip(keys, (r[0], r[1], *[int(x or 0) for x in r[2:]]), strict=True)) for r in rows
    ]
    orphans = store.conn.execute("SELECT COUNT(*) FROM cards WHERE active = 0").fetchone()[0]
    if json_:
        echo_json({"decks": decks, "orphans": orphans})
        return
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    # The file is worth a column only where it is not simply decks/<deck>.yaml.
    shown = [
        k for k in keys if k != "path" or any(d["path"] != f"decks/{d['deck']}.yaml" for d in decks)
    ]
    for k in shown:
        left = k in ("deck", "path")
        table.add_column(k, justify="left" if left else "right", no_wrap=left)
    for d in decks:
        table.add_row(*[str(d[k]) for k in shown])
    out = console()
    out.print(table)
    if orphans:
        out.print(f"{orphans} card(s) no longer in any deck keep their history (orphans).")


@app.command("check")
@guard
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="[FILE]...", help="Deck files (default: all decks of the workspace)."
        ),
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Report every problem in the decks as file:line:col: error: message; exit 1 if any.

    With --json: one document with the decks and cards read and every problem
    (path, line, col, severity, message); the exit code is the same.
    """
    from ..decks import load_all
    from ..errors import Problem
    from ..workspace import find

    if paths:
        missing = [p for p in paths if not p.is_file()]
        if missing:
            from ..errors import PrepError

            raise PrepError(f"{missing[0]}: no such file")
        root = Path.cwd()
        decks, problems = load_all(root, list(paths))
    else:
        ws = find(GLOBALS.workspace, GLOBALS.db)
        root = ws.root
        decks, problems = load_all(root)
        stories = {p.name.removesuffix(".md.j2") for p in ws.answers_dir.glob("*.md.j2")}
        # A hidden .yaml is no deck for sync either: say so, rather than skip it silently.
        hidden_decks = ws.decks_dir.glob(".*") if ws.decks_dir.is_dir() else []
        for hidden in sorted(hidden_decks):
            if hidden.name.endswith((".yaml", ".yml")) and hidden.is_file():
                problems.append(
                    Problem(
                        f"decks/{hidden.name}",
                        0,
                        0,
                        "a hidden file is not read as a deck; name it NAME.yaml to drill it",
                        "warning",
                    )  # fmt: skip
                )

        for d in decks:
            for c in d.cards:
                if c.story and c.story not in stories:
                    problems.append(
                        Problem(
                            c.path,
                            c.line,
                            c.col,
                            f"story '{c.story}' not found in answers/",
                            "warning",
                        )
                    )
    for d in decks:
        for c in d.cards:
            # A question to ask the interviewer needs no model answer, and a card with a STAR
            # story shows the story as its answer; any other card needs one.
            if not c.a and c.kind != "ask" and not c.story:
                problems.append(
                    Problem(c.path, c.line, c.col, f"card '{c.id}' has no answer ('a')", "warning")
                )
    errors = [p for p in problems if p.severity == "error"]
    cards = sum(len(d.cards) for d in decks)
    if json_:
        print_json(
            {
                "ok": not errors,
                "decks": len(decks),
                "cards": cards,
                "errors": len(errors),
                "warnings": len(problems) - len(errors),
                "problems": [problem_dict(p) for p in problems],
            }  # fmt: skip
        )
        if errors:
            raise typer.Exit(1)
        return
    for p in problems:
        echo(str(p), err=True)
    if errors:
        echo(f"{len(errors)} error(s) in {len({p.path for p in errors})} file(s)", err=True)
        raise typer.Exit(1)
    echo(f"ok: {len(decks)} deck(s), {cards} card(s)")


from . import deck_io  # noqa: E402  (import/export live apart: they pull in more)

deck_io.register(app)
