"""Publishing to a folder: atomic switch under a live HTTP server, deletions, rollback."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from publish_sites import COMMON_PAGES, files_of, make_site
from timeline.errors import PublishError
from timeline.publish import PublishSettings, publish_site, rollback
from timeline.publish.directory import DirTarget


def settings(path: Path) -> PublishSettings:
    return PublishSettings(to="dir", path=str(path))


def test_publish_switches_versions_deletes_old_files_and_rolls_back(tmp_path: Path) -> None:
    v1, v2 = make_site(tmp_path / "v1", 1), make_site(tmp_path / "v2", 2)
    live = tmp_path / "www" / "site"

    first = publish_site(v1, settings(live))
    assert first.plan.added and not first.plan.changed and not first.plan.deleted
    assert ".timeline-manifest.json" not in first.plan.added
    assert live.is_symlink() and files_of(live) == files_of(v1)
    assert os.readlink(live) == "site.versions/000001"  # relative: the pair can be moved

    second = publish_site(v2, settings(live))
    assert second.plan.added == ("new.html",) and second.plan.deleted == ("old.html",)
    assert "static/logo.svg" not in second.plan.changed and "index.html" in second.plan.changed
    assert files_of(live) == files_of(v2) and not (live / "old.html").exists()
    # Unchanged files share the live version's inode: a new version costs only what changed.
    first_logo = tmp_path / "www/site.versions/000001/static/logo.svg"
    assert (live / "static/logo.svg").stat().st_ino == first_logo.stat().st_ino

    back = rollback(settings(live))
    assert back.rolled_back and back.plan.added == ("old.html",) and back.plan.deleted == ("new.html",)
    assert files_of(live) == files_of(v1)
    with pytest.raises(PublishError, match="no previous version"):
        rollback(settings(live))

    publish_site(v2, settings(live))  # keeps the live version and the one it replaced
    assert sorted(p.name for p in (tmp_path / "www/site.versions").iterdir() if not p.name.startswith(".")) == [
        "000001", "000003"]


def test_unchanged_site_and_dry_run_change_nothing(tmp_path: Path) -> None:
    v1, v2 = make_site(tmp_path / "v1", 1), make_site(tmp_path / "v2", 2)
    live = tmp_path / "site"
    publish_site(v1, settings(live))
    again = publish_site(v1, settings(live))
    assert not again.plan and "up to date" in again.summary()
    assert os.readlink(live) == "site.versions/000001"

    dry = publish_site(v2, settings(live), dry_run=True)
    assert dry.plan.added == ("new.html",) and dry.plan.deleted == ("old.html",)
    assert "+ new.html" in dry.plan.lines() and "- old.html" in dry.plan.lines()
    assert files_of(live) == files_of(v1)
    assert sorted(p.name for p in (tmp_path / "site.versions").iterdir() if not p.name.startswith(".")) == ["000001"]


def test_refuses_a_real_folder_a_failed_check_and_a_missing_path(tmp_path: Path) -> None:
    site = make_site(tmp_path / "v1", 1)
    existing = tmp_path / "existing"
    (existing / "keep.html").parent.mkdir(parents=True)
    (existing / "keep.html").write_text("mine")
    with pytest.raises(PublishError, match=r"already exists and is not a symlink managed by timeline"):
        publish_site(site, settings(existing))
    assert (existing / "keep.html").read_text() == "mine" and not existing.is_symlink()

    (site / "events/launch/index.html").write_text('<!doctype html><a href="/missing/">x</a>')
    live = tmp_path / "site"
    with pytest.raises(PublishError) as e:
        publish_site(site, settings(live))
    assert str(e.value) == ("the site check found 1 problem(s), nothing was published: events/launch/index.html: "
                            "broken link '/missing/' (no file missing/index.html)")
    assert not live.exists() and not live.is_symlink()

    with pytest.raises(PublishError, match="--to dir needs the folder"):
        publish_site(site, PublishSettings(to="dir"))
    with pytest.raises(PublishError, match="^cannot publish to /: give a folder"):  # no name to link
        publish_site(site, settings(Path("/")))


def test_a_failed_deploy_leaves_the_live_site_untouched(tmp_path: Path) -> None:
    v1, v2 = make_site(tmp_path / "v1", 1), make_site(tmp_path / "v2", 2)
    live = tmp_path / "site"
    publish_site(v1, settings(live))
    # A file where the next version's folder goes: the final rename fails after the copy.
    (tmp_path / "site.versions/000002").write_text("in the way")
    with pytest.raises(PublishError, match=r"^could not publish to .*site, the live site is unchanged: "):
        publish_site(v2, settings(live))
    assert files_of(live) == files_of(v1)
    assert sorted(p.name for p in (tmp_path / "site.versions").iterdir()) == [".lock", "000001", "000002"]

    (tmp_path / "site.versions/000002").unlink()
    os.symlink("/nonexistent/file", v2 / "static/gone.css")  # unreadable: fails before any copy
    with pytest.raises(PublishError, match=r"the live site is unchanged: .*No such file"):
        DirTarget(live).deploy(v2)  # straight to the target, past the site check
    assert files_of(live) == files_of(v1)


LOOP = r"""
import json, sys, time, urllib.request, urllib.error
base, stop_file, pages = sys.argv[1], sys.argv[2], sys.argv[3:]
requests, failures, versions = 0, [], set()
deadline = time.monotonic() + 60  # never runs forever
while time.monotonic() < deadline:
    for page in pages:
        try:
            with urllib.request.urlopen(base + page, timeout=10) as r:
                body = r.read().decode()
            if r.status != 200 or not body.rstrip().endswith("</html>"):
                failures.append(f"{page}: status {r.status}, {len(body)} bytes")
            versions.add(body.split('name="version" content="')[1][0])
        except Exception as e:
            failures.append(f"{page}: {e!r}")
        requests += 1
    import os
    if os.path.exists(stop_file):
        break
