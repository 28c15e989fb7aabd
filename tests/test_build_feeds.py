"""Atom, JSON Feed, iCalendar, sitemap, robots.txt and events.json, read back with real parsers."""

from __future__ import annotations

import json
import re
import sys
import uuid
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest
from hypothesis import given, settings, strategies as st

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import build_data  # noqa: E402

from timeline import build as build_mod, feeds  # noqa: E402
from timeline.build import build_site  # noqa: E402

BASE = "https://example.org/kling/"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("feeds") / "site"
    build_site(build_data.make_chronology(), out, base_url=BASE)
    return out


def test_atom_feed(site: Path) -> None:
    import feedparser
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "Chronology"
    entries = feed.entries
    assert len(entries) == len(build_data.EVENTS)
    latest = entries[0]
    assert latest.title == "Kling 2.5 Turbo"
    assert latest.link == BASE + "events/kling-2-5-turbo/"
    assert latest.published.startswith("2025-09-21")
    assert feed.feed.updated.startswith("2025-09-21")
    assert entries[0].id != entries[1].id
    zh = feedparser.parse((site / "zh" / "feed.xml").read_bytes())
    assert not zh.bozo and "可灵二季度收入超2.5亿元" in [e.title for e in zh.entries]


def test_json_feed(site: Path) -> None:
    feed = json.loads((site / "feed.json").read_text("utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == BASE + "feed.json" and feed["home_page_url"] == BASE
    for item in feed["items"]:
        assert item["id"] and item["url"].startswith(BASE) and item["content_html"] is not None
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00Z", item["date_published"])


def test_both_feeds_give_the_date_as_shown_and_the_sources(site: Path) -> None:
    """A reader of either feed sees "late Sep 2025" (the feeds' timestamps can only give the
    first day) and the event's sources."""
    import feedparser
    atom = {e.link: e for e in feedparser.parse((site / "feed.xml").read_bytes()).entries}
    items = {i["url"]: i for i in json.loads((site / "feed.json").read_text("utf-8"))["items"]}
    assert atom.keys() == items.keys()
    turbo = items[BASE + "events/kling-2-5-turbo/"]
    assert turbo["summary"] == atom[BASE + "events/kling-2-5-turbo/"].summary == "late Sep 2025 — A faster model."
    assert "<ul><li>" in turbo["content_html"] and "Kuaishou IR" in turbo["content_html"]
    assert items[BASE + "events/kling-september/"]["summary"] == "Sep 2025"  # no body: the date alone


def test_icalendar(site: Path) -> None:
    import icalendar
    raw = (site / "calendar.ics").read_bytes()
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")
    cal = icalendar.Calendar.from_ical(raw)
    events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    assert len(events) == len(build_data.EVENTS)
    turbo = events["Kling 2.5 Turbo"]
    assert turbo.decoded("DTSTART") == date(2025, 9, 21)
    assert turbo.decoded("DTEND") == date(2025, 9, 30) + timedelta(days=1)  # exclusive
    assert str(turbo["URL"]) == BASE + "events/kling-2-5-turbo/"
    assert str(turbo["UID"]) == feeds.event_uuid("kling-2-5-turbo")
    # what the event was, not only when: the date as shown, the category, the summary
    assert str(turbo["DESCRIPTION"]) == "late Sep 2025 · Product\n\nA faster model."
    assert str(events["Kling campaign in September"]["DESCRIPTION"]) == "Sep 2025 · Campaign"  # no body
    quarter = events["Kling Q2 revenue above RMB 250m"]
    assert (quarter.decoded("DTSTART"), quarter.decoded("DTEND")) == (date(2025, 4, 1), date(2025, 7, 1))


def test_calendar_pieces_made_beside_the_pages_are_the_calendar_made_alone(site: Path) -> None:
    """A build makes an event's VEVENT with the summary its page just made; the calendar
    made from the events alone, each summary made again, is the same file."""
    from timeline import templating
    from timeline.build import Router, Site, SiteOptions
    chrono = build_data.make_chronology()
    alone = Site(chrono, Router(BASE, build_mod.LANGS), templating.make_env(), options=SiteOptions(),
                 fingerprint=b"", static_files={})
    assert (site / "calendar.ics").read_bytes().decode("utf-8") == feeds.icalendar(alone)
    assert "\\n\\nA faster model." in feeds.icalendar(alone)  # (the summaries are shown)


def test_ics_folding_and_escaping() -> None:
    line = "SUMMARY:" + "可灵" * 40
    folded = feeds.fold(line)
    parts = folded.split("\r\n ")
    assert all(len(p.encode()) <= 75 for p in parts) and "".join(parts) == line
    assert feeds.ics_text("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"


def test_uid_is_stable_across_base_urls(tmp_path: Path) -> None:
    build_site(build_data.make_chronology(), tmp_path / "a", base_url="/")
    build_site(build_data.make_chronology(), tmp_path / "b", base_url="https://other.example/x/")
    uids = [re.findall(rb"UID:(\S+)", (tmp_path / d / "calendar.ics").read_bytes()) for d in "ab"]
    assert uids[0] == uids[1] and len(uids[0]) == len(build_data.EVENTS)


def _locs(path: Path) -> list[str]:
    return re.findall(r"<loc>([^<]+)</loc>", path.read_text("utf-8"))


def _file_for(url: str, root: Path) -> Path:
    path = unquote(urlsplit(url).path)
    assert path.startswith("/kling/"), url
    rel = path[len("/kling/"):]
    return root / (rel + "index.html" if rel == "" or rel.endswith("/") else rel)


def test_sitemap_urls_all_exist(site: Path) -> None:
    locs = _locs(site / "sitemap.xml")
    html = [p for p in site.rglob("*.html") if p.name != "404.html"]
    assert len(locs) == len(html)
    for url in locs:
        assert url.startswith(BASE) and _file_for(url, site).is_file(), url
    # each as the page's canonical link writes it: percent-encoded (RFC 3986), never raw
    assert sorted(locs) == sorted(BASE + _url_of(p, site) for p in html)
    assert any("%E" in url for url in locs) and all(url.isascii() for url in locs)
    assert (site / "robots.txt").read_text() == f"User-agent: *\nAllow: /\nSitemap: {BASE}sitemap.xml\n"


def test_every_page_but_404_names_its_canonical_url(site: Path) -> None:
    """404.html is served at whatever address was not found: it claims none as its own."""
    for page in site.rglob("*.html"):
        canonical = re.findall(r'<link rel="canonical" href="([^"]+)">', page.read_text("utf-8"))
        assert canonical == ([] if page.name == "404.html" else [BASE + _url_of(page, site)]), page


def _url_of(page: Path, root: Path) -> str:
    rel = page.relative_to(root).as_posix()
    return quote(rel[:-len("index.html")] if rel.endswith("index.html") else rel)


def test_sitemap_index_past_the_limit(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(build_mod, "SITEMAP_LIMIT", 10)
    out = tmp_path / "site"
    build_site(build_data.make_chronology(), out, base_url=BASE)
    index = (out / "sitemap.xml").read_text()
    assert "<sitemapindex" in index
    parts = _locs(out / "sitemap.xml")
    assert len(parts) > 3
    urls = []
    for part in parts:
        f = _file_for(part, out)
        assert f.is_file()
        chunk = _locs(f)
        assert 0 < len(chunk) <= 10
        urls += chunk
    assert len(urls) == len(set(urls)) == len([p for p in out.rglob("*.html") if p.name != "404.html"])
    assert all(_file_for(u, out).is_file() for u in urls)


def test_events_json_is_the_export(site: Path) -> None:
    from timeline import export
    chrono = build_data.make_chronology()
    assert json.loads((site / "events.json").read_text("utf-8")) == json.loads(export.dumps_json(chrono))


@pytest.mark.parametrize("slug, extent, bounds", [
    ("kling-launch", "2024-06-06", ["2024-06-06", "2024-06-06"]),        # day
    ("kling-q2-revenue", "2025", ["2025-04", "2025-06"]),                # quarter
    ("kling-2-5-turbo", "2025-09", ["2025-09", "2025-09"]),              # late September
    ("kling-september", "2025-09", ["2025-09", "2025-09"]),              # month
])
def test_machine_readable_dates_claim_no_more_precision_than_known(site: Path, slug, extent, bounds) -> None:
    """<time datetime> holds the whole interval at the precision it is known (a quarter is
    a year to HTML, which cannot write a quarter), and JSON-LD's startDate and endDate
    are the interval's ends at their precision: never a day that was not said."""
    page = (site / f"events/{slug}/index.html").read_text("utf-8")
    assert re.search(r'<p class="meta"><time datetime="([^"]+)"', page).group(1) == extent
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert [data["startDate"], data["endDate"]] == bounds
    year = (site / f"years/{bounds[0][:4]}/index.html").read_text("utf-8")
    card = year.split(f'href="/kling/events/{slug}/"')[0].rsplit("<article", 1)[1]
    assert f'<time datetime="{extent}">' in card


def test_event_page_has_schema_org_event(site: Path) -> None:
    page = (site / "events/kling-2-5-turbo/index.html").read_text("utf-8")
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    # "late September 2025": its days are a convention, so the data says the month
    assert data["@type"] == "Event" and data["startDate"] == "2025-09" and data["endDate"] == "2025-09"
    assert data["url"] == BASE + "events/kling-2-5-turbo/"
    assert [s["name"] for s in data["subjectOf"]] == ["可灵2.5 Turbo", "Kuaishou Q2 2025 results"]
    # every source numbered with publisher and date; tags; previous and next
    assert '<li id="source-1">' in page and '<li id="source-2">' in page and "智东西" in page
    assert "2025-09" in page and "Kuaishou IR" in page
    assert 'rel="prev"' in page and 'rel="next"' not in page.split("prevnext")[0]
    assert "/kling/tags/product/kling/" in page


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1), st.sampled_from(["en", "zh"]))
def test_event_uuid_is_uuid5_of_the_slug(slug: str, lang: str) -> None:
    name = f"timeline:event:{slug}" if lang == "en" else f"timeline:event:{lang}:{slug}"
    assert feeds.event_uuid.__wrapped__(slug, lang) == str(uuid.uuid5(uuid.NAMESPACE_URL, name))
