"""Where things are: the database URL and the paths a command works with.

Read once by the CLI and passed on explicitly; no module reads the environment at import.
"""

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from timeline.errors import ValidationError

SETTINGS_FILE = "timeline.toml"
SITE_KEYS = {"title": ("title", "en"), "title_zh": ("title", "zh"),
             "description": ("description", "en"), "description_zh": ("description", "zh")}

DEFAULT_DB = "events.db"
DB_ENV = "TIMELINE_DB"
# How long a command waits for another one's write to a SQLite file to finish.
BUSY_TIMEOUT_MS = 60_000


def database_url(db: str | os.PathLike | None = None) -> str:
    """`--db`, else $TIMELINE_DB, else ./events.db, as a SQLAlchemy URL.

    A plain path means SQLite; anything with "://" is a SQLAlchemy URL used as given.
    A path's "%" and "?" are escaped: SQLAlchemy would read them as an escape and a query.
    """
    value = str(db) if db else os.environ.get(DB_ENV) or DEFAULT_DB
    if "://" in value:
        return value
    path = str(Path(value).expanduser())
    return "sqlite:///" + path.replace("%", "%25").replace("?", "%3F")


def database_path(url: str) -> Path | None:
    """The file behind a SQLite URL, as SQLAlchemy reads it (None for a server database
    or :memory:)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    name = unquote(url[len(prefix):].partition("?")[0])
    return Path(name) if name not in ("", ":memory:") else None


def refuse_writing_over_database(output: Path, url: str) -> None:
    """A file a command is told to write (`export -o`, `extract -o`) that is the database it
    reads, or one of SQLite's files beside it, or the settings file: an error, before
    anything is written (`export -o events.db` meant events.json)."""
    out = Path(os.path.realpath(output))
    if out == Path(os.path.realpath(project_dir(url) / SETTINGS_FILE)):
        raise ValidationError(f"refusing to write over {output}: it holds the settings of "
                              "this database; give another output file")
    path = database_path(url)
    if path is None:
        return
    db = Path(os.path.realpath(path))
    same = out == db or (out.exists() and db.exists() and os.path.samefile(out, db))
    if same or out in {db.with_name(db.name + end) for end in ("-wal", "-shm", "-journal")}:
        raise ValidationError(f"refusing to write over {output}: it is the database {path}"
                              + ("" if same else " (one of its files)") + "; give another output file")


def missing_database(url: str) -> Path | None:
    """The SQLite file behind `url` if it does not exist yet (else None)."""
    path = database_path(url)
    return path if path is not None and not path.exists() else None


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


def site_settings(url: str) -> dict[str, dict[str, str]]:
    """The [site] table of timeline.toml beside the database, e.g.

        [site]
        title = "Kling: a sourced chronology"
        title_zh = "可灵大事记"
        description = "…"
        description_zh = "…"

    as {"title": {"en": …, "zh": …}, "description": {…}}; empty when there is none.
    """
    path = project_dir(url) / SETTINGS_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as e:
        raise ValidationError(f"{path}: cannot read it ({e})") from None
    except tomllib.TOMLDecodeError as e:
        raise ValidationError(f"{path}: invalid TOML: {e}") from None
    site = data.get("site", {})
    if not isinstance(site, dict):
        raise ValidationError(f"{path}: [site] must be a table")
    out: dict[str, dict[str, str]] = {}
    for key, value in site.items():
        if key not in SITE_KEYS:
            raise ValidationError(f"{path}: unknown key '{key}' in [site]; use "
                                  f"{', '.join(SITE_KEYS)}")
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(f"{path}: [site] {key} must be non-empty text")
        field, lang = SITE_KEYS[key]
        out.setdefault(field, {})[lang] = value.strip()
    return out
