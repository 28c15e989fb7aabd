"""check_site: internal links resolve, no third-party assets, HTML parses, and it is fast."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from timeline.sitecheck import check_site

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="{root}static/style.css">
<link rel="alternate" type="application/atom+xml" href="{root}feed.xml">
<link rel="canonical" href="https://example.org/proj/{path}">
</head><body>
<nav><a href="{root}">Home</a> <a href="{root}events/">Events</a></nav>
<main><p>Text with <a href="https://other.example.com/x">an external link</a>
<p>Second paragraph without an end tag
<ul><li>one<li>two</ul>
<img src="{root}static/logo.svg" alt="" srcset="{root}static/logo.svg 1x, {root}static/logo.svg 2x">
{extra}
</main></body></html>
"""


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def make_site(root: Path, base: str = "/proj/", extra: dict[str, str] | None = None) -> Path:
    """A small site served under `base`: index, an events index, two events, CSS, sitemap."""
    pages = {"index.html": "", "events/index.html": "", "events/a/index.html": "", "events/b/index.html": "",
             "404.html": ""}
    pages.update(extra or {})
    for rel, more in pages.items():
        write(root, rel, PAGE.format(title=rel, root=base, path=rel.removesuffix("index.html"), extra=more))
    write(root, "static/style.css", "body{background:url('bg.png')} @import 'more.css';")
    write(root, "static/more.css", "")
    write(root, "static/bg.png", "png")
    write(root, "static/logo.svg", "<svg/>")
    write(root, "feed.xml", "<feed/>")
    write(root, "sitemap.xml", f"<urlset><url><loc>https://example.org{base}events/a/</loc></url></urlset>")
    return root


def test_good_site_has_no_problems(tmp_path: Path) -> None:
    site = make_site(tmp_path, extra={"events/c.html": """
        <a href="a/">rel dir</a> <a href="a">rel dir no slash</a> <a href="../events/b/index.html#top">up</a>
        <a href="./?q=1">query</a> <a href="#frag">frag</a> <a href="mailto:x@y.z">mail</a>
        <a href="/proj/files/caf%C3%A9%20menu.html">percent</a> <a href="a/index.html?x=1&amp;y=2">amp</a>
        <a href="https://example.org/proj/events/">absolute own host</a>
        <script>if (a < b && "</div>") {}</script><!-- <a href="/nope"> -->
        <svg viewBox="0 0 1 1"><path d="M0 0"/></svg>"""})
    write(site, "files/café menu.html", "<!doctype html><p>ok")
    assert check_site(site, "https://example.org/proj/") == []
    assert check_site(site, "/proj/") == []


@pytest.mark.parametrize("snippet, expected", [
    ('<a href="/proj/missing/">x</a>', "broken link '/proj/missing/' (no file missing/index.html)"),
    ('<a href="gone.html">x</a>', "broken link 'gone.html' (no file events/gone.html)"),
    ('<img src="/proj/static/nope.png">', "broken link '/proj/static/nope.png'"),
    ('<img srcset="/proj/static/logo.svg 1x, /proj/static/big.svg 2x">', "'/proj/static/big.svg'"),
    ('<a href="/events/a/">x</a>', "is outside the base path /proj/"),
    ('<a href="../../../etc/passwd">x</a>', "points above the site root"),
    ('<script src="https://cdn.example.com/lib.js"></script>',
     "loads 'https://cdn.example.com/lib.js' from another host"),
    ('<link rel="stylesheet" href="//fonts.example.com/f.css">', "from another host"),
    ('<img src="https://example.org/proj/static/nope.svg">', "broken link 'https://example.org/proj/static/nope.svg'"),
    ('<div><span>x</div>', "HTML does not parse: <span> is closed by </div>"),
    ('</section>', "HTML does not parse: </section> closes nothing"),
    ('<div class="x"', "HTML does not parse"),
    ('<!-- never closed', "HTML does not parse: unterminated tag or comment"),
    ("<section>", "<section> is closed by </main>"),
    ('<h2 id="s-a-b">A</h2>\n<p ID=s-a-b>B</p>', "events/c.html:13: the id 's-a-b' is given twice"),
    ("<h2 id='a&amp;b'>A</h2><h3 id=\"a&b\">B</h3>", "the id 'a&b' is given twice"),
])
def test_problems_are_reported_one_line_each(tmp_path: Path, snippet: str, expected: str) -> None:
    site = make_site(tmp_path, extra={"events/c.html": snippet})
    problems = check_site(site, "https://example.org/proj/")
    assert len(problems) == 1, problems
    assert problems[0].startswith("events/c.html"), problems
    assert expected in problems[0]
    assert "\n" not in problems[0]


