"""`prep completion SHELL`: the script that makes the shell complete prep's commands and options."""

from enum import Enum
from typing import Annotated

import typer

from .shell import COMPLETE_VAR  # the entry point's fast path passes these requests on


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"
    powershell = "powershell"


def script(shell: str) -> str:
    """typer's completion script for `prep`; the shell runs `_PREP_COMPLETE=... prep` on Tab."""
    from typer._completion_classes import completion_init
    from typer._completion_shared import get_completion_script

    completion_init()
    return get_completion_script(prog_name="prep", complete_var=COMPLETE_VAR, shell=shell)


def register(app: typer.Typer) -> None:
    @app.command("completion")
    def completion(
        shell: Annotated[
            Shell,
            typer.Argument(
                metavar="SHELL", case_sensitive=False, help="bash, zsh, fish or powershell."
            ),
        ],
    ) -> None:
        """Print the shell completion script (commands, options, choices).

        \b
        bash:        eval "$(prep completion bash)"     in ~/.bashrc
        zsh:         eval "$(prep completion zsh)"      in ~/.zshrc, after compinit
        fish:        prep completion fish > ~/.config/fish/completions/prep.fish
        powershell:  prep completion powershell | Out-String | Invoke-Expression
        """
        typer.echo(script(shell.value))
