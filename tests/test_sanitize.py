"""No untrusted text reaches the terminal with control sequences or rich markup in it.

The main screens were clean before; these are the other paths: error and note
lines, file names in `deck list`, template names and headings, the thank-you
mail, import messages and card ids that came in through `log import`.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from prep.safetext import BIDI, clean, json_safe

ESC_TITLE = "\x1b]0;pwned\x07"  # set the window title
ESC_CLIP = "\x1b]52;c;cHduZWQ=\x07"  # write the clipboard (OSC 52)
ESC_CLEAR = "\x1b[2J\x1b[H"
C1_CSI = "\x9b31m"
RLO = "\u202e"
HOSTILE = f"{ESC_TITLE}{ESC_CLIP}{ESC_CLEAR}{C1_CSI}{RLO}"
# The same inside a double-quoted YAML string (YAML refuses raw control characters).
Y = r"\e]0;pwned\a\e]52;c;cHduZWQ=\a\e[2J\e[H\x9b31m\u202e"


def assert_inert(text: str) -> None:
    bad = [c for c in text if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) < 0xA0]
    assert not bad, f"control characters {bad!r} in:\n{text!r}"
    assert not [c for c in text if ord(c) in BIDI], repr(text)


def assert_no_leftovers(text: str) -> None:
    """Where the text itself is shown (not its repr), whole sequences went, parameters too."""
    for rest in ("]0;pwned", "52;c;", "[2J"):
        assert rest not in text, repr(text)


# --- the sanitizer itself ------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw, shown",
    [
        (f"a{ESC_TITLE}b", "ab"),
        ("a\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),
        ("a\x1bPq#0;2;0;0;0\x1b\\b", "ab"),  # DCS (sixel)
        ("a\x1b_apc\x9cb", "ab"),
        ("a\x9d0;x\x07b", "ab"),  # 8-bit OSC
        ("a\x9b2Jb", "ab"),  # 8-bit CSI
        ("a\x1b7b\x1bc", "ab"),  # save cursor, reset terminal
        ("a\rb\x08c\x7f", "abc"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("\u202eevil\u202c \u2067x\u2069", "evil x"),
        ("한국어 [bold]x[/]", "한국어 [bold]x[/]"),  # markup is the console's business
        ("\x1b[", ""),  # truncated at the end
    ],
)
def test_clean(raw, shown):
    assert clean(raw) == shown


def test_json_safe_keeps_the_data_and_escapes_what_a_terminal_would_act_on():
    data = {"id": f"x{C1_CSI}{RLO}\u2028y\x7f"}
    text = json_safe(json.dumps(data, ensure_ascii=False))
    assert json.loads(text) == data
    assert_inert(text)


# --- the paths -----------------------------------------------------------------------------
def _deck(ws: Path, name: str, body: str) -> None:
    (ws / "decks" / name).write_text(body, encoding="utf-8")


def test_error_lines_about_deck_ids_kinds_and_keys(ws, invoke):
    for body in (
        f'deck: "{Y}x"\ncards:\n  - id: a1\n    q: q?\n',
        f'deck: h\ncards:\n  - id: a1\n    q: q?\n    kind: "{Y}tech"\n',
        f'deck: h\ncards:\n  - id: a1\n    q: q?\n    "{Y}key": 1\n',
        f'deck: h\ncards:\n  - id: "{Y}"\n    q: q?\n',
    ):
        _deck(ws, "h.yaml", body)
        for args in (("status",), ("deck", "check"), ("drill",)):
            r = invoke("-w", str(ws), *args)
            # deck check fails; status and the drill go on without the broken deck.
            assert r.exit_code == (1 if args == ("deck", "check") else 0), r.output
            assert "decks/h.yaml:" in r.stderr
            assert_inert(r.stdout + r.stderr)


def test_deck_file_names_are_neither_controls_nor_markup(ws, invoke):
    name = f"{ESC_TITLE}[blink]odd[link=evil.example]x.yaml"  # no '/' in a file name
    _deck(ws, name, "deck: odd\ncards:\n  - id: odd-1\n    q: odd?\n")
    r = invoke("-w", str(ws), "deck", "list")
    assert r.exit_code == 0, r.output
    assert "[blink]odd[link=evil.example]x.yaml" in r.stdout
    assert "\x1b]8" not in r.stdout
    assert_inert(r.stdout + r.stderr)
    _deck(ws, name, "deck: odd\ncards: 3\n")
    r = invoke("-w", str(ws), "deck", "check")
    assert r.exit_code == 1 and "[blink]odd[link=evil.example]x.yaml" in r.stderr
    assert_inert(r.stdout + r.stderr)


def test_the_topic_list_of_an_unmatched_topic(ws, invoke):
    _deck(ws, "t.yaml", f'deck: t\ncards:\n  - id: t1\n    q: q?\n    topic: "{Y}Topic"\n')
    r = invoke("-w", str(ws), "drill", "--topic", "no-such-topic", input="q\n")
    assert "no card has topic 'no-such-topic'" in r.stderr
    assert "Topic" in r.stderr
    assert_inert(r.stdout + r.stderr)
    assert_no_leftovers(r.stderr)


def test_template_names_and_headings_in_answer_commands(ws, invoke):
    story = ws / "answers" / "evil.md.j2"
    story.write_text(
        f'---\nid: evil\ntitle: "{Y}Title"\nvalues: []\ncards: []\n---\n'
        f"## {HOSTILE}Situation\ns\n\n## Task\nt\n\n## Action\na\n\n## Result\nr\n",
        encoding="utf-8",
    )
    for args in (("answer", "list"), ("answer", "show", "evil"), ("answer", "check")):
        r = invoke("-w", str(ws), *args)
        assert "Title" in r.stdout + r.stderr or "Situation" in r.stdout + r.stderr, args
        assert_inert(r.stdout + r.stderr)
    story.write_text(
        "---\nid: evil\ntitle: t\nvalues: []\ncards: []\n---\n"
        f'{{% include "{HOSTILE}name.md.j2" %}}\n',
        encoding="utf-8",
    )
    for args in (("answer", "show", "evil"), ("answer", "check")):
        r = invoke("-w", str(ws), *args)
        assert r.exit_code == 1 and "name.md.j2" in r.stderr, r.output
        assert_inert(r.stdout + r.stderr)


def test_the_thank_you_mail_printed_by_followup(ws, invoke):
    mail = ws / "answers" / "thank-you.md.j2"
    text = mail.read_text(encoding="utf-8")
    mail.write_text(text.replace("\n---\n", f"\n---\n{HOSTILE}Dear\n", 1), encoding="utf-8")
    r = invoke("-w", str(ws), "followup", "--interviewer", "Kim")
    assert r.exit_code == 0, r.output
    assert "Dear" in r.stdout
    assert_inert(r.stdout + r.stderr)
    assert_no_leftovers(r.stdout)


def test_csv_import_messages(ws, invoke, tmp_path):
    src = tmp_path / "q.csv"
    src.write_text(
        f"front,back,topic\n{HOSTILE}What is X?,{HOSTILE}an answer,{HOSTILE}Topic\n"
        f",{HOSTILE}no question here,\n",
        encoding="utf-8",
    )
    for extra in (("--dry-run",), ()):
        r = invoke("-w", str(ws), "deck", "import", str(src), *extra)
        assert r.exit_code == 0, r.output
        assert "no question here" in r.stdout  # the skipped row is quoted ...
        assert_inert(r.stdout + r.stderr)  # ... as text


def test_card_ids_from_log_import_in_import_doctor_and_undo(ws, invoke, tmp_path):
    assert invoke("-w", str(ws), "status").exit_code == 0
    card = f"{HOSTILE}card"
    log = tmp_path / "other.jsonl"
    log.write_text(
        json.dumps(
            {
                "uuid": str(uuid.uuid4()),
                "card_id": card,
                "rating": 3,
                "reviewed_at": "2026-11-20T09:00:00Z",
                "duration_ms": 1000,
                "source": "drill",
            }  # fmt: skip
        )
        + "\n",
        encoding="utf-8",
    )
    r = invoke("-w", str(ws), "log", "import", str(log))
    assert r.exit_code == 0, r.output
    assert "card" in r.stderr  # the unknown card id is named ...
    assert_inert(r.stdout + r.stderr)  # ... as text
    for args in (("doctor",), ("undo",), ("log", "export", "-")):
        r = invoke("-w", str(ws), *args)
        assert_inert(r.stdout + r.stderr)


def test_json_output_escapes_c1_and_bidi(ws, invoke):
    story = ws / "answers" / "j.md.j2"
    story.write_text(
        '---\nid: j\ntitle: "\\x9b31m\\u202eT"\nvalues: []\ncards: []\n---\n## Situation\ns\n',
        encoding="utf-8",
    )
    r = invoke("-w", str(ws), "answer", "list", "--json")
    assert r.exit_code == 0, r.output
    assert_inert(r.stdout)
    titles = [d["title"] for d in json.loads(r.stdout)["stories"]]
    assert f"{C1_CSI}{RLO}T" in titles  # the data itself is unchanged
