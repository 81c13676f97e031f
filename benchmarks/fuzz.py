"""Bounded-time fuzzing of every parser of untrusted input, with hypothesis.

Targets: the deck loader, the profile loader, the Markdown and CSV/TSV
importers, the review-log reader and the template sandbox. Each gets an equal
share of the time; inputs mix random bytes with text built from the tokens
each format is made of (YAML indicators and nesting, Markdown blocks and
unclosed inline openers, CSV quoting and Anki headers, JSON log lines with
odd values, Jinja2 loops, filters and operators with large numbers).

"loaded" counts inputs that gave cards (a story: rendered text), "refused" those
that gave a clean error or nothing. For every input the promise is the one `prep` makes to a person: a result or a
clean, located refusal (`PrepError`, or the loader's list of problems), never
another exception; and no run over 2 s or 500 MB (peak resident memory of the
process, reset before each run where Linux allows it).

Run: `python benchmarks/fuzz.py [--seconds 180] [--seed N] [--only deck,template]`
Prints counts per target; exit 1 if any input broke a promise.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import seed as hseed  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from prep.errors import PrepError  # noqa: E402

TIME_LIMIT_S = 2.0
MEMORY_LIMIT = 500 * 1024 * 1024
HANG_S = 10  # a run still going after this is stopped and counted as a hang


# --- measuring one run ----------------------------------------------------------------------
def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM, the peak resident set (Linux 4.0+)
    except OSError:
        pass


def _peak_rss() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Hang(BaseException):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise Hang()


@dataclass
class Stats:
    name: str
    runs: int = 0
    accepted: int = 0
    refused: int = 0
    broken: list[str] = field(default_factory=list)
    slow: list[str] = field(default_factory=list)
    heavy: list[str] = field(default_factory=list)
    slowest: float = 0.0
    peak: int = 0

    def record(self, fn: Callable[[Any], bool], value: Any) -> None:
        _reset_peak()
        started = time.perf_counter()
        signal.alarm(HANG_S)
        try:
            ok = fn(value)
            if ok:
                self.accepted += 1
            else:
                self.refused += 1
        except PrepError:
            self.refused += 1
        except Hang:
            self.broken.append(f"hang over {HANG_S} s: {_show(value)}")
        except BaseException as exc:  # noqa: BLE001  anything else is a traceback a person would see
            import traceback

            where = traceback.extract_tb(exc.__traceback__)[-1]
            self.broken.append(
                f"{type(exc).__name__}: {str(exc)[:120]} at {Path(where.filename).name}:"
                f"{where.lineno} on {_show(value)}"
            )
        finally:
            signal.alarm(0)
        seconds = time.perf_counter() - started
        peak = _peak_rss()
        self.runs += 1
        self.slowest = max(self.slowest, seconds)
        self.peak = max(self.peak, peak)
        if seconds > TIME_LIMIT_S:
            self.slow.append(f"{seconds:.2f} s on {_show(value)}")
        if peak > MEMORY_LIMIT:
            self.heavy.append(f"{peak / 2**20:.0f} MB on {_show(value)}")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 160 else text[:120] + f"... ({len(text):,} chars)"


# --- strategies ------------------------------------------------------------------------------
def _weave(tokens: list[str], max_size: int = 400) -> st.SearchStrategy[str]:
    """Text made of a format's own tokens, some repeated many times (where cost hides)."""
    piece = st.one_of(
        st.sampled_from(tokens),
        st.text(max_size=12),
        st.builds(lambda t, n: t * n, st.sampled_from(tokens), st.integers(1, 3000)),
    )
    return st.lists(piece, max_size=max_size).map("".join)


