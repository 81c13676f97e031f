"""Bring the `cards` table in line with the deck files, only when they changed.

The hot path is a handful of `stat` calls compared with the `files` table;
YAML is parsed only for files whose size, mtime and content hash changed.
A bad deck raises DeckError before anything is written.
"""

from __future__ import annotations

import json
import os

from .clock import Clock, iso
from .errors import DeckError, Problem
from .record import Factory, Record
from .store import Store
from .words import plural
from .workspace import PROFILE, Workspace, is_deck_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from .decks import Card

    # (what, done, total): how far a long sync is; `what` is "decks" (bytes of the deck
    # files read) or "cards" (cards written).
    Progress = Callable[[str, int, int], None]

RENAME_SIMILARITY = 0.6
# Up to this many (new card, vanished card) pairs every pair is compared; past it, each
# new card is compared with the few vanished ones likeliest to be it (see _rename_pairs).
ALL_PAIRS = 250_000
# A word shared by more vanished questions than this says little about which one it was.
RARE_WORD = 32
LIKELIEST = 4
WRITE_BATCH = 2_000


class SyncReport(Record):
    __slots__ = ("parsed", "messages", "added", "orphaned", "restored")
    _defaults = {
        "parsed": Factory(list), "messages": Factory(list), "added": 0, "orphaned": 0, "restored": 0,
    }  # fmt: skip
    parsed: list[str]
    messages: list[str]
    added: int
    orphaned: int
    restored: int


def fingerprint(ws: Workspace) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    try:
        st = os.stat(ws.profile_path)
        out[PROFILE] = (st.st_size, st.st_mtime_ns)
    except OSError:
        pass
    try:
        entries = list(os.scandir(ws.decks_dir))
    except OSError:
        entries = []
    for e in entries:
        if is_deck_name(e.name) and e.is_file():
            st = e.stat()
            out["decks/" + e.name] = (st.st_size, st.st_mtime_ns)
    return out


def sync(
    store: Store,
    ws: Workspace,
    clock: Clock | None = None,
    keep_good: bool = False,
    progress: Progress | None = None,
) -> SyncReport:
    """Bring the cards in line with the decks; a bad deck raises DeckError (nothing written).

    With `keep_good`, a bad deck is set aside instead: the other
    files are synced, the bad one's cards stay as its last good version had them,
    and one message line per bad file names its first problem. `progress` is told
    how far the reading and the writing are (nothing is called when nothing changed).
    """
    clock = clock or Clock()
    report = SyncReport()
    current = fingerprint(ws)
    stored = {
        r[0]: (r[1], r[2], r[3])
        for r in store.conn.execute("SELECT path, size, mtime_ns, sha256 FROM files")
    }
    if all(stored.get(p, (None, None))[:2] == v for p, v in current.items()) and set(stored) == set(
        current
    ):
        return report
    return _sync_changed(store, ws, clock, current, stored, report, keep_good, progress)


def _set_aside(problems: list[Problem], stored: Any) -> tuple[set[str], list[str]]:
    """The files with problems, and one line for each: its first problem, what happens now."""
    by_path: dict[str, list[Problem]] = {}
    for p in problems:
        by_path.setdefault(p.path, []).append(p)
    lines = []
    for path, probs in sorted(by_path.items()):
        if path in stored:
            what = "this deck's last good version is studied until it is fixed"
        else:
            what = "this deck is left out until it is fixed"
        more = f" ({len(probs) - 1} more: prep deck check)" if len(probs) > 1 else ""
        lines.append(f"{probs[0]}; {what}{more}")
    return set(by_path), lines


