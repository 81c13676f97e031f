"""The face: rich rendering and key input. Only the CLI imports this."""
