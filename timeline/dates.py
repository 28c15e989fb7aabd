"""Read date text ("2025年9月下旬", "Q3 2025", "late September 2025") as an honest fuzzy date.

A date is kept as the text as written, the base it was read against (the "today" that
relative words and year-less dates resolve against, e.g. an article's publication date),
an inclusive interval (start, end), a precision (one of PRECISIONS) and an EDTF string.

How a text is read:

1. `dates_zh.normalise` maps full-width, dash and traditional characters one to one.
2. One precompiled regex (timeline.dates_tokens) splits the text into tokens (a year, a
   month, 上旬, "Q3", a holiday, "to", ...). Words that sit next to a date without
   changing it (截至, 盘后, "as of", "on", ...) are dropped; 左右 / 前后 / 前夕 / about /
   circa mark the date approximate.
3. The tokens of each side of a range ("X to Y", "X至Y", "between X and Y") or of each
   item of a list ("4月和5月", "April and May 2025") fill in fields (year, month, day,
   quarter, ...) in any order, and the fields become an interval (timeline.dates_fields).
   A side without a year borrows it from the other side ("15–17 April 2025").
4. A month, day or holiday without a year is the most recent such date whose start is
   not after the base; with "next"/"last" the next/previous one.
5. Only when no rule reads the text is dateparser asked (imported lazily), and its answer
   is checked: it must contain the numbers visible in the text and a year >= 1000.

The conventions are in three tables, each in one place: BOUNDARIES (parts of a month,
quarter or year), HOLIDAYS (fixed and lunar holidays; lunar dates in timeline.dates_lunar)
and RELATIVE_SPANS (刚过 / just after, 近日 / 近期 / recently).

Numeric dates: y-m-d always; with two fields of 12 or less, slashes and dashes are read
month first (4/5/2025 = 5 April) and dots day first (4.5.2025 = 4 May); a field over 12
decides. Two-digit years: 00-49 are 20xx, 50-99 are 19xx. "FY2024" is the calendar year
2024. 前三季度 is Jan 1–Sep 30 with precision "months". A weekday written next to a date
must agree with it. Impossible or unreadable text raises DateParseError, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from timeline.dates_fields import _month_end, _read_tokens
from timeline.dates_tokens import (BOUNDARIES, HOLIDAYS, RELATIVE_SPANS, _MON_EN, _NoRule,
                                   _tokenize)
from timeline.dates_zh import normalise
from timeline.errors import DateParseError

__all__ = ["BOUNDARIES", "HOLIDAYS", "PRECISIONS", "RELATIVE_SPANS", "FuzzyDate",
           "describe", "find_dates", "iso_bounds", "iso_extent", "normalise", "parse_date", "to_edtf"]

PRECISIONS = ("day", "days", "month-part", "month", "months", "quarter", "half",
              "year-part", "year", "range")

_ZH_ORDINAL = "一二三四"
_GENERIC_HELP = "try 2025-04-15, 'Sep 2025' or '2025年9月下旬'"


@dataclass(frozen=True)
class FuzzyDate:
    """A date read from text: an inclusive interval with a precision and an EDTF string."""

    text: str
    base: date | None
    start: date
    end: date
    precision: str
    edtf: str
    approximate: bool = False

    def display(self, lang: str = "en") -> str:
        """The date for people: "late Sep 2025" (en) or "2025年9月下旬" (zh)."""
        return describe(self.start, self.end, self.precision, lang, self.approximate)

    def to_dict(self) -> dict:
        """The JSON shape of docs/formats.md (dates as ISO strings)."""
        return {"text": self.text, "base": self.base.isoformat() if self.base else None,
                "start": self.start.isoformat(), "end": self.end.isoformat(),
                "precision": self.precision, "edtf": self.edtf,
                "display": {"en": self.display("en"), "zh": self.display("zh")}}



def _as_date(value: date | None) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value


def parse_date(text: str, base: date | None = None) -> FuzzyDate:
    """Read `text` as a fuzzy date, relative words and year-less dates against `base`.

    Without a base, today is used when the text needs one (and then recorded as the
    base); `base` is None in the result only when the text needed none.
    Raises DateParseError (and nothing else) for unreadable or impossible text.
    """
    if not isinstance(text, str):
        raise DateParseError(f"could not read {text!r} as a date; {_GENERIC_HELP}")
    stripped = text.strip()
    given = _as_date(base)
    use = given or date.today()
    if not stripped:
        raise DateParseError(f"could not read {text!r} as a date: it is empty; {_GENERIC_HELP}")
    norm = normalise(stripped)
    try:
        try:
            start, end, precision, approx, needs, _ = _read_tokens(_tokenize(norm), stripped, use)
        except _NoRule:
            result = _fallback(norm, use)
            if result is None:
                raise DateParseError(f"could not read {stripped!r} as a date; {_GENERIC_HELP}") \
                    from None
            start, end, precision, needs = result
            approx = False
    except (OverflowError, ValueError) as exc:
        if isinstance(exc, DateParseError):
            raise
        raise DateParseError(f"{stripped!r}: the date is out of range") from None
    return FuzzyDate(stripped, use if needs else None, start, end, precision,
                     to_edtf(start, end, precision, approx), approx)


def find_dates(text: str, base: date | None = None) -> list[tuple[int, int, FuzzyDate]]:
    """Date expressions in running text, left to right and not overlapping.

    Returns (start, end, date) with text[start:end] == date.text. A later date without a
    year takes the year an earlier expression set ("2025年…5月29日"), if that is not
    after the base; otherwise the usual most-recent rule applies.
    """
    use = _as_date(base) or date.today()
    norm = normalise(text)
    tokens = _tokenize(norm, find=True)
    runs: list[list] = []
    for tok in tokens:
        if runs and (tok[2] == runs[-1][-1][3] or not norm[runs[-1][-1][3]:tok[2]].strip()):
            runs[-1].append(tok)
        else:
            runs.append([tok])
    found: list[tuple[int, int, FuzzyDate]] = []
    ctx_year: int | None = None
    for run in runs:
        i = 0
        while i < len(run):
            hit = None
            for j in range(len(run), i, -1):
                if j < len(run) and run[j][2:] == run[j - 1][2:]:
                    continue        # one match made several tokens: keep them together
                sub = _trim(run[i:j])
                if not sub or not _strong(sub):
                    continue
                s, e = sub[0][2], sub[-1][3]
                try:
                    start, end, precision, approx, needs, explicit = _read_tokens(
                        sub, text[s:e], use, ctx_year, find=True)
                except (_NoRule, DateParseError, OverflowError, ValueError):
                    continue
                hit = (s, e, j, start, end, precision, approx, needs, explicit)
                break
            if hit is None:
                i += 1
                while 0 < i < len(run) and run[i][2:] == run[i - 1][2:]:
                    i += 1
                continue
            s, e, j, start, end, precision, approx, needs, explicit = hit
            found.append((s, e, FuzzyDate(text[s:e], use if needs else None, start, end,
                                          precision, to_edtf(start, end, precision, approx),
                                          approx)))
            if explicit:
                ctx_year = end.year
            i = j
    return found


def _trim(tokens: list) -> list:
    """The tokens without the words that cannot start or end a date in running text
    (期间 / during stay next to a holiday: they make it approximate)."""
    lo, hi = 0, len(tokens)
    holiday = any(t[0] == "holiday" for t in tokens)
    edge = ("noise", "comma") if holiday else ("noise", "comma", "during")
    while lo < hi and tokens[lo][0] in edge + ("conn", "betend", "since"):
        lo += 1
    while hi > lo and tokens[hi - 1][0] in edge + ("conn", "from"):
        hi -= 1
    sub = tokens[lo:hi]
    if sub and sub[0][0] == "from" and not any(t[0] == "conn" for t in sub):
        sub = sub[1:]
    return sub


def _strong(tokens: list) -> bool:
    """Whether tokens hold something that is a date on its own in running text."""
    for kind, payload, *_ in tokens:
        if kind == "set":
            return True
        if kind == "num" and payload[1] == 4 and 1900 <= payload[0] <= 2100:
            return True
    return False


# ------------------------------------------------------------------------------ dateparser

_FALLBACK_EN = re.compile(r"\b(?:ago|later|hence|from now|yesterday|tomorrow|tmrw|weeks?|fortnight|"
                          r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|mon|tue|wed|thu|fri|sat|"
                          r"sun|next|last|this|past|previous|coming)\b", re.IGNORECASE)
_FALLBACK_ZH = re.compile(r"\d+\s*(?:天|周|星期|个月|年)(?:前|后|以前|以后)|(?:星期|周|礼拜)[一二三四五六日天]")
_RELATIVE_WORDS = re.compile(r"ago|later|hence|from now|before|after|next|last|past|previous|"
                             r"this|in|前|后|内|上|下", re.IGNORECASE)


@lru_cache(maxsize=32)
def _date_data_parser(base: date):
    from dateparser.date import DateDataParser   # slow import: only when the rules fail
    settings = {"PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False,
                "RELATIVE_BASE": datetime(base.year, base.month, base.day)}
    return DateDataParser(languages=["en", "zh"], settings=settings)


@lru_cache(maxsize=4096)
def _fallback(text: str, base: date):
    """dateparser's reading of `text` if it passes the checks, else None."""
    if len(text) > 60 or not _fallback_worthy(text):
        return None
    try:
        data = _date_data_parser(base).get_date_data(text)
    except Exception:   # dateparser raises many kinds of errors on odd input
        return None
    if data is None or data.date_obj is None or data.period not in ("day", "time", "month", "year"):
        return None
    d = data.date_obj.date()
    if not 1000 <= d.year <= 9999:
        return None
    relative = _RELATIVE_WORDS.search(text) is not None
    for number in re.findall(r"\d+", text):
        value = int(number)
        if len(number) == 4 and value != d.year:
            return None
        if len(number) != 4 and not relative and value not in (d.day, d.month, d.year % 100):
            return None
    needs = not re.search(r"\d{4}", text)
    if data.period == "month":
        return d.replace(day=1), _month_end(d.year, d.month), "month", needs
    if data.period == "year":
        return date(d.year, 1, 1), date(d.year, 12, 31), "year", needs
    return d, d, "day", needs


