"""The hostile-input corpus (tests/hostile/): broken and malicious decks, profiles and answers.

For every file: the commands that read it exit 1 with one located error line (`prep status`
reports a bad deck on that line and goes on with the others, exit 0)
(or 0 where the input is valid but nasty, which must then print literally),
never a traceback, and the database stays byte-for-byte the same. Huge files
are made at test time.

`python tests/test_hostile.py` runs the same corpus through real `prep`
processes and prints each command's wall time (the budget is 2 s).
"""

from __future__ import annotations

import functools
import gc
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "hostile"
BUDGET_S = 2.0

# file -> (line, message) of the error it must give. The line is where the
# problem is (for YAML syntax errors: where the parser gave up).
DECKS: dict[str, tuple[int, str]] = {
    "alias-bomb.yaml": (2, "YAML anchor 'x0' is not allowed"),
    "binary-tag.yaml": (4, "'q' must be text, not bytes"),
    "cards-mapping.yaml": (3, "'cards' must be a list, not a mapping"),
    "cards-null.yaml": (1, "empty deck: no cards"),
    "complex-key.yaml": (4, "mapping keys must be plain text"),
    "cp1252.yaml": (4, "not valid UTF-8"),
    "crlf-error.yaml": (5, "unknown kind 'nonsense'"),
    "deep-block-nesting.yaml": (43, "nesting deeper than 40 levels"),
    "deep-flow-nesting.yaml": (5, "nesting deeper than 40 levels"),
    "duplicate-across-files.yaml": (3, "duplicate card id 'good-one'"),
    "duplicate-ids.yaml": (6, "duplicate card id 'same' (first at decks/duplicate-ids.yaml:3:9)"),
    "duplicate-keys.yaml": (5, "duplicate key 'q'"),
    "duplicate-questions.yaml": (4, "duplicate question (same text gives the same id)"),
    "empty.yaml": (1, "empty deck: no cards"),
    "id-date.yaml": (3, "'id' must be text, not date"),
    "id-too-long.yaml": (3, "invalid card id 'xxxxxxxx"),
    "invalid-utf8.yaml": (4, "not valid UTF-8"),
    "keywords-number.yaml": (5, "'keywords' must be a list of text, not a number"),
    "kind-typo.yaml": (5, "did you mean 'technical'?"),
    "list-root.yaml": (1, "a deck must be a mapping with 'cards', not a list"),
    "merge-key.yaml": (2, "YAML anchor 'base' is not allowed"),
    "multi-document.yaml": (6, "another document"),
    "one-line-nesting.yaml": (6, "nesting deeper than 40 levels"),
    "nul-byte.yaml": (4, "NUL byte in file"),
    "only-comments.yaml": (1, "empty deck: no cards"),
    "path-id.yaml": (3, "invalid card id '../../etc/passwd'"),
    "python-tag.yaml": (4, "YAML tag '!!python/object/apply:os.system' is not allowed"),
    "q-bool.yaml": (4, "'q' must be text, not true/false"),
    "q-list.yaml": (4, "'q' must be text, not a list"),
    "scalar-root.yaml": (1, "a deck must be a mapping with 'cards', not text"),
    "scalar-tag-bool.yaml": (5, "cannot read 'maybe' as !!bool"),
    "scalar-tag-timestamp.yaml": (3, "cannot read '2026-13-45' as !!timestamp"),
    "sql-card-id.yaml": (3, 'invalid card id "x\'); DROP TABLE reviews; --"'),
    "sql-deck-id.yaml": (1, "invalid deck id 'a' OR '1'='1'"),
    "story-traversal.yaml": (5, "invalid story id '../../../etc/passwd'"),
    "syntax-bad-indent.yaml": (5, "YAML syntax"),
    "syntax-unclosed-flow.yaml": (4, "YAML syntax"),
    "syntax-unclosed-quote.yaml": (6, "YAML syntax"),
    "tabs.yaml": (4, "tab character in indentation"),
    "time-huge-int.yaml": (5, "'time' must be a duration"),
    "time-nan.yaml": (5, "'time' must be a duration"),
    "time-words.yaml": (5, "'time' must be a duration"),
    "unknown-card-key.yaml": (5, "unknown card key 'answer'"),
    "unknown-deck-key.yaml": (2, "unknown deck key 'titel'; did you mean 'title'?"),
    "utf16.yaml": (1, "not valid UTF-8"),
}
PROFILES: dict[str, tuple[int, str]] = {
    "alias-bomb.yaml": (1, "YAML anchor 'a' is not allowed"),
    "day-starts-at-25.yaml": (3, "settings.day_starts_at must be a whole number from 0 to 23"),
    "deep-nesting.yaml": (3, "nesting deeper than 40 levels"),
    "interview-date-words.yaml": (3, "interview.date must look like"),
    "interview-not-mapping.yaml": (3, "'interview' must be a mapping"),
    "invalid-utf8.yaml": (3, "not valid UTF-8"),
    "list-root.yaml": (1, "prep.yaml must be a mapping"),
    "nul-byte.yaml": (3, "NUL byte in file"),
    "one-line-nesting.yaml": (4, "nesting deeper than 40 levels"),
    "one-space-nesting.yaml": (43, "nesting deeper than 40 levels"),
    "python-tag.yaml": (3, "YAML tag '!!python/object/apply:os.system' is not allowed"),
    "retention-out-of-range.yaml": (3, "settings.desired_retention must be a number"),
    "scalar-tag-int.yaml": (3, "cannot read 'ten' as !!int"),
    "settings-bool.yaml": (3, "settings.new_per_day must be a whole number"),
    "settings-not-mapping.yaml": (3, "'settings' must be a mapping"),
    "settings-string.yaml": (3, "settings.new_per_day must be a whole number"),
    "syntax.yaml": (2, "YAML syntax"),
    "tabs.yaml": (2, "tab character in indentation"),
}
ANSWERS: dict[str, tuple[int, str]] = {
    "extends-traversal.md.j2": (7, "only files inside answers/ can be loaded"),
    "front-matter-alias.md.j2": (3, "YAML anchor 'v' is not allowed"),
    "front-matter-bad-tag.md.j2": (4, "cannot read 'nope' as !!timestamp"),
    "front-matter-python-tag.md.j2": (3, "YAML tag '!!python/object/apply:os.system'"),
    "front-matter-types.md.j2": (3, "'title' must be text"),
    "front-matter-unclosed.md.j2": (1, "front matter opened with '---' on line 1 is never closed"),
    "huge-format-width.md.j2": (8, "a format width over a million characters"),
    "huge-range.md.j2": (8, "Range too big"),
    "huge-repeat.md.j2": (8, "would exceed the output limit"),
    "import-traversal.md.j2": (8, "only files inside answers/ can be loaded"),
    "include-absolute.md.j2": (8, "only files inside answers/ can be loaded"),
    "include-self.md.j2": (7, "include or call each other without end"),
    "include-traversal.md.j2": (8, "only files inside answers/ can be loaded"),
    "invalid-utf8.md.j2": (8, "not valid UTF-8"),
    "nested-loops.md.j2": (8, "rendered text is over 200 KB; stopped"),
    # CPU time and memory are the sandbox's own budget, not per-call argument checks
    "nested-empty-loops.md.j2": (8, "the template used more than 0.5 s of CPU time; stopped"),
    "list-growth.md.j2": (8, "the template used more than 0.5 s of CPU time; stopped"),
    "replace-blowup.md.j2": (8, "replacing into a text over 1,000,000 characters is refused"),
    "replace-empty-blowup.md.j2": (8, "replacing into a text over 1,000,000 characters"),
    "indent-blowup.md.j2": (8, "indenting into a text over 1,000,000 characters is refused"),
    "format-blowup.md.j2": (8, "joining or formatting into a text over 1,000,000 characters"),
    "join-blowup.md.j2": (8, "joining or formatting into a text over 1,000,000 characters"),
    "concat-doubling.md.j2": (8, "joining or formatting into a text over 1,000,000 characters"),
    "lipsum-slow.md.j2": (8, "lipsum of more than 20,000 words is refused"),
    "vars-one-line-nesting.md.j2": (8, "nesting deeper than 40 levels"),
    "nul-byte.md.j2": (8, "NUL byte in file"),
    "recursive-macro.md.j2": (7, "include or call each other without end"),
    "sandbox-format-attr.md.j2": (8, "access to attribute '__class__' of 'str' object is unsafe"),
    "sandbox-globals.md.j2": (8, "access to attribute '__init__'"),
    "sandbox-mro.md.j2": (8, "access to attribute '__class__' of 'str' object is unsafe"),
    "sandbox-mutation.md.j2": (8, "access to attribute 'append' of 'list' object is unsafe"),
    "syntax-error.md.j2": (8, "template syntax"),
    "unclosed-block.md.j2": (8, "Unexpected end of template"),
    "undefined-variable.md.j2": (8, "'no_such_thing' is undefined"),
}
# Valid files with nasty text: they load, and what they print is literal.
OK_DECKS = {
    "ok-bom.yaml": ["a deck saved with a BOM"],
    "ok-crlf.yaml": ["a deck saved on Windows"],
    "ok-rich-markup.yaml": [
        "[bold red]loud[/] and [link=https://evil.example]click me[/link] then [/] closes nothing",
        "[blink]x[/blink]",
        "[/]topic",
    ],
    "ok-sql-text.yaml": ["Robert'); DROP TABLE cards; -- and \" OR 1=1 --"],
    # whole sequences go, parameters and all: no "[2J" or "0;pwned" left on the screen
    "ok-terminal-escapes.yaml": ["clear title linkhere bell end"],
    "ok-unicode.yaml": ["한국어", "\U0001f600"],
}
OK_PROFILES = {
    "ok-bom-crlf.yaml": ["Acme"],
    "ok-markup-and-escapes.yaml": ["[link=https://evil.example]Acme[/link] [/]", "[bold]Me[/]"],
}
OK_ANSWERS = {
    "ok-markup-and-escapes.md.j2": ["[bold red]loud[/]", "[link=https://evil.example]x[/link]"],
}
# Made at test time: name -> (bytes, line, message)
MB = 1024 * 1024


