"""`prep cheatsheet` (one printable page) and `prep followup` (thank-you email and debrief)."""

from pathlib import Path
from typing import Annotated, Any

import typer

from .common import (
    GLOBALS,
    Paper,
    Section,
    SheetFormat,
    check_decks,
    console,
    echo_json,
    guard,
    note,
    open_workspace,
    parsed_by,
    scheduler_for,
    values,
    when_value,
    write_out,
)

SUFFIX_FORMATS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".pdf": "pdf"}


def _format_of(output: Path | None, fmt: str | None) -> str:
    from ..errors import PrepError

    if fmt:  # a choice: already one of md, html, pdf
        return fmt
    if output is None:
        return "md"
    found = SUFFIX_FORMATS.get(output.suffix.lower())
    if found is None:
        raise PrepError(
            f"{output}: cannot tell the format from '{output.suffix or 'no extension'}'; "
            "use .md, .html or .pdf, or pass --format"
        )
    return found


def register(app: typer.Typer) -> None:
    @app.command("cheatsheet")
    @guard
    def cheatsheet(
        output: Annotated[
            Path | None,
            typer.Option(
                "--output",
                "-o",
                metavar="FILE",
                help="Write here (default: Markdown to standard output).",
            ),
        ] = None,
        fmt: Annotated[
            SheetFormat | None,
            typer.Option(
                "--format",
                "-f",
                metavar="[md|html|pdf]",
                case_sensitive=False,
                help="md, html or pdf (default: from the file name).",
            ),
        ] = None,
        at: Annotated[
            str | None,
            typer.Option(
                "--at",
                metavar="DATETIME",
                callback=parsed_by(when_value),
                help="Predict recall at this time (default: the interview, else tomorrow 09:00).",
            ),
        ] = None,
        paper: Annotated[
            Paper,
            typer.Option(
                "--paper",
                metavar="[a4|letter]",
                case_sensitive=False,
                help="a4 or letter (US Letter).",
            ),
        ] = Paper.a4,
        deck: Annotated[
            list[str] | None,
            typer.Option("--deck", metavar="DECK", help="Only cards of this deck (repeatable)."),
        ] = None,
        topic: Annotated[
            list[str] | None,
            typer.Option("--topic", metavar="TOPIC", help="Only cards of this topic (repeatable)."),
        ] = None,
        max_cards: Annotated[
            int,
            typer.Option("--max-cards", metavar="N", min=0, help="At most this many weak cards."),
        ] = 10,
        only: Annotated[
            list[Section] | None,
            typer.Option(
                "--only",
                metavar="SECTION",
                help="Only these sections (repeatable): company, fit, highlights, advice, "
                "readiness, cards, stories, ask, gaps.",
            ),
        ] = None,
        without: Annotated[
            list[Section] | None,
            typer.Option(
                "--without", metavar="SECTION", help="Leave this section out (repeatable)."
            ),
        ] = None,
        force: Annotated[
            bool,
            typer.Option("--force", help="Replace the -o file even if prep did not write it."),
        ] = False,
    ) -> None:
        """One-page cheat sheet: the role, the company, why you fit, your weakest cards,
        stories by value, questions to ask, gaps. Low-priority items are left out until it
        fits one page, and the command says which."""
        from ..cheatsheet import PAPER_NAMES, SECTIONS, Options, describe_dropped, make
        from ..clock import default_clock, parse_when
        from ..errors import PrepError
        from ..store import Filters

        kind = _format_of(output, fmt.value if fmt else None)
        if kind == "pdf" and output is None:
            raise PrepError("a PDF needs a file: add -o cheatsheet.pdf")
        paper_name = paper.value
        shown, left_out = values(only), values(without)
        sections = tuple(s for s in SECTIONS if (not shown or s in shown) and s not in left_out)
        clock = default_clock()
        when = parse_when(at, clock.local_tz()) if at else None
        if output is not None:
            from ..safefile import written_by_prep
            from ..workspace import check_output, find

            state = find(GLOBALS.workspace, GLOBALS.db).db_path.parent
            check_output(
                output, output.suffix.lower(), "a cheat sheet", force,
                lambda p: written_by_prep(state, p),
            )  # fmt: skip
        ws, store = open_workspace()
        check_decks(store, deck)
        options = Options(
            at=when, filters=Filters(tuple(deck or ()), tuple(topic or ())), sections=sections,
            max_cards=max_cards, paper=paper_name,
        )  # fmt: skip
        result = make(ws, store, scheduler_for(store), clock, options, kind)
        for line in result.notes:
            note(line)
        page = "one printed page" if kind == "md" else f"one {PAPER_NAMES[paper_name]} page"
        if result.dropped:
            note(f"Left out to fit {page}:")
            for line in describe_dropped(result.dropped):
                note(f"  - {line}")
            note("  (choose what goes with --only, --without and --max-cards)")
        if output is None:
            assert isinstance(result.data, str)
            write_out(result.data)
            return
        from ..safefile import record_written, write_file

        write_file(output, result.data)
        record_written(ws.db_path.parent, output)
        note(f"Wrote {output} ({page}, {result.kept} items).")

    @app.command("followup")
    @guard
    def followup(
        interviewer: Annotated[
            str | None,
            typer.Option(
                "--interviewer", metavar="NAME", help="Name for the greeting (default: prep.yaml)."
            ),
        ] = None,
        asked: Annotated[
            list[str] | None,
            typer.Option(
                "--asked", metavar="CARD", help="Id of a card you were actually asked (repeatable)."
            ),
        ] = None,
        new_question: Annotated[
            list[str] | None,
            typer.Option(
                "--new-question",
                metavar="TEXT",
                help="A question you were asked that no deck has; added to decks/asked.yaml "
                "(repeatable).",
            ),
        ] = None,
        notes: Annotated[
            str | None, typer.Option("--notes", metavar="TEXT", help="Notes for the debrief.")
        ] = None,
        show_history: Annotated[
            bool,
            typer.Option(
                "--history", help="Show the debriefs recorded so far (asked, new, notes) and exit."
            ),
        ] = False,
        json_: Annotated[
            bool, typer.Option("--json", help="With --history: print one JSON document.")
        ] = False,
    ) -> None:
        """Thank-you email (printed) and the interview debrief: which cards were asked,
        new questions for decks/asked.yaml, notes. The email goes to standard output."""
        from ..clock import default_clock
        from ..followup import due_text
        from ..followup import followup as do_followup

        clock = default_clock()
        ws, store = open_workspace()
        if show_history:
            _print_history(store, json_)
            return
        result = do_followup(
            ws, store, clock, interviewer=interviewer, asked=tuple(asked or ()),
            new_questions=tuple(new_question or ()), notes=notes,
        )  # fmt: skip
        if result.email:
            write_out(result.email)
            note("")
            note(due_text(result, clock.now()))
        for message in result.messages:
            note(message)


def _print_history(store: Any, as_json: bool) -> None:
    from rich.text import Text

    from ..followup import history
    from ..ui.keys import clean

    debriefs = history(store)
    if as_json:
        echo_json({"debriefs": debriefs})
        return
    out = console()
    if not debriefs:
        out.print("No debrief recorded yet: prep followup --asked CARD --notes TEXT")
        return
    for d in debriefs:
        when = (d["interview_at"] or d["recorded_at"])[:16].replace("T", " ")
        head = Text(f"{when}", style="bold")
        if d["interviewer"]:
            head.append(" · " + clean(d["interviewer"]))
        out.print(head)
        for label, items in (("asked", d["asked"]), ("new", d["new_questions"])):
            for item in items:
                out.print(Text(f"  {label:<5} {clean(item['card'])}  {clean(item['question'])}"))
        if d["notes"]:
            out.print(Text("  notes " + clean(d["notes"])))
