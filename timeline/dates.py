"""Read date text ("2025年9月下旬", "Q3 2025", "late September 2025") as an honest fuzzy date.

A date is kept as the text as written, the base it was read against (the "today" that
relative words and year-less dates resolve against, e.g. an article's publication date),
an inclusive interval (start, end), a precision (one of PRECISIONS) and an EDTF string.

How a text is read:

1. `dates_zh.normalise` maps full-width, dash and traditional characters one to one.
2. One precompiled regex splits the text into tokens (a year, a month, 上旬, "Q3", "to", ...).
   Words that sit next to a date without changing it (截至, 盘后, "as of", "on", ...) are
   dropped; 左右 / about / circa mark the date approximate.
3. The tokens of each side of a range ("X to Y", "X至Y", "between X and Y") fill in fields
   (year, month, day, quarter, ...) in any order, and the fields become an interval.
   A side without a year borrows it from the other side ("15–17 April 2025").
4. A month or day without a year is the most recent such date whose start is not after
   the base; with "next"/"last" the next/previous one.
5. Only when no rule reads the text is dateparser asked (imported lazily), and its answer
   is checked: it must contain the numbers visible in the text and a year >= 1000.

Numeric dates: y-m-d always; with two fields of 12 or less, slashes and dashes are read
month first (4/5/2025 = 5 April) and dots day first (4.5.2025 = 4 May); a field over 12
decides. Two-digit years: 00-49 are 20xx, 50-99 are 19xx. "FY2024" is the calendar year
2024. 前三季度 is Jan 1–Sep 30 with precision "months". A weekday written next to a date
must agree with it. Impossible or unreadable text raises DateParseError, never a guess.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from timeline.dates_zh import ZH_NUMERAL_CLASS, normalise, zh_number
from timeline.errors import DateParseError

PRECISIONS = ("day", "days", "month-part", "month", "months", "quarter", "half",
              "year-part", "year", "range")

BOUNDARIES: dict[tuple[str, str], tuple[int, int, tuple[str, ...]]] = {
    ("month", "early"): (1, 10, ("上旬", "月初", "early", "beginning of", "start of")),
    ("month", "mid"): (11, 20, ("中旬", "月中", "mid", "middle of")),
    ("month", "late"): (21, 31, ("下旬", "月底", "月末", "late", "end of")),
    ("year", "early"): (1, 4, ("年初", "early", "beginning of", "start of")),
    ("year", "mid"): (5, 8, ("年中", "mid", "mid-", "middle of")),
    ("year", "late"): (9, 12, ("年底", "年末", "late", "end of")),
}
"""The one table of boundary conventions for parts of a month or a year.

