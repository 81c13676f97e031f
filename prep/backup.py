"""Backups of the database: automatic (daily, rotated), explicit, and restore.

A live SQLite file is never copied byte by byte: a copy taken while another
process writes can be torn, and the WAL file would be left behind. Every
backup is `VACUUM INTO` a temporary name (a consistent snapshot, compacted),
flushed to disk, then renamed into place, so a backup file either exists
whole or not at all, even when the process is killed half-way.

Automatic backups live in `<db folder>/backups/` as `auto-YYYY-MM-DD.db`,
made by the first write of a day (see `Store._before_first_write`), and are
rotated: the 7 newest days, plus the newest backup of each of the 4 weeks
before those. Explicit backups (`prep backup`) and the safety copy taken
before a restore are never rotated away.
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


def daily_backup(store: Store, today: date | None = None) -> Path | None:
    """Today's automatic backup, if there is none yet and anything worth keeping.

    Called before the first write of each process, so it must be cheap when
    there is nothing to do (one stat) and must never stop the write it
    precedes: a failure is reported as a warning and the write goes on.
    """
    try:
        if not store.path.is_file():
            return None
        folder = backups_dir(store.path)
        today = today or _local_today()
        dest = folder / f"auto-{today.isoformat()}.db"
        if dest.exists():
            return None
        # A new database (being created) or one without a single review has nothing to lose.
        if store.conn.execute("PRAGMA user_version").fetchone()[0] == 0:
            return None
        if store.conn.execute("SELECT 1 FROM reviews LIMIT 1").fetchone() is None:
            return None
        # A copy of a damaged file would push good backups out of the rotation.
        if [r[0] for r in store.conn.execute("PRAGMA quick_check").fetchall()] != ["ok"]:
            sys.stderr.write(
                "warning: the database fails its integrity check, so no automatic backup was "
                "made (older ones are kept); run `prep doctor`\n"
            )
            return None
        snapshot(store.conn, dest)
        rotate(folder)
        return dest
    except (OSError, sqlite3.Error) as exc:
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


def to_keep(days: list[date], daily: int = KEEP_DAILY, weekly: int = KEEP_WEEKLY) -> set[date]:
    """The 7 newest days, plus the newest day of each of the 4 ISO weeks before them."""
    ordered = sorted(set(days), reverse=True)
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


def rotate(folder: Path, daily: int = KEEP_DAILY, weekly: int = KEEP_WEEKLY) -> list[Path]:
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
    keep = to_keep(list(autos), daily, weekly)
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


def inspect(path: Path) -> Inspected:
    """Check that a file is a whole prep database; say what is in it."""
    from .store import SCHEMA_VERSION

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


def restore(store: Store, source: Path, now: datetime | None = None) -> Restored:
    """Replace the database's content with a backup's, keeping a copy of the current one first.

    The content goes in through SQLite's backup API on the open connection,
    under the database's own locks: another prep sees either the old or the
    new database, never a mix.
    """
    if source.resolve() == store.path.resolve():
        raise PrepError(f"{source}: that is the database itself")
    info = inspect(source)
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
    src = _connect_ro(source)
    try:
        src.backup(store.conn)
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise PrepError(
                f"{store.path}: the database is busy (another prep is writing); "
                "nothing was restored, try again"
            ) from exc
        raise PrepError(f"{store.path}: restore failed: {exc}; nothing was changed") from exc
    finally:
        src.close()
    # An older backup may predate some migrations: bring it up to date now.
    from .store import SCHEMA_VERSION

    if info.schema < SCHEMA_VERSION:
        store._migrate()
    return Restored(source=info, saved_to=saved, reviews_before=before)


def _now() -> datetime:
    return datetime.now().astimezone()
