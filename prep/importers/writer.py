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
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..decks import CARD_KEYS, ID_RE, MAX_ITEMS, Card, Deck, normalize, parse_deck
from ..errors import DeckError, PrepError
from ..words import slug
from .model import Draft, Imported

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
    if _SPECIAL.match(text):
        return False  # would read back as null or a boolean
    if text[0] in "+-.0123456789":
        return _reads_as_text(text)  # "2m" is text, "2.5" or "2024-01-01" is not
    return True


@lru_cache(maxsize=1)
def _resolver() -> Any:
    import yaml

    return yaml.resolver.Resolver()


def _reads_as_text(text: str) -> bool:
    import yaml

    tag = _resolver().resolve(yaml.ScalarNode, text, (True, False))
    return bool(tag == "tag:yaml.org,2002:str")


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


def render_header(deck: str, title: str, language: str, defaults: dict[str, Any] | None) -> str:
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
    return "\n".join(out)


def render_card(card: dict[str, Any]) -> str:
    lines = []
    for n, (k, v) in enumerate(card.items()):
        lines.append(("  - " if n == 0 else "    ") + f"{k}: {_value(v, 6, k == 'a')}")
    return "\n".join(lines)


def assemble(header: str, items: list[str], preamble: str = "") -> str:
    head = header + ("\n" + preamble if preamble else "")
    return head + "\n" + "\n\n".join(items) + "\n"


def render(
    deck: str,
    title: str,
    language: str,
    defaults: dict[str, Any] | None,
    cards: list[dict[str, Any]],
) -> str:
    """A whole deck file from card mappings."""
    return assemble(render_header(deck, title, language, defaults), [render_card(c) for c in cards])


def _split_tail(chunk: str) -> tuple[str, str]:
    """A card's text and the comment lines after it (at most two spaces in)."""
    lines = chunk.split("\n")
    k = len(lines)
    while k > 1:
        line = lines[k - 1]
        stripped = line.lstrip(" ")
        if stripped and not (stripped.startswith("#") and len(line) - len(stripped) <= 2):
            break
        k -= 1
    return "\n".join(lines[:k]), "\n".join(lines[k:]).strip("\n")


def _chunks(text: str, count: int) -> tuple[str, str, list[tuple[str, str]]] | None:
    """An existing deck as (header, comments after the last card, per card (comments
    before it, its text)).

    Comment lines between two cards (`# 2. AWS & IaC`) belong to the card that
    follows, and stay with it when it is rewritten or when a card is inserted.
    None when the file is not laid out as this writer lays it out (cards at an
    indent of two), so it is written afresh.
    """
    from ..decks import split_chunks

    split = split_chunks(text)
    if split is None or len(split[1]) != count or not split[1]:
        return None
    header, chunks = split
    if not all(t.startswith("  - ") or t == "  -" for _, t in chunks):
        return None
    rest = text[len(header) + 1 :]
    at = rest.find(chunks[0][1])
    lead = rest[:at].strip("\n") if at > 0 else ""
    out = []
    for _, t in chunks:
        body, tail = _split_tail(t)
        out.append((lead, body))
        lead = tail
    return header, lead, out


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
    # Edited questions usually stay in their section: pair within a topic
    # first, then whatever is left across topics.
    by_topic: dict[str, tuple[list[int], list[Card]]] = {}
    for i in left_d:
        by_topic.setdefault(drafts[i].topic, ([], []))[0].append(i)
    for c in left_c:
        if c.topic in by_topic:
            by_topic[c.topic][1].append(c)
    for ds, cs in by_topic.values():
        if ds and cs and len(ds) * len(cs) <= FUZZY_LIMIT:
            _pair_similar(drafts, ds, cs, pairs, used, plan)
    left_d = [i for i in left_d if i not in pairs]
    left_c = [c for c in left_c if c.id not in used]
    if not left_d or not left_c:
        return pairs
    if len(left_d) * len(left_c) > FUZZY_LIMIT:
        plan.notes.append(
            f"too many changed questions ({len(left_d)} new x {len(left_c)} gone) to look for "
            "edited ones; only ids and identical questions were matched"
        )
        return pairs
    _pair_similar(drafts, left_d, left_c, pairs, used, plan)
    return pairs


