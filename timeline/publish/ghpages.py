"""Publish to a git branch: GitHub Pages, and any host that deploys from a branch.

Everything happens in a temporary bare repository, never in the user's working tree,
index or current branch:

1. `git ls-remote` finds the branch's tip; `git fetch --depth=1 --filter=blob:none` brings
   that one commit and its trees (not the files);
2. the site's files (plus `.nojekyll`, and `CNAME` with --cname) go into a temporary
   index (`GIT_INDEX_FILE`) with `update-index --index-info`; only files the tip lacks
   are written with `hash-object -w`; `write-tree` gives the site's tree;
3. if that tree is the tip's tree, the site is unchanged: no commit, no push;
4. otherwise `commit-tree` makes one commit on top of the tip, and `git push` sends it
   (a fast-forward, never a force push). The branch moves all at once or not at all.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from timeline.errors import PublishError
from timeline.publish import Plan, site_files

GIT_INSTALL = "https://git-scm.com/downloads"
COMMIT_MESSAGE = "Publish the site with timeline"
ROLLBACK_SUBJECT = "Roll back to"
# Variables that would point git at the user's repository instead of ours.
_REPO_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
              "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_PREFIX",
              "GIT_CEILING_DIRECTORIES")
# Files go in byte for byte; no background housekeeping in a folder about to be deleted.
_GIT_CONFIG = ("-c", "core.autocrlf=false", "-c", "core.safecrlf=false", "-c", "core.symlinks=true",
               "-c", "gc.auto=0", "-c", "maintenance.auto=false",
               "-c", "core.looseCompression=0")  # objects live only until the push
_GITHUB = re.compile(r"github\.com[:/](?P<user>[^/\s]+)/(?P<repo>[^/\s]+?)(?:\.git)?/?$")
_SCP_LIKE = re.compile(r"^[\w.-]+@[\w.-]+:|^[\w.-]+:[^\\/]")  # user@host:path, host:path


def _blob_id(data: bytes) -> str:
    """The id git gives a file with these bytes (`git hash-object`)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def find_git() -> str:
    git = shutil.which("git")
    if git is None:
        raise PublishError(f"git is not installed or not on PATH; install it ({GIT_INSTALL}) "
                           "to publish to a git branch")
    return git


def _reason(stderr: str) -> str:
    """The useful part of git's error output, on one line.

    A refused push says why in "! [rejected] ... (reason)" and what the server said in
    "remote:" lines; other failures in their first "fatal:" or "error:" line.
    """
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    rejected = [ln[ln.rfind("(") + 1:].rstrip(")") for ln in lines if ln.startswith("! [") and ln.endswith(")")]
    said = " ".join(ln.removeprefix("remote:").strip() for ln in lines if ln.startswith("remote:")).strip()
    if rejected:
        return rejected[0] + (f" (the server said: {said})" if said else "")
    errors = [ln for ln in lines if ln.lower().startswith(("fatal:", "error:"))]
    if errors:
        return errors[0]
    return said or (lines[-1] if lines else "no message")


def resolve_remote(remote: str | None, git: str, cwd: Path | None = None) -> str:
    """A URL or absolute path for `remote`: a URL, a local path, or a remote's name.

    A name (default "origin") is looked up, read-only, in the git repository that
    contains the current folder.
    """
    remote = remote or "origin"
    if "://" in remote or _SCP_LIKE.match(remote):
        return remote
    cwd = cwd or Path.cwd()
    if os.path.isabs(remote) or remote.startswith(".") or Path(cwd, remote).exists():
        path = Path(cwd, remote).expanduser()
        if not path.exists():
            raise PublishError(f"the git remote {remote} does not exist; create it with "
                               f"`git init --bare {remote}` or pass another --remote")
        return os.path.abspath(path)
    proc = subprocess.run([git, "remote", "get-url", remote], cwd=cwd, capture_output=True, text=True,
                          env=_clean_env())
    if proc.returncode != 0:
        raise PublishError(f"{remote!r} is not a remote of a git repository in {cwd}; pass --remote "
                           "with a remote's name, a URL or a path")
    url = proc.stdout.strip()
    if "://" in url or _SCP_LIKE.match(url) or os.path.isabs(url):
        return url
    top = subprocess.run([git, "rev-parse", "--show-toplevel"], cwd=cwd, capture_output=True,
                         text=True, env=_clean_env()).stdout.strip()
    return os.path.abspath(Path(top or cwd, url))


def redact(text: str) -> str:
    """Text with the passwords or tokens of its URLs removed (https://u:TOKEN@h/ -> https://u@h/).

    Used in every message and in timeline.toml, so that a token passed in --remote never
    ends up in a log or a file.
    """
    return re.sub(r"(://[^/@:\s]*):[^/@\s]*@", r"\1@", text)


