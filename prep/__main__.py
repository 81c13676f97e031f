"""Entry point. `prep status` (and bare `prep`) skip typer and rich: they run often."""

from __future__ import annotations

import sys


def _fast_status(argv: list[str]) -> tuple[str | None, str | None, bool] | None:
    """Parse the few forms of `prep [status]`; anything else goes to the full CLI."""
    workspace = db = None
    as_json = seen_status = False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "status" and not seen_status:
            seen_status = True
        elif a == "--json" and seen_status:
            as_json = True
        elif a in ("-w", "--workspace", "--db") and i + 1 < len(argv) and not seen_status:
            if a == "--db":
                db = argv[i + 1]
            else:
                workspace = argv[i + 1]
            i += 1
        elif a.startswith("--workspace=") and not seen_status:
            workspace = a.split("=", 1)[1]
        elif a.startswith("--db=") and not seen_status:
            db = a.split("=", 1)[1]
        else:
            return None
        i += 1
    if as_json and not seen_status:
        return None
    return workspace, db, as_json


def main() -> None:
    try:
        if sys.argv[1:] in (["--help"], ["-h"]):
            from .cli.help_text import cached

            text = cached()
            if text is not None:
                sys.stdout.write(text)
                sys.exit(0)
        fast = _fast_status(sys.argv[1:])
        if fast is not None:
            from .cli.status import run

            sys.exit(run(*fast))
        from .cli.app import app
    except KeyboardInterrupt:  # Ctrl-C while starting up: no traceback
        sys.exit(130)
    app(prog_name="prep")


if __name__ == "__main__":
    main()