def _sync_changed(
    store: Store,
    ws: Workspace,
    clock: Clock,
    current: dict[str, tuple[int, int]],
    stored: dict[str, tuple[int, int, str]],
    report: SyncReport,
    keep_good: bool = False,
    progress: Progress | None = None,
) -> SyncReport:
    import gc
    import hashlib

    from .decks import cross_check, normalize, parse_deck
    from .workspace import parse_profile
    from .yamlsafe import read

    touched: dict[str, tuple[int, int, str]] = {}  # path -> new fingerprint
    changed: dict[str, bytes] = {}
    problems: list[Problem] = []
    for path, (size, mtime) in current.items():
        old = stored.get(path)
        if old and old[:2] == (size, mtime):
            continue
        raw, problem = read(ws.root / path, path)
        if raw is None:
            problems.append(problem)  # type: ignore[arg-type]
            continue
        sha = hashlib.sha256(raw).hexdigest()
        touched[path] = (size, mtime, sha)
        if not old or old[2] != sha:
            changed[path] = raw
    removed = [p for p in stored if p not in current]

    profile = None
    if PROFILE in changed:
        profile, probs = parse_profile(changed.pop(PROFILE))
        problems += probs
    elif PROFILE not in current:
        problems.append(Problem(PROFILE, 0, 0, "missing"))
    decks = []
    total = sum(len(raw) for raw in changed.values())
    done = 0
    # The parse makes millions of small objects and no cycles: the cyclic collector would
    # walk them again and again (a third of the time of a first sync) for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for path in sorted(changed):
            if progress is not None:
                progress("decks", done, total)
            deck, probs = parse_deck(changed[path], path, _reuse(store, path))
            done += len(changed[path])
            problems += probs
            report.parsed.append(path)
            if deck:
                decks.append(deck)
    finally:
        if collecting:
            gc.enable()
    if progress is not None and total:
        progress("decks", total, total)
    redone = set(changed) | set(removed)
    known = {
        r[0]: (r[1], r[2], r[3])
        for r in store.conn.execute("SELECT id, path, line, col FROM cards WHERE active = 1")
        if r[1] not in redone
    }
    problems += cross_check(decks, known)
    set_aside: set[str] = set()
    # prep.yaml holds the settings and the date every deck is scheduled by: its problems stop.
    while problems and keep_good and not any(p.path == PROFILE for p in problems):
        # Set the bad files aside and check the rest again: a duplicate id may have
        # pointed at a card of a deck that is now kept at its last good version.
        bad, lines = _set_aside(problems, stored)
        set_aside |= bad
        report.messages += lines
        decks = [d for d in decks if d.path not in set_aside]
        for path in set_aside:
            touched.pop(path, None)
            changed.pop(path, None)
        redone = set(changed) | set(removed)
        known = {
            r[0]: (r[1], r[2], r[3])
            for r in store.conn.execute("SELECT id, path, line, col FROM cards WHERE active = 1")
            if r[1] not in redone
        }
        problems = cross_check(decks, known)
    if problems:
        raise DeckError(problems)
    if set_aside and not (decks or touched or removed or profile is not None):
        return report  # only bad files changed: nothing to write

    now = iso(clock.now())
    with store.write() as conn:
        if profile is not None:
            store.set_meta(conn, "settings", profile.settings.to_dict())
            if store.get_meta("interview_date") != profile.interview_date:
                # prep.yaml's date was edited: the file is now the newer word over a date
                # set (or cleared) with `prep plan --interview`.
                conn.execute("DELETE FROM meta WHERE key = 'interview_override'")
            store.set_meta(conn, "interview_date", profile.interview_date)
        new_cards: list[Card] = [c for d in decks for c in d.cards]
        new_ids = {c.id for c in new_cards}
        before = {
            r[0]: (r[1], bool(r[2]), r[3], r[4])
            for r in conn.execute(
                "SELECT id, q, auto_id, path, position FROM cards WHERE active = 1 AND path IN"
                f" ({','.join('?' * len(redone))})",
                sorted(redone),
            )
        }
        existing = {r[0]: bool(r[1]) for r in conn.execute("SELECT id, active FROM cards")}
        gone = {cid: v for cid, v in before.items() if cid not in new_ids}
        fresh = [c for c in new_cards if c.id not in existing]
        # Rename detection: an id-less card whose text was edited gets a new id;
        # pair it with the most similar card that vanished and move the history.
        renamed: dict[str, str] = {}
        candidates = [c for c in fresh if c.auto_id]
        gone_auto = [cid for cid, g in gone.items() if g[1]]
        if candidates and gone_auto:
            pairs = _rename_pairs(candidates, {cid: gone[cid] for cid in gone_auto}, normalize)
            used_new: set[str] = set()
            for ratio, c, cid in sorted(pairs, key=lambda p: -p[0]):
                if c.id in used_new or cid in renamed:
                    continue
                used_new.add(c.id)
                _move_history(
                    conn, report, renamed, cid, c, now, f"question edited ({ratio:.0%} similar)"
                )
        # A card whose `id:` line was deleted, question unchanged: the same card.
        taken = set(renamed.values())
        by_q = {normalize(c.q): c for c in candidates if c.id not in taken}
        for cid, (q, auto, *_) in gone.items():
            same = by_q.get(normalize(q)) if not auto and cid not in renamed else None
            if same is not None and same.id not in taken:
                taken.add(same.id)
                _move_history(conn, report, renamed, cid, same, now, "its id line was removed")
        left = [(cid,) for cid in gone if cid not in renamed]
        conn.executemany("UPDATE cards SET active = 0 WHERE id = ?", left)
        report.orphaned += len(left)
        report.restored = sum(1 for c in new_cards if existing.get(c.id) is False)
        report.added = sum(1 for c in fresh if c.id not in renamed.values())
        rows = [
            (
                c.id, c.deck, c.path, c.line, c.col, c.kind, c.topic, c.q, c.a,
                json.dumps(c.keywords, ensure_ascii=False), c.story, c.time_s,
                json.dumps(c.tags, ensure_ascii=False), c.position, int(c.auto_id), c.priority,
                now,
            )
            for c in new_cards
            if not c.reused
        ]  # fmt: skip
        for start in range(0, len(rows), WRITE_BATCH):
            if progress is not None:
                progress("cards", start, len(rows))
            conn.executemany(
                "INSERT INTO cards (id, deck, path, line, col, kind, topic, q, a, keywords, story,"
                " time_s, tags, position, auto_id, priority, active, added_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1,?)"
                " ON CONFLICT(id) DO UPDATE SET deck=excluded.deck, path=excluded.path,"
                " line=excluded.line, col=excluded.col, kind=excluded.kind, topic=excluded.topic,"
                " q=excluded.q, a=excluded.a, keywords=excluded.keywords, story=excluded.story,"
                " time_s=excluded.time_s, tags=excluded.tags, position=excluded.position,"
                " auto_id=excluded.auto_id, priority=excluded.priority, active=1",
                rows[start : start + WRITE_BATCH],
            )
        if progress is not None and rows:
            progress("cards", len(rows), len(rows))
        if report.restored:
            report.messages.append(
                f"note: {plural(report.restored, 'card')} came back with their history"
            )
        if report.orphaned:
            report.messages.append(
                f"note: {plural(report.orphaned, 'card')} left their decks; their history is kept "
                "and returns if they come back"
            )
        for deck in decks:
            store.set_meta(conn, f"chunks:{deck.path}", _chunk_map(deck))
        for path in removed:
            conn.execute("DELETE FROM meta WHERE key = ?", (f"chunks:{path}",))
        for path, (size, mtime, sha) in touched.items():
            conn.execute(
                "INSERT OR REPLACE INTO files(path, size, mtime_ns, sha256) VALUES (?,?,?,?)",
                (path, size, mtime, sha),
            )
        for path in removed:
            conn.execute("DELETE FROM files WHERE path = ?", (path,))
    return report