def github_pages_url(remote_url: str) -> str | None:
    """https://user.github.io/repo/ for a GitHub remote (https://user.github.io/ for user.github.io)."""
    m = _GITHUB.search(remote_url)
    if not m:
        return None
    user, repo = m.group("user"), m.group("repo")
    if repo.lower() == f"{user.lower()}.github.io":
        return f"https://{user.lower()}.github.io/"
    return f"https://{user.lower()}.github.io/{repo}/"


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _REPO_VARS}
    env["LC_ALL"] = "C"  # messages we parse and repeat are in English
    if not sys.stdin.isatty():
        env["GIT_TERMINAL_PROMPT"] = "0"  # fail at once instead of waiting for a password
    return env


class GhPagesTarget:
    def __init__(self, remote: str | None, *, branch: str = "gh-pages", cname: str | None = None,
                 cwd: Path | None = None):
        self.git = find_git()
        ok = subprocess.run([self.git, "check-ref-format", f"refs/heads/{branch}"], capture_output=True,
                            env=_clean_env()).returncode == 0
        if not ok or branch.startswith(("-", "refs/")) or branch == "HEAD":
            raise PublishError(f"--branch {branch!r} is not a branch name git accepts; give a name "
                               "such as gh-pages")
        self.remote = resolve_remote(remote, self.git, cwd)
        self.branch = branch
        self.cname = cname
        # the branch the user's checkout is on holds their sources, not a site to replace
        here = subprocess.run([self.git, "symbolic-ref", "--quiet", "--short", "HEAD"], capture_output=True,
                              cwd=cwd or Path.cwd(), env=_clean_env(), text=True)
        self.checked_out = here.stdout.strip() if here.returncode == 0 else None

    def describe(self) -> str:
        return f"branch {self.branch} of {redact(self.remote)}"

    def default_base_url(self) -> str:
        if self.cname:
            return f"https://{self.cname}/"
        return github_pages_url(self.remote) or "/"

    def remembered(self) -> dict[str, str | None]:
        return {"remote": redact(self.remote), "branch": self.branch}

    # -- the Target interface ---------------------------------------------------------
    def plan(self, site_dir: Path) -> Plan:
        with _Repo(self.git) as repo:
            tip = repo.fetch_tip(self.remote, self.branch, sources=self.checked_out)
            tree = repo.site_tree(site_dir, self.cname, tip)
            return repo.diff(tip and f"{tip}^{{tree}}", tree)

    def deploy(self, site_dir: Path) -> Plan:
        with _Repo(self.git) as repo:
            tip = repo.fetch_tip(self.remote, self.branch, sources=self.checked_out)
            tree = repo.site_tree(site_dir, self.cname, tip)
            plan = repo.diff(tip and f"{tip}^{{tree}}", tree)
            if tip is not None and not plan:
                return plan  # the same site: no new commit
            commit = repo.commit(tree, tip, f"{COMMIT_MESSAGE} ({plan.summary()})")
            repo.push(self.remote, commit, self.branch)
            return plan

    def rollback(self) -> Plan:
        with _Repo(self.git) as repo:
            tip = repo.fetch_tip(self.remote, self.branch, depth=2)
            if tip is None:
                raise PublishError(f"nothing to roll back: {self.describe()} does not exist")
            subject = repo.run("log", "-1", "--format=%s", tip).strip()
            if subject.startswith(ROLLBACK_SUBJECT):
                # its parent is the version it undid: rolling back again would put that back
                raise PublishError(f"{self.describe()} is already rolled back ({subject}); "
                                   "only the version before the last publish can be restored")
            parent = repo.run("rev-parse", "--verify", "--quiet", f"{tip}^", check=False).strip()
            if not parent:
                raise PublishError(f"{self.describe()} has only one commit; there is no previous version")
            tree = repo.run("rev-parse", f"{parent}^{{tree}}").strip()
            plan = repo.diff(f"{tip}^{{tree}}", tree)
            commit = repo.commit(tree, tip, f"{ROLLBACK_SUBJECT} {parent[:12]} with timeline")
            repo.push(self.remote, commit, self.branch)
            return plan


