"""Write drafts as a deck file, merging into an existing one so every card keeps its id.

An id is what ties a card to its review history in the database, so a
re-import must give each card the id it already had. Existing cards are
matched to the new drafts by id, then by exact normalized question, then by
similar question text (difflib ratio >= 0.6, best pairs first). Matched cards
take the source's question, topic, kind and (when the source has one) answer;
what only the deck holds (keywords, story, time) is kept and tags are joined.
Cards that are no longer in the source stay in the file at the end, listed in
the report, unless `prune` is asked for: their history stays in the database
either way, as orphans that come back if the card does.

The YAML is emitted by hand (fixed key order, `|` blocks for multi-line text,
double quotes where a plain scalar would be read differently) and read back
with the deck parser before anything is written.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..decks import CARD_KEYS, ID_RE, Card, Deck, normalize, parse_deck
from ..errors import DeckError, PrepError
from . import Draft, Imported

SIMILARITY = 0.6
FUZZY_LIMIT = 250_000  # candidate pairs; beyond this only ids and exact text match
ID_MAX = 80


@dataclass
class Plan:
    path: Path
    deck: str
    title: str
    language: str
    text: str
    cards: list[dict[str, Any]]
    existed: bool
    changed: bool
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # in the deck, not in the source
    matched_by_text: list[tuple[str, str, str]] = field(default_factory=list)  # id, old q, new q
    pruned: bool = False
    notes: list[str] = field(default_factory=list)


# -- ids -----------------------------------------------------------------------


def slug(text: str, limit: int = 48) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    out = ""
    for w in words:
        candidate = f"{out}-{w}" if out else w
        if len(candidate) > limit:
            break
        out = candidate
    return out or (words[0][:limit] if words else "")


def _mostly_ascii(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(ch.isascii() for ch in letters) >= 0.9 * len(letters)


def deck_slug(text: str) -> str:
    s = slug(text, 40) or "imported"
    return s


def base_id(draft: Draft, deck: str) -> str:
    """The id a new card gets: readable where the source is ASCII, a hash otherwise."""
    if draft.id:
        return draft.id
    prefix = deck[:32].rstrip("-_.")
    digest = hashlib.sha1(normalize(draft.q).encode("utf-8")).hexdigest()
    if draft.name and _mostly_ascii(draft.name):
        s = slug(draft.name, 40)
        if s:
            return f"{prefix}-{s}"
    if _mostly_ascii(draft.q):
        s = slug(" ".join(draft.q.split()[:6]), 32)
        if s:
            return f"{prefix}-{s}-{digest[:6]}"
    return f"{prefix}-{digest[:8]}"


def _unique(candidate: str, taken: set[str]) -> str:
    candidate = candidate[:ID_MAX]
    if candidate not in taken:
        return candidate
    n = 2
    while True:
        suffix = f"-{n}"
        cid = candidate[: ID_MAX - len(suffix)] + suffix
        if cid not in taken:
            return cid
        n += 1


# -- YAML emission -------------------------------------------------------------

_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
_SPECIAL = re.compile(
    r"^(?:~|null|true|false|yes|no|on|off|y|n|[-+]?\.(?:inf|nan)|<<|=)$",
    re.I,
)


# Characters a YAML reader would not take back verbatim inside a scalar: C0/C1
# controls (tab and newline aside), line and paragraph separators, a BOM,
# non-characters.
_UNPRINTABLE = re.compile(
    "[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029\ufeff]"
)


def _needs_escape(text: str) -> bool:
    return _UNPRINTABLE.search(text) is not None


def _double_quoted(text: str) -> str:
    body = json.dumps(text, ensure_ascii=False)
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", body)


def _plain_ok(text: str, flow: bool) -> bool:
    if not text or text != text.strip() or text[0] in _INDICATORS:
        return False
    if "\t" in text or "\n" in text or _needs_escape(text):
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    if flow and any(ch in text for ch in ",[]{}"):
        return False
    if _SPECIAL.match(text) or re.match(r"^[-+.]?\d", text):
        return False  # would read back as null, a boolean or a number
    return True


def _literal_ok(text: str) -> bool:
    if _needs_escape(text) or text != text.strip():
        return False
    for line in text.split("\n"):
        if line != line.rstrip():
            return False  # trailing or whitespace-only lines: quote to keep them exact
        if line.lstrip(" ").startswith("\t"):
            return False  # deck files refuse tabs in indentation
    return True


def scalar(text: str, indent: int, block: bool = False) -> str:
    """One string as YAML; `block` prefers `|` over quotes for answers (easier to edit)."""
    if ("\n" in text or block and not _plain_ok(text, flow=False)) and _literal_ok(text):
        pad = " " * indent
        return "|\n" + "\n".join(pad + line if line else "" for line in text.split("\n"))
    if _plain_ok(text, flow=False):
        return text
    return _double_quoted(text)


def _flow_list(values: list[str]) -> str:
    return (
        "[" + ", ".join(v if _plain_ok(v, flow=True) else _double_quoted(v) for v in values) + "]"
    )


def _value(value: Any, indent: int, block: bool = False) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return _flow_list([str(v) for v in value])
    return scalar(str(value), indent, block)


def render(
    deck: str,
    title: str,
    language: str,
    defaults: dict[str, Any] | None,
    cards: list[dict[str, Any]],
) -> str:
    out = [
        f"deck: {scalar(deck, 2)}",
        f"title: {scalar(title, 2)}",
        f"language: {scalar(language, 2)}",
    ]
    if defaults:
        out.append("defaults:")
        for k, v in defaults.items():
            out.append(f"  {k}: {_value(v, 4)}")
    out.append("cards:")
    for card in cards:
        first = True
        for k, v in card.items():
            out.append(("  - " if first else "    ") + f"{k}: {_value(v, 6, k == 'a')}")
            first = False
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


# -- merge ---------------------------------------------------------------------


def _defaults(text: str, path: str) -> dict[str, Any] | None:
    """The `defaults` mapping of an existing deck as written (a header-only read)."""
    from ..decks import split_chunks
    from ..yamlsafe import load

    split = split_chunks(text)
    head = split[0] if split else text
    data = load(head.encode("utf-8"), path).data
    defaults = data.get("defaults") if isinstance(data, dict) else None
    if not isinstance(defaults, dict):
        return None
    return {
        k: (list(v) if isinstance(v, list) else v) for k, v in defaults.items() if v is not None
    }


def _ordered(card: dict[str, Any]) -> dict[str, Any]:
    """Keys in the deck format's order, empty values left out."""
    return {k: card[k] for k in CARD_KEYS if k in card and card[k] not in (None, "", [])}


