"""Small wording helpers shared by every screen (no third-party imports)."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 day', '2 days', '0 reviews'; `many` for a word that does not just take an s."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def duration(seconds: float) -> str:
    """A length of time as words, never like a clock: '9 min', '1 h 5 min', '45 s'."""
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    minutes = round(s / 60)
    if minutes < 60:
        return f"{minutes} min"
    h, m = divmod(minutes, 60)
    return f"{h} h {m} min" if m else f"{h} h"


def relative(seconds: float) -> str:
    """How far off a time is: 'now', 'in 10 min', 'in 1 day', '3 days ago'."""
    ahead = seconds >= 0
    s = abs(seconds)
    if s < 60:
        return "now"
    if s < 3600:
        text = plural(round(s / 60), "min", "min")
    elif s < 86400:
        text = plural(round(s / 3600), "hour")
    else:
        text = plural(round(s / 86400), "day")
    return f"in {text}" if ahead else f"{text} ago"


def slug(text: str, limit: int = 48, cut_first: bool = True) -> str:
    """An ASCII id from text: its words (accents dropped, others left out) joined by '-'
    while they fit in `limit`; a first word longer than that is cut (`cut_first`) or
    gives ''."""
    import re
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    out = ""
    for w in words:
        candidate = f"{out}-{w}" if out else w
        if len(candidate) > limit:
            break
        out = candidate
    if out or not cut_first:
        return out
    return words[0][:limit] if words else ""
