"""A drill session as a plain state machine: queue, reveal, grade, undo.

No terminal here: the face feeds it actions and draws what it returns.
"""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .clock import Clock, day_start, iso
from .schedule import NEW, CardState, Scheduler
from .settings import interview_at, settings_of
from .store import CardRow, Filters, Store

if TYPE_CHECKING:
    from .schedule import Review

# Anki's learn-ahead limit: when nothing else is left, learning cards due
# within this window are shown now instead of ending the session.
LEARN_AHEAD = timedelta(minutes=20)
CRAM_DEFAULT_LIMIT = 50
# Past the day's minutes, on purpose: each time the queue runs out the policy is
# asked for this many more seconds of the most useful cards.
EXTRA_CHUNK_S = 300.0
# A refill that brought nothing while learning steps were pending is asked again
# after this many seconds of study.
REFILL_RETRY_S = 60.0


@dataclass
class Shown:
    card: CardRow
    state: CardState
    index: int  # 1-based position among cards shown so far
    total: int  # cards left including this one, plus those done


@dataclass
class Graded:
    review: Review
    state: CardState
    interval: timedelta


@dataclass
class Summary:
    reviewed: int = 0
    again: int = 0
    seconds: float = 0.0
    next_due: datetime | None = None  # the first due time after now
    left: int = 0  # cards this session would still have asked (quit early)
    budget_s: float | None = None  # the day's minutes, in seconds (None: no budget)
    used_s: float = 0.0  # seconds studied today, this session and earlier ones
    stopped: bool = False  # ended because the day's minutes were used

    @property
    def extra_s(self) -> float:
        """Seconds studied today past the budget."""
        return max(0.0, self.used_s - self.budget_s) if self.budget_s is not None else 0.0

    @property
    def again_rate(self) -> float:
        return self.again / self.reviewed if self.reviewed else 0.0


