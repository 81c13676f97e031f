"""STAR answers: templates with front matter, a sandboxed Jinja2 renderer, timing and lint.

A story is `answers/<id>.md.j2`: YAML front matter between `---` lines, then a
Jinja2 Markdown body with `## Situation`, `## Task`, `## Action`, `## Result`
(optionally `## Learned`). Templates may come from someone else's shared deck,
so they render in an immutable sandbox that refuses Python internals, cannot
load files outside `answers/`, keeps each rendering to a CPU-time and memory
budget, bounds every value it builds, and stops at an output cap.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import PrepError, Problem

if TYPE_CHECKING:
    from .workspace import Workspace

SUFFIX = ".md.j2"
OUTPUT_CAP = 200_000  # characters of rendered text; a story is ~2 KB
MAX_FILE = 1_000_000
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")

# Speaking rates for a prepared answer said calmly to an interviewer, pauses
# included (the time a listener waits, not articulation alone).
#
# Korean: 310 syllables a minute (5.2 a second). Korean speech rate is measured
# in syllables a second, with pauses ("speaking rate") and without them
# ("articulation rate"), by Lee, Shin, Yoo & Kim, "Speech rate in Korean across
# region, gender and generation", Phonetics and Speech Sciences 9(1):27-39
# (2017), on 412 speakers of the Korean Standard Speech Database; professional
# announcers are the fastest group (Shim, "Fluency and speech rate for the
# standard Korean speakers", Speech Sciences 11(3):193-200, 2004). A calm
# interview answer sits below read and broadcast speech. Calibration: on the
# bundled stories as they stood before they were trimmed, a careful hand count
# at a calm pace gave 133-156 s (fastapi-latency 156, cicd-rollback 153,
# jwt-auth 151); this estimate gives 128-155 s (155, 155, 154), where the
# former 350 a minute with English terms as English words gave 113-131 s.
SYLLABLES_PER_MIN = 310
# English: 130 words a minute. "People in the U.S. usually speak at a rate
# between 125 and 150 words per minute" (S. E. Lucas, The Art of Public
# Speaking, 8th ed., 2004, p. 300); an answer under an interviewer's eyes is
# taken at the calm end of that range.
WORDS_PER_MIN = 130
# English terms inside Korean speech are said as Korean loanwords: "Redis" is
# 레디스, "API" 에이피아이, "420" 사백이십. They are counted in the syllables a
# Korean speaker says (see korean_syllables) at the Korean rate, not as English
# words, which made "FastAPI" as quick to say as "및".
TARGET_S = 120
TIME_LOW, TIME_HIGH = 90, 150

STAR = ("Situation", "Task", "Action", "Result")
OPTIONAL = ("Learned",)
# name: (target %, lowest %, highest %) of the four STAR sections' speaking time.
SPLIT: dict[str, tuple[int, int, int]] = {
    "Situation": (20, 8, 35),
    "Task": (10, 3, 25),
    "Action": (60, 40, 80),
    "Result": (10, 4, 25),
}
ALIASES: dict[str, tuple[str, ...]] = {
    "Situation": ("situation", "상황", "배경"),
    "Task": ("task", "과제", "목표"),
    "Action": ("action", "행동", "실행"),
    "Result": ("result", "결과", "성과"),
    "Learned": ("learned", "learning", "lesson", "배운점", "배운것", "교훈", "회고"),
}
KINDS = ("story", "email", "text")
FRONT_KEYS = (
    "id", "title", "kind", "values", "competencies", "cards", "topic", "vars", "reserve", "draft",
)  # fmt: skip


def whole_seconds(seconds: float) -> int:
    """Speaking time as every screen shows it: half up, so 112.5 s is 113 s everywhere
    (Python's round() and format() round half to even, which gave 112 in one place)."""
    return math.floor(seconds + 0.5)


# ---------------------------------------------------------------- data


# What `answer list --json` and `answer show --json` say about a story, in this order.
PUBLIC_FIELDS = (
    "id",
    "title",
    "kind",
    "values",
    "competencies",
    "cards",
    "topic",
    "path",
    "reserve",
)


@dataclass
class StoryMeta:
    """What the front matter says; no rendering."""

    id: str
    title: str
    kind: str
    values: list[str]
    competencies: list[str]
    cards: list[str]
    topic: str | None
    path: str  # relative to the workspace, e.g. answers/x.md.j2
    reserve: bool = False  # kept for follow-up questions, not among the stories to rehearse first
    file: Path = field(repr=False, default=Path())
    vars: dict[str, Any] = field(repr=False, default_factory=dict)
    body_line: int = 1  # first line after the front matter
    id_line: int = 1
    value_lines: list[int] = field(repr=False, default_factory=list)
    card_lines: list[int] = field(repr=False, default_factory=list)
    # Example figures still to replace: dotted var names, the line of each, and
    # passages the template marks with the `example` filter.
    examples: list[str] = field(default_factory=list)
    example_lines: list[int] = field(repr=False, default_factory=list)
    example_passages: int = 0

    @property
    def example_count(self) -> int:
        return len(self.examples) + self.example_passages

    # `draft: true`: a scaffold not yet written; check reports it instead of its empty sections.
    draft_line: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {**{k: getattr(self, k) for k in PUBLIC_FIELDS}, "examples": self.examples}


@dataclass
class Section:
    name: str  # canonical (Situation, Task, Action, Result, Learned) or the heading as written
    markdown: str
    seconds: float
    heading: str = ""


@dataclass
class RenderedStory:
    id: str
    title: str
    kind: str
    values: list[str]
    competencies: list[str]
    cards: list[str]
    topic: str | None
    path: str
    markdown: str
    parts: list[Section]
    seconds: float
    reserve: bool = False
    preamble: str = ""
    examples: list[str] = field(default_factory=list)  # marked example figures, as rendered

    @property
    def sections(self) -> list[tuple[str, str]]:
        return [(s.name, s.markdown) for s in self.parts]

    @property
    def is_star(self) -> bool:
        return self.kind == "story"

    def split(self) -> dict[str, float]:
        """Percent of the four STAR sections' speaking time each one takes."""
        star = {s.name: s.seconds for s in self.parts if s.name in STAR}
        total = sum(star.values())
        if not total:
            return {}
        return {name: 100 * sec / total for name, sec in star.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            **{k: getattr(self, k) for k in PUBLIC_FIELDS},
            "seconds": round(self.seconds, 1),
            "sections": [
                {"name": s.name, "seconds": round(s.seconds, 1), "markdown": s.markdown}
                for s in self.parts
            ],
            "markdown": self.markdown,
            "examples": self.examples,
        }


@dataclass
class StoryCheck:
    """One line of `prep answer check`'s table."""

    id: str
    path: str
    kind: str
    seconds: float | None
    split: dict[str, float]
    section_seconds: dict[str, float]


@dataclass
class CheckReport:
    problems: list[Problem]
    stories: list[StoryCheck]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


# ---------------------------------------------------------------- speaking time

_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
_HEADING = re.compile(r"^[ ]{0,3}#{1,6}(?:[ \t].*)?$", re.MULTILINE)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_LINK_DEF = re.compile(r"^[ ]{0,3}\[[^\]]+\]:.*$", re.MULTILINE)
_URL = re.compile(r"<?(?:https?|ftp)://[^\s>]+>?")
_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][^>]*>", re.DOTALL)
_LIST_NUM = re.compile(r"^[ \t]*\d+[.)][ \t]", re.MULTILINE)
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_WORD = re.compile(r"[A-Za-z0-9]+(?:[.'’_-][A-Za-z0-9]+)*")


