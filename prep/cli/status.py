"""`prep status`: kept free of typer and rich so it starts fast."""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def render(data: dict[str, Any]) -> str:
    lines = [
        # Before an interview the drill follows the interview plan, not the due dates.
        # Just after it, due reviews are held to the minutes a day.
        f"reviews today  {data['due']}"
        if data.get("policy") in ("deadline", "after")
        else f"due now        {data['due']}",
        f"new today      {data['new']}"
        + (
            " (paced by the interview plan, not settings.new_per_day)"
            if data.get("new_from") == "interview plan"
            else ""
        ),
        f"reviewed today {data['reviewed_today']}",
        f"streak         {data['streak_days']} day{'s' if data['streak_days'] != 1 else ''}",
        f"cards          {data['cards']}",
    ]
    if data.get("minutes_per_day"):
        extra = data.get("extra_minutes_today") or 0
        lines.append(
            f"minutes today  {data['minutes_today']:g} of {data['minutes_per_day']}"
            + (f" ({extra:g} extra)" if extra else "")
        )
    if data.get("interview_date"):
        left = data["days_left"]
        days = f"{abs(left)} day{'s' if abs(left) != 1 else ''}"
        when = "today" if left == 0 else f"in {days}" if left > 0 else f"{days} ago"
        lines.append(f"interview      {data['interview_date'][:16].replace('T', ' ')} ({when})")
    if data["due"] or data["new"]:
        lines.append("next: prep drill")
    return "\n".join(lines)


def run(workspace: str | None, db: str | None, as_json: bool) -> int:
    import sqlite3

    from ..clock import default_clock
    from ..errors import PrepError, database_error
    from ..safetext import clean, json_safe
    from ..status import status
    from ..store import Store
    from ..sync import sync
    from ..workspace import find

    try:
        clock = default_clock()  # a bad PREP_NOW is refused before anything is written
        ws = find(workspace, db)
        store = Store(ws.db_path)
        from .progress import Bar

        with Bar() as bar:  # a first sync of a big deck shows how far it is
            report = sync(store, ws, keep_good=True, progress=bar)
        for message in report.messages:
            sys.stderr.write(clean(message) + "\n")
        data = status(store, clock)
    except PrepError as exc:
        sys.stderr.write(f"Error: {clean(str(exc))}\n")
        return 1
    except sqlite3.Error as exc:  # a damaged page, a full disk: as every other command says it
        sys.stderr.write(f"Error: {database_error(exc)}\n")
        return 1
    except KeyboardInterrupt:
        return 130
    data.pop("next_due", None) if as_json else None
    if as_json:
        import json

        out = json_safe(json.dumps(data, ensure_ascii=False))
    else:
        out = render(data)
    sys.stdout.write(out + "\n")
    return 0