def _fallback_worthy(text: str) -> bool:
    """Whether dateparser may be asked: only for relative phrases and weekdays ("3 days
    ago", "last Friday", "3天前"), since the rules read every absolute form they accept."""
    if re.search(r"[\u3400-\u9fff]", text):
        return _FALLBACK_ZH.search(text) is not None
    if not re.fullmatch(r"[a-z0-9 ,.'/:-]+", text, re.IGNORECASE):
        return False
    words = re.findall(r"[a-z]+", text.lower())
    return all(len(w) > 1 or w == "a" for w in words) and _FALLBACK_EN.search(text) is not None


# ------------------------------------------------------------------------------ output

def _shape(start: date, end: date) -> str:
    """How the interval is aligned: 'year', 'month' or 'day' (for EDTF and display)."""
    if start.day == 1 and end == _month_end(end.year, end.month):
        if start.month == 1 and end.month == 12:
            return "year"
        return "month"
    return "day"


def _part_of(level: str, start: date, end: date) -> str | None:
    """The BOUNDARIES part ('early'...) that the interval is, or None."""
    for (lvl, part), (first, last, _) in BOUNDARIES.items():
        if lvl != level:
            continue
        if level == "month" and (start.year, start.month) == (end.year, end.month):
            if start.day == first and end.day == min(last, _month_end(end.year, end.month).day):
                return part
        if level == "year" and start.year == end.year and start == date(start.year, first, 1) \
                and end == _month_end(end.year, last):
            return part
    return None