def spoken_text(markdown: str) -> str:
    """What a person would actually say: no headings, code blocks, URLs or list numbers."""
    text = _FENCE.sub(" ", markdown)
    text = _TAG.sub(" ", text)
    text = _HEADING.sub(" ", text)
    text = _LINK_DEF.sub(" ", text)
    text = _IMAGE.sub(" ", text)
    text = _LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    return _LIST_NUM.sub(" ", text)


def count_units(text: str) -> tuple[int, int]:
    """(Hangul syllables, Latin words) in already-spoken text. Numbers count as words."""
    return len(_HANGUL.findall(text)), len(_WORD.findall(text))


# Syllables of each letter's Korean name, for acronyms read letter by letter (에이, 비, 씨, ...).
_LETTER_SYLLABLES = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", [
    2, 1, 1, 1, 1, 2, 1, 3, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 2, 3, 2, 2, 2,
], strict=True))  # fmt: skip
_PARTS = re.compile(r"\d+(?:\.\d+)?|[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[A-Za-z]")
_VOWELS = re.compile(r"[aeiouy]+", re.IGNORECASE)
_SYMBOLS = {"%": 3, "×": 1, "→": 0, "~": 0}  # 퍼센트, 배


def _number_syllables(digits: str) -> int:
    """Syllables of a number read in Korean: 420 사백이십 (4), 2024 이천이십사 (5), 99.9 (5)."""
    whole, _, frac = digits.partition(".")
    whole = whole.lstrip("0")
    count = 0 if whole else 1  # 영
    groups = []
    while whole:
        groups.append(whole[-4:])
        whole = whole[:-4]
    for g, group in enumerate(groups):
        if not group.strip("0"):
            continue
        for p, ch in enumerate(reversed(group)):
            d = int(ch)
            if d:
                count += (0 if d == 1 and (p > 0 or g > 0) else 1) + (1 if p > 0 else 0)
        count += 1 if g > 0 else 0  # 만, 억
    if frac:
        count += 1 + len(frac)  # 점 and one syllable a digit
    return max(count, 1)


def korean_syllables(token: str) -> int:
    """Syllables a Korean speaker says for a Latin-script token: a term, an acronym or a number."""
    total = 0
    for part in _PARTS.findall(token):
        if part[0].isdigit():
            total += _number_syllables(part)
        elif part.isupper() and len(part) <= 5:
            total += sum(_LETTER_SYLLABLES.get(ch, 1) for ch in part)
        else:
            vowels = len(_VOWELS.findall(part))
            if part.lower().endswith("e") and vowels > 1:
                vowels -= 1  # cache 캐시, pipeline 파이프라인
            total += max(1, round(vowels * 1.5))  # loanwords add vowels: Redis 레디스
    return max(total, 1)


def speaking_seconds(markdown: str) -> float:
    text = spoken_text(markdown)
    syllables, words = count_units(text)
    if syllables >= words:  # Korean speech, with English terms said the Korean way
        syllables += sum(korean_syllables(w) for w in _WORD.findall(text))
        syllables += sum(n * text.count(ch) for ch, n in _SYMBOLS.items())
        return 60.0 * syllables / SYLLABLES_PER_MIN
    return 60.0 * (syllables / SYLLABLES_PER_MIN + words / WORDS_PER_MIN)


# ---------------------------------------------------------------- STAR sections

_H2 = re.compile(r"^[ ]{0,3}##[ \t]+(.+?)[ \t#]*$")


def section_name(heading: str) -> str | None:
    """The canonical STAR name of a `## heading`, in English or Korean, or None."""
    words = re.findall(r"[^\W_]+", heading.casefold())
    if len(words) > 1 and len(words[0]) == 1 and words[0].isascii():
        words = words[1:]  # "S — Situation", "A) Action"
    for i in range(len(words)):  # "Task (과제)", "상황 (Situation)"
        key = "".join(words[i:])
        for name, aliases in ALIASES.items():
            if any(key.startswith(a) for a in aliases):
                return name
    return None


def split_sections(markdown: str) -> tuple[str, list[tuple[str, str, str]]]:
    """Rendered Markdown -> (text before the first `##`, [(name, heading, body)])."""
    preamble: list[str] = []
    out: list[tuple[str, str, list[str]]] = []
    in_fence = ""
    for line in markdown.split("\n"):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            marker = stripped[:3]
            in_fence = "" if in_fence == marker else (in_fence or marker)
        m = None if in_fence else _H2.match(line)
        if m:
            heading = m.group(1).strip()
            out.append((section_name(heading) or heading, heading, []))
        elif out:
            out[-1][2].append(line)
        else:
            preamble.append(line)
    return "\n".join(preamble).strip(), [
        (name, heading, "\n".join(body).strip()) for name, heading, body in out
    ]


# ---------------------------------------------------------------- front matter


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _read(path: Path, rel: str) -> bytes:
    """A story's bytes; the size is checked before reading (OSError is the caller's)."""
    from .safefile import TooLarge, read_capped

    try:
        return read_capped(path, MAX_FILE)
    except TooLarge as exc:
        raise PrepError(f"{rel}:1: {exc}", [Problem(rel, 1, 0, str(exc))]) from None


def _decode(raw: bytes, rel: str) -> str:
    from .yamlsafe import decode

    if len(raw) > MAX_FILE:
        raise PrepError(f"{rel}:1: file is {len(raw):,} bytes; the limit is {MAX_FILE:,}")
    text, problems = decode(raw, rel)
    # Tabs are fine in Markdown; decode() reports them for YAML's sake only.
    hard = [p for p in problems if "tab character" not in p.message]
    if text is None or hard:
        p = hard[0] if hard else problems[0]
        raise PrepError(f"{p.path}:{p.line}: {p.message}", [_no_col(p)])
    return text


def _no_col(p: Problem) -> Problem:
    return Problem(p.path, p.line, 0, p.message, p.severity)


def split_front_matter(text: str) -> tuple[str | None, int, str]:
    """(front matter text or None, its number of lines including both fences, body).

    Raises ValueError if the opening fence has no closing one.
    """
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None, 0, text
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return "\n".join(lines[1:i]) + "\n", i + 1, "\n".join(lines[i + 1 :])
    raise ValueError("front matter opened with '---' on line 1 is never closed")


def _template_source(text: str) -> str:
    """The Jinja2 source of a file: front matter blanked so template lines are file lines."""
    try:
        front, n, body = split_front_matter(text)
    except ValueError:
        return text
    return "\n" * n + body if front is not None else text


