"""SQLite state: connection, transactions, queries (the schema's migrations: `migrations`).

The review log is the truth; `card_state` is a cache of it. Every write is
one `BEGIN IMMEDIATE` transaction on a WAL database with a busy timeout, so
two terminals can grade at once and a grade shown on screen is on disk.
Only the standard library is imported here: `prep status` runs on this path.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from .clock import iso, parse_iso
from .errors import PrepError
from .migrations import (  # noqa: F401  (the schema's names, as before)
    MIGRATIONS,
    SCHEMA_VERSION,
    m001_initial,
    m002_mock,
    m003_followup,
    m004_undone,
    m005_screens,
    m006_local_grades,
    m007_priority,
    m008_scale,
    migrate_connection,
)
from .record import Record

TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from .schedule import CardState, Review, Scheduler

    Progress = Callable[[int, int], None]  # (done, total): how far a long piece of work is

BUSY_TIMEOUT_S = 5.0
MAX_BUSY_TIMEOUT_S = 86_400.0


def resolve_alias(aliases: dict[str, str], card_id: str, hops: int = 50) -> str | None:
    """Follow renames old -> new to the current id; None when they loop."""
    seen = {card_id}
    while card_id in aliases:
        card_id = aliases[card_id]
        if card_id in seen or len(seen) > hops:
            return None
        seen.add(card_id)
    return card_id


def busy_timeout_from_env() -> float:
    """PREP_BUSY_TIMEOUT (seconds) lets scripts and tests wait less. A value that is not a
    number of seconds from 0 to a day (text, nan, inf, negative) means the default."""
    import math

    try:
        value = float(os.environ.get("PREP_BUSY_TIMEOUT") or BUSY_TIMEOUT_S)
    except ValueError:
        return BUSY_TIMEOUT_S
    if not math.isfinite(value) or not 0 <= value <= MAX_BUSY_TIMEOUT_S:
        return BUSY_TIMEOUT_S
    return value


EMPTY_DB = (
    "{path}: the database file is empty (0 bytes), so it holds no reviews: it was cut short "
    "(a full disk, a sync tool, a copy); restore a backup with `prep restore FILE` "
    "(`prep backup --list` shows them), or delete the file to start a new database"
)


class CardRow(Record):
    __slots__ = (
        "id", "deck", "kind", "topic", "q", "a", "keywords", "story", "time_s", "tags", "path",
        "line", "active",
    )  # fmt: skip
    id: str
    deck: str
    kind: str
    topic: str
    q: str
    a: str
    keywords: list[str]
    story: str | None
    time_s: int | None
    tags: list[str]
    path: str | None
    line: int | None
    active: bool


CARD_COLS = "id, deck, kind, topic, q, a, keywords, story, time_s, tags, path, line, active"


def _card(row: tuple) -> CardRow:
    return CardRow(
        id=row[0], deck=row[1], kind=row[2], topic=row[3], q=row[4], a=row[5],
        keywords=json.loads(row[6]), story=row[7], time_s=row[8], tags=json.loads(row[9]),
        path=row[10], line=row[11], active=bool(row[12]),
    )  # fmt: skip


STATE_COLS = (
    "card_id, state, step, stability, difficulty, due, last_review, reps, lapses, first_review"
)


def _state(row: tuple) -> CardState:
    from .schedule import CardState

    return CardState(
        card_id=row[0], state=row[1], step=row[2], stability=row[3], difficulty=row[4],
        due=parse_iso(row[5]) if row[5] else None,
        last_review=parse_iso(row[6]) if row[6] else None, reps=row[7], lapses=row[8],
        first_review=parse_iso(row[9]) if row[9] else None,
    )  # fmt: skip


def _review(row: tuple) -> Review:
    from .schedule import Review

    return Review(
        uuid=row[0], card_id=row[1], rating=row[2], at=parse_iso(row[3]), duration_ms=row[4],
        source=row[5],
    )  # fmt: skip


# New cards: higher priority first, then cards with a STAR story, then questions,
# concepts next, questions-to-ask last; then file order.
NEW_ORDER = (
    "c.priority DESC, c.story IS NULL,"
    " CASE c.kind WHEN 'technical' THEN 0 WHEN 'behavioral' THEN 0 WHEN 'concept' THEN 1 ELSE 2 END,"
    " c.deck, c.position"
)

REVIEW_COLS = "uuid, card_id, rating, reviewed_at, duration_ms, source"


class Filters(Record):
    __slots__ = ("decks", "topics", "tags", "kinds")
    _defaults = {"decks": (), "topics": (), "tags": (), "kinds": ()}
    decks: tuple[str, ...]
    topics: tuple[str, ...]
    tags: tuple[str, ...]
    kinds: tuple[str, ...]

    def sql(
        self, alias: str = "c", now: datetime | None = None, with_held: bool = False
    ) -> tuple[str, list[Any]]:
        """The WHERE clause for active, matching cards that are not set aside.

        Suspended cards, and buried ones until their time (`now`, else the wall
        clock), are left out of every queue, count and pick built on this
        (`with_held`: kept in, for a listing that shows them).
        """
        parts, args = [f"{alias}.active = 1"], []
        if not with_held:
            if now is None:
                from datetime import timezone

                now = datetime.now(timezone.utc)
            parts.append(held_out(alias))
            args.append(iso(now))
        for col, values in (("deck", self.decks), ("topic", self.topics), ("kind", self.kinds)):
            if values:
                parts.append(f"{alias}.{col} IN ({','.join('?' * len(values))})")
                args += list(values)
        if self.tags:
            parts.append(
                f"EXISTS (SELECT 1 FROM json_each({alias}.tags) t WHERE t.value IN "
                f"({','.join('?' * len(self.tags))}))"
            )
            args += list(self.tags)
        return " AND ".join(parts), args


def held_out(alias: str = "c") -> str:
    """SQL true for a card not suspended and not buried at the time given as its one parameter."""
    return (
        f"NOT EXISTS (SELECT 1 FROM holds h WHERE h.card_id = {alias}.id "
        "AND (h.suspended = 1 OR h.buried_until > ?))"
    )


def put_or_drop(st: CardState, put: list[tuple[Any, ...]], drop: list[tuple[str]]) -> None:
    """Queue a state's row for `_write_states`: a card never reviewed has none."""
    from .schedule import NEW

    if st.state == NEW and st.reps == 0:
        drop.append((st.card_id,))
        return
    put.append(
        (
            st.card_id, st.state, st.step, st.stability, st.difficulty,
            iso(st.due) if st.due else None, iso(st.last_review) if st.last_review else None,
            st.reps, st.lapses, iso(st.first_review) if st.first_review else None,
        )
    )  # fmt: skip


