"""A mock interview as a plain state machine with an injected clock.

The face feeds it events (done, pause, skip, hint, end) and draws what it
exposes: the question, the time left or over, the colour of the clock, the
STAR segment of a behavioral answer. Nothing here knows about a terminal, so
it runs under a FakeClock in tests without sleeping.

Each graded answer is written with its review in one transaction as soon as
it is graded: a process killed mid-interview keeps what was acknowledged.
"""

from __future__ import annotations

import math
import random
import re
import secrets
import uuid as uuidlib
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any

from .clock import Clock
from .errors import PrepError
from .schedule import RATINGS, CardState, Scheduler, parse_rating
from .store import CardRow, Filters, Store

# Default answer time when a card and its deck set none. Behavioral answers
# are the ~2-minute STAR stories; a concept is explained in less than a
# design question; a question to the interviewer is short.
KIND_LIMITS = {"behavioral": 120, "technical": 180, "concept": 120, "ask": 60}
WARN_S = 30  # the clock turns yellow in the last 30 seconds
CAP_FACTOR = 1.5  # an answer over 1.5x its limit is graded at most Hard
CAP_RATING = 2
DEFAULT_COUNT = 5
MAX_COUNT = 40
RECENT = timedelta(days=30)  # Again grades this recent count as lapses

# Suggested split of a STAR answer (percent of the time limit).
STAR = (("S", "Situation", 20), ("T", "Task", 10), ("A", "Action", 60), ("R", "Result", 10))

# Events from the face.
DONE, PAUSE, SKIP, HINT, END = "done", "pause", "skip", "hint", "end"
EVENTS = (DONE, PAUSE, SKIP, HINT, END)

# Phases of the interview.
ASKING, REVIEW, FINISHED = "asking", "review", "finished"

# Colour states of the clock.
NORMAL, WARNING, OVER = "normal", "warning", "over"


def limit_for(card: CardRow, override: int | None = None) -> int:
    """Seconds to answer: --time, else the card's (or its deck's) time, else by kind."""
    if override is not None:
        return override
    if card.time_s:
        return card.time_s
    return KIND_LIMITS.get(card.kind, KIND_LIMITS["technical"])


@dataclass(frozen=True)
class Segment:
    """One STAR segment of a time limit: [start_s, end_s)."""

    letter: str
    name: str
    start_s: float
    end_s: float


def star_segments(limit_s: float) -> list[Segment]:
    out, percent = [], 0
    for letter, name, share in STAR:  # whole percents: the boundaries carry no float drift
        out.append(
            Segment(letter, name, limit_s * percent / 100, limit_s * (percent + share) / 100)
        )
        percent += share
    return out


def star_segment(elapsed_s: float, limit_s: float) -> Segment | None:
    """The segment the clock is in; None once the limit is passed."""
    for seg in star_segments(limit_s):
        if seg.start_s <= elapsed_s < seg.end_s:
            return seg
    return None


class Timer:
    """One answer's clock: counts down from the limit, then counts overtime. Pausable."""

    def __init__(self, clock: Clock, limit_s: int):
        self.clock = clock
        self.limit_s = limit_s
        self._started = clock.monotonic()
        self._paused_at: float | None = None
        self._paused_total = 0.0
        self._stopped_at: float | None = None

    @property
    def paused(self) -> bool:
        return self._paused_at is not None

    @property
    def stopped(self) -> bool:
        return self._stopped_at is not None

    def _now(self) -> float:
        if self._stopped_at is not None:
            return self._stopped_at
        return self.clock.monotonic()

    def elapsed(self) -> float:
        """Seconds of answering, pauses left out."""
        now = self._now()
        paused = self._paused_total
        if self._paused_at is not None:
            paused += now - self._paused_at
        return max(0.0, now - self._started - paused)

    def remaining(self) -> float:
        """Seconds left; negative when over time."""
        return self.limit_s - self.elapsed()

    def overtime(self) -> float:
        return max(0.0, -self.remaining())

    def color(self) -> str:
        left = self.remaining()
        if left < 0:
            return OVER
        if left <= WARN_S:
            return WARNING
        return NORMAL

    def segment(self) -> Segment | None:
        return star_segment(self.elapsed(), self.limit_s)

    def pause(self) -> None:
        if self._paused_at is None and self._stopped_at is None:
            self._paused_at = self.clock.monotonic()

    def resume(self) -> None:
        if self._paused_at is not None and self._stopped_at is None:
            self._paused_total += self.clock.monotonic() - self._paused_at
            self._paused_at = None

    def toggle(self) -> None:
        if self.paused:
            self.resume()
        else:
            self.pause()

    def stop(self) -> None:
        if self._stopped_at is None:
            self.resume()
            self._stopped_at = self.clock.monotonic()


