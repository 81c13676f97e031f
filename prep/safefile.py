"""Reading untrusted files with a byte cap, and writing every file prep writes.

Reading: the size is checked with `fstat` before anything is read, and the read
itself stops one byte past the cap, so a file of many gigabytes (or one that
grows while it is read, or a FIFO) costs no more memory than the cap.

Writing: a random temporary name in the target's own folder, created with
O_EXCL|O_NOFOLLOW (so a planted file or link at that name is never followed),
written, fsynced, then renamed over the target; the folder is fsynced too. A
target that is a symbolic link is refused rather than written through, and with
`within` the target's folder must resolve inside that folder (a workspace whose
`decks` is a link to somewhere else is not written into). Where two writers can
meet (read, change, write), `folder_lock` serialises them.

`record_written` / `written_by_prep` remember the SHA-256 of files prep wrote
for the user (exports, cheat sheets), so a later run replaces only a file that
is still exactly what prep wrote.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .errors import PrepError

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)
_DIR_FD = os.open in os.supports_dir_fd and os.replace in os.supports_dir_fd


class TooLarge(Exception):
    """The file is over the cap; `size` is its size (at least cap + 1 if it grew)."""

    def __init__(self, size: int, limit: int):
        super().__init__(f"file is {size:,} bytes; the limit is {limit:,}")
        self.size = size
        self.limit = limit


def read_capped(path: Path | str, limit: int) -> bytes:
    """The whole file, or TooLarge before more than `limit` + 1 bytes are read.

    OSError (missing, a folder, no permission) is left to the caller, who knows
    how to name the file.
    """
    fd = os.open(path, os.O_RDONLY | _CLOEXEC | _BINARY)
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(21, "Is a directory", str(path))
        if stat.S_ISREG(st.st_mode) and st.st_size > limit:
            raise TooLarge(st.st_size, limit)
        chunks: list[bytes] = []
        got = 0
        while got <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        if got > limit:
            raise TooLarge(max(got, st.st_size), limit)
        return b"".join(chunks)
    finally:
        os.close(fd)


def decode_text(raw: bytes, where: Any, binary: str = "a binary file") -> str:
    """UTF-8 bytes (a BOM dropped) as text with Unix newlines, or a PrepError naming
    `where` and the line: not UTF-8, or a NUL byte (`binary` says what the file looks like)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PrepError(f"{where}:{line}: not UTF-8 text; save the file as UTF-8") from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise PrepError(f"{where}:{line}: NUL byte: this looks like {binary}")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _cannot(path: Path, exc: OSError) -> PrepError:
    return PrepError(f"{path}: cannot write: {exc.strerror or exc}")


def _check_target(path: Path, within: Path | None) -> os.stat_result | None:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _cannot(path, exc) from None
    if st is not None and stat.S_ISLNK(st.st_mode):
        raise PrepError(
            f"{path}: is a symbolic link; prep does not write through links "
            "(remove the link, or give another file name)"
        )
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise PrepError(f"{path}: is a folder, not a file")
    if within is not None:
        try:
            path.parent.resolve().relative_to(within.resolve())
        except ValueError:
            raise PrepError(
                f"{path}: its folder leads outside {within} (a link?); not writing there"
            ) from None
    return st