def parse_meta(text: str, rel: str, file: Path) -> tuple[StoryMeta | None, list[Problem]]:
    """Front matter of one story file, with problems located in the file."""
    from .yamlsafe import LDict, LList, load

    stem = file.name.removesuffix(SUFFIX)
    try:
        front, n, body = split_front_matter(text)
    except ValueError as exc:
        return None, [Problem(rel, 1, 0, str(exc))]
    if front is None:
        return None, [
            Problem(
                rel,
                1,
                0,
                "missing front matter: start the file with '---', then id, title, values, "
                "cards and vars, then '---'",
            )
        ]
    loaded = load(front.encode("utf-8"), rel)
    if loaded.problems:
        return None, [
            Problem(p.path, p.line + 1, 0, p.message, p.severity) for p in loaded.problems
        ]
    data = loaded.data
    if data is None:
        data = LDict()
        data.pos, data.key_pos, data.val_pos = (1, 1), {}, {}
    if not isinstance(data, LDict):
        return None, [Problem(rel, 2, 0, "front matter must be a mapping (id, title, values, ...)")]
    problems: list[Problem] = []

    def line_of(pos: tuple[int, int]) -> int:
        return pos[0] + 1  # the front matter starts on line 2 of the file

    def err(pos: tuple[int, int], message: str) -> None:
        problems.append(Problem(rel, line_of(pos), 0, message))

    for key in data:
        if key not in FRONT_KEYS:
            err(
                data.key_pos[key],
                f"unknown front matter key '{key}'{_did_you_mean(key, FRONT_KEYS)}",
            )

    def text_of(key: str, default: str | None) -> str | None:
        value = data.get(key)
        if value is None:
            return default
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        err(data.val_pos[key], f"'{key}' must be text")
        return default

    def list_of(key: str) -> tuple[list[str], list[int]]:
        value = data.get(key)
        if value is None:
            return [], []
        if not isinstance(value, LList):
            err(data.val_pos[key], f"'{key}' must be a list, like [a, b]")
            return [], []
        items: list[str] = []
        lines: list[int] = []
        for item, pos in zip(value, value.item_pos, strict=True):
            if isinstance(item, (str, int, float)) and not isinstance(item, bool):
                items.append(str(item))
                lines.append(line_of(pos))
            else:
                err(pos, f"'{key}' items must be text")
        return items, lines

    story_id = text_of("id", stem) or stem
    id_line = line_of(data.val_pos["id"]) if "id" in data else 2
    kind = text_of("kind", "story") or "story"
    if kind not in KINDS:
        err(data.val_pos["kind"], f"kind must be one of {', '.join(KINDS)}, not '{kind}'")
        kind = "story"
    title = text_of("title", story_id) or story_id
    topic = text_of("topic", None)
    values, value_lines = list_of("values")
    competencies, _ = list_of("competencies")
    cards, card_lines = list_of("cards")
    draft = data.get("draft")
    draft_line = 0
    if draft is not None and not isinstance(draft, bool):
        err(data.val_pos["draft"], "'draft' must be true or false")
    elif draft:
        draft_line = line_of(data.val_pos["draft"])
    variables = data.get("vars")
    if variables is None:
        variables = {}
    elif not isinstance(variables, dict):
        err(data.val_pos["vars"], "'vars' must be a mapping of story variables")
        variables = {}
    variables, examples = _example_vars(variables, data.val_pos.get("vars"), line_of)
    reserve = data.get("reserve", False)
    if not isinstance(reserve, bool):
        err(data.val_pos["reserve"], "'reserve' must be true or false")
        reserve = False
    if problems:
        return None, problems
    meta = StoryMeta(
        id=story_id,
        title=title,
        kind=kind,
        values=values,
        competencies=competencies,
        cards=cards,
        topic=topic,
        path=rel,
        reserve=reserve,
        file=file,
        vars=variables,
        body_line=n + 1,
        id_line=id_line,
        value_lines=value_lines,
        card_lines=card_lines,
        examples=[name for name, _ in examples],
        example_lines=[line for _, line in examples],
        example_passages=len(_EXAMPLE_FILTER.findall(body)),
        draft_line=draft_line,
    )
    return meta, []


# ---------------------------------------------------------------- example figures
#
# A figure or a situation the author invented, to be replaced with their own
# before the interview: `vars: {p95_ms: {example: 85}}` in the front matter, or
# `{{ "text" | example }}` / `{% filter example %}...{% endfilter %}` in the body.
# Rendered, an example reads `✎85` inside a code span, so every screen that
# shows Markdown (answer show, drill, mock) highlights it, and arithmetic or
# filters applied to it keep the mark: a figure computed from an example is
# an example too.

EXAMPLE_MARK = "\u270e"  # ✎
EXAMPLE_KEYS = frozenset({"example", "note"})
_EXAMPLE_FILTER = re.compile(r"\|\s*example\b|\bfilter\s+example\b")
_MARKED = re.compile(r"(`+) ?" + EXAMPLE_MARK + r"(.*?) ?\1(?!`)", re.DOTALL)


def mark_example(text: str) -> str:
    """`text` as a marked example: a code span (long enough for any backticks inside)."""
    text = unmark(text)
    run = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (run + 1)
    pad = " " if text.endswith("`") else ""
    return f"{fence}{EXAMPLE_MARK}{text}{pad}{fence}"


def unmark(text: str) -> str:
    """Rendered text with every example mark taken off (the figures stay)."""
    return _MARKED.sub(lambda m: m.group(2), text)


def example_spans(text: str) -> list[str]:
    """The marked examples in rendered text, in order."""
    return [m.group(2) for m in _MARKED.finditer(text)]


class _Example:
    """Mixin: prints marked; arithmetic and formatting give marked results."""

    __slots__ = ()

    def _raw(self) -> Any:
        raise NotImplementedError

    def __str__(self) -> str:
        return mark_example(str(self._raw()))

    def __format__(self, spec: str) -> str:
        return mark_example(format(self._raw(), spec))


class ExampleInt(_Example, int):
    __slots__ = ()

    def _raw(self) -> int:
        return int(self)


class ExampleFloat(_Example, float):
    __slots__ = ()

    def _raw(self) -> float:
        return float(self)


class ExampleStr(_Example, str):
    __slots__ = ()

    def _raw(self) -> str:
        return self[:]


def as_example(value: Any) -> Any:
    """A plain value as an example; containers have their items marked."""
    if isinstance(value, _Example) or isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return ExampleInt(value)
    if isinstance(value, float):
        return ExampleFloat(value)
    if isinstance(value, str):
        return ExampleStr(value)
    if isinstance(value, list):
        return [as_example(v) for v in value]
    if isinstance(value, dict):
        return {k: as_example(v) for k, v in value.items()}
    return value


def raw_value(value: Any) -> Any:
    return value._raw() if isinstance(value, _Example) else value


def is_example(value: Any) -> bool:
    return isinstance(value, _Example)


def _touches_example(values: Iterable[Any]) -> bool:
    for v in values:
        if isinstance(v, _Example):
            return True
        if isinstance(v, (list, tuple)) and any(isinstance(i, _Example) for i in v):
            return True
    return False


def _remark(result: Any) -> Any:
    """The result of an operation on an example: marked, unless it already carries a mark."""
    if isinstance(result, str) and not isinstance(result, _Example):
        return result if EXAMPLE_MARK in result else ExampleStr(result)
    if isinstance(result, (int, float)) and not isinstance(result, (bool, _Example)):
        return as_example(result)
    return result


def _arith(op: Any, reverse: bool = False) -> Any:
    def method(self: Any, other: Any) -> Any:
        a, b = (raw_value(other), self._raw()) if reverse else (self._raw(), raw_value(other))
        return _remark(op(a, b))

    return method


def _unary(op: Any) -> Any:
    def method(self: Any, *args: Any) -> Any:
        return _remark(op(self._raw(), *args))

    return method


def _install_arithmetic() -> None:
    import math
    import operator as o

    binary: dict[str, Any] = {
        "add": o.add, "sub": o.sub, "mul": o.mul, "truediv": o.truediv,
        "floordiv": o.floordiv, "mod": o.mod, "pow": o.pow,
    }  # fmt: skip
    for cls in (ExampleInt, ExampleFloat):
        for name, op in binary.items():
            setattr(cls, f"__{name}__", _arith(op))
            setattr(cls, f"__r{name}__", _arith(op, reverse=True))
        unary: dict[str, Any] = {
            "neg": o.neg, "pos": o.pos, "abs": abs, "round": round,
            "floor": math.floor, "ceil": math.ceil, "trunc": math.trunc,
        }  # fmt: skip
        for name, op in unary.items():
            setattr(cls, f"__{name}__", _unary(op))
    for name, op in {"add": o.add, "mul": o.mul, "mod": o.mod}.items():
        setattr(ExampleStr, f"__{name}__", _arith(op))
    setattr(ExampleStr, "__radd__", _arith(o.add, reverse=True))  # noqa: B010
    setattr(ExampleStr, "__rmul__", _arith(o.mul, reverse=True))  # noqa: B010


_install_arithmetic()


