"""`prep deck import` and `prep deck export`: bring material in, send decks to Anki."""

import sqlite3
from contextlib import nullcontext
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from .common import GLOBALS, ImportFormat, Kind, echo, echo_json, guard, note, open_bar

SAMPLE = 5


class QuestionShape(str, Enum):
    """Where the questions are (prep.importers.QUESTION_SHAPES)."""

    h1 = "h1"
    h2 = "h2"
    h3 = "h3"
    h4 = "h4"
    h5 = "h5"
    h6 = "h6"
    list = "list"
    details = "details"
    bold = "bold"


class TopicLevel(str, Enum):
    """What gives the topics (prep.importers.TOPIC_LEVELS)."""

    h1 = "h1"
    h2 = "h2"
    h3 = "h3"
    h4 = "h4"
    h5 = "h5"
    h6 = "h6"
    none = "none"


ANOTHER_WAY = (
    "To read it another way: --questions h1..h6|list|details|bold (where the questions are), "
    "--topic h1..h6|none (what gives the topics), --skip-section WORDS, --keep-section WORDS."
)
STDIN_NAME = "<stdin>"  # how messages name standard input (`deck import -`)


def _stdin_source() -> Path:
    """Standard input as a path the importers read like a file, named <stdin> in messages."""
    import sys

    from ..errors import PrepError
    from ..importers import MAX_BYTES

    if sys.stdin.isatty():
        note("Reading questions from the terminal; end with Ctrl-D.")
    data = sys.stdin.buffer.read(MAX_BYTES + 1)  # one byte over: the importer names the limit
    if not data:
        raise PrepError(f"{STDIN_NAME}: nothing to import (standard input is empty)")

    class Stdin(type(Path())):  # type: ignore[misc]
        in_memory = data

        def read_bytes(self) -> bytes:
            return data

    return Stdin(STDIN_NAME)


def _workspace() -> Any:
    from ..errors import PrepError
    from ..workspace import find

    try:
        return find(GLOBALS.workspace, GLOBALS.db)
    except PrepError:
        return None


def _others(ws: Any, out: Path) -> tuple[set[str], dict[str, str]]:
    """Card ids and deck ids of the workspace's other decks, so the import never
    makes a workspace that `prep deck check` refuses."""
    if ws is None:
        return set(), {}
    from ..decks import deck_files, display_path
    from ..importers.writer import ids_in_decks

    target = out.resolve()
    ids, decks = ids_in_decks([f for f in deck_files(ws.root) if f.resolve() != target])
    return ids, {d: display_path(f, ws.root) for d, f in decks.items()}