def test_css_sitemap_and_encoding(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    write(site, "static/style.css", "a{background:url(\"missing.png\")} b{background:url(https://cdn.x/y.png)}")
    write(site, "sitemap.xml", "<urlset><url><loc>https://example.org/proj/nope/</loc></url>"
                               "<url><loc>https://elsewhere.org/proj/</loc></url></urlset>")
    (site / "bad.html").write_bytes(b"<p>\xff</p>")
    write(site, "open.html", "<!doctype html><div><p>x")
    problems = check_site(site, "https://example.org/proj/")
    assert problems == [
        "bad.html: not UTF-8 (byte 3)",
        "open.html: HTML does not parse: <div> is never closed",
        "sitemap.xml: broken link '/proj/nope/' (no file nope/index.html)",
        "sitemap.xml: <loc> 'https://elsewhere.org/proj/' is not on example.org",
        "static/style.css: broken link 'missing.png' (no file static/missing.png)",
        "static/style.css: loads 'https://cdn.x/y.png' from another host; ship the file with the site",
    ]


def test_sitemap_paths_without_a_host_and_404_links(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    write(site, "sitemap.xml", "<urlset><url><loc>/proj/events/</loc></url></urlset>")
    assert check_site(site, "/proj/") == []  # no host to write: a path is all it can hold
    assert check_site(site, "https://example.org/proj/") == [
        "sitemap.xml: <loc> '/proj/events/' is not an absolute URL"]
    write(site, "404.html", '<!doctype html><a href="events/">x</a> <a href="#top">top</a>')
    assert check_site(site, "/proj/") == ["404.html: link 'events/' is relative, but 404.html is served at "
                                          "any URL; start it with the base path"]


def test_root_base_url_and_missing_index(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", base="/")
    assert check_site(site, "/") == []
    # The same build checked for a sub-path: every root-relative link is outside it.
    assert any("outside the base path /proj/" in p for p in check_site(site, "/proj/"))
    assert check_site(tmp_path / "empty", "/") == [f"{tmp_path / 'empty'}: no index.html; is this a built site?"]


def test_worker_processes_find_the_same_problems_in_the_same_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import timeline.sitecheck
    site = make_site(tmp_path, extra={f"events/p{i}.html": f'<a href="gone{i % 3}.html">x</a>' for i in range(40)})
    monkeypatch.setattr(timeline.sitecheck, "PARALLEL_MIN", 1)
    serial = check_site(site, "/proj/", jobs=1)
    assert len(serial) == 40 and check_site(site, "/proj/", jobs=3) == serial


def test_ten_thousand_pages_one_broken_link(tmp_path: Path) -> None:
    """At scale every page is read: one broken link among 10,000 pages of 30 links is found.
    (How fast is not a test's business: a timing bound here failed in CI on a busy host.)"""
    site = tmp_path / "big"
    body = "".join(f'<li><a href="../{j}/">Event {j}</a> <span class="d">2025-01-{j % 28 + 1:02d}</span>'
                   for j in range(20))
    filler = "<p>" + "Lorem ipsum dolor sit amet, <em>consectetur</em> adipiscing elit. " * 8 + "</p>"
    for i in range(10_000):
        broken = '<a href="../no-such-event/">x</a>' if i == 9_999 else ""
        write(site, f"events/{i}/index.html",
              PAGE.format(title=i, root="/proj/", path=f"events/{i}/", extra=f"<ul>{body}</ul>{filler}{broken}"))
    make_site(site)
    problems = check_site(site, "https://example.org/proj/", jobs=1)
    assert len(problems) == 1 and problems[0].startswith("events/9999/index.html:"), problems


def test_check_workers_die_with_the_process_that_forked_them(tmp_path) -> None:
    """publish killed with SIGKILL while checking left its check workers running (they later
    printed tracebacks into the terminal): the pool's initializer ties them to it."""
    import signal
    import subprocess
    import sys
    import time
    script = tmp_path / "pool.py"
    script.write_text(
        "import multiprocessing, os, time\n"
        "from timeline import sitecheck\n"
        "def nap(_):\n"
        "    os.write(1, b'%d\\n' % os.getpid())\n"
        "    time.sleep(60)\n"
        "with multiprocessing.get_context('fork').Pool(2, initializer=sitecheck._worker_start,"
        " initargs=(os.getpid(),)) as pool:\n"
        "    pool.map(nap, [1, 2], chunksize=1)\n")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    # each worker writes its pid in one write() call, so the two lines cannot interleave
    # (print() made two calls, and once CI read "123456\n\n")
    workers = [int(proc.stdout.readline()) for _ in range(2)]
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    def running(pid: int) -> bool:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                return stat.read().split()[2] != "Z"
        except FileNotFoundError:
            return False

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(running(pid) for pid in workers):
        time.sleep(0.05)
    alive = [pid for pid in workers if running(pid)]
    assert alive == []
