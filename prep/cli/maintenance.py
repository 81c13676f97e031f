"""Commands of this group are registered here."""

from __future__ import annotations

from typing import Any


def register(app: Any) -> None:
    """Nothing registered yet."""