def clock_text(timer: Timer) -> str:
    """mm:ss left (rounded up, so the limit shows whole at the start), or +mm:ss over."""
    left = timer.remaining()
    if left >= 0:
        return mmss(math.ceil(left - 1e-9))
    return "+" + mmss(math.floor(-left))


def mmss(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 60:02d}:{s % 60:02d}"


@dataclass
class Question:
    position: int  # 1-based
    card: CardRow
    limit_s: int


@dataclass
class Answer:
    position: int
    card: CardRow
    limit_s: int
    used_ms: int
    hints: int = 0
    skipped: bool = False
    covered: list[int] = field(default_factory=list)
    rating: int | None = None
    capped: bool = False
    review_uuid: str | None = None
    answered_at: datetime | None = None

    @property
    def overtime_ms(self) -> int:
        return max(0, self.used_ms - self.limit_s * 1000)

    @property
    def used_s(self) -> int:
        """Whole seconds, as a summary row shows them; the totals add these up."""
        return self.used_ms // 1000

    @property
    def overtime_s(self) -> int:
        return max(0, self.used_s - self.limit_s)

    @property
    def keywords_total(self) -> int:
        return len(self.card.keywords)

    def row(self, session_id: str) -> dict[str, Any]:
        return {
            "session_id": session_id, "position": self.position, "card_id": self.card.id,
            "limit_s": self.limit_s, "used_ms": self.used_ms, "skipped": self.skipped,
            "hint_used": self.hints, "keywords_total": self.keywords_total,
            "keywords_covered": len(self.covered), "covered": self.covered,
            "rating": self.rating, "capped": self.capped, "review_uuid": self.review_uuid,
            "answered_at": self.answered_at,
        }  # fmt: skip


@dataclass
class Summary:
    answers: list[Answer]
    planned: int
    ended_early: bool

    @property
    def graded(self) -> list[Answer]:
        return [a for a in self.answers if a.rating is not None]

    @property
    def skipped(self) -> int:
        return sum(a.skipped for a in self.answers)

    @property
    def limit_s(self) -> int:
        return sum(a.limit_s for a in self.answers if not a.skipped)

    @property
    def overtime_ms(self) -> int:
        return sum(a.overtime_ms for a in self.answers if not a.skipped)

    # Sums of the rows' whole seconds, so the total agrees with the rows shown
    # (+0:03 and +0:04 make 0:07, not the 0:08 that 3.9 s + 4.9 s would round to).
    @property
    def used_s(self) -> int:
        return sum(a.used_s for a in self.answers if not a.skipped)

    @property
    def overtime_s(self) -> int:
        return sum(a.overtime_s for a in self.answers if not a.skipped)

    @property
    def keywords(self) -> tuple[int, int]:
        graded = self.graded
        return sum(len(a.covered) for a in graded), sum(a.keywords_total for a in graded)

    @property
    def mean_grade(self) -> float | None:
        graded = self.graded
        return sum(a.rating or 0 for a in graded) / len(graded) if graded else None

    @property
    def hinted(self) -> int:
        return sum(a.hints > 0 for a in self.answers)


