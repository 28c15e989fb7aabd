"""The search index the site's app.js filters and searches with, built with the site.

Files (all JSON, under search/ at the site's root):

- `search/<lang>.json`, the manifest, small at any size: the URL prefix of event pages,
  the categories, tags and years (for the filter menus and for decoding the chunks), the
  list of chunks with the years each covers, each year as `[year, events, URL of its
  page]` (its later pages add `page/<n>/`), and the table folding traditional Chinese
  to simplified (`fold`: the two strings of timeline/zh_fold.py).
- `search/<lang>-<k>.json`: what a result shows in that language, for CHUNK events in
  chronological order: `[path segment, title, lang of the title or "", date display,
  start, category index, [tag indices], the <time datetime> value or "", end, the page
  of its year's pages that shows its card]`. A result is drawn with its title first, then
  with the whole card (summary, sources) app.js takes from that year page.
- `search/text-<k>.json`: the same events' searchable text, shared by the languages
  (a reader of the English site searching 可灵 finds the event by its Chinese text):
  every title and body (original and translations) and tag names, NFKC-normalised, case
  folded, traditional Chinese characters folded to simplified ones (one to one, the table
  of timeline/zh_fold.py), Markdown removed, cut into words, each distinct word once,
  space-separated.

A query is cut into words the same way (app.js mirrors `normalise`, with the folding
table the manifest carries, so 可靈 finds what 可灵 finds; a typographic apostrophe is
read as a straight one) and an event matches when every query word is found in its text
(`found`): CJK runs stay whole words, so any part of Chinese text matches; a word in
Latin letters or digits matches, case-insensitively, the start of a word or of a part of
one ("art" finds "artificial", not "start"), and a number matches a whole number ("2"
finds "2.0" and "kling-2", not "2025"). The browser fetches the manifest and then only the chunks it
needs (a year filter needs only that year's chunks; text only once there is a query), on
the reader's first action. At 10,000 synthetic events (bench/build.py) the manifest is
42 KB (21 KB gzipped; the folding table is 26 KB of it, 19 KB gzipped), a chunk of 500
results 60 KB (17 KB gzipped) and of text 250 KB (80 KB gzipped).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from timeline.markup import LINK, strip_tags
from timeline.templating import compact_json
from timeline.zh_fold import SIMPLIFIED, TRADITIONAL

CHUNK = 500
# What the index text means (and the folding table the manifest carries), for the keys
# build.py gives the search pages and the words it keeps: bump the name when the
# normalisation changes; a new table changes the digest.
FORMAT = b"search-6:" + hashlib.blake2b((TRADITIONAL + SIMPLIFIED).encode(), digest_size=8).digest()
# What the manifest and the results chunks hold, their fields: bump it when they change
# (the words kept for the text chunks stay good).
RESULTS_FORMAT = b"results-2"

_URL = re.compile(r"https?://\S+")
# A word: letters, digits, marks, joined by . ' ’ % + - between them (so "2.0", "q3-2025").
_WORD = re.compile(r"[^\W_]+(?:[.'’%+\-][^\W_]+)*")
_SIMPLIFIED = dict(zip(TRADITIONAL, SIMPLIFIED))
# re's character sets test a BMP character at once but compare an astral one with each
# astral character listed (a hundred times slower here): the astral traditional
# characters are given as the one range that holds them, with some characters the table
# lacks.
_ASTRAL = [c for c in TRADITIONAL if c > "\uffff"]
_TRADITIONAL = re.compile("[" + "".join(c for c in TRADITIONAL if c <= "\uffff")
                          + min(_ASTRAL) + "-" + max(_ASTRAL) + "]")


def _clean(text: str) -> str:
    """Text without Markdown links (their text kept), HTML tags and URLs."""
    if "[" in text:
        # re.split puts each link's text (the group) between the pieces around the links,
        # so joining them with spaces gives what sub(r" \1 ") gives, without a Python
        # call per link.
        text = " ".join(LINK.split(text))
    if "<" in text:
        text = strip_tags(text, " ")
    if "://" in text:
        text = _URL.sub(" ", text)
    return text


def _simplified(match: re.Match) -> str:
    c = match.group()
    return _SIMPLIFIED.get(c, c)


def fold(text: str) -> str:
    """Text with traditional Chinese characters replaced by their simplified forms, and a
    typographic apostrophe by a straight one ("Kling’s" typed on a phone finds "Kling's")."""
    # one call per traditional character: str.translate would cost 80 to 150 ns for every
    # character of a text that holds one
    return _TRADITIONAL.sub(_simplified, text).replace("\u2019", "'")


def normalise(text: str) -> list[str]:
    """The words of a text for matching, in order (NFKC, case folded, traditional Chinese
    folded to simplified, Markdown dropped)."""
    if not text:
        return []
    return _WORD.findall(fold(unicodedata.normalize("NFKC", _clean(text)).casefold()))


LATIN = re.compile(r"[0-9a-z\u00c0-\u024f]")  # (after case folding) app.js's LATIN


_GLUED = re.compile(r"^([a-z\u00c0-\u024f]{2,})([0-9].*)$")


def found_word(text: str, word: str) -> bool:
    """Whether a word of a query is in an event's words (app.js's foundWord): found as it
    is, or, a name glued to a number ("kling2.1", as Chinese articles write it), found as
    the name and the number apart ("Kling 2.1"). One letter and a number stay one word
    ("q3", "o1")."""
    if found(text, word):
        return True
    glued = _GLUED.match(word)
    return bool(glued) and found(text, glued[1]) and found(text, glued[2])


def found(text: str, term: str) -> bool:
    """Whether a normalised word of a query is in an event's words (event_text), as app.js
    matches it: a word that begins with a Latin letter or a digit at the start of a word
    or of a part of one ("2.0" in "kling-2.0", not "art" in "start"), and when it ends
    with a digit, not followed by another ("2" in "2.0", not in "2025"); Chinese anywhere,
    its words being runs of characters with no spaces between them."""
    if not LATIN.match(term):
        return term in text
    number = "0" <= term[-1] <= "9"
    p = text.find(term)
    while p >= 0:
        after = p + len(term)
        if (p == 0 or not LATIN.match(text[p - 1])) and \
                not (number and after < len(text) and "0" <= text[after] <= "9"):
            return True
        p = text.find(term, p + 1)
    return False


def event_text(ev: dict, other_names=()) -> str:
    """Every word an event can be found by, each once; `other_names` are its tags' names
    in other languages. Its date is found as the cards show it, in each language ("Q3 2025",
    "2025年第三季度", "late Sep 2025")."""
    parts = [ev.get("title") or "", ev.get("body") or ""]
    parts += list(((ev.get("date") or {}).get("display") or {}).values())
    for tr in (ev.get("translations") or {}).values():
        parts += [tr.get("title") or "", tr.get("body") or ""]
    parts += [t["name"] for t in ev.get("tags") or ()]
    parts += [name for name in other_names if name]
    # normalise() of each part, with one case folding and one word search for all of them:
    # neither looks across the space put between the parts, which no word holds.
    text = " ".join(unicodedata.normalize("NFKC", _clean(p)) for p in parts if p)
    return " ".join(dict.fromkeys(_WORD.findall(fold(text.casefold()))))


def chunks(n: int, size: int = CHUNK) -> list[range]:
    return [range(i, min(i + size, n)) for i in range(0, n, size)] or [range(0)]


def manifest(*, events_url: str, chunk_urls: list[tuple[str, str]], chunk_years: list[tuple[int, int]],
             chunk_counts: list[int], categories: list[tuple[str, str, str]],
             tags: list[tuple[str, str]], years: list[list], total: int) -> str:
    """search/<lang>.json."""
    return _dump({
        "v": 1, "total": total, "events": events_url,
        "chunks": [{"docs": d, "text": t, "n": n, "y0": y0, "y1": y1}
                   for (d, t), (y0, y1), n in zip(chunk_urls, chunk_years, chunk_counts)],
        "cats": [list(c) for c in categories], "tags": [list(t) for t in tags], "years": years,
        # app.js folds a query with the same table the text chunks were folded with
        "fold": [TRADITIONAL, SIMPLIFIED]})


def docs_chunk(records: list[list]) -> str:
    return _dump(records)


def _dump(value) -> str:
    return compact_json(value) + "\n"
