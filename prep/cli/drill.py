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
    guard,
    note,
    note_unmatched,
    open_workspace,
    scheduler_for,
    values,
)


def _story_renderer(ws: Any, store: Any) -> Any:
    """A function card -> renderable (a folded STAR story, or a hint), or None."""

    def for_card(card: Any) -> Any:
        from rich.text import Text

        if card.story:
            try:
                from ..answers import render_story_cached

                story = render_story_cached(ws, card.story)
            except ImportError:
                return None
            except Exception as exc:  # a broken story must not end a drill
                from ..errors import PrepError

                if isinstance(exc, PrepError):
                    return Text(f"story '{card.story}': {exc}", style="red")
                raise
            from ..ui.render import StoryView

            return StoryView(story.parts, story.title, story.seconds)
        if card.kind == "behavioral":
            return Text(
                f"No STAR story yet: write one with `prep answer new {card.id}-story`.",
                style="yellow",
            )
        return None

    return for_card


def _editor(ws: Any, store: Any) -> Any:
    """A function card -> (the card as its deck now has it, or None; a line to show).

    Opens the card's deck file at the card's line, then syncs the decks, so an
    edit (even of the question, which may rename the card) is what is drilled.
    """

    def edit(card: Any) -> tuple[Any, str]:
        from ..editor import edit as run_editor
        from ..errors import PrepError
        from ..sync import sync

        if not card.path:
            return None, f"{card.id} has no deck file to open"
        try:
            run_editor(ws.root / card.path, card.line)
            report = sync(store, ws, keep_good=True)
        except PrepError as exc:
            return None, f"not edited: {exc}"
        fresh = store.card(store.resolve_id(card.id))
        said = "; ".join(report.messages)
        if fresh is None or not fresh.active:
            return None, said or f"{card.id} is no longer in {card.path}"
        return fresh, said or f"✎ {card.path}:{fresh.line} saved"

    return edit


def register(app: typer.Typer) -> None:
    @app.command("drill")
    @guard
    def drill(
        deck: DeckOpt = None,
        topic: TopicOpt = None,
        tag: TagOpt = None,
        kind: Annotated[
            list[Kind] | None,
            typer.Option(
                "--kind",
                metavar=KIND_METAVAR,
                help="technical, behavioral, concept or ask (repeatable).",
            ),
        ] = None,
        new: Annotated[
            int | None,
            typer.Option(
                "--new",
                metavar="N",
                min=0,
                help="New cards this session (default: what is left of the daily limit).",
            ),
        ] = None,
        limit: Annotated[
            int | None, typer.Option("--limit", metavar="N", min=1, help="At most this many cards.")
        ] = None,
        cram: Annotated[
            bool,
            typer.Option(
                "--cram",
                help="Study ahead, weakest cards first; grades are logged but do not move the schedule.",
            ),
        ] = False,
        extra: Annotated[
            bool,
            typer.Option(
                "--extra",
                help="Go on past today's minutes on purpose (shown as extra in status and stats).",
            ),
        ] = False,
    ) -> None:
        """Today's drill: due cards, then new ones. Keys: space reveals, 1-4 grade, u undoes, q quits."""
        from ..clock import default_clock
        from ..drill import DrillSession
        from ..store import Filters
        from ..ui.drill import run

        kinds = values(kind)
        if cram and new is not None:
            note(
                "--new has no effect with --cram (every matching card, weakest first; --limit caps it)"
            )
        ws, store = open_workspace()
        check_decks(store, deck)
        note_unmatched(store, topic, tag)
        session = DrillSession(
            store=store, scheduler=scheduler_for(store), clock=default_clock(),
            filters=Filters(tuple(deck or ()), tuple(topic or ()), tuple(tag or ()), tuple(kinds)),
            new_limit=new, limit=limit, cram=cram, extra=extra,
        )  # fmt: skip
        run(session, console(), _story_renderer(ws, store), editor=_editor(ws, store))