def _example_vars(
    variables: Any, pos: tuple[int, int] | None, line_of: Any
) -> tuple[dict[str, Any], list[tuple[str, int]]]:
    """Plain story vars with `{example: x}` leaves turned into examples, and where each is."""
    from .yamlsafe import LDict, plain

    found: list[tuple[str, int]] = []
    default_line = line_of(pos) if pos else 2

    def walk(value: Any, name: str, line: int) -> Any:
        if isinstance(value, dict):
            keys = set(value)
            if "example" in keys and keys <= EXAMPLE_KEYS:
                found.append((name, line))
                return as_example(plain(value["example"]))
            out = {}
            for key, item in value.items():
                where = line
                if isinstance(value, LDict) and key in value.val_pos:
                    where = line_of(value.val_pos[key])
                out[key] = walk(item, f"{name}.{key}" if name else str(key), where)
            return out
        return plain(value)

    result = walk(variables, "", default_line) if variables else {}
    return (result if isinstance(result, dict) else {}), found


def story_files(ws: Workspace) -> list[Path]:
    """Story files of the workspace; `_*.md.j2` are layouts and partials, not stories."""
    folder = ws.answers_dir
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.name.endswith(SUFFIX) and not p.name.startswith(("_", ".")) and p.is_file()
    )


def scan(ws: Workspace) -> tuple[list[StoryMeta], list[Problem]]:
    metas: list[StoryMeta] = []
    problems: list[Problem] = []
    for f in story_files(ws):
        rel = ws.rel(f)
        try:
            text = _decode(_read(f, rel), rel)
        except OSError as exc:
            problems.append(Problem(rel, 0, 0, f"cannot read: {exc.strerror}"))
            continue
        except PrepError as exc:
            problems.extend(exc.problems or [Problem(rel, 0, 0, exc.message)])
            continue
        meta, probs = parse_meta(text, rel, f)
        problems.extend(probs)
        if meta is not None:
            metas.append(meta)
    return metas, problems


def list_stories(ws: Workspace) -> list[StoryMeta]:
    """Every story's front matter (no rendering); the first problem is raised."""
    metas, problems = scan(ws)
    if problems:
        p = problems[0]
        more = (
            f" (and {len(problems) - 1} more; run `prep answer check`)" if len(problems) > 1 else ""
        )
        raise PrepError(f"{_where(p)}: {p.message}{more}", problems)
    return metas


def _where(p: Problem) -> str:
    return f"{p.path}:{p.line}" if p.line else p.path


def load_meta(ws: Workspace, story_id: str) -> StoryMeta:
    if not ID_RE.match(story_id) or story_id.startswith("_"):
        raise PrepError(
            f"'{story_id}' is not a story id (letters, digits, '.', '_' and '-'; "
            "no paths, no leading '_')"
        )
    file = ws.answers_dir / f"{story_id}{SUFFIX}"
    rel = f"answers/{story_id}{SUFFIX}"
    if not file.is_file():
        known = [p.name.removesuffix(SUFFIX) for p in story_files(ws)]
        raise PrepError(
            f"no story '{story_id}' ({rel} does not exist){_did_you_mean(story_id, known)}"
        )
    try:
        text = _decode(_read(file, rel), rel)
    except OSError as exc:
        raise PrepError(f"{rel}: cannot read: {exc.strerror}") from exc
    meta, problems = parse_meta(text, rel, file)
    if problems or meta is None:
        p = problems[0]
        raise PrepError(f"{_where(p)}: {p.message}", problems)
    return meta


# ---------------------------------------------------------------- the sandbox


def _make_environment(folder: Path) -> Any:
    """A sandbox confined to `folder`: no internals, no mutation, no files outside it."""
    import jinja2
    from jinja2 import nodes
    from jinja2.compiler import CodeGenerator, optimizeconst
    from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

    root = folder.resolve()

    class AnswersLoader(jinja2.BaseLoader):
        def __init__(self) -> None:
            self.files: dict[str, str] = {}  # filename given to Jinja -> path shown to people

        def get_source(self, environment: Any, template: str) -> tuple[str, str, Any]:
            name = template.replace("\\", "/")
            parts = name.split("/")
            if (
                not name
                or "\x00" in name
                or name.startswith("/")
                or re.match(r"^[A-Za-z]:", name)
                or any(p in ("", ".", "..") for p in parts)
            ):
                raise SecurityError(
                    f"template '{template}': only files inside answers/ can be loaded "
                    "(no '..', no absolute paths)"
                )
            path = (root / name).resolve()
            try:
                path.relative_to(root)
            except ValueError:
                raise SecurityError(
                    f"template '{template}': resolves outside answers/ (a link?)"
                ) from None
            if not path.is_file():
                raise jinja2.TemplateNotFound(template, f"no template '{template}' in answers/")
            shown = f"answers/{name}"
            text = _decode(_read(path, shown), shown)
            mtime = path.stat().st_mtime_ns
            filename = str(path)
            self.files[filename] = shown

            def uptodate() -> bool:
                try:
                    return path.stat().st_mtime_ns == mtime
                except OSError:
                    return False

            return _template_source(text), filename, uptodate

    class Generator(CodeGenerator):
        @optimizeconst
        def visit_Concat(self, node: Any, frame: Any) -> None:
            # `a ~ b` is checked like `a + b`: sizes first, so doubling a string stops.
            if frame.eval_ctx.volatile:
                func_name = "(markup_join if context.eval_ctx.volatile else str_join)"
            elif frame.eval_ctx.autoescape:
                func_name = "markup_join"
            else:
                func_name = "str_join"
            self.write(f"environment.checked_concat({func_name}, (")
            for arg in node.nodes:
                self.visit(arg, frame)
                self.write(", ")
            self.write("))")

        def visit_For(self, node: Any, frame: Any, **kwargs: Any) -> None:
            # Each turn of the loop ticks the budget: `{% for %}` inside `{% for %}`
            # that prints nothing still stops.
            node.iter = nodes.Call(
                nodes.EnvironmentAttribute("budget_iter"), [node.iter], [], None, None,
                lineno=node.iter.lineno,
            )  # fmt: skip
            super().visit_For(node, frame, **kwargs)

    class AnswersEnvironment(ImmutableSandboxedEnvironment):
        # "-", "/", "//" too so that 2.5 * example stays an example (see _Example).
        intercepted_binops = frozenset({"*", "**", "%", "+", "-", "/", "//"})
        code_generator_class = Generator
        budget_iter = staticmethod(_budget_iter)

        def getattr(self, obj: Any, attribute: str) -> Any:
            # `company.values` is the profile's list, not dict.values: data keys win
            # over methods. Anything else goes through the sandbox's checks.
            _tick()
            if isinstance(obj, Mapping):
                try:
                    if attribute in obj:
                        return obj[attribute]
                except TypeError:
                    pass
            return super().getattr(obj, attribute)

        def checked_concat(self, join: Any, values: tuple[Any, ...]) -> Any:
            _tick()
            _check_total(values)
            return join(values)

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            _tick()
            if operator == "*":
                for seq, n in ((left, right), (right, left)):
                    if isinstance(seq, (str, bytes, list, tuple)) and _is_int(n):
                        if n > 0 and _size(seq, MAX_VALUE) * n > MAX_VALUE:
                            raise SecurityError(
                                f"repeating a value {n} times would exceed the output limit"
                            )
                if (
                    _is_int(left)
                    and _is_int(right)
                    and left.bit_length() + right.bit_length() > MAX_INT_BITS
                ):
                    raise SecurityError("the product is too large")
            if operator == "+":
                _check_total((left, right))
            if (
                operator == "**"
                and isinstance(left, int)
                and isinstance(right, int)
                and abs(left) > 1
                and right * max(abs(left).bit_length(), 1) > MAX_INT_BITS
            ):
                raise SecurityError("the power is too large")
            if operator == "%" and isinstance(left, str):
                _check_format(left)
                _check_total((left, right))
            result = super().call_binop(context, operator, left, right)
            if _touches_example((left, right)):
                return _remark(result)
            return result

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
            # 'x'.ljust(10**9), '{:>999999999}'.format(1), lipsum(10**9), s.replace('', big):
            # refuse before the call builds a string no story needs.
            _tick()
            if __obj is _budget_iter:
                return _budget_iter(*args)
            target = getattr(__obj, "__wrapped__", __obj)
            owner = getattr(target, "__self__", None)
            name = getattr(target, "__name__", "")
            if isinstance(owner, (str, bytes)):
                _check_str_method(owner, name, args, kwargs)
            elif target is __self.globals.get("lipsum"):
                _check_sizes(args, kwargs)
                _check_lipsum(args, kwargs)
            else:
                _check_total((*args, *kwargs.values()))
            result = super().call(__context, __obj, *args, **kwargs)
            _check_result(result)
            if isinstance(owner, _Example) or _touches_example((*args, *kwargs.values())):
                return _remark(result)
            return result

    env = AnswersEnvironment(
        loader=AnswersLoader(),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        auto_reload=True,
        finalize=_finalize,
    )
    for name in list(env.filters):
        env.filters[name] = _keeps_example(_bounded(name, env.filters[name]))
    env.filters["example"] = _example_filter
    return env


