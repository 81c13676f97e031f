"""Packages current Anki writes (collection.anki21b, zstd) and their review history.

The fixtures were made with Anki's own library (tests/fixtures/import/
make_anki_packages.py): a deck package and a collection package in the current
format, and the same deck exported for older Anki versions.
"""

from __future__ import annotations

import sqlite3
import sys
import zipfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest

from prep.errors import PrepError
from prep.importers import import_file

FIX = Path(__file__).parent / "fixtures" / "import"
PACKAGES = ("anki21b.apkg", "anki21b.colpkg", "anki21_legacy.apkg")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
ENV = {"PREP_NOW": "2026-12-01T09:00:00+00:00"}


def _db_rows(ws: Path, sql: str) -> list[tuple]:
    from prep.workspace import find

    con = sqlite3.connect(find(ws, None).db_path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("name", PACKAGES)
def test_each_format_gives_the_same_cards(name: str) -> None:
    result = import_file(FIX / name)
    assert result.format == "apkg" and result.title == "Interview"
    got = [(d.q, d.topic, d.kind) for d in result.drafts]
    assert got == [
        ("What does a B-tree keep sorted?", "Systems", "technical"),
        ("Idempotence", "Systems", "technical"),
        ("[...] is reliable; UDP is not.", "Systems", "concept"),
        ("TCP is reliable; [a protocol] is not.", "Systems", "concept"),
        ("트랜잭션의 격리 수준은?", "Systems", "technical"),
    ]
    legacy = import_file(FIX / "anki21_legacy.apkg")
    assert [d.id for d in result.drafts] == [d.id for d in legacy.drafts]
    assert [d.a for d in result.drafts] == [d.a for d in legacy.drafts]
    assert result.drafts[2].id.endswith("-c1") and result.drafts[3].id.endswith("-c2")
    assert "| search | O(log n) |" in result.drafts[0].a
    assert [s.what for s in result.skipped] == ["btree.png"]


def test_a_package_without_the_newer_collection_is_not_refused_for_a_stub(tmp_path: Path) -> None:
    """The current format keeps a stub in collection.anki2 ("update Anki"): never read it."""
    result = import_file(FIX / "anki21b.apkg")
    assert all("update" not in d.q.lower() for d in result.drafts)


@pytest.mark.parametrize("name", PACKAGES)
def test_history_maps_every_answered_review_to_its_card(name: str) -> None:
    result = import_file(FIX / name, with_history=True, now=NOW)
    ids = [d.id for d in result.drafts]
    basic, cloze2 = ids[0], ids[3]
    got = [(e.card_id, e.rating, e.reviewed_at, e.duration_ms) for e in result.history]
    assert got == [
        (basic, 1, "2026-10-01T09:00:00.000000Z", 8000),
        (basic, 3, "2026-10-01T09:10:00.000000Z", 5000),
        (cloze2, 3, "2026-10-02T09:00:00.000000Z", 6000),
        (cloze2, 2, "2026-10-04T09:00:00.000000Z", 7000),
        (basic, 3, "2026-10-05T09:00:00.000000Z", 4000),
        (basic, 4, "2026-10-21T09:00:00.000000Z", 3000),
    ]
    assert result.history_left == {
        "review of a card not imported (a reverse or extra card of its note)": 1,
        "no answer (a due date set or rescheduled in Anki)": 1,
    }
    # The same review read from another export of the collection is the same entry.
    other = import_file(FIX / "anki21_legacy.apkg", with_history=True, now=NOW)
    assert [e.uuid for e in result.history] == [e.uuid for e in other.history]
    assert len({e.uuid for e in result.history}) == 6


def test_reviews_dated_after_now_are_left_out() -> None:
    early = datetime(2026, 10, 2, 12, 0, tzinfo=timezone.utc)  # a day of slack: to 3 Oct noon
    result = import_file(FIX / "anki21b.apkg", with_history=True, now=early)
    assert [e.reviewed_at[:10] for e in result.history] == ["2026-10-01"] * 2 + ["2026-10-02"]
    assert result.history_left["time in the future (check the clock of the machine that made it)"]


def test_history_needs_a_package(tmp_path: Path) -> None:
    src = tmp_path / "q.md"
    src.write_text("- What is X?\n- What is Y?\n", encoding="utf-8")
    with pytest.raises(PrepError, match="--with-history reads the review history of an Anki"):
        import_file(src, with_history=True)


def test_without_a_zstd_decoder_the_error_names_the_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "zstandard", None)
    monkeypatch.setitem(sys.modules, "compression", None)
    with pytest.raises(PrepError) as info:
        import_file(FIX / "anki21b.apkg")
    message = str(info.value)
    assert "anki21b.apkg: this package uses Anki's newer compressed format" in message
    assert "needs the zstandard package" in message and "install" in message
    assert "\n" not in message
    # The older layout needs no decoder.
    assert len(import_file(FIX / "anki21_legacy.apkg").drafts) == 5