def format_time(seconds: int) -> str:
    m, s = divmod(seconds, 60)
    if m and s:
        return f"{m}m{s}s"
    return f"{m}m" if m else f"{s}s"


def _card_map(card: Card, defaults: dict[str, Any] | None) -> dict[str, Any]:
    """A parsed card back to what its deck entry says (defaults left implicit)."""
    from ..decks import parse_time

    d = defaults or {}
    out: dict[str, Any] = {
        "id": card.id,
        "kind": card.kind,
        "topic": card.topic,
        "q": card.q,
        "a": card.a,
        "keywords": list(card.keywords),
        "story": card.story,
    }
    if card.time_s is not None and card.time_s != parse_time(d.get("time")):
        out["time"] = format_time(card.time_s)
    default_tags = d.get("tags") or []
    if isinstance(default_tags, str):
        default_tags = [t.strip() for t in default_tags.split(",") if t.strip()]
    if card.tags and list(card.tags) != [str(t) for t in default_tags]:
        out["tags"] = list(card.tags)
    return out


def _match(
    drafts: list[Draft], base: list[str], existing: list[Card], plan: Plan
) -> dict[int, Card]:
    """Draft index -> the existing card it continues."""
    by_id = {c.id: c for c in existing}
    used: set[str] = set()
    pairs: dict[int, Card] = {}
    for i, cid in enumerate(base):
        c = by_id.get(cid)
        if c is not None and c.id not in used:
            pairs[i] = c
            used.add(c.id)
    by_text: dict[str, list[Card]] = {}
    for c in existing:
        if c.id not in used:
            by_text.setdefault(normalize(c.q), []).append(c)
    for i, d in enumerate(drafts):
        if i in pairs:
            continue
        for c in by_text.get(normalize(d.q), []):
            if c.id not in used:
                pairs[i] = c
                used.add(c.id)
                break
    left_d = [i for i in range(len(drafts)) if i not in pairs]
    left_c = [c for c in existing if c.id not in used]
    if not left_d or not left_c:
        return pairs
    if len(left_d) * len(left_c) > FUZZY_LIMIT:
        plan.notes.append(
            f"too many changed questions ({len(left_d)} new x {len(left_c)} gone) to look for "
            "edited ones; only ids and identical questions were matched"
        )
        return pairs
    scored: list[tuple[float, int, int]] = []
    norm_c = [normalize(c.q) for c in left_c]
    for i in left_d:
        a = normalize(drafts[i].q)
        for j, b in enumerate(norm_c):
            sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
            if sm.real_quick_ratio() < SIMILARITY or sm.quick_ratio() < SIMILARITY:
                continue
            r = sm.ratio()
            if r >= SIMILARITY:
                scored.append((r, i, j))
    scored.sort(key=lambda t: (-t[0], t[1], t[2]))
    taken_c: set[int] = set()
    for _, i, j in scored:
        if i in pairs or j in taken_c:
            continue
        pairs[i] = left_c[j]
        taken_c.add(j)
        plan.matched_by_text.append((left_c[j].id, left_c[j].q, drafts[i].q))
    return pairs


