"""What every command shares: the workspace, the store, clean errors."""

import functools
import os
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, TypeVar

import typer

from ..errors import PrepError
from ..safetext import clean, json_safe

# The card filters that drill and mock share (deck, topic, tag; kind differs in its help).
# Every option names its metavar, so help reads the same under every typer version.
DeckOpt = Annotated[
    list[str] | None,
    typer.Option("--deck", metavar="DECK", help="Only this deck (repeatable)."),
]
TopicOpt = Annotated[
    list[str] | None,
    typer.Option("--topic", metavar="TOPIC", help="Only this topic (repeatable)."),
]
TagOpt = Annotated[
    list[str] | None,
    typer.Option("--tag", metavar="TAG", help="Only cards with this tag (repeatable)."),
]


# Values prep knows in advance are choices: a typo exits 2 naming them (as click does for
# any usage error), --help lists them, and shell completion offers them.
class Kind(str, Enum):
    """Card kinds (prep.decks.KINDS)."""

    technical = "technical"
    behavioral = "behavioral"
    concept = "concept"
    ask = "ask"


class Section(str, Enum):
    """Cheat sheet sections (prep.cheatsheet.SECTIONS)."""

    company = "company"
    fit = "fit"
    highlights = "highlights"
    advice = "advice"
    readiness = "readiness"
    cards = "cards"
    stories = "stories"
    ask = "ask"
    gaps = "gaps"


class SheetFormat(str, Enum):
    md = "md"
    html = "html"
    pdf = "pdf"


class Paper(str, Enum):
    a4 = "a4"
    letter = "letter"


class ImportFormat(str, Enum):
    """What `deck import` reads (prep.importers.FORMATS)."""

    markdown = "markdown"
    csv = "csv"
    tsv = "tsv"


KIND_METAVAR = "KIND"  # the help text lists them: the bracketed list would crowd the column


def values(chosen: list[Any] | None) -> list[str]:
    """Plain strings for the core from a repeatable choice option."""
    return [c.value for c in chosen or ()]


def parsed_by(parse: Callable[[str], object]) -> Callable[[Any], Any]:
    """An option callback: `parse` (a core parser) refusing a value is a usage error (exit 2)."""

    def callback(value: Any) -> Any:
        for one in value if isinstance(value, list | tuple) else [value]:
            if one is None:
                continue
            try:
                parse(one)
            except PrepError as exc:
                raise typer.BadParameter(str(exc)) from None
        return value

    return callback


def seconds_value(text: str) -> object:
    """90, 2m, 1m30s: the answer times decks use."""
    from ..decks import parse_time

    if parse_time(int(text) if text.strip().isdigit() else text) is None:
        raise PrepError(f"{text!r}: use seconds (90) or 2m, 1m30s")
    return text


def check_each(option: str, parse: Callable[[str], object], given: list[str] | None) -> None:
    """parsed_by for a repeatable option, checked in the command (older typers pass a
    repeatable option's callback None, then fail on what it returns)."""
    for one in given or ():
        try:
            parse(one)
        except PrepError as exc:
            raise typer.BadParameter(str(exc), param_hint=f"'{option}'") from None


def when_value(text: str) -> object:
    """A date or date-time as prep reads them (the zone does not matter for the form)."""
    from ..clock import UTC, parse_when

    return parse_when(text, UTC)


F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Globals:
    workspace: str | None = None
    db: str | None = None


GLOBALS = Globals()


# Every line the face prints passes the one sanitizer (prep.safetext.clean): error
# and note lines quote deck ids, file names and card text from untrusted files.
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def problem_dict(p: Any) -> dict[str, Any]:
    """A located problem for --json: where, how bad, what."""
    return {
        "path": p.path, "line": p.line, "col": p.col, "severity": p.severity, "message": p.message,
    }  # fmt: skip


def print_json(doc: Any) -> None:
    """One JSON document on stdout (sanitized: see echo_json)."""
    echo_json(doc)


def err(message: str) -> None:
    sys.stderr.write(f"Error: {clean(message)}\n")
    sys.stderr.flush()


def note(message: str) -> None:
    sys.stderr.write(clean(message) + "\n")


def echo(message: str = "", err: bool = False, nl: bool = True) -> None:
    """typer.echo for text that may quote untrusted content."""
    typer.echo(clean(message), err=err, nl=nl)


def echo_json(data: Any) -> None:
    """One JSON document on stdout; control and bidi characters inside strings escaped."""
    import json

    typer.echo(json_safe(json.dumps(data, ensure_ascii=False)))


def write_out(text: str) -> None:
    """Raw text (a cheat sheet, an email) to stdout, sanitized like every other line."""
    sys.stdout.write(clean(text))
    sys.stdout.flush()


