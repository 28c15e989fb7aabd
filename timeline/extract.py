"""Extract: news articles → candidate events for a person to review.

Reads plain text, Markdown or HTML in Chinese (simplified or traditional) or English and
proposes events: the date expression and what it means, the sentence it stands in (the
evidence, for the reviewer only), a category from the words around the date, the people,
organisations and products named, a short title, a confidence, and whether the database
already holds the event. No model, nothing downloaded: regular expressions, keyword
tables and the tags the database already knows.

The flow, one module each (this module is the pipeline and the public functions):

1. timeline.extract_text: bytes → plain text (html.parser for HTML, a light strip for
   Markdown); a 1:1 normalised copy (traditional → simplified, full-width → ASCII), so
   offsets into it are offsets into the original; sentences and paragraphs.
2. timeline.extract_dates: the dates of events in the text, read by timeline.dates;
   comparison bases, durations, "今年以来"-style periods and datelines are dropped.
3. timeline.extract_tags: the database's tags, the gazetteer, model names with versions,
   people next to a job title; the subject of a sentence; the focus of the articles.
4. timeline.extract_classify: a category from the keyword tables (timeline.extract_rules),
   weighted by the distance from the date; a title and a confidence.
5. Here: `_mentions` (one per date of an event), `_merge` joins mentions of one fact (same
   category, overlapping dates, a shared specific tag or the same action) within and
   across articles; `_already` looks the result up among the events in the database.
6. timeline.extract_output: text, JSON and the draft YAML.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from timeline import records
from timeline.errors import ValidationError
from timeline.extract_classify import _KW_INDEX, _KW_RE, _classify, _confidence, _Kw, \
    _keyword_ok, _title
from timeline.extract_dates import _RECENT_RE, DateInfo, _find_dates, _parse  # noqa: F401 (the bench)
from timeline.extract_output import (DRAFT_HEADER, _clip, draft_event,  # noqa: F401
                                     draft_yaml, to_json, to_text, write_draft)
from timeline.extract_rules import COMPANY_FIGURES, METRIC_ONLY, REPORTING_PERIODS
from timeline.extract_tags import (Known, _doc_focus, _find_tags, _ordered_tags,
                                   _sentence_tags, _specific, _subject)
from timeline.extract_text import (Article, Doc, SourceInfo, html_text,  # noqa: F401
                                   language_of, markdown_text, normalise, read_article,
                                   split_sentences)

__all__ = ["MIN_CONFIDENCE", "Article", "Candidate", "DateInfo", "Known", "Mention", "Result",
           "SourceInfo", "articles_from_files", "check_published", "draft_event", "draft_yaml",
           "extract", "html_text", "language_of", "load_known", "markdown_text", "normalise",
           "read_article", "run", "split_sentences", "to_json", "to_text", "write_draft"]

#: candidates below this confidence are not proposed
MIN_CONFIDENCE = 0.4


# ------------------------------------------------------------------ mentions and candidates

@dataclass
class Mention:
    date: DateInfo
    category: str
    score: float
    keyword: _Kw | None
    tags: list[tuple[str, str]]
    sentence: str
    source: SourceInfo
    future: bool
    sentence_index: int = -1
    period: DateInfo | None = None


@dataclass
class Candidate:
    date: DateInfo
    category: str
    title: str
    tags: list[tuple[str, str]]
    confidence: float
    mentions: list[Mention]
    already: str | None = None
    slug: str | None = None

    @property
    def sources(self) -> list[SourceInfo]:
        out: list[SourceInfo] = []
        for m in self.mentions:
            if m.source not in out:
                out.append(m.source)
        return out

    @property
    def evidence(self) -> list[str]:
        out: list[str] = []
        for m in self.mentions:
            if m.sentence not in out:
                out.append(m.sentence)
        return out

    def to_dict(self) -> dict:
        return {"date": self.date.to_dict(), "category": self.category, "title": self.title,
                "tags": [{"kind": k, "name": n} for k, n in self.tags],
                "confidence": self.confidence, "evidence": "\n".join(self.evidence[:5]),
                "sources": [s.to_dict() for s in self.sources], "already": self.already}


def _mentions(article: Article, known: Known) -> list[Mention]:
    doc = Doc(article)
    tag_hits = _find_tags(doc, known)
    tag_starts = [h.start for h in tag_hits]
    kws = [_Kw(m.start(), m.end(), *_KW_INDEX[m.group(0).casefold()], m.group(0))
           for m in _KW_RE.finditer(doc.norm) if _keyword_ok(doc.norm, m)]
    kw_starts = [k.start for k in kws]
    focus = known.focus or _doc_focus(tag_hits)
    out: list[Mention] = []
    for s, e, info, future in _find_dates(doc):
        index = doc.sentence_index(s)
        a, b = doc.sentences[index] if doc.sentences else (0, len(doc.norm))
        sentence_kws = [k for k in kws[bisect.bisect_left(kw_starts, a):
                                       bisect.bisect_left(kw_starts, b)]
                        if not (k.start < e and s < k.end)]
        hits = _sentence_tags(doc, index, tag_hits, tag_starts)
        sentence = doc.norm[a:b]
        category, score, kw = _classify(sentence_kws, s, e, hits, sentence, known.models, doc.norm)
        tags = _ordered_tags(hits)
        subject = _subject(hits, s, a, doc.norm)
        if category == "earnings" and subject and subject.kind == "product" and \
                kw is not None and kw.label != "results":
            category = "business"   # a product's revenue: a business figure, not results
        elif category == "business" and kw is not None and kw.label in COMPANY_FIGURES and \
                subject and subject.kind == "organization" and \
                (subject.kind, subject.name) in focus and \
                info.precision in REPORTING_PERIODS:
            category = "earnings"   # the company's users in a quarter: its results
        own = [(h.kind, h.name) for h in hits if a <= h.start < b]
        if category in METRIC_ONLY and focus and subject and \
                (subject.kind, subject.name) not in focus and \
                (subject.start < s or not any(t in focus for t in own)):
            category = "other"   # a figure about someone else: context, not this chronology
        if not tags and kw is None:
            continue
        out.append(Mention(info, category, score, kw, tags, doc.text[a:b].strip(),
                           doc.source, future, index))
    return _drop_objects(out)


_POINT = {"day", "days", "month-part"}
_PERIODS = {"quarter", "half", "year", "year-part", "months"}


def _drop_objects(mentions: list[Mention]) -> list[Mention]:
    """In "3月26日，快手发布2024年第四季度业绩" the quarter is what was released, not when:
    a period in the sentence of a day-precise date of the same category is dropped.
    In "快手近日宣布可灵12月的收入…" 近日 is when it was said: a "recently" date yields to
    any other date in its sentence."""
    out = []
    for m in mentions:
        if _RECENT_RE.fullmatch(normalise(m.date.text)) and any(
                x is not m and x.sentence_index == m.sentence_index and x.source is m.source
                for x in mentions):
            continue
        point = None
        if m.date.precision in _PERIODS:
            point = next((x for x in mentions if x.sentence_index == m.sentence_index
                          and x.source is m.source and m.category in (x.category, "other")
                          and x.date.precision in _POINT and x.date.start > m.date.end), None)
        if point is None:
            out.append(m)
        elif point.period is None:
            point.period = m.date
    return out


def _narrowest(group: list[Mention]) -> DateInfo:
    return min((m.date for m in group), key=lambda d: d.width)


def _merge(mentions: list[Mention], focus) -> list[list[Mention]]:
    groups: list[list[Mention]] = []
    for m in mentions:
        target = None
        for g in groups:
            head = g[0]
            if head.category != m.category or not _narrowest(g).overlaps(m.date):
                continue
            g_tags = {t for x in g for t in x.tags}
            shared = g_tags & set(m.tags)
            g_words = {x.keyword.label for x in g if x.keyword}
            same_action = m.keyword is not None and m.keyword.label in g_words and \
                m.date.precision == _narrowest(g).precision
            if any(_specific(t, focus) for t in shared) or (shared and same_action) or \
                    (not m.tags and not g_tags and same_action):
                target = g
                break
        if target is None:
            groups.append([m])
        else:
            target.append(m)
    return groups


def _group_tags(group: list[Mention]) -> list[tuple[str, str]]:
    counts: Counter = Counter()
    first: dict = {}
    for i, m in enumerate(group):
        for j, t in enumerate(m.tags):
            counts[t] += 1
            first.setdefault(t, (i, j))
    tags = sorted(counts, key=lambda t: (-counts[t], first[t]))
    return tags[:8]


def _already(c: Candidate, known: Known) -> str | None:
    best, best_key = None, None
    tags = set(c.tags)
    for ev in known.events:
        if ev["category"] != c.category:
            continue
        d = ev["date"]
        if d["start"] > c.date.end.isoformat() or c.date.start.isoformat() > d["end"]:
            continue
        shared = tags & {(t["kind"], t["name"]) for t in ev["tags"]}
        if not shared:
            continue
        width = (date.fromisoformat(d["end"]) - date.fromisoformat(d["start"])).days
        key = (sum(2 if _specific(t, known.focus) else 1 for t in shared), -width)
        if best_key is None or key > best_key:
            best, best_key = ev["slug"], key
    return best


@dataclass
class Result:
    candidates: list[Candidate]
    files: list[str] = field(default_factory=list)


def extract(articles: list[Article], known: Known | None = None,
            min_confidence: float = MIN_CONFIDENCE) -> list[Candidate]:
    """Candidate events from articles, merged within and across them, best first by date."""
    known = known or Known()
    mentions: list[Mention] = []
    all_hits_focus: Counter = Counter()
    for article in articles:
        ms = _mentions(article, known)
        mentions += ms
        for m in ms:
            for t in m.tags:
                if t[0] in ("organization", "product") and not re.search(r"\d", t[1]):
                    all_hits_focus[t] += 1
    focus = known.focus or {t for t, c in all_hits_focus.most_common(2)}
    candidates = []
    for group in _merge(mentions, focus):
        d = _narrowest(group)
        category = group[0].category
        tags = _group_tags(group)
        kw = max((m.keyword for m in group if m.keyword), key=lambda k: k.weight, default=None)
        period = next((m.period for m in group if m.period), None)
        conf = _confidence(group, d, category, tags, focus)
        if conf < min_confidence:
            continue
        cand = Candidate(date=d, category=category, title=_title(category, tags, kw, period or d, focus),
                         tags=tags, confidence=conf, mentions=group)
        cand.already = _already(cand, known)
        candidates.append(cand)
    candidates = _merge_same_title(candidates)
    candidates.sort(key=lambda c: (c.date.start, c.date.end, c.category))
    _assign_slugs(candidates, known.slugs)
    return candidates


def _merge_same_title(candidates: list[Candidate]) -> list[Candidate]:
    """Candidates with the same category, title and overlapping dates are one fact."""
    out: list[Candidate] = []
    for c in candidates:
        twin = next((o for o in out if o.category == c.category and o.title == c.title
                     and o.date.overlaps(c.date)), None)
        if twin is None:
            out.append(c)
            continue
        twin.mentions += c.mentions
        twin.tags += [t for t in c.tags if t not in twin.tags]
        twin.confidence = round(min(0.98, max(twin.confidence, c.confidence) + 0.03), 2)
        if c.date.width < twin.date.width:
            twin.date = c.date
        twin.already = twin.already or c.already
    return out


def _assign_slugs(candidates: list[Candidate], taken: set[str]) -> None:
    used = set(taken)
    for c in candidates:
        wanted = records.make_slug(c.title, c.date.start.isoformat())[:190].rstrip("-")
        slug, n = wanted, 1
        while slug in used:
            n += 1
            slug = f"{wanted}-{n}"
        used.add(slug)
        c.slug = slug


# ------------------------------------------------------------------ the command

def load_known(db_url: str) -> Known:
    """Tags and events of the database; an empty Known when the SQLite file is missing."""
    from timeline import config, db, store
    if config.missing_database(db_url):
        return Known()
    engine = db.connect(db_url)
    try:
        with db.session(engine, readonly=True) as s:
            tags = db.known_tags(s)
        events = store.list_events(engine, db.EventFilter())
    finally:
        engine.dispose()
    return Known(tags, events)


def check_published(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(f"--published '{value}' is not a date in the form "
                              "YYYY-MM-DD") from None


def articles_from_files(paths: list[Path], *, published: str | None = None,
                        publisher: str | None = None, title: str | None = None,
                        url: str | None = None) -> list[Article]:
    base = check_published(published)
    if url is not None and not re.match(r"^https?://\S+$", url.strip()):
        raise ValidationError(f"--url '{url}' is not an http(s) address")
    out = []
    for path in paths:
        text, headline = read_article(Path(path))
        name = " ".join(Path(path).name.split())   # a file name may hold line breaks
        source = SourceInfo(title=title or headline or name, publisher=publisher,
                            url=url, published=base.isoformat() if base else None,
                            locator=name, language=language_of(text))
        out.append(Article(text=text, source=source, base=base))
    return out


def run(paths: list[Path], db_url: str, **source) -> Result:
    articles = articles_from_files(paths, **source)
    return Result(extract(articles, load_known(db_url)), [str(p) for p in paths])


