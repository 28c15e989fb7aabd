"""Publish a built site: check it, then deploy it to a target, or only say what would change.

Three targets stand behind one interface (`Target`), chosen by `--to`:

- "dir"       a folder a web server serves: versions beside it, swapped by a symlink
              (directory.py);
- "gh-pages"  a git branch (GitHub Pages and any host that deploys from a branch),
              committed with git plumbing in a temporary repository (ghpages.py);
- "s3://B/P"  an S3 bucket or an S3-compatible store, uploading only what changed (s3.py).

`publish()` builds the chronology into a temporary folder with the target's base URL,
`publish_site()` checks a built folder (timeline.sitecheck) and refuses to deploy it on any
problem; then it deploys, or with dry_run only plans. Each target's deploy changes
nothing when it fails (s3, which has no transactions, says how far it got).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from timeline.errors import PublishError
from timeline.publish import state
from timeline.publish.state import PublishSettings
from timeline.sitecheck import check_site

__all__ = ["Plan", "PublishResult", "PublishSettings", "Target", "get_target", "publish",
           "publish_site", "remember", "rollback", "settings_for", "site_files", "TARGET_HELP"]

# Files a build leaves in its folder that are not part of the site (timeline.output.MANIFEST).
NOT_PUBLISHED = frozenset({".timeline-manifest.json"})
TARGET_HELP = "--to dir PATH, --to gh-pages or --to s3://BUCKET/PREFIX"


@dataclass(frozen=True)
class Plan:
    """What a deploy adds, changes and deletes: site-relative paths, sorted."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()

    @classmethod
    def between(cls, new: dict[str, str], old: dict[str, str]) -> Plan:
        """The plan that turns a site whose files have digests `old` into `new`."""
        return cls(added=tuple(sorted(new.keys() - old.keys())),
                   changed=tuple(sorted(p for p in new.keys() & old.keys() if new[p] != old[p])),
                   deleted=tuple(sorted(old.keys() - new.keys())))

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.deleted)

    def summary(self) -> str:
        return f"{len(self.added)} added, {len(self.changed)} changed, {len(self.deleted)} deleted"

    def lines(self) -> list[str]:
        """One line per file: "+ path", "~ path" or "- path"."""
        return ([f"+ {p}" for p in self.added] + [f"~ {p}" for p in self.changed]
                + [f"- {p}" for p in self.deleted])


class Target(Protocol):
    """A place a site is published to."""

    def describe(self) -> str:
        """Where, for messages: "folder /srv/site", "branch gh-pages of URL", "s3://b/p"."""

    def default_base_url(self) -> str:
        """The URL the site is served at when --base-url is not given."""

    def remembered(self) -> dict[str, str | None]:
        """Settings to save for next time, made absolute (a path, a remote's URL)."""

    def plan(self, site_dir: Path) -> Plan:
        """What deploy(site_dir) would do; changes nothing."""

    def deploy(self, site_dir: Path) -> Plan:
        """Make the target serve exactly the files of site_dir; returns what it did."""

    def rollback(self) -> Plan:
        """Serve the previous version again; returns what changed."""


def site_files(site_dir: Path) -> dict[str, Path]:
    """Every file of a built site by its site-relative POSIX path (build bookkeeping left out)."""
    files: dict[str, Path] = {}
    for dirpath, _dirnames, filenames in os.walk(site_dir, followlinks=True):
        rel_dir = os.path.relpath(dirpath, site_dir).replace(os.sep, "/")
        for name in filenames:
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if rel not in NOT_PUBLISHED:
                files[rel] = Path(dirpath, name)
    return files


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, algorithm).hexdigest()


def _dir_target(s: PublishSettings) -> Target:
    from timeline.publish.directory import DirTarget
    if not s.path:
        raise PublishError("--to dir needs the folder to publish to: timeline publish --to dir PATH")
    return DirTarget(Path(s.path))


def _ghpages_target(s: PublishSettings) -> Target:
    from timeline.publish.ghpages import GhPagesTarget
    return GhPagesTarget(s.remote, branch=s.branch or "gh-pages", cname=s.cname)


def _s3_target(s: PublishSettings) -> Target:
    from timeline.publish.s3 import S3Target
    return S3Target(s.to, endpoint_url=s.endpoint_url)


# The registry: a target kind -> a factory. Modules load only when their target is used
# (boto3 is imported only for s3).
TARGETS: dict[str, Callable[[PublishSettings], Target]] = {
    "dir": _dir_target, "gh-pages": _ghpages_target, "s3": _s3_target,
}


def get_target(settings: PublishSettings) -> Target:
    factory = TARGETS.get(settings.kind)
    if factory is None:
        raise PublishError(f"unknown publish target {settings.to!r}; use {TARGET_HELP}")
    return factory(settings)


