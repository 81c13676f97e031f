"""Rich views of `prep stats` and `prep plan`. Topic names and card text are data: Text only.

Tables and bars are measured by rich, which counts a Hangul syllable as two
cells, so Korean topic names line up with Latin ones.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from .keys import clean

# Heatmap levels: glyphs differ as well as colours, so it reads without colour too.
LEVELS = (("·", "grey35"), ("░", "green4"), ("▒", "green3"), ("▓", "green1"), ("█", "bold green1"))
SPARK = "▁▂▃▄▅▆▇█"
BAR_WIDTH = 24


def bar(fraction: float, width: int = BAR_WIDTH, style: str = "green") -> Text:
    fraction = min(1.0, max(0.0, fraction))
    full = round(fraction * width)
    t = Text("█" * full, style=style)
    t.append("·" * (width - full), style="grey35")
    return t


def _style_for(fraction: float) -> str:
    return "green" if fraction >= 0.9 else "yellow" if fraction >= 0.75 else "red"


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


def heatmap(days: list[dict[str, Any]]) -> Text:
    """Weeks as columns, Monday..Sunday as rows, like a contributions calendar."""
    if not days:
        return Text("no reviews yet", style="dim")
    first = date.fromisoformat(days[0]["date"])
    counts = {date.fromisoformat(d["date"]): d["reviews"] for d in days}
    last = date.fromisoformat(days[-1]["date"])
    nonzero = sorted(n for n in counts.values() if n)
    # Level thresholds from the quartiles of active days, so one huge day does not flatten the rest.
    cuts = (
        [nonzero[min(len(nonzero) - 1, len(nonzero) * q // 4)] for q in (1, 2, 3)]
        if nonzero
        else []
    )
    weeks = (last - first).days // 7 + 1
    out = Text()
    # Month names over the first week of each month, where they fit.
    months = [" "] * (4 + 2 * weeks + 2)
    free_from = 0
    for w in range(weeks):
        monday = first + timedelta(days=7 * w)
        col = 4 + 2 * w
        if (w == 0 or monday.day <= 7) and col >= free_from:
            name = monday.strftime("%b")
            months[col : col + len(name)] = list(name)
            free_from = col + len(name) + 1
    out.append("".join(months).rstrip(), style="dim")
    out.append("\n")
    for row, name in enumerate(("Mon", "", "Wed", "", "Fri", "", "Sun")):
        out.append(f"{name:<4}", style="dim")
        for w in range(weeks):
            day = first + timedelta(days=7 * w + row)
            if day > last:
                break
            n = counts.get(day, 0)
            level = 0 if n == 0 else 1 + sum(1 for c in cuts if n > c)
            glyph, style = LEVELS[level]
            out.append(glyph + " ", style=style)
        out.append("\n")
    out.append("    less ", style="dim")
    for glyph, style in LEVELS:
        out.append(glyph + " ", style=style)
    out.append("more", style="dim")
    return out


def sparkline(values: list[int]) -> Text:
    top = max(values) if values else 0
    t = Text()
    for v in values:
        if top == 0 or v == 0:
            t.append("_", style="grey35")
        else:
            t.append(SPARK[max(1, round(v / top * (len(SPARK) - 1)))], style="cyan")
    return t


def stats_view(data: dict[str, Any], width: int = 80) -> RenderableType:
    parts: list[RenderableType] = []
    from .render import Flow

    days = data["study_days"]
    first = Text("Reviews ", style="bold")
    first.append(f"{data['total_reviews']} on {days} day{'' if days == 1 else 's'}", style="")
    streak = Text("· streak ")
    streak.append(
        f"{data['streak_days']} day{'s' if data['streak_days'] != 1 else ''}", style="bold"
    )
    items = [first, streak]
    if data.get("retention") is not None:
        ret = Text("· true retention ")
        ret.append(_pct(data["retention"]), style="bold")
        n = data["retention_reviews"]
        ret.append(f" of {n} review{'s' if n != 1 else ''}")
        items += [ret, Text("(Good or Easy on review cards)")]
        if data.get("recalled") is not None:
            items += [Text(f"· recalled {_pct(data['recalled'])}")]
            items += [Text("(Hard counts, as FSRS does)")]
    # Wrapped between phrases, never inside one (a 60-column terminal splits it).
    parts.append(Flow(Text(""), items, gap=1))
    minutes = data.get("minutes") or {}
    if minutes.get("study_days"):
        mins = [
            Text("Minutes", style="bold"),
            Text(f"{minutes['mean']:g} a study day in the last 30 days,"),
            Text(f"budget {minutes['per_day']}"),
        ]
        if minutes.get("extra"):
            days_x = minutes["days_with_extra"]
            mins += [
                Text(f"· {minutes['extra']:g} past it on {days_x} day{'s' if days_x != 1 else ''}"),
                Text("(the card on screen when they ran out, or prep drill --extra)"),
            ]
        parts.append(Flow(Text(""), mins, gap=1))
    parts += [Text(""), heatmap(data["days"]), Text("")]

    weekly = [w for w in data["by_week"] if w["reviews"]][-8:]
    if weekly:
        table = Table(
            title="True retention by week", title_justify="left", box=None, pad_edge=False
        )
        table.add_column("week of", style="dim")
        table.add_column("reviews", justify="right")
        table.add_column("retention", justify="right")
        table.add_column("")
        for w in weekly:
            table.add_row(
                w["label"],
                str(w["reviews"]),
                _pct(w["rate"]),
                bar(w["rate"] or 0, 16, _style_for(w["rate"] or 0)),
            )
        parts += [table, Text("")]
    topics = [t for t in data["by_topic"] if t["reviews"]]
    if topics:
        table = Table(
            title="True retention by topic", title_justify="left", box=None, pad_edge=False
        )
        table.add_column("topic", no_wrap=True, overflow="ellipsis", max_width=max(10, width - 40))
        table.add_column("reviews", justify="right", no_wrap=True)
        table.add_column("retention", justify="right", no_wrap=True)
        table.add_column("", no_wrap=True)
        for t in sorted(topics, key=lambda t: t["rate"] or 0):
            table.add_row(
                Text(clean(t["label"])),
                str(t["reviews"]),
                _pct(t["rate"]),
                bar(t["rate"] or 0, 16, _style_for(t["rate"] or 0)),
            )
        parts += [table, Text("")]

    due = [f["due"] for f in data["forecast"]]
    fc = Text()
    fc.append("Due, next 30 days  ", style="bold")
    fc.append_text(sparkline(due))
    from .render import Flow

    # The totals go beside the sparkline when they fit, and never split in the middle.
    totals = Text(f"today {due[0] if due else 0} · 7d {sum(due[:7])} · 30d {sum(due)}")
    parts += [Flow(Text(""), [fc, totals], gap=2), Text("")]

    if data["answer_times"]:
        at = Text()
        at.append("Answer time  ", style="bold")
        at.append(f"median {data['median_answer_s']:.0f} s per card")
        parts.append(at)
        table = Table(box=None, pad_edge=False)
        table.add_column("mean", justify="right", no_wrap=True, min_width=5)
        table.add_column("topic", overflow="ellipsis", no_wrap=True, min_width=12, max_width=20)
        room = max(10, width - 5 - 20 - 4)
        table.add_column("slowest cards", no_wrap=True, max_width=room)
        for a in data["answer_times"][:5]:
            q = Text(clean(a["q"]))
            q.truncate(room, overflow="ellipsis")
            table.add_row(f"{a['mean_s']:.0f} s", Text(clean(a["topic"])), q)
        parts += [table, Text("")]

    title = "Readiness at the interview" if data["interview"] else "Readiness now"
    when = (data["readiness_at"] or "")[:16].replace("T", " ")
    parts.append(Text(f"{title} ({when}): predicted recall by topic", style="italic"))
    table = Table(box=None, pad_edge=False)
    topic_w = min(30, max([9, *(Text(clean(r["topic"])).cell_len for r in data["readiness"])]))
    # A narrow terminal gets a shorter bar (and a topic cut with an ellipsis), not wrapped rows.
    bar_w = max(6, min(BAR_WIDTH, width - min(topic_w, 16) - 7 - 7 - 3))
    topic_w = min(topic_w, max(9, width - bar_w - 7 - 7 - 3))
    table.add_column("topic", no_wrap=True, overflow="ellipsis", max_width=topic_w)
    table.add_column("cards", justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("recall", justify="right", no_wrap=True)
    for r in data["readiness"]:
        table.add_row(
            Text(clean(r["topic"])), f"{r['studied']}/{r['cards']}",
            bar(r["recall"], bar_w, _style_for(r["recall"])), _pct(r["recall"]),
        )  # fmt: skip
    table.add_row(
        Text("all cards", style="bold"),
        "",
        bar(data["readiness_all"], bar_w, _style_for(data["readiness_all"])),
        _pct(data["readiness_all"]),
    )
    parts.append(table)
    cal = data.get("calibration") or {}
    if cal.get("bands"):
        parts.append(Text(""))
        scale = cal["scale"]
        how = (
            "you forget faster than FSRS-6 predicts"
            if scale < 0.9
            else "you remember longer than FSRS-6 predicts"
            if scale > 1.1
            else "you forget about as FSRS-6 predicts"
        )
        parts.append(
            Text(
                f"Forecast against your reviews ({cal['reviews']} of graduated cards): {how}; "
                f"the plan scales stability by {scale:.2f}",
                style="italic",
            )
        )
        table = Table(box=None, pad_edge=False)
        table.add_column("stability")
        table.add_column("reviews", justify="right")
        table.add_column("forecast", justify="right")
        table.add_column("calibrated", justify="right")
        table.add_column("observed", justify="right")
        for b in cal["bands"]:
            table.add_row(
                b["stability"], str(b["reviews"]), _pct(b["forecast"]), _pct(b["calibrated"]),
                _pct(b["observed"]),
            )  # fmt: skip
        parts.append(table)
    return Group(*parts)


def plan_view(data: dict[str, Any], max_rows: int = 21) -> RenderableType:
    parts: list[RenderableType] = []
    head = Text()
    head.append("Interview ", style="bold")
    head.append(data["interview"][:16].replace("T", " "))
    left = data["days_left"]
    head.append(f" · {left} study day{'s' if left != 1 else ''} left\n")
    head.append("Budget ", style="bold")
    head.append(f"{data['minutes_per_day']} min a day")
    source = {
        "set": "--minutes-per-day",
        "settings": "settings.minutes_per_day",
        "suggested": "a suggestion: choose with --minutes-per-day",
    }.get(data["minutes_source"], data["minutes_source"])
    head.append(f" ({source})", style="dim")
    if data.get("minutes_today"):
        extra = data.get("extra_minutes_today") or 0
        head.append(f" · {data['minutes_today']:g} used today", style="dim")
        if extra:
            head.append(f" ({extra:g} extra)", style="dim")
    costs = data.get("costs") or {}
    if costs:
        head.append(
            f"\nSeconds (your answers; estimates until there are enough): a new card {costs['new_s']:.0f} (with its "
            f"learning steps), a review {costs['pass_s']:.0f}, a lapse {costs['fail_s']:.0f}",
            style="dim",
        )
    else:
        head.append(f" · ~{data['seconds_per_card']:.0f} s a card", style="dim")
    head.append(
        f" · cards reviewed at {_pct(data['keep'])} recall until their last review", style="dim"
    )
    parts += [head, Text("")]

    table = Table(box=None, pad_edge=False)
    table.add_column("day", style="dim")
    table.add_column("reviews", justify="right")
    table.add_column("new", justify="right")
    table.add_column("minutes", justify="right")
    days = data["days"]
    shown = days if len(days) <= max_rows else days[: max_rows - 2] + days[-1:]
    for i, d in enumerate(shown):
        if len(days) > max_rows and i == len(shown) - 1:
            table.add_row("…", "", "", "")
        label = "today" if d is days[0] else date.fromisoformat(d["date"]).strftime("%a %m-%d")
        table.add_row(label, str(d["reviews"]), str(d["new"]), f"{d['minutes']:.0f}")
    parts += [table, Text("")]

    summary = Text()
    summary.append("Predicted recall on the day: ", style="bold")
    summary.append(_pct(data["recall"]), style=_style_for(data["recall"]) + " bold")
    summary.append(f" of {data['cards']} cards if you follow the plan (")
    summary.append(f"{_pct(data['recall_now'])} if you stopped now)")
    if data.get("sampled"):
        summary.append(
            f"; the days after today are projected on {data['sampled']} of the cards,"
            " every k-th of each topic", style="dim",
        )  # fmt: skip
    parts += [summary, Text("")]

    table = Table(box=None, pad_edge=False)
    table.add_column("topic")
    table.add_column("cards", justify="right")
    table.add_column("")
    table.add_column("on the day", justify="right")
    table.add_column("now", justify="right", style="dim")
    for t in data["topics"]:
        table.add_row(
            Text(clean(t["topic"])), str(t["cards"]),
            bar(t["recall"], BAR_WIDTH, _style_for(t["recall"])), _pct(t["recall"]), _pct(t["recall_now"]),
        )  # fmt: skip
    parts.append(table)
    for w in data["warnings"]:
        parts += [Text(""), Text("Warning: " + clean(w), style="yellow")]
    return Group(*parts)


def progress_callback(console: Console, label: str, threshold: int) -> tuple[Any, Any]:
    """A progress(done, total) callback that shows a bar only for long work; and a closer."""
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            if total < threshold:
                state["bar"] = None
            else:
                from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

                bar_ = Progress(
                    TextColumn(label), BarColumn(), TaskProgressColumn(),
                    console=console, transient=True,
                )  # fmt: skip
                bar_.start()
                state["bar"], state["task"] = bar_, bar_.add_task(label, total=total)
        if state["bar"] is not None:
            state["bar"].update(state["task"], completed=done)

    def close() -> None:
        if state.get("bar") is not None:
            state["bar"].stop()

    return update, close
