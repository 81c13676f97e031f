"""Re-parsing only the edited cards gives exactly what a full parse gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from prep.decks import Reuse, parse_deck, split_chunks


def _deck(n: int) -> str:
    lines = ["deck: inc", "title: 증분", "defaults:", "  kind: concept", "cards:"]
    for i in range(n):
        lines += [
            f"  - id: c{i}",
            f"    q: 질문 {i}",
            "    a: |",
            f"      - 답 {i}",
            "    tags: [t]",
            "",
        ]
    return "\n".join(lines) + "\n"


def _reuse(text: str) -> Reuse:
    deck, problems = parse_deck(text.encode(), "decks/inc.yaml")
    assert not problems and deck.header
    return Reuse(header=deck.header, chunks={c.chunk: (c, c.chunk_line) for c in deck.cards})


EDITS = [
    ("    q: 질문 {i}", "    q: 바뀐 질문 {i}"),
    ("  - id: c{i}\n", "  - id: c{i}\n    time: 90s\n"),
    ("  - id: c{i}\n", "  - id: new{i}\n"),
    ("  - id: c{i}\n", "  - id: c0\n"),  # a duplicate id
    ("    q: 질문 {i}", "    q: [broken"),  # a syntax error inside one card
    ("    q: 질문 {i}", "    kind: technicl\n    q: 질문 {i}"),
    ("  - id: c{i}\n    q: 질문 {i}\n    a: |\n      - 답 {i}\n    tags: [t]\n\n", ""),  # deletion
    ("  - id: c{i}\n", "  - id: added{i}\n    q: 추가\n  - id: c{i}\n"),  # insertion shifts lines
]


@settings(max_examples=120, deadline=None)
@given(n=st.integers(2, 12), data=st.data())
def test_incremental_equals_full(n, data):
    text = _deck(n)
    reuse = _reuse(text)
    edited = text
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(1, n - 1))
        old, new = data.draw(st.sampled_from(EDITS))
        edited = edited.replace(old.format(i=i), new.format(i=i), 1)
    full, full_problems = parse_deck(edited.encode(), "decks/inc.yaml")
    inc, inc_problems = parse_deck(edited.encode(), "decks/inc.yaml", reuse)
    assert [str(p) for p in inc_problems] == [str(p) for p in full_problems]
    if full is not None and inc is not None:
        assert inc.cards == full.cards


def test_unchanged_cards_are_not_parsed_again(monkeypatch):
    text = _deck(50)
    reuse = _reuse(text)
    edited = text.replace("    q: 질문 7\n", "    q: 질문 7 (고침)\n")
    import prep.decks as decks

    calls = []
    real = decks.load
    monkeypatch.setattr(decks, "load", lambda raw, path: calls.append(raw) or real(raw, path))
    deck, problems = parse_deck(edited.encode(), "decks/inc.yaml", reuse)
    assert not problems
    assert len(calls) == 2  # the header, and the one edited card
    assert next(c for c in deck.cards if c.id == "c7").q == "질문 7 (고침)"


def test_header_change_means_full_parse():
    text = _deck(3)
    reuse = _reuse(text)
    edited = text.replace("  kind: concept", "  kind: ask")
    deck, _ = parse_deck(edited.encode(), "decks/inc.yaml", reuse)
    assert {c.kind for c in deck.cards} == {"ask"}


def test_shapes_that_cannot_be_split_fall_back():
    assert split_chunks("deck: a\ncards:\n- q: x\nafter: 1\n") is None
    assert split_chunks("cards: [a]\n") is None
    assert split_chunks("cards:\n  - q: x\n - q: y\n") is None
    assert split_chunks("cards:\n  - q: x\n\n  # note\n  - q: y\n") == (
        "cards:",
        [(2, "  - q: x\n\n  # note"), (5, "  - q: y")],
    )
