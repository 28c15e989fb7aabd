"""Records: the validated shapes that flow between files, the CLI and the store.

Everything that comes in (a CLI option, a row of a CSV file, an event of a YAML file)
becomes an `EventIn`, `SourceIn` or `ObservationIn` here, checked field by field, before
db.py writes it. Pure: no database, no files. The contract shapes that go out (the JSON
of docs/formats.md) are made here too, from plain rows.
"""

import re
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from timeline import dates
from timeline.errors import ValidationError
from timeline.vocab import CATEGORIES, QUALIFIERS, TAG_KINDS

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,199}$")
SOURCE_KEY_RE = SLUG_RE


@dataclass(frozen=True)
class StoredDate:
    """A date as the store keeps it: the text, its base and what it was read as."""

    text: str
    base: str | None
    start: str
    end: str
    precision: str
    edtf: str

    @property
    def approximate(self) -> bool:
        return self.edtf.endswith("~")

    def display(self, lang: str = "en") -> str:
        return dates.describe(date.fromisoformat(self.start), date.fromisoformat(self.end),
                              self.precision, lang, self.approximate)

    def to_dict(self) -> dict:
        return {"text": self.text, "base": self.base, "start": self.start, "end": self.end,
                "precision": self.precision, "edtf": self.edtf,
                "display": {"en": self.display("en"), "zh": self.display("zh")}}


@dataclass(frozen=True)
class SourceRef:
    """How an event or observation points at a source: by key, URL or title."""

    key: str | None = None
    title: str | None = None
    publisher: str | None = None
    url: str | None = None
    published: str | None = None
    locator: str | None = None
    author: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class SourceIn:
    key: str
    title: str
    publisher: str | None = None
    author: str | None = None
    url: str | None = None
    published: str | None = None
    language: str | None = None


@dataclass
class EventIn:
    title: str
    category: str
    date: StoredDate
    slug: str | None = None
    body: str = ""
    lang: str = "en"
    importance: int = 0
    tags: list[tuple[str, str]] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    translations: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Period:
    """The interval an observation covers (the text it was read from, if any)."""

    text: str | None
    start: str
    end: str


@dataclass(frozen=True)
class ObservationIn:
    series: str
    period: Period
    value: float
    source: SourceRef
    unit: str = ""
    qualifier: str = ""
    event: str | None = None
    note: str | None = None
    note_zh: str | None = None


# A CSV cell that a spreadsheet would run as a formula (=, +, -, @, or a tab or carriage
# return before one) is exported with an apostrophe before it, the mark spreadsheets read
# as "text"; a cell starting with an apostrophe gets one more, so import takes one off.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


# ---------------------------------------------------------------- checks of one field

def read_date(text: str, base: str | date | None = None) -> StoredDate:
    """Parse date text (with an optional base) into a StoredDate; DateParseError if not."""
    base_date = check_iso_date(base, "base") if isinstance(base, str) else base
    parsed = dates.parse_date(text, base_date)
    return StoredDate(text=parsed.text, base=parsed.base.isoformat() if parsed.base else None,
                      start=parsed.start.isoformat(), end=parsed.end.isoformat(),
                      precision=parsed.precision, edtf=parsed.edtf)


def stored_date(text: str, base: str | None, start: str, end: str, precision: str,
                edtf: str | None = None) -> StoredDate:
    """A date given in full (as export writes it): checked, kept as given."""
    s, e = check_iso_date(start, "date.start"), check_iso_date(end, "date.end")
    if s > e:
        raise ValidationError(f"date.start {start} is after date.end {end}")
    if precision not in dates.PRECISIONS:
        raise ValidationError(f"unknown date precision '{precision}'; "
                              f"use one of {', '.join(dates.PRECISIONS)}")
    if base is not None:
        check_iso_date(base, "date.base")
    if not edtf:
        edtf = dates.to_edtf(s, e, precision)
    elif not _EDTF_CHARS.fullmatch(edtf):
        raise ValidationError(f"date.edtf '{edtf}' is not an EDTF date such as 2025-09, 2025-33 "
                              "or 2025-09-01/2025-09-10")
    return StoredDate(text=text or edtf, base=base, start=start, end=end,
                      precision=precision, edtf=edtf)