class _Repo:
    """A temporary bare repository with its own index, deleted afterwards."""

    def __init__(self, git: str):
        self.git = git

    def __enter__(self) -> _Repo:
        self._tmp = tempfile.TemporaryDirectory(prefix="timeline-ghpages-")
        self.dir = Path(self._tmp.name)
        self.env = _clean_env()
        self.env.update(GIT_DIR=str(self.dir / "repo.git"), GIT_INDEX_FILE=str(self.dir / "index"))
        self.run("init", "--bare", "--quiet", str(self.dir / "repo.git"))
        for name, value in (("user.name", "timeline"), ("user.email", "timeline@localhost")):
            if not self.run("config", "--get", name, check=False).strip():
                self.run("config", name, value)
        return self

    def __exit__(self, *exc: object) -> None:
        self._tmp.cleanup()

    def run(self, *args: str, check: bool = True, cwd: Path | None = None, input: bytes | None = None,
            what: str | None = None) -> str:
        proc = subprocess.run([self.git, *_GIT_CONFIG, *args],
                              cwd=cwd or self.dir, env=self.env, capture_output=True, input=input)
        if check and proc.returncode != 0:
            message = redact(_reason(proc.stderr.decode("utf-8", "replace")))
            raise PublishError(f"{what or 'git ' + args[0]} failed: {message}")
        return proc.stdout.decode("utf-8", "replace")

    def fetch_tip(self, remote: str, branch: str, depth: int = 1, sources: str | None = None) -> str | None:
        """The commit at the tip of `branch` on `remote`, fetched; None if there is no branch.
        A branch that exists and holds sources (the remote's default branch, or `sources`:
        the branch the user's checkout is on) is refused: publishing would replace them."""
        ref = f"refs/heads/{branch}"
        out = self.run("ls-remote", "--symref", remote, "HEAD", ref,
                       what=f"reading {redact(remote)} (check the URL, your network and your access)")
        tip = next((line.split()[0] for line in out.splitlines() if line.endswith(f"\t{ref}")), None)
        if tip is not None:
            # Commits and trees only (a partial fetch): enough to compare, commit and push,
            # without downloading the whole site. Servers without filters send everything.
            self.run("remote", "add", "target", remote)
            self.run("config", "remote.target.promisor", "true")
            self.run("config", "remote.target.partialclonefilter", "blob:none")
            self.run("fetch", "--quiet", "--no-tags", f"--depth={depth}", "--filter=blob:none", "target", ref,
                     what=f"fetching branch {branch} from {redact(remote)}")
            sources_branch = f"ref: {ref}\tHEAD" in out.splitlines() or branch == sources
            if sources_branch and not self.run("ls-tree", "--name-only", tip, ".nojekyll").strip():
                # (every site published here has a .nojekyll: this branch holds something else)
                which = (f"the default branch of {redact(remote)}" if branch != sources
                         else "the branch your checkout is on")
                raise PublishError(f"branch {branch} is {which} and holds files that "
                                   "are not a published site: publishing would replace them; give another "
                                   "--branch, such as gh-pages (or, if the branch is meant to hold only the "
                                   "site, commit an empty .nojekyll file to it first)")
        return tip

    def site_tree(self, site_dir: Path, cname: str | None, tip: str | None) -> str:
        """Write the site (with .nojekyll, and CNAME when given) as a tree; return its id.

        Blob ids are computed here; only the files the tip does not already hold are
        written as objects (after a partial fetch the tip's files are not even local),
        and the index is filled from the ids, so an unchanged site costs one hash per file.
        """
        known = set()
        if tip is not None:
            listing = self.run("ls-tree", "-r", "-z", "--full-tree", tip).split("\0")
            known = {entry.split()[2] for entry in listing if entry}
        ids: dict[str, str] = {}
        missing: list[Path] = []
        for rel, path in site_files(site_dir).items():
            ids[rel] = _blob_id(path.read_bytes())
            if ids[rel] not in known:
                if "\n" in str(path):
                    raise PublishError(f"cannot publish {rel!r} to a git branch: its name has a line break")
                missing.append(path.absolute())
                known.add(ids[rel])
        if missing:  # one process for all the new files
            paths = "".join(f"{p}\n" for p in missing).encode("utf-8", "surrogateescape")
            self.run("hash-object", "-w", "--no-filters", "--stdin-paths", input=paths)
        extras = {".nojekyll": b""} | ({"CNAME": cname.encode() + b"\n"} if cname else {})
        for name, content in extras.items():
            ids[name] = self.run("hash-object", "-w", "--stdin", input=content).strip()
        entries = "".join(f"100644 {ids[rel]}\t{rel}\0" for rel in sorted(ids))
        self.run("update-index", "-z", "--add", "--index-info", input=entries.encode("utf-8", "surrogateescape"))
        return self.run("write-tree", "--missing-ok").strip()

    def diff(self, old_tree: str | None, new_tree: str) -> Plan:
        if old_tree is None:
            names = self.run("ls-tree", "-r", "-z", "--name-only", new_tree).split("\0")
            return Plan(added=tuple(sorted(n for n in names if n)))
        out = self.run("diff-tree", "-r", "-z", "--no-renames", "--name-status", old_tree, new_tree)
        fields = out.split("\0")
        found: dict[str, list[str]] = {"A": [], "M": [], "D": [], "T": []}
        for status, name in zip(fields[0::2], fields[1::2], strict=False):
            found.setdefault(status[:1], []).append(name)
        return Plan(added=tuple(sorted(found["A"])), changed=tuple(sorted(found["M"] + found["T"])),
                    deleted=tuple(sorted(found["D"])))

    def commit(self, tree: str, parent: str | None, message: str) -> str:
        args = ["commit-tree", tree, "-m", message] + (["-p", parent] if parent else [])
        return self.run(*args).strip()

    def push(self, remote: str, commit: str, branch: str) -> None:
        proc = subprocess.run([self.git, *_GIT_CONFIG, "push", "--quiet", remote, f"{commit}:refs/heads/{branch}"],
                              cwd=self.dir, env=self.env, capture_output=True, text=True)
        if proc.returncode != 0:
            reason = redact(_reason(proc.stderr))
            raise PublishError(f"{redact(remote)} refused the push to branch {branch}, nothing was published: "
                               f"{reason}; check your access to the remote and that no one else "
                               "is publishing, then try again")
