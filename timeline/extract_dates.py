"""Extract, step 2: the dates of events in running text.

One compiled regex (`DATE_RE`) finds date spans; each is read by `timeline.dates.parse_date`
(cached), with the year the text has just set ("2025年…5月29日"). What is not the date of
an event is dropped (the tables are in timeline.extract_rules): comparison bases
("去年同期", "较2024年"), durations ("上线仅10个月"), "今年以来"-style periods, datelines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from timeline import dates
from timeline.errors import DateParseError
from timeline.extract_rules import (CMP_AFTER, CMP_BEFORE, DURATION_BEFORE, FUTURE,
                                    HOLIDAY_EN, HOLIDAY_ZH_DATE, JUST_AFTER_ZH, PRESS_TIME,
                                    RECENT_DAYS_ZH, TIME_OF_DAY)
from timeline.extract_text import Doc, normalise

_ZMON = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_ZDAY = r"(?:3[01]|[12][0-9]|0?[1-9]|三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九])"
_ZMPART = r"(?:上旬|中旬|下旬|初(?![步次心衷始创])|底|末|中(?=[,，。、；\s的]))"
_ZMONTH = (rf"(?<![\d.]){_ZMON}\s*月份?(?![活度])(?:\s*{_ZDAY}\s*[日号])?(?:\s*{_ZMPART})?")
_ZQ = (r"(?:第\s*[一二三四1-4]\s*季度?(?!报)|[一二三四1-4]\s*季度|[一二三四]季报|Q[1-4](?![0-9])|"
       r"H[12](?![0-9])|[上下]半年|前三季度)(?:\s*(?:末|底|初(?![步次心衷始创])))?")
_FEST = HOLIDAY_ZH_DATE
_ZMONTH_BARE = _ZMONTH.replace(r"(?<![\d.])", "")
_ZTAIL = (rf"(?:\s*(?:{_ZQ}|全年|{_ZMONTH_BARE}|初(?![步次心衷始创])|"
          rf"底|末|{_FEST}))?")
_ZH_DATE = (rf"(?<![\d.]){'(?:19|20)'}\d{{2}}\s*(?:年度?|财年|(?=\s*(?:Q[1-4]|H[12]|全年|第)))"
            rf"{_ZTAIL}"
            rf"|(?<![以此之])(?:今|去|前|明|本|同|当|次|翌)年度?{_ZTAIL}"
            rf"|{_ZMONTH}|(?<![A-Za-z0-9]){_ZQ}|{_FEST}|(?:上个?|本)月(?!份?[0-9一二三四五六七八九十])")
# "元旦刚过", "Q1过后": the days just after the date
_EMON = (r"(?:January|February|March|April|May|June|July|August|September|October|November|"
         r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?")
_EPART = r"(?:[Ee]arly|[Mm]id|[Ll]ate|(?:[Tt]he\s+)?(?:[Ee]nd|[Bb]eginning|[Ss]tart|[Mm]iddle)\s+of)[\s-]+"
_EYEAR = r"(?:19|20)\d{2}"
_EN_DATE = (rf"\b(?:{_EPART})?{_EMON}(?:\s+\d{{1,2}}(?:st|nd|rd|th)?\b)?(?:,?\s+{_EYEAR}\b)?"
            rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_EMON}(?:,?\s+{_EYEAR}\b)?"
            rf"|\b(?:[Tt]he\s+)?(?:first|second|third|fourth|1st|2nd|3rd|4th)\s+(?:quarter|half)"
            rf"(?:\s+of\s+{_EYEAR}\b)?"
            rf"|\b(?:Q[1-4]|H[12])\s*(?:FY\s*)?{_EYEAR}\b|\b{_EYEAR}\s*(?:Q[1-4]|H[12])\b"
            rf"|\b{_EPART}{_EYEAR}\b|\b(?:last|this)\s+(?:year|month)\b"
            rf"|\b{_EYEAR}-\d{{2}}-\d{{2}}\b|\b{_EYEAR}/\d{{1,2}}/\d{{1,2}}\b"
            rf"|(?<=\b[Ii]n\s){_EYEAR}\b|(?<=\b[Ss]ince\s){_EYEAR}\b|(?<=\b[Dd]uring\s){_EYEAR}\b"
            rf"|{HOLIDAY_EN}(?:,?\s+{_EYEAR}\b)?")
_DATE_RE = re.compile(f"(?:{_ZH_DATE})(?:\\s*{JUST_AFTER_ZH})?|{RECENT_DAYS_ZH}|{_EN_DATE}")
_RECENT_RE = re.compile(RECENT_DAYS_ZH)
_RANGE_CONN = re.compile(r"\s*(?:至|到|-|和|与|及|\bto\b|\buntil\b|\bthrough\b)\s*")


@dataclass(frozen=True)
class DateInfo:
    text: str
    base: str | None
    start: date
    end: date
    precision: str
    edtf: str

    def overlaps(self, other: "DateInfo") -> bool:
        return self.start <= other.end and other.start <= self.end

    @property
    def width(self) -> int:
        return (self.end - self.start).days

    def to_dict(self) -> dict:
        return {"text": self.text, "start": self.start.isoformat(),
                "end": self.end.isoformat(), "precision": self.precision, "edtf": self.edtf}

    def display(self, lang: str = "en") -> str:
        return dates.describe(self.start, self.end, self.precision, lang,
                              self.edtf.endswith("~"))


@lru_cache(maxsize=4096)
def _parse(text: str, base: date | None) -> dates.FuzzyDate | None:
    try:
        return dates.parse_date(text, base)
    except DateParseError:
        return None


def _has_year(span: str) -> bool:
    return bool(re.search(r"(?:19|20)\d{2}|[今去前明本]年", span))


def _parse_text(span: str, ctx_year: int | None) -> str | None:
    """The text to hand to parse_date: 'and' as a range, 同年 resolved."""
    text = span
    text = re.sub(r"(?<=月)\s*(?:和|与|及)\s*(?=\d)", "至", text)
    text = re.sub(r"(?<=\d)\s*(?:全年|年度|财年)", "年", text)
    text = text.replace("年度", "年").replace("季报", "季度")
    m = re.match(r"(同|当|次|翌)年", text)
    if m:
        if ctx_year is None:
            return None
        year = ctx_year + (1 if m.group(1) in "次翌" else 0)
        text = f"{year}年" + text[2:]
    return text


@dataclass
class _Ctx:
    year: int | None = None
    month: int | None = None
    pos: int = -10_000
    para: int = -1


def _find_dates(doc: Doc) -> list[tuple[int, int, DateInfo, bool]]:
    """(start, end, date, future) of each date of an event in the text."""
    norm, text, base = doc.norm, doc.text, doc.base
    found: list[tuple[int, int, DateInfo, bool]] = []
    ctx = _Ctx()
    matches = list(_DATE_RE.finditer(norm))
    i = 0
    while i < len(matches):
        m = matches[i]
        s, e = m.start(), m.end()
        i += 1
        if e == s:
            continue
        # a range "X至Y" / "4月和5月": one span when the parser reads it
        if i < len(matches):
            conn = _RANGE_CONN.match(norm, e)
            if conn and conn.end() == matches[i].start() and conn.end() > e:
                joined = text[s:matches[i].end()]
                if _read_span(joined, ctx, base, s, doc) is not None:
                    e = matches[i].end()
                    i += 1
        span = text[s:e].strip()
        while span and span[-1] in " ,，、":
            span = span[:-1]
        e = s + len(span)
        para = doc.paragraph_of(s)
        if para != ctx.para:
            ctx = _Ctx(para=para)
        info = _read_span(span, ctx, base, s, doc)
        if info is None:
            continue
        if _has_year(normalise(span)):
            ctx.year, ctx.pos = info.end.year, s
        if info.precision in ("day", "days", "month-part", "month") and info.start.month == info.end.month:
            ctx.month = info.start.month
        if not _is_event_date(norm, s, e, doc):
            continue
        if base and not (base.year - 40 <= info.start.year <= base.year + 10):
            continue
        before = norm[max(0, s - 12):s]
        found.append((s, e, info, bool(FUTURE.search(before)) or (
            base is not None and info.start > base)))
    if base is not None:
        for m in PRESS_TIME.finditer(norm):
            if _is_event_date(norm, m.start(), m.end(), doc):
                day = base.isoformat()
                info = DateInfo(text[m.start():m.end()], day, base, base, "day", day)
                found.append((m.start(), m.end(), info, False))
        found.sort(key=lambda f: f[0])
    return found


def _read_span(span: str, ctx: _Ctx, base: date | None, pos: int, doc) -> DateInfo | None:
    norm_span = normalise(span)
    ctx_year = ctx.year if pos - ctx.pos <= 300 else None
    text = _parse_text(norm_span, ctx_year)
    if text is None:
        return None
    parsed = None
    if not _has_year(text) and ctx_year is not None and not _RECENT_RE.fullmatch(text):
        latin = bool(re.search(r"[A-Za-z]", text))
        for year in _context_years(text, ctx, ctx_year, base):
            attempt = _parse(f"{text} {year}" if latin else f"{year}年{text}", base)
            if attempt is not None and (base is None or attempt.start <= base):
                parsed = attempt
                break
    if parsed is None:
        parsed = _parse(text, base)
    if parsed is None:
        return None
    used_base = base.isoformat() if base else (parsed.base.isoformat() if parsed.base else None)
    return DateInfo(text=span, base=used_base, start=parsed.start, end=parsed.end,
                    precision=parsed.precision, edtf=parsed.edtf)


def _context_years(text: str, ctx: _Ctx, year: int, base: date | None) -> list[int]:
    """The year a text has just set; the next one when the months run on past December."""
    m = re.match(r"\s*(\d{1,2})\s*月", text)
    if m and ctx.month and int(m.group(1)) < ctx.month:
        return [year + 1, year]
    return [year]


def _is_event_date(norm: str, s: int, e: int, doc) -> bool:
    before, after = norm[max(0, s - 16):s], norm[e:e + 12]
    if CMP_BEFORE.search(before) or CMP_AFTER.match(after):
        return False
    if DURATION_BEFORE.search(before):
        return False
    line_start = norm.rfind("\n", 0, s) + 1
    line_end = norm.find("\n", e)
    line = norm[line_start:line_end if line_end >= 0 else len(norm)]
    if len(line) < 40 and (TIME_OF_DAY.search(line) or len(line.strip()) - (e - s) < 4):
        return False   # a dateline or a date standing alone
    return True


