"""Publishing to a git branch, against real bare repositories and a real user checkout."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from publish_sites import files_of, make_site
from timeline.errors import PublishError
from timeline.publish import PublishSettings, publish_site, rollback
from timeline.publish.ghpages import github_pages_url


def git(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No global git config: publishing must work without a configured identity."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(params=["full-fetch", "partial-fetch"])
def remote(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A bare repository; like GitHub, the second one lets clients fetch without the files."""
    path = tmp_path / "remote.git"
    git("init", "--bare", "--quiet", "--initial-branch=main", str(path))
    if request.param == "partial-fetch":
        git("config", "uploadpack.allowFilter", "true", cwd=path)
    return path


@pytest.fixture
def checkout(tmp_path: Path, remote: Path) -> Path:
    """The user's project: a commit, a staged change, an untracked file, origin = remote."""
    work = tmp_path / "project"
    work.mkdir()
    git("init", "--quiet", "--initial-branch=main", cwd=work)
    (work / "notes.md").write_text("draft\n")
    git("add", "notes.md", cwd=work)
    git("-c", "user.name=U", "-c", "user.email=u@example.org", "commit", "--quiet", "-m", "start", cwd=work)
    (work / "notes.md").write_text("draft, staged edit\n")
    git("add", "notes.md", cwd=work)
    (work / "untracked.txt").write_text("mine\n")
    git("remote", "add", "origin", str(remote), cwd=work)
    return work


def snapshot(work: Path) -> dict[str, str]:
    return {"head": git("rev-parse", "HEAD", cwd=work), "branch": git("symbolic-ref", "HEAD", cwd=work),
            "status": git("status", "--porcelain=v2", "--untracked-files=all", cwd=work),
            "branches": git("branch", "--all", cwd=work), "index": git("ls-files", "--stage", cwd=work),
            "staged": git("diff", "--cached", cwd=work), "stash": git("stash", "list", cwd=work)}


def clone_branch(remote: Path, dest: Path, branch: str = "gh-pages") -> Path:
    git("clone", "--quiet", "--branch", branch, "--single-branch", str(remote), str(dest))
    return dest