def resolve_settings(saved: PublishSettings | None, *, to: str | None = None,
                     **options: str | None) -> PublishSettings:
    """The settings for this run: the options given, over the saved ones for the same target.

    Without --to the saved target is repeated (a PATH alone means --to dir); with a
    different --to the saved options are dropped (a dir path means nothing to S3).
    """
    path = options.get("path")
    if to is None:
        if path and (saved is None or saved.kind != "dir"):
            to = "dir"
        elif saved is None:
            raise PublishError(f"no publish target yet: say where to publish with {TARGET_HELP}")
        else:
            to = saved.to
    if path and to != "dir":
        raise PublishError(f"a PATH argument is only for --to dir; use the options of --to {to}")
    fresh = PublishSettings(to=to)
    base = saved if saved is not None and saved.kind == fresh.kind and saved.to == to else fresh
    if options.get("base_url") is None and any(
            options.get(k) is not None and options[k] != getattr(base, k) for k in ("remote", "cname")):
        base = replace(base, base_url=None)  # derive it again from the new remote or domain
    return base.merged(**options)


@dataclass
class PublishResult:
    target: str  # the target's description
    plan: Plan
    settings: PublishSettings  # with the base URL used filled in
    dry_run: bool = False
    rolled_back: bool = False

    def summary(self) -> str:
        if self.rolled_back:
            return f"Rolled back {self.target} to the previous version: {self.plan.summary()}"
        if self.dry_run:
            return f"Dry run, nothing changed: publishing to {self.target} would make {self.plan.summary()}"
        if not self.plan:
            return f"{self.target} is up to date; nothing published"
        return f"Published to {self.target}: {self.plan.summary()}"


def settings_for(db_url: str, **options: str | None) -> PublishSettings:
    """This run's settings: the command's options over what timeline.toml saved last time."""
    return resolve_settings(state.load(state.state_path(db_url)), **options)


def remember(db_url: str, settings: PublishSettings) -> Path:
    """Save settings in timeline.toml beside the database, so that `publish` alone repeats them."""
    path = state.state_path(db_url)
    state.save(path, settings)
    return path


def base_url_for(settings: PublishSettings, target: Target) -> str:
    return settings.base_url or target.default_base_url()


def publish_site(site_dir: Path, settings: PublishSettings, *, dry_run: bool = False,
                 target: Target | None = None) -> PublishResult:
    """Check the built site in site_dir and deploy it (or only plan, with dry_run).

    Raises PublishError, and deploys nothing, if the check finds any problem.
    """
    target = target or get_target(settings)
    base_url = base_url_for(settings, target)
    problems = check_site(Path(site_dir), base_url)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise PublishError(f"the site check found {len(problems)} problem(s), nothing was published: "
                           f"{problems[0]}{more}")
    try:
        plan = target.plan(Path(site_dir)) if dry_run else target.deploy(Path(site_dir))
    except OSError as e:  # an unreadable file in the build; the targets map their own errors
        raise PublishError(f"could not publish to {target.describe()}: {e}") from e
    used = settings.merged(base_url=base_url, **target.remembered())
    return PublishResult(target.describe(), plan, used, dry_run)


TEMP_PREFIX = "timeline-publish-"


def sweep_abandoned_builds() -> list[Path]:
    """Delete the temporary builds of publishes that were killed (kill -9 cannot clean up:
    hundreds of MB each at 10,000 events): folders timeline-publish-PID-… of this user in
    the temporary folder whose process is gone. Returns what it deleted."""
    gone = []
    for entry in Path(tempfile.gettempdir()).glob(f"{TEMP_PREFIX}*-*"):
        pid = entry.name[len(TEMP_PREFIX):].split("-", 1)[0]
        try:
            if not pid.isdigit() or _alive(int(pid)) or entry.is_symlink() or not entry.is_dir() \
                    or entry.stat().st_uid != os.getuid():
                continue
        except OSError:
            continue
        shutil.rmtree(entry, ignore_errors=True)
        gone.append(entry)
    return gone


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process, or not a pid: leave its folder alone
    return True


def publish(chrono: object, settings: PublishSettings, *, dry_run: bool = False,
            templates_dir: Path | None = None, options: object | None = None) -> PublishResult:
    """Build `chrono` with the target's base URL into a temporary folder, check it, deploy it."""
    from timeline.build import build_site

    target = get_target(settings)
    base_url = base_url_for(settings, target)
    sweep_abandoned_builds()
    with tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}{os.getpid()}-") as tmp:
        site_dir = Path(tmp) / "site"
        build_site(chrono, site_dir, base_url=base_url, templates_dir=templates_dir,
                   options=options)
        return publish_site(site_dir, settings.merged(base_url=base_url), dry_run=dry_run, target=target)


def rollback(settings: PublishSettings, *, dry_run: bool = False) -> PublishResult:
    """Serve the version published before the current one again."""
    if dry_run:
        raise PublishError("--rollback cannot be tried with --dry-run; run it without --dry-run to roll back")
    target = get_target(settings)
    plan = target.rollback()
    return PublishResult(target.describe(), plan, settings.merged(**target.remembered()), rolled_back=True)
