"""Keeping the database well: doctor, backup, restore, and the review log between machines."""

from pathlib import Path
from typing import Annotated, Any

import typer

from .common import (
    GLOBALS,
    JsonOpt,
    echo,
    echo_json,
    guard,
    note,
    open_workspace,
    parsed_by,
    print_json,
    scheduler_for,
    when_value,
)

log_app = typer.Typer(
    help="Move reviews between machines as JSON lines (merge by UUID), not the database file.",
    no_args_is_help=True,
)


def _open_store(empty_ok: bool = False) -> tuple[Any, Any]:
    """The workspace and its store, without reading the decks (repairs must work when they are broken).
    `empty_ok`: a 0-byte database file is opened as a new one (restore replaces it)."""
    from ..store import Store
    from ..workspace import find

    ws = find(GLOBALS.workspace, GLOBALS.db)
    return ws, Store(ws.db_path, empty_ok=empty_ok)


def _restore_hint(db_path: Path) -> str:
    from ..backup import list_backups

    found = list_backups(db_path)
    if found:
        return f"; restore a backup: prep restore {found[0].path}"
    return "; no backup found in " + str(db_path.parent / "backups")


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def _backup_table(found: list[Any]) -> None:
    """Name, kind, saved at, size: one aligned row a file (names vary in length)."""
    from datetime import datetime

    rows = [("name", "kind", "saved", "size")] + [
        (
            b.path.name,
            b.kind,
            datetime.fromtimestamp(b.mtime).strftime("%Y-%m-%d %H:%M"),
            _size(b.size),
        )
        for b in found
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for name, kind, saved, size in rows:
        echo(f"{name:<{widths[0]}}  {kind:<{widths[1]}}  {saved:<{widths[2]}}  {size:>6}")


def _backup_dict(b: Any) -> dict[str, Any]:
    from datetime import datetime

    return {
        "name": b.path.name, "path": str(b.path), "kind": b.kind,
        "day": b.day.isoformat() if b.day else None,
        "saved_at": datetime.fromtimestamp(b.mtime).astimezone().isoformat(timespec="seconds"),
        "size": b.size,
    }  # fmt: skip


def _ids(items: list[str], limit: int = 8) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f", ... ({len(items) - limit} more)" if len(items) > limit else "")


@log_app.command("export")
@guard
def export(
    file: Annotated[
        str,
        typer.Argument(metavar="FILE", help="File to write (.jsonl, JSON lines); '-' for stdout."),
    ],
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATE",
            callback=parsed_by(when_value),
            help="Only reviews from this date on (YYYY-MM-DD).",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace FILE even if it is not an earlier export.")
    ] = False,
) -> None:
    """Write every review (with its UUID) as one JSON line, for `prep log import` elsewhere."""
    import sys

    from ..clock import default_clock, parse_when
    from ..logsync import export as do_export
    from ..logsync import undone_count, write_lines
    from ..safefile import record_written, written_by_prep
    from ..workspace import check_output, find

    state = find(GLOBALS.workspace, GLOBALS.db).db_path.parent
    if file != "-":
        check_output(
            Path(file), ".jsonl", "a review log export", force,
            lambda p: written_by_prep(state, p),
        )  # fmt: skip
    _, store = _open_store()
    start = parse_when(since, default_clock().local_tz()) if since else None
    if file == "-":
        write_lines(store, sys.stdout, start)
        return
    n = do_export(store, Path(file), start)
    record_written(state, Path(file))
    undone = undone_count(store, start)
    also = f" and {undone} undone review(s)" if undone else ""
    echo(f"Exported {n} review(s){also} to {file}.")


