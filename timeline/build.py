"""Render a Chronology into a static site: plan every page, then write what changed.

Two phases (gather, then write), as in mkdocs:

1. Plan. `Site(chrono, ...)` indexes the events (years, categories, tags, sources) and
   lists every output file as a `Page(path, key, kind, args)`. The key is a digest of
   everything the page shows (the events' own digests, its neighbours, the templates,
   the options), so planning renders nothing.
2. Write (timeline/output.py). Only pages whose key differs from the manifest of the
   live site are rendered, by worker processes event by event; a page whose bytes come
   out the same as the live file is not written either. Event cards and each event's
   part of events.json and calendar.ics are kept between builds (timeline/fragments.py).

Atomic and incremental at once: the site lives in two trees, the live `site/` and a
hidden sibling spare (`.site.timeline-spare/`) that shares every unchanged file with it
through hard links. A build brings the spare up to date (writing changed pages,
linking unchanged ones from the live tree, deleting removed ones), writes its manifest,
and then swaps the two directories in one rename(2) (renameat2 RENAME_EXCHANGE). A build
killed at any moment before that rename leaves `site/` exactly as it was; after it, the
new site is complete. Unchanged files keep their inode and mtime, so nothing is rewritten.
A first build renames its tree into place; the next build makes the spare.
"""

from __future__ import annotations

import functools
import hashlib
import json
import marshal
import os
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import quote

import jinja2
import markupsafe
from jinja2 import TemplateError
from markupsafe import Markup

import timeline
from timeline import charts, feeds, fragments, markup, output, search, snapshot, templating
from timeline.output import ProgressBar  # noqa: F401  (re-exported for the CLI)
from timeline.chronology import gc_paused
from timeline.collation import name_key
from timeline.dates import iso_bounds, iso_extent
from timeline.errors import BuildError
from timeline.templating import (LANG_NAMES, LANG_TAGS, LANGS, NS, UI, Router, category_label,
                                 category_rel, check_base_url, compact_json, event_rel,
                                 is_plain_segment, lang_of, localized, localized_title, make_env,
                                 month_label, published_label, segment, tag_kind_label,
                                 template_files)
from timeline.vocab import CATEGORIES, TAG_KINDS

PAGE_SIZE = 200          # events on one list page: keeps every HTML page far below 1 MB
SOURCES_PAGE_WEIGHT = 1500  # sources + citing-event links on one sources page
FEED_SIZE = 50
SITEMAP_LIMIT = 50_000
TAG_SEGMENT_BYTES = 100  # leaves room under 255 for the hash a shared slug adds
FORMAT = b"timeline-site-18"  # bump when the page keys' meaning or the pages' bytes change
TEXT_KIND = b"text-" + search.FORMAT  # search words kept in the fragment store, by search format


class Stale(Exception):
    """The chronology was read against a snapshot (chronology.read's `previous`) that this
    build cannot use: read the whole chronology and build again. `damaged`: a stored
    piece is not what it should be (the build drops the fragment store)."""

    def __init__(self, message: str, damaged: bool = False):
        super().__init__(message)
        self.damaged = damaged

    def __reduce__(self):  # (raised in a worker, re-raised in the build process)
        return Stale, (str(self), self.damaged)


def _digest(*parts: bytes) -> bytes:
    return hashlib.blake2b(b"".join(parts), digest_size=16).digest()


def _b(value) -> bytes:
    """Bytes that identify a value of plain data (dicts, lists, str, numbers, None).

    marshal format 2 has no back-references, so equal values give equal bytes."""
    return marshal.dumps(value, 2)


@dataclass(frozen=True)
class SiteOptions:
    """What a site shows besides the data; the defaults suit any chronology."""

    title: dict[str, str] = field(default_factory=lambda: {l: UI[l]["site_title"] for l in LANGS})
    description: dict[str, str] = field(default_factory=lambda: {l: UI[l]["about_text"] for l in LANGS})


@dataclass(slots=True)
class Page:
    path: str        # relative to the output folder
    key: bytes       # digest of the page's inputs
    kind: str        # Site.render_<kind>
    args: tuple = ()


@dataclass
class BuildReport:
    out_dir: Path
    pages: int = 0
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    seconds: float = 0.0
    written_paths: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        return (f"Built {self.out_dir}: {self.pages} files, {self.written} written, "
                f"{self.unchanged} unchanged, {self.removed} removed in {self.seconds:.2f} s")


def date_display(date: dict, lang: str) -> str:
    display = date.get("display") or {}
    return display.get(lang) or display.get("en") or date.get("edtf") or date["start"]


def date_datetime(date: dict) -> str | None:
    """A stored date's <time datetime> value (dates.iso_extent), or None across years."""
    return iso_extent(date["start"], date["end"], date.get("precision"))


def tag_segment(name: str) -> str:
    """A tag's folder name: its slug, or when that is longer than TAG_SEGMENT_BYTES of
    UTF-8 (a file name may have 255), its beginning cut on a character boundary and a
    short hash of the whole name, so long names that begin alike stay apart."""
    slug = markup.slugify(name)
    data = slug.encode("utf-8")
    if len(data) <= TAG_SEGMENT_BYTES:
        return slug
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=4).hexdigest()
    head = data[:TAG_SEGMENT_BYTES - len(digest) - 1].decode("utf-8", "ignore").rstrip("-")
    return f"{head}-{digest}"


def _spells(name: str, slug: str) -> bool:
    """The tag name is its slug but for case and spacing ("Zhang Di" for zhang-di)."""
    return "-".join(unicodedata.normalize("NFKC", name).lower().split()) == slug


def _tag_sort_key(kind: str, name: str) -> tuple:
    """Tags by kind (in TAG_KINDS' order), then by name as a reader sorts names (Chinese
    names by their pinyin: see collation)."""
    return (list(TAG_KINDS).index(kind) if kind in TAG_KINDS else len(TAG_KINDS), kind, name_key(name))


def _chunks(seq: list, size: int) -> list[list]:
    return [seq[i:i + size] for i in range(0, len(seq), size)] or [[]]


