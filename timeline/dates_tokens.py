"""The word tables and the tokenizer of timeline.dates.

Everything that names a convention lives in the three tables at the top (BOUNDARIES,
HOLIDAYS, RELATIVE_SPANS); the token regexes for their words are built from them, so a
word added to a table is read at once. `_tokenize` turns normalised text into tokens
(kind, payload, start, end); 'set' tokens carry field values (year, month, day, quarter,
part of a month/quarter/year, holiday, ...) that timeline.dates_fields turns into an
interval. Import direction: dates -> dates_fields -> dates_tokens -> dates_zh.
"""

from __future__ import annotations

import functools
import re

from timeline.dates_zh import ZH_NUMERAL_CLASS, zh_number
from timeline.errors import DateParseError

BOUNDARIES: dict[tuple[str, str], tuple[int, int, tuple[str, ...]]] = {
    ("month", "early"): (1, 10, ("上旬", "月初", "early", "beginning of", "start of", "伊始")),
    ("month", "mid"): (11, 20, ("中旬", "月中", "mid", "middle of")),
    ("month", "late"): (21, 31, ("下旬", "月底", "月末", "late", "end of")),
    ("quarter", "early"): (1, 1, ("季初", "季度初", "Q3初", "early", "beginning of", "start of")),
    ("quarter", "mid"): (2, 2, ("mid", "middle of")),
    ("quarter", "late"): (3, 3, ("季末", "季度末", "季底", "Q3末", "late", "end of")),
    ("year", "early"): (1, 4, ("年初", "开年", "伊始", "early", "beginning of", "start of")),
    ("year", "mid"): (5, 8, ("年中", "mid", "mid-", "middle of")),
    ("year", "late"): (9, 12, ("年底", "年末", "late", "end of")),
}
"""The one table of boundary conventions for parts of a month, a quarter or a year.

Key (level, part) -> (first, last, words). For "month" the numbers are days of the month
(31 means the last day, whatever the month), for "quarter" the month of the quarter
(季末 / "end of Q3" = its last month, precision "month"), for "year" they are months: a
year is cut in thirds (Jan–Apr, May–Aug, Sep–Dec) as 上旬/中旬/下旬 cut a month. The words
are the ones that select the row; "late 2025", "end of 2025", "2025年底" and "2025年末" are
one and the same interval. A bare 季末 is the latest quarter-end month starting by the base.
"""

HOLIDAYS: dict[str, tuple[tuple[int, int] | str, tuple[str, ...]]] = {
    "new-year": ((1, 1), ("元旦", "New Year's Day")),
    "valentine": ((2, 14), ("情人节", "Valentine's Day")),
    "women": ((3, 8), ("妇女节", "三八妇女节", "International Women's Day", "Women's Day")),
    "labour": ((5, 1), ("劳动节", "五一劳动节", "五一", "May Day")),
    "children": ((6, 1), ("儿童节", "六一儿童节", "六一")),
    "party": ((7, 1), ("建党节", "七一")),
    "national": ((10, 1), ("国庆节", "国庆")),
    "halloween": ((10, 31), ("万圣节", "Halloween")),
    "singles": ((11, 11), ("双十一", "双11", "Singles' Day")),
    "double12": ((12, 12), ("双十二", "双12")),
    "christmas-eve": ((12, 24), ("平安夜", "Christmas Eve")),
    "christmas": ((12, 25), ("圣诞节", "圣诞", "Christmas Day", "Christmas", "Xmas")),
    "new-years-eve": ((12, 31), ("New Year's Eve",)),
    "spring": ("spring", ("春节", "Chinese New Year", "Lunar New Year", "Spring Festival")),
    "lunar-eve": ("eve", ("除夕", "Chinese New Year's Eve", "Lunar New Year's Eve")),
    "lantern": ("lantern", ("元宵节", "Lantern Festival")),
    "dragon-boat": ("dragon-boat", ("端午节", "端午", "Dragon Boat Festival")),
    "mid-autumn": ("mid-autumn", ("中秋节", "中秋", "Mid-Autumn Festival")),
}
"""The one table of holidays: key -> ((month, day) or a timeline.dates_lunar festival, words).

A holiday is a day (precision "day"). With a year ("2025年国庆", "Christmas 2024") or a
relative year (去年万圣节) it is that year's day; bare, the most recent one not after the
base. Lunar festivals take their Gregorian date in that Gregorian year from the table in
timeline.dates_lunar (2000–2050; 春节 is the first day of the lunar year, 除夕 the day
before it). 前后 / 前夕 / about mark a holiday approximate, and so does 期间 / 假期 /
"during" (a holiday is kept over several days); after other dates 期间 is ignored.
Words made only of numerals (五一, 六一, 七一) are read only as whole words.
"""

