"""`prep cards`: browse cards with their state; suspend and unsuspend them."""

from typing import Annotated, Any

import typer

from .common import (
    DeckOpt,
    TopicOpt,
    check_decks,
    console,
    echo,
    echo_json,
    guard,
    open_workspace,
    scheduler_for,
)  # fmt: skip

ACTIONS = ("suspend", "unsuspend")


def _table(listed: list[Any], now: Any, width: int) -> Any:
    from rich.text import Text

    from ..ui.keys import clean
    from ..ui.render import fit_table
    from ..words import relative

    rows: list[list[Text]] = []
    for item in listed:
        st = item.state
        state = Text(item.held or item.state_name, style="yellow" if item.held else "")
        due = ""
        if st.due is not None and item.state_name != "new":
            due = relative((st.due - now).total_seconds())
        recall = f"{item.retrievability:.0%}" if item.retrievability is not None else ""
        last = relative((st.last_review - now).total_seconds()) if st.last_review else ""
        rows.append([
            Text(clean(item.card.id)), state, Text(due), Text(recall), Text(str(st.lapses)),
            Text(f"{st.stability:.1f}d" if st.stability is not None else ""), Text(last),
            Text(clean(item.card.story or "")), Text(" ".join(clean(item.card.q).split())),
        ])  # fmt: skip
    heads = ["id", "state", "due", "recall", "lapses", "stability", "last", "story", "question"]
    for r in rows:
        r[0].truncate(28, overflow="ellipsis")
    # Narrow terminals drop the story, last review, stability, question and lapses columns,
    # in that order; the question takes what the others leave.
    return fit_table(
        heads, rows, width, drop=[7, 6, 5, 8, 4], flex=8, right=frozenset({3, 4, 5}),
        flex_min=20, shrink=0,
    )  # fmt: skip


def register(app: typer.Typer) -> None:
    @app.command("cards")
    @guard
    def cards(
        args: Annotated[
            list[str] | None,
            typer.Argument(
                metavar="[QUERY] | suspend ID... | unsuspend ID...",
                help="Words to find in the id, question, topic or tags; or suspend/unsuspend "
                "and card ids.",
            ),
        ] = None,
        deck: DeckOpt = None,
        topic: TopicOpt = None,
        due: Annotated[bool, typer.Option("--due", help="Only cards due now.")] = False,
        new: Annotated[bool, typer.Option("--new", help="Only cards never studied.")] = False,
        suspended: Annotated[
            bool, typer.Option("--suspended", help="Only suspended cards.")
        ] = False,
        buried: Annotated[
            bool, typer.Option("--buried", help="Only cards buried until tomorrow.")
        ] = False,
        leeches: Annotated[
            bool, typer.Option("--leeches", help="Only cards forgotten 8 times or more.")
        ] = False,
        as_json: Annotated[
            bool, typer.Option("--json", help="One JSON document: a list of cards.")
        ] = False,
    ) -> None:
        """Cards with their state (due, recall now, lapses, story); suspend or unsuspend them."""

        from ..cards import Query, browse, set_suspended
        from ..clock import default_clock
        from ..errors import PrepError
        from ..words import plural

        words = list(args or [])
        now = default_clock().now()
        ws, store = open_workspace()
        if words and words[0] in ACTIONS:
            action, ids = words[0], words[1:]
            if not ids:
                raise PrepError(f"prep cards {action} needs at least one card id")
            changed = set_suspended(store, ids, now, on=action == "suspend")
            done = "suspended" if action == "suspend" else "unsuspended"
            if as_json:
                echo_json({done: changed})
                return
            same = len(ids) - len(changed)
            tail = f" ({same} already {done})" if same else ""
            echo(f"{plural(len(changed), 'card')} {done}{tail}")
            return
        check_decks(store, deck)
        q = Query(
            text=" ".join(words), decks=tuple(deck or ()), topics=tuple(topic or ()), due=due,
            suspended=suspended, buried=buried, leeches=leeches, new=new,
        )  # fmt: skip
        listed = browse(store, scheduler_for(store), now, q)
        if as_json:
            echo_json([i.to_dict() for i in listed])
            return
        out = console()
        if not listed:
            out.print("No card matches.")
            return
        out.print(_table(listed, now, out.width))
        held = sum(1 for i in listed if i.held)
        extra = f", {held} set aside (suspended or buried)" if held else ""
        out.print(f"{plural(len(listed), 'card')}{extra}", style="dim")