class Site:
    """The plan of a site and the functions that render each page."""

    def __init__(self, chrono, router: Router, env, *, langs=LANGS, options: SiteOptions,
                 fingerprint: bytes, static_files: dict[str, bytes], previous: snapshot.Snapshot | None = None,
                 same_places: bool = False):
        self.chrono, self.router, self.env, self.langs = chrono, router, env, tuple(langs)
        self.options, self.static_files = options, static_files
        self.events: list[dict] = chrono.events
        self.fp = fingerprint
        self.fragments = fragments.FragmentStore(None, b"")
        self._views: dict[tuple[int, str], dict] = {}
        self._base: dict[str, dict] = {}
        self._card_ctx: dict[str, dict] = {}
        self._memo: dict[tuple, object] = {}
        self._templates: dict[str, object] = {}
        self._links: dict[tuple[int, str], NS] = {}
        self._events_url = {lang: router.url("events/", lang) for lang in self.langs}
        self.card_kinds = {lang: b"card-" + lang.encode() for lang in self.langs}
        self._citations: dict[str, dict[int, tuple[dict, dict]]] = {lang: {} for lang in self.langs}
        self._last_body: tuple[str | None, Markup] = (None, Markup(""))
        self._last_summary: tuple[str | None, str] = (None, "")
        # the files joined from pieces as the last build left them: path -> (inode, size,
        # modification and change times); one still so may be patched rather than joined again
        self.written_files: dict[str, tuple] = previous.files if previous is not None else {}
        # a tag's Chinese name, where it has one (Chronology.tags)
        self.tag_zh = {(t["kind"], t["name"]): t["name_zh"] for t in chrono.tags if t.get("name_zh")}
        self.sources = self.chrono.sources
        self.source_by_key = {s["key"]: s for s in self.sources}
        self.obs_by_event: dict[str, list[dict]] = defaultdict(list)
        for o in self.chrono.observations:
            if o.get("event"):
                self.obs_by_event[o["event"]].append(o)
        if same_places and previous is not None:
            # read against the snapshot, and no event read again moved in the indexes
            self._restore(previous.index)
        else:
            self._index()
        self._digests(previous)

    # ------------------------------------------------------------ indexes
    _INDEXES = ("slug_index", "tag_slug", "cites", "event_source_keys", "source_page_of", "month_order",
                "reading", "by_year", "by_cat", "by_tag")

    def index_state(self) -> dict:
        """The indexes of the whole chronology, as plain data for a snapshot: they hold for
        a later build whose events are where these were (Site(same_places=True))."""
        state = {name: getattr(self, name) for name in self._INDEXES}
        state.update(cites=dict(self.cites), by_year=dict(self.by_year), by_cat=dict(self.by_cat),
                     by_tag=dict(self.by_tag),
                     source_pages=[[(s["key"], a, b) for s, a, b in chunk] for chunk in self.source_pages])
        return state

    def _restore(self, state: dict) -> None:
        for name in self._INDEXES:
            setattr(self, name, state[name])
        self.cites = defaultdict(list, self.cites)
        self.by_tag = defaultdict(list, self.by_tag)
        self.source_pages = [[(self.source_by_key[k], a, b) for k, a, b in chunk] for chunk in state["source_pages"]]
        self.reading_pos = [0] * len(self.reading)
        for pos, i in enumerate(self.reading):
            self.reading_pos[i] = pos

    def _index(self) -> None:
        events = self.events
        self.slug_index = {e["slug"]: i for i, e in enumerate(events)}
        if len(self.slug_index) != len(events):
            raise BuildError("two events have the same slug; run `timeline check`")
        # tag slugs, unique per kind. Of names that share a slug ("ab", "AB", "a/b"), one keeps
        # it: the name that is the slug, else one that spells it but for case and spacing,
        # else the first in order (as before). The others add a hash of their own name, not
        # a count that depended on the other names: a newcomer moves another tag's page only
        # when it comes first by these rules.
        sharing: dict[tuple[str, str], list[str]] = defaultdict(list)
        for kind, name in sorted({(t["kind"], t["name"]) for e in events for t in e["tags"]}):
            sharing[(kind, tag_segment(name))].append(name)
        self.tag_slug: dict[tuple[str, str], str] = {}
        used: set[tuple[str, str]] = set()
        for (kind, base), names in sharing.items():
            owner = next((n for n in names if n == base), None) or \
                next((n for n in names if _spells(n, base)), names[0])
            for name in names:
                slug = base if name == owner else \
                    f"{base}-{hashlib.blake2b(name.encode(), digest_size=3).hexdigest()}"
                while (kind, slug) in used:  # a hash that happens to spell another tag's slug
                    slug += "-"
                used.add((kind, slug))
                self.tag_slug[(kind, name)] = slug
        # sources: match event citations by (title, publisher, url)
        by_ident = {(s["title"], s.get("publisher"), s.get("url")): s["key"] for s in self.sources}
        self.cites: dict[str, list[int]] = defaultdict(list)
        self.event_source_keys: list[list[str | None]] = []
        key_of: dict[int, str | None] = {}  # by id: the database shares one dict per citation
        for i, e in enumerate(events):
            keys = []
            for s in e["sources"]:
                k = key_of.get(id(s), False)
                if k is False:
                    k = key_of[id(s)] = by_ident.get((s["title"], s.get("publisher"), s.get("url")))
                keys.append(k)
            self.event_source_keys.append(keys)
            for n, k in enumerate(keys):
                if k and k not in keys[:n]:
                    self.cites[k].append(i)
        # sources pages: at most SOURCES_PAGE_WEIGHT rows (a source, or an event citing it)
        # each; a source cited by very many events continues on the next page
        self.source_pages: list[list[tuple[dict, int, int]]] = [[]]
        self.source_page_of: dict[str, int] = {}
        room = SOURCES_PAGE_WEIGHT
        # in the order they were published (those without a date last), then by publisher
        # and title: the order a reader can follow (their keys are the import's names)
        for s in sorted(self.sources, key=lambda s: (s.get("published") or "~", s.get("publisher") or "",
                                                     s["title"], s["key"])):
            cited = len(self.cites.get(s["key"], ()))
            if room < 2 and self.source_pages[-1]:
                self.source_pages.append([])
                room = SOURCES_PAGE_WEIGHT
            self.source_page_of[s["key"]] = len(self.source_pages)
            start = 0
            while True:
                take = min(cited - start, room - 1)
                self.source_pages[-1].append((s, start, start + take))
                room -= 1 + take
                start += take
                if start >= cited:
                    break
                self.source_pages.append([])
                room = SOURCES_PAGE_WEIGHT
        # where an event goes on a list page: its first month, then its last when that is
        # later ("2025-04" sorts before "2025-042025-06": a month's own events come before
        # the spans it begins)
        self.month_order = [e["date"]["start"][:7] + ("" if e["date"]["end"][:7] == e["date"]["start"][:7]
                                                      else e["date"]["end"][:7]) for e in events]
        # The reading order: the order the list pages show, by month group (the month's own
        # events, then the spans it begins), in date order within a group. Previous and
        # next on an event page follow it, so "next" never goes back in time from where
        # the list put the event, and list pages are cut into pages in it.
        self.reading = sorted(range(len(events)), key=self.month_order.__getitem__)
        self.reading_pos = [0] * len(events)
        for pos, i in enumerate(self.reading):
            self.reading_pos[i] = pos
        # groupings (indices in reading order)
        self.by_year: dict[int, list[int]] = defaultdict(list)
        self.by_cat: dict[str, list[int]] = defaultdict(list)
        self.by_tag: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i in self.reading:
            e = events[i]
            self.by_year[int(e["date"]["start"][:4])].append(i)
            self.by_cat[e["category"]].append(i)
            for t in e["tags"]:
                self.by_tag[(t["kind"], t["name"])].append(i)

    def _digests(self, previous: snapshot.Snapshot | None) -> None:
        events = self.events
        # one digest per event: its data, and the links it shows that depend on others
        # (a cited source's page and language: the event's page and card show both)
        # (sha256: with the CPU's SHA instructions the fastest digest of a few KB here)
        # (and each tag's page and Chinese name, and what its figures show: see _figures)
        tag_slug, tag_zh, unknown = self.tag_slug, self.tag_zh, (None, None)
        shown = {s["key"]: (self.source_page_of.get(s["key"]), s.get("language")) for s in self.sources}
        # (a figure's source cell shows the source's publisher, title, date and language)
        cells = {s["key"]: (self.source_page_of.get(s["key"]), s.get("language"), s.get("publisher"),
                            s["title"], s.get("published")) for s in self.sources}
        figures = self._figures_shown(cells)
        # what an event's digest takes from the rest (a snapshot's digests hold while it is the same)
        self.context = _digest(_b(cells), _b(list(tag_slug.items())), _b(list(tag_zh.items())),
                               _b([(slug, [f[1:] for f in shown_]) for slug, shown_ in figures.items()]))

        def ekey(e: dict, keys: list) -> bytes:
            return hashlib.sha256(marshal.dumps((e, [shown.get(k, unknown) for k in keys],
                                                 [(tag_slug[t], tag_zh.get(t)) for t in
                                                  [(t["kind"], t["name"]) for t in e["tags"]]],
                                                 figures.get(e["slug"])), 2)).digest()[:16]

        # what a link to an event shows (Site.link: slug, titles, date): pages that only
        # link to an event (its neighbours, the sources pages) change with this, not its body
        def lkey(e: dict) -> bytes:
            return hashlib.blake2b(marshal.dumps((e["slug"], e["title"], e.get("lang"), e["date"].get("display"),
                                                  e["date"].get("edtf"), e["date"]["start"],
                                                  [(k, (t or {}).get("title")) for k, t in
                                                   sorted((e.get("translations") or {}).items())]), 2),
                                   digest_size=16).digest()

        fresh = self.chrono.fresh
        self.was: list[bytes] | None = None
        if fresh is None:
            self.ekeys: list[bytes] = [ekey(e, keys) for e, keys in zip(events, self.event_source_keys)]
            self.lkeys: list[bytes] = [lkey(e) for e in events]
        else:  # read against a snapshot: only the events read again are digested again
            if previous is None or previous.context != self.context or len(previous.ekeys) != len(events):
                raise Stale("the snapshot's digests do not hold")
            self.ekeys, self.lkeys = list(previous.ekeys), list(previous.lkeys)
            self.was = previous.ekeys  # (what the last build joined: Joined.patch)
            for i in fresh:
                self.ekeys[i] = ekey(events[i], self.event_source_keys[i])
                self.lkeys[i] = lkey(events[i])
        self.obs_key = _digest(_b(self.chrono.observations), _b(getattr(self.chrono, "series", None)),
                               _b(sorted({o["source"]: cells.get(o["source"])
                                          for o in self.chrono.observations}.items())))

    def event(self, i: int) -> dict:
        """Event i whole: an event kept from the snapshot without its body gets it back
        from its piece of events.json, which is the whole event (`_build` made sure the
        store holds it)."""
        e = self.events[i]
        if snapshot.is_light(e):
            piece = self.fragments.cached(b"json", self.ekeys[i])
            try:
                whole = json.loads(piece) if piece is not None else None
            except ValueError:  # (a damaged store)
                whole = None
            # (and the piece must be the event the snapshot holds, but for the bodies)
            if not isinstance(whole, dict) or snapshot.is_light(whole) or snapshot.light(whole) != e:
                raise Stale(f"the stored piece of {e['slug']} is not the event", damaged=True)
            e = self.events[i] = whole
        return e

    def neighbours(self, i: int) -> tuple[int | None, int | None]:
        """The events before and after event i in the reading order (None at either end)."""
        pos = self.reading_pos[i]
        return (self.reading[pos - 1] if pos else None,
                self.reading[pos + 1] if pos + 1 < len(self.reading) else None)

    # ------------------------------------------------------------ per-event views
    def view(self, i: int, lang: str) -> dict:
        v = self._views.get((i, lang))
        if v is not None:
            return v
        e = self.event(i)
        seg = segment_url(e["slug"])
        title, body, text_lang = localized(e, lang)
        d = e["date"]
        # a citation's fields are the same wherever it is cited: made once per citation
        # dict (the database shares one between the events citing a source at a locator)
        cited = self._citations[lang]
        if len(cited) > 8192:  # bounded: at 100,000 events each worker would keep tens of MB
            cited.clear()
        sources = []
        for n, (s, key) in enumerate(zip(e["sources"], self.event_source_keys[i]), 1):
            fields = cited.get(id(s))
            if fields is None or fields[0] is not s:
                fields = cited[id(s)] = (s, {
                    "title": s["title"], "publisher": s.get("publisher"),
                    "lang": self._source_lang(key, s, lang),
                    "url": markup.safe_url(s.get("url")),
                    "published": s.get("published"), "locator": s.get("locator"),
                    "published_label": published_label(s.get("published"), lang),
                    "ref": self._source_ref(key, lang) if key else None})
            sources.append(NS(fields[1], n=n))
        v = NS({
            "slug": e["slug"], "seg": seg, "url": self._event_url(seg, lang),
            "title": title,
            "text_lang": text_lang, "lang_differs": text_lang.split("-")[0] != lang,
            "summary": self._summary(body), "body_md": body, "date": date_display(d, lang),
            "start": d["start"], "end": d["end"], "precision": d.get("precision"),
            "datetime": date_datetime(d),
            "category": e["category"], "category_label": self._category(e["category"], lang)[0],
            "category_url": self._category(e["category"], lang)[1],
            "tags": [self._tag(t["kind"], t["name"], lang) for t in e["tags"]],
            "sources": sources,
        })
        self._views[(i, lang)] = v
        return v

    def _summary(self, body: str) -> str:
        """markup.summary, once for the two languages of an event that show the same body."""
        if self._last_summary[0] != body:
            self._last_summary = (body, markup.summary(body))
        return self._last_summary[1]

    def link(self, i: int, lang: str) -> NS:
        """What a link to an event shows (sources page, previous/next): cheaper than view()."""
        v = self._views.get((i, lang)) or self._links.get((i, lang))
        if v is None:
            e = self.events[i]
            title, text_lang = localized_title(e, lang)
            if len(self._links) > 4096:  # kept across events (a page links to both neighbours)
                self._links.clear()
            v = self._links[(i, lang)] = NS(
                url=self._event_url(segment_url(e["slug"]), lang), title=title, text_lang=text_lang,
                lang_differs=text_lang.split("-")[0] != lang, date=date_display(e["date"], lang))
        return v

    def _event_url(self, seg: str, lang: str) -> str:
        """What router.url(event_rel(slug), lang) gives, from the slug's segment_url."""
        return self._events_url[lang] + seg + "/"

    def _source_ref(self, key: str, lang: str) -> str:
        ref = self._memo.get(("src", key, lang))
        if ref is None:
            ref = self._memo[("src", key, lang)] = (
                self.router.url("sources/", lang, self.source_page_of[key]) + "#src-" + markup.slugify(key))
        return ref

    def _source_lang(self, key: str | None, s: dict, lang: str) -> str | None:
        """The lang attribute of a source's title on a page in `lang` (None: the page's)."""
        known = (self.source_by_key.get(key) or {}).get("language") if key else None
        if known:
            return None if known.split("-")[0] == lang else known
        return lang_of(s["title"], lang)

    def _category(self, category: str, lang: str) -> tuple[str, str]:
        found = self._memo.get(("cat", category, lang))
        if found is None:
            found = self._memo[("cat", category, lang)] = (
                category_label(category, lang), self.router.url(category_rel(category), lang))
        return found

    def _tag(self, kind: str, name: str, lang: str) -> NS:
        tag = self._memo.get(("tag", kind, name, lang))
        if tag is None:
            label = self.tag_label((kind, name), lang)
            tag = self._memo[("tag", kind, name, lang)] = NS(
                name=label, kind=kind, kind_label=tag_kind_label(kind, lang), lang=lang_of(label, lang),
                url=self.router.url(f"tags/{kind}/{self.tag_slug[(kind, name)]}/", lang))
        return tag

    def tag_label(self, tag: tuple[str, str], lang: str) -> str:
        """A tag's name on the pages of `lang`: on the Chinese pages its Chinese name, if it
        has one."""
        return (lang == "zh" and self.tag_zh.get(tag)) or tag[1]

    def tags_in_order(self, lang: str) -> list[tuple[str, str]]:
        """Every tag, by kind, then by its name on the pages of `lang` as a reader sorts
        names ("a16z" before "Xiaomi", not after it)."""
        order = self._memo.get(("tag_order", lang))
        if order is None:
            order = self._memo[("tag_order", lang)] = sorted(
                self.by_tag, key=lambda t: _tag_sort_key(t[0], self.tag_label(t, lang)))
        return order

    def card(self, i: int, lang: str) -> str:
        """An event's card (HTML), rendered once and kept in the fragment store, keyed by
        the event's digest and, through the store's context, by the templates and
        options, so list pages and later builds reuse it."""
        kind = self.card_kinds[lang]
        data = self.fragments.cached(kind, self.ekeys[i])
        if data is not None:
            return str(data, "utf-8")
        try:
            html = self.render_card(i, lang)
        except TemplateError as e:
            raise _template_error(e, f"rendering the card of {self.events[i]['slug']}") from None
        self.fragments.put(kind, self.ekeys[i], html)
        return html

    def render_card(self, i: int, lang: str) -> str:
        card = self._card_ctx.get(lang)
        if card is None:
            card = self._card_ctx[lang] = {**self.env.globals, "t": NS(UI[lang]), "lang": lang,
                                           "lang_tag": LANG_TAGS[lang]}
        return self._page("_event_card.html", {**card, "e": self.view(i, lang)})

    def has_card(self, i: int, lang: str) -> bool:
        return self.fragments.has(self.card_kinds[lang], self.ekeys[i])

    def before_fork(self) -> None:
        """Load now what workers would each load for themselves: the Markdown converter."""
        markup.load_markdown()

    def forget(self) -> None:
        """Drop the per-event views (pages are rendered event by event: each view is used
        by the event's page and card, then not again)."""
        self._views.clear()

    def _template(self, name: str):
        tpl = self._templates.get(name)
        if tpl is None:
            tpl = self._templates[name] = self.env.get_template(name)
        return tpl

    # ------------------------------------------------------------ plan
    def plan(self) -> list[Page]:
        """Every file of the site, each with its key."""
        self._layout()
        pages: list[Page] = []
        r, fp = self.router, self.fp
        n = len(self.events)
        # event pages first, both languages of an event side by side (they share a body)
        for i in range(n):
            pages += self._event_pages(i)
        for lang in self.langs:
            pages += self._home_pages(lang)
            for y in sorted(self.by_year):
                pages += self._year_pages(lang, y)
            cats = sorted(self.by_cat)
            for c in cats:
                pages += self._category_pages(lang, c)
            pages.append(Page(r.route("categories/", lang).path,
                              _digest(fp, lang.encode(), b"cats", _b([(c, len(self.by_cat[c])) for c in cats])),
                              "categories", (lang,)))
            tags = sorted(self.by_tag)
            for tag in tags:
                pages += self._tag_pages(lang, tag)
            pages.append(Page(r.route("tags/", lang).path,
                              _digest(fp, lang.encode(), b"tags", _b([(t, self.tag_label(t, lang), self.tag_slug[t],
                                                                       len(self.by_tag[t])) for t in tags])),
                              "tags", (lang,)))
            for p in range(1, len(self.source_pages) + 1):
                pages.append(self._sources_page(lang, p))
            pages.append(Page(r.route("about/", lang).path, _digest(fp, lang.encode(), b"about", _b(n)),
                              "about", (lang,)))
            pages.append(self._charts_page(lang))
            pages.append(Page(f"search/{lang}.json",
                              _digest(fp, lang.encode(), b"smeta", search.FORMAT, search.RESULTS_FORMAT,
                                      self._facets, self._overview),
                              "search_meta", (lang,)))
            for k in range(len(self.search_chunks)):
                pages.append(self._search_docs_page(lang, k))
            pages += self._feed_pages(lang)
        for k in range(len(self.search_chunks)):
            pages.append(self._search_text_page(k))
        pages += self._whole_site_pages()
        pages.append(Page("404.html", _digest(fp, b"404"), "notfound"))
        pages.append(Page("robots.txt", _digest(fp, b"robots"), "robots"))
        for path, data in sorted(self.static_files.items()):
            pages.append(Page(path, _digest(fp, b"static", data), "static", (path,)))
        self.html_paths = [p.path for p in pages if p.path.endswith(".html") and p.path != "404.html"]
        skey = _digest(fp, b"sitemap", _b(self.html_paths))
        for name in feeds.sitemap_names(len(self.html_paths), SITEMAP_LIMIT):
            pages.append(Page(name, skey, "sitemap", (name,)))
        paths = [p.path for p in pages]
        for path in paths:
            if path[0] == "/" or (".." in path and "/../" in f"/{path}/"):
                raise BuildError(f"refusing to write outside the output folder: {path}")
        if len(set(paths)) != len(paths):
            seen: set[str] = set()
            twice = next(p for p in paths if p in seen or seen.add(p))
            raise BuildError(f"two pages would be written to {twice}")
        return pages

    def plan_showing(self, shown: list[int]) -> list[Page]:
        """The pages that show any of the events `shown` (their page, their neighbours'
        pages, the list pages, feeds, search chunks, sources pages and whole-site files
        that show them), as plan() gives them: when only those events changed, and not
        where they are (slug, dates, category, tags, sources), every other page is as the
        last build planned it."""
        self._layout()
        n = len(self.events)
        pages: list[Page] = []
        for i in sorted({j for i in shown for j in (i, *self.neighbours(i)) if j is not None}):
            pages += self._event_pages(i)
        latest = set(range(max(0, n - FEED_SIZE), n))
        chunks = sorted({k for i in shown for k, c in enumerate(self.search_chunks) if i in c})
        cited = {k for i in shown for k in self.event_source_keys[i] if k}
        source_pages = [p for p, chunk in enumerate(self.source_pages, 1) if any(s["key"] in cited for s, _, _ in chunk)]
        charted = {self.events[i]["slug"] for i in shown} & {o.get("event") for o in self.chrono.observations}
        for lang in self.langs:
            if n <= PAGE_SIZE or latest.intersection(shown):  # (a small home page shows every event)
                pages += self._home_pages(lang)
            if latest.intersection(shown):
                pages += self._feed_pages(lang)
            for y in sorted({int(self.events[i]["date"]["start"][:4]) for i in shown}):
                pages += self._year_pages(lang, y)
            for c in sorted({self.events[i]["category"] for i in shown}):
                pages += self._category_pages(lang, c)
            for tag in sorted({(t["kind"], t["name"]) for i in shown for t in self.events[i]["tags"]}):
                pages += self._tag_pages(lang, tag)
            pages += [self._sources_page(lang, p) for p in source_pages]
            if charted:
                pages.append(self._charts_page(lang))
            pages += [self._search_docs_page(lang, k) for k in chunks]
        pages += [self._search_text_page(k) for k in chunks]
        pages += self._whole_site_pages()
        return pages

    # ------------------------------------------------------------ the pages of plan()
    def _layout(self) -> None:
        """What the list pages and the search index are cut into, and the orders they show
        categories and tags in."""
        n = len(self.events)
        years = sorted(self.by_year)
        self.year_pages = {y: _chunks(self.by_year[y], PAGE_SIZE) for y in years}
        # each year's months: (month, the page of the year it begins on, its events)
        self.months: dict[int, list[tuple[str, int, int]]] = {}
        self.year_page = [1] * n   # the page of its year's pages that lists each event
        for y in years:
            months: dict[str, list[int]] = {}
            for p, chunk in enumerate(self.year_pages[y], 1):
                for i in chunk:
                    self.year_page[i] = p
                    ym = self.month_order[i][:7]   # (the month it begins)
                    if ym in months:
                        months[ym][1] += 1
                    else:
                        months[ym] = [p, 1]
            self.months[y] = [(ym, p, count) for ym, (p, count) in sorted(months.items())]
        # what the year overview (home and year pages) shows
        self._overview = _b([(y, len(self.by_year[y]), self.months[y]) for y in years])
        self.search_chunks = search.chunks(n)
        self.cat_order = [c for c in CATEGORIES if c in self.by_cat] + sorted(set(self.by_cat) - set(CATEGORIES))
        # (the search index's tag numbers: by kind, then by name)
        self.tag_order = sorted(self.by_tag, key=lambda t: _tag_sort_key(*t))
        self.tag_index = {t: k for k, t in enumerate(self.tag_order)}
        self.cat_index = {c: k for k, c in enumerate(self.cat_order)}
        self._facets = _b((self.cat_order, self.tag_order, [len(c) for c in self.search_chunks]))
        self._event_head = _digest(self.fp, b"event")
        self._event_prefixes = [(lang, self.router.prefix[lang] + "events/") for lang in self.langs]

    def _event_pages(self, i: int) -> list[Page]:
        """Event i's page in each language, with one key (the path tells them apart): its
        digest and what the links to its neighbours show. (The path route() gives, without
        building a Route for each event.)"""
        before, after = self.neighbours(i)
        lkeys = self.lkeys
        key = hashlib.blake2b(self._event_head + self.ekeys[i] + b"|"
                              + (lkeys[before] if before is not None else b"")
                              + (lkeys[after] if after is not None else b""), digest_size=16).digest()
        seg = segment(self.events[i]["slug"])
        return [Page(f"{prefix}{seg}/index.html", key, "event", (lang, i)) for lang, prefix in self._event_prefixes]

    def _choices(self, lang: str) -> bytes:
        """What the filter form on the home and year pages offers: every category and tag."""
        found = self._memo.get(("choices", lang))
        if found is None:
            found = self._memo[("choices", lang)] = _b(
                (self.cat_order, [(t, self.tag_label(t, lang)) for t in self.tags_in_order(lang)]))
        return found

    def _home_pages(self, lang: str) -> list[Page]:
        """Home: everything when it fits, else the latest events and a year overview."""
        n = len(self.events)
        shown = list(range(n)) if n <= PAGE_SIZE else list(range(n - FEED_SIZE, n))
        return [Page(self.router.route("", lang).path,
                     _digest(self.fp, lang.encode(), b"home", self._overview, self._choices(lang), _b(n),
                             *[self.ekeys[i] for i in shown]), "home", (lang, tuple(shown)))]

    def _year_pages(self, lang: str, y: int) -> list[Page]:
        chunks = self.year_pages[y]
        return [Page(self.router.route(f"years/{y}/", lang, p).path,
                     _digest(self.fp, lang.encode(), b"year", _b((y, p, len(chunks))), self._overview,
                             self._choices(lang), *[self.ekeys[i] for i in chunk]),
                     "listing", (lang, "year", y, p))
                for p, chunk in enumerate(chunks, 1)]

    def _category_pages(self, lang: str, c: str) -> list[Page]:
        chunks = _chunks(self.by_cat[c], PAGE_SIZE)
        return [Page(self.router.route(category_rel(c), lang, p).path,
                     _digest(self.fp, lang.encode(), b"cat", _b((c, p, len(chunks), len(self.by_cat[c]))),
                             *[self.ekeys[i] for i in chunk]),
                     "listing", (lang, "category", c, p))
                for p, chunk in enumerate(chunks, 1)]

    def _tag_pages(self, lang: str, tag: tuple[str, str]) -> list[Page]:
        chunks = _chunks(self.by_tag[tag], PAGE_SIZE)
        return [Page(self.router.route(f"tags/{tag[0]}/{self.tag_slug[tag]}/", lang, p).path,
                     _digest(self.fp, lang.encode(), b"tag", _b((tag, self.tag_label(tag, lang), p, len(chunks),
                                                                 len(self.by_tag[tag]))),
                             *[self.ekeys[i] for i in chunk]),
                     "listing", (lang, "tag", tag, p))
                for p, chunk in enumerate(chunks, 1)]

    def _sources_page(self, lang: str, p: int) -> Page:
        chunk = self.source_pages[p - 1]
        cited = [self.lkeys[i] for s, a, b in chunk for i in self.cites.get(s["key"], ())[a:b]]
        return Page(self.router.route("sources/", lang, p).path,
                    _digest(self.fp, lang.encode(), b"sources", _b((p, len(self.source_pages))), _b(chunk), *cited),
                    "sources", (lang, p))

    def _charts_page(self, lang: str) -> Page:
        # the charts page links each figure to its event: what those links show
        charted = [self.lkeys[self.slug_index[o["event"]]] for o in self.chrono.observations
                   if o.get("event") in self.slug_index]
        return Page(self.router.route("charts/", lang).path,
                    _digest(self.fp, lang.encode(), b"charts", self.obs_key, *charted), "charts", (lang,))

    def _search_docs_page(self, lang: str, k: int) -> Page:
        chunk = self.search_chunks[k]
        return Page(f"search/{lang}-{k}.json",
                    _digest(self.fp, lang.encode(), b"sdocs", search.RESULTS_FORMAT, self._facets,
                            _b([self.year_page[i] for i in chunk]), *[self.ekeys[i] for i in chunk]),
                    "search_docs", (lang, k))

    def _search_text_page(self, k: int) -> Page:
        return Page(f"search/text-{k}.json",
                    _digest(self.fp, b"stext", search.FORMAT, *[self.ekeys[i] for i in self.search_chunks[k]]),
                    "search_text", (k,))

    def _feed_pages(self, lang: str) -> list[Page]:
        n = len(self.events)
        latest = list(range(max(0, n - FEED_SIZE), n))
        keys = [self.ekeys[i] for i in latest]
        r, L = self.router, lang.encode()
        return [Page(r.route("feed.xml", lang).path, _digest(self.fp, L, b"atom", *keys), "atom",
                     (lang, tuple(latest))),
                Page(r.route("feed.json", lang).path, _digest(self.fp, L, b"jsonfeed", *keys), "jsonfeed",
                     (lang, tuple(latest)))]

    def _whole_site_pages(self) -> list[Page]:
        everything = _digest(*self.ekeys)
        return [Page("calendar.ics", _digest(self.fp, b"ics", everything), "ics"),
                Page("events.json", _digest(self.fp, b"json", everything, _b(self.chrono.sources),
                                            _b(self.chrono.observations),
                                            _b(getattr(self.chrono, "series", None)),
                                            _b(self.chrono.tags)), "export")]

    def cards_for(self, page: Page) -> list[tuple[str, list[int]]]:
        """The event cards a page shows (rendered once and shared between pages), as
        (language, events)."""
        if page.kind == "home":
            return [(page.args[0], page.args[1])]
        if page.kind == "listing":
            lang, what, which, p = page.args
            idx = {"year": self.by_year, "category": self.by_cat, "tag": self.by_tag}[what][which]
            return [(lang, idx[(p - 1) * PAGE_SIZE:p * PAGE_SIZE])]
        return []

    # ------------------------------------------------------------ render
    def render(self, page: Page) -> bytes | fragments.Joined:
        try:
            out = getattr(self, "render_" + page.kind)(*page.args)
        except TemplateError as e:  # a user's template: say which file and line, not a traceback
            raise _template_error(e, f"writing {page.path}") from None
        except Exception as e:  # raised by a template's own code ({{ 1/0 }}): the same
            where = _raised_in_template(e)
            if where is None:
                raise  # raised in timeline's code: a bug, with its traceback
            raise BuildError(f"{where}: {type(e).__name__}: {e} (while writing {page.path})") from None
        return out.encode("utf-8") if isinstance(out, str) else out

    def _ctx(self, lang: str, rel: str, page: int = 1, **more) -> dict:
        r = self.router
        base = self._base_ctx(lang)
        others = []
        for other in self.langs:
            if other != lang:
                link = r.url(rel, other, page)
                others.append(NS(lang=other, name=LANG_NAMES[other], tag=LANG_TAGS[other], url=link,
                                 absolute=r.absolute(link)))
        url = r.url(rel, lang, page)
        return {**base, "others": others, "canonical": r.absolute(url), "url": url, **more}

    def _base_ctx(self, lang: str) -> dict:
        """What every page in `lang` shows the same: globals, UI strings, navigation, the
        page chrome (head, header, footer: rendered once)."""
        base = self._base.get(lang)
        if base is None:
            r = self.router
            nav = NS({k: r.url(v, lang) for k, v in (
                ("home", ""), ("categories", "categories/"), ("tags", "tags/"), ("sources", "sources/"),
                ("about", "about/"), ("charts", "charts/"), ("feed", "feed.xml"),
                ("json_feed", "feed.json"))})
            nav.update(static=r.base_path + "static/", calendar=r.base_path + "calendar.ics",
                       data=r.base_path + "events.json")
            base = {**self.env.globals, "lang": lang, "lang_tag": LANG_TAGS[lang], "t": NS(UI[lang]),
                    "nav": nav, "site": NS(title=self.options.title[lang],
                                           description=self.options.description[lang])}
            base["chrome"] = NS({part: Markup(self._page(f"_{part}.html", base))
                                 for part in ("head", "header", "footer")})
            self._base[lang] = base
        return base

    def _page(self, template: str, ctx: dict) -> str:
        """Template.render without its two copies of the context: `ctx` already holds the
        environment's globals (see _ctx), so Jinja may use it as it is (shared=True)."""
        return templating.render(self._template(template), ctx)

    def _groups(self, idx: list[int], lang: str) -> list[NS]:
        """The events of a page by month, each group with its cards joined into one string
        (the template prints it once). Events that start in a month and end in a later
        one form a group of their own (the span), after the month's own events: "April
        2025", then "Apr – Jun 2025", not "April" again after the span."""
        groups: list[NS] = []
        seen_ids: set[str] = set()
        key, cards = None, []
        for i in sorted(idx, key=self.month_order.__getitem__):  # stable: date order in a group
            d = self.events[i]["date"]
            start, end = d["start"], d["end"]
            if key != (start[:7], end[:7]):
                key, cards = (start[:7], end[:7]), []
                anchor = "m-" + start[:7]
                groups.append(NS(key=key, label=self._month_label(start[:7], end[:7], lang),
                                 id=anchor if anchor not in seen_ids else None,
                                 year=int(start[:4]), cards=cards))
                seen_ids.add(anchor)
            cards.append(self.card(i, lang))
        for g in groups:
            g.html = Markup("\n".join(g.cards))
        return groups

    def _month_label(self, start: str, end: str, lang: str) -> str:
        label = self._memo.get(("month", start, end, lang))
        if label is None:
            label = self._memo[("month", start, end, lang)] = month_label(start + "-01", end + "-01", lang)
        return label

    def _pager(self, rel: str, lang: str, page: int, count: int) -> dict | None:
        if count <= 1:
            return None
        r = self.router
        return NS(page=page, count=count, label=UI[lang]["page_of"].format(page=page, count=count),
                  prev=r.url(rel, lang, page - 1) if page > 1 else None,
                  next=r.url(rel, lang, page + 1) if page < count else None,
                  pages=[NS(n=n, url=r.url(rel, lang, n)) for n in range(1, count + 1)])

    def _years(self, lang: str) -> list[NS]:
        cached = self._memo.get(("years", lang))
        if cached is not None:
            return cached
        r = self.router
        out = []
        for y in sorted(self.by_year):
            out.append(NS(year=y, count=len(self.by_year[y]), url=r.url(f"years/{y}/", lang),
                          months=[NS(label=month_label(ym + "-01", ym + "-01", lang), count=c,
                                     url=r.url(f"years/{y}/", lang, p) + "#m-" + ym)
                                  for ym, p, c in self.months[y]]))
        self._memo[("years", lang)] = out
        return out

    def _filters(self, lang: str, year: int | None = None) -> Markup:
        """The filter form (_filters.html), rendered once for each language and year: it
        offers every category and tag, and is the same on every page of a year."""
        html = self._memo.get(("filters_html", lang, year))
        if html is None:
            ctx = {**self._base_ctx(lang), "filters": self._filter_choices(lang, year)}
            html = self._memo[("filters_html", lang, year)] = Markup(self._page("_filters.html", ctx))
        return html

    def _filter_choices(self, lang: str, year: int | None = None) -> NS:
        """What the filter form offers (app.js fills the rest from search/<lang>.json)."""
        base = self._memo.get(("filters", lang))
        if base is None:
            kinds: dict[str, list[NS]] = defaultdict(list)
            for kind, name in self.tags_in_order(lang):
                label = self.tag_label((kind, name), lang)
                kinds[kind].append(NS(value=f"{kind}:{name}", name=label, lang=lang_of(label, lang)))
            base = self._memo[("filters", lang)] = NS(
                index=self.router.base_path + f"search/{lang}.json",
                cats=[NS(slug=c, label=category_label(c, lang)) for c in self.cat_order],
                kinds=[NS(label=tag_kind_label(k, lang), tags=v) for k, v in kinds.items()],
                years=sorted(self.by_year, reverse=True))
        return NS(base.__dict__, year=year)

    def render_home(self, lang: str, shown: tuple[int, ...]) -> str:
        n = len(self.events)
        return self._page("index.html", self._ctx(
            lang, "", complete=len(shown) == n, total=n, years=self._years(lang), year=None,
            groups=self._groups(list(shown), lang), filters=self._filters(lang)))

    def render_listing(self, lang: str, what: str, which, page: int) -> str:
        if what == "year":
            rel, idx, title = f"years/{which}/", self.by_year[which], str(which)
            if lang == "zh":
                title += "年"
        elif what == "category":
            rel, idx, title = category_rel(which), self.by_cat[which], category_label(which, lang)
        else:
            rel, idx = f"tags/{which[0]}/{self.tag_slug[which]}/", self.by_tag[which]
            title = self.tag_label(which, lang)
        chunks = self.year_pages[which] if what == "year" else _chunks(idx, PAGE_SIZE)
        ctx = self._ctx(lang, rel, page, title=title, what=what, total=len(idx),
                        title_lang=lang_of(title, lang) if what == "tag" else None,
                        kind_label=tag_kind_label(which[0], lang) if what == "tag" else "",
                        category=which if what == "category" else None,
                        groups=self._groups(chunks[page - 1], lang),
                        pager=self._pager(rel, lang, page, len(chunks)),
                        years=self._years(lang) if what == "year" else [],
                        year=which if what == "year" else None,
                        complete=len(chunks) == 1,
                        filters=self._filters(lang, which) if what == "year" else None)
        return self._page({"year": "year.html", "category": "category.html", "tag": "tag.html"}[what], ctx)

    def render_event(self, lang: str, i: int) -> str:
        v = self.view(i, lang)
        e = self.events[i]
        before, after = self.neighbours(i)
        prev = self.link(before, lang) if before is not None else None
        nxt = self.link(after, lang) if after is not None else None
        url = self.router.absolute(v["url"])
        first, last = iso_bounds(v["start"], v["end"], v["precision"])
        jsonld = {"@context": "https://schema.org", "@type": "Event", "name": v["title"],
                  "startDate": first, "endDate": last, "description": v["summary"],
                  "url": url, "inLanguage": v["text_lang"],
                  "keywords": [t.name for t in v["tags"]],
                  "subjectOf": [{"@type": "CreativeWork", "name": s["title"],
                                 **({"url": s["url"]} if markup.safe_url(s.get("url")) else {}),
                                 **({"datePublished": s["published"]} if s.get("published") else {}),
                                 **({"publisher": {"@type": "Organization", "name": s["publisher"]}}
                                    if s.get("publisher") else {})} for s in e["sources"]]}
        if self._last_body[0] != v["body_md"]:  # the other language may show the same body
            self._last_body = (v["body_md"], markup.render_markdown(v["body_md"]))
        return self._page("event.html", self._ctx(
            lang, event_rel(e['slug']), e=v, body=self._last_body[1],
            figures=self._figures(e["slug"], lang),
            prev=prev, next=nxt, year_url=self.router.url(f"years/{v['start'][:4]}/", lang),
            jsonld=jsonld))

    # ------------------------------------------------------------ figures and charts
    def _series(self) -> list:
        data = self._memo.get("series")
        if data is None:
            data = self._memo["series"] = charts.series_data(self.chrono.observations,
                                                             getattr(self.chrono, "series", None))
            self._conflicting = {id(o) for sd in data for p in sd.periods for v in p.values
                                 if v.conflict for o in v.sources}
        return data

    def _source_cell(self, key: str, lang: str) -> NS:
        src = self.source_by_key.get(key) or {"title": key}
        label = src.get("publisher") or src["title"]
        return NS(label=label, title=src["title"], published=src.get("published"),
                  published_label=published_label(src.get("published"), lang),
                  lang=self._source_lang(key, {"title": label}, lang) if key in self.source_by_key
                  else lang_of(label, lang),
                  url=self._source_ref(key, lang) if key in self.source_page_of else None)

    def _figures_shown(self, cells: dict) -> dict[str, list]:
        """For each event with observations, what its figures table shows beyond the
        observations themselves (its page key): the series' titles, chart anchor and unit,
        whether the figure conflicts with another source's, and the source's cell (`cells`:
        its page, language, publisher, title and date). All but the last depend on other
        observations too."""
        if not self.obs_by_event:
            return {}
        series = {sd.key: sd for sd in self._series()}
        return {slug: [(o, series[o["series"]].title, series[o["series"]].anchor, series[o["series"]].unit,
                        id(o) in self._conflicting, cells.get(o["source"])) for o in obs]
                for slug, obs in self.obs_by_event.items()}

    def _figures(self, slug: str, lang: str) -> list[NS]:
        """The observations an event page shows: series, period, figure, source, note."""
        obs = self.obs_by_event.get(slug)
        if not obs:
            return []
        series = {sd.key: sd for sd in self._series()}
        charts_url = self.router.url("charts/", lang)
        out = []
        for o in obs:
            sd = series[o["series"]]
            p = o["period"]
            note = charts.note(o, lang)
            out.append(NS(series=sd.title[lang], url=charts_url + "#" + sd.anchor,
                          period=charts.period_label(p["start"], p["end"], lang),
                          value=charts.format_value(o["value"], sd.unit, lang, o.get("qualifier") or ""),
                          more=(o.get("qualifier") or "") in (">", ">="),
                          conflict=id(o) in self._conflicting, note=note, note_lang=lang_of(note, lang),
                          source=self._source_cell(o["source"], lang)))
        return out

    def render_charts(self, lang: str) -> str:
        items = []
        for sd in self._series():
            rows = []
            for row in charts.table_rows(sd, lang):
                ev = self.slug_index.get(row["event"]) if row["event"] else None
                rows.append(NS(row, datetime=iso_extent(row["start"], row["end"], "range"),
                               source=self._source_cell(row["source"], lang),
                               event=self.link(ev, lang) if ev is not None else None,
                               note_lang=lang_of(row["note"], lang)))
            items.append(NS(id=sd.anchor, title=sd.title[lang], description=sd.description[lang],
                            description_lang=lang_of(sd.description[lang], lang),
                            unit=charts.unit_label(sd.unit, lang), svg=Markup(charts.chart_svg(sd, lang)),
                            rows=rows, count=len(sd.observations),
                            count_label=UI[lang]["n_figure"] if len(sd.observations) == 1
                            else UI[lang]["n_figures"].format(n=len(sd.observations))))
        return self._page("charts.html", self._ctx(lang, "charts/", series=items))

    # ------------------------------------------------------------ the search index
    def render_search_meta(self, lang: str) -> str:
        r = self.router
        years = []
        for chunk in self.search_chunks:
            first = self.events[chunk[0]]["date"]["start"][:4] if len(chunk) else "0"
            last = self.events[chunk[-1]]["date"]["start"][:4] if len(chunk) else "0"
            years.append((int(first), int(last)))
        return search.manifest(
            events_url=r.url("events/", lang), total=len(self.events),
            chunk_urls=[(r.base_path + f"search/{lang}-{k}.json", r.base_path + f"search/text-{k}.json")
                        for k in range(len(self.search_chunks))],
            chunk_years=years, chunk_counts=[len(c) for c in self.search_chunks],
            categories=[(c, category_label(c, lang), r.url(category_rel(c), lang)) for c in self.cat_order],
            tags=self.tag_order,
            years=[[y, len(self.by_year[y]), r.url(f"years/{y}/", lang)] for y in sorted(self.by_year)])

    def render_search_docs(self, lang: str, k: int) -> str:
        records = []
        cat_index, tag_index = self.cat_index, self.tag_index
        for i in self.search_chunks[k]:
            e = self.events[i]
            title, text_lang = localized_title(e, lang)
            d = e["date"]
            records.append([segment_url(e["slug"]), title,
                            text_lang if text_lang.split("-")[0] != lang else "",
                            date_display(d, lang), d["start"], cat_index[e["category"]],
                            [tag_index[(t["kind"], t["name"])] for t in e["tags"]],
                            date_datetime(d) or "", d["end"], self.year_page[i]])
        return search.docs_chunk(records)

    def render_search_text(self, k: int) -> fragments.Joined:
        """A chunk of the search index's words (a JSON list of strings), joined from each
        event's piece in the fragment store: a one-event change reads the words of one
        event, not the chunk's 500."""
        page = fragments.Joined(self.fragments)
        chunk = self.search_chunks[k]
        page.add(b"[")
        page.add_pieces(TEXT_KIND, [self.ekeys[i] for i in chunk], lambda n: self.text_piece(chunk[n]), b",",
                        was=[self.was[i] for i in chunk] if self.was else None)
        page.add(b"]\n")
        return page

    def text_piece(self, i: int) -> str:
        """Event i's words as the search index's text chunks show them (a JSON string)."""
        e = self.event(i)
        return compact_json(search.event_text(e, [self.tag_zh.get((t["kind"], t["name"])) for t in e["tags"]]))

    def render_categories(self, lang: str) -> str:
        r = self.router
        order = self.cat_order
        cats = [NS(slug=c, label=category_label(c, lang), count=len(self.by_cat[c]),
                   url=r.url(category_rel(c), lang)) for c in order]
        return self._page("categories.html", self._ctx(lang, "categories/", categories=cats))

    def render_tags(self, lang: str) -> str:
        r = self.router
        kinds = defaultdict(list)  # kinds in their order, names as a reader sorts them
        for kind, name in self.tags_in_order(lang):
            label = self.tag_label((kind, name), lang)
            kinds[kind].append(NS(name=label, count=len(self.by_tag[(kind, name)]), lang=lang_of(label, lang),
                                  url=r.url(f"tags/{kind}/{self.tag_slug[(kind, name)]}/", lang)))
        groups = [NS(kind=k, label=tag_kind_label(k, lang), tags=v) for k, v in kinds.items()]
        return self._page("tags.html", self._ctx(lang, "tags/", kinds=groups))

    def render_sources(self, lang: str, page: int) -> str:
        items = []
        for s, a, b in self.source_pages[page - 1]:
            items.append(NS(s, id="src-" + markup.slugify(s["key"]) if a == 0 else None,
                            published_label=published_label(s.get("published"), lang),
                            lang=self._source_lang(s["key"], s, lang),
                            url=markup.safe_url(s.get("url")), continued=a > 0,
                            events=[self.link(i, lang) for i in self.cites.get(s["key"], ())[a:b]]))
        return self._page("sources.html", self._ctx(
            lang, "sources/", page, sources=items, total=len(self.sources),
            pager=self._pager("sources/", lang, page, len(self.source_pages))))

    def render_about(self, lang: str) -> str:
        return self._page("about.html", self._ctx(lang, "about/", total=len(self.events)))

    def render_notfound(self) -> str:
        lang = self.langs[0]
        ctx = self._ctx(lang, "404.html")
        ctx["canonical"] = None  # served at whatever address was not found
        ctx["others"] = [NS(o.__dict__, url=self.router.url("", o.lang),
                            absolute=self.router.absolute(self.router.url("", o.lang)))
                         for o in ctx["others"]]
        # one 404 page for the whole site: it says so in every language
        ctx["elsewhere"] = [NS(tag=LANG_TAGS[o], heading=UI[o]["not_found"], text=UI[o]["not_found_text"],
                               url=self.router.url("", o), title=self.options.title[o])
                            for o in self.langs[1:]]
        return self._page("404.html", ctx)

    def render_atom(self, lang: str, idx: tuple[int, ...]) -> str:
        return feeds.atom(self, lang, list(idx))

    def render_jsonfeed(self, lang: str, idx: tuple[int, ...]) -> str:
        return feeds.json_feed(self, lang, list(idx))

    def render_ics(self) -> fragments.Joined:
        return feeds.icalendar(self, self.fragments)

    # ------------------------------------------------------------ per-event pieces
    def json_piece(self, i: int) -> str:
        """Event i as events.json shows it."""
        return compact_json(self.event(i))

    def ics_piece(self, i: int) -> str:
        """Event i as calendar.ics shows it."""
        lang = self.langs[0]
        shown = self._views.get((i, lang))  # (its page, just rendered, made the summary)
        return feeds.vevent(self.event(i), self.router, lang, about=shown["summary"] if shown else None)

    def store_pieces(self, i: int) -> None:
        """Store event i's parts of events.json and calendar.ics. The worker that renders
        the event does it, while it has the event at hand: the whole-site files are then
        joined from stored pieces without reading any event."""
        self.fragments.ensure(b"json", self.ekeys[i], functools.partial(self.json_piece, i))
        # (its calendar entry shows its summary as well as its link and dates: keyed by the
        # event's digest too)
        self.fragments.ensure(b"ics", self.ekeys[i], functools.partial(self.ics_piece, i))

    def joined_paths(self) -> list[str]:
        """The files joined from stored pieces (render_export, render_ics, render_search_text)."""
        return ["events.json", "calendar.ics"] + [f"search/text-{k}.json" for k in range(len(self.search_chunks))]

    def events_read(self, page: Page) -> range | None:
        """The events a page reads, when they are one run (the search chunks): the page is
        rendered in the worker task that renders those events."""
        if page.kind == "search_text":
            return self.search_chunks[page.args[0]]
        if page.kind == "search_docs":
            return self.search_chunks[page.args[1]]
        return None

    def render_export(self) -> fragments.Joined:
        """The object `timeline export --format json` prints, written compactly (the indented
        form goes through json's pure-Python encoder, 10x slower), one event at a time so
        that unchanged events come from the fragment store, and written piece by piece (at
        100,000 events the file is over 100 MB)."""
        from timeline.export import export_object
        obj = export_object(self.chrono)
        page = fragments.Joined(self.fragments)
        page.add(b"{")
        for n, (key, value) in enumerate(obj.items()):
            if n:
                page.add(b",")
            if key == "events":
                page.add(b'"events":[')
                page.add_pieces(b"json", self.ekeys, self.json_piece, b",", was=self.was)
                page.add(b"]")
            else:
                page.add((compact_json(key) + ":" + compact_json(value)).encode("utf-8"))
        page.add(b"}\n")
        return page

    def render_robots(self) -> str:
        lines = ["User-agent: *", "Allow: /"]
        if self.router.origin:
            lines.append(f"Sitemap: {self.router.absolute(self.router.base_path)}sitemap.xml")
        return "\n".join(lines) + "\n"

    def render_static(self, path: str) -> bytes:
        return self.static_files[path]

    def render_sitemap(self, name: str) -> str:
        files = self._memo.get("sitemaps")
        if files is None:
            urls = [self.router.absolute(self.router.url_of_path(p)) for p in self.html_paths]
            files = self._memo["sitemaps"] = feeds.sitemap_files(urls, self.router, SITEMAP_LIMIT)
        return files[name]()


