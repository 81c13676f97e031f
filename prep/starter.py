"""The files of a new workspace: blank (in English or Korean) or built from a prep document.

Everything is produced in memory and read back with prep's own parsers before
`workspace.init` writes a byte, so a new workspace always passes `prep deck
check` and renders in `prep answer check`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import PrepError

if TYPE_CHECKING:
    from .prepdoc import CardPlan, DeckPlan, PrepDoc, StoryPlan

LANGS = ("en", "ko")
STARTER = Path(__file__).parent / "starter"


def default_lang(environ: dict[str, str] | None = None) -> str:
    """Korean when the locale says so (LC_ALL, LC_MESSAGES, LANG), else English."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = env.get(var, "")
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    return "en"


def blank_files(lang: str) -> dict[str, bytes]:
    """A commented prep.yaml, one example card, one example story and the thank-you email."""
    if lang not in LANGS:
        raise PrepError(f"unknown language '{lang}'; use one of {', '.join(LANGS)}")
    from .workspace import bundled_files

    return bundled_files(STARTER / lang)


# ---------------------------------------------------------------- YAML text

_PLAIN = re.compile(r"^[^\s\-?:,\[\]{}#&*!|>'\"%@`~=+.0-9][^\n\t]*$")
_SPECIAL = re.compile(r"^(?:null|true|false|yes|no|on|off|y|n|~)$", re.I)
_UNPRINTABLE = re.compile(
    "[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029\ufeff\x85]"
)


def _quoted(text: str) -> str:
    body = json.dumps(text, ensure_ascii=False)
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", body)