@contextlib.contextmanager
def replacing(
    path: Path | str,
    *,
    replace: bool = True,
    within: Path | None = None,
    text: bool = False,
) -> Iterator[IO[Any]]:
    """A file object whose content becomes `path` when the block ends without an error.

    replace=False: the target must not exist (not even as a dangling link); the
    new file is linked into place, so an existing one is never replaced.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _cannot(path, exc) from None
    old = _check_target(path, within)
    if old is not None and not replace:
        raise PrepError(f"{path}: already exists; not overwriting it")
    import secrets

    folder = path.parent
    tmp_name = f".{path.name[:80]}.{secrets.token_hex(8)}.tmp"
    dir_fd = None
    try:
        if _DIR_FD:
            dir_fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _CLOEXEC)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC | _BINARY
        where = tmp_name if dir_fd is not None else str(folder / tmp_name)
        fd = os.open(where, flags, 0o666, dir_fd=dir_fd)
    except OSError as exc:
        if dir_fd is not None:
            os.close(dir_fd)
        raise _cannot(path, exc) from None

    def unlink_tmp() -> None:
        with contextlib.suppress(OSError):
            if dir_fd is not None:
                os.unlink(tmp_name, dir_fd=dir_fd)
            else:
                os.unlink(folder / tmp_name)

    try:
        if old is not None:  # keep the permissions of the file being replaced
            with contextlib.suppress(OSError, AttributeError):
                os.fchmod(fd, stat.S_IMODE(old.st_mode))
        raw = os.fdopen(fd, "wb")
        f: IO[Any] = raw
        if text:
            import io

            f = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
        try:
            yield f
            f.flush()
            os.fsync(raw.fileno())
        finally:
            f.close()
        # The target again, now: a link planted meanwhile is refused, not replaced.
        _check_target(path, within)
        if replace:
            if dir_fd is not None:
                os.replace(tmp_name, path.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            else:
                os.replace(folder / tmp_name, path)
        else:
            try:
                if dir_fd is not None:
                    os.link(tmp_name, path.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
                else:
                    os.link(folder / tmp_name, path)
            except FileExistsError:
                raise PrepError(f"{path}: already exists; not overwriting it") from None
            except OSError:  # a file system without hard links: an exclusive create
                _copy_exclusive(folder / tmp_name, path)
            unlink_tmp()
        if dir_fd is not None:
            with contextlib.suppress(OSError):
                os.fsync(dir_fd)
    except OSError as exc:
        unlink_tmp()
        raise _cannot(path, exc) from None
    except BaseException:
        unlink_tmp()
        raise
    finally:
        if dir_fd is not None:
            os.close(dir_fd)


def _copy_exclusive(src: Path, dest: Path) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC | _BINARY
    try:
        fd = os.open(dest, flags, 0o666)
    except FileExistsError:
        raise PrepError(f"{dest}: already exists; not overwriting it") from None
    with os.fdopen(fd, "wb") as out, open(src, "rb") as f:
        while chunk := f.read(1 << 20):
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())


def write_file(
    path: Path | str, data: bytes | str, *, replace: bool = True, within: Path | None = None
) -> None:
    """Write `data` (text is UTF-8 with Unix newlines) to `path` atomically."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with replacing(path, replace=replace, within=within) as f:
        f.write(raw)


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on `folder` (flock on the folder itself: no lock file)."""
    try:
        import fcntl
    except ImportError:  # Windows: one writer at a time is up to the person
        yield
        return
    fd = os.open(folder, os.O_RDONLY | _CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


# ------------------------------------------------------------ files prep wrote for the user

REGISTRY = "written.json"
MAX_REGISTRY = 1 << 20
MAX_REMEMBERED = 200


def _sha256_file(path: Path) -> str | None:
    import hashlib

    h = hashlib.sha256()
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | _BINARY)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return None
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _registry(state_dir: Path) -> dict[str, str]:
    import json

    try:
        data = json.loads(read_capped(state_dir / REGISTRY, MAX_REGISTRY))
    except (OSError, ValueError, TooLarge):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def _key(path: Path) -> str:
    return str(path.expanduser().absolute())


def written_by_prep(state_dir: Path, path: Path) -> bool:
    """True when `path` holds exactly what prep last wrote there (so it may be replaced)."""
    want = _registry(state_dir).get(_key(path))
    return want is not None and _sha256_file(path) == want


def record_written(state_dir: Path, path: Path) -> None:
    """Remember what prep just wrote to `path` (best effort: a read-only folder is fine)."""
    import json

    digest = _sha256_file(path)
    if digest is None:
        return
    with contextlib.suppress(OSError, PrepError):
        state_dir.mkdir(parents=True, exist_ok=True)
        with folder_lock(state_dir):
            known = _registry(state_dir)
            known.pop(_key(path), None)
            known[_key(path)] = digest
            while len(known) > MAX_REMEMBERED:
                known.pop(next(iter(known)))
            write_file(state_dir / REGISTRY, json.dumps(known, ensure_ascii=False, indent=0))
