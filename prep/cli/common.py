"""What every command shares: the workspace, the store, clean errors."""

import functools
import os
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import typer

from ..errors import PrepError

# The card filters that drill and mock share (deck, topic, tag; kind differs in its help).
DeckOpt = Annotated[list[str] | None, typer.Option("--deck", help="Only this deck (repeatable).")]
TopicOpt = Annotated[
    list[str] | None, typer.Option("--topic", help="Only this topic (repeatable).")
]
TagOpt = Annotated[
    list[str] | None, typer.Option("--tag", help="Only cards with this tag (repeatable).")
]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Globals:
    workspace: str | None = None
    db: str | None = None


GLOBALS = Globals()


def err(message: str) -> None:
    sys.stderr.write(f"Error: {message}\n")
    sys.stderr.flush()


def note(message: str) -> None:
    sys.stderr.write(message + "\n")


def guard(fn: F) -> F:
    """Turn user errors into one `Error:` line and exit code 1; Ctrl-C into a quiet exit."""

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
            raise typer.Exit(130) from None
        except BrokenPipeError:
            raise typer.Exit(0) from None

    return wrapper  # type: ignore[return-value]


def open_workspace(sync: bool = True) -> tuple[Any, Any]:
    """Find the workspace, open the store and bring decks up to date."""
    from .. import workspace
    from ..store import Store
    from ..sync import sync as do_sync

    ws = workspace.find(GLOBALS.workspace, GLOBALS.db)
    store = Store(ws.db_path)
    if sync:
        report = do_sync(store, ws)
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
    from rich.console import Console

    return Console(
        stderr=stderr, highlight=False, no_color=bool(os.environ.get("NO_COLOR")) or None
    )
