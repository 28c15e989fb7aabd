"""timeline: a sourced chronology in a database, rendered into a static site."""

__version__ = "0.1.0"
