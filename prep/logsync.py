"""Keep two machines in step through the review log, never the database file.

`export` writes one JSON object per review (with its UUID) per line.
`import_` merges such a file by UUID: reviews already present are skipped,
new ones are added, and only the cards they touch are replayed. Importing
the same file twice changes nothing. Card ids that were renamed here (an
edited question, see sync.py) are mapped through `card_aliases`, so reviews
made on a machine that still had the old text land on the right card.

Grades taken back with undo travel too: the export carries one line per
undone review (`{"undone": UUID, "card_id": ..., "undone_at": ...}`); the
import removes that review if it is here, and a review undone here (or in the
file) is never brought back by an older export.

A bad file is reported line by line and changes nothing.
"""

from __future__ import annotations

import json
import uuid as uuidlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .clock import TIME_RANGE, in_range, iso, parse_iso
from .errors import PrepError, Problem

if TYPE_CHECKING:
    from .schedule import Scheduler
    from .store import Store

FIELDS = ("uuid", "card_id", "rating", "reviewed_at", "duration_ms", "source", "session")
UNDO_FIELDS = ("undone", "card_id", "undone_at")
SOURCES = ("drill", "mock", "cram")
MAX_LINE = 64 * 1024
# A review line is ~200 bytes: 128 MiB is over 600,000 reviews (100 a day for 16 years).
MAX_FILE = 128 * 1024 * 1024
MAX_PROBLEMS = 20
# Clocks of two machines differ a little; a review further ahead than this is a wrong date.
FUTURE_SLACK = timedelta(days=1)


def _rows(store: Store, since: datetime | None = None) -> Iterable[tuple[Any, ...]]:
    sql = f"SELECT {', '.join(FIELDS)} FROM reviews"
    args: list[Any] = []
    if since is not None:
        sql += " WHERE reviewed_at >= ?"
        args.append(iso(since))
    return store.conn.execute(sql + " ORDER BY reviewed_at, uuid", args)


def _undone_rows(store: Store, since: datetime | None = None) -> list[tuple[Any, ...]]:
    sql = "SELECT uuid, card_id, undone_at FROM undone"
    args: list[Any] = []
    if since is not None:
        sql += " WHERE undone_at >= ?"
        args.append(iso(since))
    return store.conn.execute(sql + " ORDER BY undone_at, uuid", args).fetchall()


# Characters that some readers (Python's str.splitlines, JavaScript) take as line
# ends: written as \u escapes, so a card id holding one cannot split a line.
_LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}


def _line(obj: dict[str, Any]) -> str:
    from .safetext import json_safe  # C1, bidi and line separators as \u escapes

    text = json_safe(json.dumps(obj, ensure_ascii=False))
    if any(ch in text for ch in _LINE_BREAKS):
        for ch, escaped in _LINE_BREAKS.items():
            text = text.replace(ch, escaped)
    return text + "\n"


def write_lines(store: Store, out: IO[str], since: datetime | None = None) -> int:
    """Write the reviews, then the undone ones; returns the number of reviews."""

    n = 0
    for row in _rows(store, since):
        out.write(_line(dict(zip(FIELDS, row, strict=True))))
        n += 1
    for row in _undone_rows(store, since):
        out.write(_line(dict(zip(UNDO_FIELDS, row, strict=True))))
    return n


def undone_count(store: Store, since: datetime | None = None) -> int:
    return len(_undone_rows(store, since))


def export(store: Store, dest: Path, since: datetime | None = None) -> int:
    """Write the log to `dest` (replaced atomically). Returns the number of reviews."""
    from .safefile import replacing

    with replacing(dest, text=True) as f:
        n = write_lines(store, f, since)
    return n


@dataclass
class Entry:
    uuid: str
    card_id: str
    rating: int
    reviewed_at: str
    duration_ms: int
    source: str
    session: str | None
    line: int


