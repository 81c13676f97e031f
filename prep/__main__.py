"""Entry point. `prep status`, bare `prep` and `prep --help` skip typer and rich: they run often.

Everything else, and the shell's completion requests, go to the typer app. A
closed pipe on stdout ends any command quietly, without a traceback.
"""

from __future__ import annotations

import sys

from .cli.shell import COMPLETE_VAR


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


def _quiet_pipe(code: int = 1) -> None:
    """The reader went away (`prep status | head -1`): exit 1 without a traceback.

    Python would print a BrokenPipeError traceback while flushing stdout at exit;
    pointing stdout at /dev/null first leaves nothing to flush. 1 is what typer's
    commands exit with on a closed pipe too.
    """
    import os

    try:
        sys.stderr.flush()  # an Error: line already written still reaches the terminal
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    os._exit(code)


def main() -> None:
    try:
        _main()
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_pipe()
    except SystemExit as exc:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _quiet_pipe(exc.code if isinstance(exc.code, int) and exc.code else 1)
        raise


def _main() -> None:
    import os

    argv = sys.argv[1:]
    completing = bool(os.environ.get(COMPLETE_VAR))
    try:
        if argv in (["--help"], ["-h"]) and not completing:
            from .cli.help_text import cached

            text = cached()
            if text is not None:
                sys.stdout.write(text)
                sys.exit(0)
        fast = None if completing else _fast_status(argv)
        if fast is not None:
            from .cli.status import run

            sys.exit(run(*fast))
        from .cli.app import app

        if completing:  # typer's completion classes read the words its scripts pass
            from typer._completion_classes import completion_init

            completion_init()
    except KeyboardInterrupt:  # Ctrl-C while starting up: no traceback
        sys.exit(130)
    app(prog_name="prep")


if __name__ == "__main__":
    main()
