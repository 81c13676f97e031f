"""Backups of the database: automatic (daily, rotated), explicit, and restore.

A live SQLite file is never copied byte by byte: a copy taken while another
process writes can be torn, and the WAL file would be left behind. Every
backup is `VACUUM INTO` a temporary name (a consistent snapshot, compacted),
flushed to disk, then renamed into place, so a backup file either exists
whole or not at all, even when the process is killed half-way.

Automatic backups live in `<db folder>/backups/` as `auto-YYYY-MM-DD.db`,
one a day (see `Store._before_first_write`): taken before the first change a
command makes, when the copy is quick; a command whose first change is a
grade (a drill, a mock), or whose database takes a while to copy, takes it
when it ends instead, so no grade ever waits for it. They are rotated: the 7
newest days, plus the newest backup of each of the 4 weeks before those. A
backup dated after today (made while the clock ran ahead) ranks below every
real day, so it is the first to go and never pushes out today's. Explicit
backups (`prep backup`) and the safety copy taken before a restore are never
rotated away. The daily backup is skipped, with a note, when the disk could
not hold it and still leave room for the grades after it.

Restore checks that a file holds exactly what prep creates (tables, indexes,
no triggers or views), brings a copy of it up to date, and only then
replaces the live database's content.
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import PrepError

if TYPE_CHECKING:
    from .store import Store

BACKUP_DIR = "backups"
KEEP_DAILY = 7
KEEP_WEEKLY = 4
AUTO_RE = re.compile(r"^auto-(\d{4}-\d{2}-\d{2})\.db$")
# A temporary file older than this belongs to a process that died mid-backup.
STALE_TMP_S = 3600
REQUIRED_TABLES = ("cards", "reviews", "card_state", "meta")
SQLITE_MAGIC = b"SQLite format 3\x00"
# Room the daily backup leaves free after itself for the grade it runs before (the
# WAL, a checkpoint): at least this, and at least the size of the database.
RESERVE_BYTES = 64 * 1024 * 1024
# A database up to this size is copied in a moment (about a quarter of a second on a slow
# machine): its daily backup may be taken before a command's first change. A bigger one
# is copied when the command ends.
QUICK_BYTES = 32 * 1024 * 1024


def backups_dir(db_path: Path) -> Path:
    return db_path.parent / BACKUP_DIR


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def snapshot(conn: sqlite3.Connection, dest: Path) -> Path:
    """Write a consistent copy of the database behind `conn` to `dest`, atomically."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        conn.execute("VACUUM INTO ?", (str(tmp),))
        # VACUUM INTO does not fsync its output; a backup that vanishes on power loss is none.
        _fsync(tmp)
        os.replace(tmp, dest)
        if os.name == "posix":
            _fsync(dest.parent)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def _local_today() -> date:
    from .clock import default_clock

    clock = default_clock()
    return clock.now().astimezone(clock.local_tz()).date()


def _free_bytes(folder: Path) -> int:
    import shutil

    return shutil.disk_usage(folder).free


def _copy_size(conn: sqlite3.Connection) -> int:
    """About the size of a `VACUUM INTO` copy: the pages in use."""
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    return int(size) * max(0, int(pages) - int(free))


def nothing_to_lose(store: Store) -> bool:
    """A new database (being created) or one without a single review: no backup needed."""
    if store.conn.execute("PRAGMA user_version").fetchone()[0] == 0:
        return True
    return store.conn.execute("SELECT 1 FROM reviews LIMIT 1").fetchone() is None


def quick_to_copy(store: Store) -> bool:
    """Whether the day's backup of this database takes only a moment (see QUICK_BYTES)."""
    try:
        return _copy_size(store.conn) <= QUICK_BYTES
    except sqlite3.Error:
        return True  # the backup itself reports what is wrong, and never stops a write


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def daily_backup(store: Store, today: date | None = None) -> Path | None:
    """Today's automatic backup, if there is none yet and anything worth keeping.

    Called before the first write of each process (never a grade), or when the
    process ends, so it must be cheap when there is nothing to do (one stat)
    and must never stop the work around it: a failure, or a disk too full to
    hold the copy and still leave room for the grades after it, is reported as
    a warning and the command goes on.
    """
    try:
        if not store.path.is_file():
            return None
        folder = backups_dir(store.path)
        try:
            today = today or _local_today()
        except PrepError:  # PREP_NOW out of range: the command itself says so
            return None
        dest = folder / f"auto-{today.isoformat()}.db"
        if dest.exists():
            return None
        if nothing_to_lose(store):
            return None
        # A copy of a damaged file would push good backups out of the rotation.
        if [r[0] for r in store.conn.execute("PRAGMA quick_check").fetchall()] != ["ok"]:
            sys.stderr.write(
                "warning: the database fails its integrity check, so no automatic backup was "
                "made (older ones are kept); run `prep doctor`\n"
            )
            return None
        folder.mkdir(parents=True, exist_ok=True)
        need = _copy_size(store.conn)
        free = _free_bytes(folder)
        if free < need + max(RESERVE_BYTES, need):
            sys.stderr.write(
                f"warning: automatic backup skipped: {_mb(free)} free in {folder}, and a "
                f"{_mb(need)} copy must leave room for your grades; free some space "
                "(older backups are kept)\n"
            )
            return None
        snapshot(store.conn, dest)
        rotate(folder, today=today)
        return dest
    except Exception as exc:  # noqa: BLE001 - the grade after it must go on whatever happened
        sys.stderr.write(f"warning: automatic backup skipped: {exc}\n")
        return None


