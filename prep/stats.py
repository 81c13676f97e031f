"""`prep stats`: what the review log says. Plain numbers here; prep/ui/stats.py draws them.

- activity: reviews per study day for the last weeks (the heatmap);
- true retention: the share of Good or Easy among reviews of cards that were
  in the Review state, by week and by topic. The state before each review is
  not stored, so the log is replayed through the scheduler (the slow part,
  reported through `progress`);
- the forecast of due cards for the next 30 days;
- answer time per card (durations of timed reviews);
- the streak, and readiness: predicted recall per topic at the interview
  (or now, without a date), under the same model the plan uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from .clock import day_start, iso, parse_iso

if TYPE_CHECKING:
    from .clock import Clock
    from .schedule import Scheduler
    from .store import Store

HEATMAP_WEEKS = 26
FORECAST_DAYS = 30
SLOWEST = 20  # the slowest cards listed
MAX_ANSWER_S = 600.0  # longer is a card left on screen, not an answer
SLOWEST = 10


@dataclass
class Retention:
    label: str
    reviews: int  # reviews of cards in the Review state
    passed: int  # of which Good or Easy

    @property
    def rate(self) -> float | None:
        return self.passed / self.reviews if self.reviews else None


@dataclass
class AnswerTime:
    card_id: str
    topic: str
    q: str
    reviews: int
    mean_s: float


@dataclass
class Readiness:
    topic: str
    cards: int
    studied: int
    recall: float


@dataclass
class Stats:
    today: str
    days: list[tuple[str, int]] = field(default_factory=list)  # (local date, reviews), oldest first
    total_reviews: int = 0
    streak_days: int = 0
    study_days: int = 0
    retention: float | None = None
    retention_reviews: int = 0
    recalled: float | None = None  # Hard counts as recalled, as FSRS's retention does
    by_week: list[Retention] = field(default_factory=list)
    by_topic: list[Retention] = field(default_factory=list)
    forecast: list[tuple[str, int]] = field(default_factory=list)  # (local date, due), from today
    median_answer_s: float | None = None
    answer_times: list[AnswerTime] = field(default_factory=list)  # slowest first
    topic_answer_s: dict[str, float] = field(default_factory=dict)
    readiness_at: str | None = None
    interview: bool = False
    readiness: list[Readiness] = field(default_factory=list)
    readiness_all: float = 0.0
    # The forecast against what happened: the stability scale fitted to the person's
    # pass rates, and per stability band (forecast plain, calibrated, observed).
    calibration: dict[str, Any] = field(default_factory=dict)
    # The daily budget and the minutes studied past it (on purpose) in the last 30 days.
    minutes: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        def ret(r: Retention) -> dict[str, Any]:
            rate = r.rate
            return {
                "label": r.label, "reviews": r.reviews, "passed": r.passed,
                "rate": None if rate is None else round(rate, 4),
            }  # fmt: skip

        out = asdict(self)
        out["days"] = [{"date": d, "reviews": n} for d, n in self.days]
        out["forecast"] = [{"date": d, "due": n} for d, n in self.forecast]
        out["by_week"] = [ret(r) for r in self.by_week]
        out["by_topic"] = [ret(r) for r in self.by_topic]
        if self.retention is not None:
            out["retention"] = round(self.retention, 4)
        if self.recalled is not None:
            out["recalled"] = round(self.recalled, 4)
        for a in out["answer_times"]:
            a["mean_s"] = round(a["mean_s"], 1)
        for r in out["readiness"]:
            r["recall"] = round(r["recall"], 4)
        out["readiness_all"] = round(self.readiness_all, 4)
        out["topic_answer_s"] = {k: round(v, 1) for k, v in self.topic_answer_s.items()}
        return out


def _local_day(at: datetime, tz: Any, hour: int) -> date:
    """The study day (a day begins at `hour` local time) that `at` falls in."""
    return (at.astimezone(tz) - timedelta(hours=hour)).date()


def _by_local_day(
    store: Store,
    now: datetime,
    tz: Any,
    hour: int,
    column: str,
    value: str,
    source: str,
    args: tuple[Any, ...] = (),
) -> list[tuple[date, int, float]]:
    """(study day, rows, sum of `value`) grouped by the study day of the time in `column`.

    SQLite groups the rows by UTC hour (by minute in a zone whose offset is not whole
    hours), and each group is placed on its study day by the zone's own rules in
    Python, across DST: exact, and a few hundred groups rather than every row parsed.
    """
    seen = [(now + timedelta(days=d)).astimezone(tz).utcoffset() for d in (-273, -182, -91, 0, 91)]
    whole_hours = all(int((o or timedelta(0)).total_seconds()) % 3600 == 0 for o in seen)
    width, tail = (13, ":00:00Z") if whole_hours else (16, ":00Z")
    rows = store.conn.execute(
        f"SELECT substr({column}, 1, {width}) AS h, COUNT(*), TOTAL({value}) {source} GROUP BY h",
        args,
    )
    out: dict[date, list[float]] = {}
    for h, n, total in rows:
        day = _local_day(parse_iso(h + tail), tz, hour)
        cell = out.setdefault(day, [0, 0.0])
        cell[0] += n
        cell[1] += total
    return [(day, int(n), total) for day, (n, total) in out.items()]


def retention(
    store: Store,
    scheduler: Scheduler,
    tz: Any,
    hour: int,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[date, list[int]], dict[str, list[int]]]:
    """[reviews, passed, recalled (Hard too)] of Review-state reviews per week (its Monday) and per topic, by replay.

    Which reviews met a card in Review state takes a replay of the log; its counts
    (by week and by card) are kept in meta, and only the cards graded since are
    replayed again. An undo, an imported log or another zone or day start replays all.
    """
    mark = list(
        store.conn.execute(
            "SELECT (SELECT max(rowid) FROM reviews), (SELECT count(*) FROM undone)"
        ).fetchone()
    )
    key = [str(tz), hour, mark[1]]
    last = mark[0] or 0
    kept = store.get_meta("retention_kept")
    weeks: dict[str, list[int]] = {}
    cards: dict[str, list[int]] = {}
    since = 0
    if isinstance(kept, dict) and kept.get("key") == key:
        try:
            since = int(kept["rowid"])
            weeks = {str(k): list(v) for k, v in kept["weeks"].items()}
            cards = {str(k): list(v) for k, v in kept["cards"].items()}
        except (KeyError, TypeError, ValueError, AttributeError):
            since = 0
    if since > last or (
        since
        and store.conn.execute(
            "SELECT 1 FROM reviews WHERE rowid > ? AND source NOT IN ('drill', 'mock', 'cram')",
            (since,),
        ).fetchone()
    ):
        since = 0  # a log imported since: its reviews may fall anywhere in a card's history
    if not since:
        weeks, cards = {}, {}
    if last and since < last:
        _replay_counts(store, scheduler, tz, hour, since, weeks, cards, progress)
        store.cache_meta(
            "retention_kept", {"key": key, "rowid": last, "weeks": weeks, "cards": cards}
        )
    topics = dict(store.conn.execute("SELECT id, topic FROM cards").fetchall())
    by_topic: dict[str, list[int]] = {}
    for card_id, (n, ok, rec) in cards.items():
        cell = by_topic.setdefault(topics.get(card_id, "?"), [0, 0, 0])
        cell[0], cell[1], cell[2] = cell[0] + n, cell[1] + ok, cell[2] + rec
    by_week = {date.fromisoformat(k): v for k, v in weeks.items()}
    return by_week, by_topic


def _replay_counts(
    store: Store,
    scheduler: Scheduler,
    tz: Any,
    hour: int,
    since: int,
    weeks: dict[str, list[int]],
    cards: dict[str, list[int]],
    progress: Callable[[int, int], None] | None,
) -> None:
    """Add the Review-state reviews after rowid `since` to `weeks` and `cards`, replaying
    the histories of the cards they belong to."""
    from .schedule import NON_SCHEDULING, REVIEW, CardState
    from .schedule import Review as Rev

    where = ""
    args: tuple[Any, ...] = ()
    if since:
        where = "WHERE card_id IN (SELECT DISTINCT card_id FROM reviews WHERE rowid > ?)"
        args = (since,)
    rows = store.conn.execute(
        f"SELECT rowid, uuid, card_id, rating, reviewed_at, source FROM reviews {where} "
        "ORDER BY card_id, reviewed_at, uuid",
        args,
    ).fetchall()
    total = len(rows)
    card, st = None, CardState(card_id="")
    for n, (rowid, uuid, card_id, rating, at_text, source) in enumerate(rows, 1):
        if card_id != card:
            card, st = card_id, CardState(card_id=card_id)
        at = parse_iso(at_text)
        if rowid > since and st.state == REVIEW and source not in NON_SCHEDULING:
            day = _local_day(at, tz, hour)
            monday = (day - timedelta(days=day.weekday())).isoformat()
            ok, rec = (1 if rating >= 3 else 0), (1 if rating >= 2 else 0)
            week = weeks.setdefault(monday, [0, 0, 0])
            mine = cards.setdefault(card_id, [0, 0, 0])
            week[0], week[1], week[2] = week[0] + 1, week[1] + ok, week[2] + rec
            mine[0], mine[1], mine[2] = mine[0] + 1, mine[1] + ok, mine[2] + rec
        st = scheduler.apply(st, Rev(uuid, card_id, rating, at, 0, source))
        if progress is not None and (n % 500 == 0 or n == total):
            progress(n, total)


def compute(
    store: Store,
    scheduler: Scheduler,
    clock: Clock,
    progress: Callable[[int, int], None] | None = None,
    weeks: int = HEATMAP_WEEKS,
) -> Stats:
    from .deadline import Model, scheduler_params
    from .settings import interview_at, settings_of
    from .status import streak

    now = clock.now()
    tz = clock.local_tz()
    hour = settings_of(store).day_starts_at
    today = _local_day(now, tz, hour)
    stats = Stats(today=today.isoformat())

    # Activity, oldest first, from the Monday `weeks` weeks back to today.
    first = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    since = day_start(now, tz, hour) - timedelta(days=(today - first).days)
    counts = {
        day: int(n)
        for day, n, _ in _by_local_day(
            store, now, tz, hour, "reviewed_at", "1", "FROM reviews WHERE reviewed_at >= ?",
            (iso(since),),
        )
    }  # fmt: skip
    span = (today - first).days + 1
    stats.days = [
        ((first + timedelta(days=i)).isoformat(), counts.get(first + timedelta(days=i), 0))
        for i in range(span)
    ]
    stats.total_reviews = store.conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
    all_days = {
        day.isoformat()
        for day, _, _ in _by_local_day(store, now, tz, hour, "reviewed_at", "1", "FROM reviews")
    }
    stats.study_days = len(all_days)
    stats.streak_days = streak(sorted(all_days), today)

    stats.calibration = _calibration(store, scheduler)
    stats.minutes = _minutes(store, now, tz, hour)

    # True retention.
    weekly, topical = retention(store, scheduler, tz, hour, progress)
    stats.by_week = [
        Retention(monday.isoformat(), n, ok) for monday, (n, ok, _) in sorted(weekly.items())
    ]
    stats.by_topic = [Retention(t, n, ok) for t, (n, ok, _) in sorted(topical.items())]
    stats.retention_reviews = sum(r.reviews for r in stats.by_week)
    if stats.retention_reviews:
        stats.retention = sum(r.passed for r in stats.by_week) / stats.retention_reviews
        stats.recalled = sum(w[2] for w in weekly.values()) / stats.retention_reviews

    # Forecast: due cards per study day, overdue ones counted today.
    due: dict[date, int] = {}
    for day, n, _ in _by_local_day(
        store, now, tz, hour, "s.due", "1",
        "FROM card_state s JOIN cards c ON c.id = s.card_id "
        "WHERE c.active = 1 AND s.due IS NOT NULL", (),
    ):  # fmt: skip
        day = max(today, day)
        due[day] = due.get(day, 0) + int(n)
    stats.forecast = [
        ((today + timedelta(days=i)).isoformat(), due.get(today + timedelta(days=i), 0))
        for i in range(FORECAST_DAYS)
    ]

    # Answer times.
    cap = int(MAX_ANSWER_S * 1000)
    rows = store.conn.execute(
        "SELECT r.card_id, c.topic, c.q, n, mean FROM (SELECT card_id, COUNT(*) AS n, "
        "AVG(duration_ms) AS mean FROM reviews WHERE duration_ms > 0 AND duration_ms <= ? "
        "GROUP BY card_id ORDER BY mean DESC LIMIT ?) r JOIN cards c ON c.id = r.card_id "
        "ORDER BY r.mean DESC",
        (cap, SLOWEST),
    ).fetchall()
    stats.answer_times = [AnswerTime(r[0], r[1], r[2], r[3], r[4] / 1000.0) for r in rows]
    timed = store.conn.execute(
        "SELECT COUNT(*) FROM reviews WHERE duration_ms > 0 AND duration_ms <= ?", (cap,)
    ).fetchone()[0]
    if timed:
        stats.median_answer_s = (
            store.conn.execute(
                "SELECT duration_ms FROM reviews WHERE duration_ms > 0 AND duration_ms <= ? "
                "ORDER BY duration_ms LIMIT 1 OFFSET ?",
                (cap, timed // 2),
            ).fetchone()[0]
            / 1000.0
        )
    stats.topic_answer_s = {
        topic: total / n / 1000.0
        for topic, total, n in store.conn.execute(
            "SELECT c.topic, SUM(r.duration_ms), COUNT(*) FROM reviews r JOIN cards c "
            "ON c.id = r.card_id WHERE r.duration_ms > 0 AND r.duration_ms <= ? "
            "GROUP BY c.topic ORDER BY c.topic",
            (cap,),
        )
    }

    # Readiness at the interview (or now).
    interview = interview_at(store, clock)
    at = interview if interview is not None and interview > now else now
    stats.interview = at is not now
    stats.readiness_at = at.isoformat()
    model = Model(scheduler_params(scheduler))
    groups: dict[str, list[float]] = {}
    studied: dict[str, int] = {}
    for topic, stability, elapsed, last in store.conn.execute(
        "SELECT c.topic, s.stability, julianday(?) - julianday(s.last_review), s.last_review "
        "FROM cards c LEFT JOIN card_state s ON s.card_id = c.id WHERE c.active = 1",
        (iso(at),),
    ):
        if elapsed is None and last is not None:  # a stored time SQLite cannot read
            elapsed = (at - parse_iso(last)).total_seconds() / 86400.0
        if stability and elapsed is not None:
            groups.setdefault(topic, []).append(model.r(elapsed, stability))
            studied[topic] = studied.get(topic, 0) + 1
        else:
            groups.setdefault(topic, []).append(0.0)
    stats.readiness = [
        Readiness(t, len(v), studied.get(t, 0), sum(v) / len(v)) for t, v in groups.items()
    ]
    stats.readiness.sort(key=lambda r: (-r.recall, r.topic))
    n_all = sum(r.cards for r in stats.readiness)
    if n_all:
        stats.readiness_all = sum(r.recall * r.cards for r in stats.readiness) / n_all
    return stats


def _calibration(store: Store, scheduler: Scheduler) -> dict[str, Any]:
    from .deadline import cached_calibration, scheduler_params

    cal = cached_calibration(store, scheduler_params(scheduler), scheduler)
    return {
        "scale": round(cal.scale, 3),
        "reviews": cal.reviews,
        "bands": [
            {
                "stability": label,
                "reviews": n,
                "forecast": round(plain, 4),
                "calibrated": round(fitted, 4),
                "observed": round(observed, 4),
            }  # fmt: skip
            for label, n, plain, fitted, observed in cal.bands
        ],
    }


def _minutes(store: Store, now: datetime, tz: Any, hour: int) -> dict[str, Any]:
    """Minutes studied per study day in the last 30 days, against the daily budget."""
    from .deadline import MAX_SHOW_S, budget_minutes, budget_source

    if budget_source(store) == "suggested" and store.get_meta("interview_override") is None and (
        store.get_meta("interview_date") is None
    ):  # fmt: skip
        return {}
    budget = budget_minutes(store)
    since = day_start(now, tz, hour) - timedelta(days=29)
    per_day: dict[date, float] = {}
    for day, _, ms in _by_local_day(
        store, now, tz, hour, "reviewed_at", f"min(duration_ms, {int(MAX_SHOW_S * 1000)})",
        "FROM reviews WHERE reviewed_at >= ? AND source != 'cram'", (iso(since),),
    ):  # fmt: skip
        per_day[day] = per_day.get(day, 0.0) + ms / 60000.0
    extra = {d: m - budget for d, m in per_day.items() if m > budget}
    return {
        "per_day": budget,
        "study_days": len(per_day),
        "mean": round(sum(per_day.values()) / len(per_day), 1) if per_day else 0.0,
        "extra": round(sum(extra.values()), 1),
        "days_with_extra": len(extra),
    }
