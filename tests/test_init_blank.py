"""`prep init DIR --blank [--lang ko|en]`, and story drafts in `prep answer check`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from prep.starter import default_lang, emit


@pytest.mark.parametrize(
    "lang, question, heading",
    [
        ("en", "Tell me about a time you took ownership", "## Situation"),
        ("ko", "아무도 맡지 않던 문제를 주도적으로", "## 상황"),
    ],
)
def test_blank_workspace_drills_at_once(cli, tmp_path: Path, lang, question, heading) -> None:
    target = tmp_path / "ws"
    r = cli("init", str(target), "--blank", "--lang", lang)
    assert r.returncode == 0, r.stderr
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()) == [
        ".gitignore",
        "answers/ownership-story.md.j2",
        "answers/thank-you.md.j2",
        "decks/start.yaml",
        "prep.yaml",
    ]
    assert (target / "prep.yaml").read_text(encoding="utf-8").startswith("# prep.yaml")
    assert heading in (target / "answers" / "ownership-story.md.j2").read_text(encoding="utf-8")
    deck = cli("-w", str(target), "deck", "check")
    assert deck.returncode == 0 and "error" not in deck.stdout + deck.stderr
    answer = cli("-w", str(target), "answer", "check")
    assert answer.returncode == 0, answer.stdout + answer.stderr
    assert answer.stderr.count("warning: draft:") == 1 and ": error:" not in answer.stderr
    drill = cli("-w", str(target), "drill", input="\n3\nq\n")
    assert drill.returncode == 0, drill.stderr
    assert question in drill.stdout and "✓ ownership-example Good" in drill.stdout
    email = cli("-w", str(target), "answer", "show", "thank-you", "--var", "interviewer=Kim")
    assert email.returncode == 0 and "Kim" in email.stdout


def test_blank_language_follows_the_locale(cli, tmp_path: Path) -> None:
    for env, heading in (
        ({"LANG": "ko_KR.UTF-8", "LC_ALL": ""}, "## 상황"),
        ({"LANG": "C", "LC_ALL": ""}, "## Situation"),
    ):
        target = tmp_path / env["LANG"]
        r = cli("init", str(target), "--blank", env=env)
        assert r.returncode == 0, r.stderr
        assert heading in (target / "answers" / "ownership-story.md.j2").read_text(encoding="utf-8")
    assert default_lang({"LC_ALL": "ko_KR.UTF-8", "LANG": "en_US.UTF-8"}) == "ko"
    assert default_lang({"LANG": "en_GB.UTF-8"}) == "en"
    assert default_lang({}) == "en"


def test_lang_without_blank_or_from_is_a_usage_error(cli, tmp_path: Path) -> None:
    r = cli("init", str(tmp_path / "x"), "--lang", "en")
    assert r.returncode == 2 and "--lang applies to --blank and --from" in r.stderr
    assert not (tmp_path / "x").exists()


STORY = """---
id: s
title: S
{draft}values: []
cards: []
---
## Situation
{{# to write #}}

## Task

## Action

## Result
"""


@pytest.mark.parametrize(
    "draft, expected",
    [
        (
            "draft: true\n",
            [
                "answers/s.md.j2:4: warning: draft: write the story in its STAR sections, then delete `draft: true`"
            ],
        ),
        (
            "competencies: []\n",
            [
                f"answers/s.md.j2:{n}: error: section '{s}' is empty"
                for n, s in ((8, "Situation"), (11, "Task"), (13, "Action"), (15, "Result"))
            ],
        ),
        (
            "draft: false\n",
            [
                f"answers/s.md.j2:{n}: error: section '{s}' is empty"
                for n, s in ((8, "Situation"), (11, "Task"), (13, "Action"), (15, "Result"))
            ],
        ),
        ("draft: soon\n", ["answers/s.md.j2:4: error: 'draft' must be true or false"]),
    ],
)
def test_answer_check_reports_a_draft_instead_of_its_empty_sections(
    empty_ws: Path, draft, expected
) -> None:
    from prep.answers import check
    from prep.workspace import find

    (empty_ws / "answers" / "s.md.j2").write_text(STORY.format(draft=draft), encoding="utf-8")
    problems = [str(p) for p in check(find(str(empty_ws)), card_ids=[])]
    assert problems == expected


def test_a_draft_still_reports_what_is_wrong_with_it(empty_ws: Path) -> None:
    from prep.answers import check
    from prep.workspace import find

    text = STORY.format(draft="draft: true\n").replace("values: []", "values: [nope]")
    text = text.replace("## Task", "## Task\n{{ missing_var }}")
    (empty_ws / "answers" / "s.md.j2").write_text(text, encoding="utf-8")
    problems = [str(p) for p in check(find(str(empty_ws)), card_ids=[])]
    assert any("unknown value 'nope'" in p for p in problems)
    assert any("missing_var" in p and ": error:" in p for p in problems)


# ---------------------------------------------------------------- the YAML writer


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
_value = st.recursive(
    st.one_of(_text, st.integers(-5, 5), st.booleans(), st.none()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text("abcxyz_", min_size=1, max_size=6), inner, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text("abcdef_", min_size=1, max_size=8), _value, max_size=5))
def test_profile_yaml_reads_back_as_written(data: dict) -> None:
    text = "\n".join(emit(data)) + "\n"
    assert (yaml.safe_load(text) or {}) == data