def _count(values: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


def _short(text: str, width: int = 90) -> str:
    from ..ui.keys import clean

    one = " ".join(clean(text).split())
    return one if len(one) <= width else one[: width - 1] + "…"


def register(app: typer.Typer) -> None:
    @app.command("import")
    @guard
    def import_(
        file: Annotated[
            Path,
            typer.Argument(
                metavar="FILE",
                help="Markdown, CSV or TSV file, Anki text export or package (.apkg, .colpkg); "
                "'-' reads standard input.",
            ),
        ],
        output: Annotated[
            Path | None,
            typer.Option(
                "--output",
                "-o",
                metavar="FILE",
                help="Deck file to write or update (default: decks/DECK.yaml).",
            ),
        ] = None,
        deck: Annotated[
            str | None,
            typer.Option(
                "--deck",
                metavar="ID",
                help="Deck id (default: from the existing file or its name).",
            ),
        ] = None,
        kind: Annotated[
            Kind | None,
            typer.Option(
                "--kind",
                metavar="KIND",
                help="Give every card this kind: technical, behavioral, concept or ask.",
            ),
        ] = None,
        fmt: Annotated[
            ImportFormat | None,
            typer.Option(
                "--format",
                metavar="[markdown|csv|tsv]",
                help="markdown, csv or tsv (default: from the file).",
            ),
        ] = None,
        columns: Annotated[
            str | None,
            typer.Option(
                "--columns",
                metavar="NAMES",
                help="CSV/TSV column names in order, e.g. front,back,tags (also topic, kind, id, skip).",
            ),
        ] = None,
        prune: Annotated[
            bool,
            typer.Option(
                "--prune",
                help="Drop cards no longer in the source (their history stays in the database).",
            ),
        ] = False,
        questions: Annotated[
            QuestionShape | None,
            typer.Option(
                "--questions",
                metavar="SHAPE",
                help="Markdown: where the questions are: h1-h6 (each heading of that level "
                "is a card), list, details or bold. Default: inferred.",
                show_default=False,
            ),
        ] = None,
        topic: Annotated[
            TopicLevel | None,
            typer.Option(
                "--topic",
                metavar="LEVEL",
                help="Markdown: the heading level h1-h6 whose titles are the topics, or none.",
                show_default=False,
            ),
        ] = None,
        skip_section: Annotated[
            list[str] | None,
            typer.Option(
                "--skip-section",
                metavar="WORDS",
                help="Markdown: skip the sections whose heading holds WORDS (repeatable).",
            ),
        ] = None,
        keep_section: Annotated[
            list[str] | None,
            typer.Option(
                "--keep-section",
                metavar="WORDS",
                help="Markdown: read the sections whose heading holds WORDS, though their "
                "words say contents, company or summary (repeatable).",
            ),
        ] = None,
        with_history: Annotated[
            bool,
            typer.Option(
                "--with-history",
                help="Anki packages: bring the review history too, so the schedule goes on.",
            ),
        ] = False,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Show what would be written; write nothing.")
        ] = False,
        json_: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    ) -> None:
        """Read questions from a file into a deck; re-importing keeps every card's id and history."""
        from ..decks import display_path
        from ..errors import PrepError
        from ..importers import Overrides, import_file
        from ..importers.writer import deck_slug, plan_import, write

        # Exactly: sync reads decks/*.yaml and *.yml, not *.YAML.
        if output is not None and output.suffix not in (".yaml", ".yml"):
            raise PrepError(f"{output}: a deck file must end in .yaml")
        cols = [c for c in columns.split(",")] if columns else None
        if str(file) == "-":
            if output is None and deck is None:
                raise PrepError("reading standard input: name the deck with --deck ID or -o FILE")
            file = _stdin_source()
        from ..clock import default_clock

        told = Overrides(
            questions=questions.value if questions else None,
            topic=topic.value if topic else None,
            skip_sections=list(skip_section or []),
            keep_sections=list(keep_section or []),
        )
        bar = open_bar()  # a big import shows how far it is (reading, checking, writing)
        imported = import_file(
            file,
            fmt=fmt.value if fmt else None,
            kind=kind.value if kind else None,
            columns=cols,
            with_history=with_history,
            now=default_clock().now(),
            overrides=told,
        )
        bar("import", 1, 3)
        ws = _workspace()
        if with_history and ws is None:
            raise PrepError(
                "--with-history keeps the reviews in a workspace's database: run it inside "
                "a workspace (or name one with --workspace)"
            )
        if output is None:
            if ws is None:
                raise PrepError(
                    "no workspace here (no prep.yaml); pass -o FILE.yaml or run `prep init DIR`"
                )
            out = ws.decks_dir / f"{deck or deck_slug(file.stem)}.yaml"
        else:
            out = output
        shown = display_path(out, ws.root) if ws is not None else str(out)
        from ..filelock import exclusive

        # Read, merge and write under the deck's lock: a second import into the same
        # deck waits for this one (and builds on it), or refuses; none is lost.
        lock = exclusive(out) if not dry_run else nullcontext()
        with lock:
            taken, other_decks = _others(ws, out)
            plan = plan_import(imported, out, deck_id=deck, display=shown, taken=taken, prune=prune)
            if plan.deck in other_decks and out.resolve().parent == ws.decks_dir.resolve():
                raise PrepError(
                    f"deck id '{plan.deck}' is already used by {other_decks[plan.deck]}; "
                    "choose another with --deck, or import into that file with -o"
                )
            # Only decks/*.yaml of the workspace are read by sync: any other file is never drilled.
            drilled = ws is not None and out.resolve().parent == ws.decks_dir.resolve()
            if not drilled:
                where = "the decks/ folder of a workspace" if ws is None else f"{ws.decks_dir}/"
                plan.notes.append(
                    f"{shown} is not in {where}: prep will not drill it until it is moved there"
                )
            bar("import", 2, 3)
            if not dry_run and plan.changed:
                write(plan)
        bar.close()
        history = _history(imported, dry_run) if with_history else None
        kinds = _count([c["kind"] for c in plan.cards])
        topics = _count([str(c.get("topic", plan.title)) for c in plan.cards])
        if json_:
            doc = {
                "source": str(file),
                "format": imported.format,
                "output": shown,
                "deck": plan.deck,
                "dry_run": dry_run,
                "written": (not dry_run) and plan.changed,
                "cards": len(plan.cards),
                "read": len(imported.drafts),
                "added": plan.added,
                "updated": plan.updated,
                "unchanged": len(plan.unchanged),
                "not_in_source": plan.missing,
                "not_in_source_kept": not prune,
                "matched_by_text": [
                    {"id": cid, "was": old, "now": new} for cid, old, new in plan.matched_by_text
                ],
                "duplicates_merged": [{"line": a, "kept_line": b} for a, b in imported.merged],
                "skipped": [
                    {"line": s.line, "text": s.what, "reason": s.reason} for s in imported.skipped
                ],
                "by_kind": kinds,
                "by_topic": topics,
                "notes": plan.notes,
            }
            if history is not None:
                doc["history"] = history
            if dry_run:
                from ..importers.structure import describe

                doc["structure"] = describe(imported)
            echo_json(doc)
            return
        _report(file, imported, plan, shown, kinds, topics, dry_run, prune, drilled)
        if history is not None:
            _report_history(history, dry_run)

    @app.command("export")
    @guard
    def export(
        anki: Annotated[
            Path,
            typer.Option(
                "--anki", metavar="FILE", help="Anki package to write (.apkg).", show_default=False
            ),
        ],
        deck: Annotated[
            list[str] | None,
            typer.Option("--deck", metavar="DECK", help="Only this deck (repeatable)."),
        ] = None,
        force: Annotated[
            bool,
            typer.Option(
                "--force", help="Replace the --anki file even if it is not an earlier export."
            ),
        ] = False,
        json_: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    ) -> None:
        """Write decks as an Anki package; exporting again updates the same notes in Anki."""
        from ..decks import load_all
        from ..errors import DeckError, PrepError
        from ..importers.anki import export_apkg, is_apkg
        from ..workspace import check_output, find

        ws = find(GLOBALS.workspace, GLOBALS.db)
        decks, problems = load_all(ws.root)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise DeckError(errors)
        if deck:
            known = {d.id for d in decks}
            unknown = [d for d in deck if d not in known]
            if unknown:
                raise PrepError(
                    f"no deck '{unknown[0]}'; decks: {', '.join(sorted(known)) or '(none)'}"
                )
            decks = [d for d in decks if d.id in deck]
        if not decks:
            raise PrepError("no decks to export")
        check_output(anki, ".apkg", "an Anki package", force, is_apkg)
        report = export_apkg(decks, anki)
        if json_:
            echo_json({"path": str(anki), "decks": report.decks, "notes": report.notes})
            return
        echo(
            f"Wrote {anki}: {report.notes} note(s) in {report.decks} deck(s). "
            "Importing it into Anki again updates these notes instead of adding copies."
        )


