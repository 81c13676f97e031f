"""Example figures: invented values a story marks, shown marked wherever it renders, counted by check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from prep import answers
from prep.workspace import Workspace, find, load_profile

HEAD = "---\nid: {id}\ntitle: test\nvalues: [ownership]\nvars:\n{vars}---\n"


def workspace(root: Path) -> Workspace:
    return find(str(root))


def write_story(root: Path, story_id: str, body: str, vars_yaml: str = "  {}\n") -> Path:
    path = root / "answers" / f"{story_id}.md.j2"
    path.write_text(HEAD.format(id=story_id, vars=vars_yaml) + body, encoding="utf-8")
    return path


STAR = "\n## Task\n과제.\n## Action\n행동.\n## Result\n결과.\n"


def test_an_example_var_renders_marked_and_a_plain_one_does_not(ws: Path) -> None:
    write_story(
        ws,
        "ex",
        "## Situation\n{{ m.p95 }}ms, {{ m.real }}ms{{ STAR }}".replace("{{ STAR }}", STAR),
        "  m: {p95: {example: 85}, real: 100}\n",
    )
    story = answers.render(workspace(ws), "ex")
    situation = dict(story.sections)["Situation"]
    assert situation == "`✎85`ms, 100ms"
    assert story.examples == ["85"]
    assert answers.unmark(situation) == "85ms, 100ms"


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        ("m.a * 2", "170"),
        ("2 * m.a", "170"),
        ("2.5 * m.a", "212.5"),
        ("m.b + m.a", "87.5"),
        ("100 - m.a", "15"),
        ("m.c / m.a", "2.0"),
        ("m.c // m.a", "2"),
        ('"%.1f" | format(m.a / 3)', "28.3"),
        ('"%.1f" % (m.a / 3)', "28.3"),
        ("(m.c / m.a * 100) | round | int", "200"),
        ("m.a | string", "85"),
        ("[m.a, m.c] | sum", "255"),
        ("m.a | abs", "85"),
        ("-m.a", "-85"),
        ("m.s", "이커머스"),
        ("m.s ~ '에서'", "✎이커머스`에서"),  # concatenation marks the example only
        ("m.s + '에서'", "이커머스에서"),
        ("m.s.upper()", "이커머스"),
        ("m.s | replace('이', '리')", "리커머스"),
        ("'{} 명'.format(m.a)", "✎85` 명"),  # the figure is marked inside the text
        ("m.l | join(', ')", None),
    ],
)
def test_a_figure_computed_from_an_example_stays_marked(ws: Path, expr: str, value: str) -> None:
    write_story(
        ws,
        "ex",
        "## Situation\n{{ " + expr + " }}" + STAR,
        '  m: {a: {example: 85}, b: 2.5, c: {example: 170}, s: {example: "이커머스"},\n'
        "      l: {example: [3, 4]}}\n",
    )
    out = dict(answers.render(workspace(ws), "ex").sections)["Situation"]
    if value is None:  # a list of examples: each item marked
        assert out == "`✎3`, `✎4`"
    elif value.startswith("✎"):
        assert out == "`" + value
    else:
        assert out == f"`✎{value}`", out


def test_a_comparison_on_an_example_is_a_plain_boolean(ws: Path) -> None:
    write_story(
        ws,
        "ex",
        "## Situation\n{% if m.a > 50 %}빠름{% endif %} {{ m.a == 85 }}" + STAR,
        "  m: {a: {example: 85}}\n",
    )
    assert dict(answers.render(workspace(ws), "ex").sections)["Situation"] == "빠름 True"


def test_the_example_filter_marks_a_passage_once(ws: Path) -> None:
    write_story(
        ws,
        "ex",
        "## Situation\n{% filter example %}팀 {{ m.n }}명이 있었습니다{% endfilter %}. "
        '{{ "이커머스" | example }}' + STAR,
        "  m: {n: {example: 6}}\n",
    )
    meta = answers.load_meta(workspace(ws), "ex")
    assert meta.examples == ["m.n"] and meta.example_passages == 2
    out = dict(answers.render(workspace(ws), "ex").sections)["Situation"]
    assert out == "`✎팀 6명이 있었습니다`. `✎이커머스`"  # the inner mark is folded into the passage


def test_backticks_inside_an_example_keep_the_code_span_whole() -> None:
    marked = answers.mark_example("a `b` c`")
    assert marked == "``✎a `b` c` ``"
    assert answers.unmark(marked) == "a `b` c`"
    assert answers.example_spans("x " + marked + " y") == ["a `b` c`"]


def test_an_example_with_a_note_and_nested_maps_are_found_with_their_lines(ws: Path) -> None:
    write_story(
        ws,
        "ex",
        "## Situation\n{{ a.b.c }} {{ d }}" + STAR,
        "  a:\n    b:\n      c: {example: 1, note: 실제 팀 규모}\n  d: {example: x}\n",
    )
    meta = answers.load_meta(workspace(ws), "ex")
    assert meta.examples == ["a.b.c", "d"]
    assert meta.example_lines == [8, 9]
    assert meta.to_dict()["examples"] == ["a.b.c", "d"]


def test_a_mapping_with_other_keys_is_not_an_example(ws: Path) -> None:
    write_story(
        ws,
        "ex",
        "## Situation\n{{ m.example }} {{ m.other }}" + STAR,
        "  m: {example: 1, other: 2}\n",
    )
    meta = answers.load_meta(workspace(ws), "ex")
    assert meta.examples == []
    assert dict(answers.render(workspace(ws), "ex").sections)["Situation"] == "1 2"


def test_check_warns_once_a_story_at_its_first_example_until_replaced(ws: Path) -> None:
    path = write_story(
        ws,
        "ex",
        "## Situation\n{{ m.a }} {{ m.b }}" + STAR,
        "  m: {a: {example: 85}, b: {example: 90}}\n",
    )
    w = workspace(ws)
    mine = [p for p in answers.check(w) if p.path == "answers/ex.md.j2"]
    examples = [p for p in mine if "example figure" in p.message]
    assert len(examples) == 1
    assert examples[0].severity == "warning" and examples[0].line == 6
    assert "2 example figures" in examples[0].message and "m.a, m.b" in examples[0].message
    path.write_text(path.read_text(encoding="utf-8").replace("{example: 85}", "85"), "utf-8")
    path.write_text(path.read_text(encoding="utf-8").replace("{example: 90}", "90"), "utf-8")
    again = [p for p in answers.check(w) if p.path == "answers/ex.md.j2"]
    assert not [p for p in again if "example figure" in p.message]


def test_a_var_given_on_the_command_line_replaces_the_example(ws: Path) -> None:
    write_story(ws, "ex", "## Situation\n{{ m.a }}ms" + STAR, "  m: {a: {example: 85}}\n")
    story = answers.render(workspace(ws), "ex", {"m.a": 70})
    assert dict(story.sections)["Situation"] == "70ms" and story.examples == []


def test_answer_list_and_show_report_the_examples(invoke, ws: Path) -> None:
    write_story(ws, "ex", "## Situation\n{{ m.a }}ms" + STAR, "  m: {a: {example: 85}}\n")
    listed = json.loads(invoke("-w", str(ws), "answer", "list", "--json").output)
    row = next(s for s in listed["stories"] if s["id"] == "ex")
    assert row["examples"] == ["m.a"] and row["example_count"] == 1
    table = invoke("-w", str(ws), "answer", "list", env={"COLUMNS": "200"}).output
    line = next(x for x in table.splitlines() if x.startswith("ex "))
    assert line.split()[:3] == ["ex", line.split()[1], "1"]
    shown = invoke("-w", str(ws), "answer", "show", "ex").output
    assert "✎85ms" in shown and "1 example figure: replace with your own" in shown
    doc = json.loads(invoke("-w", str(ws), "answer", "show", "ex", "--json").output)
    assert doc["examples"] == ["85"]


def test_the_story_panel_of_drill_and_mock_explains_the_mark() -> None:
    from rich.console import Console

    from prep.ui.render import story

    console = Console(record=True, width=80, color_system=None)
    console.print(story([("Situation", "p95 `✎420`ms")], "t", 100))
    out = console.export_text()
    assert "✎420ms" in out and "✎ = example figure" in out
    console = Console(record=True, width=80, color_system=None)
    console.print(story([("Situation", "p95 420ms")], "t", 100))
    assert "example figure" not in console.export_text()


def test_reserve_is_a_boolean_flag(ws: Path) -> None:
    head = "---\nid: {id}\ntitle: test\nvalues: [ownership]\nreserve: {flag}\n---\n"
    body = "## Situation\n상황." + STAR
    for flag, ok in (("true", True), ("yes please", False)):
        (ws / "answers" / "r.md.j2").write_text(head.format(id="r", flag=flag) + body, "utf-8")
        metas, problems = answers.scan(workspace(ws))
        mine = [p for p in problems if p.path == "answers/r.md.j2"]
        if ok:
            assert not mine and next(m for m in metas if m.id == "r").reserve is True
        else:
            assert [p.message for p in mine] == ["'reserve' must be true or false"]


# ---------------------------------------------------------------- the example workspace


def _sentinels(value: Any, found: list[str]) -> Any:
    """Each example leaf replaced by a unique, recognisable example value."""
    if answers.is_example(value):
        n = len(found)
        if isinstance(value, str):
            token = f"QZX{n:02d}"
            found.append(token)
            return answers.as_example(token)
        number = 737_000 + n * 11  # digits no story writes by itself
        found.append(str(number))
        return answers.as_example(number)
    if isinstance(value, dict):
        return {k: _sentinels(v, found) for k, v in value.items()}
    if isinstance(value, list):
        return [_sentinels(v, found) for v in value]
    return value


def test_no_example_figure_is_ever_rendered_without_its_marker(ws: Path) -> None:
    """Every example of every bundled story, rendered for answer show and for the drill/mock
    panel, appears only inside its mark; each one is used by its story."""
    from rich.console import Console

    from prep.ui.render import story as panel

    w = workspace(ws)
    profile = load_profile(w).data
    metas = answers.list_stories(w)
    checked = 0
    for meta in metas:
        tokens: list[str] = []
        meta.vars = _sentinels(meta.vars, tokens)
        assert len(tokens) == len(meta.examples), meta.id
        if not tokens:
            continue
        story = answers.render_meta(w, meta, profile)
        bare = answers._MARKED.sub("", story.markdown)
        inside = " ".join(story.examples)
        for token in tokens:
            assert token not in bare, (meta.id, token)  # never shown unmarked
            assert token in inside, (meta.id, token)  # and shown at all
        if story.is_star:
            console = Console(record=True, width=200, color_system=None)
            console.print(panel(story.sections, story.title, story.seconds))
            screen = console.export_text()
            for token in tokens:
                assert screen.count(token) == screen.count("✎" + token), (meta.id, token)
        checked += 1
    assert checked >= 15


def test_every_invented_figure_of_the_example_stories_is_marked(ws: Path) -> None:
    """Numbers in a story's vars are examples, except the seed's own (<100 ms, +40 %, 99.9 %)."""
    seed_figures = {
        ("fastapi-latency", "metrics.target_ms"),
        ("postgres-throughput", "db.gain_pct"),
    }
    seed_figures |= {("monitoring-availability", f"mon.{k}") for k in ("slo_pct", "window_days")}

    def plain_numbers(value: Any, name: str) -> list[str]:
        if isinstance(value, dict):
            return [
                n for k, v in value.items() for n in plain_numbers(v, f"{name}.{k}" if name else k)
            ]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return [] if answers.is_example(value) else [name]
        return []

    for meta in answers.list_stories(workspace(ws)):
        left = {(meta.id, n) for n in plain_numbers(meta.vars, "")} - seed_figures
        assert not left, left
