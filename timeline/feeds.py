"""The machine-readable files of the site, written as strings with their own escaping.

Atom (RFC 4287), JSON Feed 1.1, iCalendar (RFC 5545: each event's interval as all-day
dates, lines folded at 75 octets, CRLF) and sitemaps (a sitemap index over several files
past 50,000 URLs). There are no timestamps in the data, so the dates written are the
events' own start dates: the same database gives the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import uuid
from datetime import date, timedelta
from typing import TYPE_CHECKING, Callable

import timeline
from timeline import markup
from timeline.fragments import Joined
from timeline.templating import LANG_TAGS, Router, category_label, event_rel, localized, localized_title

if TYPE_CHECKING:
    from timeline.build import Site

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ICS_SPECIAL = re.compile("[\\\\;,\n\r\x00-\x1f\ufffe\uffff]")


def xml_escape(text: str | None, quote: bool = True) -> str:
    text = _XML_BAD.sub("", text or "")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text


_URL_NAMESPACE = uuid.NAMESPACE_URL.bytes


@functools.lru_cache(maxsize=4096)
def event_uuid(slug: str, lang: str = "en") -> str:
    """A stable id for an event, whatever the site's URL: a UUID from its slug.

    str(uuid.uuid5(NAMESPACE_URL, name)), computed directly: the UUID class costs more than
    the hash, and calendar.ics needs one for every event."""
    name = f"timeline:event:{slug}" if lang == "en" else f"timeline:event:{lang}:{slug}"
    b = bytearray(hashlib.sha1(_URL_NAMESPACE + name.encode("utf-8")).digest()[:16])
    b[6] = (b[6] & 0x0F) | 0x50   # version 5
    b[8] = (b[8] & 0x3F) | 0x80   # the RFC 4122 variant
    x = b.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


def _stamp(iso_day: str) -> str:
    return iso_day + "T00:00:00Z"


# ---------------------------------------------------------------- Atom and JSON Feed

def atom(site: "Site", lang: str, idx: list[int]) -> str:
    r = site.router
    title = site.options.title[lang]
    home = r.absolute(r.url("", lang))
    self_url = r.absolute(r.url("feed.xml", lang))
    updated = max((site.events[i]["date"]["start"] for i in idx), default="1970-01-01")
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{LANG_TAGS[lang]}">',
           f"<title>{xml_escape(title)}</title>",
           f"<id>urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'timeline:feed:' + lang + ':' + title)}</id>",
           f"<updated>{_stamp(updated)}</updated>",
           f'<link rel="self" type="application/atom+xml" href="{xml_escape(self_url)}"/>',
           f'<link rel="alternate" type="text/html" href="{xml_escape(home)}"/>',
           f"<author><name>{xml_escape(title)}</name></author>",
           f'<generator version="{timeline.__version__}">timeline</generator>']
    for i in reversed(idx):
        v = site.view(i, lang)
        content = _content_html(v)
        out += ["<entry>",
                f"<title>{xml_escape(v['title'])}</title>",
                f"<id>urn:uuid:{event_uuid(v['slug'], lang)}</id>",
                f'<link rel="alternate" type="text/html" href="{xml_escape(r.absolute(v["url"]))}"/>',
                f"<published>{_stamp(v['start'])}</published>",
                f"<updated>{_stamp(v['start'])}</updated>",
                f'<category term="{xml_escape(v["category"])}" label="{xml_escape(v["category_label"])}"/>',
                f"<summary>{xml_escape(_summary(v))}</summary>",
                f'<content type="html">{xml_escape(content)}</content>',
                "</entry>"]
    out.append("</feed>")
    return "\n".join(out) + "\n"


def _content_html(v: dict) -> str:
    """An entry's content in both feeds: the event's body, then its sources."""
    sources = "".join(
        f'<li>{xml_escape(s["publisher"] or "", False)} — {xml_escape(s["title"], False)}</li>'
        for s in v["sources"])
    return str(markup.render_markdown(v["body_md"])) + (f"<ul>{sources}</ul>" if sources else "")


def _summary(v: dict) -> str:
    """An entry's summary in both feeds: the date as the site shows it ("late Sep 2025"; the
    feeds' own timestamps can only say the day it starts), then the summary."""
    return v["date"] + " — " + v["summary"] if v["summary"] else v["date"]


def json_feed(site: "Site", lang: str, idx: list[int]) -> str:
    r = site.router
    items = []
    for i in reversed(idx):
        v = site.view(i, lang)
        items.append({
            "id": event_uuid(v["slug"], lang), "url": r.absolute(v["url"]), "title": v["title"],
            "content_html": _content_html(v), "summary": _summary(v),
            "date_published": _stamp(v["start"]), "language": v["text_lang"],
            "tags": [category_label(v["category"], lang)] + [t["name"] for t in v["tags"]],
        })
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": site.options.title[lang],
            "home_page_url": r.absolute(r.url("", lang)),
            "feed_url": r.absolute(r.url("feed.json", lang)), "language": LANG_TAGS[lang],
            "items": items}
    return json.dumps(feed, ensure_ascii=False, indent=1) + "\n"