def test_branch_holds_exactly_the_build_and_the_checkout_is_untouched(
        tmp_path: Path, remote: Path, checkout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site(tmp_path / "build", 1, origin="https://timeline.example.org")
    before = snapshot(checkout)
    monkeypatch.chdir(checkout)
    result = publish_site(site, PublishSettings(to="gh-pages", cname="timeline.example.org"))
    assert result.settings.remote == str(remote)  # "origin" was resolved, read-only
    assert result.settings.base_url == "https://timeline.example.org/"
    assert snapshot(checkout) == before
    assert (checkout / "notes.md").read_text() == "draft, staged edit\n"

    clone = clone_branch(remote, tmp_path / "clone")
    expected = files_of(site) | {".nojekyll": b"", "CNAME": b"timeline.example.org\n"}
    assert files_of(clone) == expected
    assert git("rev-list", "--count", "HEAD", cwd=clone) == "1"
    assert git("ls-remote", "--heads", str(remote)).endswith("refs/heads/gh-pages")  # main not created


def test_unchanged_site_makes_no_commit_and_changes_replace_the_content(tmp_path: Path, remote: Path) -> None:
    s = PublishSettings(to="gh-pages", remote=str(remote))
    v1, v2 = make_site(tmp_path / "v1", 1), make_site(tmp_path / "v2", 2)
    publish_site(v1, s)
    again = publish_site(v1, s)
    assert not again.plan and "up to date" in again.summary()
    assert git("rev-list", "--count", "gh-pages", cwd=remote) == "1"

    second = publish_site(v2, s)
    assert second.plan.added == ("new.html",) and second.plan.deleted == ("old.html",)
    assert git("rev-list", "--count", "gh-pages", cwd=remote) == "2"
    clone = clone_branch(remote, tmp_path / "clone")
    assert files_of(clone) == files_of(v2) | {".nojekyll": b""}
    assert not (clone / "old.html").exists() and not (clone / "CNAME").exists()


def test_publishes_on_top_of_an_existing_branch_history(tmp_path: Path, remote: Path) -> None:
    seed = tmp_path / "seed"
    git("init", "--quiet", "--initial-branch=gh-pages", str(seed))
    (seed / "README.md").write_text("old hand-made page\n")
    git("add", ".", cwd=seed)
    git("-c", "user.name=U", "-c", "user.email=u@example.org", "commit", "--quiet", "-m", "by hand", cwd=seed)
    git("push", "--quiet", str(remote), "gh-pages", cwd=seed)
    old_tip = git("rev-parse", "gh-pages", cwd=remote)

    site = make_site(tmp_path / "v1", 1)
    result = publish_site(site, PublishSettings(to="gh-pages", remote=str(remote)))
    assert result.plan.deleted == ("README.md",)
    assert git("rev-parse", "gh-pages^", cwd=remote) == old_tip  # a fast-forward, history kept
    assert git("log", "-1", "--format=%an <%ae>", "gh-pages", cwd=remote) == "timeline <timeline@localhost>"


def test_dry_run_pushes_nothing_and_rollback_restores_the_previous_commit(tmp_path: Path, remote: Path) -> None:
    s = PublishSettings(to="gh-pages", remote=str(remote), branch="pages")
    v1, v2 = make_site(tmp_path / "v1", 1), make_site(tmp_path / "v2", 2)
    dry = publish_site(v1, s, dry_run=True)
    assert ".nojekyll" in dry.plan.added and "index.html" in dry.plan.added
    assert git("ls-remote", "--heads", str(remote)) == ""

    publish_site(v1, s)
    publish_site(v2, s)
    back = rollback(s)
    assert back.plan.added == ("old.html",) and back.plan.deleted == ("new.html",)
    assert git("rev-list", "--count", "pages", cwd=remote) == "3"
    assert files_of(clone_branch(remote, tmp_path / "clone", "pages")) == files_of(v1) | {".nojekyll": b""}
    # a second rollback would put back what the first undid (its parent): refused, as the
    # dir target refuses it
    with pytest.raises(PublishError, match=r"is already rolled back \(Roll back to [0-9a-f]{12} with timeline\); "
                                           r"only the version before the last publish can be restored"):
        rollback(s)
    assert git("rev-list", "--count", "pages", cwd=remote) == "3"


def test_git_missing(tmp_path: Path, remote: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(PublishError) as e:
        publish_site(make_site(tmp_path / "v1", 1), PublishSettings(to="gh-pages", remote=str(remote)))
    assert str(e.value) == ("git is not installed or not on PATH; install it (https://git-scm.com/downloads) "
                            "to publish to a git branch")


def test_a_refused_push_publishes_nothing(tmp_path: Path, remote: Path) -> None:
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'pushes are closed today' >&2\nexit 1\n")
    hook.chmod(0o755)
    with pytest.raises(PublishError) as e:
        publish_site(make_site(tmp_path / "v1", 1), PublishSettings(to="gh-pages", remote=str(remote)))
    message = str(e.value)
    assert message.startswith(f"{remote} refused the push to branch gh-pages, nothing was published: ")
    assert message.endswith("nothing was published: pre-receive hook declined (the server said: pushes are "
                            "closed today); check your access to the remote and that no one else is "
                            "publishing, then try again")
    assert git("ls-remote", "--heads", str(remote)) == ""


def test_unreachable_or_unknown_remotes(tmp_path: Path, checkout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site(tmp_path / "v1", 1)
    with pytest.raises(PublishError, match=r"^reading file:///nonexistent/repo.git \(check the URL, your network "
                                           r"and your access\) failed: fatal: '/nonexistent/repo.git' does not "):
        publish_site(site, PublishSettings(to="gh-pages", remote="file:///nonexistent/repo.git"))
    monkeypatch.chdir(checkout)
    with pytest.raises(PublishError, match=r"^'upstream' is not a remote of a git repository in "):
        publish_site(site, PublishSettings(to="gh-pages", remote="upstream"))
    with pytest.raises(PublishError, match=r"^the git remote ./missing.git does not exist"):
        publish_site(site, PublishSettings(to="gh-pages", remote="./missing.git"))


def test_a_failed_site_check_pushes_nothing(tmp_path: Path, remote: Path) -> None:
    site = make_site(tmp_path / "v1", 1, base="/repo/")
    with pytest.raises(PublishError, match=r"^the site check found \d+ problem\(s\), nothing was published: "
                                           r".*is outside the base path /timeline/"):
        publish_site(site, PublishSettings(to="gh-pages", remote=str(remote), base_url="/timeline/"))
    assert git("ls-remote", "--heads", str(remote)) == ""


def test_tokens_in_remote_urls_never_reach_messages_or_timeline_toml(tmp_path: Path) -> None:
    from timeline.publish.ghpages import redact
    assert redact("https://x-access-token:ghp_SECRET@github.com/u/r.git") == "https://x-access-token@github.com/u/r.git"
    assert redact("fatal: unable to access 'https://u:pw@127.0.0.1:9/r.git/'") == \
        "fatal: unable to access 'https://u@127.0.0.1:9/r.git/'"
    assert redact("git@github.com:u/r.git") == "git@github.com:u/r.git"
    remote = "https://bot:SECRET@127.0.0.1:9/user/repo.git"  # nothing listens on port 9
    with pytest.raises(PublishError) as e:
        publish_site(make_site(tmp_path / "v1", 1), PublishSettings(to="gh-pages", remote=remote, base_url="/"))
    assert "SECRET" not in str(e.value) and "https://bot@127.0.0.1:9/user/repo.git" in str(e.value)


@pytest.mark.parametrize("url, pages", [
    ("git@github.com:user/repo.git", "https://user.github.io/repo/"),
    ("https://github.com/User/Repo", "https://user.github.io/Repo/"),
    ("https://github.com/user/user.github.io.git", "https://user.github.io/"),
    ("ssh://git@gitlab.com/user/repo.git", None),
])
def test_github_pages_base_url(url: str, pages: str | None) -> None:
    assert github_pages_url(url) == pages


def test_project_site_under_a_sub_path(tmp_path: Path, remote: Path) -> None:
    """https://user.github.io/repo/: every link carries /repo/, the check knows it."""
    from timeline.publish.ghpages import GhPagesTarget
    assert GhPagesTarget("git@github.com:user/repo.git").default_base_url() == "https://user.github.io/repo/"
    site = make_site(tmp_path / "v1", 1, base="/repo/", origin="https://user.github.io")
    s = PublishSettings(to="gh-pages", remote=str(remote), base_url="https://user.github.io/repo/")
    result = publish_site(site, s)
    assert result.settings.base_url == "https://user.github.io/repo/" and result.plan.added
    with pytest.raises(PublishError, match="outside the base path /"):
        publish_site(site, s.merged(base_url="https://user.github.io/other/"))


def test_an_unreadable_file_in_the_build_pushes_nothing(tmp_path: Path, remote: Path) -> None:
    site = make_site(tmp_path / "v1", 1)
    (site / "static" / "photo.png").symlink_to(tmp_path / "nowhere.png")
    with pytest.raises(PublishError, match=r"^could not publish to branch gh-pages of .*No such file or directory"):
        publish_site(site, PublishSettings(to="gh-pages", remote=str(remote)))
    assert git("ls-remote", "--heads", str(remote)) == ""


@pytest.mark.parametrize("branch", ["-f", "--force", "HEAD", "refs/heads/x", "x y", "../x", "a..b"])
def test_a_branch_name_git_refuses_is_refused_before_anything(tmp_path: Path, remote: Path, branch: str) -> None:
    site = make_site(tmp_path / "v1", 1)
    with pytest.raises(PublishError, match="is not a branch name git accepts"):
        publish_site(site, PublishSettings(to="gh-pages", remote=str(remote), branch=branch))
    assert git("for-each-ref", cwd=remote) == ""


def test_the_branch_holding_the_sources_is_not_replaced(tmp_path: Path, remote: Path, checkout: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The remote's default branch, or the branch the checkout is on, when it holds
    something other than a published site: refused; once it holds a site, published."""
    git("-c", "user.name=U", "-c", "user.email=u@example.org", "commit", "--quiet", "-m", "edit", cwd=checkout)
    git("push", "--quiet", "origin", "main", cwd=checkout)
    tip = git("rev-parse", "main", cwd=remote)
    site = make_site(tmp_path / "v1", 1)
    # the branch the checkout is on (the remote's default branch is another one here)
    git("symbolic-ref", "HEAD", "refs/heads/elsewhere", cwd=remote)
    monkeypatch.chdir(checkout)
    with pytest.raises(PublishError, match="main is the branch your checkout is on and holds files"):
        publish_site(site, PublishSettings(to="gh-pages", branch="main"))
    # the remote's default branch, published to from outside any checkout
    git("symbolic-ref", "HEAD", "refs/heads/main", cwd=remote)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PublishError, match="main is the default branch of .* and holds files"):
        publish_site(site, PublishSettings(to="gh-pages", remote=str(remote), branch="main"))
    assert git("rev-parse", "main", cwd=remote) == tip
    # a branch that already holds a site (a user.github.io repository's main) is published to
    pages = tmp_path / "pages.git"
    git("init", "--bare", "--quiet", "--initial-branch=main", str(pages))
    publish_site(site, PublishSettings(to="gh-pages", remote=str(pages), branch="main"))
    again = publish_site(make_site(tmp_path / "v2", 2), PublishSettings(to="gh-pages", remote=str(pages),
                                                                        branch="main"))
    assert again.plan and git("rev-parse", "main^", cwd=pages)