class MockInterview:
    """asking (timer running or paused) -> review (keywords, grade) -> next ... -> finished."""

    def __init__(
        self,
        store: Store,
        scheduler: Scheduler,
        clock: Clock,
        questions: list[Question],
        options: dict[str, Any] | None = None,
        session_id: str | None = None,
    ):
        if not questions:
            raise PrepError("no questions to ask")
        self.store = store
        self.scheduler = scheduler
        self.clock = clock
        self.questions = questions
        self.options = options or {}
        self.id = session_id or str(uuidlib.uuid4())
        self.answers: list[Answer] = []
        self.phase = ASKING
        self.index = -1
        self.timer: Timer | None = None
        self.hints = 0
        self.ended_early = False
        self.started = False

    # --- where we are ---------------------------------------------------------
    @property
    def current(self) -> Question | None:
        if self.phase == FINISHED or not 0 <= self.index < len(self.questions):
            return None
        return self.questions[self.index]

    @property
    def over_cap(self) -> bool:
        """Whether the answer just given ran past 1.5x its limit (grades above Hard are capped)."""
        q = self.current
        return bool(q and self.timer and self.timer.elapsed() > CAP_FACTOR * q.limit_s)

    def _used_ms(self) -> int:
        assert self.timer is not None
        return int(round(self.timer.elapsed() * 1000))

    # --- moving ---------------------------------------------------------------
    def start(self) -> Question:
        """Record the session and put up the first question."""
        if self.started:
            raise RuntimeError("the interview has started already")
        self.store.mock_start(self.id, self.clock.now(), len(self.questions), self.options)
        self.started = True
        self._advance()
        assert self.current is not None
        return self.current

    def _advance(self) -> None:
        self.index += 1
        if self.index >= len(self.questions):
            self._finish()
            return
        self.phase = ASKING
        self.hints = 0
        self.timer = Timer(self.clock, self.questions[self.index].limit_s)

    def restart_clock(self) -> None:
        """Start the current question's clock now: the face calls this when the
        question is on screen, so a pause between questions is not answer time."""
        if self.phase != ASKING or self.current is None:
            raise RuntimeError("no question is being asked")
        self.hints = 0
        self.timer = Timer(self.clock, self.current.limit_s)

    def handle(self, event: str) -> str:
        """Apply one event; returns the phase after it."""
        if event not in EVENTS:
            raise ValueError(f"unknown event {event!r}")
        if not self.started:
            raise RuntimeError("start() the interview first")
        if self.phase == FINISHED:
            return self.phase
        if event == END:
            self.ended_early = True
            self._finish()
            return self.phase
        if self.phase != ASKING:
            return self.phase  # in review only a grade (or end) moves on
        assert self.timer is not None
        if event == PAUSE:
            self.timer.toggle()
        elif event == HINT:
            self.hints += 1
        elif event == DONE:
            self.timer.stop()
            self.phase = REVIEW
        elif event == SKIP:
            self.timer.stop()
            q = self.questions[self.index]
            answer = Answer(
                position=q.position, card=q.card, limit_s=q.limit_s, used_ms=self._used_ms(),
                hints=self.hints, skipped=True, answered_at=self.clock.now(),
            )  # fmt: skip
            self.store.mock_add_answer(answer.row(self.id))
            self.answers.append(answer)
            self._advance()
        return self.phase

    def effective_rating(self, rating: int, override: bool = False) -> tuple[int, bool]:
        """The rating stored, and whether the overtime cap lowered it."""
        if self.over_cap and not override and rating > CAP_RATING:
            return CAP_RATING, True
        return rating, False

    def grade(self, rating: int, covered: Iterable[int] = (), override: bool = False) -> Answer:
        """Grade the answer just given; it is on disk (review + answer row) when this returns."""
        if self.phase != REVIEW:
            raise RuntimeError("no answer to grade")
        if rating not in RATINGS:
            raise PrepError(f"rating must be 1-4, not {rating!r}")
        q = self.questions[self.index]
        covered = set(covered)
        bad = [i for i in covered if not 1 <= i <= len(q.card.keywords)]
        if bad:
            raise PrepError(f"keyword {bad[0]} is not on the list (1-{len(q.card.keywords)})")
        stored, capped = self.effective_rating(rating, override)
        now = self.clock.now()
        answer = Answer(
            position=q.position, card=q.card, limit_s=q.limit_s, used_ms=self._used_ms(),
            hints=self.hints, covered=sorted(set(covered)), rating=stored, capped=capped,
            answered_at=now,
        )  # fmt: skip

        def put(conn: Any, review: Any) -> None:
            answer.review_uuid = review.uuid
            self.store.mock_put_answer(conn, answer.row(self.id))

        self.store.grade(
            self.scheduler, q.card.id, stored, now, duration_ms=answer.used_ms,
            source="mock", session=self.id, extra=put,
        )  # fmt: skip
        self.answers.append(answer)
        self._advance()
        return answer

    def _finish(self) -> None:
        if self.phase == FINISHED:
            return
        if self.timer is not None:
            self.timer.stop()
        self.phase = FINISHED
        if self.started:
            self.store.mock_end(self.id, self.clock.now())

    def end(self) -> Summary:
        """End now (or confirm the end); an answer not yet graded is not recorded."""
        if self.phase != FINISHED:
            self.ended_early = True
            self._finish()
        return self.summary()

    def summary(self) -> Summary:
        return Summary(
            answers=list(self.answers), planned=len(self.questions), ended_early=self.ended_early
        )


