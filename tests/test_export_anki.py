"""Anki export: a package Anki reads, whose notes keep their GUIDs across exports."""

from __future__ import annotations

import json
import sqlite3
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from prep.decks import load_all
from prep.errors import PrepError
from prep.importers.anki import deck_id, export_apkg, model_id

genanki = pytest.importorskip("genanki")


def notes_of(apkg: Path, tmp_path: Path) -> dict[str, tuple[list[str], str, int]]:
    """guid -> (fields, tags, model id), read from the package's SQLite collection."""
    with zipfile.ZipFile(apkg) as z:
        names = z.namelist()
        assert "collection.anki2" in names
        db = tmp_path / f"{apkg.stem}.anki2"
        db.write_bytes(z.read("collection.anki2"))
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT guid, flds, tags, mid FROM notes").fetchall()
        (models_json, decks_json) = conn.execute("SELECT models, decks FROM col").fetchone()
    finally:
        conn.close()
    models, decks = json.loads(models_json), json.loads(decks_json)
    assert str(model_id()) in models
    notes_of.decks = {int(k): v["name"] for k, v in decks.items()}  # type: ignore[attr-defined]
    return {g: (f.split("\x1f"), t.strip(), m) for g, f, t, m in rows}


def test_export_twice_gives_the_same_notes(ws: Path, tmp_path: Path) -> None:
    decks, problems = load_all(ws)
    assert not problems
    first, second = tmp_path / "a.apkg", tmp_path / "b.apkg"
    report = export_apkg(decks, first)
    export_apkg(decks, second)
    one, two = notes_of(first, tmp_path), notes_of(second, tmp_path)
    cards = [c for d in decks for c in d.cards]
    assert report.notes == len(cards) == len(one)
    assert set(one) == set(two) == {genanki.guid_for(c.id) for c in cards}
    assert one == two
    anki_decks = notes_of.decks  # type: ignore[attr-defined]
    for d in decks:
        assert anki_decks[deck_id(d.id)] == d.title


def test_fields_are_html_and_card_text_cannot_inject_markup(ws: Path, tmp_path: Path) -> None:
    deck_file = ws / "decks" / "ask.yaml"
    text = deck_file.read_text(encoding="utf-8")
    deck_file.write_text(
        text.replace(
            "q: 원격 근무 정책 및 자율 출퇴근 문화는 어떻게 운영되나요?",
            'q: "원격 근무 <script>alert(1)</script> 정책은?"',
        ),
        encoding="utf-8",
    )
    decks, _ = load_all(ws)
    out = tmp_path / "x.apkg"
    export_apkg([d for d in decks if d.id == "ask"], out)
    notes = notes_of(out, tmp_path)
    fields, tags, _ = notes[genanki.guid_for("ask-remote-work-policy")]
    question, answer, topic, kind, card_id = fields
    assert "<script>" not in question and "&lt;script&gt;" in question
    assert answer.startswith("<ul>\n<li>왜:")
    assert (topic, kind, card_id) == ("면접관에게 할 질문", "ask", "ask-remote-work-policy")
    assert tags.split() == ["ask", "culture", "remote"]


def test_editing_a_card_updates_its_note_instead_of_adding_one(ws: Path, tmp_path: Path) -> None:
    decks, _ = load_all(ws)
    before = notes_of(export_apkg(decks, tmp_path / "1.apkg").path, tmp_path)
    deck_file = ws / "decks" / "ask.yaml"
    deck_file.write_text(
        deck_file.read_text(encoding="utf-8").replace(
            "이 포지션에서 1년 내 달성해야 할", "이 포지션에서 첫 1년 안에 달성해야 할"
        ),
        encoding="utf-8",
    )
    decks, _ = load_all(ws)
    after = notes_of(export_apkg(decks, tmp_path / "2.apkg").path, tmp_path)
    guid = genanki.guid_for("ask-kpi-first-year")
    assert set(before) == set(after)
    assert before[guid][0][0] != after[guid][0][0]
    assert "첫 1년 안에" in after[guid][0][0]