# an EDTF string has no spaces, line breaks, quotes, angle brackets, & or \ (it is
# written into HTML, JSON-LD and calendar.ics)
_EDTF_CHARS = re.compile(r"[^\s\"'<>&\\]{1,64}")


def period(text: str | None, start: str, end: str) -> Period:
    s, e = check_iso_date(start, "start"), check_iso_date(end, "end")
    if s > e:
        raise ValidationError(f"start {start} is after end {end}")
    return Period(text=text or None, start=start, end=end)


def check_iso_date(value: Any, name: str) -> date:
    """A YYYY-MM-DD date in the years the date parser reads (1000–9999: a year page's
    folder is the year's four digits)."""
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value))
        except ValueError:
            raise ValidationError(f"{name} '{value}' is not a date in the form YYYY-MM-DD") from None
    if not 1000 <= day.year <= 9999:
        raise ValidationError(f"{name} '{value}': year {day.year} is outside 1000–9999")
    return day


def check_category(value: str) -> str:
    value = (value or "").strip().lower()
    if value not in CATEGORIES:
        raise ValidationError(f"unknown category '{value}'; use one of {', '.join(CATEGORIES)}")
    return value


def check_slug(value: str) -> str:
    if not SLUG_RE.match(value or ""):
        raise ValidationError(f"slug '{value}' must be lowercase letters, digits and "
                              "hyphens (at most 200), starting with a letter or digit")
    return value


def check_published(value: Any) -> str | None:
    """A source's publication date, as precise as known: YYYY, YYYY-MM or YYYY-MM-DD."""
    if value in (None, ""):
        return None
    text = value.isoformat() if isinstance(value, date) else str(value).strip()
    if re.fullmatch(r"\d{4}", text) or re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        return text
    check_iso_date(text, "published")
    return text


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff"))


def parse_tag(value: str) -> tuple[str, str]:
    """'kind:name' (or a bare name, a topic) -> (kind, name)."""
    value = (value or "").strip()
    kind, sep, name = value.partition(":")
    if not sep:
        kind, name = "topic", value
    # NFC: the same name typed on two keyboards (é as one character or as e + accent) is one tag
    # (without the invisible zero-width space, word joiner and BOM: "Kl\u200bing" is Kling)
    name = name.translate(_INVISIBLE)
    kind, name = kind.strip().lower(), unicodedata.normalize("NFC", " ".join(name.split()))
    if kind not in TAG_KINDS:
        raise ValidationError(f"unknown tag kind '{kind}' in '{value}'; use KIND:NAME with "
                              f"KIND one of {', '.join(TAG_KINDS)}")
    if not name:
        raise ValidationError(f"tag '{value}' has no name; use KIND:NAME, e.g. person:Zhang Di")
    return kind, name


def parse_source_text(value: str) -> SourceRef:
    """A source given as one string on the command line: a URL or a title."""
    value = (value or "").strip()
    if not value:
        raise ValidationError("a source cannot be empty; give a URL or a title")
    if re.match(r"^https?://\S+$", value):
        return SourceRef(url=value)
    return SourceRef(title=value)


def check_qualifier(value: Any) -> str:
    value = "" if value is None else str(value).strip()
    value = {"more than": ">", "less than": "<", "about": "~", "at least": ">=",
             "at most": "<="}.get(value, value)
    if value not in QUALIFIERS:
        raise ValidationError(f"unknown qualifier '{value}'; use one of "
                              f"{', '.join(repr(q) for q in QUALIFIERS)}")
    return value


# ---------------------------------------------------------------- derived values