def _history(imported: Any, dry_run: bool) -> dict[str, Any]:
    """The package's reviews into the review log (one transaction, merged by UUID: a
    second import adds nothing), after the deck is written so they land on its cards."""
    entries = imported.history
    doc: dict[str, Any] = {
        "read": len(entries),
        "cards": len({e.card_id for e in entries}),
        "left_out": dict(imported.history_left),
    }
    if dry_run or not entries:
        doc.update(added=0, known=0, changed=0)
        return doc
    from ..errors import PrepError
    from ..logsync import import_ as merge_log
    from .common import open_workspace, scheduler_for

    try:
        _, store = open_workspace()
        result = merge_log(store, scheduler_for(store), entries)
    except (PrepError, sqlite3.Error) as exc:
        raise PrepError(
            f"the deck was written, but its review history was not (nothing of it is in "
            f"the database): {exc}; run the same import again to bring it"
        ) from None
    doc.update(added=result.added, known=result.known, changed=result.changed)
    return doc


def _report_history(history: dict[str, Any], dry_run: bool) -> None:
    left = history["left_out"]
    if dry_run:
        echo(
            f"Would bring {history['read']} review(s) of {history['cards']} card(s) into the "
            "review log (reviews already there are not added again)."
        )
    else:
        echo(
            f"Review history: {history['added']} review(s) added, {history['known']} already "
            f"here, of {history['cards']} card(s); {history['changed']} card schedule(s) "
            "updated."
        )
    for reason, n in left.items():
        echo(f"  {n} review(s) left out: {reason}")


