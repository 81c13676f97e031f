"""prep: get ready for a job interview from plain files."""

__version__ = "0.1.0"
