"""prep: get ready for a job interview from plain files."""

__version__ = "0.2.0.dev0"  # the one version; pyproject reads it
