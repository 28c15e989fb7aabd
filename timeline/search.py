"""The search index the site's app.js filters and searches with, built with the site.

Files (all JSON, under search/ at the site's root):

- `search/<lang>.json`, the manifest, small at any size: the URL prefix of event pages,
  the categories, tags and years (for the filter menus and for decoding the chunks), and
  the list of chunks with the years each covers.
- `search/<lang>-<k>.json`: what a result shows in that language, for CHUNK events in
  chronological order: `[path segment, title, lang of the title or "", date display,
  start, category index, [tag indices]]`.
- `search/text-<k>.json`: the same events' searchable text, shared by the languages
  (a reader of the English site searching 可灵 finds the event by its Chinese text):
  every title and body (original and translations) and tag names, NFKC-normalised, case
  folded, Markdown removed, cut into words, each distinct word once, space-separated.

A query is cut into words the same way (app.js mirrors `normalise`) and an event matches
when every query word is a substring of its text. CJK runs stay whole words, so any
substring of Chinese text matches; Latin matching is case-insensitive and also finds
word prefixes and infixes. The browser fetches the manifest and then only the chunks it
needs (a year filter needs only that year's chunks; text only once there is a query), on
the reader's first action. At 10,000 synthetic events (bench/build.py) the manifest is
16 KB, a chunk of 500 results 60 KB (17 KB gzipped) and of text 250 KB (80 KB gzipped).
"""

from __future__ import annotations

import re
import unicodedata

from timeline.templating import compact_json

CHUNK = 500

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_TAG = re.compile(r"<[^>]*>")
# A word: letters, digits, marks, joined by . ' ’ % + - between them (so "2.0", "q3-2025").
_WORD = re.compile(r"[^\W_]+(?:[.'’%+\-][^\W_]+)*")


def _clean(text: str) -> str:
    """Text without Markdown links (their text kept), HTML tags and URLs."""
    if "[" in text:
        # re.split puts each link's text (the group) between the pieces around the links,
        # so joining them with spaces gives what sub(r" \1 ") gives, without a Python
        # call per link.
        text = " ".join(_LINK.split(text))
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "://" in text:
        text = _URL.sub(" ", text)
    return text


def normalise(text: str) -> list[str]:
    """The words of a text for matching, in order (NFKC, case folded, Markdown dropped)."""
    if not text:
        return []
    return _WORD.findall(unicodedata.normalize("NFKC", _clean(text)).casefold())


def event_text(ev: dict) -> str:
    """Every word an event can be found by, each once."""
    parts = [ev.get("title") or "", ev.get("body") or ""]
    for tr in (ev.get("translations") or {}).values():
        parts += [tr.get("title") or "", tr.get("body") or ""]
    parts += [t["name"] for t in ev.get("tags") or ()]
    # normalise() of each part, with one case folding and one word search for all of them:
    # neither looks across the space put between the parts, which no word holds.
    text = " ".join(unicodedata.normalize("NFKC", _clean(p)) for p in parts if p)
    return " ".join(dict.fromkeys(_WORD.findall(text.casefold())))


def chunks(n: int, size: int = CHUNK) -> list[range]:
    return [range(i, min(i + size, n)) for i in range(0, n, size)] or [range(0)]


def manifest(*, events_url: str, chunk_urls: list[tuple[str, str]], chunk_years: list[tuple[int, int]],
             chunk_counts: list[int], categories: list[tuple[str, str, str]],
             tags: list[tuple[str, str]], years: list[int], total: int) -> str:
    """search/<lang>.json."""
    return _dump({
        "v": 1, "total": total, "events": events_url,
        "chunks": [{"docs": d, "text": t, "n": n, "y0": y0, "y1": y1}
                   for (d, t), (y0, y1), n in zip(chunk_urls, chunk_years, chunk_counts)],
        "cats": [list(c) for c in categories], "tags": [list(t) for t in tags], "years": years})


def docs_chunk(records: list[list]) -> str:
    return _dump(records)


def text_chunk(texts: list[str]) -> str:
    return _dump(texts)


def _dump(value) -> str:
    return compact_json(value) + "\n"
