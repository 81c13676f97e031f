"""What the face guarantees: clean text on screen, one Error line for a broken database."""

from __future__ import annotations

from prep.ui.keys import clean


def test_clean_drops_terminal_controls_and_bidi_overrides():
    text = "정상\x1b[31m red\x07 \u202eevil\u202c \u2066iso\u2069\tend\n"
    assert clean(text) == "정상[31m red evil iso\tend\n"


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


def test_a_bad_prep_now_is_one_error_line(ws, cli):
    for args in (("status",), ("drill",), ("plan",)):
        r = cli("-w", str(ws), *args, input="q\n", env={"PREP_NOW": "garbage"})
        assert r.returncode == 1, (args, r.stderr)
        assert r.stderr == "Error: PREP_NOW: not an ISO date-time: 'garbage'\n", (args, r.stderr)