@dataclass
class BackupFile:
    path: Path
    kind: str  # auto | manual | before-restore | other
    day: date | None
    size: int
    mtime: float


def list_backups(db_path: Path) -> list[BackupFile]:
    """Backups in the database's backup folder, newest first."""
    folder = backups_dir(db_path)
    out: list[BackupFile] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for e in entries:
        if not e.name.endswith(".db") or e.name.startswith(".") or not e.is_file():
            continue
        m = AUTO_RE.match(e.name)
        day = date.fromisoformat(m.group(1)) if m else None
        if m:
            kind = "auto"
        elif e.name.startswith("manual-"):
            kind = "manual"
        elif e.name.startswith("before-restore-"):
            kind = "before-restore"
        else:
            kind = "other"
        st = e.stat()
        out.append(BackupFile(Path(e.path), kind, day, st.st_size, st.st_mtime))
    out.sort(key=lambda b: (b.day.isoformat() if b.day else "", b.mtime), reverse=True)
    return out


def to_keep(
    days: list[date],
    daily: int = KEEP_DAILY,
    weekly: int = KEEP_WEEKLY,
    today: date | None = None,
) -> set[date]:
    """The 7 newest days, plus the newest day of each of the 4 ISO weeks before them.

    With `today`, days after it (written while the clock ran ahead) rank below
    every day up to today: they go first, and today's backup is always kept.
    """
    ordered = sorted((d for d in set(days) if today is None or d <= today), reverse=True)
    ordered += sorted((d for d in set(days) if today is not None and d > today), reverse=True)
    keep = set(ordered[:daily])
    weeks: list[tuple[int, int]] = []
    for d in ordered[daily:]:
        week = d.isocalendar()[:2]
        if week in weeks:
            continue
        if len(weeks) >= weekly:
            break
        weeks.append(week)
        keep.add(d)
    return keep


def rotate(
    folder: Path, daily: int = KEEP_DAILY, weekly: int = KEEP_WEEKLY, today: date | None = None
) -> list[Path]:
    """Delete automatic backups outside the rotation and stale temporary files."""
    removed: list[Path] = []
    autos: dict[date, Path] = {}
    now = time.time()
    for e in os.scandir(folder):
        m = AUTO_RE.match(e.name)
        if m:
            autos[date.fromisoformat(m.group(1))] = Path(e.path)
        elif e.name.startswith(".") and e.name.endswith(".tmp"):
            try:
                if now - e.stat().st_mtime > STALE_TMP_S:
                    os.unlink(e.path)
                    removed.append(Path(e.path))
            except OSError:
                pass
    keep = to_keep(list(autos), daily, weekly, today)
    for day, path in autos.items():
        if day not in keep:
            try:
                path.unlink()
                removed.append(path)
            except FileNotFoundError:  # another process rotated at the same moment
                pass
    return removed


def _stamp(now: datetime) -> str:
    return now.astimezone().strftime("%Y%m%d-%H%M%S")


def _free_name(folder: Path, prefix: str, now: datetime) -> Path:
    base = f"{prefix}-{_stamp(now)}"
    dest = folder / f"{base}.db"
    n = 2
    while dest.exists():
        dest = folder / f"{base}-{n}.db"
        n += 1
    return dest


def backup_to(store: Store, dest: Path | None = None, now: datetime | None = None) -> Path:
    """An explicit backup: to `dest` (a file or a folder), else into the backup folder."""
    now = now or datetime.now().astimezone()
    if dest is None:
        dest = _free_name(backups_dir(store.path), "manual", now)
    elif dest.is_dir():
        dest = _free_name(dest, "prep", now)
    elif dest.exists():
        raise PrepError(f"{dest}: already exists; give a new file name or a folder")
    elif not dest.parent.is_dir():
        raise PrepError(f"{dest.parent}: no such folder")
    if dest.resolve() == store.path.resolve():
        raise PrepError(f"{dest}: that is the database itself")
    try:
        return snapshot(store.conn, dest)
    except sqlite3.Error as exc:
        raise PrepError(f"{store.path}: cannot back up: {exc}") from exc
    except OSError as exc:
        raise PrepError(f"{dest}: cannot write: {exc.strerror or exc}") from exc