def _rename_pairs(
    candidates: list[Card], gone: dict[str, tuple[Any, ...]], normalize: Callable[[str], str]
) -> list[tuple[float, Card, str]]:
    """(similarity, new card, vanished id) for every pair similar enough to be one card edited.

    A few hundred thousand pairs are all compared. Past that (a bank edited through, a
    file replaced), a new card is compared only with the vanished cards likeliest to be
    it: the one that sat at its place in its file, and the few sharing the most of its
    rarer words. The work then grows with the cards, not with their square.
    """
    import difflib

    texts = {cid: normalize(g[0]) for cid, g in gone.items()}
    if len(candidates) * len(gone) <= ALL_PAIRS:
        chosen = {c.id: list(texts) for c in candidates}
    else:
        from collections import Counter

        at = {(g[2], g[3]): cid for cid, g in gone.items()}
        by_word: dict[str, list[str]] = {}
        for cid, text in texts.items():
            for word in set(text.split()):
                by_word.setdefault(word, []).append(cid)
        chosen = {}
        for c in candidates:
            near: Counter[str] = Counter()
            for word in set(normalize(c.q).split()):
                ids = by_word.get(word)
                if ids is not None and len(ids) <= RARE_WORD:
                    near.update(ids)
            likely = [cid for cid, _ in near.most_common(LIKELIEST)]
            same_place = at.get((c.path, c.position))
            if same_place is not None and same_place not in likely:
                likely.append(same_place)
            chosen[c.id] = likely
    pairs = []
    for c in candidates:
        a = normalize(c.q)
        for cid in chosen[c.id]:
            sm = difflib.SequenceMatcher(None, a, texts[cid], autojunk=False)
            if sm.real_quick_ratio() >= RENAME_SIMILARITY and sm.quick_ratio() >= RENAME_SIMILARITY:
                ratio = sm.ratio()
                if ratio >= RENAME_SIMILARITY:
                    pairs.append((ratio, c, cid))
    return pairs


