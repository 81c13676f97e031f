"""An account of the structure an import read, for `prep deck import --dry-run`.

Which shape held the questions (and at which heading level), what gave the
topics, how many cards each topic has, where each card's question and answer
are in the source, and which options read the file another way.
"""

from __future__ import annotations

from typing import Any

from .model import Imported

# A card's shape, said of many: "{h}" is its section's heading level.
_PLURAL = {
    "list item": "list items under {h} headings",
    "<details> fold": "<details> folds under {h} headings",
    "bold or Q: paragraph": "bold or Q: paragraphs under {h} headings",
    "heading + question paragraph": "{h} headings, each over the paragraph that asks",
    "heading with text": "{h} headings, each answered by its text",
    "heading with answer parts": "{h} headings with answer parts below them",
    "heading": "{h} headings that ask, with Q/A pairs below",
}


def _where(shape: str, level: int, fmt: str) -> str:
    if fmt == "apkg":
        return "Anki notes"
    if fmt in ("csv", "tsv"):
        return "table rows"
    h = f"h{level}" if level else "no"
    if shape[:1] == "h" and shape[1:2].isdigit():  # read as told: "h3 heading", "h3 heading + …"
        told = shape.split(" ", 1)[0]
        base = "{h} headings, each over the paragraph that asks" if "+" in shape else "{h} headings"
        return f"{base.format(h=told)} (--questions {told})"
    if level == 0:
        return _PLURAL.get(shape, shape).replace("under no headings", "before any heading")
    return _PLURAL.get(shape, shape).format(h=h)


def describe(imported: Imported) -> dict[str, Any]:
    """The structure read, as plain data (the JSON report holds it as is)."""
    drafts = imported.drafts
    shapes: dict[str, int] = {}
    for d in drafts:
        key = _where(d.shape, d.level, imported.format)
        shapes[key] = shapes.get(key, 0) + 1
    sources: dict[str, set[str]] = {}
    topics: dict[str, dict[str, Any]] = {}
    for d in drafts:
        topic = d.topic or imported.title
        src = d.topic_from or ("field" if d.topic else "title")
        sources.setdefault(src, set()).add(topic)
        entry = topics.setdefault(topic, {"topic": topic, "cards": 0, "from": src, "first": d})
        entry["cards"] += 1
    with_answer = sum(bool(d.a.strip()) for d in drafts)
    return {
        "questions": [{"shape": k, "cards": n} for k, n in shapes.items()],
        "topics_from": [
            {"from": _topic_source(src), "topics": len(names)} for src, names in sources.items()
        ],
        "with_answer": with_answer,
        "topics": [
            {
                "topic": t["topic"],
                "cards": t["cards"],
                "sample": _card(t["first"]),
            }
            for t in topics.values()
        ],
        "cards": [_card(d) for d in drafts],
    }


def _topic_source(src: str) -> str:
    if src.startswith("h") and src[1:].isdigit():
        return f"{src} headings"
    return {
        "label": "bold labels or fold summaries over a group",
        "title": "the file's title",
        "field": "a column or field of the source",
    }.get(src, src)


def _card(d: Any) -> dict[str, Any]:
    has = bool(d.a.strip())
    out: dict[str, Any] = {"line": d.line, "q": d.q, "answer": has}
    out["answer_lines"] = [d.line + 1, d.end] if has and d.end > d.line else None
    if d.shape:
        out["shape"] = d.shape
    return out
