"""`prep doctor`: check the database and repair what can be rebuilt from the log.

The review log is the truth and card state a cache of it, so the repair is
a replay: every card whose cached state differs from its replayed log is
named and rewritten. A database that fails `integrity_check` is not touched
at all; the way out is a backup.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .schedule import CardState, Scheduler
    from .store import Store

# Anki's default leech threshold: a card forgotten this often needs rewriting, not drilling.
LEECH_LAPSES = 8
ALIAS_HOPS = 50


@dataclass
class Leech:
    card_id: str
    lapses: int
    q: str


@dataclass
class Orphan:
    card_id: str
    reviews: int
    q: str


@dataclass
class Report:
    integrity: list[str] = field(default_factory=list)
    reviews: int = 0
    cards_with_reviews: int = 0
    changed: list[str] = field(default_factory=list)  # states that differed from the replay
    fixed: bool = False
    orphans: list[Orphan] = field(default_factory=list)  # cards that left their decks
    unknown: dict[str, int] = field(default_factory=dict)  # reviews of ids no deck ever had
    leeches: list[Leech] = field(default_factory=list)
    aliases: int = 0
    alias_moved: int = 0  # reviews still filed under a renamed id, moved to the new one
    alias_cycles: list[str] = field(default_factory=list)
    last_backup: str | None = None
    backups: int = 0
    bad_times: list[str] = field(default_factory=list)  # reviews dated outside the range
    foreign: list[str] = field(default_factory=list)  # triggers, views, tables prep never made
    dropped: list[str] = field(default_factory=list)  # of those, the triggers and views removed

    @property
    def healthy_file(self) -> bool:
        return self.integrity == ["ok"]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["healthy_file"] = self.healthy_file
        return d


def resolve_alias(aliases: dict[str, str], card_id: str) -> str | None:
    """Follow renames old -> new to the current id; None when they loop."""
    from .store import resolve_alias as follow

    return follow(aliases, card_id, ALIAS_HOPS)


def diff_states(store: Store, scheduler: Scheduler) -> tuple[list[str], dict[str, CardState]]:
    """Card ids whose cached state differs from the replay of their log, and the replays."""
    from .schedule import NEW
    from .store import REVIEW_COLS, STATE_COLS, _review, _state

    stored: dict[str, CardState | None] = {}
    for row in store.conn.execute(f"SELECT {STATE_COLS} FROM card_state"):
        try:
            stored[row[0]] = _state(row)
        except ValueError:  # a time it cannot read: it differs from any replay
            stored[row[0]] = None
    by_card: dict[str, list[Any]] = {}
    for row in store.conn.execute(f"SELECT {REVIEW_COLS} FROM reviews"):
        try:
            by_card.setdefault(row[1], []).append(_review(row))
        except ValueError:  # dated outside the range: doctor takes it out (see _bad_times)
            continue
    replayed = {cid: scheduler.replay(cid, revs) for cid, revs in by_card.items()}
    changed = []
    for cid, st in replayed.items():
        old = stored.get(cid)
        if old is None:
            if cid in stored or not (st.state == NEW and st.reps == 0):
                changed.append(cid)
        elif old != st:
            changed.append(cid)
    changed += [cid for cid in stored if cid not in replayed]
    return sorted(changed), replayed


def check_integrity(store: Store) -> list[str]:
    """`PRAGMA integrity_check` lines: ['ok'] for a sound file."""
    try:
        return [r[0] for r in store.conn.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as exc:  # too damaged to even check
        return [str(exc)]


def integrity_summary(lines: list[str]) -> str:
    """One line for a failed check: SQLite packs many problems into one multi-line row."""
    found = [x.strip() for row in lines for x in row.splitlines()]
    found = [x for x in found if x and not x.startswith("***")]
    if not found:
        return "failed"
    return found[0] + (f" (and {len(found) - 1} more)" if len(found) > 1 else "")


def doctor(
    store: Store, scheduler: Scheduler, fix: bool = True, integrity: list[str] | None = None
) -> Report:
    """Check, and (with `fix`) repair. `integrity` skips a check the caller just ran."""
    from .backup import list_backups

    report = Report()
    report.integrity = integrity if integrity is not None else check_integrity(store)
    autos = [b for b in list_backups(store.path) if b.kind == "auto"]
    report.backups = len(list_backups(store.path))
    report.last_backup = autos[0].day.isoformat() if autos and autos[0].day else None
    if not report.healthy_file:
        return report  # rebuilding on a damaged file could spread the damage
    conn = store.conn
    # One transaction from the first read to the last write: a grade from another
    # terminal waits for the repair, or lands before it and is part of the replay.
    # A dry run reads in one transaction too, so its report is of one moment.
    with store.write() if fix else _reading(conn):
        _repair(store, scheduler, report, fix)
    report.fixed = fix and bool(
        report.changed or report.alias_moved or report.dropped or report.bad_times
    )
    for cid, n, q in conn.execute(
        "SELECT c.id, (SELECT COUNT(*) FROM reviews r WHERE r.card_id = c.id), c.q "
        "FROM cards c WHERE c.active = 0 ORDER BY c.deck, c.position"
    ):
        report.orphans.append(Orphan(cid, n, q))
    for cid, n in conn.execute(
        "SELECT r.card_id, COUNT(*) FROM reviews r LEFT JOIN cards c ON c.id = r.card_id "
        "WHERE c.id IS NULL GROUP BY r.card_id ORDER BY r.card_id"
    ):
        report.unknown[cid] = n
    for cid, lapses, q in conn.execute(
        "SELECT s.card_id, s.lapses, c.q FROM card_state s JOIN cards c ON c.id = s.card_id "
        "WHERE c.active = 1 AND s.lapses >= ? ORDER BY s.lapses DESC, s.card_id",
        (LEECH_LAPSES,),
    ):
        report.leeches.append(Leech(cid, lapses, q))
    return report


@contextmanager
def _reading(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")


def _repair(store: Store, scheduler: Scheduler, report: Report, fix: bool) -> None:
    """Move reviews filed under renamed ids, then rebuild every state that differs from the
    replay of its log; inside the caller's transaction."""
    conn = store.conn
    _foreign(conn, report, fix)
    _bad_times(store, report, fix)
    aliases = {r[0]: r[1] for r in conn.execute("SELECT old_id, new_id FROM card_aliases")}
    report.aliases = len(aliases)
    moves: dict[str, str] = {}
    for old in {r[0] for r in conn.execute("SELECT DISTINCT card_id FROM reviews")} & set(aliases):
        new = resolve_alias(aliases, old)
        if new is None:
            report.alias_cycles.append(old)
        else:
            moves[old] = new
    if moves:
        report.alias_moved = sum(
            conn.execute("SELECT COUNT(*) FROM reviews WHERE card_id = ?", (old,)).fetchone()[0]
            for old in moves
        )
        if fix:
            for old, new in moves.items():
                conn.execute("UPDATE reviews SET card_id = ? WHERE card_id = ?", (new, old))
                conn.execute("DELETE FROM card_state WHERE card_id = ?", (old,))
    changed, replayed = diff_states(store, scheduler)
    report.changed = changed
    report.reviews = conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
    report.cards_with_reviews = len(replayed)
    if changed and fix:
        for cid in changed:
            if cid in replayed:
                store._put_state(conn, replayed[cid])
            else:
                conn.execute("DELETE FROM card_state WHERE card_id = ?", (cid,))


