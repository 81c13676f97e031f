"""What the face guarantees: clean text on screen, one Error line for a broken database."""

from __future__ import annotations

import pytest

from prep.ui.keys import clean


def test_clean_drops_terminal_controls_and_bidi_overrides():
    text = "정상\x1b[31m red\x07 \u202eevil\u202c \u2066iso\u2069\tend\n"
    assert clean(text) == "정상 red evil iso\tend\n"  # the whole escape sequence goes


def test_damaged_database_is_one_error_line(ws, cli):
    assert cli("-w", str(ws), "drill", input="\n3\nq\n").returncode == 0
    db = ws / ".prep" / "prep.db"
    raw = bytearray(db.read_bytes())
    page = 4096
    assert len(raw) > 3 * page
    raw[page:] = b"\xde\xad\xbe\xef" * ((len(raw) - page) // 4)  # trash every page but the header
    db.write_bytes(bytes(raw))
    for args in (("deck", "list"), ("drill",), ("undo",)):
        r = cli("-w", str(ws), *args, input="q\n")
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), lines
        assert "damaged" in lines[0] or "cannot open" in lines[0] or "malformed" in lines[0]


def test_ctrl_c_inside_a_print_does_not_print_it_twice():
    # rich writes its buffer, then clears it; Ctrl-C in between left the text to be
    # written again by the next print (the mock's "saved" line showed up twice).
    import io

    from rich.console import Console
    from rich.segment import Segment

    from prep.ui.render import drop_pending

    out = io.StringIO()
    console = Console(file=out, width=40, color_system=None)
    assert isinstance(console._buffer, list)  # the rich internals drop_pending relies on
    console._buffer.append(Segment("✓ saved 3/5 c1: Good\n"))  # written, not yet cleared
    drop_pending(console)
    console.print("Interrupted")
    assert out.getvalue() == "Interrupted\n"


def test_keyword_checkboxes_wrap_between_keywords_only():
    import io
    from types import SimpleNamespace

    from rich.cells import cell_len
    from rich.console import Console

    from prep.ui import mock, render

    kws = ["model_validate_json", "TypeAdapter", "discriminated union", "이벤트 루프", "TypedDict"]
    card = SimpleNamespace(keywords=kws)
    for view in (render.keywords(card), mock.checklist(card, {2})):
        for width in range(24, 101):
            out = io.StringIO()
            Console(file=out, width=width, color_system=None).print(view)
            lines = out.getvalue().splitlines()
            assert all(cell_len(line) <= width for line in lines)
            for i, kw in enumerate(kws, 1):  # box, number and keyword stay on one line
                unit = [f"☐ {i}.{kw}", f"☐ {i}. {kw}", f"☑ {i}. {kw}"]
                assert any(u in line for line in lines for u in unit), (width, lines)


def test_the_keys_mode_is_left_on_ctrl_z_and_set_again_on_fg():
    # The shell gives a stopped job back its terminal in line mode; the drill sets its
    # mode again on SIGCONT. Real signals, sent to this process; stopping is faked.
    import signal

    from prep.ui.keys import KeptMode

    calls: list[str] = []
    mode = KeptMode(
        enter=lambda: calls.append("enter"),
        leave=lambda: calls.append("leave"),
        stop=lambda: calls.append("stop"),
    )
    before = signal.getsignal(signal.SIGCONT), signal.getsignal(signal.SIGTSTP)
    with mode.kept():
        assert calls == ["enter"]
        signal.raise_signal(signal.SIGTSTP)  # Ctrl-Z: the shell gets a sane terminal
        assert calls == ["enter", "leave", "stop"]
        signal.raise_signal(signal.SIGCONT)  # fg
        assert calls == ["enter", "leave", "stop", "enter"]
    assert calls[-1] == "leave"
    assert (signal.getsignal(signal.SIGCONT), signal.getsignal(signal.SIGTSTP)) == before


def test_a_bad_prep_now_is_one_error_line(ws, cli):
    for args in (("status",), ("drill",), ("plan",)):
        r = cli("-w", str(ws), *args, input="q\n", env={"PREP_NOW": "garbage"})
        assert r.returncode == 1, (args, r.stderr)
        assert r.stderr == "Error: PREP_NOW: not an ISO date-time: 'garbage'\n", (args, r.stderr)


def _deny(monkeypatch, name, blocked):
    # Root ignores file modes, so the refusal the user gets is simulated where it happens.
    from pathlib import Path

    real = getattr(Path, name)

    def refuse(self, *args, **kwargs):
        if self == blocked:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, name, refuse)


def test_a_database_folder_that_cannot_be_created_is_one_error_line(ws, invoke, monkeypatch):
    folder = ws / ".prep"
    _deny(monkeypatch, "mkdir", folder)
    for args in (("status",), ("drill",), ("deck", "list"), ("backup",), ("doctor",)):
        r = invoke("-w", str(ws), *args, input="q\n")
        assert r.exit_code == 1, (args, r.output)
        assert (
            r.output == f"Error: {folder}: cannot create the database folder: Permission denied\n"
        )


def test_a_database_folder_that_cannot_be_listed_is_one_error_line(
    ws, invoke, monkeypatch, tmp_path
):
    folder = tmp_path / "locked"
    folder.mkdir()
    _deny(monkeypatch, "iterdir", folder)
    for args in (("status",), ("drill",), ("doctor",), ("log", "export", "-")):
        r = invoke("-w", str(ws), "--db", str(folder / "x.db"), *args, input="q\n")
        assert r.exit_code == 1, (args, r.output)
        assert r.output == f"Error: {folder}: cannot read the database folder: Permission denied\n"


def test_a_read_only_database_folder_or_file_is_named(ws, invoke, monkeypatch):
    import os
    import sqlite3

    from prep.errors import PrepError
    from prep.store import Store

    folder = ws / ".prep"
    store = Store(folder / "prep.db")
    real_access = os.access
    denied = {folder}
    monkeypatch.setattr(os, "access", lambda p, mode: p not in denied and real_access(p, mode))
    readonly = sqlite3.OperationalError("attempt to write a readonly database")
    with pytest.raises(PrepError, match=r"\.prep: the database folder is not writable"):
        with store.write():
            raise readonly
    denied = {folder / "prep.db"}
    with pytest.raises(PrepError, match=r"prep\.db: the database file is not writable"):
        with store.write():
            raise readonly
    store.close()

    def refuse(*args, **kwargs):
        raise readonly

    denied = {folder}
    monkeypatch.setattr(sqlite3, "connect", refuse)
    r = invoke("-w", str(ws), "drill", input="q\n")
    assert r.exit_code == 1
    assert r.output.startswith(f"Error: {folder}: the database folder is not writable")
