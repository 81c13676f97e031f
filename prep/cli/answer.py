"""`prep answer`: list, show, new, check and map STAR answers (answers/*.md.j2)."""

from typing import Annotated, Any

import typer

from .common import (
    GLOBALS,
    JsonOpt,
    check_each,
    console,
    echo,
    echo_json,
    guard,
    note,
    print_json,
    problem_dict,
)  # fmt: skip


def _var_value(text: str) -> object:
    from ..answers import parse_var

    return parse_var(text)


app = typer.Typer(
    help="STAR answers in answers/*.md.j2: list, show rendered, scaffold, lint, map to values.",
    no_args_is_help=True,
)

COLORS = {
    "Situation": "cyan",
    "Task": "yellow",
    "Action": "green",
    "Result": "magenta",
    "Learned": "blue",
}


def _ws() -> Any:
    # Answers need only the files: no database, no deck sync.
    from ..workspace import find

    return find(GLOBALS.workspace, GLOBALS.db)


def _secs(value: float | None) -> str:
    from ..answers import whole_seconds

    return "—" if value is None else f"{whole_seconds(value)}s"


@app.command("list")
@guard
def list_(
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Stories with their values, linked cards, estimated speaking time and example figures (✎) left to replace."""

    from ..answers import list_stories, render_meta
    from ..errors import PrepError
    from ..workspace import load_profile

    ws = _ws()
    profile = load_profile(ws).data
    rows: list[dict[str, Any]] = []
    seconds: dict[str, float] = {}  # unrounded: rounding 112.46 to 112.5 first would show 113
    for meta in list_stories(ws):
        row = meta.to_dict()
        row["example_count"] = meta.example_count
        try:
            story = render_meta(ws, meta, profile)
            seconds[meta.id] = story.seconds
            row["seconds"] = round(seconds[meta.id], 1)
            row["example_count"] = max(meta.example_count, len(story.examples))
        except PrepError as exc:
            row["seconds"] = None
            row["error"] = str(exc)
        rows.append(row)
    if json_:
        echo_json({"stories": rows})
        return
    console().print(_list_table(rows, seconds, console().width))
    for row in rows:
        if "error" in row:
            note(f"{row['error']}")


TITLE_MIN = 16  # below this the title moves under its links, in a narrower table


def _list_table(rows: list[dict[str, Any]], seconds: dict[str, float], width: int) -> Any:
    """Ids (story, values, cards) are never wrapped or cut; the title takes the squeeze."""
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    from ..answers import EXAMPLE_MARK
    from ..ui.keys import clean

    def time(row: dict[str, Any]) -> str:
        return "error" if "error" in row else _secs(seconds[row["id"]])

    def title(row: dict[str, Any]) -> str:
        kind = "" if row["kind"] == "story" else f" ({row['kind']})"
        return clean(row["title"]) + kind + (" (reserve)" if row.get("reserve") else "")

    def widest(header: str, cells: list[str]) -> int:
        return max([cell_len(header)] + [cell_len(c) for c in cells])

    def examples(row: dict[str, Any]) -> str:
        return str(row["example_count"]) if row.get("example_count") else ""

    ids = widest("id", [clean(r["id"]) for r in rows])
    times = widest("time", [time(r) for r in rows])
    marks = widest(EXAMPLE_MARK, [examples(r) for r in rows])
    values = widest("values", [clean(v) for r in rows for v in r["values"]])
    cards = widest("cards", [clean(c) for r in rows for c in r["cards"]])
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("id", no_wrap=True)
    table.add_column("time", justify="right", no_wrap=True)
    if ids + times + marks + values + cards + 5 * 2 + TITLE_MIN <= width:
        table.add_column(EXAMPLE_MARK, justify="right", no_wrap=True)
        table.add_column("values", no_wrap=True)
        table.add_column("cards", no_wrap=True)
        table.add_column("title", min_width=TITLE_MIN, max_width=40, overflow="fold")
        for row in rows:
            table.add_row(  # Text, not markup: titles and ids are the user's text
                Text(clean(row["id"])),
                time(row),
                Text(examples(row), style="yellow"),
                Text(clean("\n".join(row["values"]))),
                Text(clean("\n".join(row["cards"]))),
                Text(title(row)),
            )
        return table
    # Too narrow for four id columns: values and cards go under the title, where
    # they wrap between ids (", ") rather than inside one.
    table.add_column("title · values · cards", overflow="fold")
    for row in rows:
        cell = Text(title(row))
        for name in ("values", "cards"):
            if row[name]:
                cell.append(f"\n{name}: " + clean(", ".join(row[name])), style="dim")
        if examples(row):
            cell.append(f"  {EXAMPLE_MARK}{examples(row)}", style="yellow")
        table.add_row(Text(clean(row["id"])), time(row), cell)
    return table


_BLOCK = ("-", "*", "+", ">", "|", "#", "```", "~~~", "<")


def _paragraphs(markdown: str) -> str:
    """Keep the author's line breaks between prose lines (Markdown would join them)."""
    import re

    out: list[str] = []
    fence = False
    prev_prose = False
    for line in markdown.split("\n"):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fence = not fence
        prose = (
            not fence
            and bool(stripped)
            and not line.startswith((" ", "\t"))
            and not stripped.startswith(_BLOCK)
            and not re.match(r"\d+[.)]\s", stripped)
        )
        if prose and prev_prose:
            out.append("")
        out.append(line)
        prev_prose = prose
    return "\n".join(out)


@app.command("show")
@guard
def show(
    story_id: Annotated[str, typer.Argument(metavar="ID", help="Story id (its file name).")],
    var: Annotated[
        list[str] | None,
        typer.Option(
            "--var",
            metavar="NAME=VALUE",
            help="Set a template variable, name=value (repeatable; a.b=value sets a nested key).",
        ),
    ] = None,
    raw: Annotated[
        bool, typer.Option("--raw", help="Print the rendered Markdown as is (to copy or pipe).")
    ] = False,
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Render one story: STAR sections with the seconds each takes to say."""

    from ..answers import EXAMPLE_MARK, TARGET_S, parse_var, render, whole_seconds

    check_each("--var", _var_value, var)
    extra = dict(parse_var(v) for v in var or [])
    story = render(_ws(), story_id, extra)
    if json_:
        echo_json(story.to_dict())
        return
    if raw:
        echo(story.markdown, nl=False)
        return
    from rich.console import Group
    from rich.markdown import Markdown
    from rich.panel import Panel
    from rich.text import Text

    from ..ui.keys import clean

    out = console()
    head = Text(clean(story.title), style="bold")
    info = Text(style="dim")
    info.append(story.path)
    if story.values:
        info.append("  ·  values: " + clean(", ".join(story.values)))
    if story.cards:
        info.append("  ·  cards: " + clean(", ".join(story.cards)))
    if story.reserve:
        info.append("  ·  reserve")
    aim = f" (aim ~{TARGET_S}s)" if story.is_star else ""
    info.append(f"  ·  ~{whole_seconds(story.seconds)}s to say{aim}")
    if story.examples:
        info.append(
            f"\n{EXAMPLE_MARK} {len(story.examples)} example figure"
            f"{'s' if len(story.examples) != 1 else ''}: replace with your own "
            "(in the front matter, write the real value in place of {example: ...})",
            style="yellow",
        )
    if not story.is_star:
        out.print(head)
        out.print(info)
        out.print()
        out.print(Markdown(clean(story.markdown)))
        return
    split = story.split()
    panels = []
    for part in story.parts:
        title = f"{part.name} · {whole_seconds(part.seconds)}s"
        if part.name in split:
            title += f" · {split[part.name]:.0f}%"
        panels.append(
            Panel(
                Markdown(_paragraphs(clean(part.markdown)))
                if part.markdown
                else Text("(empty)", style="dim"),
                title=Text(title),
                title_align="left",
                border_style=COLORS.get(part.name, "white"),
            )
        )
    pre = [Markdown(clean(story.preamble))] if story.preamble else []
    out.print(Group(head, info, *pre, *panels))


@app.command("new")
@guard
def new(
    story_id: Annotated[
        str, typer.Argument(metavar="ID", help="Story id; the file is answers/ID.md.j2.")
    ],
    title: Annotated[
        str | None, typer.Option("--title", metavar="TITLE", help="Title (default: the id).")
    ] = None,
    value: Annotated[
        list[str] | None,
        typer.Option(
            "--value",
            metavar="VALUE",
            help="A company value id from prep.yaml it shows (repeatable).",
        ),
    ] = None,
    card: Annotated[
        list[str] | None,
        typer.Option("--card", metavar="CARD", help="A card id it answers (repeatable)."),
    ] = None,
) -> None:
    """Scaffold answers/ID.md.j2 with front matter and the four STAR sections; never overwrites."""
    from ..answers import scaffold

    ws = _ws()
    path = scaffold(ws, story_id, title, value or [], card or [])
    echo(f"Created {ws.rel(path)}: write the four sections, then run `prep answer check`.")
    echo(f"To see it in drills, add `story: {story_id}` to its cards in decks/.")


@app.command("check")
@guard
def check(json_: JsonOpt = False) -> None:
    """Lint every story: renders, four STAR sections, speaking time, values and cards; exit 1 on errors."""
    from rich.table import Table
    from rich.text import Text

    from ..answers import STAR, check_report, whole_seconds
    from ..ui.keys import clean

    report = check_report(_ws())
    if json_:
        print_json(
            {
                "ok": not report.errors,
                "errors": len(report.errors),
                "warnings": len(report.warnings),
                "stories": [
                    {
                        "id": s.id,
                        "path": s.path,
                        "kind": s.kind,
                        "seconds": None if s.seconds is None else round(s.seconds, 1),
                        "split": {k: round(v, 1) for k, v in s.split.items()},
                        "section_seconds": {k: round(v, 1) for k, v in s.section_seconds.items()},
                    }
                    for s in report.stories
                ],
                "problems": [problem_dict(p) for p in report.problems],
            }  # fmt: skip
        )
        if report.errors:
            raise typer.Exit(1)
        return
    for problem in report.problems:
        echo(str(problem), err=True)
    flagged: dict[str, str] = {}
    for p in report.problems:
        if flagged.get(p.path) != "error":
            flagged[p.path] = p.severity
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("story", no_wrap=True)
    table.add_column("time", justify="right")
    for name in STAR:
        table.add_column(name, justify="right")
    table.add_column("", no_wrap=True)
    for s in report.stories:
        cells = []
        for name in STAR:
            if name in s.section_seconds and name in s.split:
                cells.append(f"{whole_seconds(s.section_seconds[name])}s {s.split[name]:.0f}%")
            else:
                cells.append("—")
        table.add_row(Text(clean(s.id)), _secs(s.seconds), *cells, flagged.get(s.path, "ok"))
    out = console()
    out.print(table)
    errors, warnings = len(report.errors), len(report.warnings)
    summary = f"{len(report.stories)} answer(s): {errors} error(s), {warnings} warning(s)"
    if errors:
        echo(summary, err=True)
        raise typer.Exit(1)
    out.print(summary if warnings else f"ok: {summary}")


@app.command("map")
@guard
def map_(
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Which stories show which company values (and the gaps), and which topics have stories."""

    from ..answers import coverage

    data = coverage(_ws())
    if json_:
        echo_json(data)
        return
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    from ..ui.keys import clean
    from ..ui.render import Flow

    out = console()
    values = data["values"]
    heads = [clean(v["id"]) for v in values]
    legend = None
    story_w = max([len("stories")] + [cell_len(clean(s["id"])) for s in data["stories"]])
    if story_w + sum(cell_len(h) + 2 for h in heads) > out.width:
        # Value ids as headers would not fit: number the columns, name them below.
        legend = Flow(Text("values  "), [Text(f"{i} {h}") for i, h in enumerate(heads, 1)])
        heads = [str(i) for i in range(1, len(heads) + 1)]
    table = Table(title="Stories × company values", box=None, header_style="bold", pad_edge=False)
    table.add_column("story", no_wrap=True)
    for head in heads:
        table.add_column(Text(head), justify="center", no_wrap=True)
    for s in data["stories"]:
        table.add_row(
            Text(clean(s["id"])), *["✓" if v["id"] in s["values"] else "" for v in values]
        )
    table.add_row("stories", *[str(len(v["stories"])) for v in values], style="bold")
    out.print(table)
    if legend is not None:
        out.print(legend)
    names = {v["id"]: v["name"] for v in values}
    if not values:
        out.print("gaps: prep.yaml lists no company.values")
    elif data["gaps"]:
        out.print(
            "gaps: " + ", ".join(f"{clean(g)} ({clean(names[g])})" for g in data["gaps"]),
            style="bold red",
            markup=False,
        )
    else:
        out.print("gaps: none — every company value has at least one story")
    out.print()
    topics = Table(title="Topics × stories", box=None, header_style="bold", pad_edge=False)
    topics.add_column("topic")
    topics.add_column("cards", justify="right")
    topics.add_column("stories")
    for t in data["topics"]:
        topics.add_row(
            Text(clean(t["topic"])),
            str(len(t["cards"])),
            Text(clean(", ".join(t["stories"])) or "—"),
        )
    out.print(topics)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="answer")
