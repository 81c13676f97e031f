"""After the interview: the thank-you email and a debrief that feeds the next prep.

The debrief records which cards were really asked and any new questions. New
questions are appended to `decks/asked.yaml` with explicit ids, so the next
drill already has them. The deck file and the database rows change together:
the file is replaced inside the database transaction, and any problem found
beforehand (an unknown card id, a deck file that does not parse) changes
nothing at all.
"""

from __future__ import annotations

import contextlib
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import PrepError

if TYPE_CHECKING:
    from .clock import Clock
    from .store import Store
    from .workspace import Workspace

ASKED_DECK = "asked.yaml"
ASKED_HEADER = """\
# Questions really asked in interviews, added by `prep followup --new-question`.
# Write a model answer under each one (a: |) and they drill like any other card.
deck: asked
title: 실제 면접에서 받은 질문
language: ko
defaults:
  kind: technical
  topic: 면접에서 받은 질문
cards:
"""
DEFAULT_HOURS = 24
MAX_QUESTION = 1000


@dataclass
class FollowupResult:
    email: str
    title: str
    interviewer: str | None
    interview: datetime | None
    due: datetime | None
    hours: int
    debrief_id: str | None = None
    asked: list[str] = field(default_factory=list)
    new_cards: list[tuple[str, str]] = field(default_factory=list)  # (id, question)
    deck_path: str | None = None
    messages: list[str] = field(default_factory=list)


def _clean(text: str, cap: int = MAX_QUESTION) -> str:
    from .cheatsheet import one_line

    return one_line(text, cap)


def _hours(data: dict[str, Any]) -> int:
    fu = data.get("follow_up")
    value = fu.get("thank_you_within_hours") if isinstance(fu, dict) else None
    if value is None:
        return DEFAULT_HOURS
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 24 * 30:
        raise PrepError(
            "prep.yaml: follow_up.thank_you_within_hours must be a whole number of hours"
        )
    return value


def _template_id(data: dict[str, Any]) -> str:
    fu = data.get("follow_up")
    value = fu.get("template") if isinstance(fu, dict) else None
    return value if isinstance(value, str) and value.strip() else "thank-you"


def render_email(
    ws: Workspace, data: dict[str, Any], interviewer: str | None
) -> tuple[str, str] | None:
    """(title, Markdown text) of the thank-you template; None when there is no such file.

    A missing template only costs the email (the debrief is still worth
    recording); a broken one is an error, raised before anything is written.
    """
    from .answers import SUFFIX, render

    template = _template_id(data)
    if not (ws.answers_dir / f"{template}{SUFFIX}").is_file():
        return None
    extra = {"interviewer": interviewer} if interviewer else {}
    story = render(ws, template, extra)
    return story.title, story.markdown


