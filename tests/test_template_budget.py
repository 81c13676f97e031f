"""Templates run under a CPU-time and memory budget kept by the sandbox itself.

Nothing here relies on a per-call argument check: nested loops that print
nothing, recursion that holds memory, filters that build huge strings from
small arguments each stop with one located error.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from prep import answers
from prep.errors import PrepError
from prep.workspace import find

HEAD = "---\nid: t\ntitle: t\nvalues: []\ncards: []\n---\n## Situation\n"  # body on line 8


@pytest.fixture
def story(empty_ws: Path):
    ws = find(str(empty_ws))

    def render(body: str) -> str:
        (empty_ws / "answers" / "t.md.j2").write_text(HEAD + body + "\n", encoding="utf-8")
        answers._ENVS.clear()
        return answers.render_template(ws, "t.md.j2", {}, "answers/t.md.j2")

    return render


def _refused(render, body: str, message: str, cpu_s: float = 1.0) -> str:
    started = time.process_time()
    with pytest.raises(PrepError) as info:
        render(body)
    spent = time.process_time() - started
    assert message in str(info.value)
    assert str(info.value).startswith("answers/t.md.j2:8: "), str(info.value)
    assert spent < cpu_s, f"{spent:.2f} s of CPU before it stopped"
    return str(info.value)


def test_nested_loops_that_print_nothing_stop_at_the_cpu_budget(story, monkeypatch):
    monkeypatch.setattr(answers, "RENDER_CPU_S", 0.2)
    body = "{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}"
    _refused(story, body, "the template used more than 0.2 s of CPU time; stopped")
    # the same through a macro and a filter call per turn, and a loop over data
    body = (
        "{% macro m() %}{% endmacro %}{% for a in range(99999) %}{% for b in range(99999) %}"
        "{{ m() }}{{ b|string|length }}{% endfor %}{% endfor %}"
    )
    _refused(story, body, "0.2 s of CPU time")
    body = (
        "{% set xs = range(99999)|list %}{% for a in xs %}{% for b in xs|select('odd') %}"
        "{% endfor %}{% endfor %}"
    )
    _refused(story, body, "0.2 s of CPU time")


def test_memory_held_by_recursion_stops_at_the_memory_budget(story, monkeypatch):
    monkeypatch.setattr(answers, "RENDER_MEMORY", 40 * 1024 * 1024)
    body = (
        "{% macro m(n) %}{% set big = range(1000, 100000)|list %}{{ m(n - 1) if n else '' }}"
        "{{ big|length }}{% endmacro %}{{ m(300) }}"
    )
    _refused(story, body, "the template used more than 40 MB of memory; stopped", cpu_s=5)


@pytest.mark.parametrize(
    "body, message",
    [
        ('{{ ("x" * 100000) | replace("x", "y" * 100000) }}', "replacing into a text"),
        ('{{ ("x" * 100000).replace("x", "y" * 100000) }}', "replacing into a text"),
        ('{{ "abcdefghijk" | replace("", "y" * 100000) }}', "replacing into a text"),
        ('{{ ("\\n" * 100000) | indent(100000) }}', "indenting into a text"),
        ('{{ ("\\n" * 100000) | indent("y" * 100000) }}', "indenting into a text"),
        (
            '{% set b = "x" * 100000 %}{{ "%s%s%s%s%s%s%s%s%s%s%s" | format(b,b,b,b,b,b,b,b,b,b,b) }}',
            "joining or formatting",
        ),
        ("{{ '{:>{w}}'.format(1, w=100000000) }}", "a format width taken from an argument"),
        ("{{ lipsum(200000, false, 10, 100) }}", "lipsum of more than 20,000 words"),
        (
            '{% set ns = namespace(s="x") %}{% for i in range(64) %}'
            "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
            "joining or formatting",
        ),
        (
            '{% set ns = namespace(s="x") %}{% for i in range(64) %}'
            "{% set ns.s = ns.s + ns.s %}{% endfor %}",
            "joining or formatting",
        ),
        ('{% set b = "x" * 100000 %}{{ [b, b, b, b, b, b, b, b, b, b, b] | join }}', "joining"),
        ('{{ [("x" * 100000)] * 100000 }}', "would exceed the output limit"),
        ('{{ ("\\t" * 100000).expandtabs(100000) }}', "expanding tabs"),
        ("{{ ([[1, 2, 3]] * 50000) | sum(start=[]) }}", "sum adds numbers only"),
        (
            "{% set ns = namespace(x=3) %}{% for i in range(40) %}{% set ns.x = ns.x * ns.x %}"
            "{% endfor %}",
            "the product is too large",
        ),
    ],
)
def test_string_building_is_bounded_by_the_result_size(story, body, message):
    _refused(story, body, message, cpu_s=0.5)


def test_ordinary_templates_are_not_slowed_or_refused(story):
    body = (
        "{% for i in range(2000) %}{{ i }} {% endfor %}\n"
        "{{ 'a,b,c'.split(',') | join(' / ') }} {{ '%05.1f' | format(3.14159) }}\n"
        "{{ ('word ' * 200) | wordwrap(40) | length }} {{ 'x' | replace('x', 'y') }}\n"
        "{{ lipsum(2, false, 5, 10) | length > 0 }} {{ [1, 2, 3] | sum }}"
    )
    started = time.process_time()
    text = story(body)
    assert time.process_time() - started < 0.5
    assert "1999 " in text and "a / b / c" in text and "003.1" in text and "True 6" in text


def test_the_budget_does_not_outlive_the_rendering(story, monkeypatch):
    monkeypatch.setattr(answers, "RENDER_CPU_S", 0.2)
    with pytest.raises(PrepError):
        story("{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}")
    assert answers._RUNNING is None
    assert story("{{ 1 + 1 }}").endswith("## Situation\n2\n")