@functools.cache
def generated() -> dict[str, dict[str, tuple[bytes, int, str]]]:
    words = "word " * 220_000
    return {
        "decks": {
            "huge-over-cap.yaml": (
                b"deck: big\ncards:\n  - id: a\n    q: one\n# " + b"x" * (9 * MB) + b"\n",
                1,
                "the limit is 8,388,608",
            ),
            "huge-question.yaml": (
                f"deck: big\ncards:\n  - id: a\n    q: {words}\n".encode(),
                4,
                "'q' is 1,099,999 characters; the limit is 2,000",
            ),
            "huge-keyword-list.yaml": (
                (
                    "deck: big\ncards:\n  - id: a\n    q: one\n    keywords: ["
                    + ", ".join(f"k{i}" for i in range(50_000))
                    + "]\n"
                ).encode(),
                5,
                "'keywords' has 50,000 items; the limit is 100",
            ),
        },
        "profiles": {
            "huge-over-cap.yaml": (
                b"candidate: {name: x}\n# " + b"x" * (9 * MB) + b"\n",
                1,
                "the limit is 8,388,608",
            ),
        },
        "answers": {
            "huge-file.md.j2": (
                b"---\nid: huge-file\n---\n## Situation\n" + b"long " * 300_000 + b"\n",
                1,
                "the limit is 1,000,000",
            ),
        },
    }


