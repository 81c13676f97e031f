"""FSRS scheduling over the review log.

Card state is a cache of the log: `replay` folds a card's reviews through
FSRS and must give exactly what the incremental `apply` gave. That is why
fuzz is not drawn from `random()` here (as py-fsrs does) but from the
review's UUID: same log, same due dates, on any machine.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from .clock import UTC

RATINGS = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
RATING_WORDS = {"again": 1, "hard": 2, "good": 3, "easy": 4}
NEW, LEARNING, REVIEW, RELEARNING = 0, 1, 2, 3
STATE_NAMES = {NEW: "new", LEARNING: "learning", REVIEW: "review", RELEARNING: "relearning"}
# Sources whose reviews do not move the schedule (studying ahead, see drill --cram).
NON_SCHEDULING = ("cram",)

_FUZZ_RANGES = ((2.5, 7.0, 0.15), (7.0, 20.0, 0.1), (20.0, math.inf, 0.05))


@dataclass
class CardState:
    card_id: str
    state: int = NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0
    first_review: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Review:
    uuid: str
    card_id: str
    rating: int
    at: datetime
    duration_ms: int = 0
    source: str = "drill"


class Scheduler:
    """FSRS-6 with deterministic fuzz. `fuzz=False` in tests."""

    def __init__(
        self,
        desired_retention: float = 0.9,
        fuzz: bool = True,
        maximum_interval: int = 36500,
        *,
        day_start: tuple[tzinfo, int] | None = None,
    ):
        """`day_start` = (local time zone, hour a study day begins).

        The fsrs package counts elapsed days in whole 24-hour periods, so a
        card drilled each morning a little earlier than the day before would
        never count as a day old. With `day_start`, elapsed days are counted
        by study day, as Anki does.
        """
        self.desired_retention = desired_retention
        self.fuzz = fuzz
        self.maximum_interval = maximum_interval
        self.day_start = day_start

    # fsrs is imported on first use, so a drill can show its first question sooner.
    @property
    def _fsrs(self) -> Any:
        import fsrs

        return fsrs

    @functools.cached_property
    def _s(self) -> Any:
        return self._fsrs.Scheduler(
            desired_retention=self.desired_retention,
            enable_fuzzing=False,
            maximum_interval=self.maximum_interval,
        )

    def _study_day(self, at: datetime) -> date:
        assert self.day_start is not None
        tz, hour = self.day_start
        return (at.astimezone(tz) - timedelta(hours=hour)).date()

    def _to_fsrs(self, st: CardState, at: datetime | None = None) -> Any:
        f = self._fsrs
        last = st.last_review
        if at is not None and last is not None and self.day_start is not None:
            days = (self._study_day(at) - self._study_day(last)).days
            if days >= 1:  # the fsrs package reads whole days from this difference
                last = at - timedelta(days=days)
        if st.state == NEW:
            return f.Card(card_id=0)
        return f.Card(
            card_id=0,
            state=f.State(st.state),
            step=st.step,
            stability=st.stability,
            difficulty=st.difficulty,
            due=st.due,
            last_review=last,
        )

    def _fuzzed(self, interval: timedelta, seed: str) -> timedelta:
        days = interval.days
        if days < 2.5:
            return interval
        delta = 1.0
        for start, end, factor in _FUZZ_RANGES:
            delta += factor * max(min(float(days), end) - start, 0.0)
        lo = max(2, round(days - delta))
        hi = min(round(days + delta), self.maximum_interval)
        lo = min(lo, hi)
        pick = random.Random(seed).random() * (hi - lo + 1) + lo
        return timedelta(days=min(round(pick), self.maximum_interval))

    def apply(self, st: CardState, review: Review, *, fuzz: bool | None = None) -> CardState:
        """The state after one review. Reviews from non-scheduling sources change nothing."""
        if review.source in NON_SCHEDULING:
            return st
        at = review.at.astimezone(UTC)
        card, _ = self._s.review_card(self._to_fsrs(st, at), self._fsrs.Rating(review.rating), at)
        due = card.due
        if (self.fuzz if fuzz is None else fuzz) and card.state == self._fsrs.State.Review:
            due = at + self._fuzzed(due - at, review.uuid)
        lapses = st.lapses + (1 if st.state == REVIEW and review.rating == 1 else 0)
        return CardState(
            card_id=st.card_id,
            state=int(card.state),
            step=card.step,
            stability=card.stability,
            difficulty=card.difficulty,
            due=due,
            last_review=at,
            reps=st.reps + 1,
            lapses=lapses,
            first_review=st.first_review or at,
        )

    def replay(self, card_id: str, reviews: Iterable[Review]) -> CardState:
        st = CardState(card_id=card_id)
        for r in sorted(reviews, key=lambda r: (r.at, r.uuid)):
            st = self.apply(st, r)
        return st

    def preview(self, st: CardState, at: datetime, uuid: str | None = None) -> dict[int, timedelta]:
        """Interval each rating would give now, for the buttons.

        Fuzz comes from the review's UUID: given the UUID the grade will be
        saved with, the preview is exactly what the grade gives; without one it
        is the interval before fuzz.
        """
        out = {}
        for rating in RATINGS:
            review = Review(uuid=uuid or "preview", card_id=st.card_id, rating=rating, at=at)
            nxt = self.apply(st, review, fuzz=None if uuid else False)
            assert nxt.due is not None
            out[rating] = nxt.due - at
        return out

    def recall_after(self, stability: float | None, elapsed_ms: int | None) -> float:
        """`retrievability` from the stored numbers: the stability and the milliseconds
        since the last review (whole days count, as the fsrs package counts them)."""
        if not stability or elapsed_ms is None:
            return 0.0
        days = max(0, elapsed_ms // 86_400_000)
        return float((1 + self._s._FACTOR * days / stability) ** self._s._DECAY)

    def retrievability(self, st: CardState, at: datetime) -> float:
        """Predicted recall at `at`; 0 for a card never studied."""
        if st.state == NEW or st.stability is None or st.last_review is None:
            return 0.0
        return float(self._s.get_card_retrievability(self._to_fsrs(st), at.astimezone(UTC)))


def format_interval(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    if seconds < 60:
        return "<1m"
    if seconds < 3600:
        return f"{round(seconds / 60)}m"
    if seconds < 86400:
        return f"{round(seconds / 3600)}h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30:.1f}mo".replace(".0mo", "mo")
    return f"{days / 365:.1f}y".replace(".0y", "y")


def parse_rating(text: str) -> int | None:
    text = text.strip().lower()
    if text in ("1", "2", "3", "4"):
        return int(text)
    return RATING_WORDS.get(text)