def _foreign(conn: sqlite3.Connection, report: Report, fix: bool) -> None:
    """Objects prep never creates. A trigger or a view holds no data and may act on every
    grade (delete it, change it): with `fix` they go. Extra tables and indexes are named."""
    from .backup import foreign_objects

    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for kind, name in foreign_objects(conn, version):
        report.foreign.append(f"{kind} {name}")
        if fix and kind in ("trigger", "view"):
            quoted = '"' + name.replace('"', '""') + '"'
            conn.execute(f"DROP {kind.upper()} {quoted}")
            report.dropped.append(f"{kind} {name}")


def _bad_times(store: Store, report: Report, fix: bool) -> None:
    """Reviews dated outside the range prep supports, or in a form it cannot read (a year
    without its zeros, from an older prep): with `fix` they are taken out as undone, so no
    export brings them back; card states and undo dates it cannot read are rebuilt."""
    from datetime import datetime, timezone

    from .clock import MAX_TIME, MIN_TIME, iso

    conn = store.conn
    low, high = iso(MIN_TIME), iso(MAX_TIME)
    bad = "typeof({c}) != 'text' OR length({c}) != 27 OR {c} < ? OR {c} >= ?"
    rows = conn.execute(
        f"SELECT uuid, card_id, reviewed_at FROM reviews WHERE {bad.format(c='reviewed_at')}",
        (low, high),
    ).fetchall()
    for _, card_id, at in rows:
        report.bad_times.append(f"{card_id} at {str(at)[:32]!r}")
    if not fix:
        return
    now = datetime.now(timezone.utc)
    for uuid, card_id, _ in rows:
        store.forget(conn, uuid, card_id, now)
    conn.execute(
        f"UPDATE undone SET undone_at = ? WHERE {bad.format(c='undone_at')}", (iso(now), low, high)
    )
    from .backup import LATEST_DUE

    cols = ("due", "last_review", "first_review")
    where = " OR ".join(f"({c} IS NOT NULL AND ({bad.format(c=c)}))" for c in cols)
    args = [x for c in cols for x in (low, LATEST_DUE if c == "due" else high)]
    conn.execute(f"DELETE FROM card_state WHERE {where}", args)
