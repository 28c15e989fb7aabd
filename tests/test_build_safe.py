"""XSS payloads in every text field never become markup on the built site."""

from __future__ import annotations

import json
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import build_data  # noqa: E402

from timeline import markup  # noqa: E402
from timeline.build import build_site  # noqa: E402

PAYLOADS = [
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    'javascript:alert(1)',
    '<a href="javascript:alert(1)">x</a>',
    '[click](javascript:alert(1))',
    '<iframe src="https://evil.example/"></iframe>',
    '</script><script>alert(1)</script>',
    '<style>body{display:none}</style>',
    '{{ 7*7 }}',
]


class Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_script: str | None = None
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            # the site's own scripts: JSON-LD data, and the one external app.js (no inline code)
            ours = a.get("type") == "application/ld+json" or (
                list(a) == ["src"] and a["src"].endswith("/static/app.js"))
            if not ours:
                self.problems.append(f"script element {attrs}")
            self.in_script = "" if a.get("type") == "application/ld+json" else None
            self.external = "src" in a
        if tag in ("iframe", "object", "embed", "style", "img"):
            self.problems.append(f"{tag} element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}")
            if value and name in ("href", "src", "action", "formaction") and \
                    value.strip().lower().replace("\t", "").startswith(("javascript:", "data:", "vbscript:")):
                self.problems.append(f"{name}={value}")

    def handle_data(self, data):
        if getattr(self, "external", False) and data.strip():
            self.problems.append(f"inline code in an external script: {data[:40]!r}")
        if self.in_script is not None:
            self.in_script += data

    def handle_endtag(self, tag):
        if tag == "script":
            self.external = False
        if tag == "script" and self.in_script is not None:
            self.scripts.append(self.in_script)
            self.in_script = None


def hostile_chronology():
    chrono = build_data.make_chronology()
    for n, e in enumerate(chrono.events):
        p = PAYLOADS[n % len(PAYLOADS)]
        e["title"] = f"Title {p}"
        e["body"] = "\n\n".join(PAYLOADS) + f"\n\n[link]({PAYLOADS[3]}) <b onclick='x'>bold</b>"
        e["tags"] = e["tags"] + [{"kind": "topic", "name": f"tag {p}"}, {"kind": "person", "name": p}]
        e["category"] = e["category"] if n % 2 else p  # an unknown category: its label is the text
        e["date"]["display"] = {"en": p, "zh": p}
        for s in e["sources"]:
            s["title"] = f"Source {p}"
            s["url"] = "javascript:alert(1)" if n % 2 else 'https://example.com/"><script>x</script>'
            s["publisher"] = p
        e["translations"] = {"zh": {"title": p, "body": p}}
    chrono.sources = [dict(s, title=f"Source {PAYLOADS[0]}", publisher=PAYLOADS[1]) for s in chrono.sources]
    return chrono


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("xss") / "site"
    build_site(hostile_chronology(), site, base_url="https://example.org/kling/")
    return site


def test_no_payload_becomes_markup(hostile_site: Path) -> None:
    pages = list(hostile_site.rglob("*.html"))
    assert len(pages) > 40
    for page in pages:
        checker = Checker()
        checker.feed(page.read_text("utf-8"))
        assert checker.problems == [], page
        for script in checker.scripts:
            json.loads(script)  # JSON-LD stays valid JSON
            assert "</" not in script and "<" not in script


def test_payload_text_is_shown_escaped(hostile_site: Path) -> None:
    page = (hostile_site / "index.html").read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "{{ 7*7 }}" in page or "49" not in page


def test_javascript_source_urls_are_not_links(hostile_site: Path) -> None:
    for page in hostile_site.rglob("*.html"):
        assert 'href="javascript:' not in page.read_text("utf-8").lower()


def test_feeds_stay_well_formed(hostile_site: Path) -> None:
    import feedparser
    import icalendar
    feed = feedparser.parse((hostile_site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    for entry in feed.entries:
        assert "<script" not in entry.get("content", [{}])[0].get("value", "")
    json.loads((hostile_site / "feed.json").read_text("utf-8"))
    icalendar.Calendar.from_ical((hostile_site / "calendar.ics").read_bytes())


@pytest.mark.parametrize("text", PAYLOADS + [
    '<a href="https://ok.example/" onclick="x">ok</a>', "<img src=x>", "<form action=x><input></form>",
    '[x](JaVaScRiPt:alert(1))', '[x](  javascript:alert(1))', "<math><mtext><script>x</script>",
])
def test_render_markdown_sanitises(text: str) -> None:
    html = str(markup.render_markdown(text))
    checker = Checker()
    checker.feed(html)
    assert checker.problems == [] and checker.scripts == []
    assert "<script" not in html.lower() and "onclick" not in html.lower()
