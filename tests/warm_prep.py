"""`python -m prep` in a child process, without paying Python's start-up for each one.

The `cli` fixture runs prep as a user does: its own process, with its own standard
input, output and error, working folder, environment, exit code and signals. Most of
what such a process costs is importing typer, rich, sqlite-utils, jinja2 and fsrs
again, a few hundred of milliseconds of CPU each time, hundreds of times a run.

So one server process imports them once, then forks a child for each command. The
child is given the caller's pipes as its fds 0, 1 and 2, takes the caller's folder and
environment, and runs the `prep` package as `python -m prep` would (`runpy`), ending
as any Python process ends: an exception not caught prints its traceback and exits 1,
and the interpreter's shutdown flushes and reports a closed pipe as it always does.
The server has run no command and no test code, so a child starts with what a new
interpreter has, plus modules already imported.

A command whose environment changes how Python itself starts (a PYTHON* variable, the
locale) runs as a real new interpreter instead: `run` falls back to subprocess.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys
from pathlib import Path

# What the server imports before it forks: every module of prep (but its entry
# point, which each child runs afresh) and the third-party modules commands use;
# the extras (PDF, Anki) when they are installed. A test that hides an extra does it
# in its own process, never through `cli`.
PRELOAD = (
    "typer._completion_classes",
    "rich.console",
    "rich.live",
    "rich.markdown",
    "rich.panel",
    "rich.progress",
    "rich.table",
    "markdown_it",
    "yaml",
    "sqlite_utils",
    "jinja2.sandbox",
    "fsrs",
)
EXTRAS = ("weasyprint", "genanki")


def _prep_modules() -> list[str]:
    import pkgutil

    import prep

    found = ["prep"]
    for info in pkgutil.walk_packages(prep.__path__, "prep."):
        if info.name != "prep.__main__" and not info.name.startswith("prep.example"):
            found.append(info.name)
    return found


# Variables read by the interpreter while it starts, not by prep afterwards.
STARTUP_VARS = ("LANG", "LC_ALL", "LC_CTYPE")


def _send(sock: socket.socket, obj: object, fds: list[int] | None = None) -> None:
    data = json.dumps(obj).encode()
    msg = struct.pack("!I", len(data)) + data
    if fds:
        socket.send_fds(sock, [msg], fds)
    else:
        sock.sendall(msg)


def _recv(sock: socket.socket, with_fds: int = 0) -> tuple[object, list[int]] | None:
    fds: list[int] = []
    if with_fds:
        head, fds, _, _ = socket.recv_fds(sock, 4, with_fds)
    else:
        head = sock.recv(4)
    if not head:
        return None
    while len(head) < 4:
        head += sock.recv(4 - len(head))
    (size,) = struct.unpack("!I", head)
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return json.loads(data), fds


# --- the server ------------------------------------------------------------------


def _child(request: dict, fds: list[int]) -> None:
    """In the forked child: become `python -m prep ARGS` and never come back."""
    import io
    import runpy
    import tempfile
    import time

    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in fds:
        if fd > 2:
            os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    tempfile.tempdir = None
    here = str(Path(__file__).resolve().parent)
    sys.path[:] = [os.getcwd(), *(p for p in sys.path if p not in ("", here))]

    def stream(fd: int, mode: str, template: io.TextIOWrapper) -> io.TextIOWrapper:
        # As CPython makes its standard streams on POSIX: no newline translation,
        # stdout line-buffered on a terminal, stderr always line-buffered.
        raw = os.fdopen(fd, mode + "b", closefd=False)
        return io.TextIOWrapper(
            raw,  # type: ignore[arg-type]
            encoding=template.encoding,
            errors=template.errors,
            newline="\n",
            line_buffering=mode == "w" and (fd == 2 or os.isatty(fd)),
        )

    sys.stdin = sys.__stdin__ = stream(0, "r", sys.__stdin__)  # type: ignore[misc,arg-type]
    sys.stdout = sys.__stdout__ = stream(1, "w", sys.__stdout__)  # type: ignore[misc,arg-type]
    sys.stderr = sys.__stderr__ = stream(2, "w", sys.__stderr__)  # type: ignore[misc,arg-type]
    sys.modules.pop("prep.__main__", None)  # run as __main__, never as the imported module
    sys.argv = ["-m", *request["args"]]
    code, interrupted = 0, False
    try:
        runpy.run_module("prep", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = _exit_status(exc.code)
    except KeyboardInterrupt:
        sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
        interrupted = True
    except BaseException:
        sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
        code = 1
    _finalize(code, interrupted)


def _exit_status(code: object) -> int:
    """What the interpreter makes of SystemExit's code (a message is printed, exit 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _finalize(code: int, interrupted: bool) -> None:
    """End the child as Py_FinalizeEx would, short of tearing down every module.

    In order: wait for non-daemon threads, run atexit functions, collect what the
    command left unreachable (closing its files and SQLite connections, so a WAL
    is checkpointed as at a real exit), flush stdout and stderr (a flush that fails
    is reported and the status becomes 120, as CPython does). Freeing the modules
    the server imported is skipped: it is most of a child's cost and the command
    cannot see it.
    """
    import atexit
    import gc

    threading = sys.modules.get("threading")
    if threading is not None:
        threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    gc.collect()
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        try:
            stream.flush()
        except Exception as exc:
            if name == "stdout":
                print(f"Exception ignored in: {stream!r}", file=sys.stderr)
                print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
                try:
                    sys.stderr.flush()
                except Exception:
                    pass
            code = 120
    if interrupted:  # as CPython ends on an uncaught KeyboardInterrupt: by SIGINT
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(code)