@dataclass
class Undo:
    """A review taken back on the machine that wrote the file."""

    uuid: str
    card_id: str
    undone_at: datetime | None
    line: int


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_line(
    text: str, path: str, line: int, now: datetime | None = None
) -> tuple[Entry | Undo | None, Problem | None]:
    def bad(message: str) -> tuple[None, Problem]:
        return None, Problem(path, line, 0, message)

    if len(text) > MAX_LINE:
        return bad(f"line is longer than {MAX_LINE:,} characters")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, Problem(path, line, exc.colno, f"not JSON: {exc.msg}")
    if not isinstance(obj, dict):
        return bad("each line must be a JSON object (one review)")
    if "undone" in obj:
        return _undo_line(obj, path, line)
    unknown = [k for k in obj if k not in FIELDS]
    if unknown:
        return bad(f"unknown field {unknown[0]!r}")
    for key in ("uuid", "card_id", "rating", "reviewed_at"):
        if key not in obj:
            return bad(f"missing {key!r}")
    u = obj["uuid"]
    try:
        if not isinstance(u, str):
            raise ValueError
        u = str(uuidlib.UUID(u))
    except ValueError:
        return bad(f"'uuid' must be a UUID, not {u!r:.60}")
    card_id = obj["card_id"]
    if not isinstance(card_id, str) or not card_id.strip() or len(card_id) > 200:
        return bad(f"'card_id' must be text (1-200 characters), not {card_id!r:.60}")
    rating = obj["rating"]
    if not _int(rating) or not 1 <= rating <= 4:
        return bad(f"'rating' must be 1, 2, 3 or 4, not {rating!r:.20}")
    at = obj["reviewed_at"]
    try:
        if not isinstance(at, str):
            raise ValueError
        when = parse_iso(at)
    except (ValueError, OverflowError):
        return bad(f"'reviewed_at' must be an ISO time like 2026-11-26T09:00:00Z, not {at!r:.40}")
    if not in_range(when):
        return bad(f"'reviewed_at' {at!r:.40} is outside the range prep supports ({TIME_RANGE})")
    at = iso(when)
    if now is not None and at > iso(now + FUTURE_SLACK):
        return bad(
            f"'reviewed_at' {at[:19]}Z is in the future (now {iso(now)[:19]}Z); "
            "check the clock of the machine that wrote it"
        )
    duration = obj.get("duration_ms", 0)
    if not _int(duration) or not 0 <= duration <= 86_400_000:
        return bad(f"'duration_ms' must be a whole number of milliseconds, not {duration!r:.20}")
    source = obj.get("source", "drill")
    if source not in SOURCES:
        return bad(f"'source' must be one of {', '.join(SOURCES)}, not {source!r:.20}")
    session = obj.get("session")
    if session is not None and (not isinstance(session, str) or len(session) > 200):
        return bad("'session' must be text or null")
    entry = Entry(u, card_id, rating, at, duration, source, session, line)
    return entry, None


def _uuid(value: Any) -> str | None:
    try:
        if not isinstance(value, str):
            raise ValueError
        return str(uuidlib.UUID(value))
    except ValueError:
        return None


def _undo_line(obj: dict[str, Any], path: str, line: int) -> tuple[Undo | None, Problem | None]:
    def bad(message: str) -> tuple[None, Problem]:
        return None, Problem(path, line, 0, message)

    unknown = [k for k in obj if k not in UNDO_FIELDS]
    if unknown:
        return bad(f"unknown field {unknown[0]!r} in an undone line")
    u = _uuid(obj["undone"])
    if u is None:
        return bad(f"'undone' must be a UUID, not {obj['undone']!r:.60}")
    card_id = obj.get("card_id")
    if not isinstance(card_id, str) or not card_id.strip() or len(card_id) > 200:
        return bad(f"'card_id' must be text (1-200 characters), not {card_id!r:.60}")
    at = obj.get("undone_at")
    when = None
    if at is not None:
        try:
            if not isinstance(at, str):
                raise ValueError
            when = parse_iso(at)
        except (ValueError, OverflowError):
            return bad(f"'undone_at' must be an ISO time like 2026-11-26T09:00:00Z, not {at!r:.40}")
        if not in_range(when):
            return bad(f"'undone_at' {at!r:.40} is outside the range prep supports ({TIME_RANGE})")
    return Undo(u, card_id, when, line), None