RELATIVE_SPANS: dict[str, tuple[str, int, int, tuple[str, ...]]] = {
    "just-after": ("end", 0, 9, ("刚过", "过后", "之后不久", "后不久", "just after", "shortly after",
                                 "soon after", "right after")),
    "recent-days": ("base", -10, 0, ("近日", "日前")),
    "recent": ("base", -30, 0, ("近期", "最近", "recently", "lately")),
}
"""The one table of vague spans: key -> (anchor, first, last, words), always approximate.

"end": days counted from the last day of the date the word goes with ("2026年元旦刚过" =
Jan 1–Jan 10 2026, "just after Q1 2025" = Mar 31–Apr 9); "base": days counted from the
base (近日 = base − 10 days … base; 近期 / 最近 / recently = base − 30 days … base; 近期 is
read as the recent past, never the near future). The interval's precision is the one a
written span of those days has: "days" within one month, else "range".
"""

_PART_WORDS = {"early": "early", "beginning": "early", "start": "early", "初": "early",
               "上旬": "early", "mid": "mid", "middle": "mid", "中": "mid", "中旬": "mid",
               "late": "late", "end": "late", "底": "late", "末": "late", "下旬": "late",
               "伊始": "early"}

_MON_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ZH_ORDINAL = "一二三四"
_GENERIC_HELP = "try 2025-04-15, 'Sep 2025' or '2025年9月下旬'"



class _NoRule(Exception):
    """No rule reads these tokens (the caller may try dateparser)."""


# ------------------------------------------------------------------------------ tokens

_ZN = f"[{ZH_NUMERAL_CLASS}]"
_ZD = "[一二三四五六七八九十]"
_MID = "中(?![国华文央心期间部东西南北秋])"
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


def _fold(word: str) -> str:
    return re.sub(r"[\s'\-]+", "", word.lower())


# words that are also parts of common non-date words: 中国庆祝, 圣诞老人, Christmas tree
_GUARDS = {"国庆": "(?![祝贺功幸])", "圣诞": "(?![老树歌帽卡礼])",
           "Christmas": r"(?!\s+(?:trees?|cards?|gifts?|presents?|carols?)(?![a-z]))"}


def _words_re(words) -> str:
    """One alternation for table words, longest first: English words are case- and
    space-insensitive ("New Year's Day", "new years day"); numeral-only Chinese words
    (五一) must not touch other numerals, words ending in a digit (双11) other digits."""
    words = set(words)
    out, english = [], []
    for word in sorted(words, key=len, reverse=True):
        guard = _GUARDS.get(word, "")
        if word.isascii():
            pat = re.escape(word).replace(r"\ ", r"\s+").replace("'", "'?").replace(r"\-", r"[-\s]?")
            english.append(pat + guard)
            continue
        pat = re.escape(word) + guard
        if all(c in ZH_NUMERAL_CLASS for c in word):
            pat = f"(?<![{ZH_NUMERAL_CLASS}]){pat}(?![{ZH_NUMERAL_CLASS}])"
        out.append(pat + (r"(?!\d)" if word[-1].isdigit() else ""))
    first = {c for w in words for c in (w[0].lower(), w[0].upper())}
    # the look-ahead on the first character lets the regex skip the whole list at once
    return f"(?=[{re.escape(''.join(sorted(first)))}])(?:" + \
        "|".join(out + ([_w("|".join(english))] if english else [])) + ")"


