"""Single keys from a terminal without Enter, or lines from a pipe."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..safetext import clean as clean  # the one sanitizer, re-exported for the screens


def interactive() -> bool:
    return sys.stdin.isatty() and os.environ.get("PREP_LINE_MODE") is None


class KeyReader:
    """read(timeout) returns one key ('\\n' for Enter, ' ' for space), '' on timeout, None at EOF."""

    def __init__(self) -> None:
        self.tty = interactive()
        self._pending = b""  # bytes read past the last key (keys pressed together)
        self._mode: KeptMode | None = None

    @contextmanager
    def active(self) -> Iterator[KeyReader]:
        if not self.tty or os.name == "nt":
            yield self
            return
        import termios
        import tty

        fd = sys.stdin.fileno()
        old = termios.tcgetattr(fd)
        mode = KeptMode(
            enter=lambda: tty.setcbreak(fd),
            leave=lambda: termios.tcsetattr(fd, termios.TCSADRAIN, old),
        )
        with mode.kept():
            self._mode = mode
            try:
                yield self
            finally:
                self._mode = None

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The terminal as the shell left it, for a program run meanwhile (the editor)."""
        mode = self._mode
        if mode is None:
            yield
            return
        mode.leave()
        try:
            yield
        finally:
            mode.enter()

    def read(self, timeout: float | None = None) -> str | None:
        if not self.tty:
            line = sys.stdin.readline()
            if line == "":
                return None
            return line.rstrip("\r\n").strip()
        if os.name == "nt":
            return self._read_windows(timeout)
        import select

        fd = sys.stdin.fileno()
        pending = self._pending
        if pending:
            ch, self._pending = pending[:1].decode("utf-8", "replace"), pending[1:]
        else:
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                return ""
            ch = os.read(fd, 1).decode("utf-8", "replace")
        if ch == "\x1b":  # an escape sequence: the paging keys get a name, others are dropped
            rest = self._pending
            while select.select([fd], [], [], 0.01)[0]:
                rest += os.read(fd, 64)
            # Keys pressed quickly arrive together: keep what follows the first one.
            name, used = split_escape(rest.decode("ascii", "replace"))
            self._pending = rest[used:]
            return name
        if ch == "\x03":
            raise KeyboardInterrupt
        if ch == "\x04":
            return None
        return "\n" if ch in ("\r", "\n") else ch

    def _read_windows(self, timeout: float | None) -> str | None:  # pragma: no cover - POSIX CI
        import msvcrt
        import time

        end = None if timeout is None else time.monotonic() + timeout
        while True:
            if msvcrt.kbhit():  # type: ignore[attr-defined]
                ch = msvcrt.getwch()  # type: ignore[attr-defined]
                if ch == "\x03":
                    raise KeyboardInterrupt
                return "\n" if ch == "\r" else ch
            if end is not None and time.monotonic() >= end:
                return ""
            time.sleep(0.02)


ESCAPES = {
    "[5~": "pgup", "[6~": "pgdn", "[A": "up", "[B": "down", "OA": "up", "OB": "down",
    "[H": "home", "[F": "end", "OH": "home", "OF": "end", "[1~": "home", "[4~": "end",
}  # fmt: skip


def escape_name(rest: str) -> str:
    """The name of the key whose escape sequence is ESC + `rest`: 'esc' alone, '' if unknown."""
    return split_escape(rest)[0] if len(rest) == split_escape(rest)[1] else ""


def split_escape(rest: str) -> tuple[str, int]:
    """The key whose sequence starts `rest` (after ESC), and how many characters it took.

    A lone ESC is 'esc'; an unknown sequence is '' and takes everything up to the
    next ESC (so the keys after it are still read).
    """
    if not rest or rest.startswith("\x1b"):
        return "esc", 0
    for seq in sorted(ESCAPES, key=len, reverse=True):
        if rest.startswith(seq):
            return ESCAPES[seq], len(seq)
    end = rest.find("\x1b")
    return "", len(rest) if end < 0 else end


def _stop_as_ctrl_z() -> None:
    # Stop with SIGTSTP itself (the default action, for this one signal) so the shell
    # reports "Stopped" like any Ctrl-Z; our handler is back once the process continues.
    handler = signal.signal(signal.SIGTSTP, signal.SIG_DFL)
    try:
        os.kill(os.getpid(), signal.SIGTSTP)
    finally:
        signal.signal(signal.SIGTSTP, handler)


class KeptMode:
    """A terminal mode that survives Ctrl-Z and `fg`.

    The shell gives a stopped job back its terminal as the shell left it (line
    mode, echo on); without this the drill would come back echoing keys and
    waiting for Enter. On Ctrl-Z the saved mode is put back before stopping (the
    shell prompt stays usable); on continuing, the keys mode is set again.
    """

    def __init__(
        self,
        enter: Callable[[], object],
        leave: Callable[[], object],
        stop: Callable[[], object] | None = None,
    ) -> None:
        self.enter, self.leave = enter, leave
        self.stop = stop or _stop_as_ctrl_z

    def on_suspend(self, signum: int, frame: object) -> None:
        self.leave()
        self.stop()  # the process waits here until SIGCONT

    def on_continue(self, signum: int, frame: object) -> None:
        self.enter()

    @contextmanager
    def kept(self) -> Iterator[KeptMode]:
        self.enter()
        previous = {
            signal.SIGTSTP: signal.signal(signal.SIGTSTP, self.on_suspend),
            signal.SIGCONT: signal.signal(signal.SIGCONT, self.on_continue),
        }
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            self.leave()