def title_key(title: str) -> str:
    """The title reduced for duplicate detection: NFKC, case-folded, letters and digits, and
    a point or comma between digits ("Kling 2.0" is not "Kling 20"). A title with neither
    letters nor digits ("!!!", emoji) is kept whole, spaces aside."""
    text = unicodedata.normalize("NFKC", title).casefold()
    marked = _NUMBER_MARK.sub("\x00", text)
    key = "".join(ch for ch in marked if ch.isalnum() or ch == "\x00").replace("\x00", ".")
    return key if any(ch.isalnum() for ch in key) else "".join(text.split())


# a point or comma between two digits, marked (as NUL, which no title holds) to survive the
# filter that keeps letters and digits
_NUMBER_MARK = re.compile(r"(?<=\d)[.,](?=\d)")


def slugify(text: str, max_length: int = 60) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return text[:max_length].rstrip("-")


def make_slug(title: str, start: str) -> str:
    """A permalink from the start date and the title ('2025-04-15-kling-2-0-released')."""
    words = slugify(title)
    return f"{start}-{words}" if words else f"{start}-event"


def make_source_key(ref: SourceRef) -> str:
    base = slugify(" ".join(x for x in (ref.publisher, ref.title) if x), 50)
    if not base and ref.url:
        base = slugify(re.sub(r"^https?://", "", ref.url), 50)
    return base or "source"


# ---------------------------------------------------------------- outgoing shapes

def event_dict(slug: str, title: str, category: str, body: str, lang: str, date_: dict,
               tags: list[dict], sources: list[dict], translations: dict[str, dict],
               importance: int = 0) -> dict:
    """The contract JSON of one event (docs/formats.md), from its columns. `date_` is a
    StoredDate.to_dict(), `tags` tag_dict()s, `sources` citation_dict()s, `translations`
    translation_dict()s by language, in order of language; `importance` only when it is
    not the default 0."""
    event = {
        "slug": slug,
        "title": title,
        "category": sys.intern(category),
        "tags": tags,
        "date": date_,
        "body": body,
        "lang": sys.intern(lang),
        "sources": sources,
        "translations": translations,
    }
    if importance:
        event["importance"] = importance
    return event


def tag_dict(kind: str, name: str) -> dict:
    return {"kind": kind, "name": name}


def translation_dict(title: str, body: str) -> dict:
    return {"title": title, "body": body}


def source_dict(key: str, title: str, publisher: str | None, author: str | None,
                url: str | None, published: str | None, language: str | None) -> dict:
    return {"key": key, "title": title, "publisher": publisher, "author": author, "url": url,
            "published": published, "language": language}


def citation_dict(title: str, publisher: str | None, url: str | None, published: str | None,
                  locator: str | None) -> dict:
    return {"title": title, "publisher": publisher, "url": url, "published": published,
            "locator": locator}


def number(value: float) -> int | float:
    """Whole numbers as int in JSON (150000000, not 150000000.0)."""
    return int(value) if float(value).is_integer() else value


def observation_dict(series: str, period_text: str | None, period_start: str, period_end: str,
                     value: float, unit: str, qualifier: str, source_key: str | None,
                     event_slug: str | None, note: str | None, note_zh: str | None) -> dict:
    return {"series": series,
            "period": {"text": period_text, "start": period_start, "end": period_end},
            "value": number(value), "unit": unit, "qualifier": qualifier,
            "source": source_key, "event": event_slug, "note": note,
            **({"note_zh": note_zh} if note_zh else {})}


def tag_names_dict(kind: str, name: str, name_zh: str | None) -> dict:
    return {"kind": kind, "name": name, "name_zh": name_zh}


def series_dict(key: str, title: str, title_zh: str | None, unit: str,
                description: str, description_zh: str | None) -> dict:
    return {"key": key, "title": title, "title_zh": title_zh, "unit": unit,
            "description": description, **({"description_zh": description_zh} if description_zh else {})}