YAML_TOKENS = [
    "\n", "  ", " ", "- ", "? ", ": ", "key: ", "deck: d\n", "cards:\n", "  - id: a\n",
    "    q: ", "    a: |\n", "      text\n", "q: what?\n", "[", "]", "{", "}", ", ", "&a ", "*a",
    "!!python/object/apply:os.system ['x']", "!!binary aGk=", "!!timestamp 2026-13-45", "\t",
    "'", '"', "\\x1b", "\x1b]0;x\x07", "\u202e", "#", "---\n", "...\n", "|", ">", "~", "null",
    "true", "1e400", "0x", "99999999999999999999", ".nan", "kind: behavioral\n", "time: 3m\n",
    "tags: [a, b]\n", "keywords: [x]\n", "settings:\n", "  new_per_day: 10\n",
    "interview:\n  date: ", "9999-12-31T23:59:59-12:00", "0001-01-01", "<<: *a\n", "\x00", "\r\n",
    "\ufeff", "한국어 질문", "\U0001f600",
]  # fmt: skip
MD_TOKENS = [
    "\n", "# ", "## ", "### ", "- ", "* ", "1. ", "> ", "```", "~~~", "    ", "<!-- ", "-->",
    "<details>", "</details>", "~~", "**", "__", "`", "[", "](", ")", "<", ">", "|", "---",
    "Q: ", "A: ", "질문: ", "답변: ", "? ", "x ", "\t", "\x1b[2J", "\u202e", "&amp;", "&#x1b;",
    "\\", "===", "Question", "Answer", "한국어", "\r",
]  # fmt: skip
CSV_TOKENS = [
    ",", ";", "\t", '"', '""', "\n", "\r\n", "front,back,tags\n", "#separator:tab\n",
    "#separator:comma\n", "#html:true\n", "#columns:front\tback\n", "#tags column:3\n",
    "#tags column:99999999999\n", "#notetype column:1\n", "#deck column:2\n", "<br>", "<b>",
    "&nbsp;", "x", "what is?", "\x1b]0;t\x07", "\u202e", "한국어",
]  # fmt: skip
JINJA_TOKENS = [
    "{{ ", " }}", "{% ", " %}", "for x in range(", "99999", "100000", "7", ")", " %}", "endfor",
    "{% endfor %}", "{% for a in range(99999) %}", "{% for b in range(99999) %}", "x", " ~ ",
    " * ", " + ", " ** ", " % ", "'s'", '"x" * 100000', "|replace('x', 'yy')", "|indent(100000)",
    "|center(100000)", "|join", "|list", "|sum", "|format(1)", "|wordwrap(1)", "|truncate(5)",
    "|string", "|tojson", "lipsum(1000)", "range(10)", "namespace(s='x')", "{% set ns = namespace(s='x') %}",
    "{% set ns.s = ns.s ~ ns.s %}", "{% macro m(n) %}{{ m(n) }}{% endmacro %}{{ m(1) }}",
    "'{:>{w}}'.format(1, w=99)", "'%*d' % (9, 1)", ".__class__", ".mro()", "cycler", "joiner",
    "{% include 'x.md.j2' %}", "{% extends '../x' %}", "{% raw %}", "{% endraw %}", "loop.index",
    "candidate.name", "company.values", "undefined_thing", "\n## Situation\n", "\n## Result\n",
    "{# c #}", "[1, 2, 3]", "{'a': 1}", "(1, 2)", "-1", "2 ** 99999", "9 ** 9 ** 9",
]  # fmt: skip


@st.composite
def _jinja_expr(draw: Any, depth: int = 0) -> str:
    """A well-formed expression, so the sandbox (not the parser) does the refusing."""
    leaves = [
        st.integers(-(10**6), 10**6).map(str),
        st.sampled_from(["10**5", "99999", "100000", "2**20", "0", "-1"]),
        st.text(alphabet="xy \n\t{}%", max_size=8).map(repr),
        st.sampled_from(["'x' * 100000", "'\\n' * 1000", "range(100000)", "range(10)|list"]),
        st.sampled_from(["candidate.name", "ns.s", "[1, 2, 3]", "lipsum(3, false, 5, 9)"]),
    ]
    if depth >= 3:
        return draw(st.one_of(leaves))
    sub = _jinja_expr(depth + 1)
    return draw(
        st.one_of(
            *leaves,
            st.builds(lambda a, op, b: f"({a} {op} {b})", sub, st.sampled_from(["~", "*", "+", "%", "**"]), sub),
            st.builds(
                lambda a, f, b: f"({a})|{f}({b})",
                sub,
                st.sampled_from(["replace('x', ", "indent(", "center(", "truncate(", "wordwrap(", "batch(", "slice(", "format("]),
                sub,
            ).map(lambda s: s.replace("(, ", "(").replace("('x', )", "('x', 'y')")),
            st.builds(lambda a, f: f"({a})|{f}", sub, st.sampled_from(["join", "list", "string", "length", "tojson", "unique", "sort", "reverse|list"])),
            st.builds(lambda a, m, b: f"({a}).{m}({b})", sub, st.sampled_from(["replace('x', ", "join(", "ljust(", "expandtabs(", "format(", "split("]), sub)
            .map(lambda s: s.replace("('x', )", "('x', 'y')")),
        )
    )  # fmt: skip