def _example_filter(value: Any) -> Any:
    """`{{ "text" | example }}`, `{% filter example %}...{% endfilter %}`: an invented passage."""
    if isinstance(value, str):
        # A plain marked str: a filter block yields the filter's value as is, and
        # joining str subclasses would drop the mark.
        return mark_example(value)
    return as_example(value)


def _keeps_example(filter_fn: Any) -> Any:
    """A filter whose result is marked when it was given an example (`x|round|int`)."""
    import functools

    @functools.wraps(filter_fn)  # keeps jinja's pass_environment/pass_context marker
    def keeps(*args: Any, **kwargs: Any) -> Any:
        result = filter_fn(*args, **kwargs)
        if _touches_example((*args, *kwargs.values())):
            return _remark(result)
        return result

    return keeps


# Sizes no story comes near: a story is ~2 KB of text and its vars a few numbers.
MAX_VALUE = 1_000_000  # characters (or items) in any one value a template builds
MAX_INT_BITS = 100_000  # about 30,000 digits
MAX_LIPSUM_WORDS = 20_000
RENDER_CPU_S = 0.5  # CPU seconds for one rendering (a story takes a few milliseconds)
RENDER_MEMORY = 256 * 1024 * 1024  # bytes the process may grow by while rendering

_WIDE = re.compile(r"%[-#0 +]*\*|%[-#0 +]*\d*\.?\d{7,}|\{[^{}]*:[^{}]*\d{7,}[^{}]*\}")
_NESTED = re.compile(r"\{[^{}]*:[^{}]*\{")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _size(value: Any, limit: int) -> int:
    """About how many characters str(value) gives; counting stops past `limit`.

    Repeated references count every time, as str() writes them every time, so
    `[big] * 1000` is as large as it looks.
    """
    total = 0
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, (str, bytes)):
            total += len(v) + 2
        elif isinstance(v, (list, tuple, set, frozenset)):
            total += 2 + 2 * len(v)
            if total > limit:
                return total
            stack.extend(v)
        elif isinstance(v, Mapping):
            total += 2 + 4 * len(v)
            if total > limit:
                return total
            stack.extend(v.keys())
            stack.extend(v.values())
        elif _is_int(v):
            total += v.bit_length() // 3 + 1
        else:
            total += 8
        if total > limit:
            return total
    return total


def _too_big(what: str = "a value") -> Any:
    from jinja2.sandbox import SecurityError

    return SecurityError(f"{what} over {MAX_VALUE:,} characters is refused")


def _check_total(values: Iterable[Any]) -> None:
    total = 0
    for v in values:
        total += _size(v, MAX_VALUE - total)
        if total > MAX_VALUE:
            raise _too_big("joining or formatting into a text")


def _check_result(result: Any) -> None:
    if isinstance(result, (str, bytes, list, tuple, dict)) and len(result) > MAX_VALUE:
        raise _too_big()


def _finalize(value: Any) -> Any:
    """Every `{{ ... }}` passes here before str(): a huge list is refused, not printed."""
    _tick()
    if not isinstance(value, str) and _size(value, MAX_VALUE) > MAX_VALUE:
        raise _too_big("printing a value")
    return value


def _arg(args: tuple[Any, ...], kwargs: Mapping[str, Any], i: int, key: str, default: Any) -> Any:
    if len(args) > i:
        return args[i]
    return kwargs.get(key, default)


def _replaced_size(s: Any, old: Any, new: Any, count: Any) -> int:
    if not isinstance(s, (str, bytes)) or type(old) is not type(s) or type(new) is not type(s):
        return 0
    n = s.count(old) if old else len(s) + 1  # type: ignore[arg-type]
    if _is_int(count) and count >= 0:
        n = min(n, count)
    return len(s) + n * (len(new) - len(old))


def _check_str_method(owner: str | bytes, name: str, args: tuple[Any, ...], kw: Any) -> None:
    from jinja2.sandbox import SecurityError

    if name in ("format", "format_map"):
        if isinstance(owner, str):
            _check_format(owner)
        _check_total((owner, *args, *kw.values()))
        return
    if name in ("translate", "maketrans"):
        raise SecurityError(f"str.{name} is not available in templates")
    _check_sizes(args, kw)
    if name == "replace":
        size = _replaced_size(owner, _arg(args, kw, 0, "old", ""), _arg(args, kw, 1, "new", ""),
                              _arg(args, kw, 2, "count", -1))  # fmt: skip
        if size > MAX_VALUE:
            raise _too_big("replacing into a text")
    elif name == "expandtabs":
        tab = _arg(args, kw, 0, "tabsize", 8)
        tabs = owner.count("\t" if isinstance(owner, str) else b"\t")  # type: ignore[arg-type]
        if _is_int(tab) and len(owner) + tabs * tab > MAX_VALUE:
            raise _too_big("expanding tabs into a text")
    elif name == "join":
        _check_total((*args, owner))


