"""STAR answers: templates with front matter, a sandboxed Jinja2 renderer, timing and lint.

A story is `answers/<id>.md.j2`: YAML front matter between `---` lines, then a
Jinja2 Markdown body with `## Situation`, `## Task`, `## Action`, `## Result`
(optionally `## Learned`). Templates may come from someone else's shared deck,
so they render in an immutable sandbox that refuses Python internals, cannot
load files outside `answers/`, and stops at an output cap.
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

# Speaking rate: about 350 Korean syllables or 140 English words a minute.
SYLLABLES_PER_MIN = 350
WORDS_PER_MIN = 140
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
FRONT_KEYS = ("id", "title", "kind", "values", "competencies", "cards", "topic", "vars", "draft")


def whole_seconds(seconds: float) -> int:
    """Speaking time as every screen shows it: half up, so 112.5 s is 113 s everywhere
    (Python's round() and format() round half to even, which gave 112 in one place)."""
    return math.floor(seconds + 0.5)


# ---------------------------------------------------------------- data


# What `answer list --json` and `answer show --json` say about a story, in this order.
PUBLIC_FIELDS = ("id", "title", "kind", "values", "competencies", "cards", "topic", "path")


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
    file: Path = field(repr=False, default=Path())
    vars: dict[str, Any] = field(repr=False, default_factory=dict)
    body_line: int = 1  # first line after the front matter
    id_line: int = 1
    value_lines: list[int] = field(repr=False, default_factory=list)
    card_lines: list[int] = field(repr=False, default_factory=list)
    # `draft: true`: a scaffold not yet written; check reports it instead of its empty sections.
    draft_line: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in PUBLIC_FIELDS}


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
    preamble: str = ""

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


def speaking_seconds(markdown: str) -> float:
    syllables, words = count_units(spoken_text(markdown))
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
    from .yamlsafe import LDict, LList, load, plain

    stem = file.name.removesuffix(SUFFIX)
    try:
        front, n, _ = split_front_matter(text)
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
        file=file,
        vars=plain(variables),
        body_line=n + 1,
        id_line=id_line,
        value_lines=value_lines,
        card_lines=card_lines,
        draft_line=draft_line,
    )
    return meta, []


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
            text = _decode(f.read_bytes(), rel)
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
        text = _decode(file.read_bytes(), rel)
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
            raw = path.read_bytes()
            shown = f"answers/{name}"
            text = _decode(raw, shown)
            mtime = path.stat().st_mtime_ns
            filename = str(path)
            self.files[filename] = shown

            def uptodate() -> bool:
                try:
                    return path.stat().st_mtime_ns == mtime
                except OSError:
                    return False

            return _template_source(text), filename, uptodate

    class AnswersEnvironment(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**", "%"})

        def getattr(self, obj: Any, attribute: str) -> Any:
            # `company.values` is the profile's list, not dict.values: data keys win
            # over methods. Anything else goes through the sandbox's checks.
            if isinstance(obj, Mapping):
                try:
                    if attribute in obj:
                        return obj[attribute]
                except TypeError:
                    pass
            return super().getattr(obj, attribute)

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            if operator == "*":
                for seq, n in ((left, right), (right, left)):
                    if (
                        isinstance(seq, (str, list, tuple))
                        and isinstance(n, int)
                        and len(seq) * n > OUTPUT_CAP
                    ):
                        raise SecurityError(
                            f"repeating a value {n} times would exceed the output limit"
                        )
            if (
                operator == "**"
                and isinstance(left, int)
                and isinstance(right, int)
                and abs(left) > 1
                and right * max(abs(left).bit_length(), 1) > 100_000
            ):
                raise SecurityError("the power is too large")
            if operator == "%" and isinstance(left, str):
                _check_format(left)
            return super().call_binop(context, operator, left, right)

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
            # 'x'.ljust(10**9), '{:>999999999}'.format(1), lipsum(10**9): refuse sizes
            # no story needs. Numbers given to format() itself (a salary) are fine.
            target = getattr(__obj, "__wrapped__", __obj)
            owner = getattr(target, "__self__", None)
            if isinstance(owner, str):
                if getattr(target, "__name__", "") in ("format", "format_map"):
                    _check_format(owner)
                else:
                    _check_sizes(args, kwargs)
            elif target is __self.globals.get("lipsum"):
                _check_sizes(args, kwargs)
            return super().call(__context, __obj, *args, **kwargs)

    env = AnswersEnvironment(
        loader=AnswersLoader(),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        auto_reload=True,
    )
    for name in ("center", "indent", "slice", "format"):
        env.filters[name] = _guarded(env.filters[name], name == "format")
    return env


_WIDE = re.compile(r"%[-#0 +]*\*|%[-#0 +]*\d*\.?\d{7,}|\{[^{}]*:[^{}]*\d{7,}[^{}]*\}")


def _check_format(fmt: str) -> None:
    from jinja2.sandbox import SecurityError

    if _WIDE.search(fmt):
        raise SecurityError("a format width over a million characters (or from '*') is refused")


def _check_sizes(args: Iterable[Any], kwargs: Mapping[str, Any]) -> None:
    from jinja2.sandbox import SecurityError

    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > OUTPUT_CAP:
            raise SecurityError(f"the number {value} is too large for this call")


def _guarded(filter_fn: Any, is_format: bool) -> Any:
    """A filter that refuses widths and counts that would build huge strings or loops."""
    import functools

    @functools.wraps(filter_fn)  # keeps jinja's pass_environment marker
    def guarded(*args: Any, **kwargs: Any) -> Any:
        values = [a for a in args if not hasattr(a, "filters")]  # skip the environment
        if not is_format:
            _check_sizes(values[1:], kwargs)
        elif values and isinstance(values[0], str):
            _check_format(values[0])
        return filter_fn(*args, **kwargs)

    return guarded


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
    try:
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
                raise _fail(path, line, f"rendered text is over {OUTPUT_CAP // 1000} KB; stopped")
            chunks.append(chunk)
        return "".join(chunks)
    except PrepError:
        raise
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
        preamble=preamble,
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
        text = meta.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
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
    from .yamlsafe import LDict, LList, load

    try:
        loaded = load(ws.profile_path.read_bytes(), "prep.yaml")
    except OSError:
        return {}, {}
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
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise PrepError(f"answers/{story_id}{SUFFIX} already exists; not overwriting it") from None
    return path