@st.composite
def _jinja_body(draw: Any) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.integers(0, 4))
        expr = draw(_jinja_expr())
        if kind == 0:
            parts.append(f"{{{{ {expr} }}}}")
        elif kind == 1:
            n = draw(st.sampled_from(["range(99999)", "range(1000)", f"({expr})|list"]))
            inner = draw(
                st.sampled_from(["", "{{ x }}", "{% for y in range(99999) %}{% endfor %}"])
            )
            parts.append(f"{{% for x in {n} %}}{inner}{{% endfor %}}")
        elif kind == 2:
            parts.append(
                "{% set ns = namespace(s='x', l=[]) %}"
                f"{{% for i in range({draw(st.integers(1, 100))}) %}}"
                f"{{% set ns.s = ns.s ~ {expr} %}}{{% endfor %}}{{{{ ns.s|length }}}}"
            )
        elif kind == 3:
            parts.append(
                f"{{% macro m(n) %}}{{{{ {expr} }}}}{{{{ m(n) }}}}{{% endmacro %}}{{{{ m(1) }}}}"
            )
        else:
            parts.append(draw(_weave(JINJA_TOKENS, 30)))
    return "\n".join(parts)


def _scalar() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=30).map(lambda t: '"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"'),
        st.sampled_from(["what is a GIL?", "3m", "90s", "technical", "behavioral", "[a, b]", "1e400",
                         "'[link=x]y[/link]'", '"\\e]0;t\\a"', "|\n      block\n", "- - - - x", "~"]),
        _weave(YAML_TOKENS, 6),
    )  # fmt: skip


@st.composite
def _deck_yaml(draw: Any) -> str:
    """A deck-shaped document with fuzzed values, so validation (not only YAML) runs."""
    keys = ["id", "q", "a", "kind", "topic", "keywords", "tags", "time", "story", "extra"]
    cards = []
    for i in range(draw(st.integers(0, 8))):
        fields = draw(st.lists(st.sampled_from(keys), max_size=6, unique=True))
        lines = [f"  - q: question {i}?"] + [
            f"    {k}: {draw(_scalar())}" for k in fields if k != "q"
        ]
        cards.append("\n".join(lines))
    head = draw(
        st.sampled_from(["deck: d\n", "", "deck: d\ntitle: t\nlanguage: ko\n", "deck: [x]\n"])
    )
    defaults = draw(
        st.sampled_from(
            ["", "defaults: {kind: technical, time: 3m}\n", f"defaults: {draw(_scalar())}\n"]
        )
    )
    return head + defaults + "cards:\n" + "\n".join(cards) + "\n"


def _bytes_or(text: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    return st.one_of(
        text.map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.binary(max_size=2000),
    )


# --- targets ---------------------------------------------------------------------------------
def deck_target(raw: bytes) -> bool:
    from prep.decks import parse_deck

    deck, problems = parse_deck(raw, "decks/f.yaml")
    return deck is not None and not problems


def profile_target(raw: bytes) -> bool:
    from prep.workspace import parse_profile

    profile, problems = parse_profile(raw)
    return profile is not None


def markdown_target(text: str) -> bool:
    from prep.importers.markdown import parse_markdown

    return bool(parse_markdown(text, "q.md").drafts)


def csv_target(args: tuple[str, str]) -> bool:
    from prep.importers.csvtsv import parse_table

    text, fmt = args
    return bool(parse_table(text, f"q.{fmt}", fmt=fmt).drafts)


class Workspace:
    def __init__(self) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="prep-fuzz-")
        self.root = Path(self.tmp.name)
        (self.root / "decks").mkdir()
        (self.root / "answers").mkdir()
        (self.root / "prep.yaml").write_text(
            "candidate: {name: Fuzz}\ncompany: {name: Acme, values: [{id: v, name: V}]}\n",
            encoding="utf-8",
        )
        (self.root / "answers" / "x.md.j2").write_text("included {{ 1 }}\n", encoding="utf-8")
        self.n = 0