# --- choosing the questions ---------------------------------------------------
def weakness(
    state: CardState, scheduler: Scheduler, now: datetime, again: int, rehearsed: bool
) -> float:
    """Sampling weight: forgotten or never-studied cards, recent lapses and
    questions never said out loud under a clock come up more often."""
    r = scheduler.retrievability(state, now)
    w = 1.0 + 2.0 * (1.0 - r) + 1.0 * min(again, 3)
    if not rehearsed:
        w += 1.5
    return w


def _pick(
    rng: random.Random, pool: list[CardRow], weights: dict[str, float], k: int
) -> list[CardRow]:
    """Weighted picks without replacement; each pick from a topic halves its
    weight again, so the set spreads over the topics."""
    left = list(pool)
    taken: dict[str, int] = {}
    out: list[CardRow] = []
    while left and len(out) < k:
        cum = list(accumulate(weights[c.id] * (0.35 ** taken.get(c.topic, 0)) for c in left))
        i = min(bisect_right(cum, rng.random() * cum[-1]), len(left) - 1)
        card = left.pop(i)
        taken[card.topic] = taken.get(card.topic, 0) + 1
        out.append(card)
    return out


def _take(cands: list[CardRow], prev_topic: str | None) -> CardRow:
    for i, c in enumerate(cands):
        if c.topic != prev_topic:
            return cands.pop(i)
    return cands.pop(0)


@dataclass
class Plan:
    questions: list[Question]
    seed: int
    pool: int  # how many cards matched


def _build(
    rng_seed: int,
    main: list[CardRow],
    asks: list[CardRow],
    weights: dict[str, float],
    n: int,
    closing: bool,
    time_s: int | None,
) -> list[Question]:
    rng = random.Random(rng_seed)
    closing = closing and bool(asks) and (n >= 4 or n > len(main))
    n_main = n - 1 if closing else n
    behavioral = [c for c in main if c.kind == "behavioral"]
    others = [c for c in main if c.kind != "behavioral"]
    n_b = min(len(behavioral), round(n_main / 3)) if others else min(len(behavioral), n_main)
    n_o = min(len(others), n_main - n_b)
    n_b = min(len(behavioral), n_main - n_o)
    picks_b = _pick(rng, behavioral, weights, n_b)
    picks_o = _pick(rng, others, weights, n_o)
    total = n_b + n_o
    # Behavioral questions spread evenly between the technical ones.
    slots_b = {int((k + 1) * total / (n_b + 1)) for k in range(n_b)} if n_o else set(range(total))
    ordered: list[CardRow] = []
    prev: str | None = None
    for pos in range(total):
        cands = picks_b if pos in slots_b and picks_b else picks_o if picks_o else picks_b
        card = _take(cands, prev)
        ordered.append(card)
        prev = card.topic
    if closing:  # an interview ends with "any questions for us?"
        ordered += _pick(rng, asks, weights, 1)
    return [
        Question(position=i, card=c, limit_s=limit_for(c, time_s)) for i, c in enumerate(ordered, 1)
    ]


