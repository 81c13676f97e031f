"""STAR answers: sandboxed rendering, located errors, speaking time, lint."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from prep import answers
from prep.errors import PrepError
from prep.workspace import Workspace, find, load_profile

FIXTURES = Path(__file__).parent / "fixtures" / "answers"

HEAD = "---\nid: {id}\ntitle: test\nvalues: [ownership]\n---\n"  # 5 lines: body starts on line 6


def workspace(root: Path) -> Workspace:
    return find(str(root))


def write_story(root: Path, story_id: str, body: str, head: str = HEAD) -> Path:
    path = root / "answers" / f"{story_id}.md.j2"
    path.write_text(head.format(id=story_id) + body, encoding="utf-8")
    return path


def render_error(root: Path, story_id: str) -> PrepError:
    with pytest.raises(PrepError) as info:
        answers.render(workspace(root), story_id)
    return info.value


# ---------------------------------------------------------------- rendering


def test_profile_and_story_vars_render(ws: Path) -> None:
    story = answers.render(workspace(ws), "fastapi-latency")
    result = dict(story.sections)["Result"]
    # metrics.p95_before_ms / p95_after_ms from vars, marked as example figures
    assert "`✎420`ms에서 `✎85`ms로" in result
    assert "420ms에서 85ms로" in answers.unmark(result)
    assert [name for name, _ in story.sections] == [
        "Situation",
        "Task",
        "Action",
        "Result",
        "Learned",
    ]
    assert story.values == ["speed-impact", "ownership"]
    assert story.cards == ["fastapi-async-caveats"]
    assert story.topic == "Python & FastAPI"
    assert story.path == "answers/fastapi-latency.md.j2"
    assert "{{" not in story.markdown


def test_mapping_keys_win_over_dict_methods(ws: Path) -> None:
    write_story(
        ws,
        "keys",
        "{{ company.values | map(attribute='id') | join(',') }}|{{ company.values | length }}"
        "|{{ d.keys }}|{{ metrics.x }}|{{ profile.closing[:3] }}"
        "|{{ candidate.name }}|{{ role.title }}\n",
        head="---\nid: {id}\nvars:\n  metrics: {{x: 7}}\n  d: {{keys: 3}}\n---\n",
    )
    text = answers.render(workspace(ws), "keys").markdown
    assert text.strip() == (
        "ownership,speed-impact,collaboration,continuous-improvement|4|"
        "3|7|데이터|Dongju|파이썬 백엔드 개발자(중급)"
    )


def test_extra_vars_override_story_vars_and_nest(ws: Path) -> None:
    extra = dict(answers.parse_var(v) for v in ["metrics.p95_after_ms=90", "who=김민수"])
    assert extra == {"metrics.p95_after_ms": 90, "who": "김민수"}
    story = answers.render(workspace(ws), "fastapi-latency", extra)
    result = dict(story.sections)["Result"]
    # one nested key replaced (now a real figure, unmarked), its siblings kept (still examples)
    assert "`✎420`ms에서 90ms로" in result


def test_thank_you_email_takes_an_interviewer(ws: Path) -> None:
    story = answers.render(workspace(ws), "thank-you", {"interviewer": "김민수"})
    assert story.kind == "email" and not story.is_star
    assert "안녕하세요, 김민수님." in story.markdown
    default = answers.render(workspace(ws), "thank-you")
    assert "안녕하세요, 면접관님." in default.markdown


@pytest.mark.parametrize("bad", ["nope", "a=b=c=", "=1", "a..b=1", "1x=2"])
def test_parse_var_refuses_malformed(bad: str) -> None:
    if bad == "a=b=c=":  # the value may hold '='
        assert answers.parse_var(bad) == ("a", "b=c=")
        return
    with pytest.raises(PrepError, match="expected name=value"):
        answers.parse_var(bad)


def test_layout_extends_within_answers(ws: Path) -> None:
    for name in ("_layout.md.j2", "layout-story.md.j2"):
        shutil.copyfile(FIXTURES / name, ws / "answers" / name)
    w = workspace(ws)
    assert "_layout" not in [m.id for m in answers.list_stories(w)]
    err = render_error(ws, "layout-story")  # `minutes` is not defined anywhere
    assert str(err).startswith("answers/layout-story.md.j2:12: undefined variable")
    story = answers.render(w, "layout-story", {"minutes": 4})
    assert dict(story.sections) == {
        "Situation": "The platform team at ㈜데이터벤처스 had slow deploys.",
        "Task": "I owned the pipeline.",
        "Action": "I split the build into cached stages.",
        "Result": "Deploys took 4 minutes.",
    }


def test_error_in_an_included_partial_names_the_partial(ws: Path) -> None:
    (ws / "answers" / "_part.md.j2").write_text("one\ntwo {{ missing_here }}\n", encoding="utf-8")
    write_story(ws, "uses-part", "## Situation\n{% include '_part.md.j2' %}\n")
    err = render_error(ws, "uses-part")
    assert str(err).startswith("answers/_part.md.j2:2: undefined variable: 'missing_here'")


# ---------------------------------------------------------------- located errors


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ("## Situation\nok\n{{ nope }}\n", 8, "undefined variable: 'nope' is undefined"),
        ("## Situation\n{{ metrcs.x }}\n", 7, "did you mean 'metrics'?"),
        ("## Situation\n{{ metrics.nothing }}\n", 7, "has no attribute 'nothing'"),
        ("## Situation\n\n\n{% if %}\n", 9, "template syntax:"),
        ("## Situation\n{% for x in y %}\n", 7, "template syntax:"),
        ("## Situation\n{{ 1 / 0 }}\n", 7, "ZeroDivisionError"),
    ],
)
def test_template_errors_name_file_and_line(ws: Path, body: str, line: int, fragment: str) -> None:
    write_story(ws, "bad", body, head="---\nid: {id}\nvars:\n  metrics: {{x: 1}}\n---\n")
    err = render_error(ws, "bad")
    assert str(err).startswith(f"answers/bad.md.j2:{line}: ")
    assert fragment in str(err)
    assert err.problems and err.problems[0].line == line


ESCAPES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ joiner.__init__.__globals__.os }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ self.__dict__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ ''|attr('__class__') }}",
    "{{ '{0.__class__.__mro__}'.format(1) }}",
    "{{ company['values'].append(1) }}",
    "{{ company.update({'name': 'x'}) }}",
    "{{ range.__globals__ }}",
]


@pytest.mark.parametrize("payload", ESCAPES)
def test_sandbox_refuses_python_internals(ws: Path, payload: str) -> None:
    write_story(ws, "escape", f"## Situation\nhello\n{payload}\n")
    err = render_error(ws, "escape")
    assert str(err).startswith("answers/escape.md.j2:8: refused by the template sandbox")


@pytest.mark.parametrize(
    "tag",
    [
        "{% include '../prep.yaml' %}",
        "{% include '..\\\\prep.yaml' %}",
        "{% include 'sub/../../prep.yaml' %}",
        "{% include '/etc/passwd' %}",
        "{% extends '../../etc/passwd' %}",
        "{% import '../prep.yaml' as x %}",
        "{% include 'C:/Windows/win.ini' %}",
    ],
)
def test_loader_refuses_paths_outside_answers(ws: Path, tag: str) -> None:
    write_story(ws, "trav", f"## Situation\n{tag}\n")
    err = render_error(ws, "trav")
    assert str(err).startswith("answers/trav.md.j2:7: refused by the template sandbox")
    assert "only files inside answers/" in str(err)


def test_loader_refuses_a_link_that_leaves_answers(ws: Path) -> None:
    try:
        os.symlink(ws / "prep.yaml", ws / "answers" / "_profile.md.j2")
    except OSError:
        pytest.skip("symlinks not available")
    write_story(ws, "link", "## Situation\n{% include '_profile.md.j2' %}\n")
    err = render_error(ws, "link")
    assert "resolves outside answers/" in str(err)


def test_missing_include_is_located(ws: Path) -> None:
    write_story(ws, "inc", "## Situation\n\n{% include 'nothere.md.j2' %}\n")
    assert str(render_error(ws, "inc")) == (
        "answers/inc.md.j2:8: template not found: no 'nothere.md.j2' in answers/"
    )


@pytest.mark.parametrize(
    "body",
    [
        "{% for i in range(100000) %}{% for j in range(100) %}xxxxxxxx{% endfor %}{% endfor %}",
        "{{ 'x' * 10000000 }}",
        "{{ [1] * 10000000 }}",
        "{{ 9 ** 99999999 }}",
        "{{ 'x'.ljust(1000000000) }}",
        "{{ '{:>999999999}'.format(1) }}",
        "{{ '%0999999999d' % 1 }}",
        "{{ '%*d' % (999999999, 1) }}",
        "{{ 'x'|center(999999999) }}",
        "{{ '%999999999s'|format('x') }}",
        "{{ [1, 2]|slice(999999999)|list }}",
        "{{ lipsum(999999999) }}",
    ],
)
def test_runaway_output_stops_with_a_located_error(ws: Path, body: str) -> None:
    write_story(ws, "huge", f"## Situation\n{body}\n")
    err = render_error(ws, "huge")
    assert str(err).startswith("answers/huge.md.j2:7: ")
    assert any(
        words in str(err)
        for words in ("output limit", "over 200 KB", "too large", "format width over a million")
    )


def test_ordinary_numbers_and_widths_still_work(ws: Path) -> None:
    write_story(
        ws,
        "nums",
        "{{ '{:,}'.format(55000000) }}|{{ '%05d' % 42 }}|{{ '%.1f'|format(99.95) }}"
        "|{{ 'ab'|center(6) }}|{{ 'x'.rjust(3) }}|{{ [1, 2, 3]|batch(2)|list }}\n",
    )
    text = answers.render(workspace(ws), "nums").markdown
    assert text == "55,000,000|00042|100.0|  ab  |  x|[[1, 2], [3]]\n"


def test_self_include_is_stopped(ws: Path) -> None:
    write_story(ws, "loop", "## Situation\n{% include 'loop.md.j2' %}\n")
    err = render_error(ws, "loop")
    assert str(err).startswith("answers/loop.md.j2:")
    assert "without end" in str(err)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("---\nid: x\ntitle: [unclosed\n---\n## Situation\n", 4, "YAML syntax"),
        (
            "---\nid: x\ntitel: typo\n---\n",
            3,
            "unknown front matter key 'titel'; did you mean 'title'?",
        ),
        ("---\nid: x\nvalues: ownership\n---\n", 3, "'values' must be a list"),
        ("---\nid: x\nkind: poem\n---\n", 3, "kind must be one of story, email, text"),
        ("---\nid: x\nvars: [1, 2]\n---\n", 3, "'vars' must be a mapping"),
        ("---\nid: x\ntitle: [a, b]\n---\n", 3, "'title' must be text"),
        ("---\nid: x\nvalues: [a, &x b, *x]\n---\n", 3, "not allowed"),
        ("---\nid: x\n## Situation\n", 1, "never closed"),
        ("## Situation\nno front matter\n", 1, "missing front matter"),
        ("---\n- a\n- b\n---\n", 2, "front matter must be a mapping"),
    ],
)
def test_bad_front_matter_is_located(ws: Path, text: str, line: int, fragment: str) -> None:
    (ws / "answers" / "fm.md.j2").write_text(text, encoding="utf-8")
    err = render_error(ws, "fm")
    assert str(err).startswith(f"answers/fm.md.j2:{line}: ")
    assert fragment in str(err)


def test_invalid_and_unknown_story_ids(ws: Path) -> None:
    w = workspace(ws)
    for bad in ("../prep", "/etc/passwd", "_layout", "a/b"):
        with pytest.raises(PrepError, match="is not a story id"):
            answers.render(w, bad)
    with pytest.raises(
        PrepError, match="no story 'fastapi-latenc'.*did you mean 'fastapi-latency'"
    ):
        answers.render(w, "fastapi-latenc")


def test_bad_utf8_is_located(ws: Path) -> None:
    (ws / "answers" / "enc.md.j2").write_bytes(b"---\nid: enc\n---\n## Situation\n\xff\xfe\n")
    assert str(render_error(ws, "enc")).startswith("answers/enc.md.j2:5: file is not valid UTF-8")


# ---------------------------------------------------------------- sections and time


def test_korean_and_english_headings_map_to_star() -> None:
    text = (FIXTURES / "speech-ko.md").read_text(encoding="utf-8")
    _, sections = answers.split_sections(text)
    assert [name for name, _, _ in sections] == [
        "Situation",
        "Task",
        "Action",
        "Result",
        "Learned",
    ]
    for heading, name in [
        ("S — Situation", "Situation"),
        ("Task (과제)", "Task"),
        ("행동", "Action"),
        ("Results", "Result"),
        ("배운 점", "Learned"),
        ("Notes", None),
    ]:
        assert answers.section_name(heading) == name


def test_headings_inside_code_fences_are_not_sections() -> None:
    _, sections = answers.split_sections("## Action\n```\n## Result\n```\ntext\n")
    assert [name for name, _, _ in sections] == ["Action"]


def test_speaking_time_english_hand_count() -> None:
    # Hand-counted words per section: 13, 18, 17 + 21 + 17, 12 = 98.
    text = (FIXTURES / "speech-en.md").read_text(encoding="utf-8")
    assert answers.speaking_seconds(text) == pytest.approx(60 * 98 / 130, rel=0.15)
    _, sections = answers.split_sections(text)
    expected = {"Situation": 13, "Task": 18, "Action": 55, "Result": 12}
    for name, _, body in sections:
        assert answers.speaking_seconds(body) == pytest.approx(
            60 * expected[name] / 130, rel=0.15
        ), name


def test_speaking_time_korean_hand_count() -> None:
    # Hand-counted syllables: 23, 27, 16 + 31, 21, 18 = 136.
    text = (FIXTURES / "speech-ko.md").read_text(encoding="utf-8")
    assert answers.speaking_seconds(text) == pytest.approx(60 * 136 / 310, rel=0.15)
    _, sections = answers.split_sections(text)
    expected = {"Situation": 23, "Task": 27, "Action": 47, "Result": 21, "Learned": 18}
    for name, _, body in sections:
        assert answers.speaking_seconds(body) == pytest.approx(
            60 * expected[name] / 310, rel=0.15
        ), name


@pytest.mark.parametrize(
    ("token", "syllables"),
    [
        ("FastAPI", 7),  # 패스트에이피아이
        ("API", 5),  # 에이피아이
        ("Redis", 3),  # 레디스
        ("cache", 2),  # 캐시
        ("420", 4),  # 사백이십
        ("1200", 3),  # 천이백
        ("2024", 5),  # 이천이십사
        ("15000", 3),  # 만오천
        ("99.9", 5),  # 구십구점구
        ("0", 1),  # 영
    ],
)
def test_english_terms_and_numbers_count_as_the_korean_syllables_said(
    token: str, syllables: int
) -> None:
    assert answers.korean_syllables(token) == syllables


def test_english_terms_inside_korean_take_korean_time() -> None:
    # 16 Hangul syllables, then FastAPI (7), Redis (3), 420 (4) and % (퍼센트, 3): 33 in all.
    text = "저는 FastAPI 서버의 Redis 캐시로 응답을 420% 줄였습니다."
    assert answers.count_units(text) == (16, 3)
    assert answers.speaking_seconds(text) == pytest.approx(60 * 33 / answers.SYLLABLES_PER_MIN)
    # English prose keeps words a minute.
    english = "I cut the p95 latency of the FastAPI service by half."
    assert answers.speaking_seconds(english) == pytest.approx(60 * 11 / answers.WORDS_PER_MIN)


def test_spoken_text_skips_markdown_syntax() -> None:
    md = (
        "# Title words here\n"
        "1. 캐시를 **바꿨습니다**\n"
        "- see [the docs](https://example.com/a/b/c)\n"
        "```python\nimport os\nprint(os.environ)\n```\n"
        "<!-- a note to self -->\n"
    )
    # Spoken: 캐시를 바꿨습니다 (3 + 5 syllables), "see the docs" (3 words).
    assert answers.count_units(answers.spoken_text(md)) == (8, 3)


# ---------------------------------------------------------------- the example workspace


def test_every_example_story_renders_in_time_without_problems(ws: Path) -> None:
    w = workspace(ws)
    report = answers.check_report(w)
    # Invented figures are reported until replaced; nothing else may be.
    assert [str(p) for p in report.problems if "example figure" not in p.message] == []
    stories = [s for s in report.stories if s.kind == "story"]
    assert len(stories) >= 10
    for s in stories:
        assert s.seconds is not None and 90 <= s.seconds <= 150, (s.id, s.seconds)
        assert set(s.split) == {"Situation", "Task", "Action", "Result"}
        assert s.split["Action"] >= 40, s.id
    values = {v for v, _ in answers.company_values(load_profile(w).data)}
    covered = {v for m in answers.list_stories(w) for v in m.values}
    assert values and values <= covered


def test_list_stories_reads_front_matter_only(ws: Path) -> None:
    write_story(ws, "zz-broken-body", "## Situation\n{{ undefined_thing }}\n")
    metas = {m.id: m for m in answers.list_stories(workspace(ws))}
    assert metas["zz-broken-body"].values == ["ownership"]
    assert metas["thank-you"].kind == "email"
    assert metas["cfn-automation"].cards == ["cfn-modularization", "ec2-autoscaling-s3-lifecycle"]


def test_cached_render_follows_file_changes(ws: Path) -> None:
    w = workspace(ws)
    first = answers.render_story_cached(w, "team-conflict")
    assert answers.render_story_cached(w, "team-conflict") is first
    path = ws / "answers" / "team-conflict.md.j2"
    path.write_text(path.read_text(encoding="utf-8").replace("설계는", "설계안은"), "utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    second = answers.render_story_cached(w, "team-conflict")
    assert second is not first
    assert "설계안은" in dict(second.sections)["Result"]


# ---------------------------------------------------------------- lint


def problems_of(root: Path, path: str) -> list[str]:
    """Problems of one file, leaving out the example-figure reminder every example story has."""
    return [
        str(p)
        for p in answers.check(workspace(root))
        if p.path == path and "example figure" not in p.message
    ]


def test_check_reports_unknown_value_card_and_id(ws: Path) -> None:
    path = ws / "answers" / "fastapi-latency.md.j2"
    text = path.read_text(encoding="utf-8")
    text = text.replace("id: fastapi-latency", "id: fastapi-latency2")
    text = text.replace("values: [speed-impact, ownership]", "values: [speed-impact, ownershp]")
    text = text.replace("cards: [fastapi-async-caveats]", "cards: [fastapi-async-caveat]")
    path.write_text(text, encoding="utf-8")
    found = problems_of(ws, "answers/fastapi-latency.md.j2")
    assert found == [
        "answers/fastapi-latency.md.j2:2: error: id 'fastapi-latency2' must match the file name "
        "'fastapi-latency'",
        "answers/fastapi-latency.md.j2:4: error: unknown value 'ownershp'; did you mean "
        "'ownership'?",
        "answers/fastapi-latency.md.j2:6: error: unknown card 'fastapi-async-caveat'; did you "
        "mean 'fastapi-async-caveats'?",
    ]


def test_check_reports_uncovered_company_value(ws: Path) -> None:
    for f in (ws / "answers").glob("*.md.j2"):
        lines = f.read_text(encoding="utf-8").split("\n")
        for i, line in enumerate(lines):
            if line.startswith("values: ["):
                kept = [v.strip() for v in line[9:-1].split(",") if v.strip() != "collaboration"]
                lines[i] = f"values: [{', '.join(kept)}]"
        f.write_text("\n".join(lines), encoding="utf-8")
    profile_lines = (ws / "prep.yaml").read_text(encoding="utf-8").split("\n")
    line = next(i for i, t in enumerate(profile_lines, 1) if "id: collaboration" in t)
    assert problems_of(ws, "prep.yaml") == [
        f"prep.yaml:{line}: error: company value 'collaboration' (협업 (Collaboration)) is not "
        "shown by any story; list it in a story's values"
    ]


def test_check_reports_missing_empty_and_unknown_sections(ws: Path) -> None:
    write_story(
        ws,
        "partial",
        "## Situation\nSomething happened at work that mattered.\n\n## Task\n\n## Notes\nhi\n",
    )
    found = problems_of(ws, "answers/partial.md.j2")
    assert "answers/partial.md.j2:9: error: section 'Task' is empty" in found
    assert (
        "answers/partial.md.j2:11: warning: '## Notes' is not a STAR section "
        "(expected Situation, Task, Action, Result, Learned)"
    ) in found
    assert "answers/partial.md.j2:6: error: missing STAR sections '## Action', '## Result'" in found


def test_check_warns_on_time_and_split(ws: Path) -> None:
    long_situation = "상황을 길게 설명합니다. " * 100  # 1,000 syllables: ~171 s
    write_story(
        ws,
        "lopsided",
        f"## Situation\n{long_situation}\n## Task\n과제입니다.\n## Action\n짧게 했습니다.\n"
        "## Result\n좋아졌습니다.\n",
    )
    found = problems_of(ws, "answers/lopsided.md.j2")
    assert any(
        p.startswith("answers/lopsided.md.j2:1: warning: takes ~") and "too long" in p
        for p in found
    )
    assert any(p.startswith("answers/lopsided.md.j2:10: warning: Action is ") for p in found)
    assert any(p.startswith("answers/lopsided.md.j2:6: warning: Situation is ") for p in found)
    assert not [p for p in found if ": error: " in p]


def test_check_reports_render_errors_and_card_links(ws: Path) -> None:
    write_story(ws, "broken", "## Situation\n{{ ''.__class__ }}\n")
    deck = ws / "decks" / "datavent-backend.yaml"
    deck.write_text(
        deck.read_text(encoding="utf-8").replace("story: jwt-auth", "story: jwt-authh"), "utf-8"
    )
    problems = [str(p) for p in answers.check(workspace(ws))]
    assert any(
        p.startswith("answers/broken.md.j2:7: error: refused by the template sandbox")
        for p in problems
    )
    card_line = next(
        i
        for i, t in enumerate(deck.read_text(encoding="utf-8").split("\n"), 1)
        if t.strip() == "- id: fastapi-jwt-auth"
    )
    assert (
        f"decks/datavent-backend.yaml:{card_line}: error: card 'fastapi-jwt-auth' links story "
        "'jwt-authh', but answers/jwt-authh.md.j2 does not exist; did you mean 'jwt-auth'?"
    ) in problems
    # jwt-auth's own card no longer points back at it: a warning on its cards line.
    assert any(
        p.startswith("answers/jwt-auth.md.j2:6: warning: card 'fastapi-jwt-auth' does not show")
        for p in problems
    )


def test_check_with_given_card_ids(ws: Path) -> None:
    problems = answers.check(workspace(ws), card_ids=["fastapi-async-caveats"])
    unknown = [p for p in problems if "unknown card" in p.message]
    assert unknown and all(p.severity == "error" for p in unknown)
    assert not [
        p
        for p in problems
        if p.path == "answers/fastapi-latency.md.j2" and "example figure" not in p.message
    ]


# ---------------------------------------------------------------- scaffold


def test_scaffold_creates_and_refuses_to_overwrite(ws: Path) -> None:
    w = workspace(ws)
    path = answers.scaffold(w, "new-story", "새 이야기", ["ownership"], ["fastapi-async-caveats"])
    meta = next(m for m in answers.list_stories(w) if m.id == "new-story")
    assert (meta.title, meta.values, meta.cards, meta.topic) == (
        "새 이야기",
        ["ownership"],
        ["fastapi-async-caveats"],
        "Python & FastAPI",
    )
    # Renders, but its four sections are empty until written.
    story = answers.render(w, "new-story")
    assert [name for name, _ in story.sections] == [*answers.STAR, "Learned"]
    empties = [p for p in problems_of(ws, "answers/new-story.md.j2") if "is empty" in p]
    assert len([p for p in empties if ": error: " in p]) == 4
    assert len([p for p in empties if ": warning: section 'Learned'" in p]) == 1
    before = path.read_text(encoding="utf-8")
    path.write_text(before + "edited\n", encoding="utf-8")
    with pytest.raises(PrepError, match="already exists; not overwriting"):
        answers.scaffold(w, "new-story")
    assert path.read_text(encoding="utf-8") == before + "edited\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("../evil",), "not a valid story id"),
        (("_hidden",), "not a valid story id"),
        (("ok", None, ["ownershp"]), "did you mean 'ownership'"),
        (("ok", None, [], ["no-such-card"]), "--card 'no-such-card' is not a card"),
    ],
)
def test_scaffold_validates(ws: Path, args: tuple, message: str) -> None:
    with pytest.raises(PrepError, match=message):
        answers.scaffold(workspace(ws), *args)
    assert not (ws / "answers" / "ok.md.j2").exists()