WS: Workspace | None = None


def log_target(raw: bytes) -> bool:
    from prep.clock import default_clock
    from prep.logsync import read

    assert WS is not None
    path = WS.root / "log.jsonl"
    path.write_bytes(raw)
    return bool(read(path, now=default_clock().now()))


def template_target(args: tuple[str, bytes]) -> bool:
    from prep import answers
    from prep.workspace import find

    assert WS is not None
    body, front = args
    WS.n += 1
    name = f"f{WS.n}"
    path = WS.root / "answers" / f"{name}.md.j2"
    path.write_bytes(
        b"---\nid: "
        + name.encode()
        + b"\n"
        + front
        + b"\n---\n"
        + body.encode("utf-8", "surrogatepass")
    )
    try:
        answers.render(find(str(WS.root)), name)
        return True
    finally:
        path.unlink()


LOG_LINE = st.fixed_dictionaries(
    {},
    optional={
        "uuid": st.one_of(st.uuids().map(str), st.text(max_size=40), st.integers()),
        "card_id": st.one_of(st.text(max_size=60), st.just("x\u2028y"), st.integers(), st.none()),
        "rating": st.one_of(st.integers(-5, 9), st.booleans(), st.floats(), st.text(max_size=3)),
        "reviewed_at": st.one_of(
            st.sampled_from(["2026-11-26T09:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
                             "2026-13-45", "1-01-01T00:00:00", "nan", ""]),
            st.datetimes().map(lambda d: d.isoformat()), st.text(max_size=30),
        ),
        "duration_ms": st.one_of(st.integers(-(10**12), 10**12), st.floats(), st.none()),
        "source": st.sampled_from(["drill", "mock", "cram", "x", ""]),
        "session": st.one_of(st.none(), st.text(max_size=30), st.integers()),
        "undone": st.one_of(st.uuids().map(str), st.text(max_size=10)),
        "undone_at": st.sampled_from(["2026-11-26T09:00:00Z", "0001-01-01T00:00:00Z", "x"]),
    },
)  # fmt: skip


def _log_bytes() -> st.SearchStrategy[bytes]:
    import json

    valid = st.fixed_dictionaries(
        {
            "uuid": st.uuids().map(str),
            "card_id": st.one_of(st.sampled_from(["c1", "fastapi-async-caveats"]), st.text(min_size=1, max_size=40)),
            "rating": st.integers(1, 4),
            "reviewed_at": st.datetimes(timezones=st.just(__import__("datetime").timezone.utc)).map(lambda d: d.isoformat()),
            "duration_ms": st.integers(0, 86_400_000),
            "source": st.sampled_from(["drill", "mock", "cram"]),
        }
    )  # fmt: skip
    line = st.one_of(
        valid.map(lambda d: json.dumps(d, ensure_ascii=False)),
        LOG_LINE.map(lambda d: json.dumps(d, ensure_ascii=False)),
        st.text(max_size=80),
        st.just("{" * 5000),
        st.just("[" * 100000),
    )
    text = st.lists(line, max_size=30).map("\n".join)
    return _bytes_or(text)


@st.composite
def _markdown_doc(draw: Any) -> str:
    """A prep document's shape (headings, question lists, answers) with fuzzed text."""
    out = [draw(st.sampled_from(["# Interview prep\n", "", "# 면접 준비\n"]))]
    for _ in range(draw(st.integers(1, 6))):
        out.append(
            draw(st.sampled_from(["## ", "### ", "**", ""])) + draw(_weave(MD_TOKENS, 4)) + "\n"
        )
        for _ in range(draw(st.integers(0, 6))):
            bullet = draw(st.sampled_from(["- ", "* ", "1. ", "Q: ", "- Q: "]))
            q = draw(st.one_of(st.text(max_size=40), _weave(MD_TOKENS, 5)))
            out.append(f"{bullet}{q}?\n")
            if draw(st.booleans()):
                out.append("  " + draw(_weave(MD_TOKENS, 5)) + "\n")
        out.append("\n")
    return "".join(out)


