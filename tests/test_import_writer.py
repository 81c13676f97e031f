"""Writing drafts as a deck file, and merging into an existing one without losing ids."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prep.decks import ID_RE, normalize, parse_deck
from prep.errors import DeckError, PrepError
from prep.importers import Draft, Imported
from prep.importers.writer import base_id, plan_import, render, scalar, verify, write

ROOT = Path(__file__).resolve().parent.parent


def imported(*drafts: Draft, title: str = "Imported") -> Imported:
    return Imported(
        path="src.md", format="markdown", title=title, language="en", drafts=list(drafts)
    )


def q(text: str, **kw: object) -> Draft:
    return Draft(q=text, topic=str(kw.pop("topic", "T")), **kw)  # type: ignore[arg-type]


def deck_of(path: Path):
    deck, problems = parse_deck(path.read_bytes(), str(path))
    assert not problems, problems
    assert deck is not None
    return deck


# -- YAML text round-trips exactly ------------------------------------------------

texts = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\x00"),
    max_size=80,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(question=texts, answer=texts, topic=texts, tag=texts)
def test_any_text_reads_back_exactly(question: str, answer: str, topic: str, tag: str) -> None:
    question, answer, topic, tag = question.strip(), answer.strip(), topic.strip(), tag.strip()
    if not normalize(question) or not topic:
        return
    card = {"id": "c-1", "kind": "technical", "topic": topic, "q": question}
    if answer:
        card["a"] = answer
    if tag:
        card["tags"] = [tag]
    text = render("d", "Title: with colon", "en", None, [card])
    header = {"deck": "d", "title": "Title: with colon", "language": "en", "defaults": None}
    verify(text, header, [card], "d.yaml")
    deck, problems = parse_deck(text.encode("utf-8"), "d.yaml")
    assert not problems, (text, problems)
    assert deck is not None
    got = deck.cards[0]
    assert (got.q, got.a, got.topic) == (question, answer, topic)
    assert got.tags == ([tag] if tag else [])


@pytest.mark.parametrize(
    "value",
    [
        "yes",
        "null",
        "3.14",
        "- starts like a list",
        "# looks like a comment",
        "key: value",
        "ends with colon:",
        "'quoted'",
        "tab\there",
        "line one\nline two",
        "  \n",
        "code:\n\tindented with a tab",
        "trailing spaces   \nnext",
        "next\x85line",
        "sep\u2028arator",
        "한국어 질문: 무엇인가요?",
        "*emphasis* and &anchor",
    ],
)
def test_awkward_values_read_back(value: str) -> None:
    value = value.strip()
    card = {"id": "c-1", "kind": "concept", "topic": value or "t", "q": value or "q", "a": value}
    text = render("d", "T", "ko", None, [card])
    deck, problems = parse_deck(text.encode("utf-8"), "d.yaml")
    assert not problems, text
    assert deck is not None
    assert deck.cards[0].q == (value or "q")
    assert deck.cards[0].a == value


def test_multi_line_answers_are_literal_blocks() -> None:
    assert scalar("- one\n- two", 6) == "|\n      - one\n      - two"
    assert scalar("- single line answer", 6, block=True) == "|\n      - single line answer"
    assert scalar("plain", 6) == "plain"
    assert scalar("yes", 6) == '"yes"'


def test_verify_catches_a_value_that_would_not_read_back() -> None:
    card = {"id": "c-1", "kind": "technical", "topic": "T", "q": "What?"}
    text = render("d", "T", "en", None, [card]).replace("What?", "Changed?")
    with pytest.raises(PrepError, match="does not read back"):
        verify(text, {"deck": "d", "title": "T", "language": "en"}, [card], "d.yaml")


# -- ids ---------------------------------------------------------------------------


def test_ids_are_readable_for_titles_and_english_and_hashed_for_korean() -> None:
    assert base_id(q("Why?", name="Globals Are Evil"), "backend") == "backend-globals-are-evil"
    english = base_id(q("Tell me about a time you met a tight deadline."), "beh")
    assert english.startswith("beh-tell-me-about-a-time-you-")
    korean = base_id(q("인덱스 설계 시 고려할 점은?"), "ko")
    assert korean.startswith("ko-") and len(korean) == len("ko-") + 8
    long = base_id(q("x " * 200, name="y" * 300), "d" * 60)
    for cid in (english, korean, long):
        assert ID_RE.match(cid), cid


def test_new_ids_never_take_one_already_used(tmp_path: Path) -> None:
    out = tmp_path / "d.yaml"
    plan = plan_import(
        imported(q("Why?", name="Same"), q("How?", name="Same")),
        out,
        taken={"d-same"},
    )
    assert [c["id"] for c in plan.cards] == ["d-same-2", "d-same-3"]


# -- first write ---------------------------------------------------------------------


def test_first_write_passes_the_deck_parser(tmp_path: Path) -> None:
    out = tmp_path / "decks" / "fresh.yaml"
    plan = plan_import(
        imported(
            q("What is X?", a="- point", kind="concept", keywords=["k1", "k, 2"], tags=["t"]),
            q("Y를 설명해 주세요.", topic="한국어"),
            title="My: deck",
        ),
        out,
    )
    write(plan)
    deck = deck_of(out)
    assert (deck.id, deck.title, deck.language) == ("fresh", "My: deck", "en")
    first, second = deck.cards
    assert (first.q, first.a, first.kind, first.keywords, first.tags) == (
        "What is X?",
        "- point",
        "concept",
        ["k1", "k, 2"],
        ["t"],
    )
    assert not first.auto_id and not second.auto_id
    assert second.topic == "한국어"
    assert plan.added == [first.id, second.id]


def test_nothing_to_write_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PrepError, match="no questions"):
        plan_import(imported(), tmp_path / "d.yaml")


def test_a_bad_deck_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PrepError, match="invalid deck id"):
        plan_import(imported(q("What?")), tmp_path / "d.yaml", deck_id="bad id!")


# -- re-import -----------------------------------------------------------------------


@pytest.fixture
def deck_file(tmp_path: Path) -> Path:
    out = tmp_path / "d.yaml"
    write(
        plan_import(
            imported(
                q("What is a race condition?", a="- timing"),
                q("How do you find slow queries?"),
                q("What is the GIL?", name="GIL"),
                q("데드락은 어떻게 예방하나요?"),
            ),
            out,
        )
    )
    return out


def ids_by_q(path: Path) -> dict[str, str]:
    return {c.q: c.id for c in deck_of(path).cards}


def test_same_source_again_changes_nothing(deck_file: Path) -> None:
    before = deck_file.read_bytes()
    plan = plan_import(
        imported(
            q("What is a race condition?", a="- timing"),
            q("How do you find slow queries?"),
            q("What is the GIL?", name="GIL"),
            q("데드락은 어떻게 예방하나요?"),
        ),
        deck_file,
    )
    assert not plan.changed and plan.text.encode() == before
    assert len(plan.unchanged) == 4 and not plan.added and not plan.updated


def test_edited_reordered_added_and_removed_questions_keep_their_ids(deck_file: Path) -> None:
    old = ids_by_q(deck_file)
    plan = plan_import(
        imported(
            q("데드락은 어떻게 예방하고 탐지하나요?"),  # edited, similar
            q("What exactly is a race condition?", a="- timing, again"),  # edited
            q("Describe the Python GIL and its costs.", name="GIL"),  # rewritten, same title
            q("What is new here?"),  # added
        ),
        deck_file,
    )
    write(plan)
    now = ids_by_q(deck_file)
    assert now["데드락은 어떻게 예방하고 탐지하나요?"] == old["데드락은 어떻게 예방하나요?"]
    assert now["What exactly is a race condition?"] == old["What is a race condition?"]
    assert now["Describe the Python GIL and its costs."] == old["What is the GIL?"]
    assert plan.added == [now["What is new here?"]]
    assert sorted(plan.updated) == sorted(
        [
            old["데드락은 어떻게 예방하나요?"],
            old["What is a race condition?"],
            old["What is the GIL?"],
        ]
    )
    # Gone from the source: kept in the file where it was, and reported. The
    # deck keeps its order; the new card follows the one before it in the source.
    assert plan.missing == [old["How do you find slow queries?"]]
    assert list(now) == [
        "What exactly is a race condition?",
        "How do you find slow queries?",
        "Describe the Python GIL and its costs.",
        "What is new here?",
        "데드락은 어떻게 예방하고 탐지하나요?",
    ]
    assert {m[0] for m in plan.matched_by_text} == {
        old["데드락은 어떻게 예방하나요?"],
        old["What is a race condition?"],
    }


def test_prune_drops_cards_gone_from_the_source(deck_file: Path) -> None:
    old = ids_by_q(deck_file)
    plan = plan_import(imported(q("What is a race condition?")), deck_file, prune=True)
    write(plan)
    assert list(ids_by_q(deck_file)) == ["What is a race condition?"]
    assert len(plan.missing) == 3 and plan.pruned
    # The answer the deck had is kept when the source has none.
    assert deck_of(deck_file).cards[0].a == "- timing"
    assert ids_by_q(deck_file)["What is a race condition?"] == old["What is a race condition?"]


def test_hand_written_deck_cards_survive_a_merge_unchanged(tmp_path: Path) -> None:
    """Merging into an example deck keeps every card it had exactly (defaults too),
    in its order, and puts the new card at the end."""
    for name in ("datavent-backend", "concepts", "ask"):
        out = tmp_path / f"{name}.yaml"
        shutil.copyfile(ROOT / "decks" / f"{name}.yaml", out)
        before = deck_of(out).cards
        plan = plan_import(imported(q("A brand new question for this deck?")), out)
        write(plan)
        after = deck_of(out).cards
        fields = ("id", "kind", "topic", "q", "a", "keywords", "story", "time_s", "tags")
        assert [tuple(getattr(c, f) for f in fields) for c in after[:-1]] == [
            tuple(getattr(c, f) for f in fields) for c in before
        ]
        assert len(plan.missing) == len(before) and plan.added == [after[-1].id]


def test_an_existing_deck_with_errors_is_reported_not_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "d.yaml"
    out.write_text("deck: d\ncards:\n  - q: fine\n  - kind: technical\n", encoding="utf-8")
    before = out.read_bytes()
    with pytest.raises(DeckError) as exc:
        plan_import(imported(q("What?")), out)
    assert "d.yaml:4:5: missing 'q'" in str(exc.value)
    assert out.read_bytes() == before


def test_merge_joins_tags_and_keeps_what_only_the_deck_has(tmp_path: Path) -> None:
    out = tmp_path / "d.yaml"
    out.write_text(
        "deck: d\ntitle: D\ndefaults:\n  time: 2m\ncards:\n"
        "  - id: keep-me\n    q: What is a lock?\n    a: my own answer\n"
        "    keywords: [mutex]\n    story: lock-story\n    time: 90s\n    tags: [mine]\n",
        encoding="utf-8",
    )
    plan = plan_import(imported(q("What is a lock?", kind="concept", tags=["imported"])), out)
    write(plan)
    card = deck_of(out).cards[0]
    assert (card.id, card.a, card.keywords, card.story, card.time_s) == (
        "keep-me",
        "my own answer",
        ["mutex"],
        "lock-story",
        90,
    )
    assert card.tags == ["mine", "imported"] and card.kind == "concept"
    assert "defaults:\n  time: 2m\n" in out.read_text(encoding="utf-8")


def test_the_scan_of_other_decks_finds_every_id_a_parse_finds(tmp_path: Path) -> None:
    from prep.decks import parse_deck
    from prep.importers.writer import ids_in_decks

    root = Path(__file__).resolve().parent.parent
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        'deck: "flow-deck"\ncards:\n  - {id: f-one, q: "What?"}\n  - {"id": \'f-two\', q: Why?}\n'
        "  - id:\n      f-three\n    q: How?\n",
        encoding="utf-8",
    )
    no_key = tmp_path / "stem-deck.yaml"
    no_key.write_text("cards:\n  - id: s-one\n    q: When?\n", encoding="utf-8")
    files = sorted((root / "decks").glob("*.yaml")) + [flow, no_key]
    ids, decks = ids_in_decks(files)
    for f in files:
        deck, problems = parse_deck(f.read_bytes(), str(f))
        assert deck is not None and not problems, f
        assert {c.id for c in deck.cards} <= ids, f
        assert decks[deck.id] == f
    assert {"f-one", "f-two", "f-three", "s-one"} <= ids