def _report_structure(imported: Any, plan: Any) -> None:
    """What the reading found: the shape and level of the questions, what gave the
    topics, and per topic its first card with the lines of its question and answer."""
    from ..importers.structure import describe

    doc = describe(imported)
    ids = {c["q"]: c["id"] for c in plan.cards}
    echo("Structure read:")
    echo("  questions: " + "; ".join(f"{q['cards']} {q['shape']}" for q in doc["questions"]))
    echo(
        "  topics:    "
        + "; ".join(f"{t['from']} ({t['topics']} topic(s))" for t in doc["topics_from"])
    )
    echo(f"  answers:   {doc['with_answer']} of {len(imported.drafts)} card(s) have one")
    echo("Sample, the first card of each topic (line of the question; lines of its answer):")
    for t in doc["topics"][:40]:
        c = t["sample"]
        span = c["answer_lines"]
        if span:
            answer = f"answer {span[0]}-{span[1]}" if span[1] > span[0] else f"answer {span[0]}"
        else:
            answer = "answer on the question's line" if c["answer"] else "no answer"
        echo(f"  {_short(t['topic'], 40)} ({t['cards']})")
        cid = ids.get(c["q"], "")
        echo(f"    line {c['line']}, {answer}  {cid}")
        echo(f"      {_short(c['q'])}")
    if len(doc["topics"]) > 40:
        echo(f"  … and {len(doc['topics']) - 40} more topics (see --json)")


def _report(
    file: Path,
    imported: Any,
    plan: Any,
    shown: str,
    kinds: dict[str, int],
    topics: dict[str, int],
    dry_run: bool,
    prune: bool,
    drilled: bool,
) -> None:
    verb = "Would write" if dry_run else ("Wrote" if plan.changed else "Nothing to change in")
    echo(
        f"Read {file} ({imported.format}): {len(imported.drafts)} question(s)"
        + (f", {len(imported.merged)} duplicate(s) merged" if imported.merged else "")
        + (f", {len(imported.skipped)} part(s) skipped" if imported.skipped else "")
        + "."
    )
    parts = [f"{len(plan.added)} new"]
    if plan.existed:
        parts += [f"{len(plan.updated)} updated", f"{len(plan.unchanged)} unchanged"]
    echo(f"{verb} {shown}: {len(plan.cards)} card(s), deck '{plan.deck}' ({', '.join(parts)}).")
    echo("  by kind:  " + ", ".join(f"{k} {n}" for k, n in kinds.items()))
    ordered = sorted(topics.items(), key=lambda kv: -kv[1])
    shown_topics = ", ".join(f"{_short(t, 40)} {n}" for t, n in ordered[:12])
    more = f", … {len(ordered) - 12} more" if len(ordered) > 12 else ""
    echo(f"  by topic ({len(ordered)}): {shown_topics}{more}")
    for cid, old, new in plan.matched_by_text:
        echo(f"  kept id {cid} for an edited question: {_short(old, 40)!r} -> {_short(new, 40)!r}")
    if plan.missing:
        what = "dropped from the file" if prune else "kept in the file"
        echo(
            f"  {len(plan.missing)} card(s) are no longer in the source ({what}; "
            f"history stays in the database): {', '.join(plan.missing[:10])}"
            + (" …" if len(plan.missing) > 10 else "")
        )
    for message in plan.notes:
        note(f"note: {message}")
    if dry_run:
        _report_structure(imported, plan)
    if imported.skipped:
        # A dry run lists every one: it is where a person checks what the reading left out.
        cap = len(imported.skipped) if dry_run else 20
        echo(f"Skipped (all {len(imported.skipped)}):" if dry_run else "Skipped:")
        for s in imported.skipped[:cap]:
            echo(f"  {file}:{s.line}: {_short(s.what, 60)} ({s.reason})")
        if len(imported.skipped) > cap:
            echo(f"  … and {len(imported.skipped) - cap} more (see --dry-run or --json)")
    if dry_run:
        if imported.format == "markdown":
            echo(ANOTHER_WAY)
    elif plan.changed and drilled:
        echo(f"Next: prep deck check {shown}   then: prep drill --deck {plan.deck}")
    elif plan.changed:
        echo(f"Next: prep deck check {shown}")