def _repacked(tmp_path: Path, blob: bytes) -> Path:
    path = tmp_path / "bad.apkg"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("collection.anki21b", blob)
        z.writestr("meta", b"\x08\x03")
    return path


def test_a_damaged_or_huge_compressed_collection_is_one_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    zstandard = pytest.importorskip("zstandard")
    with pytest.raises(PrepError, match="bad.apkg: the collection inside is damaged"):
        import_file(_repacked(tmp_path, b"\x28\xb5\x2f\xfd" + b"\x00" * 40))
    with pytest.raises(PrepError, match="not a readable Anki collection"):
        import_file(_repacked(tmp_path, zstandard.ZstdCompressor().compress(b"not sqlite" * 99)))
    import prep.importers.apkg as apkg

    monkeypatch.setattr(apkg, "MAX_COLLECTION", 10_000)
    bomb = zstandard.ZstdCompressor().compress(b"\x00" * 1_000_000)
    assert len(bomb) < 10_000
    with pytest.raises(PrepError, match="inflates past 10,000 bytes"):
        import_file(_repacked(tmp_path, bomb))


def test_with_history_twice_adds_the_reviews_once_and_the_schedule_goes_on(
    empty_ws: Path, invoke: Callable[..., object]
) -> None:
    args = ("-w", str(empty_ws), "deck", "import", str(FIX / "anki21b.apkg"), "--with-history")
    r = invoke(*args, env=ENV)
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    out = r.output  # type: ignore[attr-defined]
    assert "Review history: 6 review(s) added, 0 already here, of 2 card(s)" in out
    assert "1 review(s) left out: no answer (a due date set or rescheduled in Anki)" in out
    again = invoke(
        "-w", str(empty_ws), "deck", "import", str(FIX / "anki21_legacy.apkg"),
        "--deck", "anki21b", "--with-history", env=ENV,
    )  # fmt: skip
    assert "Review history: 0 review(s) added, 6 already here" in again.output  # type: ignore[attr-defined]
    basic = guid_id_of_first()
    rows = _db_rows(
        empty_ws, "SELECT card_id, rating, duration_ms FROM reviews ORDER BY reviewed_at"
    )
    assert len(rows) == 6 and rows[0] == (basic, 1, 8000)
    state = _db_rows(
        empty_ws, f"SELECT reps, last_review, due FROM card_state WHERE card_id = '{basic}'"
    )
    assert state[0][0] == 4 and state[0][1].startswith("2026-10-21")
    assert state[0][2] > "2026-10-22"  # scheduled from Anki's reviews, not due as new
    status = invoke("-w", str(empty_ws), "status", "--json", env=ENV)
    assert status.exit_code == 0, status.output  # type: ignore[attr-defined]


def guid_id_of_first() -> str:
    return import_file(FIX / "anki21b.apkg").drafts[0].id


