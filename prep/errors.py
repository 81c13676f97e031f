"""Errors the user can fix. The face turns these into one `Error:` line, exit 1."""

from __future__ import annotations

from .record import Record


class Problem(Record):
    """One located problem, printed the way a compiler does."""

    __slots__ = ("path", "line", "col", "message", "severity")
    _defaults = {"severity": "error"}
    path: str
    line: int
    col: int
    message: str
    severity: str

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Problem is read-only")

    def __str__(self) -> str:
        where = self.path
        if self.line:
            where += f":{self.line}"
            if self.col:
                where += f":{self.col}"
        return f"{where}: {self.severity}: {self.message}"


class PrepError(Exception):
    """Bad input or state that the user can act on. Never a bug."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []

    def __str__(self) -> str:
        return self.message


class DeckError(PrepError):
    """One or more located problems in deck files."""

    def __init__(self, problems: list[Problem]):
        first = problems[0]
        more = (
            f" (and {len(problems) - 1} more; run `prep deck check`)" if len(problems) > 1 else ""
        )
        where = f"{first.path}:{first.line}:{first.col}" if first.line else first.path
        super().__init__(f"{where}: {first.message}{more}", problems)


def database_error(exc: BaseException) -> str:
    """The one line for an SQLite error that reached a command (as `guard` words it)."""
    import sqlite3

    if isinstance(exc, sqlite3.OperationalError):  # e.g. disk full, read-only folder: not damage
        return f"the database could not be used: {exc}"
    return f"the database is damaged ({exc}); run `prep doctor`, or `prep restore` a backup"


class TimeValueError(PrepError, ValueError):
    """A time that cannot be read. Also a ValueError, so every reader of input that
    catches ValueError for a bad date still words its own message."""
