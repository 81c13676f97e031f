"""Two machines kept in step by exporting and importing the review log (merge by UUID)."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import T0

from prep.doctor import diff_states
from prep.errors import PrepError
from prep.logsync import export, import_, read
from prep.schedule import Scheduler
from prep.store import Store
from prep.sync import sync
from prep.workspace import find

SCHED = Scheduler(fuzz=False)
IDS = [f"c{i}" for i in range(6)]


def _deck(root: Path, questions: dict[str, str] | None = None) -> None:
    body = "".join(f"  - id: {i}\n    q: question {i}?\n    a: answer {i}\n" for i in IDS)
    for q in (questions or {}).values():  # id-less cards: their id comes from the text
        body += f"  - q: {q}\n"
    (root / "decks" / "d.yaml").write_text(f"deck: d\ncards:\n{body}", encoding="utf-8")


def _machine(root: Path) -> Store:
    w = find(str(root))
    store = Store(w.db_path)
    sync(store, w)
    return store


def _two(empty_ws: Path, tmp_path: Path) -> tuple[Store, Store]:
    _deck(empty_ws)
    other = tmp_path / "laptop"
    shutil.copytree(empty_ws, other)
    return _machine(empty_ws), _machine(other)


def _log(store: Store) -> list[tuple]:
    return store.conn.execute(
        "SELECT uuid, card_id, rating, reviewed_at, duration_ms, source, session FROM reviews "
        "ORDER BY uuid"
    ).fetchall()


def _states(store: Store) -> dict:
    return store.states()


def _fingerprint(store: Store) -> str:
    rows = _log(store) + store.conn.execute("SELECT * FROM card_state ORDER BY card_id").fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_two_machines_converge_after_export_and_import_both_ways(empty_ws, tmp_path):
    desk, laptop = _two(empty_ws, tmp_path)
    # Interleaved days on shared cards (c0-c2), and cards only one machine saw.
    for day, (store, card, rating) in enumerate(
        [
            (desk, "c0", 3), (laptop, "c0", 1), (desk, "c1", 4), (laptop, "c1", 3),
            (desk, "c0", 3), (laptop, "c2", 2), (desk, "c3", 3), (laptop, "c4", 4),
            (laptop, "c0", 3), (desk, "c2", 3), (desk, "c1", 1), (laptop, "c5", 3),
        ]
    ):  # fmt: skip
        store.grade(SCHED, card, rating, T0 + timedelta(days=day, minutes=day))
    assert _log(desk) != _log(laptop)
    a, b = tmp_path / "desk.jsonl", tmp_path / "laptop.jsonl"
    assert export(desk, a) == 6 and export(laptop, b) == 6
    got = import_(laptop, SCHED, read(a))
    assert (got.added, got.known, got.conflicts) == (6, 0, [])
    assert got.cards == ["c0", "c1", "c2", "c3"]
    export(laptop, b)
    got = import_(desk, SCHED, read(b))
    assert (got.added, got.known) == (6, 6)
    assert _log(desk) == _log(laptop) and len(_log(desk)) == 12
    assert _states(desk) == _states(laptop)
    for store in (desk, laptop):
        assert diff_states(store, SCHED)[0] == []  # every state is the replay of the merged log
    # the merged history of c0 is both machines' grades in time order
    assert [r.rating for r in desk.reviews_of("c0")] == [3, 1, 3, 3]


def test_importing_twice_changes_nothing(empty_ws, tmp_path):
    desk, laptop = _two(empty_ws, tmp_path)
    for i, card in enumerate(IDS):
        desk.grade(SCHED, card, 1 + i % 4, T0 + timedelta(hours=i))
    f = tmp_path / "log.jsonl"
    export(desk, f)
    first = import_(laptop, SCHED, read(f))
    assert first.added == 6 and first.changed == 6
    snapshot = _fingerprint(laptop)
    second = import_(laptop, SCHED, read(f))
    assert (second.added, second.known, second.changed) == (0, 6, 0)
    assert _fingerprint(laptop) == snapshot
    assert import_(desk, SCHED, read(f)).added == 0  # into the machine it came from
    assert diff_states(desk, SCHED)[0] == []


def test_an_undo_travels_and_an_older_export_cannot_bring_the_grade_back(empty_ws, tmp_path):
    desk, laptop = _two(empty_ws, tmp_path)
    desk.grade(SCHED, "c0", 3, T0)
    desk.grade(SCHED, "c0", 1, T0 + timedelta(days=2))  # a slip of the finger...
    old = tmp_path / "old.jsonl"
    export(desk, old)
    assert import_(laptop, SCHED, read(old)).added == 2
    undone, _ = desk.undo(SCHED)  # ...taken back on the desk
    assert undone.rating == 1 and len(_log(desk)) == 1
    # The older file, imported again where the undo was made: the grade stays gone.
    again = import_(desk, SCHED, read(old))
    assert (again.added, again.kept_undone) == (0, 1) and len(_log(desk)) == 1
    # The new export carries the undo to the laptop, which drops the grade and replays.
    new = tmp_path / "new.jsonl"
    assert export(desk, new) == 1
    lines = [json.loads(x) for x in new.read_text(encoding="utf-8").splitlines()]
    assert lines[-1]["undone"] == undone.uuid and lines[-1]["card_id"] == "c0"
    got = import_(laptop, SCHED, read(new))
    assert (got.undone, got.added, got.cards, got.changed) == (1, 0, ["c0"], 1)
    assert _log(laptop) == _log(desk) and _states(laptop) == _states(desk)
    assert diff_states(laptop, SCHED)[0] == []
    # ...and the laptop, too, now refuses the older file's copy of that grade.
    assert import_(laptop, SCHED, read(old)).kept_undone == 1
    assert _fingerprint(laptop) == _fingerprint(desk)
    # Importing the undo again changes nothing.
    snapshot = _fingerprint(laptop)
    assert import_(laptop, SCHED, read(new)).undone == 0
    assert _fingerprint(laptop) == snapshot


def test_an_undo_replays_the_card_its_review_is_filed_under_here(empty_ws, tmp_path):
    # The other machine may know the card by another id (a rename not synced here yet):
    # the review is found by its UUID and its own card is replayed.
    desk, _ = _two(empty_ws, tmp_path)
    desk.grade(SCHED, "c0", 3, T0)
    review, _ = desk.grade(SCHED, "c0", 4, T0 + timedelta(days=3))
    f = tmp_path / "undo.jsonl"
    f.write_text(
        json.dumps(
            {"undone": review.uuid, "card_id": "c0-renamed", "undone_at": "2026-12-01T09:00:00Z"}
        )
        + "\n",
        encoding="utf-8",
    )
    got = import_(desk, SCHED, read(f))
    assert (got.undone, got.cards) == (1, ["c0"])
    assert [r.rating for r in desk.reviews_of("c0")] == [3]
    assert diff_states(desk, SCHED)[0] == []
    assert desk.conn.execute("SELECT card_id, undone_at FROM undone").fetchall() == [
        ("c0", "2026-12-01T09:00:00.000000Z")
    ]


def test_a_bad_undone_line_is_located(empty_ws, tmp_path):
    f = tmp_path / "log.jsonl"
    f.write_text('{"undone": "not-a-uuid", "card_id": "c0"}\n', encoding="utf-8")
    with pytest.raises(PrepError, match=r"log.jsonl:1: 'undone' must be a UUID"):
        read(f)
    f.write_text(
        '{"undone": "0b6f1c52-4c1e-4c39-9a43-5f8f4b0b9d11", "card_id": "c0", "x": 1}\n',
        encoding="utf-8",
    )
    with pytest.raises(PrepError, match=r"log.jsonl:1: unknown field 'x'"):
        read(f)


def test_cli_round_trip_is_idempotent(cli, ws, tmp_path):
    assert cli("-w", str(ws), "drill", "--new", "5", input="3\n1\n4\n2\n3\n").returncode == 0
    other = tmp_path / "other"
    other.mkdir()
    for part in ("prep.yaml", "decks", "answers"):
        src = ws / part
        (shutil.copytree if src.is_dir() else shutil.copyfile)(src, other / part)
    f = tmp_path / "log.jsonl"
    p = cli("-w", str(ws), "log", "export", str(f))
    assert p.returncode == 0 and p.stdout.strip() == f"Exported 5 review(s) to {f}."
    lines = [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 5 and all(len(x["uuid"]) == 36 for x in lines)
    p = cli("-w", str(other), "log", "import", str(f))
    assert p.returncode == 0, p.stderr
    assert "Imported 5 new review(s)" in p.stdout and "(0 already here)" in p.stdout
    p = cli("-w", str(other), "log", "import", str(f))
    assert "Imported 0 new review(s) of 0 card(s) (5 already here); 0 card state(s)" in p.stdout
    a = cli("-w", str(ws), "status", "--json")
    b = cli("-w", str(other), "status", "--json")
    assert json.loads(a.stdout) == json.loads(b.stdout)
    out = cli("-w", str(other), "log", "export", "-")
    assert sorted(out.stdout.splitlines()) == sorted(f.read_text(encoding="utf-8").splitlines())


def test_export_never_replaces_a_file_without_force(cli, ws, tmp_path):
    assert cli("-w", str(ws), "drill", "--new", "2", input="3\n3\n").returncode == 0
    profile = ws / "prep.yaml"
    before = profile.read_bytes()
    for args in ((str(profile),), (str(profile), "--force"), (str(tmp_path / "log.txt"),)):
        p = cli("-w", str(ws), "log", "export", *args)
        assert p.returncode == 1 and p.stdout == "", (args, p.stderr)
        assert p.stderr.endswith(": a review log export must be a .jsonl file\n"), p.stderr
    assert profile.read_bytes() == before and not (tmp_path / "log.txt").exists()
    f = tmp_path / "log.jsonl"
    f.write_text("keep me\n", encoding="utf-8")
    p = cli("-w", str(ws), "log", "export", str(f))
    assert p.returncode == 1
    assert p.stderr == (
        f"Error: {f}: already exists and is not a review log export made by prep; "
        "give a new file name, or --force to replace it\n"
    )
    assert f.read_text(encoding="utf-8") == "keep me\n"
    p = cli("-w", str(ws), "log", "export", str(f), "--force")
    assert p.returncode == 0 and p.stdout == f"Exported 2 review(s) to {f}.\n", p.stderr
    assert len(f.read_text(encoding="utf-8").splitlines()) == 2
    # Exporting again to last time's file is the usual way: no --force needed.
    assert cli("-w", str(ws), "drill", "--new", "1", input="3\n").returncode == 0
    p = cli("-w", str(ws), "log", "export", str(f))
    assert p.returncode == 0 and p.stdout == f"Exported 3 review(s) to {f}.\n", p.stderr


def test_reviews_under_a_renamed_id_land_on_the_current_card(empty_ws, tmp_path):
    old_q = "Explain the Python GIL and how it limits threads"
    _deck(empty_ws, {"x": old_q})
    other = tmp_path / "laptop"
    shutil.copytree(empty_ws, other)
    desk, laptop = _machine(empty_ws), _machine(other)
    old_id = laptop.conn.execute("SELECT id FROM cards WHERE q = ?", (old_q,)).fetchone()[0]
    desk.grade(SCHED, old_id, 3, T0)
    # the desk edits the question: sync carries the history over to the new id
    _deck(empty_ws, {"x": "Explain the Python GIL and how it limits threads in CPython"})
    report = sync(desk, find(str(empty_ws)))
    assert any("is now" in m for m in report.messages)
    new_id = desk.conn.execute("SELECT new_id FROM card_aliases").fetchone()[0]
    # meanwhile the laptop, still on the old text, reviewed the card too
    laptop.grade(SCHED, old_id, 1, T0 + timedelta(days=1))
    f = tmp_path / "laptop.jsonl"
    export(laptop, f)
    got = import_(desk, SCHED, read(f))
    assert (got.read, got.remapped, got.added) == (1, 1, 1)
    assert [r.rating for r in desk.reviews_of(new_id)] == [3, 1]
    assert desk.reviews_of(old_id) == []
    assert diff_states(desk, SCHED)[0] == []


def test_a_uuid_with_other_content_keeps_ours(empty_ws, tmp_path):
    desk, laptop = _two(empty_ws, tmp_path)
    review, _ = desk.grade(SCHED, "c0", 3, T0)
    f = tmp_path / "log.jsonl"
    f.write_text(
        json.dumps(
            {
                "uuid": review.uuid,
                "card_id": "c0",
                "rating": 1,
                "reviewed_at": "2026-11-26T09:00:00Z",
            }
        )
        + "\n"
    )
    got = import_(desk, SCHED, read(f))
    assert got.conflicts == [review.uuid] and got.added == 0
    assert [r.rating for r in desk.reviews_of("c0")] == [3]


GOOD = {
    "uuid": "5b0c1c1e-8d7b-4a57-9f0e-2d1f0b9a7c11",
    "card_id": "c0",
    "rating": 3,
    "reviewed_at": "2026-11-26T09:00:00.000000Z",
}


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "each line must be a JSON object"),
        (json.dumps({**GOOD, "uuid": "not-a-uuid"}), "'uuid' must be a UUID"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "card_id"}), "missing 'card_id'"),
        (json.dumps({**GOOD, "rating": 5}), "'rating' must be 1, 2, 3 or 4"),
        (json.dumps({**GOOD, "rating": True}), "'rating' must be 1, 2, 3 or 4"),
        (json.dumps({**GOOD, "reviewed_at": "yesterday"}), "'reviewed_at' must be an ISO time"),
        (json.dumps({**GOOD, "duration_ms": -5}), "'duration_ms' must be a whole number"),
        (json.dumps({**GOOD, "source": "hack"}), "'source' must be one of"),
        (json.dumps({**GOOD, "extra": 1}), "unknown field 'extra'"),
        (json.dumps({**GOOD, "card_id": "x" * 500}), "'card_id' must be text"),
        (json.dumps({**GOOD, "rating": 1}), "appears twice with different content"),
        (json.dumps({**GOOD, "reviewed_at": "2999-01-01T00:00:00Z"}), "is in the future"),
    ],
)
def test_a_bad_line_is_located_and_nothing_is_imported(cli, empty_ws, tmp_path, line, message):
    _deck(empty_ws)
    store = _machine(empty_ws)
    store.grade(SCHED, "c1", 3, T0)
    snapshot = _fingerprint(store)
    f = tmp_path / "bad.jsonl"
    other = {**GOOD, "uuid": "0f7a3a52-9a43-4c39-8d43-0d5f8f3f1a22"}
    f.write_text(f"{json.dumps(GOOD)}\n{json.dumps(other)}\n{line}\n", encoding="utf-8")
    p = cli("-w", str(empty_ws), "log", "import", str(f))
    assert p.returncode == 1
    assert p.stderr.startswith(f"Error: {f}:3: "), p.stderr
    assert message in p.stderr
    assert "Traceback" not in p.stderr
    assert _fingerprint(Store(store.path)) == snapshot


def test_read_refuses_invalid_utf8_with_its_line(tmp_path):
    f = tmp_path / "bad.jsonl"
    f.write_bytes(json.dumps(GOOD).encode() + b"\n\xff\xfe\n")
    with pytest.raises(PrepError, match=r"bad.jsonl:2: not valid UTF-8"):
        read(f)


def test_export_since_a_date(empty_ws, tmp_path):
    _deck(empty_ws)
    store = _machine(empty_ws)
    for day in range(4):
        store.grade(SCHED, "c0", 3, T0 + timedelta(days=day))
    f = tmp_path / "recent.jsonl"
    assert export(store, f, since=T0 + timedelta(days=2)) == 2
    times = [json.loads(x)["reviewed_at"] for x in f.read_text().splitlines()]
    assert times == ["2026-11-28T09:00:00.000000Z", "2026-11-29T09:00:00.000000Z"]


def test_a_review_dated_after_tomorrow_is_refused(cli, empty_ws, tmp_path):
    _deck(empty_ws)
    store = _machine(empty_ws)
    snapshot = _fingerprint(store)
    f = tmp_path / "ahead.jsonl"
    soon = {**GOOD, "reviewed_at": "2026-11-27T08:00:00Z"}  # 23 h ahead: clock skew
    later = {
        **soon,
        "uuid": "0f7a3a52-9a43-4c39-8d43-0d5f8f3f1a22",
        "reviewed_at": "2026-11-27T10:00:00Z",
    }
    f.write_text(f"{json.dumps(soon)}\n{json.dumps(later)}\n", encoding="utf-8")
    p = cli("-w", str(empty_ws), "log", "import", str(f), env={"PREP_NOW": "2026-11-26T09:00:00Z"})
    assert p.returncode == 1 and p.stdout == ""
    assert p.stderr == (
        f"Error: {f}:2: 'reviewed_at' 2026-11-27T10:00:00Z is in the future "
        "(now 2026-11-26T09:00:00Z); check the clock of the machine that wrote it\n"
    )
    assert _fingerprint(store) == snapshot
    f.write_text(f"{json.dumps(soon)}\n", encoding="utf-8")
    p = cli("-w", str(empty_ws), "log", "import", str(f), env={"PREP_NOW": "2026-11-26T09:00:00Z"})
    assert p.returncode == 0 and "Imported 1 new review(s)" in p.stdout, p.stderr
