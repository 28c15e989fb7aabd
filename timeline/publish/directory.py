"""Publish to a folder that a web server (nginx, Apache, Caddy, ...) serves.

PATH is a symlink to one complete version of the site:

    /srv/site -> site.versions/000007
    /srv/site.versions/000006/   the previous version, kept for `--rollback`
    /srv/site.versions/000007/   the live version

A publish prepares the new version beside the live one (unchanged files are hard links to
the live ones, so it costs little space), then points PATH at it by renaming a new
symlink over it: rename(2) is atomic, so a reader gets the old site or the new one,
never a mix and never a 404 in between. Then every version except the live one and the
one it replaced is deleted. A failure before the rename leaves the live site untouched.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from timeline.errors import PublishError
from timeline.publish import Plan, file_digest, site_files

VERSION_DIGITS = 6


class DirTarget:
    def __init__(self, path: Path):
        self.path = Path(os.path.abspath(path))  # not resolve(): PATH itself is the symlink
        if not self.path.name:  # "/": no folder to make a link, nor one beside it
            raise PublishError(f"cannot publish to {self.path}: give a folder to make, such as /srv/www/site")
        self.versions = self.path.with_name(self.path.name + ".versions")

    def describe(self) -> str:
        return f"folder {self.path}"

    def default_base_url(self) -> str:
        return "/"

    def remembered(self) -> dict[str, str | None]:
        return {"path": str(self.path)}

    # -- reading the current state ----------------------------------------------------
    def live_version(self) -> Path | None:
        """The version folder PATH points at; None before the first publish."""
        if self.path.is_symlink():
            target = Path(os.readlink(self.path))
            live = (self.path.parent / target) if not target.is_absolute() else target
            live = Path(os.path.abspath(live))
            if live.parent != self.versions or not live.is_dir():
                raise PublishError(f"{self.path} is a symlink to {target}, not to a version in "
                                   f"{self.versions}; remove the symlink or publish to another path")
            return live
        if self.path.exists():
            raise PublishError(f"{self.path} already exists and is not a symlink managed by timeline; "
                               f"move it away (timeline makes PATH a symlink to {self.versions.name}/N) "
                               "or publish to another path")
        return None

    def _numbered(self) -> list[Path]:
        if not self.versions.is_dir():
            return []
        found = [p for p in self.versions.iterdir() if p.name.isdigit() and p.is_dir()]
        return sorted(found, key=lambda p: int(p.name))

    @staticmethod
    def _digests(folder: Path | None) -> dict[str, str]:
        if folder is None:
            return {}
        return {rel: file_digest(p) for rel, p in site_files(folder).items()}

    # -- the Target interface ---------------------------------------------------------
    def plan(self, site_dir: Path) -> Plan:
        return Plan.between(self._digests(site_dir), self._digests(self.live_version()))

    def deploy(self, site_dir: Path) -> Plan:
        with self._lock():
            live = self.live_version()
            numbered = self._numbered()
            number = int(numbered[-1].name) + 1 if numbered else 1
            version = self.versions / f"{number:0{VERSION_DIGITS}d}"
            staging = self.versions / f".tmp-{number}-{os.getpid()}"
            try:
                new_files = site_files(site_dir)
                new = {rel: file_digest(p) for rel, p in new_files.items()}
                old = self._digests(live)
                plan = Plan.between(new, old)
                if live is not None and not plan:
                    return plan
                for rel, src in sorted(new_files.items()):
                    dest = staging / rel
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    if live is not None and old.get(rel) == new[rel]:
                        _link_or_copy(live / rel, dest)
                    else:
                        shutil.copyfile(src, dest)
                os.rename(staging, version)
                self._point_at(version)
            except OSError as e:
                shutil.rmtree(staging, ignore_errors=True)
                if version.is_dir() and not version.is_symlink() and self.path.resolve() != version.resolve():
                    shutil.rmtree(version, ignore_errors=True)
                raise PublishError(f"could not publish to {self.path}, the live site is unchanged: {e}") from e
            self._prune(keep={version, live})
            return plan

    def rollback(self) -> Plan:
        with self._lock():
            live = self.live_version()
            if live is None:
                raise PublishError(f"nothing to roll back: {self.path} has never been published")
            older = [v for v in self._numbered() if int(v.name) < int(live.name)]
            if not older:
                raise PublishError(f"no previous version of {self.path} is kept in {self.versions}; "
                                   "only the version before the last publish can be restored")
            previous = older[-1]
            plan = Plan.between(self._digests(previous), self._digests(live))
            try:
                self._point_at(previous)
            except OSError as e:
                raise PublishError(f"could not roll back {self.path}, the live site is unchanged: {e}") from e
            return plan

    # -- helpers ----------------------------------------------------------------------
    def _point_at(self, version: Path) -> None:
        """Atomically make PATH a symlink to `version` (relative, so the pair can move)."""
        tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        os.symlink(os.path.relpath(version, self.path.parent), tmp)
        try:
            os.replace(tmp, self.path)
        except OSError:
            tmp.unlink(missing_ok=True)
            raise

    def _prune(self, keep: set[Path | None]) -> None:
        for v in self._numbered():
            if v not in keep:
                shutil.rmtree(v, ignore_errors=True)

    @contextmanager
    def _lock(self) -> Iterator[None]:
        """One publish at a time per PATH; leftovers of an interrupted one are removed."""
        try:
            self.versions.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.versions / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise PublishError(f"cannot create {self.versions}: {e.strerror}; check the folder's permissions") from e
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as e:
                if e.errno in (errno.EAGAIN, errno.EACCES):
                    raise PublishError(f"another publish to {self.path} is running; try again when it ends") from e
                raise
            for leftover in self.versions.glob(".tmp-*"):
                shutil.rmtree(leftover, ignore_errors=True)
            yield
        finally:
            os.close(fd)


def _link_or_copy(src: Path, dest: Path) -> None:
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)