def plan_import(
    imported: Imported,
    out: Path,
    *,
    deck_id: str | None = None,
    display: str | None = None,
    taken: set[str] | None = None,
    prune: bool = False,
) -> Plan:
    """Everything a write would do, without writing. Raises DeckError for a bad existing deck."""
    shown = display or str(out)
    existing: Deck | None = None
    defaults: dict[str, Any] | None = None
    old_text = None
    if out.exists():
        if not out.is_file():
            raise PrepError(f"{shown}: is not a file")
        raw = out.read_bytes()
        existing, problems = parse_deck(raw, shown)
        if problems or existing is None:
            raise DeckError(problems)
        old_text = raw.decode("utf-8")
        defaults = _defaults(old_text, shown)
    deck = deck_id or (existing.id if existing else deck_slug(out.stem))
    if not ID_RE.match(deck):
        raise PrepError(f"invalid deck id '{deck}': use letters, digits, '.', '_' or '-'")
    title = existing.title if existing else (imported.title or deck)
    language = existing.language if existing else (imported.language or "en")
    plan = Plan(
        path=out,
        deck=deck,
        title=title,
        language=language,
        text="",
        cards=[],
        existed=existing is not None,
        changed=True,
        pruned=prune,
    )
    old_cards = existing.cards if existing else []
    drafts = imported.drafts
    base = [base_id(d, deck) for d in drafts]
    pairs = _match(drafts, base, old_cards, plan)

    ids_in_use = set(taken or ()) | {c.id for c in old_cards}
    cards: list[dict[str, Any]] = []
    for i, d in enumerate(drafts):
        old = pairs.get(i)
        if old is None:
            cid = _unique(base[i], ids_in_use)
            ids_in_use.add(cid)
            cards.append(
                _ordered(
                    {
                        "id": cid,
                        "kind": d.kind,
                        "topic": d.topic or title,
                        "q": d.q,
                        "a": d.a,
                        "keywords": list(d.keywords),
                        "tags": list(d.tags),
                    }
                )
            )
            plan.added.append(cid)
            continue
        before = _ordered(_card_map(old, defaults))
        merged = dict(before)
        merged["kind"] = d.kind
        merged["topic"] = d.topic or old.topic
        merged["q"] = d.q
        if d.a:
            merged["a"] = d.a
        if not merged.get("keywords") and d.keywords:
            merged["keywords"] = list(d.keywords)
        tags = list(merged.get("tags") or [])
        tags += [t for t in d.tags if t not in tags]
        if tags:
            merged["tags"] = tags
        card = _ordered(merged)
        cards.append(card)
        (plan.unchanged if card == before else plan.updated).append(old.id)
    matched = {c.id for c in pairs.values()}
    for old in old_cards:
        if old.id in matched:
            continue
        plan.missing.append(old.id)
        if not prune:
            cards.append(_ordered(_card_map(old, defaults)))
    if not cards:
        raise PrepError(
            f"nothing to write: {imported.path} has no questions this importer can read"
        )
    plan.cards = cards
    plan.text = render(deck, title, language, defaults, cards)
    plan.changed = plan.text != old_text
    verify(plan.text, deck, title, language, defaults, cards, shown)
    return plan


