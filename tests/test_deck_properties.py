"""Deck loading under generated input: text round-trips, broken files give located errors."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prep.decks import parse_deck

GOOD = """deck: props
title: 속성 테스트
cards:
  - id: one
    kind: technical
    topic: Python & FastAPI
    q: FastAPI에서 비동기 처리 시 주의할 점은?
    a: |
      - 블로킹 I/O를 피한다
    keywords: [이벤트 루프, run_in_threadpool]
    time: 2m
  - q: 두 번째 질문
    tags: [a, b]
"""

text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=200)


# PyYAML's emitter writes NEL, LS and PS raw when allow_unicode is on, and YAML
# reads them as line breaks; with escaping on, every string must come back.
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(q=text, a=text, kw=st.lists(text, max_size=4), readable=st.booleans())
def test_any_text_survives_a_yaml_round_trip(q, a, kw, readable):
    if readable and any(ch in s for s in (q, a, *kw) for ch in "\x85\u2028\u2029"):
        readable = False
    doc = {"deck": "d", "cards": [{"id": "c", "q": q, "a": a, "keywords": kw}]}
    raw = yaml.safe_dump(doc, allow_unicode=readable, sort_keys=False).encode("utf-8")
    deck, problems = parse_deck(raw, "decks/d.yaml")
    if not q.strip():
        assert [p.message for p in problems] == ["'q' is empty"]
        return
    assert problems == []
    card = deck.cards[0]
    assert card.q == q.strip()
    assert card.a == a.strip()
    assert card.keywords == kw


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_decks_give_located_errors_never_exceptions(data):
    raw = bytearray(GOOD.encode("utf-8"))
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["delete", "insert", "replace"]))
        pos = data.draw(st.integers(0, len(raw) - 1))
        junk = data.draw(
            st.sampled_from(
                [
                    b":",
                    b"-",
                    b" ",
                    b"\t",
                    b"\n",
                    b"[",
                    b"{",
                    b'"',
                    b"&a",
                    b"*a",
                    b"\xff",
                    b"\x00",
                    b"#",
                    b"q",
                ]
            )
        )
        if op == "delete":
            del raw[pos : pos + data.draw(st.integers(1, 20))]
        elif op == "insert":
            raw[pos:pos] = junk
        else:
            raw[pos : pos + len(junk)] = junk
    deck, problems = parse_deck(bytes(raw), "decks/p.yaml")
    for p in problems:
        assert p.path == "decks/p.yaml"
        assert p.line >= 1 and p.col >= 1
        assert str(p).startswith(f"decks/p.yaml:{p.line}:{p.col}: error: ")
    if not problems:
        assert deck is not None and deck.cards


@settings(max_examples=200)
@given(raw=st.binary(max_size=300))
def test_random_bytes_never_raise(raw):
    deck, problems = parse_deck(raw, "decks/r.yaml")
    assert problems or deck is not None
    assert all(p.line >= 1 for p in problems)
