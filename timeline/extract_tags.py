"""Extract, step 3: tags. The database's tags (and their Chinese names), the gazetteer,
model names with versions ("可灵2.1", "Kling 2.5 Turbo"), people next to a job title; and
whom a sentence is about (its subject) and what the articles are mostly about (focus).
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from timeline.extract_rules import (ATTRIBUTION, ATTRIBUTION_AFTER, EDITIONS, GAZETTEER,
                                    LATIN_MODEL, NAME_STOP, NOT_NAMES, PERSON_EN, PERSON_ZH,
                                    SURNAMES, VERSION, VERSION_ALONE, alternation)
from timeline.extract_text import Doc, normalise

class Known:
    """Tags the database knows (and the gazetteer), the events it holds, its focus."""

    def __init__(self, tags: list[tuple[str, str]] | None = None,
                 events: list[dict] | None = None) -> None:
        self.tags = list(tags or [])
        self.events = list(events or [])
        self.alias: dict[str, tuple[str, str]] = {}
        by_alias: dict[str, tuple[str, str]] = {}
        for kind, name in self.tags:
            for a in _aliases_of(name):
                by_alias.setdefault(normalise(a).casefold(), (kind, name))
        for kind, canon, aliases in GAZETTEER:
            target = None
            for a in (canon,) + aliases:
                hit = by_alias.get(normalise(a).casefold())
                if hit and hit[0] == kind:
                    target = hit
                    break
            target = target or (kind, canon)
            for a in (canon,) + aliases:
                by_alias.setdefault(normalise(a).casefold(), target)
        self.alias = by_alias
        words = [a for a in by_alias if len(a) >= 2 and not (a.isascii() and len(a) < 3
                                                               and not a.isupper())]
        self.alias_re = alternation(words) if words else None
        products = sorted({a for a, (k, n) in by_alias.items() if k == "product" and len(a) > 1
                           and not re.search(r"\d", n)}, key=len, reverse=True)
        names = "|".join(rf"(?<![A-Za-z0-9]){re.escape(a)}" if a.isascii() else re.escape(a)
                         for a in products)
        self.zh_model_re = (re.compile(rf"(?P<name>{names})[\s-]?(?:AI\s*)?{VERSION}", re.I)
                            if products else None)
        counts = Counter()
        for ev in self.events:
            for t in ev.get("tags", []):
                if t["kind"] in ("organization", "product"):
                    counts[(t["kind"], t["name"])] += 1
        n = len(self.events)
        self.focus = {t for t, c in counts.items() if n >= 5 and c >= 0.25 * n}
        self.slugs = {ev["slug"] for ev in self.events}
        # products the database has released as models: "可灵上线" is a model release
        self.models = {t["name"] for ev in self.events if ev["category"] == "model-release"
                       for t in ev.get("tags", []) if t["kind"] == "product"}

    def canonical(self, surface: str) -> tuple[str, str] | None:
        return self.alias.get(normalise(surface).casefold())


def _aliases_of(name: str) -> list[str]:
    out = [name]
    m = re.match(r"^(.*?)\s*[(（](.*?)[)）]\s*$", name)
    if m:
        out += [m.group(1), m.group(2)]
    return [a.strip() for a in out if a.strip()]


@dataclass
class _TagHit:
    start: int
    end: int
    kind: str
    name: str


def _find_tags(doc: Doc, known: Known) -> list[_TagHit]:
    norm = doc.norm
    hits: list[_TagHit] = []
    if known.alias_re:
        for m in known.alias_re.finditer(norm):
            tag = known.canonical(m.group(0))
            if tag:
                hits.append(_TagHit(m.start(), m.end(), *tag))
    # models with versions: 可灵2.1, Kling 2.5 Turbo, Veo 3, 可灵O1
    for rx in filter(None, (known.zh_model_re, LATIN_MODEL)):
        for m in rx.finditer(norm):
            name = m.group("name")
            if name in NOT_NAMES:
                continue
            base = known.canonical(name)
            if base is None and not name[0].isupper():
                continue
            if base is None and rx is LATIN_MODEL and "." not in m.group("ver") \
                    and not m.group("ed"):
                continue
            hits.append(_TagHit(m.start(), m.end(), "product",
                                _model_name(base[1] if base else name, m.group("ver"),
                                            m.group("ed"), known)))
    for m in VERSION_ALONE.finditer(norm):
        prior = [h for h in hits if h.kind == "product" and h.end <= m.start()
                 and m.start() - h.end < 60 and not re.search(r"\d", h.name)]
        if prior:
            hits.append(_TagHit(m.start(), m.end(), "product",
                                _model_name(prior[-1].name, m.group("ver"), m.group("ed"), known)))
    for m in PERSON_ZH.finditer(norm):
        name = m.group("name")
        if name[0] not in SURNAMES or name[1] in NAME_STOP:
            continue
        if len(name) == 3 and name[2] in NAME_STOP:
            name = name[:2]
        s = m.start("name")
        tag = known.canonical(name[:2]) if len(name) == 3 else None
        if tag and tag[0] == "person":
            name = name[:2]       # a known two-character name followed by a verb
        orig = doc.text[s:s + len(name)]
        tag = known.canonical(orig) or known.canonical(name)
        hits.append(_TagHit(s, s + len(name), "person", tag[1] if tag else orig))
    for m in PERSON_EN.finditer(norm):
        g = "name" if m.group("name") else "name2"
        tag = known.canonical(m.group(g))
        hits.append(_TagHit(m.start(g), m.end(g), "person", tag[1] if tag else m.group(g)))
    hits.sort(key=lambda h: (h.start, -h.end))
    return hits


def _model_name(base: str, ver: str, edition: str | None, known: Known) -> str:
    base = re.sub(r"\s*\(.*\)$", "", base)
    name = f"{base} {ver}" + (f" {EDITIONS.get(edition, edition)}" if edition else "")
    tag = known.canonical(name)
    return tag[1] if tag and tag[0] == "product" else name



def _subject(hits: list[_TagHit], pos: int, sentence_start: int,
             norm: str = "") -> _TagHit | None:
    """Whom a date is about: the organisation or product named last before it (in its
    sentence), else the first named after it, else the subject carried over. A source
    of figures ("根据Sensor Tower数据") is not the subject."""
    named = [h for h in hits if h.kind in ("organization", "product") and not (
        norm and (ATTRIBUTION.search(norm[max(0, h.start - 6):h.start])
                  or ATTRIBUTION_AFTER.match(norm[h.end:h.end + 6])))]
    before = [h for h in named if sentence_start <= h.start < pos]
    if before and before[-1].end < pos - 40:
        before = []
    if before:
        return before[-1]
    after = [h for h in named if h.start >= pos]
    return after[0] if after else (named[0] if named else None)


def _sentence_tags(doc: Doc, index: int, tag_hits: list[_TagHit],
                   tag_starts: list[int]) -> list[_TagHit]:
    """The tags of a sentence; one that names nobody takes the subject of the sentences
    just before it in the same paragraph ("快手发布财报。…公司实现营收…")."""
    para, own = None, []
    for i in range(index, max(index - 3, -1), -1):
        a, b = doc.sentences[i]
        if para is None:
            para = doc.paragraph_of(a)
        elif doc.paragraph_of(a) != para:
            break
        hits = tag_hits[bisect.bisect_left(tag_starts, a):bisect.bisect_left(tag_starts, b)]
        if any(h.kind in ("organization", "product", "person") for h in hits):
            return hits if i == index else [h for h in hits if h.kind != "topic"]
        if i == index:
            own = hits
    return own


def _ordered_tags(hits: list[_TagHit]) -> list[tuple[str, str]]:
    order = {"product": 0, "person": 1, "organization": 2, "topic": 3, "place": 4}
    seen: list[tuple[str, str]] = []
    for h in hits:
        t = (h.kind, h.name)
        if t not in seen:
            seen.append(t)
    return sorted(seen, key=lambda t: order.get(t[0], 9))


@lru_cache(maxsize=64)
def _doc_focus_cached(key: tuple) -> frozenset:
    counts = Counter(key)
    if not counts:
        return frozenset()
    top = counts.most_common(2)
    return frozenset(t for t, c in top if c >= max(3, top[0][1] // 3))


def _doc_focus(hits: list[_TagHit]) -> frozenset:
    return _doc_focus_cached(tuple((h.kind, h.name) for h in hits
                                   if h.kind in ("organization", "product")
                                   and not re.search(r"\d", h.name)))


def _specific(tag: tuple[str, str], focus) -> bool:
    kind, name = tag
    if kind == "person":
        return True
    if kind == "product" and re.search(r"\d|O1", name):
        return True
    return kind in ("organization", "product") and tag not in focus