@dataclass
class DrillSession:
    store: Store
    scheduler: Scheduler
    clock: Clock
    filters: Filters = field(default_factory=Filters)
    new_limit: int | None = None
    limit: int | None = None
    cram: bool = False
    extra: bool = False  # go on past the day's minutes (the person's choice)
    id: str = field(default_factory=lambda: str(uuidlib.uuid4()))

    def __post_init__(self) -> None:
        self.introduced: set[str] = set()  # new cards shown in this session
        self._built_at = ""  # iso time the queue was last built
        self.stopped = False  # the day's minutes ran out (see `next`)
        self._retry_at = 0.0
        self.budget_s, self.spent_before_s, self.new_s = self._day_budget()
        self.queue: list[str] = self._build()
        self.learning: list[tuple[datetime, str]] = []
        self.history: list[str] = []
        self.done = 0
        self.current: str | None = None
        self.revealed = False
        self._shown_at = 0.0
        self._uuid = ""  # the UUID the shown card's grade will be saved with
        self._graded_at: dict[str, str] = {}  # card id -> iso time of this session's last grade
        self.summary = Summary()

    @property
    def source(self) -> str:
        return "cram" if self.cram else "drill"

    def _day_budget(self) -> tuple[float | None, float, float]:
        """(the day's budget in seconds or None, seconds studied today before this session,
        the expected seconds of a new card with its learning steps).

        The budget holds whenever an interview date is set or the person chose their
        minutes a day (`prep plan --minutes-per-day`, settings.minutes_per_day).
        """
        if self.cram:
            return None, 0.0, 0.0
        from .deadline import budget_minutes, budget_source, measured, spent_today

        if interview_at(self.store, self.clock) is None and budget_source(self.store) not in (
            "set",
            "settings",
        ):
            return None, 0.0, 0.0
        costs, _ = measured(self.store)
        now = self.clock.now()
        start = day_start(now, self.clock.local_tz(), settings_of(self.store).day_starts_at)
        spent = spent_today(self.store, start, costs.pass_s)
        return budget_minutes(self.store) * 60.0, spent, costs.new_s

    @property
    def used_s(self) -> float:
        """Seconds studied today: earlier sessions and the answers of this one."""
        return self.spent_before_s + self.summary.seconds

    @property
    def left_s(self) -> float | None:
        """Seconds left of the day's budget (None: no budget)."""
        return None if self.budget_s is None else self.budget_s - self.used_s

    def go_on(self) -> None:
        """Go on past the day's minutes, on purpose: the next cards are asked for."""
        self.extra = True
        self.stopped = False
        if not self.queue and not self.cram:
            self.queue = self._build()

    def _build(self, fresh: bool = False) -> list[str]:
        now = self.clock.now()
        self._built_at = iso(now)
        self._refill = False
        if self.cram:
            return self._cram_queue(now)
        settings = settings_of(self.store)
        start = day_start(now, self.clock.local_tz(), settings.day_starts_at)
        reviewed = self.store.scheduled_reviews_since(start)
        introduced = self.store.conn.execute(
            "SELECT COUNT(*) FROM card_state WHERE first_review >= ?",
            (iso(start),),
        ).fetchone()[0]
        review_room = max(0, settings.max_reviews_per_day - reviewed)
        new_room = max(0, settings.new_per_day - introduced)
        if self.new_limit is not None:  # --new N: for the whole session, refills included
            new_room = max(0, self.new_limit - len(self.introduced))
        interview = interview_at(self.store, self.clock)
        tz = self.clock.local_tz()
        after = None
        if interview is not None and interview > now:
            from .deadline import deadline_queue

            queue = deadline_queue(
                self.store, self.scheduler, now, interview, self.filters, review_room, new_room,
                new_is_limit=self.new_limit is not None, tz=tz,
                left_s=EXTRA_CHUNK_S if self.extra else None, fresh=fresh,
            )  # fmt: skip
            # The policy sizes its queue from estimated seconds; if it runs out
            # before the day's minutes do, it is asked again (see `next`).
            self._refill = self.limit is None
        else:
            if interview is not None:  # just after the interview: drain any backlog at the budget
                from .deadline import after_choice

                after = after_choice(
                    self.store, self.scheduler, now, interview, self.filters, review_room,
                    new_room, tz=tz,
                )  # fmt: skip
            if after is not None:
                queue = after[0] + after[1]
            else:
                queue = self.store.due_ids(now, self.filters, review_room)
                queue += self.store.new_ids(self.filters, new_room, now=now)
        if self.limit is not None:
            queue = queue[: self.limit]
        return queue

    def _cram_queue(self, now: datetime) -> list[str]:
        """Studying ahead: every matching card, weakest first; the schedule is left alone."""
        cards = self.store.cards(self.filters, now=now)
        states = self.store.states()
        ranked = sorted(
            cards,
            key=lambda c: self.scheduler.retrievability(states.get(c.id, CardState(c.id)), now),
        )
        return [c.id for c in ranked][: self.limit or CRAM_DEFAULT_LIMIT]

    # --- moving through the queue -------------------------------------------
    def next(self) -> Shown | None:
        """Pick and show the next card, or None when the session is over."""
        while True:
            now = self.clock.now()
            self.learning.sort()
            if self._out_of_minutes():
                self.current = None
                return None
            card_id: str | None = None
            if self.learning and self.learning[0][0] <= now:
                card_id = self.learning.pop(0)[1]
            elif self.queue or self._refilled():
                card_id = self.queue.pop(0)
            elif self.learning and self.learning[0][0] <= now + LEARN_AHEAD:
                card_id = self.learning.pop(0)[1]
            if card_id is None:
                self.current = None
                return None
            card = self.store.card(card_id)
            if card is None or not card.active:  # deleted from its deck meanwhile
                continue
            state = self.store.state(card_id)
            if self._graded_elsewhere(state, now):
                continue
            if state.state == NEW and self._no_room_for_new():
                self.queue.insert(0, card_id)  # left for tomorrow, counted in `left`
                self.stopped = True
                self.current = None
                return None
            break
        self.current = card_id
        self.revealed = False
        self._shown_at = self.clock.monotonic()
        # Drawn now, so the buttons can preview the fuzz this very grade will get.
        self._uuid = str(uuidlib.uuid4())
        if state.state == NEW:
            self.introduced.add(card_id)
        return Shown(
            card=card, state=state, index=self.done + 1,
            total=self.done + 1 + len(self.queue) + len(self.learning),
        )  # fmt: skip

    def _out_of_minutes(self) -> bool:
        """The day's minutes are used (and the person has not chosen to go on)."""
        if self.extra or self.budget_s is None or self.used_s < self.budget_s:
            return False
        self.stopped = True
        return True

    def _no_room_for_new(self) -> bool:
        """Less than half a new card's expected time is left: do not start one."""
        left = self.left_s
        return not self.extra and left is not None and left < self.new_s / 2

    def _graded_elsewhere(self, state: CardState, now: datetime) -> bool:
        """Another terminal graded this card since we queued it, and it is not due yet.

        Compared as stored text, so no clock rounding can make our own grade look foreign.
        """
        if self.cram or state.last_review is None or state.due is None or state.due <= now:
            return False
        known = max(self._built_at, self._graded_at.get(state.card_id, ""))
        return iso(state.last_review) > known

    def _refilled(self) -> bool:
        """Before an interview, the queue ran out: ask the policy for the minutes left today.

        Cards already graded today are not offered again (the policy skips
        them); a refill that brings nothing new ends the refilling.
        """
        if not self._refill:
            return False
        if self.learning and self.used_s < self._retry_at:
            return False  # asked lately with steps still to come: wait for them
        graded = set(self.history)
        waiting = {c for _, c in self.learning}
        self.queue = [c for c in self._build(fresh=True) if c not in graded and c not in waiting]
        if not self.queue:
            # The minutes were held for the learning steps still to come; ask again
            # once they are done or a minute of study later, else stop asking.
            self._refill = bool(self.learning)
            self._retry_at = self.used_s + REFILL_RETRY_S
        return bool(self.queue)

    def reveal(self) -> None:
        self.revealed = True

    def previews(self, shown: Shown) -> dict[int, timedelta]:
        """The interval each grade would give now (for the buttons, once revealed)."""
        return self.scheduler.preview(shown.state, self.clock.now(), uuid=self._uuid)

    def grade(
        self,
        rating: int,
        duration_s: float | None = None,
        *,
        covered: tuple[list[int], int] | None = None,
    ) -> Graded:
        """Grade the card on screen (1-4). The answer time is the clock's since `next`,
        or `duration_s` when given (a harness that knows it); `covered`: the keywords
        ticked (numbers, of how many)."""
        if self.current is None:
            raise RuntimeError("no card is shown")
        if rating not in (1, 2, 3, 4):
            raise ValueError(f"rating must be 1, 2, 3 or 4, not {rating!r}")
        now = self.clock.now()
        elapsed = self.clock.monotonic() - self._shown_at if duration_s is None else duration_s
        elapsed = max(0.0, float(elapsed))
        extra = None
        if covered is not None:
            ticked, total = covered

            def extra(conn: Any, review: Review) -> None:
                self.store.put_keywords(conn, review.uuid, ticked, total)

        review, state = self.store.grade(
            self.scheduler, self.current, rating, now,
            duration_ms=int(elapsed * 1000), source=self.source, session=self.id, uuid=self._uuid,
            extra=extra,
        )  # fmt: skip
        due = state.due or now
        if not self.cram and due - now <= LEARN_AHEAD * 3:
            self.learning.append((due, self.current))
        self.history.append(self.current)
        self._graded_at[self.current] = iso(review.at)
        self.done += 1
        self.summary.reviewed += 1
        self.summary.again += rating == 1
        self.summary.seconds += elapsed
        self.current = None
        self._uuid = ""  # used: a UUID names one review only
        return Graded(review=review, state=state, interval=due - now)

    def undo(self) -> str | None:
        """Take back this session's last grade; that card comes up again next."""
        result = self.store.undo(self.scheduler, session=self.id, at=self.clock.now())
        if result is None:
            return None
        review, _ = result
        self.learning = [(d, c) for d, c in self.learning if c != review.card_id]
        if self.current is not None:
            self.queue.insert(0, self.current)
            self.current = None
        self.queue.insert(0, review.card_id)
        if self.history:
            self.history.pop()
        self.done = max(0, self.done - 1)
        self.summary.reviewed = max(0, self.summary.reviewed - 1)
        self.summary.again -= review.rating == 1
        self.summary.seconds = max(0.0, self.summary.seconds - review.duration_ms / 1000)
        return review.card_id

    def left_now(self) -> int:
        """Cards the same drill started now would ask (learning steps not yet due wait)."""
        if self.cram:
            return len(self.queue) + (self.current is not None)
        shown, self.introduced = self.introduced, set()  # a new drill has shown nothing yet
        try:
            return len(self._build())
        finally:
            self.introduced = shown

    def finish(self) -> Summary:
        # Count what still stands in the log: `prep undo` in another shell may have
        # taken back one of this session's grades.
        count, again, ms = self.store.conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(rating = 1), 0), COALESCE(SUM(duration_ms), 0) "
            "FROM reviews WHERE session = ?",
            (self.id,),
        ).fetchone()
        if count != self.summary.reviewed:
            self.summary.reviewed, self.summary.again = count, again
            self.summary.seconds = ms / 1000
        # Stopped by the day's minutes: what this session still held waits for another
        # day. Otherwise: what the same drill would start with now.
        if self.stopped:
            self.summary.left = len(self.queue) + len(self.learning) + (self.current is not None)
        else:
            self.summary.left = self.left_now()
        self.summary.budget_s = self.budget_s
        self.summary.used_s = self.used_s
        self.summary.stopped = self.stopped
        # After now: cards due already are either still in the queue (`left`) or held
        # back by the interview plan; a time in the past would say nothing.
        row = self.store.conn.execute(
            "SELECT MIN(s.due) FROM card_state s JOIN cards c ON c.id = s.card_id "
            "WHERE c.active = 1 AND s.due > ?",
            (iso(self.clock.now()),),
        ).fetchone()
        if row and row[0]:
            from .clock import parse_iso

            self.summary.next_due = parse_iso(row[0])
        return self.summary
