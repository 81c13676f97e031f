"""Anki packages: notes back into cards, fields mapped, Cloze split, GUIDs kept as ids."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from prep.decks import parse_deck
from prep.errors import PrepError
from prep.importers import import_file
from prep.importers.apkg import guid_id
from prep.importers.writer import plan_import, write

genanki = pytest.importorskip("genanki")

ROOT = Path(__file__).resolve().parent.parent

BASIC = genanki.Model(
    1607392319,
    "Basic",
    fields=[{"name": "Front"}, {"name": "Back"}],
    templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{Back}}"}],
)
TERMS = genanki.Model(
    1607392320,
    "Vocabulary",
    fields=[{"name": "Term"}, {"name": "Definition"}, {"name": "Notes"}],
    templates=[{"name": "Card 1", "qfmt": "{{Term}}", "afmt": "{{Definition}}"}],
)
CLOZE = genanki.Model(
    1607392321,
    "Cloze",
    fields=[{"name": "Text"}, {"name": "Back Extra"}],
    templates=[{"name": "Cloze", "qfmt": "{{cloze:Text}}", "afmt": "{{cloze:Text}}"}],
    model_type=genanki.Model.CLOZE,
)


def package(path: Path, notes: list) -> Path:
    deck = genanki.Deck(2059400110, "Interview::Systems")
    for note in notes:
        deck.add_note(note)
    genanki.Package(deck).write_to_file(str(path))
    return path


def made_by_genanki(path: Path, front: str = "What does a <b>B-tree</b> keep sorted?") -> Path:
    return package(
        path,
        [
            genanki.Note(model=BASIC, fields=[front, "Keys<br>in pages"], guid="g-basic-1"),
            genanki.Note(
                model=BASIC,
                fields=[
                    "Big-O of a hash map?",
                    "<table><tr><th>Op</th><th>Cost</th></tr><tr><td>get</td><td>O(1)</td></tr>"
                    "</table>",
                ],
                guid="g-basic-2",
                tags=["ds", "hash"],
            ),
            genanki.Note(
                model=TERMS,
                fields=["Idempotence", "Same result when repeated", '<img src="diagram.png">'],
                guid="g-term-1",
            ),
            genanki.Note(
                model=CLOZE,
                fields=["{{c1::TCP}} is reliable; {{c2::UDP::a protocol}} is not.", "Layer 4"],
                guid="g-cloze-1",
            ),
        ],
    )


def test_a_genanki_package_reads_every_note_type(tmp_path: Path) -> None:
    result = import_file(made_by_genanki(tmp_path / "mine.apkg"))
    assert result.format == "apkg"
    assert result.title == "Interview"
    got = [(d.q, d.a, d.topic, d.kind, d.id) for d in result.drafts]
    assert got == [
        (
            "What does a B-tree keep sorted?",
            "Keys\\\nin pages",
            "Systems",
            "technical",
            guid_id("g-basic-1"),
        ),
        (
            "Big-O of a hash map?",
            "| Op | Cost |\n| --- | --- |\n| get | O(1) |",
            "Systems",
            "technical",
            guid_id("g-basic-2"),
        ),
        ("Idempotence", "Same result when repeated", "Systems", "technical", guid_id("g-term-1")),
        (
            "[...] is reliable; UDP is not.",
            "TCP\n\nLayer 4",
            "Systems",
            "concept",
            guid_id("g-cloze-1", "-c1"),
        ),
        (
            "TCP is reliable; [a protocol] is not.",
            "UDP\n\nLayer 4",
            "Systems",
            "concept",
            guid_id("g-cloze-1", "-c2"),
        ),
    ]
    assert result.drafts[1].tags == ["ds", "hash"]
    assert [(s.line, s.what) for s in result.skipped] == [(3, "diagram.png")]
    assert "media" in result.skipped[0].reason


def test_a_newer_export_updates_the_cards_it_made(tmp_path: Path) -> None:
    out = tmp_path / "decks" / "anki.yaml"
    first = import_file(made_by_genanki(tmp_path / "v1.apkg"))
    write(plan_import(first, out))
    edited = import_file(
        made_by_genanki(tmp_path / "v2.apkg", front="Which keys does a B-tree keep in order?")
    )
    plan = plan_import(edited, out)
    assert len(plan.cards) == 5
    assert [c["id"] for c in plan.cards] == [d.id for d in first.drafts]
    assert plan.cards[0]["q"] == "Which keys does a B-tree keep in order?"
    assert plan.updated == [guid_id("g-basic-1")] and not plan.added


def test_prep_export_comes_back_with_its_ids_topics_and_kinds(tmp_path: Path) -> None:
    from prep.importers.anki import export_apkg

    decks = []
    for name in ("ask", "concepts"):
        deck, problems = parse_deck((ROOT / "decks" / f"{name}.yaml").read_bytes(), name)
        assert deck is not None and not problems
        decks.append(deck)
    path = tmp_path / "prep.apkg"
    export_apkg(decks, path)
    result = import_file(path)
    want = [(c.id, c.topic, c.kind) for deck in decks for c in deck.cards]
    assert sorted((d.id, d.topic, d.kind) for d in result.drafts) == sorted(want)
    by_id = {d.id: d for d in result.drafts}
    for deck in decks:
        for card in deck.cards:
            assert " ".join(by_id[card.id].q.split()) == " ".join(card.q.split())


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b"not a zip"), "not an Anki package \\(not a zip file\\)"),
        (lambda p: zipfile.ZipFile(p, "w").writestr("media", "{}"), "no collection inside"),
        (
            lambda p: zipfile.ZipFile(p, "w").writestr("collection.anki21b", b"\x28\xb5\x2f\xfd"),
            "the collection inside is damaged",
        ),
    ],
)
def test_what_is_not_a_readable_package_is_one_error_line(
    tmp_path: Path, make, message: str
) -> None:
    path = tmp_path / "bad.apkg"
    make(path)
    with pytest.raises(PrepError, match=message):
        import_file(path)


def test_every_imported_package_writes_a_deck_that_checks(tmp_path: Path) -> None:
    result = import_file(made_by_genanki(tmp_path / "mine.apkg"))
    plan = plan_import(result, tmp_path / "d.yaml")
    deck, problems = parse_deck(plan.text.encode("utf-8"), "d.yaml")
    assert not problems and deck is not None
    assert [c.id for c in deck.cards] == [d.id for d in result.drafts]