def _write_states(
    conn: sqlite3.Connection, put: list[tuple[Any, ...]], drop: list[tuple[str]]
) -> None:
    """Write queued states in two statements (inside the caller's transaction); empties them."""
    if drop:
        conn.executemany("DELETE FROM card_state WHERE card_id = ?", drop)
        drop.clear()
    if put:
        conn.executemany(
            f"INSERT OR REPLACE INTO card_state ({STATE_COLS}) VALUES (?,?,?,?,?,?,?,?,?,?)", put
        )
        put.clear()


class AccessError(PrepError):
    """The database cannot be reached (permissions, a sync conflict copy); the file is not damaged."""


class Store:
    def __init__(self, path: Path, *, timeout: float | None = None, empty_ok: bool = False):
        """Open (or create) the database. `empty_ok`: a 0-byte file is taken as new
        (restore, which is about to replace it); otherwise it is refused, as it is a
        database that lost its content, not a new one."""
        if timeout is None:
            timeout = busy_timeout_from_env()
        self.path = path
        folder = path.parent
        try:
            self._check_conflicts()
        except OSError as exc:
            raise AccessError(
                f"{exc.filename or folder}: cannot read the database folder: {exc.strerror or exc}"
            ) from None
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise AccessError(
                f"{exc.filename or folder}: cannot create the database folder: "
                f"{exc.strerror or exc}"
            ) from None
        try:
            size: int | None = path.stat().st_size
        except FileNotFoundError:
            size = None
        except OSError as exc:
            raise AccessError(f"{path}: cannot read the database: {exc.strerror or exc}") from None
        if size == 0 and not empty_ok:
            raise PrepError(EMPTY_DB.format(path=path))
        if size is None:
            self._create(timeout)
        try:
            self.conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
            self.conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode != "wal":
                self.conn.execute("PRAGMA journal_mode = WAL")
            # FULL: a commit (a grade the screen then acknowledges) is on the disk, WAL
            # synced, before it returns, so it survives the machine losing power, as
            # Anki's do; NORMAL survives only a crash of the process. See the README's
            # safety section for what it costs.
            self.conn.execute("PRAGMA synchronous = FULL")
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise self._not_writable(exc) or PrepError(
                f"{path}: cannot open the database: {exc}"
            ) from exc
        if version > SCHEMA_VERSION:
            raise PrepError(f"{path}: made by a newer prep (schema {version}); upgrade prep")
        if version < SCHEMA_VERSION:
            try:
                self._migrate()
            except sqlite3.Error as exc:
                raise self._not_writable(exc) or PrepError(
                    f"{path}: cannot bring the database up to date (schema {version} to "
                    f"{SCHEMA_VERSION}: {exc}); nothing was changed; restore a backup with "
                    "`prep restore FILE`"
                ) from exc

    def _create(self, timeout: float) -> None:
        """A new database is built under a temporary name and linked into place whole, so
        the database path never holds a half-made (or 0-byte) file, even after a kill."""
        import secrets
        import time

        folder, name = self.path.parent, self.path.name
        try:
            for old in folder.glob(f".{name}.new-*"):  # left by a process killed mid-way
                if time.time() - old.stat().st_mtime > 3600:
                    old.unlink(missing_ok=True)
        except OSError:
            pass
        tmp = folder / f".{name}.new-{secrets.token_hex(6)}"
        try:
            conn = sqlite3.connect(str(tmp), timeout=timeout, isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                migrate_connection(conn)
            finally:
                conn.close()  # the last connection: the WAL is folded in and removed
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.link(tmp, self.path)  # fails if another prep created it meanwhile: use that
            except FileExistsError:
                pass
            except OSError:  # a file system without hard links
                if not self.path.exists():
                    os.replace(tmp, self.path)
        except (OSError, sqlite3.Error) as exc:
            err = self._not_writable(exc) if isinstance(exc, sqlite3.Error) else None
            raise err or AccessError(
                f"{self.path}: cannot create the database: {getattr(exc, 'strerror', None) or exc}"
            ) from None
        finally:
            for end in ("", "-wal", "-shm", "-journal"):
                try:
                    os.unlink(f"{tmp}{end}")
                except OSError:
                    pass

    def _check_conflicts(self) -> None:
        folder = self.path.parent
        if not folder.is_dir():
            return
        stem = self.path.stem
        own = {self.path.name + end for end in ("", "-wal", "-shm", "-journal")}
        for sibling in folder.iterdir():
            name = sibling.name
            # The copy itself may be opened (--db COPY) to export its reviews.
            if name in own:
                continue
            if name.startswith(stem) and ("conflicted copy" in name or ".sync-conflict-" in name):
                import shlex  # only for this message

                copy = shlex.quote(str(sibling))
                raise AccessError(
                    f"{sibling}: a sync conflict copy of the database sits next to it; "
                    "keep its reviews and one file: "
                    f"`prep --db {copy} log export conflict.jsonl`, "
                    f"move {copy} out of {folder}, then `prep log import conflict.jsonl`"
                )

    def _not_writable(self, exc: sqlite3.Error) -> PrepError | None:
        """Name the folder or file a write failed on: SQLite only says "readonly database"."""
        text = str(exc)
        if "readonly" not in text and "unable to open" not in text:
            return None
        folder = self.path.parent
        # WAL mode creates -wal and -shm files next to the database: the folder must be writable.
        if not os.access(folder, os.W_OK):
            return AccessError(
                f"{folder}: the database folder is not writable (SQLite keeps its journal "
                "there); make it writable, or pass --db with a file in a writable folder"
            )
        if self.path.exists() and not os.access(self.path, os.W_OK):
            return AccessError(
                f"{self.path}: the database file is not writable; make it writable, "
                "or pass --db with another file"
            )
        return None

    def _migrate(self) -> None:
        from .migrations import apply

        with self.write():  # one process migrates; the other waits, then finds nothing to do
            if self.conn.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
                return
            apply(self.conn)
            self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    _closed = False

    def close(self) -> None:
        """Close the database, after the day's backup if this process left it for the end."""
        if self._closed:
            return
        self._closed = True
        self.finish_backup()
        self.conn.close()

    _first_write_done = False
    _backup_left = False

    def _before_first_write(self, grade: bool = False) -> None:
        """Once per process, before its first write: the day's automatic backup (see backup.py).

        Never before a grade, and never when the copy would take a while: then it is left
        for the end of the command (`finish_backup`, `close`), where it stalls no grade.
        """
        if self._first_write_done:
            return
        self._first_write_done = True
        from .backup import daily_backup, nothing_to_lose, quick_to_copy

        # Nothing to lose yet: the command may add the first reviews, so it tries at its end.
        try:
            later = grade or nothing_to_lose(self) or not quick_to_copy(self)
        except sqlite3.Error:
            later = False  # the backup says what is wrong, and the write goes on
        if later:
            self._backup_left = True
            return
        daily_backup(self)

    def finish_backup(self) -> None:
        """The day's backup this process left for its end (a drill's grades, a big database)."""
        if self._backup_left:
            self._backup_left = False
            from .backup import daily_backup

            daily_backup(self)

    @contextmanager
    def write(self, grade: bool = False) -> Iterator[sqlite3.Connection]:
        """One write transaction. The lock is taken up front so it cannot fail half-way.
        `grade`: a grade or its undo, which the day's backup never delays."""
        self._before_first_write(grade)
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise PrepError(
                    f"{self.path}: the database is busy (another prep is writing); "
                    "nothing was written, try again"
                ) from exc
            raise
        try:
            yield self.conn
        except BaseException as exc:
            self.conn.execute("ROLLBACK")
            clear = self._not_writable(exc) if isinstance(exc, sqlite3.OperationalError) else None
            if clear is not None:
                raise clear from exc
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                clear = self._not_writable(exc)
                if clear is not None:
                    raise clear from exc
                raise

    # --- meta ---------------------------------------------------------------
    def get_meta(self, key: str) -> Any:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def set_meta(self, conn: sqlite3.Connection, key: str, value: Any) -> None:
        conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, json.dumps(value, ensure_ascii=False)),
        )

    def cache_meta(self, key: str, value: Any) -> None:
        """Keep a value derived from the log (it can always be computed again).

        One statement, committed on its own: no daily backup runs before it (a
        `prep status` must not make one), and a read-only or busy database
        just goes uncached.
        """
        try:
            self.set_meta(self.conn, key, value)
        except sqlite3.Error:
            pass

    # --- cards --------------------------------------------------------------
    def card(self, card_id: str) -> CardRow | None:
        row = self.conn.execute(
            f"SELECT {CARD_COLS} FROM cards WHERE id = ?", (card_id,)
        ).fetchone()
        return _card(row) if row else None

    def cards(self, filters: Filters | None = None, now: datetime | None = None) -> list[CardRow]:
        where, args = (filters or Filters()).sql(now=now)
        rows = self.conn.execute(
            f"SELECT {CARD_COLS} FROM cards c WHERE {where} ORDER BY deck, position", args
        ).fetchall()
        return [_card(r) for r in rows]

    def state(self, card_id: str) -> CardState:
        from .schedule import CardState

        row = self.conn.execute(
            f"SELECT {STATE_COLS} FROM card_state WHERE card_id = ?", (card_id,)
        ).fetchone()
        return _state(row) if row else CardState(card_id=card_id)

    def states(self) -> dict[str, CardState]:
        rows = self.conn.execute(f"SELECT {STATE_COLS} FROM card_state").fetchall()
        return {r[0]: _state(r) for r in rows}

    def due_ids(self, now: datetime, filters: Filters | None = None, limit: int = -1) -> list[str]:
        where, args = (filters or Filters()).sql(now=now)
        rows = self.conn.execute(
            # CROSS JOIN keeps SQLite on the due index (the cards due, in order) instead of
            # walking every active card and looking its state up: 115 ms to 7 ms at 100k.
            f"SELECT s.card_id FROM card_state s CROSS JOIN cards c ON c.id = s.card_id "
            f"WHERE {where} AND s.due <= ? ORDER BY s.due LIMIT ?",
            [*args, iso(now), limit],
        ).fetchall()
        return [r[0] for r in rows]

    def new_ids(
        self, filters: Filters | None = None, limit: int = -1, now: datetime | None = None
    ) -> list[str]:
        where, args = (filters or Filters()).sql(now=now)
        rows = self.conn.execute(
            f"SELECT c.id FROM cards c LEFT JOIN card_state s ON s.card_id = c.id "
            f"WHERE {where} AND s.card_id IS NULL ORDER BY {NEW_ORDER} LIMIT ?",
            [*args, limit],
        ).fetchall()
        return [r[0] for r in rows]

    # --- cards set aside -----------------------------------------------------
    def resolve_id(self, card_id: str) -> str:
        """A card id as the person may type it: an old id of a renamed card names the new one."""
        row = self.conn.execute(
            "SELECT new_id FROM card_aliases WHERE old_id = ?", (card_id,)
        ).fetchone()
        return str(row[0]) if row else card_id

    def suspend(self, card_ids: list[str], at: datetime, on: bool = True) -> list[str]:
        """Suspend (or unsuspend) cards until told otherwise; returns the ids that changed."""
        changed = []
        with self.write() as conn:
            for card_id in card_ids:
                row = conn.execute(
                    "SELECT suspended FROM holds WHERE card_id = ?", (card_id,)
                ).fetchone()
                if bool(row and row[0]) == on:
                    continue
                if on:
                    conn.execute(
                        "INSERT INTO holds(card_id, suspended, at) VALUES (?, 1, ?) "
                        "ON CONFLICT(card_id) DO UPDATE SET suspended = 1, at = excluded.at",
                        (card_id, iso(at)),
                    )
                else:
                    conn.execute("UPDATE holds SET suspended = 0 WHERE card_id = ?", (card_id,))
                    conn.execute(
                        "DELETE FROM holds WHERE card_id = ? AND suspended = 0 "
                        "AND (buried_until IS NULL OR buried_until <= ?)",
                        (card_id, iso(at)),
                    )
                changed.append(card_id)
        return changed

    def bury(self, card_id: str, until: datetime, at: datetime) -> None:
        """Keep a card out of every queue until `until` (the next study day)."""
        with self.write() as conn:
            conn.execute(
                "INSERT INTO holds(card_id, suspended, buried_until, at) VALUES (?, 0, ?, ?) "
                "ON CONFLICT(card_id) DO UPDATE SET buried_until = excluded.buried_until, "
                "at = excluded.at",
                (card_id, iso(until), iso(at)),
            )

    def holds(self, now: datetime) -> dict[str, str]:
        """Cards set aside now: id -> 'suspended' or 'buried'."""
        rows = self.conn.execute(
            "SELECT card_id, suspended FROM holds WHERE suspended = 1 OR buried_until > ?",
            (iso(now),),
        )
        return {r[0]: "suspended" if r[1] else "buried" for r in rows}

    def put_keywords(
        self, conn: sqlite3.Connection, uuid: str, covered: list[int], total: int
    ) -> None:
        """The keywords ticked for one review (inside the grade's transaction)."""
        conn.execute(
            "INSERT OR REPLACE INTO review_keywords(uuid, covered, total) VALUES (?, ?, ?)",
            (uuid, json.dumps(sorted(covered)), total),
        )

    # --- the log --------------------------------------------------------------
    def reviews_of(self, card_id: str) -> list[Review]:
        rows = self.conn.execute(
            f"SELECT {REVIEW_COLS} FROM reviews WHERE card_id = ? ORDER BY reviewed_at, uuid",
            (card_id,),
        ).fetchall()
        return [_review(r) for r in rows]

    def _put_state(self, conn: sqlite3.Connection, st: CardState) -> None:
        put: list[tuple[Any, ...]] = []
        drop: list[tuple[str]] = []
        put_or_drop(st, put, drop)
        if drop:
            conn.execute("DELETE FROM card_state WHERE card_id = ?", drop[0])
        else:
            conn.execute(
                f"INSERT OR REPLACE INTO card_state ({STATE_COLS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                put[0],
            )

    def grade(
        self,
        scheduler: Scheduler,
        card_id: str,
        rating: int,
        at: datetime,
        *,
        duration_ms: int = 0,
        source: str = "drill",
        session: str | None = None,
        extra: Any = None,
        uuid: str | None = None,
    ) -> tuple[Review, CardState]:
        """Record one grade and move the card's state, in one transaction.

        The state is read inside the transaction, so a grade from another
        terminal in between is built upon, not overwritten. `extra(conn, review)`
        may add rows that must land together with the grade (a mock answer).
        `uuid`: the review's UUID when the caller drew it (the drill previews with it).
        """
        import uuid as uuidlib

        from .schedule import Review

        if rating not in (1, 2, 3, 4):
            raise PrepError(f"rating must be 1-4, not {rating!r}")
        asked = card_id
        with self.write(grade=True) as conn:
            # The card may have been renamed (an edited question, synced by another
            # terminal) since it was shown: the grade goes to the id it lives under now.
            card_id = self.live_id(conn, card_id)
            review = Review(
                uuid=uuid or str(uuidlib.uuid4()), card_id=card_id, rating=rating, at=at,
                duration_ms=max(0, int(duration_ms)), source=source,
            )  # fmt: skip
            st = self.state(card_id)
            if st.last_review is not None and st.last_review >= at:
                # Another terminal graded this card after our clock was read (we waited for
                # the lock): fold the log in time order, as a replay does, so state == log.
                new = scheduler.replay(card_id, [*self.reviews_of(card_id), review])
            else:
                new = scheduler.apply(st, review)
            conn.execute(
                f"INSERT INTO reviews ({REVIEW_COLS}, session) VALUES (?,?,?,?,?,?,?)",
                (review.uuid, card_id, rating, iso(at), review.duration_ms, source, session),
            )
            conn.execute("INSERT INTO local_grades (uuid) VALUES (?)", (review.uuid,))
            if new is not st:
                self._put_state(conn, new)
            if extra is not None:
                extra(conn, review)
                if card_id != asked:
                    conn.execute(
                        "UPDATE mock_answers SET card_id = ? WHERE review_uuid = ?",
                        (card_id, review.uuid),
                    )
        return review, new

    def live_id(self, conn: sqlite3.Connection, card_id: str) -> str:
        """The id a card lives under now: `card_id`, or where its renames lead."""
        if (
            conn.execute("SELECT 1 FROM cards WHERE id = ? AND active = 1", (card_id,)).fetchone()
            or not conn.execute(
                "SELECT 1 FROM card_aliases WHERE old_id = ?", (card_id,)
            ).fetchone()
        ):
            return card_id
        aliases = {r[0]: r[1] for r in conn.execute("SELECT old_id, new_id FROM card_aliases")}
        return resolve_alias(aliases, card_id) or card_id

    def scheduled_reviews_since(self, start: datetime) -> int:
        """Reviews since `start` that count toward the daily limit (cram ones do not)."""
        return int(
            self.conn.execute(
                "SELECT COUNT(*) FROM reviews WHERE reviewed_at >= ? AND source != 'cram'",
                (iso(start),),
            ).fetchone()[0]
        )

    def last_review(self, session: str | None = None) -> Review | None:
        """The last grade made on this machine (of a session, or of all), by the order
        grades were made, not by their times: a review brought in by `log import` (from
        a machine whose clock runs ahead, say) is never it."""
        cols = ", ".join(f"r.{c.strip()}" for c in REVIEW_COLS.split(","))
        sql = f"SELECT {cols} FROM local_grades g JOIN reviews r ON r.uuid = g.uuid"
        args: tuple[str, ...] = ()
        if session:
            sql += " WHERE r.session = ?"
            args = (session,)
        row = self.conn.execute(sql + " ORDER BY g.seq DESC LIMIT 1", args).fetchone()
        return _review(row) if row else None

    def undo(
        self, scheduler: Scheduler, session: str | None = None, at: datetime | None = None
    ) -> tuple[Review, CardState] | None:
        """Take back the last grade made here (of a session, or of all) and rebuild that
        card by replay, in one transaction."""
        with self.write(grade=True) as conn:
            last = self.last_review(session)
            if last is None:
                return None
            self.forget(conn, last.uuid, last.card_id, at)
            st = scheduler.replay(last.card_id, self.reviews_of(last.card_id))
            self._put_state(conn, st)
        return last, st

    def forget(
        self, conn: sqlite3.Connection, uuid: str, card_id: str, at: datetime | None = None
    ) -> str | None:
        """Take a review out of the log and remember its UUID as undone (inside a write).

        Returns the id of the card the review was filed under here (None if it was not
        here), which may differ from `card_id` after a rename; that card's state is the
        caller's to replay.
        """
        from datetime import timezone

        row = conn.execute("SELECT card_id FROM reviews WHERE uuid = ?", (uuid,)).fetchone()
        conn.execute("DELETE FROM reviews WHERE uuid = ?", (uuid,))
        conn.execute("DELETE FROM local_grades WHERE uuid = ?", (uuid,))
        conn.execute(
            "UPDATE mock_answers SET review_uuid = NULL, rating = NULL WHERE review_uuid = ?",
            (uuid,),
        )
        conn.execute(
            "INSERT OR IGNORE INTO undone (uuid, card_id, undone_at) VALUES (?, ?, ?)",
            (uuid, row[0] if row else card_id, iso(at or datetime.now(timezone.utc))),
        )
        return row[0] if row else None

    def rebuild(self, scheduler: Scheduler, progress: Progress | None = None) -> int:
        """Recompute every card's state from the log. Returns how many states changed.

        One pass over the log in card order and one over the states, then the writes in
        batches: the work grows with the reviews, not with lookups per card.
        `progress(done, total)` is told how far it is, in reviews.
        """
        from itertools import groupby

        changed = 0
        with self.write() as conn:
            total = conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
            old = self.states()
            # The table in its own order, sorted once by SQLite: reading it through the
            # reviews_card index would visit its pages at random, one row at a time.
            rows = conn.execute(
                f"SELECT {REVIEW_COLS} FROM reviews NOT INDEXED ORDER BY card_id, reviewed_at, uuid"
            )
            put: list[tuple[Any, ...]] = []
            drop: list[tuple[str]] = []
            done = 0
            seen: set[str] = set()
            for card_id, group in groupby(rows, key=lambda r: r[1]):
                reviews = [_review(r) for r in group]
                st = scheduler.replay(card_id, reviews)
                seen.add(card_id)
                if old.get(card_id) != st:
                    changed += 1
                    put_or_drop(st, put, drop)
                done += len(reviews)
                if len(seen) % 1024 == 0:
                    _write_states(conn, put, drop)
                    if progress is not None:
                        progress(done, total)
            gone = [cid for cid in old if cid not in seen]
            changed += len(gone)
            drop += [(cid,) for cid in gone]
            _write_states(conn, put, drop)
            if progress is not None:
                progress(total, total)
        return changed

    # --- counts for status ----------------------------------------------------
    def counts(
        self, now: datetime, day_start: datetime, tz: tzinfo, day_hour: int
    ) -> dict[str, Any]:
        """What `prep status` shows. Every count reads an index (cards_active, card_state_due,
        reviews_time, card_state_first), never the rows of `cards` with their text."""
        c = self.conn
        at = iso(now)
        # The cards set aside are few: count every card, then take away the held ones
        # (found from `holds`), rather than look each card up in `holds`.
        held = "(h.suspended = 1 OR h.buried_until > ?)"
        due = (
            c.execute(
                # card_state first: the due ones by their index, each checked in cards_active
                "SELECT COUNT(*) FROM card_state s CROSS JOIN cards c "
                "ON c.active = 1 AND c.id = s.card_id WHERE s.due <= ?",
                (at,),
            ).fetchone()[0]
            - c.execute(
                "SELECT COUNT(*) FROM holds h CROSS JOIN card_state s ON s.card_id = h.card_id "
                "CROSS JOIN cards c INDEXED BY cards_active ON c.active = 1 AND c.id = h.card_id "
                f"WHERE {held} AND s.due <= ?",
                (at, at),
            ).fetchone()[0]
        )
        unseen = (
            c.execute(
                "SELECT COUNT(*) FROM cards WHERE active = 1 AND id NOT IN "
                "(SELECT card_id FROM card_state)"
            ).fetchone()[0]
            - c.execute(
                "SELECT COUNT(*) FROM holds h CROSS JOIN cards c INDEXED BY cards_active "
                f"ON c.active = 1 AND c.id = h.card_id WHERE {held} "
                "AND h.card_id NOT IN (SELECT card_id FROM card_state)",
                (at,),
            ).fetchone()[0]
        )
        total = c.execute("SELECT COUNT(*) FROM cards WHERE active = 1").fetchone()[0]
        reviewed_today = c.execute(
            "SELECT COUNT(*) FROM reviews WHERE reviewed_at >= ?", (iso(day_start),)
        ).fetchone()[0]
        introduced_today = c.execute(
            "SELECT COUNT(*) FROM card_state WHERE first_review >= ?", (iso(day_start),)
        ).fetchone()[0]
        return {
            "due": due, "unseen": unseen, "cards": total, "reviewed_today": reviewed_today,
            "introduced_today": introduced_today,
            "study_days": self._study_days(now, tz, day_hour),
        }  # fmt: skip

    def _study_days(self, now: datetime, tz: tzinfo, day_hour: int, most: int = 1000) -> list[str]:
        """The study days (local dates, a day starting at `day_hour`) with reviews, latest
        first, back to the first day without any (today may have none yet): what a streak
        counts. One probe of the reviews_time index per day, not a pass over the log; each
        day's bounds come from the zone's own rules (across DST)."""
        from datetime import time as dtime

        def start_of(d: Any) -> datetime:
            local = datetime.combine(d, dtime(0), tzinfo=tz) + timedelta(hours=day_hour)
            return local.astimezone(tz)  # the zone's offset of that instant

        local_now = now.astimezone(tz)
        day = (local_now - timedelta(hours=day_hour)).date()
        probe = "SELECT 1 FROM reviews WHERE reviewed_at >= ? AND reviewed_at < ? LIMIT 1"
        days: list[str] = []
        for back in range(most):
            d = day - timedelta(days=back)
            lo, hi = start_of(d), start_of(d + timedelta(days=1))
            if self.conn.execute(probe, (iso(lo), iso(hi))).fetchone():
                days.append(d.isoformat())
            elif back > 0:
                break
        return days

    # --- mock sessions ----------------------------------------------------------
    MOCK_ANSWER_COLS = (
        "session_id, position, card_id, limit_s, used_ms, skipped, hint_used, keywords_total, "
        "keywords_covered, covered, rating, capped, review_uuid, answered_at"
    )

    def mock_start(
        self, session_id: str, started_at: datetime, planned: int, options: dict[str, Any]
    ) -> None:
        with self.write() as conn:
            conn.execute(
                "INSERT INTO mock_sessions(id, started_at, planned, options) VALUES (?,?,?,?)",
                (session_id, iso(started_at), planned, json.dumps(options, ensure_ascii=False)),
            )

    def mock_put_answer(self, conn: sqlite3.Connection, answer: dict[str, Any]) -> None:
        """Insert one answer row inside the caller's transaction (a grade's, or its own)."""
        row = dict(answer)
        row["covered"] = json.dumps(sorted(row.get("covered") or []))
        row["answered_at"] = iso(row["answered_at"]) if row.get("answered_at") else None
        cols = [c.strip() for c in self.MOCK_ANSWER_COLS.split(",")]
        conn.execute(
            f"INSERT OR REPLACE INTO mock_answers ({self.MOCK_ANSWER_COLS}) "
            f"VALUES ({','.join('?' * len(cols))})",
            [int(row[c]) if isinstance(row.get(c), bool) else row.get(c) for c in cols],
        )

    def mock_add_answer(self, answer: dict[str, Any]) -> None:
        """An answer without a grade (skipped): its own transaction."""
        with self.write() as conn:
            self.mock_put_answer(conn, answer)

    def mock_end(self, session_id: str, ended_at: datetime) -> bool:
        """Close a session. One with no answers is deleted (nothing happened). True if kept."""
        with self.write() as conn:
            n = conn.execute(
                "SELECT COUNT(*) FROM mock_answers WHERE session_id = ?", (session_id,)
            ).fetchone()[0]
            if n == 0:
                conn.execute("DELETE FROM mock_sessions WHERE id = ?", (session_id,))
                return False
            conn.execute(
                "UPDATE mock_sessions SET ended_at = ? WHERE id = ?", (iso(ended_at), session_id)
            )
        return True

    def mock_answers(self, session_id: str) -> list[dict[str, Any]]:
        cur = self.conn.execute(
            f"SELECT {self.MOCK_ANSWER_COLS} FROM mock_answers WHERE session_id = ? "
            "ORDER BY position",
            (session_id,),
        )
        names = [d[0] for d in cur.description]
        out = []
        for r in cur.fetchall():
            row = dict(zip(names, r, strict=True))
            row["covered"] = json.loads(row["covered"])
            row["skipped"], row["capped"] = bool(row["skipped"]), bool(row["capped"])
            out.append(row)
        return out

    def mock_sessions(self) -> list[dict[str, Any]]:
        """Sessions with at least one answer, oldest first, with their totals."""
        cur = self.conn.execute(
            """
            SELECT s.id, s.started_at, s.ended_at, s.planned, s.options,
                   COUNT(a.position) AS questions,
                   SUM(a.skipped) AS skipped,
                   SUM(a.rating IS NOT NULL) AS graded,
                   SUM(CASE WHEN a.skipped = 0 THEN a.used_ms ELSE 0 END) AS used_ms,
                   SUM(CASE WHEN a.skipped = 0 THEN a.limit_s ELSE 0 END) AS limit_s,
                   SUM(CASE WHEN a.skipped = 0 AND a.used_ms > a.limit_s * 1000
                            THEN a.used_ms - a.limit_s * 1000 ELSE 0 END) AS overtime_ms,
                   SUM(a.skipped = 0 AND a.used_ms > a.limit_s * 1000) AS over_count,
                   SUM(CASE WHEN a.rating IS NOT NULL THEN a.keywords_covered ELSE 0 END)
                       AS keywords_covered,
                   SUM(CASE WHEN a.rating IS NOT NULL THEN a.keywords_total ELSE 0 END)
                       AS keywords_total,
                   AVG(a.rating) AS mean_grade,
                   SUM(a.hint_used > 0) AS hinted
            FROM mock_sessions s JOIN mock_answers a ON a.session_id = s.id
            GROUP BY s.id ORDER BY s.started_at, s.id
            """
        )
        names = [d[0] for d in cur.description]
        out = []
        for r in cur.fetchall():
            row = dict(zip(names, r, strict=True))
            row["options"] = json.loads(row["options"] or "{}")
            out.append(row)
        return out

    def mock_rehearsed_ids(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT DISTINCT card_id FROM mock_answers")}

    def again_counts(self, since: datetime) -> dict[str, int]:
        """How many times each card was graded Again since a time (recent lapses)."""
        rows = self.conn.execute(
            "SELECT card_id, COUNT(*) FROM reviews WHERE rating = 1 AND reviewed_at >= ? "
            "GROUP BY card_id",
            (iso(since),),
        )
        return {r[0]: r[1] for r in rows}