def test_a_failure_while_merging_leaves_no_review_in_the_database(
    empty_ws: Path, invoke: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    from prep.schedule import Scheduler

    calls = {"n": 0}
    real = Scheduler.replay

    def flaky(self, card_id, reviews):  # the second card's replay fails
        calls["n"] += 1
        if calls["n"] == 2:
            raise sqlite3.OperationalError("disk I/O error")
        return real(self, card_id, reviews)

    monkeypatch.setattr(Scheduler, "replay", flaky)
    args = ("-w", str(empty_ws), "deck", "import", str(FIX / "anki21b.apkg"), "--with-history")
    r = invoke(*args, env=ENV)
    assert r.exit_code == 1
    out = r.output  # type: ignore[attr-defined]
    assert "Error:" in out and "review history was not" in out and "disk I/O error" in out
    assert "Traceback" not in out
    assert _db_rows(empty_ws, "SELECT count(*) FROM reviews") == [(0,)]
    assert _db_rows(empty_ws, "SELECT count(*) FROM card_state") == [(0,)]
    monkeypatch.setattr(Scheduler, "replay", real)
    r = invoke(*args, env=ENV)
    assert "Review history: 6 review(s) added" in r.output  # type: ignore[attr-defined]


def test_dry_run_with_history_counts_and_writes_nothing(
    empty_ws: Path, invoke: Callable[..., object]
) -> None:
    r = invoke(
        "-w", str(empty_ws), "deck", "import", str(FIX / "anki21b.colpkg"),
        "--with-history", "--dry-run", "--json", env=ENV,
    )  # fmt: skip
    import json

    doc = json.loads(r.output)  # type: ignore[attr-defined]
    assert doc["history"]["read"] == 6 and doc["history"]["added"] == 0
    assert doc["history"]["cards"] == 2
    assert not list((empty_ws / "decks").glob("*.yaml"))


def test_with_history_outside_a_workspace_is_refused(
    tmp_path: Path, invoke: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "x.yaml"
    r = invoke("deck", "import", str(FIX / "anki21b.apkg"), "-o", str(out), "--with-history")
    assert r.exit_code == 1
    assert "--with-history keeps the reviews in a workspace's database" in r.output  # type: ignore[attr-defined]
    assert not out.exists()


def _collection(tmp_path: Path, sql: list[str], params: list[tuple] | None = None) -> Path:
    db = tmp_path / "c.anki2"
    con = sqlite3.connect(db)
    con.executescript(
        "CREATE TABLE col (models TEXT, decks TEXT);"
        "CREATE TABLE notes (id INTEGER, guid, mid, tags, flds);"
        "CREATE TABLE cards (id INTEGER, nid, did, ord);"
        "CREATE TABLE revlog (id, cid, ease, time, type);"
        "CREATE TABLE notetypes (id, name, config);"
        "CREATE TABLE fields (ntid, ord, name);"
        "CREATE TABLE templates (ntid, config);"
        "CREATE TABLE decks (id, name);"
    )
    for statement, values in zip(sql, params or [() for _ in sql], strict=True):
        con.execute(statement, values)
    con.commit()
    con.close()
    path = tmp_path / "odd.apkg"
    with zipfile.ZipFile(path, "w") as z:
        z.write(db, "collection.anki21")
    return path


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        # Newer layout, values of the wrong types everywhere.
        (
            [
                "INSERT INTO col VALUES ('{}', '{}')",
                "INSERT INTO notetypes VALUES (7, 5, 'text, not bytes')",
                "INSERT INTO fields VALUES (7, 'zero', 3)",
                "INSERT INTO fields VALUES (7, 1, NULL)",
                "INSERT INTO templates VALUES (7, 12)",
                "INSERT INTO decks VALUES (1, 42)",
                "INSERT INTO notes VALUES (1, 99, 7, NULL, 12345)",
                "INSERT INTO cards VALUES (5, 1, 1, 0)",
                "INSERT INTO revlog VALUES ('x', 5, 'good', 'slow', 1)",
                "INSERT INTO revlog VALUES (1.5e300, 5, 3, 10, 1)",
                "INSERT INTO revlog VALUES (1700000000000, 5, 3, 'slow', 1)",
            ],
            None,
        ),
        # Older layout with JSON of the wrong shapes.
        (
            ["INSERT INTO col VALUES (?, ?)", "INSERT INTO notes VALUES (1, 'g', 3, 'a b', ?)"],
            [('{"3": {"flds": [{"ord": "x"}, 5, {"name": 7, "ord": 1}]}}', '{"1": {"name": 9}}'),
             ("Q?\x1fA",)],
        ),
        (["INSERT INTO col VALUES ('[1, 2]', 'null')"], None),
        (["INSERT INTO col VALUES ('{\"x\": 1}', '{\"notanint\": {}}')",
          "INSERT INTO notes VALUES (1, 'g', 3, '', 'Q')"], None),
    ],
)  # fmt: skip
def test_an_odd_collection_gives_cards_or_one_error_line(
    tmp_path: Path, sql: list[str], params: list[tuple] | None
) -> None:
    path = _collection(tmp_path, sql, params)
    try:
        result = import_file(path, with_history=True, now=NOW)
    except PrepError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)
        return
    for d in result.drafts:
        assert isinstance(d.q, str) and isinstance(d.a, str) and d.id
    for e in result.history:
        assert 1 <= e.rating <= 4 and 0 <= e.duration_ms <= 86_400_000
