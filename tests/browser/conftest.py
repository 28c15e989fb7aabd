"""Browser tests: the shipped chronology (and, for test_large_site.py, the same with 1,200
synthetic events), built once, served on 127.0.0.1 under /kling/, driven in Debian's
Chromium (/usr/bin/chromium) through Playwright's Python package.

Nothing may leave 127.0.0.1: every other request is aborted and recorded, and each test
fails if there was one (fixture `page`). Console errors fail the test too. Without a
browser (or Playwright) the tests are skipped, except on CI (env CI set), where that fails.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = os.environ.get("TIMELINE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]
SUBPATH = "/kling/"


def missing(reason: str):
    """Skip when a tool is missing on a developer's machine; fail on CI."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: install it, see scripts/system-packages.sh)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output clean
        pass


@pytest.fixture(scope="session")
def shipped_chrono(tmp_path_factory):
    """The shipped chronology, loaded from a copy of events.db (the original is not opened)."""
    from timeline import db
    copy = tmp_path_factory.mktemp("db") / "events.db"
    shutil.copyfile(REPO / "events.db", copy)
    with db.session(db.connect(f"sqlite:///{copy}")) as s:
        return db.load_chronology(s)


def _serve(www: Path, port: int):
    """Serve www/ on 127.0.0.1:port in a thread; returns the server (shutdown() stops it)."""
    handler = functools.partial(Quiet, directory=str(www))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@pytest.fixture(scope="session")
def server(tmp_path_factory, shipped_chrono):
    """Build the shipped site under www/kling/ and serve www/ on 127.0.0.1."""
    from timeline.build import build_site
    www = tmp_path_factory.mktemp("www")
    port = _free_port()
    base = f"http://127.0.0.1:{port}{SUBPATH}"
    build_site(shipped_chrono, www / SUBPATH.strip("/"), base_url=base)
    httpd = _serve(www, port)
    yield base
    httpd.shutdown()
    httpd.server_close()


LARGE_EXTRA = 1200  # synthetic events (bench/build.py's), 240 a year from 2014 to 2018:
LARGE_DAYS = 1826   # a year's page lists 200 (build.PAGE_SIZE), the next page the rest


@pytest.fixture(scope="session")
def large(tmp_path_factory):
    """The shipped chronology with LARGE_EXTRA synthetic events added: more events than the
    home page lists (it is an overview), so the filters and search draw their results
    from the index, as on any large site. Built under www/kling/, served on 127.0.0.1:
    (base URL, the chronology)."""
    from timeline import chronology
    from timeline.build import build_site
    sys.path.insert(0, str(REPO / "bench"))
    import build as bench
    work = tmp_path_factory.mktemp("large")
    db = work / "events.db"
    shutil.copyfile(REPO / "events.db", db)
    data = work / "data.json"
    data.write_text(json.dumps(bench.generate(LARGE_EXTRA, seed=3, days=LARGE_DAYS), ensure_ascii=False), "utf-8")
    imported = subprocess.run([sys.executable, "-m", "timeline", "--db", str(db), "import", str(data)],
                              cwd=REPO, capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr
    chrono = chronology.read(f"sqlite:///{db}")
    www = work / "www"
    port = _free_port()
    base = f"http://127.0.0.1:{port}{SUBPATH}"
    build_site(chrono, www / SUBPATH.strip("/"), base_url=base)
    httpd = _serve(www, port)
    yield base, chrono
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        missing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright Python package is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Guard:
    """What a page did that it must not: requests off 127.0.0.1, console errors."""

    def __init__(self) -> None:
        self.outside: list[str] = []
        self.errors: list[str] = []

    def route(self, route) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def console(self, msg) -> None:
        if msg.type == "error":
            self.errors.append(f"{msg.text} ({msg.location.get('url', '')})")

    def check(self) -> None:
        assert not self.outside, f"requests left 127.0.0.1: {self.outside}"
        assert not self.errors, f"console errors: {self.errors}"


def _context(browser, guard: Guard, **options):
    ctx = browser.new_context(**options)
    ctx.route("**/*", guard.route)
    ctx.on("page", lambda p: (p.on("console", guard.console),
                              p.on("pageerror", lambda e: guard.errors.append(f"page error: {e}"))))
    return ctx


@pytest.fixture
def guard():
    g = Guard()
    yield g
    g.check()


@pytest.fixture
def context(browser, guard):
    ctx = _context(browser, guard, viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def make_context(browser, guard):
    """Contexts with other options (a phone's width, JavaScript off, dark mode)."""
    made = []

    def make(**options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        ctx = _context(browser, guard, **options)
        made.append(ctx)
        return ctx
    yield make
    for ctx in made:
        ctx.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def axe_path() -> Path:
    """axe-core's axe.min.js, installed by npm from tests/browser/package-lock.json."""
    js = HERE / "node_modules" / "axe-core" / "axe.min.js"
    if not js.exists():
        npm = shutil.which("npm")
        if not npm:
            missing("npm is not installed (apt-get install npm): it installs axe-core")
        done = subprocess.run([npm, "ci", "--prefix", str(HERE), "--no-audit", "--no-fund"],
                              capture_output=True, text=True)
        if done.returncode != 0 or not js.exists():
            missing(f"npm ci --prefix tests/browser failed: {done.stderr[-2000:]}")
    return js