@log_app.command("import")
@guard
def import_(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="A file written by `prep log export`.")
    ],
    json_: JsonOpt = False,
) -> None:
    """Merge reviews from another machine by UUID and replay the cards they touch (idempotent)."""
    from ..clock import default_clock
    from ..logsync import import_ as do_import
    from ..logsync import read

    # A bad file is refused before the database is opened for writing.
    entries = read(file, now=default_clock().now())
    _, store = open_workspace()
    result = do_import(store, scheduler_for(store), entries)
    if json_:
        print_json(
            {
                "file": str(file),
                "read": result.read,
                "added": result.added,
                "known": result.known,
                "cards": result.cards,
                "changed": result.changed,
                "undone": result.undone,
                "kept_undone": result.kept_undone,
                "remapped": result.remapped,
                "unknown_cards": result.unknown_cards,
                "conflicts": result.conflicts,
            }  # fmt: skip
        )
        return
    echo(
        f"Imported {result.added} new review(s) of {len(result.cards)} card(s) "
        f"({result.known} already here); {result.changed} card state(s) updated."
    )
    if result.undone or result.kept_undone:
        note(
            f"note: undo travels: {result.undone} review(s) taken back on the other machine "
            f"removed here; {result.kept_undone} review(s) taken back earlier left out"
        )
    if result.remapped:
        note(f"note: {result.remapped} review(s) of renamed cards filed under their new ids")
    if result.unknown_cards:
        note(
            f"note: {len(result.unknown_cards)} card id(s) are in no deck here "
            f"(kept; they count once the deck arrives): {_ids(result.unknown_cards)}"
        )
    if result.conflicts:
        note(
            f"warning: {len(result.conflicts)} review(s) share a UUID with a different review "
            f"here; kept this machine's: {_ids(result.conflicts, 3)}"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(log_app, name="log")

    @app.command("doctor")
    @guard
    def doctor(
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Report only; change nothing.")
        ] = False,
        json_: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    ) -> None:
        """Check the database file (integrity_check), rebuild card state from the review log,
        list orphans, leeches and renamed ids.

        The review log is the truth: any card whose cached state differs from a replay
        of its reviews is named and rebuilt. Triggers and views prep never creates (they
        could change every grade) are removed and extra tables named; reviews dated
        outside the times prep reads are taken out as undone. A damaged file is not
        touched; the way out is `prep restore` with a backup from .prep/backups/.
        """

        from ..doctor import LEECH_LAPSES, check_integrity, integrity_summary
        from ..doctor import doctor as run_doctor
        from ..errors import PrepError
        from ..store import AccessError, Store
        from ..sync import sync
        from ..workspace import find

        ws = find(GLOBALS.workspace, GLOBALS.db)
        try:
            store = Store(ws.db_path)
        except AccessError:  # the file is fine: a backup is not the way out
            raise
        except PrepError as exc:
            raise PrepError(str(exc) + _restore_hint(ws.db_path)) from None
        integrity = check_integrity(store)
        if integrity != ["ok"]:  # nothing else runs on a damaged file, not even a deck sync
            raise PrepError(
                f"{store.path}: the database is damaged "
                f"(integrity_check: {integrity_summary(integrity)})" + _restore_hint(store.path)
            )
        deck_problem = None
        if not dry_run:
            try:
                for message in sync(store, ws).messages:
                    note(message)
            except PrepError as exc:  # broken decks must not stop a repair of the log
                deck_problem = str(exc)
        report = run_doctor(store, scheduler_for(store), fix=not dry_run, integrity=integrity)
        if json_:
            data = report.to_dict()
            data["decks"] = deck_problem
            echo_json(data)
            return
        out = echo
        out("database     ok (integrity_check)")
        if report.dropped:
            out(f"schema       removed what prep never creates: {_ids(report.dropped)}")
        would = [x for x in report.foreign if x.startswith(("trigger ", "view ")) and dry_run]
        if would:
            out(
                f"schema       warning: not prep's, to remove (run without --dry-run): {_ids(would)}"
            )
        if report.bad_times:
            from ..clock import TIME_RANGE

            verb = "to take out (run without --dry-run)" if dry_run else "taken out, as undone"
            out(
                f"times        {len(report.bad_times)} review(s) dated outside {TIME_RANGE} "
                f"{verb}: {_ids(report.bad_times, 3)}"
            )
        left = [x for x in report.foreign if x.startswith(("table ", "index "))]
        if left:
            out(f"schema       warning: not prep's, left as they are: {_ids(left)}")
        out(f"reviews      {report.reviews} on {report.cards_with_reviews} card(s)")
        if not report.changed:
            out("card state   ok: every card matches its review log")
        elif report.fixed:
            out(
                f"card state   rebuilt {len(report.changed)} card(s) from the log: {_ids(report.changed)}"
            )
        else:
            out(
                f"card state   {len(report.changed)} card(s) differ from the log (run without --dry-run to rebuild): {_ids(report.changed)}"
            )
        if report.alias_moved:
            verb = "moved" if not dry_run else "to move"
            out(
                f"renames      {report.alias_moved} review(s) filed under old ids {verb} to the current ones"
            )
        if report.alias_cycles:
            out(f"renames      warning: renames loop for {_ids(report.alias_cycles)}")
        if report.orphans:
            shown = [f"{o.card_id} ({o.reviews} reviews)" for o in report.orphans]
            out(
                f"orphans      {len(report.orphans)} card(s) left their decks; history kept: {_ids(shown)}"
            )
        if report.unknown:
            shown = [f"{cid} ({n})" for cid, n in report.unknown.items()]
            out(
                f"unknown      reviews of {len(report.unknown)} id(s) no deck here has: {_ids(shown)}"
            )
        if report.leeches:
            shown = [f"{lc.card_id} ({lc.lapses} lapses)" for lc in report.leeches]
            out(
                f"leeches      {len(report.leeches)} card(s) forgotten {LEECH_LAPSES}+ times; rewrite or split them: {_ids(shown)}"
            )
        else:
            out("leeches      none")
        if report.last_backup:
            out(
                f"backups      last automatic {report.last_backup}; {report.backups} file(s) in {store.path.parent / 'backups'}"
            )
        else:
            out("backups      none yet (one is made each day the database changes)")
        if deck_problem:
            out(f"decks        error: {deck_problem}")

    @app.command("backup")
    @guard
    def backup(
        file: Annotated[
            Path | None,
            typer.Argument(
                metavar="[FILE]", help="File or folder to write (default: the backups folder)."
            ),
        ] = None,
        list_: Annotated[bool, typer.Option("--list", help="List the backups instead.")] = False,
        json_: JsonOpt = False,
    ) -> None:
        """Save a consistent copy of the database (safe while another prep is running).

        Besides these, prep makes an automatic backup in .prep/backups/ once a day
        (never inside a grade), keeping 7 days and 4 weeks.
        """
        from ..backup import backup_to, inspect, list_backups
        from ..workspace import find

        if list_:  # without opening the database: it may be the reason for a restore
            db_path = find(GLOBALS.workspace, GLOBALS.db).db_path
            found = list_backups(db_path)
            if json_:
                print_json(
                    {
                        "folder": str(db_path.parent / "backups"),
                        "backups": [_backup_dict(b) for b in found],
                    }
                )
                return
            if not found:
                echo(f"No backups yet in {db_path.parent / 'backups'}.")
                return
            echo(f"Backups in {found[0].path.parent} (restore one by name):")
            _backup_table(found)
            return
        _, store = _open_store()
        dest = backup_to(store, file)
        info = inspect(dest)
        if json_:
            print_json({"path": str(dest), "reviews": info.reviews, "size": dest.stat().st_size})
            return
        echo(f"Backed up {info.reviews} review(s) to {dest} ({_size(dest.stat().st_size)}).")

    @app.command("restore")
    @guard
    def restore(
        file: Annotated[
            Path,
            typer.Argument(
                metavar="FILE", help="A backup (a path, or a file name in the backups folder)."
            ),
        ],
    ) -> None:
        """Replace the database with a backup; the current one is saved first.

        FILE must be a prep database (it is checked before anything changes).
        Automatic backups are in .prep/backups/ (see `prep backup --list`).
        """
        from ..backup import backups_dir
        from ..backup import restore as do_restore

        _, store = _open_store(empty_ok=True)  # a database emptied to 0 bytes is restored too
        if not file.exists() and not file.is_absolute():
            candidate = backups_dir(store.path) / file
            if candidate.exists():
                file = candidate
        done = do_restore(store, file)
        last = (done.source.last_review or "")[:10] or "never"
        echo(
            f"Restored {file}: {done.source.reviews} review(s), last on {last}. "
            f"The database as it was ({done.reviews_before} review(s)) is saved in {done.saved_to}."
        )
