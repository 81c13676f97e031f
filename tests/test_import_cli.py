"""`prep deck import` as a person uses it: files in, a deck out, history kept."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

from prep.decks import parse_deck

FIX = Path(__file__).parent / "fixtures" / "import"
NOW = {"PREP_NOW": "2026-11-26T09:00:00+00:00"}


def deck_cards(path: Path) -> list:
    deck, problems = parse_deck(path.read_bytes(), str(path))
    assert not problems and deck is not None
    return deck.cards


def test_import_writes_a_deck_that_passes_check(ws: Path, cli: Callable[..., object]) -> None:
    r = cli("-w", str(ws), "deck", "import", str(FIX / "seed_shape.md"), "--deck", "seed")
    assert r.returncode == 0, r.stderr  # type: ignore[attr-defined]
    out = r.stdout  # type: ignore[attr-defined]
    assert "Wrote decks/seed.yaml: 32 card(s), deck 'seed' (32 new)." in out
    assert "by kind:  technical 12, behavioral 2, ask 7, concept 11" in out
    assert "Job Overview (profile material, not questions)" in out
    check = cli("-w", str(ws), "deck", "check")
    assert check.returncode == 0, check.stderr  # type: ignore[attr-defined]
    assert check.stdout.strip() == "ok: 4 deck(s), 91 card(s)"  # type: ignore[attr-defined]
    cards = deck_cards(ws / "decks" / "seed.yaml")
    assert all(not c.auto_id for c in cards)
    again = cli("-w", str(ws), "deck", "import", str(FIX / "seed_shape.md"), "--deck", "seed")
    assert "Nothing to change in decks/seed.yaml" in again.stdout  # type: ignore[attr-defined]
    assert "(0 new, 0 updated, 32 unchanged)" in again.stdout  # type: ignore[attr-defined]


def test_dry_run_shows_counts_and_a_sample_and_writes_nothing(
    ws: Path, invoke: Callable[..., object]
) -> None:
    r = invoke("-w", str(ws), "deck", "import", str(FIX / "titled_questions.md"), "--dry-run")
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    out = r.output  # type: ignore[attr-defined]
    assert "Would write decks/titled-questions.yaml: 6 card(s)" in out
    assert "by kind:  technical 6" in out
    assert "by topic (2): Caching 3, Code 3" in out
    assert "questions: 6 h4 headings, each over the paragraph that asks" in out
    assert "topics:    h3 headings (2 topic(s))" in out
    assert "line 20, no answer  titled-questions-cache-invalidation" in out
    assert "Skipped (all 3):" in out and "Where are the answers? (introduction" in out
    assert "To read it another way: --questions h1..h6|list|details|bold" in out
    assert not (ws / "decks" / "titled-questions.yaml").exists()


def test_json_report(ws: Path, invoke: Callable[..., object]) -> None:
    r = invoke(
        "-w", str(ws), "deck", "import", str(FIX / "noise.md"), "-o",
        str(ws / "decks" / "beh.yaml"), "--json",
    )  # fmt: skip
    doc = json.loads(r.output)  # type: ignore[attr-defined]
    assert doc["deck"] == "beh" and doc["output"] == "decks/beh.yaml"
    assert doc["written"] is True and doc["dry_run"] is False
    assert doc["cards"] == 5 and len(doc["added"]) == 5
    assert doc["by_kind"] == {"behavioral": 5}
    assert doc["duplicates_merged"] == [{"line": 32, "kept_line": 22}]
    assert {s["reason"] for s in doc["skipped"]} >= {"struck through"}


def test_kind_option_and_csv_columns(ws: Path, invoke: Callable[..., object]) -> None:
    r = invoke(
        "-w", str(ws), "deck", "import", str(FIX / "questions.csv"), "--kind", "concept",
        "--columns", "front,back,tags,topic", "--deck", "csvdeck",
    )  # fmt: skip
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    cards = deck_cards(ws / "decks" / "csvdeck.yaml")
    assert {c.kind for c in cards} == {"concept"}
    assert [c.topic for c in cards] == ["Concurrency", "Web", "동시성"]


def test_user_errors_are_one_line(ws: Path, tmp_path: Path, cli: Callable[..., object]) -> None:
    latin = tmp_path / "latin.md"
    latin.write_bytes(b"## Q\n\n- caf\xe9?\n")
    unclosed = tmp_path / "bad.csv"
    unclosed.write_text('front,back\n"open quote,answer\nsecond,row\n', encoding="utf-8")
    cases = [
        (["deck", "import", str(latin)], f"Error: {latin}:3: not UTF-8 text"),
        (["deck", "import", str(unclosed)], f"Error: {unclosed}:2: unterminated quoted field"),
        (
            ["deck", "import", str(tmp_path / "none.md")],
            f"Error: {tmp_path / 'none.md'}: no such file",
        ),
    ]
    for args, message in cases:
        r = cli("-w", str(ws), *args)
        assert r.returncode == 1, (args, r.stderr)  # type: ignore[attr-defined]
        assert r.stderr.strip().startswith(message), r.stderr  # type: ignore[attr-defined]
        assert "Traceback" not in r.stderr  # type: ignore[attr-defined]
    assert sorted(p.name for p in (ws / "decks").glob("*.yaml")) == [
        "ask.yaml",
        "concepts.yaml",
        "datavent-backend.yaml",
    ]


def test_a_deck_id_in_use_elsewhere_is_refused(ws: Path, cli: Callable[..., object]) -> None:
    r = cli("-w", str(ws), "deck", "import", str(FIX / "noise.md"), "--deck", "ask",
            "-o", str(ws / "decks" / "other.yaml"))  # fmt: skip
    assert r.returncode == 1  # type: ignore[attr-defined]
    assert "deck id 'ask' is already used by decks/ask.yaml" in r.stderr  # type: ignore[attr-defined]
    assert not (ws / "decks" / "other.yaml").exists()


def test_no_workspace_needs_an_output_file(tmp_path: Path, cli: Callable[..., object]) -> None:
    r = cli("deck", "import", str(FIX / "list_questions.md"), cwd=tmp_path)
    assert r.returncode == 1  # type: ignore[attr-defined]
    assert "pass -o FILE.yaml" in r.stderr  # type: ignore[attr-defined]
    out = tmp_path / "py.yaml"
    ok = cli("deck", "import", str(FIX / "list_questions.md"), "-o", str(out), cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr  # type: ignore[attr-defined]
    assert len(deck_cards(out)) == 9


def test_a_broken_existing_deck_is_named_and_left_alone(
    ws: Path, cli: Callable[..., object]
) -> None:
    target = ws / "decks" / "broken.yaml"
    target.write_text("deck: broken\ncards:\n  - q: ok\n  - q: [not, text]\n", encoding="utf-8")
    before = target.read_bytes()
    r = cli("-w", str(ws), "deck", "import", str(FIX / "noise.md"), "-o", str(target))
    assert r.returncode == 1  # type: ignore[attr-defined]
    assert "Error: decks/broken.yaml:4:8: 'q' must be text, not a list" in r.stderr  # type: ignore[attr-defined]
    assert target.read_bytes() == before


def test_help_texts(invoke: Callable[..., object]) -> None:
    r = invoke("deck", "import", "--help")
    out = r.output  # type: ignore[attr-defined]
    for option in ("--output", "--deck", "--kind", "--format", "--columns", "--prune", "--dry-run"):
        assert option in out
    assert "re-importing keeps every card's id and history" in " ".join(out.split())
    r = invoke("deck", "export", "--help")
    out = " ".join(r.output.split())  # type: ignore[attr-defined]
    assert "--anki" in out and "updates the same notes" in out


def test_reimport_after_editing_keeps_the_review_history(
    empty_ws: Path, tmp_path: Path, cli: Callable[..., object]
) -> None:
    src = tmp_path / "mine.md"
    shutil.copyfile(FIX / "list_questions.md", src)
    run = lambda *a, **kw: cli("-w", str(empty_ws), *a, env=NOW, **kw)  # noqa: E731
    first = run("deck", "import", str(src), "--deck", "mine")
    assert first.returncode == 0, first.stderr  # type: ignore[attr-defined]
    drill = run("drill", input="\n3\nq\n")
    assert drill.returncode == 0, drill.stderr  # type: ignore[attr-defined]
    db = empty_ws / ".prep" / "prep.db"
    with sqlite3.connect(db) as conn:
        reviewed = conn.execute("SELECT card_id, rating FROM reviews").fetchall()
    assert len(reviewed) == 1 and reviewed[0][1] == 3
    card_id = reviewed[0][0]
    old_q = {c.id: c.q for c in deck_cards(empty_ws / "decks" / "mine.yaml")}[card_id]
    status_before = json.loads(run("status", "--json").stdout)  # type: ignore[attr-defined]

    # The person rewords the question they drilled and another one, and reorders a section.
    text = src.read_text(encoding="utf-8")
    new_q = old_q.rstrip("?") + " in practice?"
    text = text.replace(old_q, new_q).replace(
        "Describe idempotency keys.", "Describe idempotency keys and where they live."
    )
    src.write_text(text, encoding="utf-8")
    second = run("deck", "import", str(src), "--deck", "mine")
    assert second.returncode == 0, second.stderr  # type: ignore[attr-defined]
    assert "(0 new, 2 updated, 7 unchanged)" in second.stdout  # type: ignore[attr-defined]
    assert f"kept id {card_id} for an edited question" in second.stdout  # type: ignore[attr-defined]

    cards = {c.id: c.q for c in deck_cards(empty_ws / "decks" / "mine.yaml")}
    assert cards[card_id] == new_q
    status_after = json.loads(run("status", "--json").stdout)  # type: ignore[attr-defined]
    assert status_after == status_before
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT card_id FROM reviews").fetchall() == [(card_id,)]
        row = conn.execute("SELECT q, active FROM cards WHERE id = ?", (card_id,)).fetchone()
        assert row == (new_q, 1)
        assert conn.execute("SELECT COUNT(*) FROM cards WHERE active = 0").fetchone() == (0,)


def test_an_output_outside_decks_is_said_not_to_be_drilled(
    ws: Path, tmp_path: Path, cli: Callable[..., object]
) -> None:
    for name in ("x.txt", "x.YAML"):  # sync reads *.yaml and *.yml, exactly
        txt = ws / "decks" / name
        r = cli("-w", str(ws), "deck", "import", str(FIX / "list_questions.md"), "-o", str(txt))
        assert r.returncode == 1 and not txt.exists()  # type: ignore[attr-defined]
        assert r.stderr == f"Error: {txt}: a deck file must end in .yaml\n"  # type: ignore[attr-defined]
    out = tmp_path / "out.yaml"
    r = cli("-w", str(ws), "deck", "import", str(FIX / "list_questions.md"), "-o", str(out))
    assert r.returncode == 0 and out.is_file()  # type: ignore[attr-defined]
    assert (  # type: ignore[attr-defined]
        f"note: {out} is not in {ws / 'decks'}/: prep will not drill it until it is moved there"
        in r.stderr
    )
    assert "prep drill" not in r.stdout  # type: ignore[attr-defined]
    assert r.stdout.splitlines()[-1] == f"Next: prep deck check {out}"  # type: ignore[attr-defined]
    r = cli("-w", str(ws), "deck", "import", str(FIX / "list_questions.md"), "--deck", "py")
    assert "not in" not in r.stderr  # type: ignore[attr-defined]
    assert r.stdout.splitlines()[-1].endswith("then: prep drill --deck py")  # type: ignore[attr-defined]