_JINJA_CODE = tuple(os.path.dirname(m.__file__) + os.sep for m in (jinja2, markupsafe))


def _raised_in_template(e: Exception) -> str | None:
    """"FILE line N" of the template line that raised e, when the error is the template's:
    raised by its own code ({{ 1/0 }}), or by Jinja's filters and tests it called
    ({{ "%d"|format("x") }}); None when timeline's code raised it (a bug: the traceback
    stays). Jinja gives a template's frames the template's file and line."""
    where, tb = None, e.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if not name.endswith(".py"):
            where = f"{name} line {tb.tb_lineno}"
        elif where is not None and not name.startswith(_JINJA_CODE):
            where = None  # the template called timeline's code, which raised
        tb = tb.tb_next
    return where


def _template_error(e: TemplateError, doing: str) -> BuildError:
    return BuildError(f"{templating.error_location(e)}: {e.message or type(e).__name__} (while {doing})")


@functools.lru_cache(maxsize=1 << 14)
def segment_url(slug: str) -> str:
    """An event's folder name as it appears in its URL (percent-encoded). A slug that is
    its own segment has only unreserved characters, so quote() would return it as it is:
    skip it (it is called for every link to an event)."""
    if is_plain_segment(slug):
        return slug
    return quote(segment(slug))


