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


def _yaml_printable(ch: str) -> bool:
    o = ord(ch)
    if o in (0x85, 0x2028, 0x2029, 0xFEFF):
        return False  # line breaks or a BOM to a YAML reader
    return (
        o in (0x9, 0xA)
        or 0x20 <= o <= 0x7E
        or 0xA0 <= o <= 0xD7FF
        or 0xE000 <= o <= 0xFFFD
        or 0x10000 <= o <= 0x10FFFF
    )


def _needs_escape(text: str) -> bool:
    return not all(_yaml_printable(ch) for ch in text)


def _double_quoted(text: str) -> str:
    body = json.dumps(text, ensure_ascii=False)
    if not _needs_escape(body):
        return body
    return "".join(ch if _yaml_printable(ch) and ch != "\t" else f"\\u{ord(ch):04x}" for ch in body)


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


def scalar(text: str, indent: int) -> str:
    if "\n" in text and _literal_ok(text):
        pad = " " * indent
        return "|\n" + "\n".join(pad + line if line else "" for line in text.split("\n"))
    if _plain_ok(text, flow=False):
        return text
    return _double_quoted(text)


def _flow_list(values: list[str]) -> str:
    return (
        "[" + ", ".join(v if _plain_ok(v, flow=True) else _double_quoted(v) for v in values) + "]"
    )


def _value(value: Any, indent: int) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return _flow_list([str(v) for v in value])
    return scalar(str(value), indent)


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
            out.append(("  - " if first else "    ") + f"{k}: {_value(v, 6)}")
            first = False
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


# -- merge ---------------------------------------------------------------------


def _raw_cards(raw: bytes, path: str) -> tuple[list[Any], dict[str, Any] | None]:
    from ..yamlsafe import load

    data = load(raw, path).data
    cards = list(data.get("cards") or []) if isinstance(data, dict) else []
    defaults = data.get("defaults") if isinstance(data, dict) else None
    return cards, dict(defaults) if isinstance(defaults, dict) else None


def _ordered(card: dict[str, Any]) -> dict[str, Any]:
    return {k: card[k] for k in CARD_KEYS if k in card and card[k] not in (None, "", [])}


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
    raw_cards: list[Any] = []
    defaults: dict[str, Any] | None = None
    old_text = None
    if out.exists():
        if not out.is_file():
            raise PrepError(f"{shown}: is not a file")
        raw = out.read_bytes()
        old_text = raw.decode("utf-8", "replace")
        existing, problems = parse_deck(raw, shown)
        if problems:
            raise DeckError(problems)
        raw_cards, defaults = _raw_cards(raw, shown)
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
        raw_old = raw_cards[old.position] if old.position < len(raw_cards) else {}
        merged = dict(raw_old)
        merged["id"] = old.id
        merged["kind"] = d.kind
        merged["topic"] = d.topic or old.topic
        merged["q"] = d.q
        if d.a:
            merged["a"] = d.a
        if not merged.get("keywords") and d.keywords:
            merged["keywords"] = list(d.keywords)
        tags = list(old.tags)
        tags += [t for t in d.tags if t not in tags]
        if tags:
            merged["tags"] = tags
        card = _ordered(merged)
        cards.append(card)
        before = _ordered({**raw_old, "id": old.id})
        (plan.unchanged if _same(before, card, old) else plan.updated).append(old.id)
    matched = {c.id for c in pairs.values()}
    for old in old_cards:
        if old.id in matched:
            continue
        plan.missing.append(old.id)
        if not prune:
            raw_old = raw_cards[old.position] if old.position < len(raw_cards) else {}
            cards.append(_ordered({**raw_old, "id": old.id}))
    if not cards:
        raise PrepError(
            f"nothing to write: {imported.path} has no questions this importer can read"
        )
    plan.cards = cards
    plan.text = render(deck, title, language, defaults, cards)
    plan.changed = plan.text != old_text
    _verify(plan, shown)
    return plan


def _same(before: dict[str, Any], after: dict[str, Any], old: Card) -> bool:
    def norm(card: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for k, v in card.items():
            out[k] = v.strip() if isinstance(v, str) else v
        out.setdefault("kind", old.kind)
        out.setdefault("topic", old.topic)
        return out

    return norm(before) == norm(after)


def _verify(plan: Plan, shown: str) -> None:
    """Read the text back as a deck: what we write must be exactly what we meant."""
    deck, problems = parse_deck(plan.text.encode("utf-8"), shown)
    if problems or deck is None:
        raise PrepError(
            f"{shown}: the deck to write does not read back ({problems[0] if problems else 'empty'}); "
            "nothing written"
        )
    for card, want in zip(deck.cards, plan.cards, strict=True):
        for key, attr in (
            ("id", "id"),
            ("q", "q"),
            ("a", "a"),
            ("topic", "topic"),
            ("kind", "kind"),
        ):
            if key in want and getattr(card, attr) != str(want[key]).strip():
                raise PrepError(
                    f"{shown}: card '{want['id']}' would not read back the same ({key}); nothing written"
                )


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