def _resolve_card(store: Store, card_id: str) -> str:
    """A known card id (following renames), or a PrepError naming the closest ids."""
    import difflib

    if store.card(card_id) is not None:
        return card_id
    row = store.conn.execute(
        "SELECT new_id FROM card_aliases WHERE old_id = ?", (card_id,)
    ).fetchone()
    if row and store.card(row[0]) is not None:
        return str(row[0])
    ids = [r[0] for r in store.conn.execute("SELECT id FROM cards WHERE active = 1")]
    close = difflib.get_close_matches(card_id, ids, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else " (see `prep deck list`)"
    raise PrepError(f"--asked: no card '{card_id}'{hint}")


def _yaml_scalar(text: str) -> str:
    import yaml

    dumped = yaml.safe_dump(text, allow_unicode=True, default_style='"', width=1_000_000)
    return dumped.strip().removesuffix("...").strip()


def _card_block(card_id: str, question: str, day: str, indent: str) -> str:
    pad = indent + "  "
    return (
        f"{indent}- id: {card_id}\n"
        f"{pad}q: {_yaml_scalar(question)}\n"
        f"{pad}tags: [asked, {_yaml_scalar(day)}]\n"
    )


def plan_deck(path: Path, rel: str, new: list[tuple[str, str]], day: str) -> str:
    """The new text of decks/asked.yaml with `new` (id, question) appended, checked by parsing.

    Appending keeps the person's comments and layout. The result must parse to
    the old cards plus exactly the new ones, or nothing is written.
    """
    from .decks import parse_deck

    if path.exists():
        from .safefile import TooLarge, read_capped
        from .yamlsafe import MAX_BYTES

        try:
            old = read_capped(path, MAX_BYTES)
        except TooLarge as exc:
            raise PrepError(f"{rel}: {exc}") from None
        except OSError as exc:
            raise PrepError(f"{rel}: cannot read: {exc.strerror}") from exc
        deck, problems = parse_deck(old, rel)
        if problems:
            raise PrepError(f"{problems[0]}; fix it, then run prep followup again", problems)
        assert deck is not None
        before = len(deck.cards)
        text = old.decode("utf-8")
        if text and not text.endswith("\n"):
            text += "\n"
        tries = ["  ", "", "    "]
    else:
        before, text, tries = 0, ASKED_HEADER, ["  "]
    for indent in tries:
        candidate = text + "".join(_card_block(cid, q, day, indent) for cid, q in new)
        deck, problems = parse_deck(candidate.encode("utf-8"), rel)
        if deck is None or problems:
            continue
        added = [(c.id, c.q) for c in deck.cards[before:]]
        if len(deck.cards) == before + len(new) and added == new:
            return candidate
    raise PrepError(
        f"{rel}: cannot append the new questions; keep 'cards:' as the last block list "
        "of the file (or move the file away and run prep followup again)"
    )


def _write_atomic(path: Path, text: str) -> None:
    from .safefile import write_file

    write_file(path, text)


def _new_ids(store: Store, path: Path, day: str, count: int) -> list[str]:
    """`asked-YYYYMMDD-N` ids not used by any card, old or current, nor in the file."""
    import re

    used = {r[0] for r in store.conn.execute("SELECT id FROM cards")}
    used |= {r[0] for r in store.conn.execute("SELECT old_id FROM card_aliases")}
    if path.exists():
        from .safefile import TooLarge, read_capped
        from .yamlsafe import MAX_BYTES

        try:
            text = read_capped(path, MAX_BYTES).decode("utf-8")
            used |= set(re.findall(r"asked-\d{8}-\d+", text))
        except (OSError, UnicodeDecodeError, TooLarge):
            pass  # parse_deck reports an unreadable file with its location
    stem = "asked-" + day.replace("-", "")
    out: list[str] = []
    n = 1
    while len(out) < count:
        cid = f"{stem}-{n}"
        if cid not in used:
            out.append(cid)
        n += 1
    return out


def followup(
    ws: Workspace,
    store: Store,
    clock: Clock,
    *,
    interviewer: str | None = None,
    asked: tuple[str, ...] = (),
    new_questions: tuple[str, ...] = (),
    notes: str | None = None,
) -> FollowupResult:
    """Render the thank-you email and record the debrief (when there is one)."""
    from .decks import normalize
    from .status import interview_at
    from .workspace import load_profile

    data = load_profile(ws).data
    hours = _hours(data)
    if interviewer is None:
        iv = data.get("interview")
        given = iv.get("interviewer") if isinstance(iv, dict) else None
        interviewer = given if isinstance(given, str) else None
    name = _clean(interviewer, 80) if interviewer else None
    rendered = render_email(ws, data, name)
    title, email = rendered or ("", "")
    interview = interview_at(store, clock)
    due = interview + timedelta(hours=hours) if interview else None
    result = FollowupResult(
        email=email, title=title, interviewer=name, interview=interview, due=due, hours=hours
    )
    if rendered is None:
        template = _template_id(data)
        result.messages.append(
            f"No email: answers/{template}.md.j2 does not exist (follow_up.template in prep.yaml "
            "names it; write one with kind: email)."
        )

    asked_ids: list[str] = []
    for cid in asked:
        real = _resolve_card(store, cid.strip())
        if real not in asked_ids:
            asked_ids.append(real)
    by_text = {normalize(c.q): c.id for c in store.cards()}
    fresh: list[str] = []
    seen: set[str] = set()
    for raw in new_questions:
        q = _clean(raw)
        if not q:
            raise PrepError("--new-question: the question is empty")
        key = normalize(q)
        if key in by_text:
            cid = by_text[key]
            if cid not in asked_ids:
                asked_ids.append(cid)
            result.messages.append(f"'{q[:60]}' is already card {cid}; recorded it as asked.")
            continue
        if key in seen:
            continue
        seen.add(key)
        fresh.append(q)
    note_text = (notes or "").strip()
    if not asked_ids and not fresh and not note_text:
        result.messages.append(
            "No debrief recorded (add --asked CARD, --new-question TEXT or --notes TEXT)."
        )
        return result

    tz = clock.local_tz()
    day = (interview or clock.now()).astimezone(interview.tzinfo if interview else tz)
    day_text = day.date().isoformat()
    path = ws.decks_dir / ASKED_DECK
    rel = ws.rel(path)
    with contextlib.ExitStack() as held:
        if fresh:  # two follow-ups at once: the second reads the file after the first wrote it
            from .safefile import folder_lock

            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                held.enter_context(folder_lock(path.parent))
            except OSError as exc:
                raise PrepError(f"{rel}: cannot write: {exc.strerror}") from exc
        return _record(
            store, clock, result, path, rel, fresh, asked_ids, name, note_text, interview,
            day_text,
        )  # fmt: skip
    raise AssertionError("unreachable")


def _record(
    store: Store, clock: Clock, result: FollowupResult, path: Path, rel: str, fresh: list[str],
    asked_ids: list[str], name: str | None, note_text: str, interview: datetime | None,
    day_text: str,
) -> FollowupResult:  # fmt: skip
    from .clock import iso

    new_cards: list[tuple[str, str]] = []
    new_text: str | None = None
    if fresh:
        ids = _new_ids(store, path, day_text, len(fresh))
        new_cards = list(zip(ids, fresh, strict=True))
        new_text = plan_deck(path, rel, new_cards, day_text)

    debrief_id = str(uuidlib.uuid4())
    with store.write() as conn:
        conn.execute(
            "INSERT INTO debriefs (id, recorded_at, interview_at, interviewer, notes) "
            "VALUES (?, ?, ?, ?, ?)",
            (debrief_id, iso(clock.now()), iso(interview) if interview else None, name, note_text),
        )
        conn.executemany(
            "INSERT INTO debrief_cards (debrief_id, card_id, role, question) VALUES (?, ?, 'asked', ?)",
            [(debrief_id, cid, None) for cid in asked_ids],
        )
        conn.executemany(
            "INSERT INTO debrief_cards (debrief_id, card_id, role, question) VALUES (?, ?, 'new', ?)",
            [(debrief_id, cid, q) for cid, q in new_cards],
        )
        if new_text is not None:
            # Last inside the transaction: if the write fails, the rows roll back.
            _write_atomic(path, new_text)
    result.debrief_id = debrief_id
    result.asked = asked_ids
    result.new_cards = new_cards
    result.deck_path = rel if new_cards else None
    parts = []
    if asked_ids:
        parts.append(f"{len(asked_ids)} card(s) marked as asked ({', '.join(asked_ids)})")
    if new_cards:
        parts.append(
            f"{len(new_cards)} new question(s) added to {rel} ({', '.join(c for c, _ in new_cards)})"
        )
    if note_text:
        parts.append("notes saved")
    result.messages.append("Debrief recorded: " + "; ".join(parts) + ".")
    return result


def _span(delta: timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    hours, minutes = divmod(minutes, 60)
    if hours >= 48:
        return f"{hours // 24} days"
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"


def due_text(result: FollowupResult, now: datetime) -> str:
    """When the email is due, said plainly."""
    hours = result.hours
    if result.interview is None or result.due is None:
        return (
            f"Send it within {hours} hours after the interview "
            "(no interview date: set one with `prep plan --interview DATETIME` or interview.date "
            "in prep.yaml to know when it is due)."
        )
    tz = result.interview.tzinfo
    due = result.due.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if now < result.interview:
        return f"Send it after the interview and by {due} (within {hours} hours)."
    if now <= result.due:
        return f"Send it by {due}: {_span(result.due - now)} left."
    return f"It was due at {due} ({_span(now - result.due)} ago); send it today anyway."


def history(store: Store) -> list[dict[str, Any]]:
    """Every debrief recorded, newest first: when, interviewer, cards asked, new questions, notes."""
    out: list[dict[str, Any]] = []
    rows = store.conn.execute(
        "SELECT id, recorded_at, interview_at, interviewer, notes FROM debriefs "
        "ORDER BY recorded_at DESC, id"
    ).fetchall()
    for debrief_id, recorded, interview, interviewer, notes in rows:
        asked: list[dict[str, str]] = []
        new: list[dict[str, str]] = []
        for card_id, role, question, current in store.conn.execute(
            "SELECT d.card_id, d.role, d.question, c.q FROM debrief_cards d "
            "LEFT JOIN cards c ON c.id = d.card_id WHERE d.debrief_id = ? ORDER BY d.card_id",
            (debrief_id,),
        ):
            item = {"card": card_id, "question": current or question or ""}
            (asked if role == "asked" else new).append(item)
        out.append(
            {
                "recorded_at": recorded,
                "interview_at": interview,
                "interviewer": interviewer,
                "asked": asked,
                "new_questions": new,
                "notes": notes,
            }
        )
    return out
