"""`prep plan` (interview date, daily budget, the plan to the day) and `prep stats`."""

from typing import Annotated, Any

import typer

from .common import console, echo_json, guard, open_workspace, parsed_by, scheduler_for, when_value


def _interview_value(text: str) -> object:
    return None if text.strip().lower() in ("none", "clear", "off") else when_value(text)


# Progress bars appear only for work this large (days x cards, reviews replayed).
PLAN_PROGRESS_AT = 200_000
STATS_PROGRESS_AT = 20_000


def register(app: typer.Typer) -> None:
    @app.command("plan")
    @guard
    def plan(
        interview: Annotated[
            str | None,
            typer.Option(
                "--interview",
                metavar="DATETIME",
                callback=parsed_by(_interview_value),
                help="Set the interview time (2026-12-10T10:00+09:00, or a date for 09:00 local); "
                "'none' clears it.",
            ),
        ] = None,
        minutes: Annotated[
            int | None,
            typer.Option(
                "--minutes-per-day",
                metavar="M",
                min=1,
                max=1440,
                help="Set the daily study budget in minutes: the drill stops when they are used "
                "(default: settings.minutes_per_day, else 20).",
            ),
        ] = None,
        json_: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    ) -> None:
        """The plan to the interview: reviews, new cards and minutes per day, recall on the day."""
        from ..clock import default_clock
        from ..plan import build, set_interview, set_minutes

        _, store = open_workspace()
        clock = default_clock()
        if minutes is not None:
            set_minutes(store, minutes)
        out = console()
        err = console(stderr=True)
        if interview is not None:
            set_at = set_interview(store, interview, clock)
            if set_at is not None and minutes is None:
                _ask_minutes(store, quiet=json_)
        if json_:
            result = build(store, scheduler_for(store), clock)
            echo_json(result.to_dict())
            return
        from ..ui.stats import plan_view, progress_callback

        cards = store.conn.execute("SELECT COUNT(*) FROM cards WHERE active = 1").fetchone()[0]
        update, close = progress_callback(err, "planning", PLAN_PROGRESS_AT // max(1, cards))
        try:
            result = build(store, scheduler_for(store), clock, progress=update)
        finally:
            close()
        if result.interview is None:
            written = store.get_meta("interview_date")
            if written and store.get_meta("interview_override") == "none":
                out.print(
                    f"No interview date: cleared with --interview none. prep.yaml's date "
                    f"({written[:16].replace('T', ' ')}) counts again once you edit it."
                )
                return
            out.print(
                "No interview date. Set one: prep plan --interview 2026-12-10T10:00+09:00 "
                "(or interview.date in prep.yaml)."
            )
            return
        if result.passed:
            when = result.interview[:16].replace("T", " ")
            if result.held_until:
                until = result.held_until[:10]
                out.print(
                    f"The interview ({when}) has passed. Until {until} the drill holds due "
                    f"reviews to your {result.minutes_per_day} minutes a day, most "
                    "overdue first; then it is plain FSRS. Clear the date with: "
                    "prep plan --interview none"
                )
            else:
                out.print(
                    f"The interview ({when}) has passed: the drill is plain FSRS. "
                    "Clear the date with: prep plan --interview none"
                )
            return
        if result.cards == 0:
            out.print(
                f"Interview {result.interview[:16].replace('T', ' ')}, "
                f"{result.days_left} study days left; no cards to plan yet (add decks in decks/)."
            )
            return
        out.print(plan_view(result.to_dict()))

    @app.command("stats")
    @guard
    def stats(
        json_: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    ) -> None:
        """Heatmap, true retention by week and topic, 30-day forecast, answer times, readiness."""
        from ..clock import default_clock
        from ..stats import compute
        from ..ui.stats import progress_callback, stats_view

        _, store = open_workspace()
        update, close = progress_callback(
            console(stderr=True), "replaying the log", STATS_PROGRESS_AT
        )
        try:
            result = compute(store, scheduler_for(store), default_clock(), progress=update)
        finally:
            close()
        if json_:
            echo_json(result.to_dict())
            return
        out = console()
        out.print(stats_view(result.to_dict(), out.width))


def _ask_minutes(store: Any, quiet: bool) -> None:
    """A date set with no daily minutes chosen yet: ask for them (a suggestion as default)."""
    import sys

    import click

    from ..deadline import SUGGESTED_MINUTES, budget_source
    from ..plan import set_minutes
    from .common import note

    if budget_source(store) != "suggested":
        return
    if sys.stdin.isatty() and sys.stdout.isatty() and not quiet:
        chosen = typer.prompt(
            "Minutes a day for the drill (it stops when they are used)",
            default=SUGGESTED_MINUTES,
            type=click.IntRange(1, 1440),
        )
        set_minutes(store, chosen)
        return
    note(
        f"note: the drill plans on {SUGGESTED_MINUTES} minutes a day (a suggestion); choose yours "
        "with prep plan --minutes-per-day M or settings.minutes_per_day in prep.yaml"
    )
