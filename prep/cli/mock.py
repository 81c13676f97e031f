"""`prep mock`: a mock interview under a clock; `prep mock history`: past sessions."""

from typing import Annotated, Any

import typer

from .common import (
    KIND_METAVAR,
    DeckOpt,
    Kind,
    TagOpt,
    TopicOpt,
    check_decks,
    console,
    echo,
    echo_json,
    guard,
    open_workspace,
    parsed_by,
    scheduler_for,
    seconds_value,
    values,
)

mock_app = typer.Typer(
    add_completion=False,
    rich_markup_mode=None,
)


def _answer_view(ws: Any) -> Any:
    """card -> what to show after the answer: the STAR story of a behavioral card, else the model answer."""

    def view(card: Any) -> Any:
        from rich.console import Group
        from rich.text import Text

        from ..errors import PrepError
        from ..ui.render import StoryView, answer

        parts: list[Any] = []
        if card.story and card.kind == "behavioral":
            try:
                from ..answers import render_story_cached as render_story
            except ImportError:  # stories not available: the model answer stands in
                render_story = None  # type: ignore[assignment]
            if render_story is not None:
                try:
                    st = render_story(ws, card.story)
                    parts.append(StoryView(st.parts, st.title, st.seconds))
                except PrepError as exc:  # a broken story must not end the interview
                    parts.append(Text(f"story '{card.story}': {exc}", style="red"))
        if not parts or card.a and card.kind != "behavioral":
            parts.insert(0, answer(card))
        if card.story and card.kind != "behavioral":
            parts.append(Text(f"STAR story for this question: {card.story}", style="dim"))
        return Group(*parts)

    return view


def _intro(plan: Any) -> Any:
    from rich.text import Text

    from ..words import duration, plural

    total = sum(q.limit_s for q in plan.questions)
    n = len(plan.questions)
    t = Text(f"Mock interview: {plural(n, 'question')}, about {duration(total)}", style="bold")
    t.append(f" (from {plan.pool} cards)", style="")
    t.append(f"  (seed {plan.seed}; repeat with --seed {plan.seed})", style="dim")
    t.append("\nAnswer out loud as you would to the interviewer. ")
    t.append("After each answer: the model answer, your keywords, a grade 1-4.", style="dim")
    return t


def register(app: typer.Typer) -> None:
    @mock_app.callback(invoke_without_command=True)
    @guard
    def mock(
        ctx: typer.Context,
        count: Annotated[
            int | None,
            typer.Option(
                "--count", "-n", metavar="N", min=1, help="Number of questions (default 5)."
            ),
        ] = None,
        minutes: Annotated[
            float | None,
            typer.Option(
                "--minutes", "-m", metavar="M", help="Fit the set to this many minutes in total."
            ),
        ] = None,
        deck: DeckOpt = None,
        topic: TopicOpt = None,
        kind: Annotated[
            list[Kind] | None,
            typer.Option(
                "--kind",
                metavar=KIND_METAVAR,
                help="technical, behavioral, concept or ask (repeatable; default: all but ask, "
                "with one question to ask at the end).",
            ),
        ] = None,
        tag: TagOpt = None,
        seed: Annotated[
            int | None,
            typer.Option(
                "--seed", metavar="N", help="Pick the same set again (shown at the start)."
            ),
        ] = None,
        time: Annotated[
            str | None,
            typer.Option(
                "--time",
                metavar="SECONDS",
                callback=parsed_by(seconds_value),
                help="Seconds per answer for every question (90, 2m, 1m30s); "
                "default: the card's time, else 2 min behavioral, 3 min technical.",
            ),
        ] = None,
    ) -> None:
        """Mock interview under a clock; grades move the schedule. Keys: Enter/space done, p pause, n skip, h hint, q end.

        Questions lean toward weak and never-rehearsed cards, mix the topics and
        put behavioral questions in between. After each answer: the model answer
        or STAR story, the keywords you covered (e.g. 1 3), a grade 1-4 (an answer
        over 1.5x its time counts as Hard at most; type 3! to keep Good).
        Without a terminal each answer ends with a line (empty = done, n, h, p, q),
        then a keywords line and a grade line. `prep mock history` lists past sessions.
        """
        if ctx.invoked_subcommand is not None:
            return
        from ..clock import default_clock
        from ..decks import parse_time
        from ..errors import PrepError
        from ..mock import MockInterview, choose
        from ..store import Filters
        from ..ui.mock import MockScreen

        kinds = values(kind)
        time_s = None
        if time is not None:
            time_s = parse_time(int(time) if time.strip().isdigit() else time)
            if time_s is None:
                raise PrepError(f"--time {time!r}: use seconds (90) or 2m, 1m30s")
        ws, store = open_workspace()
        check_decks(store, deck)
        clock = default_clock()
        scheduler = scheduler_for(store)
        filters = Filters(tuple(deck or ()), tuple(topic or ()), tuple(tag or ()), tuple(kinds))
        plan = choose(store, scheduler, clock.now(), filters, count, minutes, time_s, seed)
        options = {
            "count": count, "minutes": minutes, "seed": plan.seed, "time": time_s,
            "decks": list(deck or ()), "topics": list(topic or ()), "kinds": kinds,
            "tags": list(tag or ()),
        }  # fmt: skip
        iv = MockInterview(store, scheduler, clock, plan.questions, options)
        face = MockScreen(iv, console(), _answer_view(ws))
        face.run(_intro(plan))
        if face.interrupted:
            raise typer.Exit(130)

    @mock_app.command("history")
    @guard
    def history(
        as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
    ) -> None:
        """Past mock interviews with their averages, oldest first."""

        from ..mock import history as mock_history

        _, store = open_workspace()
        sessions = mock_history(store)
        if as_json:
            echo_json({"sessions": sessions})
            return
        if not sessions:
            echo("No mock interviews yet: run `prep mock`.")
            return
        _print_history(sessions)

    app.add_typer(mock_app, name="mock")


def _print_history(sessions: list[dict[str, Any]]) -> None:
    from ..clock import parse_iso
    from ..ui.mock import short
    from ..ui.render import fit_table

    heads = ["started", "done", "skip", "time/limit", "over", "keywords", "grade", "hints"]
    rows = []
    for s in sessions:
        started = parse_iso(s["started_at"]).astimezone().strftime("%m-%d %H:%M")
        if not s["finished"]:
            started += " *"
        answered = f"{s['answered']}/{s['planned']}"
        skipped = str(s["skipped"] or "-")
        per = (
            f"{short(s['mean_used_s'])}/{short(s['mean_limit_s'])}"
            if s["mean_used_s"] is not None
            else "-"
        )
        over = f"+{short(s['overtime_s'])}" if s["over_time"] else "-"
        kw = f"{s['keyword_coverage']:.0%}" if s["keyword_coverage"] is not None else "-"
        grade = f"{s['mean_grade']:.1f}" if s["mean_grade"] is not None else "-"
        rows.append([started, answered, skipped, per, over, kw, grade, str(s["hinted"] or "-")])
    out = console()
    # A narrow terminal drops the hints, skips and overtime columns rather than cutting them.
    table = fit_table(
        heads, rows, out.width, drop=[7, 2, 4, 5], right=frozenset(range(1, 8)),
        title="Mock interviews",
    )  # fmt: skip
    out.print(table)
    if any(not s["finished"] for s in sessions):
        out.print("* cut off before the end (the answers graded until then are kept)", style="dim")
    out.print(
        "time/limit: mean per answer · over: total overtime · grade: mean of 1-4", style="dim"
    )