def test_missing_genanki_says_how_to_install_it(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "genanki", None)
    decks, _ = load_all(ws)
    from prep.install import hint

    with pytest.raises(PrepError) as caught:
        export_apkg(decks, tmp_path / "x.apkg")
    assert str(caught.value) == f"Anki export needs the genanki package: {hint('anki')}"
    assert not (tmp_path / "x.apkg").exists()


def test_cli_export_one_deck(ws: Path, tmp_path: Path, invoke: Callable[..., object]) -> None:
    out = tmp_path / "ask.apkg"
    result = invoke("-w", str(ws), "deck", "export", "--anki", str(out), "--deck", "ask")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "7 note(s) in 1 deck(s)" in result.output  # type: ignore[attr-defined]
    assert len(notes_of(out, tmp_path)) == 7


def test_cli_export_json_and_unknown_deck(
    ws: Path, tmp_path: Path, invoke: Callable[..., object]
) -> None:
    out = tmp_path / "all.apkg"
    result = invoke("-w", str(ws), "deck", "export", "--anki", str(out), "--json")
    assert json.loads(result.output) == {"path": str(out), "decks": 3, "notes": 59}  # type: ignore[attr-defined]
    bad = invoke("-w", str(ws), "deck", "export", "--anki", str(out), "--deck", "nope")
    assert bad.exit_code == 1  # type: ignore[attr-defined]
    assert "no deck 'nope'; decks: ask, concepts, datavent-backend" in bad.output  # type: ignore[attr-defined]


def test_cli_export_never_replaces_a_file_without_force(
    ws: Path, tmp_path: Path, invoke: Callable[..., object]
) -> None:
    profile = ws / "prep.yaml"
    before = profile.read_bytes()
    bad = invoke("-w", str(ws), "deck", "export", "--anki", str(profile))
    assert bad.exit_code == 1  # type: ignore[attr-defined]
    assert bad.output == f"Error: {profile}: an Anki package must be a .apkg file\n"  # type: ignore[attr-defined]
    bad = invoke("-w", str(ws), "deck", "export", "--anki", str(profile), "--force")
    assert bad.exit_code == 1  # type: ignore[attr-defined]
    assert profile.read_bytes() == before
    out = tmp_path / "old.apkg"
    out.write_bytes(b"keep me")
    bad = invoke("-w", str(ws), "deck", "export", "--anki", str(out))
    assert bad.exit_code == 1  # type: ignore[attr-defined]
    assert bad.output == (  # type: ignore[attr-defined]
        f"Error: {out}: already exists and is not an Anki package made by prep; "
        "give a new file name, or --force to replace it\n"
    )
    assert out.read_bytes() == b"keep me"
    ok = invoke("-w", str(ws), "deck", "export", "--anki", str(out), "--force")
    assert ok.exit_code == 0, ok.output  # type: ignore[attr-defined]
    assert len(notes_of(out, tmp_path)) == 59
    # Updating the package Anki imports: an earlier export is replaced without --force.
    again = invoke("-w", str(ws), "deck", "export", "--anki", str(out), "--deck", "ask")
    assert again.exit_code == 0, again.output  # type: ignore[attr-defined]
    assert len(notes_of(out, tmp_path)) == 7
    # A package made elsewhere (other note types: the user's own deck) is not ours to replace.
    import genanki

    model = genanki.Model(
        1234,
        "Basic",
        fields=[{"name": "F"}],
        templates=[{"name": "c", "qfmt": "{{F}}", "afmt": "x"}],
    )
    mine = genanki.Deck(99, "mine")
    mine.add_note(genanki.Note(model=model, fields=["my own card"]))
    theirs = tmp_path / "mine.apkg"
    genanki.Package(mine).write_to_file(str(theirs))
    before = theirs.read_bytes()
    bad = invoke("-w", str(ws), "deck", "export", "--anki", str(theirs))
    assert bad.exit_code == 1  # type: ignore[attr-defined]
    assert "is not an Anki package made by prep" in bad.output  # type: ignore[attr-defined]
    assert theirs.read_bytes() == before
