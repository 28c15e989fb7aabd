"""A site built for https://example.org/kling/ works when served from /kling/, needs no other
host, keeps every page under 1 MB at scale, and `timeline serve` rebuilds on change."""

from __future__ import annotations

import re
import sys
import threading
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import build_data  # noqa: E402

from timeline import serve as serving  # noqa: E402
from timeline.build import build_site  # noqa: E402
from timeline.sitecheck import check_site  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://example.org/kling/"


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str, str]] = []  # (tag, attr, url)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append((tag, name, value))


def crawl(port: int, start: str) -> tuple[set[str], list[str]]:
    """Follow every internal link from start; return (visited URLs, problems)."""
    origin = f"http://127.0.0.1:{port}"
    todo, seen, problems = [start], {start}, []
    while todo:
        path = todo.pop()
        try:
            with urllib.request.urlopen(origin + path, timeout=10) as r:
                body, ctype = r.read(), r.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            problems.append(f"{path}: {e.code}")
            continue
        if "html" not in ctype:
            continue
        parser = Links()
        parser.feed(body.decode("utf-8"))
        for tag, attr, url in parser.links:
            target = urljoin("https://example.org" + path, url)
            parts = urlsplit(target)
            if parts.netloc != "example.org":
                if tag in ("script", "img", "iframe", "link") and not (tag == "link" and attr == "href"
                                                                       and "stylesheet" not in url):
                    problems.append(f"{path}: asset from another host {url}")
                continue
            if parts.scheme not in ("http", "https"):
                continue
            if not parts.path.startswith("/kling/"):
                problems.append(f"{path}: link outside the sub-path {url}")
                continue
            if parts.path not in seen:
                seen.add(parts.path)
                todo.append(parts.path)
    return seen, problems


@pytest.fixture()
def served(tmp_path: Path):
    site = tmp_path / "site"
    build_site(build_data.make_chronology(), site, base_url=BASE)
    server = serving.make_server(site, 0, "/kling/")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site, server.server_address[1]
    server.shutdown()
    server.server_close()


def test_every_link_resolves_under_a_sub_path(served) -> None:
    site, port = served
    seen, problems = crawl(port, "/kling/")
    assert problems == []
    html_files = {p for p in site.rglob("*.html") if p.name != "404.html"}
    assert len(seen) >= len(html_files)  # every page is reachable by following links
    for extra in ("/kling/feed.xml", "/kling/feed.json", "/kling/calendar.ics", "/kling/events.json",
                  "/kling/static/style.css", "/kling/zh/events/kling-q2-revenue/"):
        assert extra in seen
    assert check_site(site, BASE) == []


def test_server_answers_404_with_the_404_page(served) -> None:
    site, port = served
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/kling/no/such/page/", timeout=5)
    assert e.value.code == 404 and b"Page not found" in e.value.read()
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/other/", timeout=5)
    # in both languages: the one 404 page serves every address
    page = (site / "404.html").read_text("utf-8")
    assert '<section lang="zh-Hans">' in page and '<a href="/kling/zh/">' in page


def test_server_keeps_the_builds_own_files_and_sends_its_root_to_the_site(served) -> None:
    site, port = served
    assert (site / ".timeline-manifest.json").is_file()
    for hidden in ("/kling/.timeline-manifest.json", "/kling/zh/.hidden", "/kling/%2etimeline-manifest.json"):
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{hidden}", timeout=5)
        assert e.value.code == 404
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:  # follows the redirect
        assert r.url == f"http://127.0.0.1:{port}/kling/" and b"<h1" in r.read()


def test_no_page_references_another_host_for_assets(tmp_path: Path) -> None:
    build_site(build_data.make_chronology(), tmp_path / "site")
    for page in (tmp_path / "site").rglob("*.html"):
        text = page.read_text("utf-8")
        assert not re.search(r'<(script|img|iframe)[^>]+src="https?://', text)
        assert not re.search(r'<link[^>]+rel="stylesheet"[^>]+href="https?://', text)
    css = (tmp_path / "site/static/style.css").read_text()
    assert "url(" not in css and "@import" not in css


