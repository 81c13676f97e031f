"""What the shell and prep agree on, with no imports: the entry point's fast path and
`prep completion` both read it."""

# Set by the shell completion scripts (`prep completion SHELL`): typer answers those.
COMPLETE_VAR = "_PREP_COMPLETE"