def read(path: Path, now: datetime | None = None) -> list[Entry | Undo]:
    """All entries of a log file, or a PrepError naming every bad line (up to 20).

    With `now`, a review dated more than a day after it is a bad line: it would
    count as today's work and hold its card's schedule until that date.
    """
    from .safefile import TooLarge, read_capped

    try:
        raw = read_capped(path, MAX_FILE)
    except TooLarge as exc:
        raise PrepError(f"{path}: {exc}") from None
    except OSError as exc:
        raise PrepError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PrepError(f"{path}:{line}: not valid UTF-8") from exc
    entries: list[Entry | Undo] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    # Lines end at \n only (\r\n too): str.splitlines would also split at U+2028,
    # U+2029 and U+0085, which JSON allows raw inside a string.
    for n, line_text in enumerate(text.split("\n"), 1):
        line_text = line_text.removesuffix("\r")
        if not line_text.strip():
            continue
        entry, problem = parse_line(line_text, str(path), n, now)
        if isinstance(entry, Undo):
            entries.append(entry)
            continue
        if problem is None and entry is not None and entry.uuid in seen:
            earlier = entries[seen[entry.uuid]]
            assert isinstance(earlier, Entry)
            if (entry.card_id, entry.rating, entry.reviewed_at) != (
                earlier.card_id,
                earlier.rating,
                earlier.reviewed_at,
            ):
                problem = Problem(
                    str(path), n, 0, f"uuid {entry.uuid} appears twice with different content "
                    f"(first at line {earlier.line})"
                )  # fmt: skip
            else:
                continue
        if problem is not None:
            problems.append(problem)
            if len(problems) >= MAX_PROBLEMS:
                break
            continue
        assert entry is not None
        seen[entry.uuid] = len(entries)
        entries.append(entry)
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise PrepError(f"{first.path}:{first.line}: {first.message}{more}", problems)
    return entries


@dataclass
class Imported:
    read: int = 0
    added: int = 0
    known: int = 0  # already here, same content
    conflicts: list[str] = field(default_factory=list)  # same uuid, other content: ours kept
    remapped: int = 0  # filed under a renamed card id, moved to the current one
    cards: list[str] = field(default_factory=list)  # cards replayed
    unknown_cards: list[str] = field(default_factory=list)  # ids no deck here has (yet)
    changed: int = 0  # card states that moved
    undone: int = 0  # reviews here that were taken back on the other machine: removed
    kept_undone: int = 0  # reviews in the file that were taken back: not brought back


def import_(store: Store, scheduler: Scheduler, entries: list[Entry | Undo]) -> Imported:
    """Merge entries by UUID, apply the file's undos, and replay the cards touched, in one transaction."""
    from .doctor import resolve_alias

    reviews = [e for e in entries if isinstance(e, Entry)]
    undos = [e for e in entries if isinstance(e, Undo)]
    result = Imported(read=len(reviews))
    with store.write() as conn:
        aliases = {r[0]: r[1] for r in conn.execute("SELECT old_id, new_id FROM card_aliases")}
        known_cards = {r[0] for r in conn.execute("SELECT id FROM cards")}
        undone = {r[0] for r in conn.execute("SELECT uuid FROM undone")} | {u.uuid for u in undos}
        touched: set[str] = set()
        unknown: set[str] = set()

        def current(card_id: str) -> str:
            return (resolve_alias(aliases, card_id) or card_id) if card_id in aliases else card_id

        for u in undos:
            filed = store.forget(conn, u.uuid, current(u.card_id), u.undone_at)
            if filed is not None:  # replay the card the review was filed under here
                result.undone += 1
                touched.add(filed)
        for e in reviews:
            if e.uuid in undone:
                result.kept_undone += 1
                continue
            card_id = current(e.card_id)
            result.remapped += card_id != e.card_id
            row = conn.execute(
                "SELECT card_id, rating, reviewed_at FROM reviews WHERE uuid = ?", (e.uuid,)
            ).fetchone()
            if row is not None:
                if (row[0], row[1], row[2]) == (card_id, e.rating, e.reviewed_at):
                    result.known += 1
                else:
                    result.conflicts.append(e.uuid)
                continue
            conn.execute(
                f"INSERT INTO reviews ({', '.join(FIELDS)}) VALUES (?,?,?,?,?,?,?)",
                (e.uuid, card_id, e.rating, e.reviewed_at, e.duration_ms, e.source, e.session),
            )
            result.added += 1
            touched.add(card_id)
            if card_id not in known_cards:
                unknown.add(card_id)
        for card_id in sorted(touched):
            old = store.state(card_id)
            new = scheduler.replay(card_id, store.reviews_of(card_id))
            if new != old:
                result.changed += 1
            store._put_state(conn, new)
        result.cards = sorted(touched)
        result.unknown_cards = sorted(unknown)
    return result
