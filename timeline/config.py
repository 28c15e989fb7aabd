"""Where things are: the database URL and the paths a command works with.

Read once by the CLI and passed on explicitly; no module reads the environment at import.
"""

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DB = "events.db"
DB_ENV = "TIMELINE_DB"


def database_url(db: str | os.PathLike | None = None) -> str:
    """`--db`, else $TIMELINE_DB, else ./events.db, as a SQLAlchemy URL.

    A plain path means SQLite; anything with "://" is a SQLAlchemy URL used as given.
    """
    value = str(db) if db else os.environ.get(DB_ENV) or DEFAULT_DB
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser()}"


def database_path(url: str) -> Path | None:
    """The file behind a SQLite URL (None for a server database or :memory:)."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and url[len(prefix):] not in ("", ":memory:"):
        return Path(url[len(prefix):])
    return None


def project_dir(url: str) -> Path:
    """The folder that holds the database (timeline.toml lives there); cwd for servers."""
    path = database_path(url)
    return path.parent if path else Path.cwd()


@dataclass(frozen=True)
class Settings:
    """What a command needs to know about its surroundings."""

    db_url: str
    site_dir: Path = Path("site")
    templates_dir: Path | None = None

    @classmethod
    def resolve(cls, db: str | None = None) -> "Settings":
        return cls(db_url=database_url(db))