GOOD_PROFILE = (
    "candidate: {name: Test}\ncompany: {name: Acme, values: []}\n"
    "settings: {new_per_day: 50, max_reviews_per_day: 500}\n"
)
GOOD_DECK = (
    "deck: good\ncards:\n  - id: good-one\n    q: a good question?\n    a: a good answer\n"
    "  - id: good-two\n    q: another good question?\n    a: another answer\n"
)
GOOD_STORY = (
    "---\nid: good\ntitle: good\nvalues: []\ncards: []\n---\n"
    "## Situation\n{{ candidate.name }} at {{ company.name }}\n\n## Task\nt\n\n"
    "## Action\na\n\n## Result\nr\n"
)


def make_base(root: Path) -> Path:
    """A small good workspace whose database exists and was closed cleanly."""
    (root / "decks").mkdir(parents=True)
    (root / "answers").mkdir()
    (root / "prep.yaml").write_text(GOOD_PROFILE, encoding="utf-8")
    (root / "decks" / "good.yaml").write_text(GOOD_DECK, encoding="utf-8")
    (root / "answers" / "good.md.j2").write_text(GOOD_STORY, encoding="utf-8")
    p = subprocess.run(
        [sys.executable, "-m", "prep", "-w", str(root), "drill", "--new", "1"],
        input="3\n", capture_output=True, text=True, env=_env(), timeout=120,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert not (root / ".prep" / "prep.db-wal").exists()
    return root


def _env() -> dict[str, str]:
    env = dict(os.environ, NO_COLOR="1", PREP_NO_FUZZ="1", TZ="UTC", COLUMNS="250")
    for var in ("PREP_WORKSPACE", "PREP_DB", "PREP_NOW"):
        env.pop(var, None)
    return env


def place(ws: Path, kind: str, name: str, data: bytes) -> list[tuple[str, ...]]:
    """Put one corpus file into the workspace; the commands that read it (the last one shows
    the file's text)."""
    if kind == "decks":
        (ws / "decks" / name).write_bytes(data)
        return [("deck", "check"), ("status",), ("drill", "--deck", "hostile")]
    if kind == "profiles":
        (ws / "prep.yaml").write_bytes(data)
        return [("status",), ("drill",), ("answer", "show", "good")]
    (ws / "answers" / name).write_bytes(data)
    return [("answer", "check"), ("answer", "show", name.removesuffix(".md.j2"))]


def where(kind: str, name: str) -> str:
    return {"decks": f"decks/{name}", "profiles": "prep.yaml", "answers": f"answers/{name}"}[kind]


@dataclass
class Ran:
    code: int
    out: str
    err: str
    seconds: float


Runner = Callable[[Path, tuple[str, ...]], Ran]


def run_subprocess(ws: Path, args: tuple[str, ...]) -> Ran:
    started = time.monotonic()
    p = subprocess.run(
        [sys.executable, "-m", "prep", "-w", str(ws), *args],
        input=b"\n3\nq\n", capture_output=True, env=_env(), timeout=120,
    )  # fmt: skip
    return Ran(
        p.returncode,
        p.stdout.decode("utf-8", "replace"),
        p.stderr.decode("utf-8", "replace"),
        time.monotonic() - started,
    )


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


CONTROL = [chr(c) for c in (*range(0, 9), *range(11, 32), 127, *range(0x80, 0xA0))]


def check_refused(
    ws: Path, kind: str, name: str, data: bytes, line: int, message: str, run: Runner
) -> list[Ran]:
    db = ws / ".prep" / "prep.db"
    before = sha(db)
    rans = []
    for args in place(ws, kind, name, data):
        r = run(ws, args)
        rans.append(r)
        shown = f"{' '.join(args)} on {name}: exit {r.code}\n{r.out[-600:]}\n{r.err[-600:]}"
        # A bad deck is set aside, not fatal: status goes on with the other decks.
        assert r.code == (0 if kind == "decks" and args == ("status",) else 1), shown
        assert "Traceback" not in r.out + r.err, shown
        located = [
            x
            for x in r.err.splitlines()
            if x.startswith(("Error:", where(kind, name), "decks/"))
            and ("error:" in x or x.startswith("Error:"))
        ]
        assert located, shown
        assert any(f"{where(kind, name)}:{line}" in x for x in located), shown
        assert any(message in x for x in located), shown
        gc.collect()  # close any connection the command left to the collector
        assert sha(db) == before, f"{' '.join(args)} on {name} changed the database"
    return rans


def check_accepted(
    ws: Path, kind: str, name: str, data: bytes, literal: list[str], run: Runner
) -> list[Ran]:
    rans = []
    commands = place(ws, kind, name, data)
    for args in commands:
        r = run(ws, args)
        rans.append(r)
        shown = f"{' '.join(args)} on {name}: exit {r.code}\n{r.out[-800:]}\n{r.err[-800:]}"
        assert r.code == 0, shown
        assert "Traceback" not in r.out + r.err, shown
        assert not [c for c in r.out + r.err if c in CONTROL and c not in "\n\t"], shown
        if args == commands[-1]:
            for text in literal:
                assert text in r.out, f"{text!r} not printed literally\n{shown}"
    with sqlite3.connect(ws / ".prep" / "prep.db") as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert c.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] >= 1
    return rans