def _parts_of(level: str, start: date, end: date) -> tuple[str, str] | None:
    """(part, part) when the interval runs from the start of a BOUNDARIES part of a month
    (year) to the end of a part of it or of a later month (year): "late Sep – early Oct"."""
    if (level == "month" and (start.year, start.month) > (end.year, end.month)) or \
            (level == "year" and start.year > end.year):
        return None
    first = last = None
    for (lvl, part), (lo, hi, _) in BOUNDARIES.items():
        if lvl != level:
            continue
        if level == "month":
            if start.day == lo:
                first = part
            if end.day == min(hi, _month_end(end.year, end.month).day):
                last = part
        else:
            if (start.month, start.day) == (lo, 1):
                first = part
            if end == _month_end(end.year, hi):
                last = part
    return (first, last) if first and last else None


def to_edtf(start: date, end: date, precision: str, approximate: bool = False) -> str:
    """The EDTF string of an interval with a precision ("2025-09", "2025-35", "a/b")."""
    mark = "~" if approximate else ""
    shape = _shape(start, end)
    one_month = (start.year, start.month) == (end.year, end.month)
    if precision == "day" and start == end:
        return start.isoformat() + mark
    if precision == "month" and shape != "day" and one_month:
        return f"{start:%Y-%m}{mark}"
    if precision == "year" and shape == "year" and start.year == end.year:
        return f"{start.year:04d}{mark}"
    if precision == "quarter" and start.year == end.year and shape != "day" \
            and start.month % 3 == 1 and end.month == start.month + 2:
        return f"{start.year:04d}-{33 + start.month // 3}{mark}"
    if precision == "half" and start.year == end.year and shape != "day" \
            and start.month in (1, 7) and end.month == start.month + 5:
        return f"{start.year:04d}-{40 + start.month // 7}{mark}"
    if precision in ("day", "days", "month-part"):
        shape = "day"
    if shape == "year":
        a, b = f"{start.year:04d}", f"{end.year:04d}"
    elif shape == "month":
        a, b = f"{start:%Y-%m}", f"{end:%Y-%m}"
    else:
        a, b = start.isoformat(), end.isoformat()
    return f"{a}{mark}/{b}{mark}"


# How finely the ends of an interval are known, by precision: a month-part's or a
# year-part's ends are a convention (late September: from the 21st), not what was said
_KNOWN_TO = {"day": 10, "days": 10, "range": 10, "month-part": 7, "month": 7, "months": 7,
             "quarter": 7, "half": 7, "year-part": 4, "year": 4}