def _chunk_map(deck: Any) -> dict[str, Any] | None:
    if not deck.header or not all(c.chunk for c in deck.cards):
        return None
    return {"header": deck.header, "chunks": {c.chunk: [c.id, c.chunk_line] for c in deck.cards}}


def _reuse(store: Store, path: str) -> Any:
    """The last sync's view of a file, so only edited cards are parsed again."""
    from .decks import Card, Reuse

    saved = store.get_meta(f"chunks:{path}")
    if not saved:
        return None
    rows = {
        r[0]: r
        for r in store.conn.execute(
            "SELECT id, deck, kind, topic, q, a, keywords, story, time_s, tags, line, col, auto_id, position,"
            " priority FROM cards WHERE path = ? AND active = 1",
            (path,),
        )
    }
    chunks = {}
    lists: dict[str, list[str]] = {}  # the same tags on many cards: decoded once, copied

    def as_list(text: str) -> list[str]:
        got = lists.get(text)
        if got is None:
            got = lists[text] = json.loads(text)
        return list(got)

    for sha, (card_id, start) in saved["chunks"].items():
        r = rows.get(card_id)
        if r is None:
            return None  # the database moved on (e.g. a rename); parse the whole file
        card = Card(
            chunk_line=start, id=r[0], deck=r[1], kind=r[2], topic=r[3], q=r[4], a=r[5],
            keywords=as_list(r[6]), story=r[7], time_s=r[8], tags=as_list(r[9]), path=path,
            line=r[10], col=r[11], auto_id=bool(r[12]), position=r[13], priority=r[14], chunk=sha,
        )  # fmt: skip
        chunks[sha] = (card, start)
    return Reuse(header=saved["header"], chunks=chunks)


def _move_history(
    conn: Any, report: Any, renamed: dict[str, str], cid: str, c: Card, now: str, why: str
) -> None:
    """Card `cid` lives on as `c`: its reviews, state, mock answers and hold follow it."""
    renamed[cid] = c.id
    had = conn.execute("SELECT COUNT(*) FROM reviews WHERE card_id = ?", (cid,)).fetchone()[0]
    conn.execute("UPDATE reviews SET card_id = ? WHERE card_id = ?", (c.id, cid))
    conn.execute("UPDATE card_state SET card_id = ? WHERE card_id = ?", (c.id, cid))
    conn.execute("UPDATE mock_answers SET card_id = ? WHERE card_id = ?", (c.id, cid))
    conn.execute("UPDATE OR REPLACE holds SET card_id = ? WHERE card_id = ?", (c.id, cid))
    conn.execute("UPDATE card_aliases SET new_id = ? WHERE new_id = ?", (c.id, cid))
    conn.execute(
        "INSERT OR REPLACE INTO card_aliases(old_id, new_id, at) VALUES (?, ?, ?)",
        (cid, c.id, now),
    )
    conn.execute("DELETE FROM cards WHERE id = ?", (cid,))
    report.messages.append(
        f"{c.path}:{c.line}:{c.col}: note: {why}; card '{cid}' is now '{c.id}', "
        f"{plural(had, 'review')} kept"
    )
