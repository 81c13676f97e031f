"""One writer at a time for a file that is read, changed and written back (a deck).

`exclusive(path)` creates `.<name>.lock` beside the file with O_EXCL (never
following a symlink there), holds an advisory lock on it while the caller
works, and removes it after. A second prep waits for the first to finish, up
to the busy timeout (`PREP_BUSY_TIMEOUT`, as for the database), then refuses
with one clear line. A lock file left by a process that died is noticed (no
one holds its advisory lock, or its process is gone) and taken over.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import PrepError

POLL_S = 0.05
# A lock younger than this is never judged stale: its maker may not have locked it yet.
FRESH_S = 2.0

try:
    import fcntl
except ImportError:  # not POSIX: the pid written in the lock file is the check
    fcntl = None  # type: ignore[assignment]


_monotonic = time.monotonic
_sleep = time.sleep  # tests replace these two


def lock_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.lock")


def _flock(fd: int, blocking: bool) -> bool:
    """Take the advisory lock on fd; False if another process holds it. True where there
    is no flock (the pid written in the file is the check there)."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


def _pid_gone(text: str) -> bool:
    parts = text.split()
    if len(parts) != 2 or not parts[0].isdigit() or parts[1] != socket.gethostname():
        return False  # another machine's (a shared folder), or not ours to judge
    try:
        os.kill(int(parts[0]), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def _take_over_stale(lock: Path) -> bool:
    """Remove `lock` if whoever made it is gone; True if it was removed."""
    try:
        fd = os.open(lock, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        if time.time() - os.fstat(fd).st_mtime < FRESH_S:
            return False
        if not _flock(fd, blocking=False):
            return False  # held: its maker is at work
        if fcntl is None and not _pid_gone(os.read(fd, 200).decode("utf-8", "replace")):
            return False
        # Only the file we judged: another process may have replaced it meanwhile.
        try:
            if os.stat(lock, follow_symlinks=False).st_ino != os.fstat(fd).st_ino:
                return False
        except FileNotFoundError:
            return False
        os.unlink(lock)
        return True
    finally:
        os.close(fd)


@contextmanager
def exclusive(
    target: Path,
    *,
    wait_s: float | None = None,
    monotonic: Callable[[], float] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Iterator[None]:
    """Hold the write lock of `target` for the duration of the block."""
    monotonic = monotonic or _monotonic
    sleep = sleep or _sleep
    if wait_s is None:
        from .store import busy_timeout_from_env

        wait_s = busy_timeout_from_env()
    lock = lock_path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)  # the writer would make it too
    except OSError as exc:
        raise PrepError(
            f"{target.parent}: cannot create the folder: {exc.strerror or exc}"
        ) from None
    deadline = monotonic() + wait_s
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    while True:
        try:
            fd = os.open(lock, flags, 0o600)
            break
        except FileExistsError:
            if _take_over_stale(lock):
                continue
            if monotonic() >= deadline:
                raise PrepError(
                    f"{target}: another prep is writing this file (lock {lock}); nothing was "
                    f"written, try again once it is done (or delete {lock} if no prep is running)"
                ) from None
            sleep(POLL_S)
        except OSError as exc:
            raise PrepError(f"{lock}: cannot create the lock file: {exc.strerror or exc}") from None
    try:
        _flock(fd, blocking=True)  # ours alone: just created
        os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
        yield
    finally:
        try:
            if os.stat(lock, follow_symlinks=False).st_ino == os.fstat(fd).st_ino:
                os.unlink(lock)
        except OSError:
            pass
        os.close(fd)