Key (level, part) -> (first, last, words). For "month" the numbers are days of the month
(31 means the last day, whatever the month), for "year" they are months: a year is cut in
thirds (Jan–Apr, May–Aug, Sep–Dec) as 上旬/中旬/下旬 cut a month. The words are the ones
that select the row; "late 2025", "end of 2025", "2025年底" and "2025年末" are one and the
same interval.
"""

_PART_WORDS = {"early": "early", "beginning": "early", "start": "early", "初": "early",
               "上旬": "early", "mid": "mid", "middle": "mid", "中": "mid", "中旬": "mid",
               "late": "late", "end": "late", "底": "late", "末": "late", "下旬": "late"}

_MON_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
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


class _NoRule(Exception):
    """No rule reads these tokens (the caller may try dateparser)."""


# ------------------------------------------------------------------------------ tokens

_ZN = f"[{ZH_NUMERAL_CLASS}]"
_ZD = "[一二三四五六七八九十]"
_MID = "中(?![国华文央心期间部东西南北])"
_ZPART = f"(?:初|{_MID}|底|末)"
_XUN = "(?:上旬|中旬|下旬)"
_MONTHS = ("jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           "sep(?:t(?:ember)?|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_UNIT_WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_UNIT_ORDS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
              "ninth"]
_TEEN_WORDS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
               "seventeen", "eighteen", "nineteen"]
_TEEN_ORDS = ["tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
              "sixteenth", "seventeenth", "eighteenth", "nineteenth"]
_WORD_NUMBERS: dict[str, tuple[int, bool]] = {}
for _i, (_w, _o) in enumerate(zip(_UNIT_WORDS, _UNIT_ORDS), 1):
    _WORD_NUMBERS[_w], _WORD_NUMBERS[_o] = (_i, False), (_i, True)
for _i, (_w, _o) in enumerate(zip(_TEEN_WORDS, _TEEN_ORDS), 10):
    _WORD_NUMBERS[_w], _WORD_NUMBERS[_o] = (_i, False), (_i, True)
_WORD_NUMBERS.update({"twenty": (20, False), "twentieth": (20, True), "thirty": (30, False),
                      "thirtieth": (30, True)})
_WORDNUM = ("(?:twenty|thirty)[- ]?(?:" + "|".join(_UNIT_ORDS + _UNIT_WORDS) + ")|"
            + "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True)))


def _w(pattern: str) -> str:
    """An English word pattern: not glued to other letters (CJK may touch it)."""
    return f"(?<![a-z])(?:{pattern})(?![a-z])"


_TOKEN_SPECS = [
    ("ymd", r"(?<!\d)(?P<ymd_y>\d{4})(?P<ymd_s>[-/.])(?P<ymd_m>\d{1,2})(?P=ymd_s)"
            r"(?P<ymd_d>\d{1,2})(?!\d)(?:T[0-9:.]+Z?)?"),
    ("ymds", r"(?<!\d)(?P<ymds_y>\d{4}) (?P<ymds_m>\d{2}) (?P<ymds_d>\d{2})(?!\d)"),
    ("ymon", rf"(?<!\d)(?P<ymon_y>\d{{4}})[-/](?P<ymon_m>{_MONTHS})[-/](?P<ymon_d>\d{{1,2}})(?!\d)"),
    ("dmy", r"(?<!\d)(?P<dmy_a>\d{1,2})(?P<dmy_s>[-/.])(?P<dmy_b>\d{1,2})(?:(?P=dmy_s)|,\s*)"
            r"(?P<dmy_y>\d{4}|\d{2})(?![\d./])"),
    # with spaces around the dash ("2016 - 11") only as the whole text: else it is a range
    ("ym", r"(?<!\d)(?P<ym_y>\d{4})(?:[-/.]|\s*[-/]\s*(?=\d{1,2}\s*$))(?P<ym_m>\d{1,2})"
           r"(?![\d.\-/]|\s*[年月日号])"),
    ("my", r"(?<!\d)(?P<my_m>\d{1,2})(?:[-/]|\s*[-/]\s*(?=\d{4}\s*$))(?P<my_y>\d{4})"
           r"(?![\d.\-/]|\s*[年月日号])"),
    ("md", r"(?<!\d)(?P<md_a>\d{1,2})(?P<md_s>[/.])(?P<md_b>\d{1,2})(?![\d./]|\s*[年月日号])"),
    ("qy", r"(?<!\d)(?P<qy_y>\d{4}|\d{2})\s*Q(?P<qy_q>[1-4])(?!\d)"),
    ("yq", r"(?<!\d)(?P<yq_q>[1-4])Q(?P<yq_y>\d{4}|\d{2})(?!\d)"),
    ("hy", r"(?<!\d)(?P<hy_y>\d{4}|\d{2})\s*H(?P<hy_h>[12])(?!\d)"),
    ("yh", r"(?<!\d)(?P<yh_h>[12])H(?P<yh_y>\d{4}|\d{2})(?!\d)"),
    ("q", r"(?<![a-z0-9])Q(?P<q_q>[1-4])(?!\d)"),
    ("h", r"(?<![a-z0-9])H(?P<h_h>[12])(?!\d)"),
    ("fy", r"(?<![a-z])FY\s*'?(?P<fy_y>\d{4}|\d{2})(?!\d)"),
    ("zyear", rf"(?<!\d)(?P<zy_n>\d{{2,4}}|{_ZN}{{2,5}})\s*年份?(?:\s*(?P<zy_p>{_ZPART}))?"),
    ("zyrel", rf"(?P<zyr_w>今|去|前|明|后|本)年(?:\s*(?P<zyr_p>{_ZPART}))?"),
    ("zypart", rf"年(?P<zyp_p>{_ZPART})"),
    ("zfirstq", r"前\s*(?P<zfq_n>[1-4一二三四])\s*个?季度"),
    ("zqrel", r"(?P<zqr_w>本|上|下|这)个?季度"),
    ("zquarter", r"第?\s*(?P<zq_n>[1-4一二三四])\s*季度?"),
    ("zhalf", r"(?P<zh_w>上|下)半年度?"),
    ("zmonth", rf"(?<!\d)(?P<zm_n>\d{{1,2}}|{_ZD}{{1,3}})\s*月份?"
               rf"(?:\s*(?:(?P<zm_x>{_XUN})|(?P<zm_p>{_ZPART})(?!旬)))?"),
    ("zmrel", rf"(?P<zmr_w>本|这个?|当|上个?|下个?)月(?:\s*(?:(?P<zmr_x>{_XUN})|"
              rf"(?P<zmr_p>{_ZPART})(?!旬)))?"),
    ("zmpart", rf"月(?P<zmp_p>{_ZPART})(?!旬)"),
    ("zxun", rf"(?P<zx_x>{_XUN})"),
    ("zday", rf"(?<!\d)(?P<zd_n>\d{{1,2}}|{_ZD}{{1,3}})\s*[日号]"),
    ("zdrel", r"(?P<zdr_w>大前天|前天|昨天|昨日|今天|今日|明天|明日|大后天|后天)"),
    ("yuandan", r"元旦"),
    ("zweekday", r"(?:星期|礼拜|周)(?P<zwd_d>[一二三四五六日天])"),
    ("edrel", _w(r"(?P<edr_w>(?:the\s+)?day\s+before\s+yesterday|(?:the\s+)?day\s+after\s+"
                 r"tomorrow|yesterday|today|tomorrow|tmrw)")),
    ("now", _w("now")),
    ("eperiod", _w(r"(?P<ep_w>this|current|last|previous|past|next|coming|upcoming)\s+"
                   r"(?P<ep_u>month|year|quarter)")),
    ("emdir", _w(rf"(?P<emd_w>this|last|next|previous|coming)\s+(?P<emd_m>{_MONTHS})") + r"\.?"),
    ("eordq", _w(r"(?P<eoq_w>first|second|third|fourth|last|1st|2nd|3rd|4th)\s+quarter")),
    ("eordh", _w(r"(?P<eoh_w>first|second|1st|2nd)\s+half")),
    ("epart", _w(r"(?P<ept_w>early|mid|middle|late|beginning|start|end)")
              + r"(?:\s*-\s*|\s+of(?![a-z]))?"),
    ("emonthday", _w(f"(?P<emdy_m>{_MONTHS})") + r"\.?\s*[-/]?\s*(?P<emdy_d>\d{1,2})"
                  r"(?:st|nd|rd|th)?(?![\d:a-z])"),
    ("emonth", _w(f"(?P<em_m>{_MONTHS})") + r"\.?"),
    ("theday", _w(rf"the\s+(?P<thd_n>\d{{1,2}}(?:st|nd|rd|th)?(?!\d)|{_WORDNUM})")
               + r"(?!\s+(?:quarter|half|week))"),
    ("ordday", r"(?<!\d)(?P<od_n>\d{1,2})(?:st|nd|rd|th)(?![a-z])"),
    ("wordnum", _w(f"(?P<wn_w>{_WORDNUM})")),
    ("weekday", _w(r"(?P<wd_w>monday|mon|tuesday|tues|tue|wednesday|wed|thursday|thurs|thur|"
                   r"thu|friday|fri|saturday|sat|sunday|sun)") + r"\.?"),
    ("approx", _w(r"about|around|approximately|approx|roughly|circa|ca|c") + r"\.?"
               r"|左右|前后|大约|大概|约"),
    ("connnow", r"至今|迄今|到现在|到今天"),
    ("since", _w("since") + "|以来"),
    ("conn", _w("to|through|thru|until|till|til|and") + "|-|至|到|和|与|及"),
    ("from", _w("from|between") + "|从|自|在"),
    ("betend", r"之间|间"),
    ("num", r"(?<!\d)(?P<num_n>\d+)"),
    ("zhnum", rf"(?P<zn_n>{_ZD}{{1,3}})"),
    ("noise", _w(r"the|of|on|in|at|by|as\s+of|during|year|dated") +
              r"|[,.;:()（）、]|的|截至|截止(?:到|至)?|盘后|盘前|晚间|早间|晚上|早上|凌晨|上午|"
              r"下午|中午|晚|早|当天|当日|期间|于|时"),
]
_TOKEN_RE = re.compile("|".join(f"(?P<{name}>{pat})" for name, pat in _TOKEN_SPECS),
                       re.IGNORECASE)
_SPACE_RE = re.compile(r"\s+")
_SKIP_WORD_RE = re.compile(r"[a-z0-9]+|.", re.IGNORECASE | re.DOTALL)


def _year2(text: str) -> int:
    """A year written with two or four digits (00-49 -> 20xx, 50-99 -> 19xx)."""
    n = int(text)
    if len(text) == 2:
        return 2000 + n if n < 50 else 1900 + n
    return n


def _month_no(word: str) -> int:
    return _MONTH_NAMES.index(next(m for m in _MONTH_NAMES if m.startswith(word[:3].lower()))) + 1


def _zh_value(text: str) -> int:
    return zh_number(text)[0] if not text.isdigit() else int(text)


def _numeric(a: str, b: str, sep: str, text: str) -> tuple[int, int]:
    """(month, day) from two numbers in either order: see the module docstring."""
    x, y = int(a), int(b)
    if x > 12 and y > 12:
        raise DateParseError(f"{text!r}: neither {x} nor {y} can be a month")
    day_first = sep == "."
    if x > 12:
        day_first = True
    elif y > 12:
        day_first = False
    return (y, x) if day_first else (x, y)


def _token(kind: str, m: re.Match, text: str) -> list[tuple[str, object]]:
    """The (kind, payload) tokens of one regex match; 'set' tokens carry field values."""
    g = m.group
    if kind == "ymd":
        return [("set", {"year": int(g("ymd_y")), "month": int(g("ymd_m")), "day": int(g("ymd_d"))})]
    if kind == "ymds":
        return [("set", {"year": int(g("ymds_y")), "month": int(g("ymds_m")),
                         "day": int(g("ymds_d"))})]
    if kind == "ymon":
        return [("set", {"year": int(g("ymon_y")), "month": _month_no(g("ymon_m")),
                         "day": int(g("ymon_d"))})]
    if kind == "dmy":
        month, day = _numeric(g("dmy_a"), g("dmy_b"), g("dmy_s"), text)
        return [("set", {"year": _year2(g("dmy_y")), "month": month, "day": day})]
    if kind == "ym":
        return [("set", {"year": int(g("ym_y")), "month": int(g("ym_m"))})]
    if kind == "my":
        return [("set", {"year": int(g("my_y")), "month": int(g("my_m"))})]
    if kind == "md":
        month, day = _numeric(g("md_a"), g("md_b"), g("md_s"), text)
        return [("set", {"month": month, "day": day})]
    if kind in ("qy", "yq"):
        return [("set", {"year": _year2(g(kind + "_y")), "quarter": int(g(kind + "_q"))})]
    if kind in ("hy", "yh"):
        return [("set", {"year": _year2(g(kind + "_y")), "half": int(g(kind + "_h"))})]
    if kind == "q":
        return [("set", {"quarter": int(g("q_q"))})]
    if kind == "h":
        return [("set", {"half": int(g("h_h"))})]
    if kind == "fy":
        return [("set", {"year": _year2(g("fy_y"))})]
    if kind == "zyear":
        raw = g("zy_n")
        value, digits = zh_number(raw)
        if not raw.isdigit() and any(c in "十百千" for c in raw) and value < 1000:
            raise _NoRule(raw)            # 二十年: twenty years, not a year
        fields = {"year": (2000 + value if value < 50 else 1900 + value) if digits == 2 else value}
        if g("zy_p"):
            fields["part_y"] = _PART_WORDS[g("zy_p")]
        return [("set", fields)]
    if kind == "zyrel":
        fields = {"yrel": {"今": 0, "本": 0, "去": -1, "前": -2, "明": 1, "后": 2}[g("zyr_w")]}
        if g("zyr_p"):
            fields["part_y"] = _PART_WORDS[g("zyr_p")]
        return [("set", fields)]
    if kind == "zypart":
        return [("set", {"part_y": _PART_WORDS[g("zyp_p")]})]
    if kind == "zfirstq":
        return [("set", {"upto": _zh_value(g("zfq_n"))})]
    if kind == "zqrel":
        return [("set", {"qrel": {"本": 0, "这": 0, "上": -1, "下": 1}[g("zqr_w")]})]
    if kind == "zquarter":
        return [("set", {"quarter": _zh_value(g("zq_n"))})]
    if kind == "zhalf":
        return [("set", {"half": 1 if g("zh_w") == "上" else 2})]
    if kind in ("zmonth", "zmrel"):
        if kind == "zmonth":
            fields = {"month": _zh_value(g("zm_n"))}
            part = g("zm_x") or g("zm_p")
        else:
            fields = {"mrel": {"本": 0, "这": 0, "当": 0, "上": -1, "下": 1}[g("zmr_w")[0]]}
            part = g("zmr_x") or g("zmr_p")
        if part:
            fields["part_m"] = _PART_WORDS[part]
        return [("set", fields)]
    if kind == "zmpart":
        return [("set", {"part_m": _PART_WORDS[g("zmp_p")]})]
    if kind == "zxun":
        return [("set", {"part_m": _PART_WORDS[g("zx_x")]})]
    if kind == "zday":
        return [("set", {"day": _zh_value(g("zd_n"))})]
    if kind == "zdrel":
        return [("set", {"drel": {"大前天": -3, "前天": -2, "昨天": -1, "昨日": -1, "今天": 0,
                                  "今日": 0, "明天": 1, "明日": 1, "后天": 2,
                                  "大后天": 3}[g("zdr_w")]})]
    if kind == "yuandan":
        return [("set", {"month": 1, "day": 1})]
    if kind == "zweekday":
        return [("weekday", "一二三四五六日天".index(g("zwd_d")) if g("zwd_d") != "天" else 6)]
    if kind == "edrel":
        word = _SPACE_RE.sub(" ", g("edr_w").lower())
        offset = (-2 if "before" in word else 2 if "after" in word else -1 if word == "yesterday"
                  else 1 if word in ("tomorrow", "tmrw") else 0)
        return [("set", {"drel": offset})]
    if kind == "eperiod":
        word, unit = g("ep_w").lower(), g("ep_u").lower()
        offset = 0 if word in ("this", "current") else -1 if word in ("last", "previous", "past") else 1
        return [("set", {{"month": "mrel", "year": "yrel", "quarter": "qrel"}[unit]: offset})]
    if kind == "emdir":
        word = g("emd_w").lower()
        return [("set", {"month": _month_no(g("emd_m")),
                         "mdir": {"previous": "last", "coming": "next"}.get(word, word)})]
    if kind == "eordq":
        word = g("eoq_w").lower()
        return [("set", {"quarter": 4 if word == "last" else
                         ("first", "second", "third", "fourth").index(word) + 1
                         if word[0].isalpha() else int(word[0])})]
    if kind == "eordh":
        return [("set", {"half": 1 if g("eoh_w").lower() in ("first", "1st") else 2})]
    if kind == "epart":
        return [("part", _PART_WORDS[g("ept_w").lower()])]
    if kind == "emonthday":
        month, n = _month_no(g("emdy_m")), g("emdy_d")
        if int(n) > 31 and len(n) == 2:
            return [("set", {"month": month, "year": _year2(n)})]   # "August 99"
        return [("set", {"month": month, "day": int(n)})]
    if kind == "emonth":
        return [("set", {"month": _month_no(g("em_m"))})]
    if kind == "theday":
        raw = g("thd_n").lower()
        if raw[0].isdigit():
            return [("eday", int(raw.rstrip("stndrh")))]
        return [("eday", _word_value(raw)[0])]
    if kind == "ordday":
        return [("eday", int(g("od_n")))]
    if kind == "wordnum":
        value, ordinal = _word_value(g("wn_w").lower())
        return [("eday", value)] if ordinal else [("num", (value, 1))]
    if kind == "weekday":
        return [("weekday", _WEEKDAYS.index(g("wd_w")[:3].lower()))]
    if kind == "num":
        return [("num", (int(g("num_n")), len(g("num_n"))))]
    if kind == "zhnum":
        return [("num", (_zh_value(g("zn_n")), 1))]
    if kind == "connnow":
        return [("conn", "-"), ("set", {"drel": 0})]
    if kind == "conn":
        word = m.group(kind).lower()
        return [("conn", "and" if word in ("and", "和", "与", "及") else "-")]
    return [(kind, None)]           # approx, since, from, betend, noise


def _word_value(word: str) -> tuple[int, bool]:
    """(value, is_ordinal) of 'twenty-first', 'third', 'fifteen'..."""
    word = _SPACE_RE.sub(" ", word.replace("-", " ")).strip()
    for tens, value in (("twenty", 20), ("thirty", 30)):
        rest = word[len(tens):].strip() if word.startswith(tens) else ""
        if rest:
            unit, ordinal = _WORD_NUMBERS[rest]
            return value + unit, ordinal
    return _WORD_NUMBERS[word]


def _tokenize(text: str, find: bool = False) -> list[tuple[str, object, int, int]]:
    """Tokens (kind, payload, start, end) of normalised text.

    In parse mode an unknown character raises _NoRule; in find mode it is skipped, month
    and weekday names must be capitalised and bare numeric month/day forms are ignored.
    """
    tokens: list[tuple[str, object, int, int]] = []
    pos, n = 0, len(text)
    while pos < n:
        if text[pos].isspace():
            pos += 1
            continue
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            if not find:
                raise _NoRule(text)
            pos = _SKIP_WORD_RE.match(text, pos).end()
            continue
        kind = m.lastgroup
        try:
            if find and (kind == "md" or (kind in ("emonth", "emonthday", "weekday", "emdir")
                                          and not any(c.isupper() for c in m.group(kind)))):
                raise _NoRule(kind)
            made = _token(kind, m, text)
        except (_NoRule, DateParseError, ValueError):
            if not find:
                raise
            pos = _SKIP_WORD_RE.match(text, pos).end()
            continue
        for tok_kind, payload in made:
            tokens.append((tok_kind, payload, m.start(), m.end()))
        pos = m.end()
    return tokens


# ------------------------------------------------------------------------------ fields

def _put(fields: dict, key: str, value: object) -> None:
    if key in fields and fields[key] != value:
        raise _NoRule(key)
    fields[key] = value


def _side_fields(tokens: list) -> dict:
    """Fill the fields of one side of a range from its tokens, in any order."""
    fields: dict = {}
    loose: list[int] = []
    for kind, payload, *_ in tokens:
        if kind == "set":
            for key, value in payload.items():
                _put(fields, key, value)
        elif kind == "num":
            value, digits = payload
            if digits == 4:
                _put(fields, "year", value)
            elif digits <= 2:
                loose.append(value)
            else:
                raise _NoRule(str(value))
        elif kind == "part":
            _put(fields, "part", payload)
        elif kind == "eday":
            _put(fields, "day", payload)
        elif kind == "now":
            _put(fields, "drel", 0)
        elif kind == "weekday":
            _put(fields, "weekday", payload)
        elif kind not in ("noise", "from", "betend", "approx"):
            raise _NoRule(kind)
    if "part" in fields:
        if not any(k in fields for k in ("month", "mrel", "year", "yrel")):
            raise _NoRule("'late' of what?")
        level = "part_m" if ("month" in fields or "mrel" in fields) else "part_y"
        _put(fields, level, fields.pop("part"))
    if loose:
        if len(loose) > 1 or "day" in fields:
            raise _NoRule("numbers")
        if "month" in fields or "mrel" in fields:
            fields["day"] = loose[0]
        else:
            fields["loose"] = loose[0]
    return fields


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _shift_month(year: int, month: int, offset: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + offset
    return index // 12, index % 12 + 1


def _interval(kind: str, f: dict, year: int, month: int | None):
    """(start, end) of the period `kind` in `year` (and `month`), or None if it has no such day."""
    if kind == "day":
        if f["day"] > calendar.monthrange(year, month)[1]:
            return None
        d = date(year, month, f["day"])
        return d, d
    if kind == "month-part":
        first, last, _ = BOUNDARIES[("month", f["part_m"])]
        end = _month_end(year, month)
        return date(year, month, first), min(end, date(year, month, min(last, end.day)))
    if kind == "month":
        return date(year, month, 1), _month_end(year, month)
    if kind == "quarter":
        q = f["quarter"]
        return date(year, 3 * q - 2, 1), _month_end(year, 3 * q)
    if kind == "half":
        h = f["half"]
        return date(year, 6 * h - 5, 1), _month_end(year, 6 * h)
    if kind == "upto":
        return date(year, 1, 1), _month_end(year, 3 * f["upto"])
    if kind == "year-part":
        first, last, _ = BOUNDARIES[("year", f["part_y"])]
        return date(year, first, 1), _month_end(year, last)
    return date(year, 1, 1), date(year, 12, 31)


_KIND_PRECISION = {"upto": "months"}


def _kind(f: dict) -> str:
    """Which period the fields name, or _NoRule if they do not fit together."""
    has_month = "month" in f or "mrel" in f
    others = [k for k in ("day", "part_m", "quarter", "qrel", "half", "upto", "part_y") if k in f]
    if "loose" in f or ("year" in f and "yrel" in f):
        raise _NoRule("loose number or two years")
    if "drel" in f:
        if set(f) - {"drel", "weekday"}:
            raise _NoRule("drel")
        return "drel"
    if len(others) > 1 and not (others == ["quarter", "qrel"]):
        raise _NoRule("fields")
    if "day" in f:
        return "day"
    if "part_m" in f:
        return "month-part"
    if has_month:
        if others:
            raise _NoRule("fields")
        return "month"
    if "quarter" in f or "qrel" in f:
        return "quarter"
    if "half" in f:
        return "half"
    if "upto" in f:
        return "upto"
    if "part_y" in f:
        return "year-part"
    if "year" in f or "yrel" in f:
        return "year"
    raise _NoRule("nothing")


def _check_values(f: dict, text: str) -> None:
    """Raise DateParseError for values that name no date at all."""
    if "month" in f and not 1 <= f["month"] <= 12:
        raise DateParseError(f"{text!r}: there is no month {f['month']}")
    if "quarter" in f and not 1 <= f["quarter"] <= 4:
        raise DateParseError(f"{text!r}: there is no quarter {f['quarter']}")
    if "upto" in f and not 1 <= f["upto"] <= 4:
        raise DateParseError(f"{text!r}: there is no quarter {f['upto']}")
    if "year" in f and not 1000 <= f["year"] <= 9999:
        raise DateParseError(f"{text!r}: year {f['year']} is outside 1000–9999")
    if "day" in f:
        day = f["day"]
        if day < 1 or day > 31:
            raise DateParseError(f"{text!r}: there is no day {day} in a month")
        if "month" in f and day > calendar.monthrange(2000, f["month"])[1]:
            raise DateParseError(f"{text!r}: {_MONTH_NAMES[f['month'] - 1].title()} has no day {day}")
        if "month" in f and "year" in f and day > calendar.monthrange(f["year"], f["month"])[1]:
            raise DateParseError(f"{text!r}: {_MONTH_NAMES[f['month'] - 1].title()} "
                                 f"{f['year']} has no day {day}")


def _resolve(f: dict, text: str, base: date, anchor: date | None = None,
             future: bool = False, ctx_year: int | None = None):
    """Fields -> (start, end, precision, needed_base).

    A period without a year is the latest one whose start is not after `anchor` (the
    base unless given), or with `future` the earliest one whose start is not before it.
    """
    kind = _kind(f)
    _check_values(f, text)
    anchor = anchor or base
    if kind == "drel":
        d = base + timedelta(days=f["drel"])
        return _check_weekday(f, d, d, "day", True, text)
    needs_base = "yrel" in f or "mrel" in f or "qrel" in f
    year = f.get("year")
    if "yrel" in f:
        year = base.year + f["yrel"]
    month = f.get("month")
    if "mrel" in f:
        y, month = _shift_month(base.year, base.month, f["mrel"])
        year = y if year is None else year
    if "qrel" in f:
        y, q0 = divmod(base.year * 4 + (base.month - 1) // 3 + f["qrel"], 4)
        f = {**f, "quarter": q0 + 1}
        year = y if year is None else year
    precision = _KIND_PRECISION.get(kind, kind)
    if year is not None:
        if month is None and kind in ("day", "month-part"):
            raise _NoRule("day without month")
        span = _interval(kind, f, year, month)
        if span is None:
            raise DateParseError(f"{text!r}: {_MON_EN[month - 1]} {year} has no day {f['day']}")
        return _check_weekday(f, *span, precision, needs_base, text)
    # No year: search for the right occurrence around the anchor.
    by_month = month is None and kind in ("day", "month-part")
    mdir = f.get("mdir")
    if mdir == "this":
        span = _interval(kind, f, base.year, month)
        if span is None:
            raise DateParseError(f"{text!r}: {_MON_EN[month - 1]} {base.year} has no day {f['day']}")
        return _check_weekday(f, *span, precision, True, text)
    if mdir == "last":
        anchor, future = date(base.year, base.month, 1) - timedelta(days=1), False
    elif mdir == "next":
        anchor, future = _month_end(base.year, base.month) + timedelta(days=1), True
    if ctx_year is not None and not by_month:
        span = _interval(kind, f, ctx_year, month)
        if span is not None and span[0] <= base:
            return _check_weekday(f, *span, precision, False, text)
    step = 1 if future else -1
    for i in range(0, 100):
        if by_month:
            y, m = _shift_month(anchor.year, anchor.month, step * i)
        else:
            y, m = anchor.year + step * i, month
        if not 1000 <= y <= 9999:
            break
        span = _interval(kind, f, y, m)
        if span is not None and (span[0] >= anchor if future else span[0] <= anchor):
            return _check_weekday(f, *span, precision, True, text)
    raise DateParseError(f"{text!r}: no such date near {anchor.isoformat()}")


def _check_weekday(f: dict, start: date, end: date, precision: str, needs_base: bool, text: str):
    if "weekday" in f:
        if start != end:
            raise _NoRule("weekday with a period")
        if start.weekday() != f["weekday"]:
            raise DateParseError(f"{text!r}: {start.day} {_MON_EN[start.month - 1]} {start.year} "
                                 f"is a {calendar.day_name[start.weekday()]}, "
                                 f"not a {calendar.day_name[f['weekday']]}")
    return start, end, precision, needs_base


# ------------------------------------------------------------------------------ reading

def _anchored(f: dict) -> bool:
    return any(k in f for k in ("year", "yrel", "mrel", "drel", "qrel", "mdir"))


def _borrow(a: dict, b: dict) -> bool:
    """Let side `a` take what it lacks (day context, month, year) from side `b`."""
    if "loose" in a and "day" in b:
        a["day"] = a.pop("loose")
    borrowed = False
    if "day" in a and not ("month" in a or "mrel" in a or "drel" in a):
        for key in ("month", "mrel"):
            if key in b:
                a[key] = b[key]
    if not any(k in a for k in ("year", "yrel", "drel", "mrel", "qrel")) and "drel" not in b:
        for key in ("year", "yrel"):
            if key in b:
                a[key] = b[key]
                borrowed = True
    return borrowed


def _combine(left: tuple, right: tuple) -> str:
    """The precision of the range from `left` to `right` (both (start, end, precision))."""
    (ls, _, lp), (_, re_, rp) = left, right
    month_like = ("month", "months", "quarter", "half")
    if lp == rp == "day":
        return "day" if ls == re_ else "days" if (ls.year, ls.month) == (re_.year, re_.month) else "range"
    if lp in month_like and rp in month_like:
        return "month" if (ls.year, ls.month) == (re_.year, re_.month) else "months"
    if lp == rp == "year":
        return "year" if ls.year == re_.year else "range"
    return "range"


def _read_tokens(tokens: list, text: str, base: date, ctx_year: int | None = None):
    """Tokens -> (start, end, precision, approximate, needed_base, explicit_year)."""
    approximate = any(t[0] == "approx" for t in tokens)
    toks = [t for t in tokens if t[0] not in ("noise", "approx")]
    if toks and toks[0][0] == "since":
        toks = toks[1:] + [("conn", "-", 0, 0), ("set", {"drel": 0}, 0, 0)]
    elif toks and toks[-1][0] == "since":
        toks = toks[:-1] + [("conn", "-", 0, 0), ("set", {"drel": 0}, 0, 0)]
    between = any(t[0] in ("from", "betend") for t in toks)
    conns = [i for i, t in enumerate(toks) if t[0] == "conn"]
    if len(toks) == 3 and [t[0] for t in toks] == ["num", "conn", "num"] and toks[1][1] == "-" \
            and toks[0][1][1] <= 2 and toks[2][1][1] <= 2:
        month, day = _numeric(str(toks[0][1][0]), str(toks[2][1][0]), "-", text)
        toks, conns = [("set", {"month": month, "day": day}, 0, 0)], []
    if not conns:
        f = _side_fields(toks)
        start, end, precision, needs = _resolve(f, text, base, ctx_year=ctx_year)
        return start, end, precision, approximate, needs, "year" in f or "yrel" in f
    if len(conns) > 1:
        raise _NoRule("several connectors")
    i = conns[0]
    if toks[i][1] == "and" and not between:
        raise _NoRule("and without between")
    lf, rf = _side_fields(toks[:i]), _side_fields(toks[i + 1:])
    if not lf or not rf:
        raise _NoRule("half a range")
    left_borrowed, right_borrowed = _borrow(lf, rf), _borrow(rf, lf)
    if not _anchored(rf):   # a year-less range: the latest one starting by the base
        left = _resolve(lf, text, base, ctx_year=ctx_year)
        right = _resolve(rf, text, base, anchor=left[0], future=True)
    else:
        right = _resolve(rf, text, base, ctx_year=ctx_year)
        left = _resolve(lf, text, base, anchor=None if _anchored(lf) else right[1])
    if left_borrowed and left[0] > right[1]:
        lf = {**lf, **({"year": lf["year"] - 1} if "year" in lf else {"yrel": lf["yrel"] - 1})}
        left = _resolve(lf, text, base)
    elif right_borrowed and right[1] < left[0]:
        rf = {**rf, **({"year": rf["year"] + 1} if "year" in rf else {"yrel": rf["yrel"] + 1})}
        right = _resolve(rf, text, base)
    if left[0] > right[1]:
        raise DateParseError(f"{text!r}: the range ends ({right[1].isoformat()}) "
                             f"before it starts ({left[0].isoformat()})")
    explicit = any(k in f for f in (lf, rf) for k in ("year", "yrel"))
    return (left[0], right[1], _combine(left[:3], right[:3]), approximate,
            left[3] or right[3], explicit)


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
                sub = _trim(run[i:j])
                if not sub or not _strong(sub):
                    continue
                s, e = sub[0][2], sub[-1][3]
                try:
                    start, end, precision, approx, needs, explicit = _read_tokens(
                        sub, text[s:e], use, ctx_year)
                except (_NoRule, DateParseError, OverflowError, ValueError):
                    continue
                hit = (s, e, j, start, end, precision, approx, needs, explicit)
                break
            if hit is None:
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
    lo, hi = 0, len(tokens)
    while lo < hi and tokens[lo][0] in ("noise", "conn", "betend", "since"):
        lo += 1
    while hi > lo and tokens[hi - 1][0] in ("noise", "conn", "from"):
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
        return f"{y}年{m}月" + {"early": "上旬", "mid": "中旬", "late": "下旬"}[part] if zh \
            else f"{part} {_MON_EN[m - 1]} {y}"
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
        return f"{y}年" + {"early": "初", "mid": "中", "late": "底"}[part] if zh else f"{part} {y}"
    if precision == "year" and shape == "year" and y == end.year:
        return f"{y}年" if zh else f"{y}"
    if shape == "year" and y != end.year:
        return f"{y}年至{end.year}年" if zh else f"{y}–{end.year}"
    if zh:
        return f"{y}年{m}月{start.day}日至{end.year}年{end.month}月{end.day}日"
    return f"{_day_en(start)} – {_day_en(end)}"