def verify(
    text: str,
    deck: str,
    title: str,
    language: str,
    defaults: dict[str, Any] | None,
    cards: list[dict[str, Any]],
    shown: str,
) -> None:
    """Read the text back with the YAML parser: every value must come back as written.

    The C parser's event stream is checked against what was meant, scalar by
    scalar (a plain scalar must resolve to the same type), which proves the
    round trip at a fraction of the cost of building the objects.
    """
    import yaml

    from ..yamlsafe import decode

    want: list[tuple[str, Any]] = [("map", None)]

    def value(v: Any) -> None:
        if isinstance(v, list):
            want.append(("seq", None))
            want.extend(("s", str(x)) for x in v)
            want.append(("end", None))
        else:
            want.append(("s", v))

    for k, v in (("deck", deck), ("title", title), ("language", language)):
        want += [("s", k), ("s", v)]
    if defaults:
        want += [("s", "defaults"), ("map", None)]
        for k, v in defaults.items():
            want.append(("s", k))
            value(v)
        want.append(("end", None))
    want += [("s", "cards"), ("seq", None)]
    for card in cards:
        want.append(("map", None))
        for k, v in card.items():
            want.append(("s", k))
            value(v)
        want.append(("end", None))
    want += [("end", None), ("end", None)]

    def fail(why: str) -> None:
        raise PrepError(f"{shown}: the deck to write does not read back ({why}); nothing written")

    _, problems = decode(text.encode("utf-8"), shown)
    if problems:
        fail(problems[0].message)
    resolver = yaml.resolver.Resolver()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    got: list[tuple[str, Any]] = []
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            fail("an anchor or alias")
        if isinstance(event, yaml.MappingStartEvent):
            got.append(("map", None))
        elif isinstance(event, yaml.SequenceStartEvent):
            got.append(("seq", None))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            got.append(("end", None))
        elif isinstance(event, yaml.ScalarEvent):
            got.append(("s", (event.value, event.style, event.implicit)))
    if len(got) != len(want):
        fail("structure")
    str_tag = "tag:yaml.org,2002:str"
    for (kind, expected), (gkind, g) in zip(want, got, strict=True):
        if kind != gkind:
            fail("structure")
        if kind != "s":
            continue
        text_value, style, implicit = g
        if style == "|":
            text_value = text_value[:-1] if text_value.endswith("\n") else text_value
        if isinstance(expected, bool) or not isinstance(expected, (str, int)):
            fail(f"unexpected value {expected!r}")
        if isinstance(expected, int):
            ok = not style and str(expected) == text_value
        else:
            ok = text_value == expected and (
                bool(style) or resolver.resolve(yaml.ScalarNode, text_value, implicit) == str_tag
            )
        if not ok:
            fail(f"the value {str(expected)[:40]!r}")


def write(plan: Plan) -> None:
    """Atomically replace the deck file."""
    plan.path.parent.mkdir(parents=True, exist_ok=True)
    tmp = plan.path.with_name(f".{plan.path.name}.tmp")
    try:
        tmp.write_text(plan.text, encoding="utf-8")
        os.replace(tmp, plan.path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise PrepError(f"{plan.path}: cannot write: {exc.strerror}") from None