def serve(sock: socket.socket) -> None:
    import gc
    import importlib

    for name in (*PRELOAD, *_prep_modules()):
        importlib.import_module(name)
    for name in EXTRAS:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    # What is imported stays: the children's collections need not walk it (nor copy
    # its pages by touching them).
    gc.collect()
    gc.freeze()
    _send(sock, "ready")
    while True:
        got = _recv(sock, with_fds=3)
        if got is None:
            return
        request, fds = got
        pid = os.fork()
        if pid == 0:
            sock.close()
            _child(request, fds)  # type: ignore[arg-type]
        for fd in fds:
            os.close(fd)
        _send(sock, pid)
        _, status, usage = os.wait4(pid, 0)
        _send(sock, [os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime])


# --- the client ------------------------------------------------------------------


class WarmPrep:
    """A started server; `run` is subprocess.run for `python -m prep ARGS` (text, captured)."""

    def __init__(self) -> None:
        here, there = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        root = Path(__file__).resolve().parent
        code = f"import sys, socket; sys.path.insert(0, {str(root)!r}); import warm_prep; warm_prep.serve(socket.socket(fileno={there.fileno()}))"
        self.proc = subprocess.Popen([sys.executable, "-c", code], pass_fds=[there.fileno()])
        there.close()
        self.sock = here
        self.env = dict(os.environ)
        self.child_cpu = 0.0  # CPU seconds of the children so far (for measuring the suite)
        ready = _recv(self.sock)
        if ready is None or ready[0] != "ready":
            raise RuntimeError("the warm prep server did not start")

    def close(self) -> None:
        self.sock.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def _same_start(self, env: dict[str, str]) -> bool:
        keys = {k for k in (*env, *self.env) if k.startswith("PYTHON") or k in STARTUP_VARS}
        return all(env.get(k) == self.env.get(k) for k in keys)

    def run(
        self,
        args: list[str],
        input: str | None,
        env: dict[str, str],
        cwd: Path | None,
        timeout: float,
    ) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "prep", *args]
        missing_cwd = cwd is not None and not Path(cwd).is_dir()  # subprocess raises for it
        if missing_cwd or not self._same_start(env) or self.proc.poll() is not None:
            return subprocess.run(
                cmd, input=input, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout
            )
        encoding = sys.__stdout__.encoding if sys.__stdout__ else "utf-8"
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        if input is None:  # inherited, as subprocess.run leaves it
            try:
                in_r, in_w = os.dup(0), None
            except OSError:
                in_r, in_w = os.open(os.devnull, os.O_RDONLY), None
        else:
            in_r, in_w = os.pipe()
        request = {"args": args, "env": env, "cwd": str(cwd or os.getcwd())}
        _send(self.sock, request, [in_r, out_w, err_w])
        for fd in (in_r, out_w, err_w):
            os.close(fd)
        got = _recv(self.sock)
        assert got is not None, "the warm prep server went away"
        pid = got[0]
        out, err, timed_out = self._communicate(
            in_w, out_r, err_r, input.encode(encoding) if input is not None else b"", timeout
        )
        if timed_out:
            try:
                os.kill(pid, signal.SIGKILL)  # type: ignore[arg-type]
            except ProcessLookupError:
                pass
        got = _recv(self.sock)
        assert got is not None, "the warm prep server went away"
        code, cpu = got[0]  # type: ignore[misc]
        self.child_cpu += cpu
        stdout, stderr = _text(out, encoding), _text(err, encoding)
        if timed_out:
            raise subprocess.TimeoutExpired(cmd, timeout, output=stdout, stderr=stderr)
        return subprocess.CompletedProcess(cmd, code, stdout, stderr)  # type: ignore[arg-type]

    @staticmethod
    def _communicate(
        in_w: int | None, out_r: int, err_r: int, data: bytes, timeout: float
    ) -> tuple[bytes, bytes, bool]:
        import time

        chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
        sel = selectors.DefaultSelector()
        sel.register(out_r, selectors.EVENT_READ)
        sel.register(err_r, selectors.EVENT_READ)
        if in_w is not None:
            if data:
                os.set_blocking(in_w, False)
                sel.register(in_w, selectors.EVENT_WRITE)
            else:
                os.close(in_w)
        view = memoryview(data)
        deadline = time.monotonic() + timeout
        open_reads = 2
        timed_out = False
        while open_reads:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            for key, _ in sel.select(left):
                fd = key.fd
                if fd == in_w:
                    try:
                        view = view[os.write(fd, view[:65536]) :]
                    except BrokenPipeError:
                        view = view[len(view) :]
                    if not view:
                        sel.unregister(fd)
                        os.close(fd)
                    continue
                block = os.read(fd, 65536)
                if block:
                    chunks[fd].append(block)
                else:
                    sel.unregister(fd)
                    os.close(fd)
                    open_reads -= 1
        for key in list(sel.get_map().values()):
            sel.unregister(key.fd)
            os.close(key.fd)
        sel.close()
        return b"".join(chunks[out_r]), b"".join(chunks[err_r]), timed_out


def _text(data: bytes, encoding: str) -> str:
    """As subprocess decodes with text=True: the locale's encoding, universal newlines."""
    return data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")