def test_shipped_chronology_builds_and_every_link_resolves(tmp_path: Path) -> None:
    db_file = ROOT / "events.db"
    if not db_file.exists():
        pytest.skip("no shipped events.db yet")
    from timeline import chronology
    chrono = chronology.read(f"sqlite:///{db_file}")
    assert chrono.events
    build_site(chrono, tmp_path / "site", base_url=BASE)
    assert check_site(tmp_path / "site", BASE) == []


def test_pages_stay_small_at_scale(tmp_path: Path) -> None:
    """Listings are paginated: no HTML page near 1 MB (here 2,000 events in one year)."""
    sys.path.insert(0, str(ROOT / "bench"))
    import build as bench
    from timeline.chronology import Chronology
    data = bench.generate(2000)
    for e in data["events"]:
        e["date"]["start"] = "2020" + e["date"]["start"][4:]
        e["date"]["end"] = "2020" + e["date"]["end"][4:]
        e["sources"] = [{"title": data["sources"][0]["title"], "publisher": data["sources"][0]["publisher"],
                         "url": data["sources"][0]["url"], "published": None, "locator": None}]
    data["events"].sort(key=lambda e: (e["date"]["start"], e["date"]["end"], e["slug"]))
    site = tmp_path / "site"
    report = build_site(Chronology(events=data["events"], sources=data["sources"], observations=[]), site,
                        langs=("en",))
    assert report.pages > 2000
    biggest = max((p.stat().st_size, p) for p in site.rglob("*.html"))
    assert biggest[0] < 400_000, biggest
    home = (site / "index.html").read_text()
    assert home.count('<article class="event') <= 50
    assert (site / "years/2020/page/10/index.html").exists()
    # each page of a listing says which page it is, in its title and its heading
    tenth = (site / "years/2020/page/10/index.html").read_text()
    pages = len(list((site / "years/2020/page").iterdir())) + 1
    assert f"<title>2020 · page 10 of {pages} · " in tenth
    assert f'<span class="page-of">page 10 of {pages}</span></h1>' in tenth
    assert '<a href="/years/2020/" aria-current="page">2020</a>' in tenth
    page = re.search(r'href="/years/2020/page/(\d+)/#m-2020-12"', home).group(1)
    assert 'id="m-2020-12"' in (site / f"years/2020/page/{page}/index.html").read_text()
    assert check_site(site, "/") == []


def test_watch_rebuilds_when_the_fingerprint_changes() -> None:
    state = {"n": 0}
    calls = []
    stop = threading.Event()
    t = threading.Thread(target=serving.watch, args=(lambda: state["n"], lambda: calls.append(1) or "ok",
                                                     stop, 0.01, lambda m: None), daemon=True)
    t.start()
    time.sleep(0.05)
    assert calls == []
    state["n"] = 1
    deadline = time.monotonic() + 5
    while not calls and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    assert calls == [1]


def test_the_watcher_sees_commits_and_nothing_else(tmp_path: Path) -> None:
    """SqliteChanges moves when another connection commits or the file is replaced, not
    when a writer only opens the file or writes its log back into it on closing."""
    import shutil
    import sqlite3

    from timeline.chronology import SqliteChanges
    db = tmp_path / "events.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE t (x)")
    changes = SqliteChanges(db)
    try:
        first = changes()
        assert first is not None and changes() == first
        reader = sqlite3.connect(db)  # another process opening it, reading, closing
        reader.execute("SELECT count(*) FROM t").fetchone()
        reader.close()
        assert changes() == first
        writer = sqlite3.connect(db)
        writer.execute("INSERT INTO t VALUES (1)")
        writer.commit()
        second = changes()
        assert second != first
        writer.close()  # the last writer closing: its log is written back into the file
        assert changes() == second
        shutil.copy(db, tmp_path / "other.db")
        (tmp_path / "other.db").replace(db)  # a file put in its place
        assert changes() not in (first, second, None)
    finally:
        changes.close()
    db.unlink()
    assert changes() is None