def choose(
    store: Store,
    scheduler: Scheduler,
    now: datetime,
    filters: Filters | None = None,
    count: int | None = None,
    minutes: float | None = None,
    time_s: int | None = None,
    seed: int | None = None,
) -> Plan:
    """Pick the questions of one interview.

    Cards are drawn at random weighted by `weakness` (a seed makes the draw
    repeatable), each draw from a topic making that topic less likely again.
    About a third are behavioral, spread between the others; no two
    neighbours share a topic when the draw allows it. Without --kind, the
    questions to ask the interviewer stay out, except one that closes a set
    of four or more (or a set larger than the other cards can fill); with only
    such questions, they are the set. With `minutes`, the largest set whose
    limits fit.
    """
    filters = filters or Filters()
    if count is not None and count < 1:
        raise PrepError("--count must be at least 1")
    if minutes is not None and minutes <= 0:
        raise PrepError("--minutes must be more than 0")
    if time_s is not None and not 5 <= time_s <= 3600:
        raise PrepError("--time must be between 5 and 3600 seconds")
    seed = seed if seed is not None else secrets.randbelow(1_000_000)
    explicit_kinds = bool(filters.kinds)
    cards = store.cards(filters)
    # Questions to ask the interviewer are not answers to rehearse under a
    # clock; unless asked for, one closes the set, as in a real interview.
    main = cards if explicit_kinds else [c for c in cards if c.kind != "ask"]
    asks = [] if explicit_kinds else [c for c in cards if c.kind == "ask"]
    if not main:
        main, asks = asks, []
    if not main:
        raise PrepError("no cards match: check --deck, --topic, --kind and --tag")
    states = store.states()
    again = store.again_counts(now - RECENT)
    rehearsed = store.mock_rehearsed_ids()
    weights = {
        c.id: weakness(
            states.get(c.id, CardState(c.id)), scheduler, now, again.get(c.id, 0), c.id in rehearsed
        )
        for c in main + asks
    }
    available = len(main) + (1 if asks else 0)
    if minutes is None:
        n = min(count or DEFAULT_COUNT, available)
        return Plan(_build(seed, main, asks, weights, n, True, time_s), seed, len(cards))
    budget = minutes * 60
    hi = min(count or MAX_COUNT, available, MAX_COUNT)
    lo, best = 1, None
    # The set's length grows with its size (nearly always): search the largest that fits.
    while lo <= hi:
        mid = (lo + hi) // 2
        qs = _build(seed, main, asks, weights, mid, True, time_s)
        if sum(q.limit_s for q in qs) <= budget:
            best, lo = qs, mid + 1
        else:
            hi = mid - 1
    if best is None:
        shortest = min(limit_for(c, time_s) for c in main + asks)
        raise PrepError(
            f"--minutes {minutes:g} is shorter than any question (the shortest takes {mmss(shortest)})"
        )
    return Plan(best, seed, len(cards))


# --- what the person types ------------------------------------------------------
def parse_grade(text: str) -> tuple[int, bool] | None:
    """'3', 'good', '3!' (keep the grade even when over time) -> (rating, override)."""
    text = text.strip()
    override = text.endswith("!")
    rating = parse_rating(text.rstrip("!"))
    return (rating, override) if rating is not None else None


_SPLIT = re.compile(r"[\s,]+")


def parse_covered(text: str, total: int) -> set[int]:
    """'1 3', '1,3', '2-4', 'all' or '' -> keyword numbers. ValueError names the bad part."""
    text = text.strip().lower()
    if not text or text in ("-", "none", "0"):
        return set()
    if text in ("a", "all"):
        return set(range(1, total + 1))
    out: set[int] = set()
    for part in _SPLIT.split(text):
        if not part:
            continue
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise ValueError(f"{part!r} is not a keyword number")
        a, b = int(m.group(1)), int(m.group(2) or m.group(1))
        if not 1 <= a <= b <= total:
            raise ValueError(f"{part} is not on the list (1-{total})")
        out.update(range(a, b + 1))
    return out


def history(store: Store) -> list[dict[str, Any]]:
    """Past sessions with their averages, oldest first."""
    out = []
    for row in store.mock_sessions():
        answered = (row["questions"] or 0) - (row["skipped"] or 0)
        kw_total = row["keywords_total"] or 0
        out.append(
            {
                "id": row["id"],
                "started_at": row["started_at"],
                "ended_at": row["ended_at"],
                "finished": row["ended_at"] is not None,
                "planned": row["planned"],
                "questions": row["questions"],
                "answered": answered,
                "skipped": row["skipped"] or 0,
                "graded": row["graded"] or 0,
                "used_s": round((row["used_ms"] or 0) / 1000, 1),
                "limit_s": row["limit_s"] or 0,
                "time_ratio": round((row["used_ms"] or 0) / 1000 / row["limit_s"], 3)
                if row["limit_s"]
                else None,
                "mean_used_s": round((row["used_ms"] or 0) / 1000 / answered, 1)
                if answered
                else None,
                "mean_limit_s": round((row["limit_s"] or 0) / answered, 1) if answered else None,
                "overtime_s": round((row["overtime_ms"] or 0) / 1000, 1),
                "over_time": row["over_count"] or 0,
                "keywords_covered": row["keywords_covered"] or 0,
                "keywords_total": kw_total,
                "keyword_coverage": round((row["keywords_covered"] or 0) / kw_total, 3)
                if kw_total
                else None,
                "mean_grade": round(row["mean_grade"], 2)
                if row["mean_grade"] is not None
                else None,
                "hinted": row["hinted"] or 0,
                "seed": row["options"].get("seed"),
            }
        )
    return out
