"""`prep deck import` and `prep deck export`: bring material in, send decks to Anki."""

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer

from .common import GLOBALS, ImportFormat, Kind, echo, echo_json, guard, note, open_bar

SAMPLE = 5
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
                help="Markdown, CSV or TSV file (Anki text export); '-' reads standard input.",
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
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Show what would be written; write nothing.")
        ] = False,
        json_: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    ) -> None:
        """Read questions from a file into a deck; re-importing keeps every card's id and history."""
        from ..decks import display_path
        from ..errors import PrepError
        from ..importers import import_file
        from ..importers.writer import deck_slug, plan_import, write

        # Exactly: sync reads decks/*.yaml and *.yml, not *.YAML.
        if output is not None and output.suffix not in (".yaml", ".yml"):
            raise PrepError(f"{output}: a deck file must end in .yaml")
        cols = [c for c in columns.split(",")] if columns else None
        if str(file) == "-":
            if output is None and deck is None:
                raise PrepError("reading standard input: name the deck with --deck ID or -o FILE")
            file = _stdin_source()
        bar = open_bar()  # a big import shows how far it is (reading, checking, writing)
        imported = import_file(
            file,
            fmt=fmt.value if fmt else None,
            kind=kind.value if kind else None,
            columns=cols,
        )
        bar("import", 1, 3)
        ws = _workspace()
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
            echo_json(doc)
            return
        _report(file, imported, plan, shown, kinds, topics, dry_run, prune, drilled)

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
    if imported.skipped:
        echo("Skipped:")
        for s in imported.skipped[:20]:
            echo(f"  {file}:{s.line}: {_short(s.what, 60)} ({s.reason})")
        if len(imported.skipped) > 20:
            echo(f"  … and {len(imported.skipped) - 20} more (see --json)")
    if dry_run:
        echo("Sample:")
        for c in plan.cards[:SAMPLE]:
            echo(f"  {c['id']}  [{c['kind']}] {_short(str(c.get('topic', '')), 30)}")
            echo(f"      {_short(c['q'])}")
    elif plan.changed and drilled:
        echo(f"Next: prep deck check {shown}   then: prep drill --deck {plan.deck}")
    elif plan.changed:
        echo(f"Next: prep deck check {shown}")