def scalar(value: Any, indent: int = 0, block: bool = False) -> str:
    """One value as YAML that reads back as exactly that value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if "\n" in text and block and _block_ok(text):
        pad = " " * indent
        return "|-\n" + "\n".join(pad + line if line else "" for line in text.split("\n"))
    if (
        _PLAIN.match(text)
        and text == text.strip()
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
        and not _SPECIAL.match(text)
        and not _UNPRINTABLE.search(text)
    ):
        return text
    return _quoted(text)


def _block_ok(text: str) -> bool:
    if _UNPRINTABLE.search(text) or text != text.strip() or text[:1] in " \t":
        return False
    return all(
        line == line.rstrip() and not line.startswith((" \t", "\t")) for line in text.split("\n")
    )


def _flow(values: list[Any]) -> str:
    def one(v: Any) -> str:
        if not isinstance(v, str):
            return scalar(v)
        return v if _flow_ok(v) else _quoted(v)

    return "[" + ", ".join(one(v) for v in values) + "]"


_FLOW_PLAIN = re.compile(r"[^\W_][\w .\-/+&()·’%]*")


def _flow_ok(text: str) -> bool:
    """Plain inside `[...]`: words and a few safe marks only (flow context has more indicators)."""
    return bool(_FLOW_PLAIN.fullmatch(text)) and scalar(text) == text


def emit(value: Any, indent: int = 0) -> list[str]:
    """Block-style YAML lines for a mapping or a list (nested), scalars inline."""
    pad = " " * indent
    out: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            key = scalar(str(k))
            if isinstance(v, (dict, list)) and v:
                if (
                    isinstance(v, list)
                    and all(not isinstance(x, (dict, list)) for x in v)
                    and all(len(str(x)) <= 24 for x in v)
                    and len(v) <= 8
                ):
                    out.append(f"{pad}{key}: {_flow(v)}")
                else:
                    out.append(f"{pad}{key}:")
                    out += emit(v, indent + 2)
            elif isinstance(v, (dict, list)):
                out.append(f"{pad}{key}: {'{}' if isinstance(v, dict) else '[]'}")
            else:
                out.append(f"{pad}{key}: {scalar(v, indent + 2, block=True)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)) and item:
                lines = emit(item, indent + 2)
                lines[0] = f"{pad}- " + lines[0][indent + 2 :]
                out += lines
            elif isinstance(item, (dict, list)):
                out.append(f"{pad}- {'{}' if isinstance(item, dict) else '[]'}")
            else:
                out.append(f"{pad}- {scalar(item, indent + 2, block=True)}")
    return out


# ---------------------------------------------------------------- from a prep document

_WORDS: dict[str, dict[str, Any]] = {
    "en": {
        "head": "prep.yaml — built by `prep init --from {src}`. Everything below comes from that\n"
        "document; empty values are yours to fill in. Stories are in answers/, cards in decks/.",
        "candidate": "You. `name` signs the thank-you email.",
        "role": "The job, as the document describes it.",
        "company": "values: each has an id that stories list in their `values`.",
        "why_fit": "Why this job fits you: shown on the cheat sheet.",
        "highlights": "Résumé highlights; the story drafts in answers/ start from them.",
        "gaps": "Gaps to name honestly: `admit` what you have not done, `plan` how you will close it.",
        "advice": "How to come across: tone, STAR, what to avoid.",
        "closing": "The last thing you say.",
        "follow_up": "The thank-you email (answers/thank-you.md.j2) and when to send it.",
        "interview": "Set the date with `prep plan --interview 2026-12-10T10:00+09:00`.",
        "settings": "new_per_day, max_reviews_per_day, desired_retention (0.70-0.99), day_starts_at (hour).",
        "notes": "Sections prep has no place for, kept as written (with their line in the document).",
        "fill": "to fill in",
        "answer": "to fill in: your answer, in a few bullet points",
        "deck_q": "Predicted questions from {src}, verbatim. Answers are yours to write.",
        "deck_ask": "Questions to ask the interviewer, from {src}.",
        "deck_concept": "Concepts to review, one card per named thing, from {src}.",
        "sections": ("Situation", "Task", "Action", "Result"),
        "hints": (
            "~20% (~25 s): where, when, what was at stake, with one number.",
            "~10% (~10 s): what you owned or chose to own, and the goal.",
            "~60% (~70 s): what YOU did, why that choice, in 2-4 steps. Numbers go in vars.",
            "~10% (~10 s): the measurable outcome, before -> after.",
        ),
        "draft": "delete this line when the story is written; `prep answer check` lists drafts",
        "draws_on": "_Draft — could draw on: {point} ({area})_",
        "aim": "Show: {aim}",
        "no_highlight": "No résumé highlight in the document: start from an experience of yours.",
    },
    "ko": {
        "head": "prep.yaml — `prep init --from {src}`로 만든 프로필. 아래 내용은 모두 그 문서에서\n"
        "가져왔고, 빈 값은 직접 채우세요. STAR 스토리는 answers/, 질문 카드는 decks/에 있습니다.",
        "candidate": "지원자. `name`은 감사 메일 서명에 쓰입니다.",
        "role": "지원 포지션 (문서 그대로).",
        "company": "values: 각 가치의 id를 스토리의 `values`에 적습니다.",
        "why_fit": "이 직무가 맞는 이유: 치트 시트에 나옵니다.",
        "highlights": "이력 하이라이트. answers/의 스토리 초안이 여기서 출발합니다.",
        "gaps": "보완할 영역: `admit`에 솔직한 현재 수준, `plan`에 따라잡을 계획.",
        "advice": "면접 전략: 톤, STAR, 피할 것.",
        "closing": "마무리 한마디.",
        "follow_up": "감사 메일(answers/thank-you.md.j2)과 보낼 시점.",
        "interview": "면접 일시는 `prep plan --interview 2026-12-10T10:00+09:00`로 정합니다.",
        "settings": "new_per_day, max_reviews_per_day, desired_retention(0.70-0.99), day_starts_at(시).",
        "notes": "prep에 자리가 없는 섹션: 문서 그대로 (문서의 줄 번호와 함께) 보관합니다.",
        "fill": "채울 것",
        "answer": "채울 것: 내 답을 몇 개의 요점으로",
        "deck_q": "{src}의 예상 질문 (원문 그대로). 답은 직접 채우세요.",
        "deck_ask": "{src}의 면접관에게 할 질문.",
        "deck_concept": "{src}의 복습할 개념: 이름 붙은 항목마다 카드 하나.",
        "sections": ("상황", "과제", "행동", "결과"),
        "hints": (
            "~20% (~25초): 언제, 어디서, 무엇이 걸려 있었나 (숫자 하나).",
            "~10% (~10초): 내가 맡은(맡기로 한) 일과 목표.",
            "~60% (~70초): 내가 한 일, 그렇게 한 이유, 2-4단계. 수치는 vars에.",
            "~10% (~10초): 측정 가능한 결과, 전 -> 후.",
        ),
        "draft": "스토리를 다 쓰면 이 줄을 지우세요; `prep answer check`가 초안을 알려 줍니다",
        "draws_on": "_초안 — 쓸 만한 이력: {point} ({area})_",
        "aim": "보여 줄 것: {aim}",
        "no_highlight": "문서에 이력 하이라이트가 없습니다: 내 경험에서 출발하세요.",
    },
}


def _comment(text: str, pad: str = "") -> list[str]:
    return [f"{pad}# {line}" if line else f"{pad}#" for line in text.split("\n")]


_EMPTY = re.compile(r'^\s*(?:- )?[\w.-]+: (?:""|\[\])$')


_OPTIONAL = re.compile(r'^\s*(?:- )?(?:title|area): ""$')  # a group without a heading


def profile_text(doc: PrepDoc, src: str) -> str:
    words = _WORDS[doc.language if doc.language in _WORDS else "en"]
    data = {k: v for k, v in doc.profile.items() if not k.startswith("_")}
    out = _comment(words["head"].format(src=src)) + [""]
    fill = words["fill"]
    for key, value in data.items():
        if key in words:
            out += _comment(words[key])
        lines = emit({key: value})
        if key not in ("interview", "settings", "notes"):
            # Empty fields the user should fill in say so.
            lines = [
                f"{line}  # {fill}" if _EMPTY.search(line) and not _OPTIONAL.search(line) else line
                for line in lines
            ]
        out += lines + [""]
    return "\n".join(out).rstrip("\n") + "\n"


def deck_text(deck: DeckPlan, doc: PrepDoc, src: str) -> str:
    words = _WORDS[doc.language if doc.language in _WORDS else "en"]
    intro = {"technical": "deck_q", "ask": "deck_ask", "concept": "deck_concept"}[deck.kind]
    out = _comment(words[intro].format(src=src))
    out += [
        f"deck: {scalar(deck.id)}",
        f"title: {scalar(deck.title)}",
        f"language: {scalar(doc.language)}",
        "defaults:",
        f"  kind: {deck.kind}",
        "cards:",
    ]
    topic = None
    for c in deck.cards:
        if c.topic != topic:
            out += ["", f"  # {c.topic}"]
            topic = c.topic
        out += _card_lines(c, words, src)
    return "\n".join(out) + "\n"


def _card_lines(c: CardPlan, words: dict[str, Any], src: str) -> list[str]:
    lines = [
        f"  - id: {scalar(c.id)}  # {src}:{c.line}",
        f"    kind: {c.kind}",
        f"    topic: {scalar(c.topic)}",
        f"    q: {scalar(c.q, 6, block=True)}",
    ]
    if c.a:
        lines.append(f"    a: {scalar(c.a, 6, block=True)}")
    elif c.kind != "ask":
        lines.append(f'    a: ""  # {words["answer"]}')
    if c.keywords:
        lines.append(f"    keywords: {_flow(c.keywords)}")
    if c.story:
        lines.append(f"    story: {scalar(c.story)}")
    return lines


def _jinja_text(text: str) -> str:
    """Document text inside a template: braces print as themselves, never run as Jinja."""
    text = re.sub(r"[{}]", lambda m: "{{ '" + m.group() + "' }}", text)
    return re.sub(r"^\s*#+\s*", "", text)


def _jinja_comment(text: str) -> str:
    return "{# " + text.replace("#}", "# }") + " #}"


def story_text(s: StoryPlan, lang: str) -> str:
    words = _WORDS[lang if lang in _WORDS else "en"]
    front = [
        "---",
        f"id: {s.id}",
        f"title: {_quoted(s.title)}",
        f"draft: true  # {words['draft']}",
        f"values: {_flow(s.values)}",
        "competencies: []",
        f"cards: {_flow(s.cards)}",
        f"topic: {_quoted(s.topic) if s.topic else 'null'}",
        "vars: {}",
        "---",
    ]
    body: list[str] = []
    if s.aim:
        body.append(_jinja_comment(words["aim"].format(aim=s.aim)))
    names, hints = words["sections"], words["hints"]
    for n, (name, hint) in enumerate(zip(names, hints, strict=True)):
        body.append(f"## {name}")
        body.append(_jinja_comment(hint))
        if n == 0:
            if s.highlight:
                line = words["draws_on"].format(point=s.highlight, area=s.highlight_area or "-")
                body.append(_jinja_text(line.replace(" (-)", "")))
            else:
                body.append(_jinja_comment(words["no_highlight"]))
        body.append("")
    return "\n".join(front + body).rstrip("\n") + "\n"


def _email_text(doc: PrepDoc, lang: str) -> bytes:
    email = doc.profile.get("_email")
    if not email:
        return (STARTER / lang / "answers" / "thank-you.md.j2").read_bytes()
    title = "면접 감사 메일" if lang == "ko" else "Thank-you email"
    text = "\n".join(
        [
            "---",
            "id: thank-you",
            "kind: email",
            f"title: {_quoted(title)}",
            "vars: {}",
            "---",
            _jinja_text(email),
        ]
    )
    return (text + "\n").encode("utf-8")


def files_from(doc: PrepDoc, src: str, lang: str | None = None) -> dict[str, bytes]:
    """prep.yaml, decks/*.yaml and answers/*.md.j2 for the document, each checked by
    reading it back the way `prep` will."""
    if lang is not None and lang not in LANGS:
        raise PrepError(f"unknown language '{lang}'; use one of {', '.join(LANGS)}")
    lang = lang or (doc.language if doc.language in LANGS else "en")
    doc.language = lang
    files: dict[str, bytes] = {"prep.yaml": profile_text(doc, src).encode("utf-8")}
    for deck in doc.decks:
        files[f"decks/{deck.id}.yaml"] = deck_text(deck, doc, src).encode("utf-8")
    for s in doc.stories:
        files[f"answers/{s.id}.md.j2"] = story_text(s, lang).encode("utf-8")
    files["answers/thank-you.md.j2"] = _email_text(doc, lang)
    verify(files, doc)
    return files


def verify(files: dict[str, bytes], doc: PrepDoc | None = None) -> None:
    """Read every file back with prep's parsers; a file they refuse is a bug, said plainly."""
    import yaml

    from .answers import parse_meta
    from .decks import parse_deck
    from .workspace import parse_profile

    problems = []
    for rel, raw in files.items():
        if rel == "prep.yaml":
            _, probs = parse_profile(raw)
            if doc is not None and not probs:
                want = {k: v for k, v in doc.profile.items() if not k.startswith("_")}
                if yaml.safe_load(raw) != want:
                    probs = [f"{rel}: does not read back as written"]  # type: ignore[list-item]
        elif rel.startswith("decks/"):
            _, probs = parse_deck(raw, rel)
        else:
            _, probs = parse_meta(raw.decode("utf-8"), rel, Path(rel))
        problems += [str(p) for p in probs]
    if problems:
        raise PrepError(
            "could not build a valid workspace from this document (a bug in prep; please report "
            f"it with the document): {problems[0]}"
        )


def summary(doc: PrepDoc, files: dict[str, bytes]) -> list[str]:
    """What went where, one line per file or group of files, for the command to print."""
    p = doc.profile
    company = p.get("company", {})
    values = company.get("values", [])
    highlights = sum(len(g.get("points", [])) for g in p.get("highlights", []))

    def n(count: int, word: str) -> str:
        return f"{count} {word}{'' if count == 1 else 's'}"

    parts = [
        n(len(values), "value"),
        n(len(p.get("why_fit", [])), "why-fit group"),
        n(highlights, "highlight"),
        n(len(p.get("gaps", [])), "gap"),
    ]
    if p.get("closing"):
        parts.append("closing line")
    hours = p.get("follow_up", {}).get("thank_you_within_hours")
    if hours:
        parts.append(f"thank-you within {hours} h")
    if p.get("notes"):
        parts.append(n(len(p["notes"]), "note"))
    out = [f"prep.yaml: {', '.join(parts)}"]
    for deck in doc.decks:
        topics = len({c.topic for c in deck.cards})
        count = len(deck.cards)
        what = {
            "technical": n(count, "question"),
            "ask": n(count, "question") + " to ask",
            "concept": n(count, "concept"),
        }[deck.kind]
        out.append(f"decks/{deck.id}.yaml: {what}" + (f" in {topics} topics" if topics > 1 else ""))
    by_value = sum(1 for s in doc.stories if not s.cards)
    by_question = len(doc.stories) - by_value
    if doc.stories:
        out.append(
            f"answers/: {n(len(doc.stories), 'story draft')} ({by_value} for the company values, "
            f"{by_question} for behavioral questions) and the thank-you email"
        )
    else:
        out.append("answers/: the thank-you email")
    empty = sum(1 for c in doc.cards if not c.a and c.kind != "ask" and not c.story)
    fill = [n(empty, "answer")] if empty else []
    fill += [n(len(doc.stories), "story draft")] if doc.stories else []
    fill += doc.missing
    if fill:
        out.append(f"To fill in: {', '.join(fill)}")
    return out