# ---------------------------------------------------------------- the entry point

def build_site(chrono, out_dir: Path, *, base_url: str = "/", templates_dir: Path | None = None,
               langs: tuple[str, ...] | None = None, options: SiteOptions | None = None,
               jobs: int | None = None, progress: Callable[[int, int], None] | None = None,
               previous: snapshot.Snapshot | None = None) -> BuildReport:
    """Render `chrono` into `out_dir`, writing only what changed, atomically.

    A chronology read against a snapshot (chronology.read's `previous`: its `fresh` is
    set) needs that snapshot as `previous`; when the build cannot use it, it raises Stale
    before writing anything, and the caller reads the whole chronology (see
    build_from_database). A chronology read from a SQLite file leaves a snapshot beside
    the site for the next build."""

    # The cyclic collector is paused for the whole build. The build makes next to no
    # reference cycles (a 3,000-page build leaves a few hundred objects to collect), but
    # the collector's passes over the chronology, the plan and the pages, hundreds of
    # thousands of objects, took a second at 100,000 events; and in a forked worker each
    # pass would copy every page of memory it walked.
    with gc_paused():
        return _build(chrono, out_dir, base_url=base_url, templates_dir=templates_dir, langs=langs,
                      options=options, jobs=jobs, progress=progress, previous=previous)


