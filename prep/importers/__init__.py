"""Turn material people already have (Markdown, CSV/TSV, Anki packages) into deck cards.

Each reader returns an `Imported`: card drafts in source order plus what it
skipped and why, so nothing is dropped without a word. `writer` turns drafts
into a deck file and merges them into an existing one without losing ids.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from ..errors import PrepError
from .model import (  # noqa: F401  (the package's names, as before)
    FORMATS,
    HANGUL,
    LETTER,
    MARKDOWN_SUFFIXES,
    MAX_BYTES,
    PACKAGE_SUFFIXES,
    QUESTION_SHAPES,
    TOPIC_LEVELS,
    Draft,
    Imported,
    Overrides,
    Skipped,
)


def read_text(path: Path) -> str:
    """The file as text with Unix newlines, or a PrepError that names the file and line."""
    from ..safefile import TooLarge, decode_text, read_capped

    try:
        # Standard input (`deck import -`) comes already read, as `in_memory`.
        held = getattr(path, "in_memory", None)
        raw = held if isinstance(held, bytes) else read_capped(path, MAX_BYTES)
    except TooLarge as exc:
        raise PrepError(f"{path}: {exc}") from None
    except FileNotFoundError:
        raise PrepError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise PrepError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise PrepError(f"{path}: cannot read: {exc.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise PrepError(f"{path}: file is {len(raw):,} bytes; the limit is {MAX_BYTES:,}")
    return decode_text(raw, path)


def detect_format(path: Path, text: str) -> str:
    """Anki text exports are often `.txt`; their `#separator:` header gives them away."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".tsv":
        return "tsv"
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    head = [line for line in text.split("\n", 50)[:50] if line.strip()]
    if head and re.match(
        r"#(separator|html|columns|tags column|notetype|deck|guid)", head[0], re.I
    ):
        return "tsv"
    if head and not any(line.lstrip().startswith(("#", "-", "*", "1.", ">")) for line in head):
        tabbed = sum("\t" in line for line in head)
        if tabbed >= max(1, len(head) * 0.8):
            return "tsv"
    return "markdown"


def _is_package(path: Path) -> bool:
    """An Anki package: named so, or a zip file whatever its name."""
    if path.suffix.lower() in PACKAGE_SUFFIXES:
        return True
    try:
        with path.open("rb") as f:
            return f.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def language_of(texts: list[str]) -> str:
    sample = "".join(texts)[:200_000]
    letters = len(LETTER.findall(sample))
    if letters and len(HANGUL.findall(sample)) >= 0.3 * letters:
        return "ko"
    return "en"


def import_file(
    path: Path,
    *,
    fmt: str | None = None,
    kind: str | None = None,
    columns: list[str] | None = None,
    with_history: bool = False,
    now: datetime | None = None,
    overrides: Overrides | None = None,
) -> Imported:
    """Read one source file into card drafts (duplicates merged)."""
    from ..decks import KINDS

    if kind is not None and kind not in KINDS:
        raise PrepError(f"unknown kind '{kind}'; use one of {', '.join(KINDS)}")
    if fmt is not None and fmt not in FORMATS:
        raise PrepError(f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}")
    if overrides and (fmt in ("csv", "tsv") or (fmt is None and _is_package(path))):
        raise PrepError(
            "--questions, --topic, --skip-section and --keep-section apply to Markdown files only"
        )
    if fmt is None and _is_package(path):
        if columns:
            raise PrepError("--columns applies to CSV/TSV files only")
        from .apkg import read_apkg

        result = read_apkg(path, with_history=with_history, now=now)
        if kind is not None:
            for d in result.drafts:
                d.kind = kind
        merge_duplicates(result)
        kept = {d.id for d in result.drafts}
        gone = sum(e.card_id not in kept for e in result.history)
        if gone:
            result.history = [e for e in result.history if e.card_id in kept]
            reason = "review of a card not imported (its note was merged or skipped)"
            result.history_left[reason] = result.history_left.get(reason, 0) + gone
        fit_limits(result)
        result.language = language_of([d.q for d in result.drafts])
        return result
    if with_history:
        raise PrepError(
            f"{path}: --with-history reads the review history of an Anki package "
            "(.apkg or .colpkg); this file holds none"
        )
    text = read_text(path)
    fmt = fmt or detect_format(path, text)
    if fmt == "markdown":
        if columns:
            raise PrepError("--columns applies to CSV/TSV files only")
        from .markdown import parse_markdown

        result = parse_markdown(text, str(path), overrides)
    else:
        if overrides:
            raise PrepError(
                f"{path}: --questions, --topic, --skip-section and --keep-section apply to "
                "Markdown files only"
            )
        from .csvtsv import parse_table

        result = parse_table(text, str(path), fmt=fmt, columns=columns)
    if kind is not None:
        for d in result.drafts:
            d.kind = kind
    merge_duplicates(result)
    fit_limits(result)
    result.language = language_of([d.q for d in result.drafts])
    return result