print(json.dumps({"requests": requests, "failures": failures, "versions": sorted(versions)}))
"""


def test_readers_never_see_a_failed_request_during_ten_publishes(tmp_path: Path) -> None:
    sites = [make_site(tmp_path / "v1", 1), make_site(tmp_path / "v2", 2)]
    live = tmp_path / "www" / "site"
    publish_site(sites[0], settings(live))
    # http.server joins its --directory with each request path, so serving the symlink
    # itself follows every switch, as nginx does with `root /srv/site;`.
    server = subprocess.Popen([sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
                               "--directory", str(live)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True)
    loop = None
    try:
        line = server.stdout.readline()
        port = int(re.search(r"port (\d+)", line).group(1))
        stop = tmp_path / "stop"
        urls = [p.removesuffix("index.html") for p in COMMON_PAGES]
        loop = subprocess.Popen([sys.executable, "-c", LOOP, f"http://127.0.0.1:{port}/", str(stop), *urls],
                                stdout=subprocess.PIPE, text=True)
        time.sleep(0.3)
        for n in range(10):
            publish_site(sites[(n + 1) % 2], settings(live))
            time.sleep(0.1)
        stop.write_text("")
        out, _ = loop.communicate(timeout=90)
    finally:
        if loop is not None and loop.poll() is None:
            loop.kill()
        server.terminate()
        server.wait(timeout=10)
    report = json.loads(out)
    assert report["failures"] == []
    assert report["requests"] > 20
    assert report["versions"] == ["1", "2"]  # the readers did see both versions
    assert os.readlink(live) == "site.versions/000011"


def test_the_builders_bookkeeping_is_never_published() -> None:
    from timeline.output import MANIFEST
    from timeline.publish import NOT_PUBLISHED
    assert MANIFEST in NOT_PUBLISHED


def test_target_describes_itself(tmp_path: Path) -> None:
    target = DirTarget(tmp_path / "site")
    assert target.describe() == f"folder {tmp_path / 'site'}"
    assert target.default_base_url() == "/"