TARGETS: dict[str, tuple[Callable[[Any], bool], st.SearchStrategy[Any]]] = {
    "deck": (deck_target, st.one_of(_deck_yaml().map(str.encode), _bytes_or(_weave(YAML_TOKENS)))),
    "profile": (profile_target, _bytes_or(_weave(YAML_TOKENS))),
    "markdown": (markdown_target, st.one_of(_markdown_doc(), _weave(MD_TOKENS))),
    "log": (log_target, _log_bytes()),
    "template": (
        template_target,
        st.tuples(
            st.one_of(_jinja_body(), _weave(JINJA_TOKENS, 60)),
            st.one_of(st.just(b"title: t"), _bytes_or(_weave(YAML_TOKENS, 40)).map(lambda b: b.replace(b"---", b"- -"))),
        ),
    ),
    "csv": (csv_target, st.tuples(_weave(CSV_TOKENS), st.sampled_from(["csv", "tsv"]))),
}  # fmt: skip


def fuzz(name: str, seconds: float, base_seed: int) -> Stats:
    fn, strategy = TARGETS[name]
    stats = Stats(name)
    until = time.monotonic() + seconds
    batch = 0
    while time.monotonic() < until:
        batch += 1

        @hseed(base_seed * 1000 + batch)
        @settings(
            max_examples=50, deadline=None, database=None, derandomize=False,
            suppress_health_check=list(HealthCheck), phases=(Phase.generate,),
        )  # fmt: skip
        @given(strategy)
        def run(value: Any) -> None:
            if time.monotonic() < until:
                stats.record(fn, value)

        run()
    return stats


def main() -> int:
    global WS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180, help="total time, shared by targets")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default="", help="comma-separated targets: " + ", ".join(TARGETS))
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or list(TARGETS)
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        parser.error(f"unknown target {unknown[0]}")
    os.environ.setdefault("TZ", "UTC")
    try:  # the machine is shared: a runaway input gets MemoryError, not all the memory
        import resource

        resource.setrlimit(
            resource.RLIMIT_AS, (3 * 2**30, resource.getrlimit(resource.RLIMIT_AS)[1])
        )
    except (ImportError, ValueError, OSError):
        pass
    signal.signal(signal.SIGALRM, _alarm)
    WS = Workspace()
    # Warm the imports so the first run of each target is not charged for them.
    for n in names:
        try:
            TARGETS[n][0](
                b""
                if n in ("deck", "profile", "log")
                else ("", "csv")
                if n == "csv"
                else ("", b"title: t")
                if n == "template"
                else ""
            )
        except BaseException:  # noqa: BLE001
            pass
    share = args.seconds / len(names)
    print(
        f"fuzzing {', '.join(names)} for {args.seconds:.0f} s ({share:.0f} s each), seed {args.seed}"
    )
    print(f"limits: {TIME_LIMIT_S:g} s and {MEMORY_LIMIT // 2**20} MB per run\n")
    print(f"{'target':<10}{'runs':>8}{'loaded':>10}{'refused':>9}{'traceback':>11}"
          f"{'over 2 s':>10}{'over 500 MB':>13}{'slowest':>10}{'peak MB':>9}")  # fmt: skip
    failed = False
    for n in names:
        s = fuzz(n, share, args.seed)
        print(
            f"{s.name:<10}{s.runs:>8}{s.accepted:>10}{s.refused:>9}{len(s.broken):>11}"
            f"{len(s.slow):>10}{len(s.heavy):>13}{s.slowest:>9.2f}s{s.peak / 2**20:>9.0f}"
        )
        for line in s.broken[:5] + s.slow[:5] + s.heavy[:5]:
            print(f"    {line}")
        failed |= bool(s.broken or s.slow or s.heavy)
    WS.tmp.cleanup()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