def guard(fn: F) -> F:
    """Turn user and database errors into one `Error:` line and exit code 1; Ctrl-C into
    exit 130 and a closed pipe into exit 1, both without a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import typer

        try:
            return fn(*args, **kwargs)
        except PrepError as exc:
            err(str(exc))
            raise typer.Exit(1) from None
        except sqlite3.OperationalError as exc:  # e.g. disk full, read-only folder: not damage
            err(f"the database could not be used: {exc}")
            raise typer.Exit(1) from None
        except sqlite3.DatabaseError as exc:
            err(f"the database is damaged ({exc}); run `prep doctor`, or `prep restore` a backup")
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            sys.stderr.write("\n")
            _STORES.clear()  # asked to stop now: the next command takes the day's backup
            raise typer.Exit(130) from None
        except BrokenPipeError:  # the reader went away (`| head`): quietly, as on any closed pipe
            raise typer.Exit(1) from None
        finally:
            while _BARS:
                _BARS.pop().close()
            finish_stores()

    return wrapper  # type: ignore[return-value]


_BARS: list[Any] = []


def open_bar() -> Any:
    """A progress bar for long work (see progress.Bar), put away when the command ends."""
    from .progress import Bar

    bar = Bar()
    _BARS.append(bar)
    return bar


# The stores this command opened: the day's backup a grade left for later is taken when
# the command ends (see Store.finish_backup), after the last screen, never during a grade.
_STORES: list[Any] = []


def finish_stores() -> None:
    while _STORES:
        store = _STORES.pop()
        try:
            if not getattr(store, "_backup_left", False):
                continue
            from ..backup import quick_to_copy

            # A copy that takes a while says what the wait is (on a terminal, then erased).
            shown = sys.stderr.isatty() and not quick_to_copy(store)
            if shown:
                sys.stderr.write("taking today's backup of the database...")
                sys.stderr.flush()
            try:
                store.finish_backup()
            finally:
                if shown:
                    sys.stderr.write("\r\x1b[K")
                    sys.stderr.flush()
        except KeyboardInterrupt:  # asked to stop: no backup today from this command
            _STORES.clear()
            sys.stderr.write("\n")
            return
        except Exception:  # noqa: BLE001, S110 - the backup says itself what went wrong
            pass


def open_workspace(sync: bool = True) -> tuple[Any, Any]:
    """Find the workspace, open the store and bring decks up to date."""
    from .. import workspace
    from ..store import Store
    from ..sync import sync as do_sync

    ws = workspace.find(GLOBALS.workspace, GLOBALS.db)
    store = Store(ws.db_path)
    _STORES.append(store)
    if sync:
        from .progress import Bar

        with Bar() as bar:  # a first sync of a big deck shows how far it is
            report = do_sync(store, ws, keep_good=True, progress=bar)
        for message in report.messages:
            note(message)
    return ws, store


def scheduler_for(store: Any) -> Any:
    from ..clock import default_clock
    from ..schedule import Scheduler
    from ..status import settings_of

    fuzz = os.environ.get("PREP_NO_FUZZ") is None
    settings = settings_of(store)
    return Scheduler(
        settings.desired_retention, fuzz=fuzz,
        day_start=(default_clock().local_tz(), settings.day_starts_at),
    )  # fmt: skip


def console(stderr: bool = False) -> Any:
    """The rich console every command prints through.

    It never parses markup or emoji codes in strings (a deck file named
    `[link=...]x[/link].yaml` is printed as that name), and every piece of text
    it renders is cleaned of control sequences, so no table cell, panel or
    Markdown block can carry one, whoever built it. Only rich's own styling
    codes reach the terminal.
    """
    from rich.console import Console
    from rich.segment import Segment

    class SafeConsole(Console):
        def render_str(self, text: str, **kwargs: Any) -> Any:
            # Before rich's own Text drops BEL, which would leave an OSC unterminated.
            return super().render_str(clean(text), **kwargs)

        def _render_buffer(self, buffer: Any) -> str:
            return super()._render_buffer(
                Segment(clean(text), style, None)
                if control is None
                else Segment(text, style, control)
                for text, style, control in buffer
            )

    return SafeConsole(
        stderr=stderr, highlight=False, markup=False, emoji=False,
        no_color=bool(os.environ.get("NO_COLOR")) or None,
    )  # fmt: skip


def check_decks(store: Any, decks: list[str] | None) -> None:
    """--deck values must name decks of the workspace (as `deck export --deck` checks)."""
    if not decks:
        return
    known = {r[0] for r in store.conn.execute("SELECT DISTINCT deck FROM cards WHERE active = 1")}
    unknown = [d for d in decks if d not in known]
    if unknown:
        raise PrepError(f"no deck '{unknown[0]}'; decks: {', '.join(sorted(known)) or '(none)'}")


MAX_NAMES = 20  # known topics or tags named in a note, so it stays one line of reasonable size


def note_unmatched(store: Any, topics: list[str] | None, tags: list[str] | None) -> None:
    """One line for a --topic or --tag no card has, naming the ones there are."""
    for flag, values, sql in (
        ("topic", topics, "SELECT DISTINCT topic FROM cards WHERE active = 1"),
        (
            "tag",
            tags,
            "SELECT DISTINCT t.value FROM cards c, json_each(c.tags) t WHERE c.active = 1",
        ),
    ):
        if not values:
            continue
        known = sorted({str(r[0]) for r in store.conn.execute(sql)})
        for value in values:
            if value in known:
                continue
            from difflib import get_close_matches

            close = get_close_matches(value, known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            names = ", ".join(known[:MAX_NAMES]) or "(none)"
            if len(known) > MAX_NAMES:
                names += f", ... ({len(known) - MAX_NAMES} more)"
            note(f"note: no card has {flag} '{value}'{hint}; {flag}s: {names}")
