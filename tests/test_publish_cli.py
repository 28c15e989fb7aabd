"""`timeline publish` end to end (real build, real folder, real git), and timeline.toml."""

from __future__ import annotations

import subprocess
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from timeline.errors import PublishError
from timeline.publish import PublishSettings, resolve_settings, state

# -- timeline.toml ----------------------------------------------------------------------

def test_state_keeps_the_rest_of_timeline_toml(tmp_path: Path) -> None:
    path = tmp_path / "timeline.toml"
    path.write_text('# my settings\n[site]\ntitle = "Kling"  # shown in the header\n\n'
                    '[publish]\nto = "dir"\npath = "/old"\n\n[publish.extra]\nx = 1\n\n[other]\ny = [1, 2]\n')
    state.save(path, PublishSettings(to="gh-pages", remote='C:\\repos\\"odd"', cname="t.example.org",
                                     base_url="https://t.example.org/"))
    text = path.read_text()
    assert text.startswith('# my settings\n[site]\ntitle = "Kling"  # shown in the header\n')
    data = tomllib.loads(text)
    assert data["site"] == {"title": "Kling"} and data["other"] == {"y": [1, 2]}
    assert data["publish"] == {"to": "gh-pages", "remote": 'C:\\repos\\"odd"', "cname": "t.example.org",
                               "base_url": "https://t.example.org/"}
    assert state.load(path) == PublishSettings(to="gh-pages", remote='C:\\repos\\"odd"', cname="t.example.org",
                                               base_url="https://t.example.org/")
    assert state.load(tmp_path / "missing.toml") is None


def test_a_broken_timeline_toml_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "timeline.toml"
    path.write_text("[publish\n")
    with pytest.raises(PublishError, match=r"^cannot read .*timeline.toml: .*; fix or delete its \[publish\] table$"):
        state.load(path)
    path.write_text('[publish]\nto = "dir"\npath = 5\n')  # a number is no folder's name
    with pytest.raises(PublishError, match=r"timeline.toml: \[publish\] path must be text \(found 5\)"):
        state.load(path)


def test_options_override_the_saved_target_and_a_new_target_starts_fresh() -> None:
    saved = PublishSettings(to="gh-pages", remote="/r.git", cname="a.org", base_url="https://a.org/")
    assert resolve_settings(saved) == saved
    assert resolve_settings(saved, branch="pages").branch == "pages"
    assert resolve_settings(saved, to="gh-pages", cname="b.org") == replace(saved, cname="b.org", base_url=None)
    assert resolve_settings(saved, cname="b.org", base_url="https://c.org/").base_url == "https://c.org/"
    assert resolve_settings(saved, to="dir", path="/srv/site") == PublishSettings(to="dir", path="/srv/site")
    assert resolve_settings(saved, path="/srv/site") == PublishSettings(to="dir", path="/srv/site")
    with pytest.raises(PublishError, match="^no publish target yet: say where to publish with --to dir PATH"):
        resolve_settings(None)
    with pytest.raises(PublishError, match="^a PATH argument is only for --to dir"):
        resolve_settings(None, to="gh-pages", path="/srv/site")


# -- the command ------------------------------------------------------------------------

@pytest.fixture
def chronology(cli_sqlite):
    """A database with two events, and the CLI bound to it."""
    for date, title in (("2024-06-06", "Kling launches"), ("2025-04-15", "Kling 2.0 released")):
        result = cli_sqlite("add", "--date", date, "--title", title, "--category", "model-release",
                            "--source", "https://example.com/" + date)
        assert result.exit_code == 0, result.output
    return cli_sqlite


