"""A browser of cards with their state: what `prep cards` lists and filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .clock import iso
from .errors import PrepError
from .schedule import NEW, STATE_NAMES, CardState, Scheduler
from .store import CardRow, Filters, Store

LEECH_LAPSES = 8  # as `prep doctor` counts leeches (Anki's default threshold)


@dataclass
class Listed:
    card: CardRow
    state: CardState
    retrievability: float | None  # recall predicted now; None for a card never studied
    held: str | None  # 'suspended', 'buried' or None

    @property
    def state_name(self) -> str:
        return STATE_NAMES.get(self.state.state, str(self.state.state))

    def to_dict(self) -> dict[str, Any]:
        st = self.state
        return {
            "id": self.card.id,
            "deck": self.card.deck,
            "topic": self.card.topic,
            "kind": self.card.kind,
            "q": self.card.q,
            "state": self.state_name,
            "due": iso(st.due) if st.due and st.state != NEW else None,
            "stability_days": round(st.stability, 2) if st.stability is not None else None,
            "retrievability": (
                round(self.retrievability, 3) if self.retrievability is not None else None
            ),
            "reps": st.reps,
            "lapses": st.lapses,
            "last_review": iso(st.last_review) if st.last_review else None,
            "story": self.card.story,
            "held": self.held,
            "file": f"{self.card.path}:{self.card.line}" if self.card.path else None,
        }


@dataclass
class Query:
    text: str = ""
    decks: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    due: bool = False
    suspended: bool = False
    buried: bool = False
    leeches: bool = False
    new: bool = False


def matches(card: CardRow, text: str) -> bool:
    """Case-insensitive words, all of which must be in the id, question, topic or tags."""
    hay = " ".join([card.id, card.q, card.topic, card.deck, *card.tags]).casefold()
    return all(word in hay for word in text.casefold().split())


def browse(store: Store, scheduler: Scheduler, now: datetime, q: Query) -> list[Listed]:
    held = store.holds(now)
    where, args = Filters(q.decks, q.topics).sql(with_held=True)  # listed, marked as held
    from .store import CARD_COLS, _card

    rows = store.conn.execute(
        f"SELECT {CARD_COLS} FROM cards c WHERE {where} ORDER BY deck, position", args
    ).fetchall()
    states = store.states()
    out = []
    for row in rows:
        card = _card(row)
        if q.text and not matches(card, q.text):
            continue
        st = states.get(card.id, CardState(card.id))
        hold = held.get(card.id)
        if q.suspended and hold != "suspended":
            continue
        if q.buried and hold != "buried":
            continue
        if q.due and not (st.state != NEW and st.due is not None and st.due <= now):
            continue
        if q.leeches and st.lapses < LEECH_LAPSES:
            continue
        if q.new and st.state != NEW:
            continue
        r = scheduler.retrievability(st, now) if st.state != NEW else None
        out.append(Listed(card, st, r, hold))
    return out


def set_suspended(store: Store, ids: list[str], now: datetime, on: bool) -> list[str]:
    """Suspend or unsuspend cards by id (an old id of a renamed card works); the ids changed."""
    known = []
    for card_id in ids:
        real = store.resolve_id(card_id)
        card = store.card(real)
        if card is None:
            raise PrepError(f"no card '{card_id}' (prep cards lists them)")
        known.append(real)
    return store.suspend(known, now, on=on)