# ---------------------------------------------------------------- iCalendar

def ics_text(text: str | None) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and newlines escaped."""
    text = text or ""
    if not _ICS_SPECIAL.search(text):
        return text
    text = _XML_BAD.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 character (RFC 5545 3.1)."""
    if len(line) <= 25 or (len(line) <= 75 and line.isascii()):
        return line
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start, limit = end, 74  # continuation lines begin with one space
    return "\r\n ".join(parts)


def icalendar(site: "Site", fragments=None) -> str | Joined:
    """The calendar; written piece by piece when built from `fragments` (the build's
    FragmentStore)."""
    r = site.router
    title = site.options.title["en"]
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//timeline//timeline {timeline.__version__}//EN",
            "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{ics_text(title)}"]
    lang = site.langs[0]
    first = "".join(fold(line) + "\r\n" for line in head)
    if fragments is not None:
        page = Joined(fragments)
        page.add(first.encode("utf-8"))
        page.add_pieces(b"ics", site.ekeys, site.ics_piece, was=site.was)
        page.add(b"END:VCALENDAR\r\n")
        return page
    out = [first]
    for e in site.events:
        out.append(vevent(e, r, lang))
    out.append("END:VCALENDAR\r\n")
    return "".join(out)


_ONE_DAY = timedelta(days=1)


def _all_day_span(start: str, end: str) -> str:
    """The line that ends an all-day event whose inclusive interval is start..end:
    DTEND, the day after the last (exclusive), or DURATION in days when that day is past
    9999-12-31, which an iCalendar DATE (four-digit year) cannot write."""
    last = date.fromisoformat(end)
    if last < date.max:
        return f"DTEND;VALUE=DATE:{(last + _ONE_DAY).isoformat().replace('-', '')}"
    return f"DURATION:P{(last - date.fromisoformat(start)).days + 1}D"


def vevent(e: dict, r: Router, lang: str, about: str | None = None) -> str:
    """The event's VEVENT; `about` is its summary in `lang`, when the caller has it."""
    d = e["date"]
    start = d["start"].replace("-", "")
    url = r.absolute(r.url(event_rel(e["slug"]), lang))
    label = category_label(e["category"], lang)
    display = (d.get("display") or {}).get(lang) or d.get("edtf") or d["start"]
    if about is None:  # what the event was, not only when
        about = markup.summary(localized(e, lang)[1])
    description = display + " · " + label + ("\n\n" + about if about else "")
    lines = ["BEGIN:VEVENT", f"UID:{event_uuid(e['slug'])}", f"DTSTAMP:{start}T000000Z",
             f"DTSTART;VALUE=DATE:{start}", _all_day_span(d["start"], d["end"]),
             f"SUMMARY:{ics_text(localized_title(e, lang)[0])}",
             f"DESCRIPTION:{ics_text(description)}", f"CATEGORIES:{ics_text(label)}"]
    if url.startswith(("http://", "https://")):
        lines.append(f"URL:{url}")
    lines.append("END:VEVENT")
    return "".join(fold(line) + "\r\n" for line in lines)


# ---------------------------------------------------------------- sitemaps

def _urlset(urls: list[str]) -> str:
    body = "".join(f"<url><loc>{xml_escape(u)}</loc></url>\n" for u in urls)
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + body + "</urlset>\n")


def sitemap_names(count: int, limit: int = 50_000) -> list[str]:
    """The files sitemap_files() makes for `count` URLs (the same names, in the same order)."""
    if count <= limit:
        return ["sitemap.xml"]
    return [f"sitemaps/sitemap-{n}.xml" for n in range(1, -(-count // limit) + 1)] + ["sitemap.xml"]


def sitemap_files(urls: list[str], router: Router, limit: int = 50_000) -> dict[str, Callable[[], str]]:
    """{output path: writer}: one sitemap.xml, or an index and sitemaps/sitemap-N.xml."""
    if len(urls) <= limit:
        return {"sitemap.xml": lambda: _urlset(urls)}
    chunks = [urls[i:i + limit] for i in range(0, len(urls), limit)]
    files: dict[str, Callable[[], str]] = {}
    locs = []
    for n, chunk in enumerate(chunks, 1):
        name = f"sitemaps/sitemap-{n}.xml"
        files[name] = (lambda c=chunk: _urlset(c))
        locs.append(router.absolute(router.base_path + name))
    index = ('<?xml version="1.0" encoding="utf-8"?>\n'
             '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
             + "".join(f"<sitemap><loc>{xml_escape(u)}</loc></sitemap>\n" for u in locs)
             + "</sitemapindex>\n")
    files["sitemap.xml"] = lambda: index
    return files