def _cut(text: str, limit: int) -> tuple[str, str]:
    """Text split at the last paragraph (else line, else space) break within the limit."""
    if len(text) <= limit:
        return text, ""
    for sep in ("\n\n", "\n", " "):
        at = text.rfind(sep, 0, limit)
        if at > 0:
            return text[:at].rstrip(), text[at:].strip()
    return text[:limit], text[limit:]


def fit_limits(result: Imported) -> None:
    """Keep every card within the sizes a deck file allows, saying what moved.

    An over-long question keeps its first part and the rest opens the answer;
    an answer, topic or list beyond its limit is cut, and the cut is reported.
    """
    from ..decks import MAX_CHARS, MAX_CHARS_OTHER, MAX_ITEMS

    q_max, a_max = MAX_CHARS["q"], MAX_CHARS["a"]
    for d in result.drafts:
        if len(d.q) > q_max:
            d.q, rest = _cut(d.q, q_max)
            d.a = f"{rest}\n\n{d.a}" if d.a else rest
            result.skipped.append(
                Skipped(
                    d.line,
                    d.q[:60],
                    f"question over {q_max:,} characters: the rest opens the answer",
                )
            )
        if len(d.a) > a_max:
            d.a, _ = _cut(d.a, a_max)
            result.skipped.append(Skipped(d.line, d.q[:60], f"answer cut at {a_max:,} characters"))
        if len(d.topic) > MAX_CHARS_OTHER:
            d.topic, _ = _cut(d.topic, MAX_CHARS_OTHER)
        for name in ("keywords", "tags"):
            items = [
                i if len(i) <= MAX_CHARS_OTHER else _cut(i, MAX_CHARS_OTHER)[0]
                for i in getattr(d, name)
            ]
            if len(items) > MAX_ITEMS:
                result.skipped.append(Skipped(d.line, d.q[:60], f"{name} cut at {MAX_ITEMS} items"))
                items = items[:MAX_ITEMS]
            setattr(d, name, items)


def merge_duplicates(result: Imported) -> None:
    """Same question twice in one source: keep the first, fold the other into it."""
    from ..decks import normalize

    first: dict[str, Draft] = {}
    kept: list[Draft] = []
    for d in result.drafts:
        key = normalize(d.q)
        if not key:
            result.skipped.append(Skipped(d.line, d.q[:60], "no words in the question"))
            continue
        if key not in first:
            first[key] = d
            kept.append(d)
            continue
        keep = first[key]
        if d.a and d.a not in keep.a:
            keep.a = f"{keep.a}\n\n{d.a}" if keep.a else d.a
        for t in d.tags:
            if t not in keep.tags:
                keep.tags.append(t)
        for k in d.keywords:
            if k not in keep.keywords:
                keep.keywords.append(k)
        result.merged.append((d.line, keep.line))
    result.drafts = kept