def test_publish_to_a_folder_then_repeat_dry_run_and_roll_back(chronology, tmp_path: Path) -> None:
    cli = chronology
    live = tmp_path / "www" / "site"
    first = cli("publish", "--to", "dir", live)
    assert first.exit_code == 0, first.output
    assert first.output.startswith(f"Published to folder {live}: ")
    assert (live / "index.html").is_file() and live.is_symlink()
    assert not (live / ".timeline-manifest.json").exists()
    saved = tomllib.loads((tmp_path / "timeline.toml").read_text())["publish"]
    assert saved == {"to": "dir", "path": str(live), "base_url": "/"}

    again = cli("publish")
    assert again.exit_code == 0 and again.output == f"folder {live} is up to date; nothing published\n"

    assert cli("add", "--date", "2025-09-30", "--title", "Kling 2.5", "--category", "model-release",
               "--source", "https://example.com/k25").exit_code == 0
    before = sorted(p.relative_to(live).as_posix() for p in live.rglob("*"))
    dry = cli("publish", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "+ " in dry.output and "~ index.html" in dry.output.splitlines()
    assert dry.output.splitlines()[-1].startswith(f"Dry run, nothing changed: publishing to folder {live} would make")
    assert sorted(p.relative_to(live).as_posix() for p in live.rglob("*")) == before

    assert cli("publish").exit_code == 0
    assert "Kling 2.5" in (live / "index.html").read_text()
    refused = cli("publish", "--rollback", "--dry-run")
    assert refused.exit_code == 1 and refused.output.startswith("Error: --rollback cannot be tried with --dry-run")
    assert "Kling 2.5" in (live / "index.html").read_text()
    back = cli("publish", "--rollback")
    assert back.exit_code == 0 and back.output.startswith(f"Rolled back folder {live} to the previous version")
    assert "Kling 2.5" not in (live / "index.html").read_text()


def test_publish_to_gh_pages_under_a_sub_path(chronology, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--bare", "--quiet", str(remote)], check=True)
    result = chronology("publish", "--to", "gh-pages", "--remote", remote,
                        "--base-url", "https://user.github.io/repo/")
    assert result.exit_code == 0, result.output
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", "--branch", "gh-pages", str(remote), str(clone)], check=True)
    index = (clone / "index.html").read_text()
    assert 'href="/repo/' in index or 'href="https://user.github.io/repo/' in index
    assert 'href="/static' not in index and (clone / ".nojekyll").exists()
    assert chronology("publish").output.endswith("is up to date; nothing published\n")


def test_errors_are_one_line_and_exit_1(chronology, tmp_path: Path) -> None:
    result = chronology("publish")
    assert result.exit_code == 1
    assert result.output == ("Error: no publish target yet: say where to publish with --to dir PATH, "
                             "--to gh-pages or --to s3://BUCKET/PREFIX\n")
    result = chronology("publish", "--to", "ftp://host/site")
    assert result.exit_code == 1 and result.output.startswith("Error: unknown publish target 'ftp://host/site'")
    result = chronology("publish", "--to", "gh-pages", "--remote", tmp_path / "missing.git")
    assert result.exit_code == 1 and "does not exist" in result.output and len(result.output.splitlines()) == 1
    assert not (tmp_path / "timeline.toml").exists()


def test_publish_deletes_the_builds_that_killed_publishes_left(chronology, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """kill -9 leaves a publish's temporary build behind (hundreds of MB at 10,000 events):
    the next publish deletes those whose process is gone, and no other folder."""
    import os
    import sys
    import tempfile
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    left = temp / f"timeline-publish-{dead}-abcd1234"
    (left / "site").mkdir(parents=True)
    (left / "site" / "index.html").write_text("half a build")
    running = temp / f"timeline-publish-{os.getppid()}-efgh5678"  # a live process's
    running.mkdir()
    other = temp / "timeline-publish-notapid"
    other.mkdir()
    result = chronology("publish", "--to", "dir", tmp_path / "www" / "site")
    assert result.exit_code == 0, result.output
    assert not left.exists() and running.is_dir() and other.is_dir()
    assert sorted(p.name for p in temp.glob("timeline-publish-*")) == sorted([running.name, other.name])