def iso_bounds(start: str, end: str, precision: str) -> tuple[str, str]:
    """The interval's first and last day as ISO 8601 at the precision they are known:
    "2025-04-15", "2025-09", "2025". For schema.org's startDate and endDate."""
    n = _KNOWN_TO.get(precision, 10)
    return start[:n], end[:n]


def iso_extent(start: str, end: str, precision: str) -> str | None:
    """One ISO 8601 day, month or year that holds the whole interval and claims no more
    than is known: HTML's <time datetime>. None for an interval across years (HTML
    has no way to write it)."""
    first, last = iso_bounds(start, end, precision)
    for n in (10, 7, 4):
        if first[:n] == last[:n]:
            return first[:n]
    return None


def describe(start: date, end: date, precision: str, lang: str = "en",
             approximate: bool = False) -> str:
    """Display text for stored fields: "late Sep 2025" / "2025年9月下旬".

    Every string it returns for a parsed date parses back to the same interval and
    precision. Fields that do not fit their precision are shown as a plain range.
    """
    zh = lang.startswith("zh")
    text = _describe(start, end, precision, zh)
    if approximate:
        return text + "左右" if zh else "about " + text
    return text


def _day_en(d: date) -> str:
    return f"{d.day} {_MON_EN[d.month - 1]} {d.year}"


_ZH_MONTH_PART = {"early": "上旬", "mid": "中旬", "late": "下旬"}
_ZH_YEAR_PART = {"early": "初", "mid": "中", "late": "底"}


def _describe(start: date, end: date, precision: str, zh: bool) -> str:
    shape = _shape(start, end)
    y, m = start.year, start.month
    same_month = (y, m) == (end.year, end.month)
    if precision == "day" and start == end:
        return f"{y}年{m}月{start.day}日" if zh else _day_en(start)
    if precision == "days" and same_month and start < end:
        return (f"{y}年{m}月{start.day}日至{end.day}日" if zh
                else f"{start.day}–{end.day} {_MON_EN[m - 1]} {y}")
    if precision == "month-part" and (part := _part_of("month", start, end)):
        return f"{y}年{m}月" + _ZH_MONTH_PART[part] if zh \
            else f"{part} {_MON_EN[m - 1]} {y}"
    if precision == "month-part" and (parts := _parts_of("month", start, end)):
        first, last = parts  # from a part of a month to a later part of it or of a later month
        if zh:
            return (f"{y}年{m}月{_ZH_MONTH_PART[first]}至" + (f"{end.year}年" if end.year != y else "")
                    + f"{end.month}月{_ZH_MONTH_PART[last]}")
        return (f"{first} {_MON_EN[m - 1]}" + (f" {y}" if end.year != y else "")
                + f" – {last} {_MON_EN[end.month - 1]} {end.year}")
    if precision == "month" and shape != "day" and same_month:
        return f"{y}年{m}月" if zh else f"{_MON_EN[m - 1]} {y}"
    if precision == "months" and shape != "day" and not same_month:
        if y == end.year:
            return f"{y}年{m}月至{end.month}月" if zh else f"{_MON_EN[m - 1]}–{_MON_EN[end.month - 1]} {y}"
        return (f"{y}年{m}月至{end.year}年{end.month}月" if zh
                else f"{_MON_EN[m - 1]} {y} – {_MON_EN[end.month - 1]} {end.year}")
    if precision == "quarter" and to_edtf(start, end, "quarter")[5:6] == "3":
        q = (m - 1) // 3 + 1
        return f"{y}年第{_ZH_ORDINAL[q - 1]}季度" if zh else f"Q{q} {y}"
    if precision == "half" and to_edtf(start, end, "half")[5:6] == "4":
        h = 1 if m == 1 else 2
        return f"{y}年{'上' if h == 1 else '下'}半年" if zh else f"H{h} {y}"
    if precision == "year-part" and (part := _part_of("year", start, end)):
        return f"{y}年" + _ZH_YEAR_PART[part] if zh else f"{part} {y}"
    if precision == "year-part" and (parts := _parts_of("year", start, end)):
        first, last = parts  # from a part of a year to a later part of it or of a later year
        return (f"{y}年{_ZH_YEAR_PART[first]}至{end.year}年{_ZH_YEAR_PART[last]}" if zh
                else f"{first} {y} – {last} {end.year}")
    if precision == "year" and shape == "year" and y == end.year:
        return f"{y}年" if zh else f"{y}"
    if shape == "year" and y != end.year:
        return f"{y}年至{end.year}年" if zh else f"{y}–{end.year}"
    if zh:
        return f"{y}年{m}月{start.day}日至{end.year}年{end.month}月{end.day}日"
    return f"{_day_en(start)} – {_day_en(end)}"
