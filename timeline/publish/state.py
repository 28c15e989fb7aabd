"""The last publish settings, kept in `timeline.toml` beside the database.

The file is shared: this module owns only its [publish] table. Saving rewrites that table
(and its [publish.*] subtables) in place and leaves every other line of the file as it
was, comments included.

    [publish]
    to = "gh-pages"
    remote = "git@github.com:user/repo.git"
    branch = "gh-pages"
    base_url = "https://user.github.io/repo/"
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from timeline.config import project_dir
from timeline.errors import PublishError

STATE_FILE = "timeline.toml"
_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


@dataclass(frozen=True)
class PublishSettings:
    """Where and how to publish. `to` is "dir", "gh-pages" or "s3://BUCKET/PREFIX"."""

    to: str
    path: str | None = None  # dir: the folder the web server serves
    remote: str | None = None  # gh-pages: a remote name, URL or local path
    branch: str | None = None  # gh-pages: default "gh-pages"
    cname: str | None = None  # gh-pages: custom domain, written to CNAME
    base_url: str | None = None  # the URL the site is served at; default from the target
    endpoint_url: str | None = None  # s3: an S3-compatible endpoint

    @property
    def kind(self) -> str:
        return "s3" if self.to.startswith("s3://") else self.to

    def merged(self, **changes: str | None) -> PublishSettings:
        """These settings with every change that is not None applied."""
        values = asdict(self)
        values.update({k: v for k, v in changes.items() if v is not None})
        return PublishSettings(**values)


def state_path(db_url: str) -> Path:
    """timeline.toml in the folder of the SQLite database; the current folder for a server."""
    return project_dir(db_url) / STATE_FILE


def load(path: Path) -> PublishSettings | None:
    """The [publish] table of `path`, or None if there is no file or no table."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise PublishError(f"cannot read {path}: {e}; fix or delete its [publish] table") from e
    table = data.get("publish")
    if not isinstance(table, dict) or not isinstance(table.get("to"), str):
        return None
    known = {f.name for f in fields(PublishSettings)}
    for k, v in table.items():
        if k in known and not (isinstance(v, str) and v.strip()):
            raise PublishError(f"{path}: [publish] {k} must be text (found {v!r}); fix or delete it")
    return PublishSettings(**{k: v for k, v in table.items() if k in known})


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(c if c >= " " and c != "\x7f" else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'


def render(settings: PublishSettings) -> str:
    """The [publish] table as TOML text."""
    lines = ["[publish]"]
    for key, value in asdict(settings).items():
        if value is not None:
            lines.append(f"{key} = {_toml_string(value)}")
    return "\n".join(lines) + "\n"


def save(path: Path, settings: PublishSettings) -> None:
    """Write settings as the [publish] table of `path`, keeping the rest of the file."""
    try:
        old = path.read_text(encoding="utf-8").splitlines(keepends=True)
    except FileNotFoundError:
        old = []
    kept: list[str] = []
    inside = False
    for line in old:
        m = _HEADER.match(line)
        if m:
            name = m.group(1).strip()
            inside = name == "publish" or name.startswith("publish.")
        if not inside:
            kept.append(line)
    text = "".join(kept).rstrip("\n")
    text = (text + "\n\n" if text else "") + render(settings)
    tomllib.loads(text)  # never write a file we could not read back
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:
        raise PublishError(f"published, but could not save the settings to {path}: {e}") from e