def build_from_database(url: str, out_dir: Path, **options) -> BuildReport:
    """Build the site of the database at `url` (build_site's options): read only what
    moved since the snapshot the last build left, when there is one it can use."""
    from timeline import chronology
    started = time.perf_counter()
    previous = snapshot.load(output.site_folder(out_dir))
    report = None
    try:
        chrono = chronology.read(url, previous=previous.chronology if previous else None)
        if chrono.fresh is not None:
            report = build_site(chrono, out_dir, previous=previous, **options)
    except (Stale, snapshot.Unreadable):
        chrono = chronology.read(url)
    if report is None:
        report = build_site(chrono, out_dir, **options)
    report.seconds = time.perf_counter() - started  # (the reading too)
    return report


def _build(chrono, out_dir, *, base_url, templates_dir, langs, options, jobs, progress, previous) -> BuildReport:
    started = time.perf_counter()
    out_dir = Path(out_dir)
    langs = tuple(dict.fromkeys(langs or LANGS))
    if templates_dir is not None and not Path(templates_dir).is_dir():
        raise BuildError(f"templates folder {templates_dir} "
                         + ("is a file, not a folder" if Path(templates_dir).exists() else "does not exist"))
    for lang in langs:
        if lang not in LANGS:
            raise BuildError(f"unknown language {lang!r}; choose from {', '.join(LANGS)}")
    problem = check_base_url(base_url)
    if problem:
        raise BuildError(problem)
    options = options or SiteOptions()
    env = make_env(Path(templates_dir) if templates_dir else None)
    static = _static_files(templates_dir)
    fp = _digest(FORMAT, timeline.__version__.encode(), base_url.encode(), _b(langs), repr(options).encode(),
                 *[p.name.encode() + _digest(p.read_bytes()) for p in template_files(
                     Path(templates_dir) if templates_dir else None)])
    if chrono.fresh is not None and (previous is None or previous.fingerprint != fp):
        raise Stale("the snapshot was built with other templates or options")
    # Read against a snapshot, with the events read again where they were (the same
    # category, tags and sources: their slug and dates chronology.read checked), the
    # snapshot's indexes hold, the site has the same pages as the last build's and only
    # those that show these events can change: only they are planned.
    same_places = chrono.fresh is not None and all(
        _placed(previous.chronology.events[i]) == _placed(chrono.events[i]) for i in chrono.fresh)
    site = Site(chrono, Router(base_url, tuple(langs)), env, langs=langs, options=options, fingerprint=fp,
                static_files=static, previous=previous, same_places=same_places)
    indexed = time.perf_counter()
    if same_places:
        pages, complete = site.plan_showing(chrono.fresh), False
    else:
        pages, complete = site.plan(), True
    planned = time.perf_counter()
    with output.locked(out_dir) as out_dir:
        snapshot.hold(out_dir)  # (kept only by a build that ends: see below)
        site.fragments = fragments.open_store(out_dir, fp)
        try:
            if chrono.fresh is not None:  # every event kept without its body can have it back
                fresh = set(chrono.fresh)
                if not site.fragments.has_all(b"json", [key for i, key in enumerate(site.ekeys) if i not in fresh]):
                    raise Stale("the fragment store lacks an event kept without its body")
            report = output.write_site(site, pages, out_dir, jobs=jobs, progress=progress, complete=complete)
        except BaseException as e:
            if isinstance(e, Stale) and e.damaged:
                site.fragments.discard()
            else:
                site.fragments.abandon()
            raise
        saving = time.perf_counter()
        site.fragments.save(keep={kind: site.ekeys for kind in [*site.card_kinds.values(), b"json", b"ics",
                                                                  TEXT_KIND]})
        if chrono.revs is None:  # (not read from a SQLite file)
            snapshot.forget(out_dir)
        else:
            try:
                files = {}
                for path in site.joined_paths():
                    st = os.stat(out_dir / path)
                    files[path] = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
                snapshot.save(out_dir, snapshot.Snapshot(chrono, fp, site.ekeys, site.lkeys, site.context,
                                                         site.index_state(), files),
                              previous, chrono.fresh, moved=not same_places)
            except OSError:  # (a cache: the site is built; the next build reads everything)
                snapshot.forget(out_dir)
    report.seconds = time.perf_counter() - started
    report.phases.update(index=indexed - started, plan=planned - indexed,
                         cache=report.seconds - (saving - started))
    return report


def _placed(e: dict) -> tuple:
    """What decides which pages show an event, besides its slug and dates."""
    return (e["category"], [(t["kind"], t["name"]) for t in e["tags"]],
            [(s["title"], s.get("publisher"), s.get("url")) for s in e["sources"]])


def _static_files(templates_dir: Path | None) -> dict[str, bytes]:
    """static/* from the shipped templates, overridden file by file by the user's."""
    from timeline.templating import BUILTIN_TEMPLATES
    files: dict[str, bytes] = {}
    for root in [BUILTIN_TEMPLATES] + ([Path(templates_dir)] if templates_dir else []):
        static = root / "static"
        if static.is_dir():
            for p in sorted(static.rglob("*")):
                if p.is_file():
                    files["static/" + p.relative_to(static).as_posix()] = p.read_bytes()
    return files
