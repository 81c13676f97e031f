"""Decks are re-read only when they change, and history follows cards across edits."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import T0

from prep.clock import FakeClock
from prep.schedule import Scheduler
from prep.store import Store
from prep.sync import sync
from prep.workspace import find


def _open(root: Path) -> tuple:
    ws = find(str(root))
    return ws, Store(ws.db_path)


def _deck(root: Path, body: str, name: str = "a.yaml") -> None:
    path = root / "decks" / name
    path.write_text(body, encoding="utf-8")
    st = path.stat()  # make the change visible even within one mtime tick
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


def _grade(store: Store, card_id: str, rating: int = 3) -> None:
    store.grade(Scheduler(fuzz=False), card_id, rating, T0)


def test_unchanged_decks_are_not_parsed(ws):
    w, store = _open(ws)
    first = sync(store, w, FakeClock(T0))
    assert len(first.parsed) == 3
    again = sync(store, w, FakeClock(T0))
    assert again.parsed == [] and again.added == 0
    (ws / "decks" / "ask.yaml").touch()
    os.utime(ws / "decks" / "ask.yaml", ns=(1, 2))
    touched = sync(store, w, FakeClock(T0))
    assert touched.parsed == []  # same bytes: hash matches, nothing parsed


def test_edit_with_explicit_id_keeps_history(empty_ws):
    _deck(empty_ws, "deck: a\ncards:\n  - id: k\n    q: old wording\n")
    w, store = _open(empty_ws)
    sync(store, w)
    _grade(store, "k")
    _deck(empty_ws, "deck: a\ncards:\n  - id: k\n    q: brand new wording\n")
    report = sync(store, w)
    assert report.parsed == ["decks/a.yaml"]
    assert store.card("k").q == "brand new wording"
    assert len(store.reviews_of("k")) == 1


def test_edit_without_id_is_detected_as_rename(empty_ws):
    _deck(empty_ws, "deck: a\ncards:\n  - q: PostgreSQL 격리 수준 네 가지는?\n  - q: unrelated\n")
    w, store = _open(empty_ws)
    sync(store, w)
    old_id = store.new_ids()[0]
    assert store.card(old_id).q == "PostgreSQL 격리 수준 네 가지는?"
    _grade(store, old_id)
    before = store.state(old_id)
    _deck(
        empty_ws,
        "deck: a\ncards:\n  - q: PostgreSQL 트랜잭션 격리 수준 네 가지는?\n  - q: unrelated\n",
    )
    report = sync(store, w)
    new_id = next(c.id for c in store.cards() if "트랜잭션" in c.q)
    assert new_id != old_id
    assert len(report.messages) == 1 and f"card '{old_id}' is now '{new_id}'" in report.messages[0]
    assert "1 review kept" in report.messages[0]
    assert [r.card_id for r in store.reviews_of(new_id)] == [new_id]
    assert store.state(new_id).stability == before.stability
    assert store.card(old_id) is None


def test_deleting_the_id_line_keeps_the_history(empty_ws):
    _deck(empty_ws, "deck: a\ncards:\n  - id: k\n    q: GIL이란?\n  - id: j\n    q: other\n")
    w, store = _open(empty_ws)
    sync(store, w)
    _grade(store, "k")
    _deck(empty_ws, "deck: a\ncards:\n  - q: GIL이란?\n  - id: j\n    q: other\n")
    report = sync(store, w)
    (new,) = [c for c in store.cards() if c.q == "GIL이란?"]
    assert new.id != "k" and store.card("k") is None
    assert [r.card_id for r in store.reviews_of(new.id)] == [new.id]
    assert report.orphaned == 0
    assert "its id line was removed; card 'k' is now" in report.messages[0]


def test_unrelated_new_question_is_not_a_rename(empty_ws):
    _deck(empty_ws, "deck: a\ncards:\n  - q: Redis Pub/Sub의 전달 보장은?\n")
    w, store = _open(empty_ws)
    sync(store, w)
    old_id = store.new_ids()[0]
    _grade(store, old_id)
    _deck(empty_ws, "deck: a\ncards:\n  - q: Kubernetes readiness probe는 언제 쓰나요?\n")
    report = sync(store, w)
    assert not any("is now" in m for m in report.messages)
    assert store.card(old_id).active is False  # an orphan with its history
    assert len(store.reviews_of(old_id)) == 1


def test_removed_card_comes_back_with_history(empty_ws):
    body = "deck: a\ncards:\n  - id: keep\n    q: one\n  - id: gone\n    q: two\n"
    _deck(empty_ws, body)
    w, store = _open(empty_ws)
    sync(store, w)
    _grade(store, "gone", 4)
    state = store.state("gone")
    _deck(empty_ws, "deck: a\ncards:\n  - id: keep\n    q: one\n")
    report = sync(store, w)
    assert report.orphaned == 1
    assert [c.id for c in store.cards()] == ["keep"]
    assert store.due_ids(T0.replace(year=2030)) == []  # orphans are not drilled
    _deck(empty_ws, body)
    report = sync(store, w)
    assert report.restored == 1
    assert store.state("gone") == state
    assert {c.id for c in store.cards()} == {"keep", "gone"}


def test_card_moving_between_decks_keeps_history(empty_ws):
    _deck(empty_ws, "deck: a\ncards:\n  - id: m\n    q: moving\n  - id: x\n    q: stays\n")
    w, store = _open(empty_ws)
    sync(store, w)
    _grade(store, "m")
    _deck(empty_ws, "deck: a\ncards:\n  - id: x\n    q: stays\n")
    _deck(empty_ws, "deck: b\ncards:\n  - id: m\n    q: moving\n", "b.yaml")
    sync(store, w)
    card = store.card("m")
    assert card.deck == "b" and card.active
    assert len(store.reviews_of("m")) == 1


def test_profile_settings_are_cached_in_the_database(empty_ws):
    w, store = _open(empty_ws)
    sync(store, w)
    assert store.get_meta("settings")["new_per_day"] == 5
    (empty_ws / "prep.yaml").write_text("settings: {new_per_day: 7}\n", encoding="utf-8")
    os.utime(empty_ws / "prep.yaml", ns=(1, 3))
    sync(store, w)
    assert store.get_meta("settings")["new_per_day"] == 7