def corpus() -> list[tuple[str, str]]:
    return [
        (k, p.name)
        for k in ("decks", "profiles", "answers")
        for p in sorted((CORPUS / k).iterdir())
    ]


EXPECT = {"decks": DECKS, "profiles": PROFILES, "answers": ANSWERS}
OK = {"decks": OK_DECKS, "profiles": OK_PROFILES, "answers": OK_ANSWERS}


# --- the tests ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_base(tmp_path_factory.mktemp("hostile") / "base")


@pytest.fixture
def hws(base: Path, tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    shutil.copytree(base, ws)  # a closed database file, copied: not a live one
    return ws


@pytest.fixture
def run_inprocess(monkeypatch: pytest.MonkeyPatch) -> Runner:
    from typer.testing import CliRunner

    from prep.cli.app import app
    from prep.cli.common import GLOBALS

    monkeypatch.setenv("COLUMNS", "250")
    runner = CliRunner()

    def run(ws: Path, args: tuple[str, ...]) -> Ran:
        GLOBALS.workspace = GLOBALS.db = None
        started = time.monotonic()
        r = runner.invoke(app, ["-w", str(ws), *args], input="\n3\nq\n", catch_exceptions=False)
        return Ran(r.exit_code, r.stdout, r.stderr, time.monotonic() - started)

    return run


def test_the_corpus_is_large_and_every_file_has_an_expectation():
    files = corpus()
    made = sum(len(v) for v in generated().values())
    assert len(files) + made >= 40
    for kind, name in files:
        assert name in EXPECT[kind] or name in OK[kind], f"{kind}/{name} has no expectation"
    for kind in EXPECT:
        listed = set(EXPECT[kind]) | set(OK[kind])
        assert listed == {n for k, n in files if k == kind}


@pytest.mark.parametrize("kind, name", [x for x in corpus() if x[1] in EXPECT[x[0]]])
def test_refused_with_a_located_error(hws, run_inprocess, kind, name):
    line, message = EXPECT[kind][name]
    data = (CORPUS / kind / name).read_bytes()
    check_refused(hws, kind, name, data, line, message, run_inprocess)


@pytest.mark.parametrize("kind, name", [x for x in corpus() if x[1] in OK[x[0]]])
def test_valid_but_nasty_text_prints_literally(hws, run_inprocess, kind, name):
    data = (CORPUS / kind / name).read_bytes()
    check_accepted(hws, kind, name, data, OK[kind][name], run_inprocess)


@pytest.mark.parametrize("kind, name", [(k, n) for k, files in generated().items() for n in files])
def test_huge_files_are_refused(hws, run_inprocess, kind, name):
    data, line, message = generated()[kind][name]
    check_refused(hws, kind, name, data, line, message, run_inprocess)


def test_valid_decks_keep_their_text_and_ids(hws, run_inprocess):
    for name in ("ok-bom.yaml", "ok-crlf.yaml", "ok-sql-text.yaml"):
        data = (CORPUS / "decks" / name).read_bytes()
        deck = name.removesuffix(".yaml").encode()
        (hws / "decks" / name).write_bytes(data.replace(b"deck: hostile", b"deck: " + deck))
    assert run_inprocess(hws, ("status",)).code == 0
    with sqlite3.connect(hws / ".prep" / "prep.db") as c:
        q = dict(c.execute("SELECT id, q FROM cards"))
        tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert q["bom-card"] == "a deck saved with a BOM"
    assert q["crlf-card"] == "a deck saved on Windows"  # no stray \r
    assert q["sql-text"] == "Robert'); DROP TABLE cards; -- and \" OR 1=1 --"
    assert {"cards", "reviews", "card_state"} <= tables


@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_a_hostile_story_does_not_stop_a_drill(hws, run_inprocess, name):
    story = name.removesuffix(".md.j2")
    (hws / "answers" / name).write_bytes((CORPUS / "answers" / name).read_bytes())
    (hws / "decks" / "story.yaml").write_text(
        f"deck: story\ncards:\n  - id: story-card\n    kind: behavioral\n    q: tell me\n"
        f"    story: {story}\n",
        encoding="utf-8",
    )
    r = run_inprocess(hws, ("drill", "--deck", "story"))
    assert r.code == 0, r.out + r.err
    assert "Traceback" not in r.out + r.err
    assert f"story '{story}':" in r.out  # the problem is shown where the story would be
    assert "✓ story-card Good" in r.out


# --- one command that times real processes ------------------------------------------------
def main() -> int:
    import tempfile

    rows: list[tuple[float, str]] = []
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        base_ws = make_base(Path(tmp) / "base")
        cases: list[tuple[str, str, bytes, object]] = []
        for kind, name in corpus():
            data = (CORPUS / kind / name).read_bytes()
            cases.append((kind, name, data, EXPECT[kind].get(name) or OK[kind][name]))
        for kind, files in generated().items():
            for name, (data, line, message) in files.items():
                cases.append((kind, name, data, (line, message)))
        for i, (kind, name, data, expect) in enumerate(cases):
            ws = Path(tmp) / f"ws{i}"
            shutil.copytree(base_ws, ws)
            try:
                if isinstance(expect, tuple):
                    rans = check_refused(ws, kind, name, data, expect[0], expect[1], run_subprocess)
                else:
                    rans = check_accepted(ws, kind, name, data, expect, run_subprocess)  # type: ignore[arg-type]
            except AssertionError as exc:
                failures.append(f"{kind}/{name}: {str(exc).splitlines()[0]}")
                continue
            finally:
                shutil.rmtree(ws, ignore_errors=True)
            rows.append((max(r.seconds for r in rans), f"{kind}/{name}"))
    rows.sort(reverse=True)
    total = len(cases)
    over = [r for r in rows if r[0] > BUDGET_S]
    print(f"hostile corpus: {total} files, {total - len(failures)} behaved, {len(failures)} failed")
    print(
        f"slowest command per file (budget {BUDGET_S:.0f} s): max {rows[0][0]:.2f} s, "
        f"median {rows[len(rows) // 2][0]:.2f} s, over budget {len(over)}"
    )
    for seconds, what in rows[:8]:
        print(f"  {seconds:5.2f} s  {what}")
    for f in failures:
        print("  FAIL", f)
    return 1 if failures or over else 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    sys.exit(main())