def _pair_similar(
    drafts: list[Draft],
    left_d: list[int],
    left_c: list[Card],
    pairs: dict[int, Card],
    used: set[str],
    plan: Plan,
) -> None:
    """Pair drafts with gone cards whose question is similar enough, best pairs first."""
    scored: list[tuple[float, int, int]] = []
    norm_d = {i: normalize(drafts[i].q) for i in left_d}
    sm = difflib.SequenceMatcher(None, autojunk=False)
    for j, c in enumerate(left_c):
        # The b side is indexed once per card; each draft only sets the a side.
        sm.set_seq2(normalize(c.q))
        for i in left_d:
            sm.set_seq1(norm_d[i])
            if sm.real_quick_ratio() < SIMILARITY or sm.quick_ratio() < SIMILARITY:
                continue
            r = sm.ratio()
            if r >= SIMILARITY:
                scored.append((r, i, j))
    scored.sort(key=lambda t: (-t[0], t[1], t[2]))
    for _, i, j in scored:
        c = left_c[j]
        if i in pairs or c.id in used:
            continue
        pairs[i] = c
        used.add(c.id)
        plan.matched_by_text.append((c.id, c.q, drafts[i].q))


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
        from ..yamlsafe import read

        raw, problem = read(out, shown)
        if raw is None:
            assert problem is not None
            raise DeckError([problem])
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
    # The deck keeps its order: matched cards are updated in place, cards gone
    # from the source stay where they were, and a new card goes right after the
    # card that comes before it in the source.
    index_of = {c.id: k for k, c in enumerate(old_cards)}
    before_card: dict[int, list[dict[str, Any]]] = {}
    after_card: dict[int, list[dict[str, Any]]] = {}
    updated: dict[int, dict[str, Any]] = {}
    waiting: list[dict[str, Any]] = []
    last: int | None = None
    for i, d in enumerate(drafts):
        old = pairs.get(i)
        if old is None:
            cid = _unique(base[i], ids_in_use)
            ids_in_use.add(cid)
            card = _ordered(
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
            plan.added.append(cid)
            if last is None:
                waiting.append(card)
            else:
                after_card.setdefault(last, []).append(card)
            continue
        k = index_of[old.id]
        if waiting:
            before_card.setdefault(k, []).extend(waiting)
            waiting = []
        last = k
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
            merged["tags"] = tags[:MAX_ITEMS]
        card = _ordered(merged)
        updated[k] = card
        (plan.unchanged if card == before else plan.updated).append(old.id)
    layout = _chunks(old_text, len(old_cards)) if old_text is not None else None
    keep_header = layout is not None and deck == (existing.id if existing else None)
    cards: list[dict[str, Any]] = []
    items: list[str] = []
    checks: list[dict[str, Any] | None] = []  # None: the card's own text, kept as it was

    carry: list[str] = []  # comments of a dropped card, for the card that follows

    def put(card: dict[str, Any], text: str | None = None) -> None:
        body = text if text is not None else render_card(card)
        items.append("\n".join([*carry, body]))
        carry.clear()
        cards.append(card)
        checks.append(None if text is not None else card)

    unchanged = set(plan.unchanged)
    for k, old in enumerate(old_cards):
        lead, own = layout[2][k] if layout else ("", None)
        if lead:
            carry.append(lead)
        for card in before_card.get(k, []):
            put(card)
        if k in updated:
            put(updated[k], own if old.id in unchanged else None)
        else:
            plan.missing.append(old.id)
            if not prune:
                put(_ordered(_card_map(old, defaults)), own)
        for card in after_card.get(k, []):
            put(card)
    for card in waiting:
        put(card)
    trailer = layout[1] if layout else ""
    carry += [trailer] if trailer else []
    if carry and items:
        items[-1] += "\n" + "\n".join(carry)
    if not cards:
        raise PrepError(
            f"nothing to write: {imported.path} has no questions this importer can read"
        )
    plan.cards = cards
    header = layout[0] if layout and keep_header else render_header(deck, title, language, defaults)
    plan.text = assemble(header, items)
    plan.changed = plan.text != old_text
    if plan.changed:
        head = (
            None
            if keep_header
            else {
                "deck": deck,
                "title": title,
                "language": language,
                "defaults": defaults,
            }
        )
        _check(plan.text, head, checks, existing if keep_header else None, shown)
    return plan


def _check(
    text: str,
    header: dict[str, Any] | None,
    checks: list[dict[str, Any] | None],
    existing: Deck | None,
    shown: str,
) -> None:
    """Prove the text to write reads back, at a cost that follows what changed.

    Cards written afresh are read back value by value. When cards were copied
    from the existing file, the whole text is also read by the deck parser the
    way `prep deck check` reads it, reusing the cards whose lines it already
    knows, so a re-import that touches three cards of five thousand parses three.
    """
    fresh = [c for c in checks if c is not None]
    if len(fresh) == len(checks):
        verify(text, header, checks, shown)
        return
    if fresh:
        mini_head = header or {"deck": "d", "title": "t", "language": "en"}
        mini = render(
            mini_head["deck"],
            mini_head["title"],
            mini_head["language"],
            mini_head.get("defaults"),
            fresh,
        )
        verify(mini, mini_head, list(fresh), shown)
    # The copied cards were read by the deck parser when this file was loaded,
    # and each sits whole at the top of its list item: what is left to prove is
    # that the document still has one card mapping per item, in one list.
    from ..yamlsafe import decode

    _, problems = decode(text.encode("utf-8"), shown)
    count = _card_count(text) if not problems else -1
    if count != len(checks):
        why = problems[0].message if problems else "the list of cards"
        raise PrepError(f"{shown}: the deck to write does not read back ({why}); nothing written")


def _card_count(text: str) -> int:
    """Mappings directly in the top-level `cards` list, from parser events; -1 if odd."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    depth = 0
    count = 0
    key: str | None = None
    in_cards = False
    expect_key = False
    try:
        for event in yaml.parse(text, Loader=loader):
            kind = type(event)
            if kind is yaml.AliasEvent or getattr(event, "anchor", None):
                return -1
            if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                if depth == 1 and kind is yaml.SequenceStartEvent and key == "cards":
                    in_cards = True
                elif depth == 2 and in_cards:
                    if kind is not yaml.MappingStartEvent:
                        return -1
                    count += 1
                depth += 1
                expect_key = kind is yaml.MappingStartEvent and depth == 1
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                depth -= 1
                if depth == 1:
                    in_cards = False
                    expect_key = True
            elif kind is yaml.ScalarEvent and depth == 1:
                if expect_key:
                    key = event.value  # type: ignore[attr-defined]
                expect_key = not expect_key
            elif kind is yaml.ScalarEvent and depth == 2 and in_cards:
                return -1
    except yaml.YAMLError:
        return -1
    return count


def _events_tree(text: str) -> Any:
    """The YAML document as nested lists from the C parser's events, values unresolved.

    Mappings become ("map", [(key, node)]), sequences ("seq", [node]) and
    scalars ("s", value, style, implicit). Cheap: no Python objects per value
    beyond these tuples, no type resolution.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    kinds = {
        yaml.MappingStartEvent: "map",
        yaml.SequenceStartEvent: "seq",
        yaml.MappingEndEvent: "end",
        yaml.SequenceEndEvent: "end",
        yaml.ScalarEvent: "s",
        yaml.AliasEvent: "alias",
    }
    stack: list[tuple[str, list[Any]]] = []
    root: Any = None
    for event in yaml.parse(text, Loader=loader):
        kind = kinds.get(type(event))
        if kind is None:
            continue
        if kind == "alias" or getattr(event, "anchor", None):
            raise ValueError("an anchor or alias")
        node: Any
        if kind == "s":
            node = ("s", event.value, event.style, event.implicit)  # type: ignore[attr-defined]
        elif kind != "end":
            stack.append((kind, []))
            continue
        else:
            opened, body = stack.pop()
            if opened == "map":
                if len(body) % 2:
                    raise ValueError("a mapping without a value")
                node = ("map", list(zip(body[::2], body[1::2], strict=True)))
            else:
                node = ("seq", body)
        if stack:
            stack[-1][1].append(node)
        else:
            root = node
    return root


def verify(
    text: str,
    header: dict[str, Any] | None,
    cards: list[dict[str, Any] | None],
    shown: str,
) -> None:
    """Read the text back with the YAML parser before it is written.

    The document must be a mapping whose `cards` is a list of exactly these
    cards; every card written afresh must come back value for value (a plain
    scalar must resolve to text, a number to that number). Cards passed as
    None were copied from the existing file, which the deck parser accepted:
    only their place in the structure is checked. `header` None likewise
    means the header was kept as it was.
    """
    from ..yamlsafe import decode

    def fail(why: str) -> None:
        raise PrepError(f"{shown}: the deck to write does not read back ({why}); nothing written")

    _, problems = decode(text.encode("utf-8"), shown)
    if problems:
        fail(problems[0].message)
    try:
        root = _events_tree(text)
    except Exception as exc:  # a YAML error here is a bug in this writer
        fail(str(exc).split("\n")[0])
        return
    if not root or root[0] != "map":
        fail("not a mapping")
    top = {k[1]: v for k, v in root[1] if k[0] == "s"}
    if header is not None:
        want = ["deck", "title", "language"] + (["defaults"] if header.get("defaults") else [])
        if [k[1] for k, _ in root[1]] != want + ["cards"]:
            fail("header keys")
        for key in ("deck", "title", "language"):
            _same(top[key], header[key], fail)
        if header.get("defaults"):
            _same(top["defaults"], header["defaults"], fail)
    seq = top.get("cards")
    if seq is None or seq[0] != "seq" or len(seq[1]) != len(cards):
        fail("the list of cards")
        return
    for node, card in zip(seq[1], cards, strict=True):
        if node[0] != "map":
            fail("a card is not a mapping")
        if card is not None:
            _same(node, card, fail)


def _same(node: Any, want: Any, fail: Any) -> None:
    import yaml

    if isinstance(want, dict):
        if node[0] != "map" or [k[1] for k, _ in node[1]] != list(want):
            fail(f"keys {list(want)}")
        for (_, value), expected in zip(node[1], want.values(), strict=True):
            _same(value, expected, fail)
        return
    if isinstance(want, list):
        if node[0] != "seq" or len(node[1]) != len(want):
            fail(f"the list {want!r:.40}")
        for value, expected in zip(node[1], want, strict=True):
            _same(value, str(expected), fail)
        return
    if node[0] != "s":
        fail(f"the value {want!r:.40}")
    _, value, style, implicit = node
    if style == "|" and value.endswith("\n"):
        value = value[:-1]
    if isinstance(want, bool) or not isinstance(want, (str, int)):
        fail(f"unexpected value {want!r:.40}")
    if isinstance(want, int):
        ok = not style and value == str(want)
    else:
        ok = value == want and (
            bool(style)
            or _resolver().resolve(yaml.ScalarNode, value, implicit) == "tag:yaml.org,2002:str"
        )
    if not ok:
        fail(f"the value {str(want)[:40]!r}")


def write(plan: Plan) -> None:
    """Atomically replace the deck file."""
    from ..safefile import write_file

    write_file(plan.path, plan.text)


# -- the workspace's other decks -------------------------------------------------

_ANY_ID = re.compile(
    r"""(?:^|[\s{,\-])["']?id["']?[ \t]*:\s*["']?([A-Za-z0-9][A-Za-z0-9._-]{0,79})""", re.M
)
_DECK_KEY = re.compile(
    r"""^["']?deck["']?[ \t]*:[ \t]*["']?([A-Za-z0-9][A-Za-z0-9._-]{0,79})""", re.M
)


def ids_in_decks(files: list[Path]) -> tuple[set[str], dict[str, Path]]:
    """Card ids and deck ids in deck files, read by a scan rather than a full parse.

    Every `id:` the text holds is taken, wherever it sits (block or flow style,
    quoted or not): more ids than the cards have at worst, which only makes a new
    card's id longer, never one that collides. A file the scan finds no deck id
    in is parsed in full. Importing next to a 3,000-card deck costs a scan, not a
    YAML parse of it.
    """
    from ..decks import parse_deck

    ids: set[str] = set()
    decks: dict[str, Path] = {}
    from ..safefile import TooLarge, read_capped
    from ..yamlsafe import MAX_BYTES

    for f in files:
        try:
            raw = read_capped(f, MAX_BYTES)
        except (OSError, TooLarge):
            continue  # sync and deck check name it
        text = raw.decode("utf-8", "replace")
        m = _DECK_KEY.search(text)
        if m is None:
            deck, _ = parse_deck(raw, str(f))
            if deck is not None:
                ids.update(c.id for c in deck.cards)
                decks[deck.id] = f
            continue
        decks[m.group(1)] = f
        ids.update(x.group(1) for x in _ANY_ID.finditer(text))
    return ids, decks
