"""Safe, located YAML loading for untrusted files.

The C loader composes a node tree (with line and column marks); we walk it
ourselves so every value keeps its position, aliases are refused instead of
expanded, and deep nesting is caught before a recursive composer sees it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import Problem

MAX_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 40

_ANCHOR_HINT = re.compile(r"(?:^|[\s\[{,:-])[&*][^\s,\]}]", re.MULTILINE)
# A line that opens many levels at once: deep indentation, or block indicators in a
# row (`- - - - x`, `? ? x`, `- a: - b`). Its leading run of spaces and indicators
# bounds how many levels it can open; past half the limit, the event stream decides.
_DEEP_PREFIX = re.compile(rf"^[ ?:-]{{{MAX_DEPTH // 2},}}", re.MULTILINE)
_TAB_INDENT = re.compile(r"^( *)\t", re.MULTILINE)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def _bracket_depth(text: str) -> int:
    """Deepest flow nesting, counting brackets even inside quotes (a cheap upper bound)."""
    only = _NOT_BRACKET.sub("", text)
    if not only:
        return 0
    depth = top = 0
    for ch in only:
        depth += 1 if ch in "[{" else -1
        if depth > top:
            top = depth
    return top


class LDict(dict):
    """A mapping that remembers where it and each key/value sit (1-based)."""

    pos: tuple[int, int]
    key_pos: dict[str, tuple[int, int]]
    val_pos: dict[str, tuple[int, int]]


class LList(list):
    pos: tuple[int, int]
    item_pos: list[tuple[int, int]]


@dataclass
class Loaded:
    data: Any = None
    problems: list[Problem] = field(default_factory=list)
    text: str = ""


def _mark(node: Any) -> tuple[int, int]:
    m = node.start_mark
    return (m.line + 1, m.column + 1)


def read(path: Any, shown: str, limit: int = MAX_BYTES) -> tuple[bytes | None, Problem | None]:
    """The bytes of a file, or a located problem; the size is checked before reading."""
    from .safefile import TooLarge, read_capped

    try:
        return read_capped(path, limit), None
    except TooLarge as exc:
        return None, Problem(shown, 1, 1, str(exc))
    except OSError as exc:
        return None, Problem(shown, 0, 0, f"cannot read: {exc.strerror or exc}")


def decode(raw: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """Bytes to text with located problems: size, NUL, invalid UTF-8, tabs."""
    problems: list[Problem] = []
    if len(raw) > MAX_BYTES:
        return None, [
            Problem(path, 1, 1, f"file is {len(raw):,} bytes; the limit is {MAX_BYTES:,}")
        ]
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, [Problem(path, line, col, "file is not valid UTF-8")]
    if "\x00" in text:
        head = text[: text.index("\x00")]
        line = head.count("\n") + 1
        return None, [Problem(path, line, len(head) - head.rfind("\n"), "NUL byte in file")]
    text = text.replace("\r\n", "\n")
    for m in _TAB_INDENT.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        problems.append(
            Problem(path, line, len(m.group(1)) + 1, "tab character in indentation; use spaces")
        )
    return text, problems


def _check_structure(text: str, path: str, yaml: Any) -> list[Problem]:
    """Refuse anchors/aliases and excessive nesting, using the event stream."""
    suspicious_depth = _bracket_depth(text) > MAX_DEPTH or _DEEP_PREFIX.search(text) is not None
    if not suspicious_depth and not _ANCHOR_HINT.search(text):
        return []
    depth = 0
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for event in yaml.parse(text, Loader=loader):
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.AliasEvent) or (anchor and isinstance(event, (yaml.NodeEvent,))):
            line, col = event.start_mark.line + 1, event.start_mark.column + 1
            kind = "alias" if isinstance(event, yaml.AliasEvent) else "anchor"
            return [Problem(path, line, col, f"YAML {kind} '{anchor}' is not allowed in this file")]
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                line, col = event.start_mark.line + 1, event.start_mark.column + 1
                return [Problem(path, line, col, f"nesting deeper than {MAX_DEPTH} levels")]
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return []


def load(raw: bytes, path: str) -> Loaded:
    """Load one YAML document from untrusted bytes; never raises for bad input."""
    import yaml

    text, problems = decode(raw, path)
    if text is None:
        return Loaded(problems=problems)
    if problems:  # tabs: the parser would only add a vaguer message
        return Loaded(problems=problems, text=text)
    try:
        problems = _check_structure(text, path, yaml)
        if problems:
            return Loaded(problems=problems, text=text)
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        node = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        msg = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem and exc.context_mark:
            cm = exc.context_mark
            msg = f"{msg} ({exc.context} at {cm.line + 1}:{cm.column + 1})"
        return Loaded(problems=[Problem(path, line, col, f"YAML syntax: {msg}")], text=text)
    except yaml.YAMLError as exc:  # e.g. more than one document
        return Loaded(problems=[Problem(path, 1, 1, f"YAML: {exc}")], text=text)
    if node is None:
        return Loaded(data=None, text=text)
    constructor = yaml.constructor.SafeConstructor()
    seen: set[int] = set()
    try:
        data = _convert(node, constructor, seen, path, yaml)
    except _NodeProblem as exc:
        return Loaded(problems=[exc.problem], text=text)
    return Loaded(data=data, text=text)


class _NodeProblem(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem


_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


def _convert(node: Any, constructor: Any, seen: set[int], path: str, yaml: Any) -> Any:
    if id(node) in seen:
        line, col = _mark(node)
        raise _NodeProblem(Problem(path, line, col, "YAML alias is not allowed in this file"))
    seen.add(id(node))
    if not isinstance(node, yaml.ScalarNode) and node.tag not in (_MAP, _SEQ):
        # `!!python/object/apply:...` on a list or mapping: refused, not read as plain data
        line, col = _mark(node)
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        raise _NodeProblem(Problem(path, line, col, f"YAML tag '{tag}' is not allowed"))
    if isinstance(node, yaml.MappingNode):
        out = LDict()
        out.pos = _mark(node)
        out.key_pos = {}
        out.val_pos = {}
        for knode, vnode in node.value:
            if not isinstance(knode, yaml.ScalarNode):
                line, col = _mark(knode)
                raise _NodeProblem(Problem(path, line, col, "mapping keys must be plain text"))
            key = str(knode.value)
            if key in out:
                line, col = _mark(knode)
                raise _NodeProblem(Problem(path, line, col, f"duplicate key '{key}'"))
            out[key] = _convert(vnode, constructor, seen, path, yaml)
            out.key_pos[key] = _mark(knode)
            out.val_pos[key] = _mark(vnode)
        return out
    if isinstance(node, yaml.SequenceNode):
        lst = LList()
        lst.pos = _mark(node)
        lst.item_pos = []
        for item in node.value:
            lst.append(_convert(item, constructor, seen, path, yaml))
            lst.item_pos.append(_mark(item))
        return lst
    if node.tag == "tag:yaml.org,2002:str":  # the common case, without the constructor's detour
        return node.value
    try:
        return constructor.construct_object(node, deep=True)
    except Exception as exc:  # PyYAML's constructors raise anything for `!!bool maybe`
        line, col = _mark(node)
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        if isinstance(exc, yaml.YAMLError):  # its first line only: no source dump
            message = getattr(exc, "problem", None) or str(exc).split("\n")[0]
            message = message.replace("tag:yaml.org,2002:", "!!")
        else:
            message = f"cannot read {str(node.value)[:40]!r} as {tag}"
        raise _NodeProblem(Problem(path, line, col, f"YAML value: {message}")) from exc


def plain(value: Any) -> Any:
    """Position-carrying containers to ordinary dicts and lists (for templates and JSON)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
