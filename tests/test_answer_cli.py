"""`prep answer ...` as a user runs it: output, exit codes, one clean error line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

HEAD = "---\nid: {id}\ntitle: test\nvalues: [ownership]\n---\n"


def real_figures(ws: Path) -> None:
    """The example stories as after the user wrote their own figures over the examples."""
    for path in (ws / "answers").glob("*.md.j2"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\{example: (\"[^\"]*\"|[^,}]+)(?:, note: [^}]*)?\}", r"\1", text)
        path.write_text(text, encoding="utf-8")


def write_story(root: Path, story_id: str, body: str) -> Path:
    path = root / "answers" / f"{story_id}.md.j2"
    path.write_text(HEAD.format(id=story_id) + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["answer"], ["list", "show", "new", "check", "map"]),
        (["answer", "list"], ["--json", "speaking time"]),
        (["answer", "show"], ["--var", "--raw", "--json", "ID"]),
        (["answer", "new"], ["--title", "--value", "--card", "overwrites"]),
        (["answer", "check"], ["exit 1 on errors"]),
        (["answer", "map"], ["--json", "company values"]),
    ],
)
def test_help(invoke, args: list[str], words: list[str]) -> None:
    result = invoke(*args, "--help")
    assert result.exit_code == 0
    for word in words:
        assert word in result.output


def test_list_json(invoke, ws: Path) -> None:
    result = invoke("-w", str(ws), "answer", "list", "--json")
    assert result.exit_code == 0
    stories = {s["id"]: s for s in json.loads(result.output)["stories"]}
    fl = stories["fastapi-latency"]
    assert fl["values"] == ["speed-impact", "ownership"]
    assert fl["cards"] == ["fastapi-async-caveats"]
    assert 90 <= fl["seconds"] <= 150
    assert stories["thank-you"]["kind"] == "email"
    assert len(stories) == len(list((ws / "answers").glob("*.md.j2")))


def test_list_table(invoke, ws: Path) -> None:
    result = invoke("-w", str(ws), "answer", "list")
    assert result.exit_code == 0
    assert "fastapi-latency" in result.output
    assert "면접 감사 메일" in result.output


@pytest.mark.parametrize("width", [60, 80, 100, 120])
def test_list_and_map_never_break_an_id(invoke, ws: Path, width: int) -> None:
    stories = json.loads(invoke("-w", str(ws), "answer", "list", "--json").output)["stories"]
    ids = {s["id"] for s in stories}
    ids |= {v for s in stories for v in s["values"]} | {c for s in stories for c in s["cards"]}
    env = {"COLUMNS": str(width)}
    for command in ("list", "map"):
        out = invoke("-w", str(ws), "answer", command, env=env).output
        words = {w.strip(",") for w in out.split()}
        shown = ids if command == "list" else {s["id"] for s in stories if s["kind"] == "story"}
        if command == "map":
            shown |= {v for s in stories for v in s["values"]}
        assert shown <= words, (width, command, shown - words, out)
        assert all(len(line.rstrip()) <= width for line in out.splitlines())
    titles = invoke("-w", str(ws), "answer", "list", env=env).output
    assert "Jenkins·Kubernetes" in titles  # the title is still there, wrapped


@pytest.mark.parametrize("width", [60, 200])
def test_markup_in_titles_and_topics_is_printed_as_text(invoke, ws: Path, width: int) -> None:
    path = ws / "answers" / "fastapi-latency.md.j2"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: ", "title: '[/] [bold]x[/bold] ", 1).replace(
        "\nvalues:", "'\nvalues:", 1), encoding="utf-8")  # fmt: skip
    env = {"COLUMNS": str(width)}
    listed = invoke("-w", str(ws), "answer", "list", env=env)
    assert listed.exit_code == 0, listed.output
    assert "[/] [bold]x[/bold]" in listed.output.replace("\n", "")
    for command in ("map", "check"):
        result = invoke("-w", str(ws), "answer", command, env=env)
        assert result.exit_code == 0, result.output
        assert "fastapi-latency" in result.output


def test_show_story_panels_with_seconds(invoke, ws: Path) -> None:
    result = invoke("-w", str(ws), "answer", "show", "fastapi-latency")
    assert result.exit_code == 0, result.output
    out = result.output
    for name in ("Situation", "Task", "Action", "Result", "Learned"):
        assert f"─ {name} · " in out
    assert "✎420ms에서 ✎85ms로" in out  # example figures keep their mark on screen
    assert "example figures: replace with your own" in out
    assert "s to say (aim ~120s)" in out


def test_story_length_is_rounded_the_same_everywhere(invoke, ws: Path) -> None:
    from prep.answers import load_meta, render_meta, whole_seconds
    from prep.workspace import find, load_profile

    w = find(ws, None)
    exact = render_meta(w, load_meta(w, "cfn-automation"), load_profile(w).data).seconds
    shown_s = f"{whole_seconds(exact)}s"
    listed = invoke("-w", str(ws), "answer", "list", "--json").output
    seconds = {s["id"]: s["seconds"] for s in json.loads(listed)["stories"]}
    assert seconds["cfn-automation"] == round(exact, 1)

    def row(*args: str) -> list[str]:
        out = invoke("-w", str(ws), "answer", *args, env={"COLUMNS": "200"}).output
        return next(line for line in out.split("\n") if line.startswith("cfn-automation")).split()

    assert row("list")[1] == shown_s
    assert row("check")[1] == shown_s
    shown = invoke("-w", str(ws), "answer", "show", "cfn-automation", env={"COLUMNS": "200"})
    assert f"~{shown_s} to say" in shown.output
    assert whole_seconds(112.5) == 113  # half up everywhere, not Python's half to even


def test_show_email_with_var(cli, ws: Path) -> None:
    result = cli("-w", str(ws), "answer", "show", "thank-you", "--var", "interviewer=김민수")
    assert result.returncode == 0, result.stderr
    assert "안녕하세요, 김민수님." in result.stdout
    assert "Situation" not in result.stdout


def test_show_raw_and_json(invoke, ws: Path) -> None:
    raw = invoke("-w", str(ws), "answer", "show", "team-conflict", "--raw")
    assert raw.exit_code == 0
    assert raw.output.startswith("## Situation\n")
    assert "{{" not in raw.output and "데이터벤처스에서도" in raw.output
    assert "㈜" not in raw.output  # said aloud, the company is 데이터벤처스
    doc = json.loads(invoke("-w", str(ws), "answer", "show", "team-conflict", "--json").output)
    assert [s["name"] for s in doc["sections"]] == [
        "Situation",
        "Task",
        "Action",
        "Result",
        "Learned",
    ]
    assert doc["seconds"] == pytest.approx(sum(s["seconds"] for s in doc["sections"]), abs=0.5)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("## Situation\n{{ nope }}\n", "Error: answers/bad.md.j2:7: undefined variable"),
        ("## Situation\n\n{% if %}\n", "Error: answers/bad.md.j2:8: template syntax"),
        (
            "## Situation\n{{ ''.__class__.__mro__ }}\n",
            "Error: answers/bad.md.j2:7: refused by the template sandbox",
        ),
        (
            "## Situation\n{{ cycler.__init__.__globals__ }}\n",
            "Error: answers/bad.md.j2:7: refused by the template sandbox",
        ),
        (
            "## Situation\n{% include '../prep.yaml' %}\n",
            "Error: answers/bad.md.j2:7: refused by the template sandbox",
        ),
    ],
)
def test_show_errors_are_one_located_line(cli, ws: Path, body: str, expected: str) -> None:
    write_story(ws, "bad", body)
    result = cli("-w", str(ws), "answer", "show", "bad")
    assert result.returncode == 1
    assert result.stderr.startswith(expected)
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_show_bad_var_and_unknown_story(invoke, ws: Path) -> None:
    bad = invoke("-w", str(ws), "answer", "show", "thank-you", "--var", "novalue")
    assert bad.exit_code == 2  # a usage error: the value of --var has the wrong form
    assert "Invalid value for '--var'" in bad.output and "expected name=value" in bad.output
    unknown = invoke("-w", str(ws), "answer", "show", "../prep")
    assert unknown.exit_code == 1
    assert "is not a story id" in unknown.output


def test_check_passes_on_the_example(cli, ws: Path) -> None:
    result = cli("-w", str(ws), "answer", "check")
    assert result.returncode == 0, result.stderr
    # Only the invented figures are reported, one warning for each story that has them.
    warned = result.stderr.strip().split("\n")
    assert len(warned) >= 12 and all("example figure" in line for line in warned), warned
    assert f"17 answer(s): 0 error(s), {len(warned)} warning(s)" in result.stdout
    real_figures(ws)
    result = cli("-w", str(ws), "answer", "check")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "ok: 17 answer(s): 0 error(s), 0 warning(s)" in result.stdout
    row = next(line for line in result.stdout.split("\n") if line.startswith("fastapi-latency"))
    assert row.split()[-1] == "ok"
    assert "%" in row


def test_check_reports_problems_and_exits_1(cli, ws: Path) -> None:
    real_figures(ws)
    write_story(ws, "half", "## Situation\n상황을 설명했습니다.\n\n## Action\n{{ undefined_x }}\n")
    path = ws / "answers" / "grpc-cross-team.md.j2"
    path.write_text(
        path.read_text(encoding="utf-8").replace("values: [collaboration]", "values: [colab]"),
        encoding="utf-8",
    )
    result = cli("-w", str(ws), "answer", "check")
    assert result.returncode == 1
    lines = result.stderr.strip().split("\n")
    assert "answers/half.md.j2:10: error: undefined variable: 'undefined_x' is undefined" in lines
    assert "answers/grpc-cross-team.md.j2:4: error: unknown value 'colab'" in "\n".join(lines)
    assert lines[-1].endswith("error(s), 0 warning(s)")
    assert "Traceback" not in result.stderr
    row = next(line for line in result.stdout.split("\n") if line.startswith("half"))
    assert row.split()[-1] == "error"


def test_check_warnings_exit_0(invoke, ws: Path) -> None:
    real_figures(ws)
    write_story(
        ws,
        "short",
        "## Situation\n짧은 상황입니다.\n## Task\n과제입니다.\n## Action\n"
        "행동을 했습니다.\n## Result\n결과가 좋았습니다.\n",
    )
    result = invoke("-w", str(ws), "answer", "check")
    assert result.exit_code == 0
    assert "answers/short.md.j2:1: warning: takes ~" in result.output
    assert "answers/short.md.j2:10: warning: Action is " in result.output
    assert "18 answer(s): 0 error(s), 3 warning(s)" in result.output


def test_map_shows_every_value_covered(invoke, ws: Path) -> None:
    result = invoke("-w", str(ws), "answer", "map")
    assert result.exit_code == 0
    assert "gaps: none" in result.output
    row = next(line for line in result.output.split("\n") if line.startswith("grpc-cross-team"))
    assert row.count("✓") == 1
    assert "Python & FastAPI" in result.output
    data = json.loads(invoke("-w", str(ws), "answer", "map", "--json").output)
    assert data["gaps"] == []
    by_id = {v["id"]: v["stories"] for v in data["values"]}
    assert set(by_id) == {"ownership", "speed-impact", "collaboration", "continuous-improvement"}
    assert all(by_id.values())
    assert "grpc-cross-team" in by_id["collaboration"]


def test_map_names_a_gap(invoke, ws: Path) -> None:
    for f in (ws / "answers").glob("*.md.j2"):
        text = f.read_text(encoding="utf-8")
        f.write_text(text.replace("continuous-improvement", "ownership"), encoding="utf-8")
    result = invoke("-w", str(ws), "answer", "map")
    assert "gaps: continuous-improvement (지속 개선 (Continuous Improvement))" in result.output
    data = json.loads(invoke("-w", str(ws), "answer", "map", "--json").output)
    assert data["gaps"] == ["continuous-improvement"]


def test_new_creates_then_refuses_to_overwrite(cli, ws: Path) -> None:
    args = ["-w", str(ws), "answer", "new", "db-migration", "--title", "무중단 마이그레이션"]
    first = cli(*args, "--value", "ownership", "--card", "pg-index-isolation")
    assert first.returncode == 0, first.stderr
    assert "Created answers/db-migration.md.j2" in first.stdout
    path = ws / "answers" / "db-migration.md.j2"
    text = path.read_text(encoding="utf-8")
    assert 'title: "무중단 마이그레이션"' in text
    assert "values: [ownership]" in text and "cards: [pg-index-isolation]" in text
    for heading in ("## Situation", "## Task", "## Action", "## Result"):
        assert heading in text
    second = cli(*args)
    assert second.returncode == 1
    assert second.stderr == (
        "Error: answers/db-migration.md.j2 already exists; not overwriting it\n"
    )
    assert path.read_text(encoding="utf-8") == text
    check = cli("-w", str(ws), "answer", "check")
    assert check.returncode == 1
    assert "answers/db-migration.md.j2:10: error: section 'Situation' is empty" in check.stderr


@pytest.mark.parametrize("bad", ["../x", "a b", "_base", "-x"])
def test_new_validates_the_id(invoke, ws: Path, bad: str) -> None:
    result = invoke("-w", str(ws), "answer", "new", "--", bad)
    assert result.exit_code == 1
    assert "not a valid story id" in result.output
    assert not any(p.name.startswith(("x", "a b", "_base")) for p in (ws / "answers").iterdir())


def test_drill_shows_the_star_story(cli, ws: Path) -> None:
    # Line mode: an empty line reveals the first behavioral card, q quits.
    result = cli(
        "-w", str(ws), "drill", "--kind", "behavioral", "--limit", "1", input="\nq\n",
        env={"PREP_NOW": "2026-11-26T09:00:00+00:00"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "STAR · " in result.stdout
    assert "Situation" in result.stdout and "Action" in result.stdout
    assert "Traceback" not in result.stderr