def _check_lipsum(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    from jinja2.sandbox import SecurityError

    n, most = _arg(args, kwargs, 0, "n", 5), _arg(args, kwargs, 3, "max", 100)
    if _is_int(n) and _is_int(most) and n * most > MAX_LIPSUM_WORDS:
        raise SecurityError(f"lipsum of more than {MAX_LIPSUM_WORDS:,} words is refused")


def _check_format(fmt: str) -> None:
    from jinja2.sandbox import SecurityError

    if _WIDE.search(fmt):
        raise SecurityError("a format width over a million characters (or from '*') is refused")
    if _NESTED.search(fmt):
        raise SecurityError("a format width taken from an argument is refused")


def _check_sizes(args: Iterable[Any], kwargs: Mapping[str, Any]) -> None:
    from jinja2.sandbox import SecurityError

    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > OUTPUT_CAP:
            raise SecurityError(f"the number {value} is too large for this call")


def _bounded(name: str, filter_fn: Any) -> Any:
    """A filter whose result size is known not to pass the limit before it runs."""
    import functools

    from jinja2 import Environment
    from jinja2.nodes import EvalContext
    from jinja2.runtime import Context
    from jinja2.sandbox import SecurityError

    context_types = (Environment, EvalContext, Context)  # what jinja passes before the value

    @functools.wraps(filter_fn)  # keeps jinja's pass_environment / pass_eval_context marker
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _tick()
        values = [a for a in args if not isinstance(a, context_types)]
        _check_total((*values, *kwargs.values()))
        rest = values[1:]
        if name in ("center", "indent", "slice", "batch", "truncate", "wordwrap"):
            _check_sizes(rest, kwargs)
        if name == "format" and values and isinstance(values[0], str):
            _check_format(values[0])
        elif name == "replace" and values:
            s = str(values[0]) if not isinstance(values[0], (str, bytes)) else values[0]
            old, new = (
                _arg(tuple(rest), kwargs, 0, "old", ""),
                _arg(tuple(rest), kwargs, 1, "new", ""),
            )
            count = _arg(tuple(rest), kwargs, 2, "count", None)
            if _replaced_size(s, str(old), str(new), count) > MAX_VALUE:
                raise _too_big("replacing into a text")
        elif name == "indent" and values and isinstance(values[0], str):
            width = _arg(tuple(rest), kwargs, 0, "width", 4)
            pad = width if _is_int(width) else len(str(width))
            if len(values[0]) + (values[0].count("\n") + 1) * pad > MAX_VALUE:
                raise _too_big("indenting into a text")
        elif name == "sum":
            start = _arg(tuple(rest), kwargs, 1, "start", 0)
            if not isinstance(start, (int, float)):
                raise SecurityError("sum adds numbers only")
        result = filter_fn(*args, **kwargs)
        _check_result(result)
        return result

    return bounded


_ENVS: dict[str, Any] = {}


def environment(ws: Workspace) -> Any:
    key = str(ws.answers_dir.resolve())
    env = _ENVS.get(key)
    if env is None:
        env = _ENVS[key] = _make_environment(ws.answers_dir)
    return env


def _template_frame(exc: BaseException, files: dict[str, str]) -> tuple[str, int] | None:
    """The innermost template line in a (Jinja-rewritten) traceback."""
    found: tuple[str, int] | None = None
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename in files:
            found = (files[filename], tb.tb_lineno)
        tb = tb.tb_next
    return found


def _generator_line(gen: Any) -> tuple[str, int] | None:
    """Where a suspended template generator is (for the output cap)."""
    found = None
    while gen is not None:
        frame = getattr(gen, "gi_frame", None)
        if frame is not None:
            template = frame.f_globals.get("__jinja_template__")
            if template is not None:
                found = (template.filename, template.get_corresponding_lineno(frame.f_lineno))
        gen = getattr(gen, "gi_yieldfrom", None)
    return found


class _OverBudget(BaseException):
    """Raised inside a rendering that ran out of time or memory. A BaseException, so
    no `except Exception` between the template and us can swallow it."""


def _rss() -> int:
    """Resident memory of this process, in bytes (peak where the current is unknown)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
        import sys

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024
    except (ImportError, OSError):
        return 0


_PAGE = 4096
try:
    import os as _os

    _PAGE = _os.sysconf("SC_PAGE_SIZE")
except (AttributeError, ValueError, OSError):
    pass


class _Budget:
    """CPU time and memory for one rendering, enforced by the sandbox itself.

    Every step a template takes passes one of the sandbox's hooks: attribute
    access, calls, operators, filters, `~`, printing, and each turn of a
    `{% for %}` loop. Each hook ticks the running budget; about every 10 ms a
    tick looks at the CPU clock and the process's memory. Nested loops that
    print nothing, a string doubled in a loop, a filter called a million times:
    each stops a few milliseconds past its budget, naming the template line.
    """

    def __init__(self, cpu_s: float, memory: int):
        import time

        self.cpu_s = cpu_s
        self.memory = memory
        self._wall = time.perf_counter
        self._cpu = time.process_time

    def __enter__(self) -> _Budget:
        global _RUNNING
        self.deadline = self._cpu() + self.cpu_s
        self.base = _rss()
        self.next = self._wall() + 0.01
        self.outer, _RUNNING = _RUNNING, self
        return self

    def __exit__(self, *exc: object) -> None:
        global _RUNNING
        _RUNNING = self.outer

    def tick(self) -> None:
        now = self._wall()
        if now < self.next:
            return
        self.next = now + 0.01
        if self._cpu() > self.deadline:
            raise _OverBudget(f"the template used more than {self.cpu_s:g} s of CPU time; stopped")
        if self.base and _rss() - self.base > self.memory:
            raise _OverBudget(
                f"the template used more than {self.memory // (1024 * 1024)} MB of memory; stopped"
            )


_RUNNING: _Budget | None = None


def _tick() -> None:
    if _RUNNING is not None:
        _RUNNING.tick()


def _budget_iter(iterable: Any) -> Any:
    """The iterable of a `{% for %}`: each turn ticks the budget."""
    budget = _RUNNING
    if budget is None:
        yield from iterable
        return
    tick = budget.tick
    for item in iterable:
        tick()
        yield item


def _budget_frame(exc: BaseException, files: dict[str, str]) -> tuple[str, int] | None:
    """The innermost template line of a traceback jinja did not rewrite."""
    found: tuple[str, int] | None = None
    tb = exc.__traceback__
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if template is not None and template.filename in files:
            found = (files[template.filename], template.get_corresponding_lineno(tb.tb_lineno))
        tb = tb.tb_next
    return found


def _fail(path: str, line: int, message: str) -> PrepError:
    where = f"{path}:{line}" if line else path
    return PrepError(f"{where}: {message}", [Problem(path, line, 0, message)])


def render_template(
    ws: Workspace, name: str, context: dict[str, Any], shown: str, first_line: int = 1
) -> str:
    """Render answers/<name> in the sandbox; every failure is a located PrepError."""
    import jinja2
    from jinja2.sandbox import SecurityError

    env = environment(ws)
    files: dict[str, str] = env.loader.files
    budget = _Budget(RENDER_CPU_S, RENDER_MEMORY)
    try:
        with budget:
            template = env.get_template(name)
            gen = template.generate(context)
            chunks: list[str] = []
            size = 0
            for chunk in gen:
                size += len(chunk)
                if size > OUTPUT_CAP:
                    at = _generator_line(gen)
                    gen.close()
                    path, line = (files.get(at[0], shown), at[1]) if at else (shown, first_line)
                    raise _fail(
                        path, line, f"rendered text is over {OUTPUT_CAP // 1000} KB; stopped"
                    )
                chunks.append(chunk)
        return "".join(chunks)
    except PrepError:
        raise
    except _OverBudget as exc:
        at = _budget_frame(exc, files)
        path, line = at if at else (shown, first_line)
        raise _fail(path, line, str(exc)) from None
    except MemoryError:
        raise _fail(shown, first_line, "the template needs more memory than there is") from None
    except jinja2.TemplateSyntaxError as exc:
        path = files.get(exc.filename or "", shown)
        raise _fail(path, exc.lineno or first_line, f"template syntax: {exc.message}") from None
    except RecursionError:
        raise _fail(shown, first_line, "templates include or call each other without end") from None
    except Exception as exc:
        at = _template_frame(exc, files)
        path, line = at if at else (shown, first_line)
        if isinstance(exc, SecurityError):
            message = f"refused by the template sandbox: {exc}"
        elif isinstance(exc, jinja2.UndefinedError):
            message = f"undefined variable: {exc.message}"
            m = re.match(r"'(\w+)' is undefined", exc.message or "")
            if m:
                message += _did_you_mean(m.group(1), context)
        elif isinstance(exc, jinja2.TemplateNotFound):
            message = f"template not found: no '{exc.name}' in answers/"
        elif isinstance(exc, jinja2.TemplateError):
            message = f"template: {exc.message}"
        else:
            message = f"template: {type(exc).__name__}: {exc}"
        raise _fail(path, line, message) from None


# ---------------------------------------------------------------- render


def parse_var(text: str) -> tuple[str, Any]:
    """`k=v` from the command line; `a.b=v` sets a nested key; numbers become numbers."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key or not all(re.match(r"^[A-Za-z_]\w*$", k) for k in key.split(".")):
        raise PrepError(f"--var '{text}': expected name=value (like interviewer=김민수)")
    parsed: Any = value
    if re.fullmatch(r"-?\d{1,15}", value):
        parsed = int(value)
    elif re.fullmatch(r"-?\d{1,15}\.\d{1,15}", value):
        parsed = float(value)
    return key, parsed


def _set_dotted(context: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    target = context
    for part in parts[:-1]:
        current = target.get(part)
        target[part] = dict(current) if isinstance(current, Mapping) else {}
        target = target[part]
    target[parts[-1]] = value


def build_context(
    profile_data: dict[str, Any], meta: StoryMeta, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Profile keys at top level, `profile`, the story's vars, then the caller's vars."""
    context: dict[str, Any] = dict(profile_data)
    context["profile"] = profile_data
    context.update(meta.vars)
    for key, value in (extra or {}).items():
        _set_dotted(context, key, value)
    return context


def _finish(meta: StoryMeta, text: str) -> RenderedStory:
    text = text.strip("\n") + "\n"
    preamble, raw = split_sections(text)
    parts = [Section(name, body, speaking_seconds(body), heading) for name, heading, body in raw]
    seconds = sum(s.seconds for s in parts) + (speaking_seconds(preamble) if preamble else 0.0)
    return RenderedStory(
        id=meta.id,
        title=meta.title,
        kind=meta.kind,
        values=list(meta.values),
        competencies=list(meta.competencies),
        cards=list(meta.cards),
        topic=meta.topic,
        path=meta.path,
        markdown=text,
        parts=parts,
        seconds=seconds,
        reserve=meta.reserve,
        preamble=preamble,
        examples=example_spans(text),
    )


def render_meta(
    ws: Workspace,
    meta: StoryMeta,
    profile_data: dict[str, Any],
    extra_vars: Mapping[str, Any] | None = None,
) -> RenderedStory:
    context = build_context(profile_data, meta, extra_vars)
    name = meta.file.name
    text = render_template(ws, name, context, meta.path, meta.body_line)
    return _finish(meta, text)


def render(
    ws: Workspace, story_id: str, extra_vars: Mapping[str, Any] | None = None
) -> RenderedStory:
    from .workspace import load_profile

    meta = load_meta(ws, story_id)
    return render_meta(ws, meta, load_profile(ws).data, extra_vars)


_CACHE: dict[tuple[str, int, int, int], RenderedStory] = {}


def render_story_cached(ws: Workspace, story_id: str) -> RenderedStory:
    """render() memoized per process on the story's and the profile's mtimes."""
    file = ws.answers_dir / f"{story_id}{SUFFIX}"
    try:
        st = file.stat()
        profile_mtime = ws.profile_path.stat().st_mtime_ns
    except OSError:
        return render(ws, story_id)  # raises the located "no story" error
    key = (str(file.resolve()), st.st_mtime_ns, st.st_size, profile_mtime)
    story = _CACHE.get(key)
    if story is None:
        story = _CACHE[key] = render(ws, story_id)
    return story


# ---------------------------------------------------------------- lint


def _source_headings(meta: StoryMeta) -> dict[str, int]:
    """Line of each STAR heading as written in the template (first occurrence)."""
    lines: dict[str, int] = {}
    try:
        text = _read(meta.file, meta.path).decode("utf-8")
    except (OSError, UnicodeDecodeError, PrepError):
        return lines
    for n, line in enumerate(text.split("\n"), 1):
        if n < meta.body_line:
            continue
        m = _H2.match(line)
        if m:
            name = section_name(m.group(1)) or m.group(1).strip()
            lines.setdefault(name, n)
    return lines


def _profile_values(ws: Workspace) -> tuple[dict[str, str], dict[str, int]]:
    """company.values ids -> names, and the line of each id in prep.yaml."""
    from .yamlsafe import LDict, LList, load, read

    raw, _ = read(ws.profile_path, "prep.yaml")
    if raw is None:
        return {}, {}
    loaded = load(raw, "prep.yaml")
    names: dict[str, str] = {}
    lines: dict[str, int] = {}
    company = loaded.data.get("company") if isinstance(loaded.data, LDict) else None
    values = company.get("values") if isinstance(company, LDict) else None
    if not isinstance(values, LList):
        return names, lines
    for item, pos in zip(values, values.item_pos, strict=True):
        if isinstance(item, LDict) and isinstance(item.get("id"), str):
            names[item["id"]] = str(item.get("name") or item["id"])
            lines[item["id"]] = item.val_pos["id"][0]
        elif isinstance(item, str):
            names[item] = item
            lines[item] = pos[0]
    return names, lines


def company_values(profile_data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """[(id, name)] of company.values in prep.yaml order."""
    company = profile_data.get("company")
    values = company.get("values") if isinstance(company, Mapping) else None
    out: list[tuple[str, str]] = []
    for item in values if isinstance(values, list) else []:
        if isinstance(item, Mapping) and isinstance(item.get("id"), str):
            out.append((item["id"], str(item.get("name") or item["id"])))
        elif isinstance(item, str):
            out.append((item, item))
    return out


def check_story(
    ws: Workspace,
    meta: StoryMeta,
    profile_data: dict[str, Any],
    value_ids: Iterable[str],
    cards: Mapping[str, Any] | None,
) -> tuple[list[Problem], StoryCheck]:
    problems: list[Problem] = []
    rel = meta.path

    def add(line: int, message: str, severity: str = "error") -> None:
        problems.append(Problem(rel, line, 0, message, severity))

    stem = meta.file.name.removesuffix(SUFFIX)
    if meta.id != stem:
        add(meta.id_line, f"id '{meta.id}' must match the file name '{stem}'")
    known_values = list(value_ids)
    for value, line in zip(meta.values, meta.value_lines, strict=True):
        if value not in known_values:
            hint = _did_you_mean(value, known_values) or (
                f"; company.values in prep.yaml: {', '.join(known_values)}"
                if known_values
                else "; prep.yaml has no company.values"
            )
            add(line, f"unknown value '{value}'{hint}")
    if cards is not None:
        for card_id, line in zip(meta.cards, meta.card_lines, strict=True):
            card = cards.get(card_id)
            if card_id not in cards:
                add(line, f"unknown card '{card_id}'{_did_you_mean(card_id, cards)}")
            elif card is not None and card.story != meta.id:
                back = repr(card.story) if card.story else "not set"
                add(
                    line,
                    f"card '{card_id}' does not show this story in drills (its story is {back}; "
                    f"set `story: {meta.id}` at {card.path}:{card.line})",
                    "warning",
                )
    result = StoryCheck(meta.id, rel, meta.kind, None, {}, {})
    try:
        story = render_meta(ws, meta, profile_data)
    except PrepError as exc:
        problems.extend(exc.problems or [Problem(rel, meta.body_line, 0, exc.message)])
        return problems, result
    result.seconds = story.seconds
    result.section_seconds = {s.name: s.seconds for s in story.parts}
    shown = example_spans(story.markdown)
    if meta.examples or shown:
        names = ", ".join(meta.examples[:4]) + (", ..." if len(meta.examples) > 4 else "")
        count = meta.example_count or len(shown)
        add(
            meta.example_lines[0] if meta.example_lines else meta.body_line,
            f"{count} example figure{'s' if count != 1 else ''} or passage"
            f"{'s' if count != 1 else ''} to replace with your own"
            + (f" ({names})" if names else "")
            + f"; shown as {EXAMPLE_MARK} until you write the real value in place of "
            "{example: ...}",
            "warning",
        )
    if meta.draft_line:
        add(
            meta.draft_line,
            "draft: write the story in its STAR sections, then delete `draft: true`",
            "warning",
        )
        return problems, result
    if not story.is_star:
        return problems, result
    result.split = story.split()
    heading_lines = _source_headings(meta)
    seen: set[str] = set()
    for part in story.parts:
        line = heading_lines.get(part.name, meta.body_line)
        if part.name in seen:
            add(line, f"section '{part.name}' appears twice")
        seen.add(part.name)
        if part.name not in STAR and part.name not in OPTIONAL:
            expected = ", ".join((*STAR, *OPTIONAL))
            add(
                line,
                f"'## {part.heading}' is not a STAR section (expected {expected})",
                "warning",
            )
        elif not part.markdown.strip():
            if part.name in STAR:
                add(line, f"section '{part.name}' is empty")
            else:
                add(line, f"section '{part.name}' is empty; write one line or drop it", "warning")
    missing = [name for name in STAR if name not in seen]
    if missing:
        names = ", ".join(f"'## {name}'" for name in missing)
        add(meta.body_line, f"missing STAR section{'s' if len(missing) > 1 else ''} {names}")
    if story.preamble:
        add(
            meta.body_line,
            "text before the first '## Situation' is not part of any section",
            "warning",
        )
    if missing or any(not p.markdown.strip() for p in story.parts if p.name in STAR):
        return problems, result
    if not TIME_LOW <= story.seconds <= TIME_HIGH:
        direction = "long" if story.seconds > TIME_HIGH else "short"
        add(
            1,
            f"takes ~{whole_seconds(story.seconds)} s to say, too {direction} "
            f"(aim for ~{TARGET_S} s, {TIME_LOW}-{TIME_HIGH} s)",
            "warning",
        )
    for name, (target, low, high) in SPLIT.items():
        share = result.split.get(name)
        if share is None or low <= share <= high:
            continue
        add(
            heading_lines.get(name, meta.body_line),
            f"{name} is {share:.0f}% of the story (aim for ~{target}%, {low}-{high}%)",
            "warning",
        )
    return problems, result


def check_report(ws: Workspace, card_ids: Iterable[str] | None = None) -> CheckReport:
    """Lint every story. `card_ids` None: read the decks (and check cards' story links too)."""
    from .workspace import load_profile

    profile_data = load_profile(ws).data
    metas, problems = scan(ws)
    names, value_lines = _profile_values(ws)
    value_ids = [v for v, _ in company_values(profile_data)] or list(names)
    cards: dict[str, Any] | None
    deck_cards: list[Any] = []
    if card_ids is None:
        from .decks import load_all

        decks, _ = load_all(ws.root)  # deck problems belong to `prep deck check`
        deck_cards = [c for d in decks for c in d.cards]
        cards = {c.id: c for c in deck_cards}
    else:
        cards = {c: None for c in card_ids}
    stories: list[StoryCheck] = []
    for meta in metas:
        probs, result = check_story(ws, meta, profile_data, value_ids, cards)
        problems.extend(probs)
        stories.append(result)
    covered = {v for m in metas for v in m.values}
    broken = len(story_files(ws)) > len(metas)
    if not broken:  # a story we could not read may be the one that covers a value
        for value_id in value_ids:
            if value_id not in covered:
                problems.append(
                    Problem(
                        "prep.yaml",
                        value_lines.get(value_id, 0),
                        0,
                        f"company value '{value_id}' ({names.get(value_id, value_id)}) is not "
                        "shown by any story; list it in a story's values",
                    )
                )
    story_ids = {m.id for m in metas} | {p.name.removesuffix(SUFFIX) for p in story_files(ws)}
    for card in deck_cards:
        if card.story and card.story not in story_ids:
            problems.append(
                Problem(
                    card.path,
                    card.line,
                    0,
                    f"card '{card.id}' links story '{card.story}', but answers/{card.story}"
                    f"{SUFFIX} does not exist{_did_you_mean(card.story, story_ids)}",
                )
            )
    return CheckReport(problems, stories)


def check(ws: Workspace, card_ids: Iterable[str] | None = None) -> list[Problem]:
    return check_report(ws, card_ids).problems


# ---------------------------------------------------------------- map and scaffold


def coverage(ws: Workspace) -> dict[str, Any]:
    """Stories x company values (with gaps) and topics x stories (with deck cards)."""
    from .decks import load_all
    from .workspace import load_profile

    profile_data = load_profile(ws).data
    metas = [m for m in list_stories(ws) if m.kind == "story"]
    values = company_values(profile_data)
    decks, _ = load_all(ws.root)
    topics: dict[str, dict[str, list[str]]] = {}
    for deck in decks:
        for card in deck.cards:
            if card.kind != "ask":
                topics.setdefault(card.topic, {"stories": [], "cards": []})["cards"].append(card.id)
    for meta in metas:
        topic = meta.topic or "(no topic)"
        topics.setdefault(topic, {"stories": [], "cards": []})["stories"].append(meta.id)
    return {
        "values": [
            {"id": vid, "name": name, "stories": [m.id for m in metas if vid in m.values]}
            for vid, name in values
        ],
        "stories": [
            {"id": m.id, "title": m.title, "values": m.values, "topic": m.topic} for m in metas
        ],
        "gaps": [vid for vid, _ in values if not any(vid in m.values for m in metas)],
        "topics": [{"topic": t, **v} for t, v in topics.items()],
    }


SCAFFOLD = """---
id: {id}
title: {title}
values: [{values}]
competencies: []
cards: [{cards}]
topic: {topic}
vars: {{}}
---
## Situation
{{# ~20% (~25 s, ~140 syllables): where, when, what was at stake, with one number. #}}

## Task
{{# ~10% (~10 s): what you owned or chose to own, and the goal. #}}

## Action
{{# ~60% (~70 s): what YOU did, why that choice, in 2-4 steps. Numbers go in vars. #}}

## Result
{{# ~10% (~10 s): the measurable outcome ({{{{ metric.before }}}} -> {{{{ metric.after }}}}). #}}

## Learned
{{# optional, one sentence: what you do differently now. #}}
"""


def _yaml_str(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


def scaffold(
    ws: Workspace,
    story_id: str,
    title: str | None = None,
    values: Iterable[str] = (),
    cards: Iterable[str] = (),
) -> Path:
    """Write answers/<id>.md.j2 with front matter and empty STAR sections; never overwrite."""
    from .workspace import load_profile

    if not ID_RE.match(story_id) or story_id.startswith("_"):
        raise PrepError(
            f"'{story_id}' is not a valid story id: use letters, digits, '.', '_' and '-' "
            "(up to 80, not starting with '_'), e.g. fastapi-latency"
        )
    values = list(values)
    cards = list(cards)
    known_values = [v for v, _ in company_values(load_profile(ws).data)]
    for value in values:
        if value not in known_values:
            hint = _did_you_mean(value, known_values) or (
                f"; known: {', '.join(known_values)}" if known_values else ""
            )
            raise PrepError(f"--value '{value}' is not in prep.yaml company.values{hint}")
    topic = None
    if cards:
        from .decks import load_all

        decks, _ = load_all(ws.root)
        by_id = {c.id: c for d in decks for c in d.cards}
        for card_id in cards:
            if card_id not in by_id:
                raise PrepError(
                    f"--card '{card_id}' is not a card in decks/{_did_you_mean(card_id, by_id)}"
                )
        topic = by_id[cards[0]].topic
    path = ws.answers_dir / f"{story_id}{SUFFIX}"
    text = SCAFFOLD.format(
        id=story_id,
        title=_yaml_str(title or story_id),
        values=", ".join(values),
        cards=", ".join(cards),
        topic=_yaml_str(topic) if topic else "null",
    )
    import os

    from .safefile import write_file

    if os.path.lexists(path):
        raise PrepError(f"answers/{story_id}{SUFFIX} already exists; not overwriting it")
    write_file(path, text, replace=False)
    return path