@dataclass
class Inspected:
    path: Path
    schema: int
    reviews: int
    cards: int
    last_review: str | None


def _connect_ro(path: Path) -> sqlite3.Connection:
    from urllib.parse import quote

    return sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)


# The table sqlite-utils keeps its record of migrations in; its exact definition
# depends on the sqlite-utils version that made the file.
MIGRATIONS_TABLE = "_sqlite_migrations"
# Time columns, as prep writes them (fixed-width UTC text): a restored file is checked too.
TIME_COLUMNS = (
    ("reviews", "reviewed_at"), ("undone", "undone_at"), ("card_state", "due"),
    ("card_state", "last_review"), ("card_state", "first_review"),
)  # fmt: skip

LATEST_DUE = "9999-12-31T23:59:59.999999Z"

Schema = dict[tuple[str, str], tuple[str, str | None]]


def _schema_of(conn: sqlite3.Connection) -> Schema:
    """Every object in the file: (type, name) -> (its table, its SQL with spaces evened)."""
    out: Schema = {}
    for kind, name, table, sql in conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master"
    ):
        out[(kind, name)] = (table, " ".join(sql.split()) if sql else None)
    return out


_expected: dict[int, Schema] = {}


def expected_schema(version: int) -> Schema:
    """What prep's first `version` migrations create, built in memory."""
    if version not in _expected:
        from .migrations import apply

        conn = sqlite3.connect(":memory:", isolation_level=None)
        apply(conn, version)
        _expected[version] = _schema_of(conn)
        conn.close()
    return _expected[version]


def _own(kind: str, name: str, table: str) -> bool:
    """Objects that are prep's whatever their exact form: sqlite-utils' record of migrations
    (its definition varies with the sqlite-utils version) and SQLite's own tables."""
    if table == MIGRATIONS_TABLE and kind in ("table", "index"):
        return True
    return kind == "table" and (name == "sqlite_sequence" or name.startswith("sqlite_stat"))


def foreign_objects(conn: sqlite3.Connection, version: int) -> list[tuple[str, str]]:
    """(type, name) of every trigger, view, table or index prep's schema at `version` lacks."""
    want = expected_schema(version)
    return sorted(
        key
        for key, (table, _) in _schema_of(conn).items()
        if key not in want and not _own(key[0], key[1], table)
    )


def schema_problem(conn: sqlite3.Connection, version: int) -> str | None:
    """Why the file's schema is not the one prep creates at `version` (None if it is)."""
    from .migrations import MIGRATIONS

    if not 1 <= version <= len(MIGRATIONS):
        return f"schema version {version} is not one prep made"
    want = expected_schema(version)
    have = _schema_of(conn)
    for key, (table, sql) in sorted(have.items()):
        if _own(key[0], key[1], table):
            continue
        if key not in want:
            kind, name = key
            return f"it holds {kind} {name!r}, which prep does not create"
        if want[key] != (table, sql):
            return f"{key[0]} {key[1]!r} is not defined as prep defines it"
    for key, (table, _) in sorted(want.items()):
        if key not in have and not _own(key[0], key[1], table):
            return f"it lacks {key[0]} {key[1]!r}"
    if ("table", MIGRATIONS_TABLE) not in have:
        return f"it lacks table {MIGRATIONS_TABLE!r}"
    return None


def time_problem(conn: sqlite3.Connection) -> str | None:
    """A time outside the range prep supports, or not in its fixed-width form."""
    from .clock import MAX_TIME, MIN_TIME, TIME_RANGE, iso

    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    low, high = iso(MIN_TIME), iso(MAX_TIME)
    for table, col in TIME_COLUMNS:
        if table not in tables:
            continue
        row = conn.execute(
            f"SELECT {col} FROM {table} WHERE {col} IS NOT NULL AND "  # noqa: S608 - fixed names
            f"(typeof({col}) != 'text' OR length({col}) != {len(low)} OR {col} < ? OR {col} >= ?)"
            " LIMIT 1",
            # A due date may lie up to a century past the last time a grade can have.
            (low, LATEST_DUE if col == "due" else high),
        ).fetchone()
        if row is not None:
            return f"{table}.{col} holds {str(row[0])[:40]!r}, not a time from {TIME_RANGE}"
    return None