_HOLIDAY_KEYS = {_fold(w): key for key, (_, words) in HOLIDAYS.items() for w in words}
_HOLIDAY_RE = _words_re(w for _, words in HOLIDAYS.values() for w in words)
_RELSPAN_KEYS = {_fold(w): key for key, (*_, words) in RELATIVE_SPANS.items() for w in words}
_RELSPAN_RE = _words_re(w for *_, words in RELATIVE_SPANS.values() for w in words)

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
    ("zqpart", r"季度?(?P<zqp_p>初|末|底)"),
    ("zqsuffix", r"(?:(?<=[季度])|(?<=Q[1-4]))(?P<zqs_p>初|末|底)"),
    ("zhalf", r"(?P<zh_w>上|下)半年度?"),
    ("zmonth", rf"(?<!\d)(?P<zm_n>\d{{1,2}}|{_ZD}{{1,3}})\s*月份?"
               rf"(?:\s*(?:(?P<zm_x>{_XUN})|(?P<zm_p>{_ZPART})(?!旬)))?"),
    ("zmrel", rf"(?P<zmr_w>本|这个?|当|上个?|下个?)月(?:\s*(?:(?P<zmr_x>{_XUN})|"
              rf"(?P<zmr_p>{_ZPART})(?!旬)))?"),
    ("zmpart", rf"月(?P<zmp_p>{_ZPART})(?!旬)"),
    ("zxun", rf"(?P<zx_x>{_XUN})"),
    ("zday", rf"(?<!\d)(?P<zd_n>\d{{1,2}}|{_ZD}{{1,3}})\s*[日号]"),
    ("zdrel", r"(?P<zdr_w>大前天|前天|昨天|昨日|今天|今日|明天|明日|大后天|后天)"),
    ("holiday", f"(?P<hol_w>{_HOLIDAY_RE})"),
    ("relspan", f"(?P<rs_w>{_RELSPAN_RE})"),
    ("kainian", r"开年(?![会度])"),
    ("yishi", r"伊始"),
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
               r"|左右|前后|前夕|大约|大概|约"),
    ("connnow", r"至今|迄今|到现在|到今天"),
    ("since", _w("since") + "|以来"),
    ("conn", _w("to|through|thru|until|till|til|and") + "|-|至|到|和|与|及|、"),
    ("from", _w("from|between") + "|从|自|在"),
    ("betend", r"之间|间"),
    ("num", r"(?<!\d)(?P<num_n>\d+)"),
    ("zhnum", rf"(?P<zn_n>{_ZD}{{1,3}})"),
    ("during", _w("during") + "|期间|假期"),
    ("comma", ","),
    ("noise", _w(r"the|of|on|in|at|by|as\s+of|year|dated") +
              r"|[.;:()（）]|的|截至|截止(?:到|至)?|盘后|盘前|晚间|早间|晚上|早上|凌晨|上午|"
              r"下午|中午|晚|早|当天|当日|于|时"),
]


@functools.cache
def _token_re() -> re.Pattern:
    """All the token patterns as one regular expression, compiled on first use: it takes
    30 ms, which commands that only show stored dates (build, list, export) need not spend."""
    return re.compile("|".join(f"(?P<{name}>{pat})" for name, pat in _TOKEN_SPECS), re.IGNORECASE)


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
    if kind == "holiday":
        key = _HOLIDAY_KEYS[_fold(g("hol_w"))]
        value = HOLIDAYS[key][0]
        fields = {"month": value[0], "day": value[1]} if isinstance(value, tuple) else {"lunar": value}
        return [("set", fields), ("holiday", key)]
    if kind == "relspan":
        key = _RELSPAN_KEYS[_fold(g("rs_w"))]
        if RELATIVE_SPANS[key][0] == "base":
            return [("set", {"recent": key}), ("approx", None)]
        return [("after", key), ("approx", None)]
    if kind == "kainian":
        return [("set", {"part_y": "early"})]
    if kind == "yishi":
        return [("part", "early")]
    if kind in ("zqpart", "zqsuffix"):
        return [("set", {"part_q": _PART_WORDS[g("zqp_p" if kind == "zqpart" else "zqs_p")]})]
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
        return [("conn", "list" if word == "、" else "and" if word in ("and", "和", "与", "及")
                 else "-")]
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
    token_re = _token_re()
    while pos < n:
        if text[pos].isspace():
            pos += 1
            continue
        m = token_re.match(text, pos)
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