def inspect(path: Path) -> Inspected:
    """Check that a file is a whole prep database, as prep made it; say what is in it."""
    from .migrations import SCHEMA_VERSION

    if not path.is_file():
        raise PrepError(f"{path}: no such file")
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise PrepError(f"{path}: cannot read: {exc.strerror}") from exc
    if head != SQLITE_MAGIC:
        raise PrepError(f"{path}: not a prep database (not an SQLite file)")
    try:
        conn = _connect_ro(path)
    except sqlite3.Error as exc:
        raise PrepError(f"{path}: cannot open: {exc}") from exc
    try:
        check = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
        if check != ["ok"]:
            raise PrepError(f"{path}: the file is damaged ({check[0]})")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        missing = [t for t in REQUIRED_TABLES if t not in tables]
        if missing:
            raise PrepError(
                f"{path}: not a prep database (no table {', '.join(repr(t) for t in missing)})"
            )
        schema = conn.execute("PRAGMA user_version").fetchone()[0]
        if schema > SCHEMA_VERSION:
            raise PrepError(f"{path}: made by a newer prep (schema {schema}); upgrade prep")
        # A trigger, a view or an altered table would act on every later grade.
        problem = schema_problem(conn, schema) or time_problem(conn)
        if problem:
            raise PrepError(f"{path}: not a database as prep makes it: {problem}")
        reviews, last = conn.execute("SELECT COUNT(*), MAX(reviewed_at) FROM reviews").fetchone()
        cards = conn.execute("SELECT COUNT(*) FROM cards").fetchone()[0]
    except sqlite3.Error as exc:
        raise PrepError(f"{path}: not a usable prep database: {exc}") from exc
    finally:
        conn.close()
    return Inspected(path=path, schema=schema, reviews=reviews, cards=cards, last_review=last)


@dataclass
class Restored:
    source: Inspected
    saved_to: Path
    reviews_before: int


def _busy(store: Store, exc: sqlite3.Error) -> PrepError | None:
    if "locked" in str(exc) or "busy" in str(exc):
        return PrepError(
            f"{store.path}: the database is busy (another prep is writing); "
            "nothing was restored, try again"
        )
    return None


def _prepared_copy(store: Store, source: Path, info: Inspected, dest: Path) -> None:
    """Copy `source` to `dest`, bring the copy up to the current schema, check it again."""
    from .migrations import SCHEMA_VERSION, migrate_connection

    src = _connect_ro(source)
    try:
        out = sqlite3.connect(str(dest), isolation_level=None)
        try:
            src.backup(out)
            if info.schema < SCHEMA_VERSION:
                try:
                    migrate_connection(out)
                except sqlite3.Error as exc:
                    raise PrepError(
                        f"{source}: cannot be brought up to date (schema {info.schema} to "
                        f"{SCHEMA_VERSION}: {exc}); nothing was changed"
                    ) from exc
            problem = schema_problem(out, out.execute("PRAGMA user_version").fetchone()[0])
            if problem is None and out.execute("PRAGMA user_version").fetchone()[0] != (
                SCHEMA_VERSION
            ):
                problem = "its schema version did not reach the current one"
            if problem:
                raise PrepError(
                    f"{source}: brought up to date, it is not a database as prep makes it "
                    f"({problem}); nothing was changed"
                )
        finally:
            out.close()
    finally:
        src.close()


def restore(store: Store, source: Path, now: datetime | None = None) -> Restored:
    """Replace the database's content with a backup's, keeping a copy of the current one first.

    The backup is checked, copied and brought up to date beside the database
    first; only a copy that passes goes in, through SQLite's backup API on the
    open connection, under the database's own locks: another prep sees either
    the old or the new database, never a mix. A file that cannot be brought up
    to date leaves the database as it was.
    """
    import secrets

    if source.resolve() == store.path.resolve():
        raise PrepError(f"{source}: that is the database itself")
    info = inspect(source)
    folder = backups_dir(store.path)
    staged = folder / f".restore-{secrets.token_hex(6)}.tmp"
    try:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _prepared_copy(store, source, info, staged)
        except sqlite3.Error as exc:
            raise PrepError(f"{source}: cannot be copied ({exc}); nothing was changed") from exc
        except OSError as exc:
            raise PrepError(
                f"{folder}: cannot stage the restore ({exc.strerror or exc}); nothing was changed"
            ) from exc
        before = store.conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
        try:
            saved = snapshot(
                store.conn, _free_name(backups_dir(store.path), "before-restore", now or _now())
            )
        except (OSError, sqlite3.Error) as exc:
            raise PrepError(
                f"{store.path}: cannot save the current database before restoring ({exc}); "
                "nothing was changed"
            ) from exc
        src = sqlite3.connect(str(staged))
        try:
            src.backup(store.conn)
        except sqlite3.OperationalError as exc:
            raise _busy(store, exc) or PrepError(
                f"{store.path}: restore failed: {exc}; nothing was changed"
            ) from exc
        finally:
            src.close()
    finally:
        for end in ("", "-journal", "-wal", "-shm"):
            try:
                os.unlink(f"{staged}{end}")
            except OSError:
                pass
    return Restored(source=info, saved_to=saved, reviews_before=before)


def _now() -> datetime:
    return datetime.now().astimezone()
