"""Extract: news articles → candidate events for a person to review.

Reads plain text, Markdown or HTML in Chinese (simplified or traditional) or English and
proposes events: the date expression and what it means, the sentence it stands in (the
evidence, for the reviewer only), a category from the words around the date, the people,
organisations and products named, a short title, a confidence, and whether the database
already holds the event. No model, nothing downloaded: regular expressions, keyword
tables and the tags the database already knows.

The flow, one function each:

1. `read_article`: bytes → plain text (html.parser for HTML, a light strip for Markdown).
2. `_Doc`: a 1:1 normalised copy of the text (traditional → simplified for the words the
   tables need, full-width → ASCII), so offsets into it are offsets into the original;
   sentences split on 。！？；.!? and newlines.
3. `_find_dates`: one compiled regex finds date spans; each span is read by
   `dates.parse_date` (cached), with the year the text has just set ("2025年…5月29日").
   Comparison bases ("去年同期", "较2024年"), "今年以来"-style periods and datelines are
   dropped: they are not dates of events.
4. `_Known` finds tags: the database's tags (and their Chinese names), model names with
   versions ("可灵2.1", "Kling 2.5 Turbo"), people next to a job title.
5. `_classify` scores the categories by keyword tables, weighted by the distance from the
   date; `_title` and `_confidence` follow from category, tags and date.
6. `_merge` joins mentions of one fact (same category, overlapping dates, a shared
   specific tag or the same action) within and across articles; `_already` looks the
   result up among the events in the database.
"""

from __future__ import annotations

import bisect
import html.parser
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

from timeline import dates, records
from timeline.errors import DateParseError, InputFormatError, ValidationError
from timeline.models import CATEGORIES

#: candidates below this confidence are not proposed
MIN_CONFIDENCE = 0.4

# ------------------------------------------------------------------ reading articles

HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}


@dataclass(frozen=True)
class SourceInfo:
    """What a citation of the article says: the contract shape of docs/formats.md."""

    title: str | None = None
    publisher: str | None = None
    url: str | None = None
    published: str | None = None
    locator: str | None = None
    language: str | None = None

    def to_dict(self) -> dict:
        return {"title": self.title, "publisher": self.publisher, "url": self.url,
                "published": self.published, "locator": self.locator}


@dataclass
class Article:
    text: str
    source: SourceInfo
    base: date | None = None


def read_article(path: Path) -> tuple[str, str | None]:
    """The plain text of an article file and its headline (None if it shows none)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputFormatError("no such file", path=str(path)) from None
    except IsADirectoryError:
        raise InputFormatError("is a folder, not a file", path=str(path)) from None
    except OSError as e:
        raise InputFormatError(e.strerror or str(e), path=str(path)) from None
    if b"\x00" in raw[:65536]:
        raise InputFormatError("is a binary file, not an article (plain text, Markdown or "
                               "HTML)", path=str(path))
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        try:
            content = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise InputFormatError(f"is not UTF-8 text (byte {e.start}); save the article "
                                   "as UTF-8", path=str(path)) from None
    controls = sum(1 for ch in content[:65536] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > max(3, len(content[:65536]) // 200):
        raise InputFormatError("is a binary file, not an article (plain text, Markdown or "
                               "HTML)", path=str(path))
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES or (suffix not in MARKDOWN_SUFFIXES and re.match(
            r"\s*(<!doctype html|<html|<head|<body|<article|<div|<p[\s>])", content, re.I)):
        return html_text(content)
    if suffix in MARKDOWN_SUFFIXES:
        return markdown_text(content)
    text = content.replace("\r\n", "\n").replace("\r", "\n")
    return text, _headline(text)


class _HTMLText(html.parser.HTMLParser):
    BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
             "td", "th", "table", "article", "section", "header", "footer", "blockquote",
             "pre", "figcaption", "figure", "main", "aside", "nav", "dd", "dt", "hr"}
    SKIP = {"script", "style", "noscript", "template", "svg", "iframe", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.title: list[str] = []
        self.h1: list[str] = []
        self._in = ""

    def handle_starttag(self, tag, attrs):
        if tag == "title" or tag == "h1":
            self._in = tag
        if tag in self.SKIP:
            self.skip += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = ""
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if self._in == "title":
            self.title.append(data)
        elif self._in == "h1" and not self.skip:
            self.h1.append(data)
        if not self.skip:
            self.parts.append(data)


def html_text(content: str) -> tuple[str, str | None]:
    parser = _HTMLText()
    parser.feed(content)
    parser.close()
    text = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    text = "\n".join(line for line in lines if line)
    head = " ".join("".join(parser.h1).split()) or " ".join("".join(parser.title).split())
    return text, head or _headline(text)


def markdown_text(content: str) -> tuple[str, str | None]:
    text = content.replace("\r\n", "\n")
    text = re.sub(r"\A---[ \t]*\n.*?\n---[ \t]*\n", "", text, flags=re.S)
    text = re.sub(r"^```.*?^```[ \t]*$", "", text, flags=re.S | re.M)
    heading = re.search(r"^#\s+(.+)$", text, re.M)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>\n]+>", "", text)
    text = re.sub(r"^[ \t]{0,3}(?:#{1,6}|>+|[-*+]|\d+[.)])[ \t]+", "", text, flags=re.M)
    text = re.sub(r"(\*\*|__|`)", "", text)
    text = re.sub(r"(?<![\w*])\*(?=\S)([^*\n]+?)\*", r"\1", text)
    return text, heading.group(1).strip(" #") if heading else _headline(text)


def _headline(text: str) -> str | None:
    """The first short line that reads like a headline (no sentence-final stop)."""
    for line in text.splitlines()[:12]:
        line = line.strip()
        if 8 <= len(line) <= 80 and not re.search(r"[。.!?！？]$", line):
            return line
        if len(line) > 80:
            return None
    return None


# ------------------------------------------------------------------ normalisation

_TRAD = ("發髮離約談調財報營線會長總監務產業億萬號個靈視頻訊時間與從對於後東門問應為這來過"
         "還進運達邊電網絡雲書圖習據點齊華團國際導層師幣廣歲歷當體擊衝戰選遷證組織級紀結統"
         "經續維聯職舉處規範認評試論貨負責貴費資賽購車軟輪轉辦釋針鏈錄閉開關陸險隊雙難韓頁"
         "項順預領頭題額風飛驅鬥龍嗎們價儘優兒內兩冊劃動勝勢區協單賣衛廠歸壓員喚嚴夠夢奪學"
         "實寫將專尋屆嶺幾庫廳彈徵態慮懷戶拋損搶擴攝數斷昇曉朧條樂標樣權氣決沒況測準濟無爭"
         "狀獎現畫畝疊盤眾碼確稅穩競筆節築簡納紙紅練縮績繼罰義聞聲腦膽興舊藝蘇術補裝複覽覺"
         "親觀計訂記許設訪詢話該誤說請諾讀變貝貢販貫貸貼貿賓賺贏趕趨躍軍載輕輸農連週遊違遞"
         "遠適鐘鋒錢錯鍵鎖閃閱陽階隨隱雜雞靜響須頒顆顯類館馬驗鬧魯鳥佈併傳僅儲償場麼裡裏機"
         "構戲譽圍園圓壇壞壽夥奧婦媽孫寧寶審島帳帶幫廢彌徑復徹恆悅惡愛慣慶憂懸擁擇擔攜敗敵"
         "斂晝暢曆極槍樓榮歐殺毀滅湯溝滿漢漲潛澤濕災烏煙熱燈爛牽獨獲環異癥盜盡碩禮積窮簽籃"
         "粵糧純紛細終絕給綜綠緊編緣縣繳纜罷羅聖聽肅腳臉臨艱莊葉著蘭虛蟲製襲觸訓託訴診詞詳"
         "誠誌誕語課諸謀講謝識譜議護讓讚豐貓貞賀賈賞賠質賬賴贈贊趙跡踐蹤軌較輔輛輯辭迴遙遲"
         "遺邁鄉鄭醫鈞鋪銀銷鋼鍊鎮鏡鐵閒閣闆陣陳陰頂頓顏願顧飯飲飾餘驚魚鮮鳳鴻麥黃黨齡擬濾"
         "勵檢屬憑檔歡爾礎稱紹脫薦衆轟雖驟鬆")
_SIMP = ("发发离约谈调财报营线会长总监务产业亿万号个灵视频讯时间与从对于后东门问应为这来过"
         "还进运达边电网络云书图习据点齐华团国际导层师币广岁历当体击冲战选迁证组织级纪结统"
         "经续维联职举处规范认评试论货负责贵费资赛购车软轮转办释针链录闭开关陆险队双难韩页"
         "项顺预领头题额风飞驱斗龙吗们价尽优儿内两册划动胜势区协单卖卫厂归压员唤严够梦夺学"
         "实写将专寻届岭几库厅弹征态虑怀户抛损抢扩摄数断升晓胧条乐标样权气决没况测准济无争"
         "状奖现画亩叠盘众码确税稳竞笔节筑简纳纸红练缩绩继罚义闻声脑胆兴旧艺苏术补装复览觉"
         "亲观计订记许设访询话该误说请诺读变贝贡贩贯贷贴贸宾赚赢赶趋跃军载轻输农连周游违递"
         "远适钟锋钱错键锁闪阅阳阶随隐杂鸡静响须颁颗显类馆马验闹鲁鸟布并传仅储偿场么里里机"
         "构戏誉围园圆坛坏寿伙奥妇妈孙宁宝审岛帐带帮废弥径复彻恒悦恶爱惯庆忧悬拥择担携败敌"
         "敛昼畅历极枪楼荣欧杀毁灭汤沟满汉涨潜泽湿灾乌烟热灯烂牵独获环异症盗尽硕礼积穷签篮"
         "粤粮纯纷细终绝给综绿紧编缘县缴缆罢罗圣听肃脚脸临艰庄叶着兰虚虫制袭触训托诉诊词详"
         "诚志诞语课诸谋讲谢识谱议护让赞丰猫贞贺贾赏赔质账赖赠赞赵迹践踪轨较辅辆辑辞回遥迟"
         "遗迈乡郑医钧铺银销钢炼镇镜铁闲阁板阵陈阴顶顿颜愿顾饭饮饰余惊鱼鲜凤鸿麦黄党龄拟滤"
         "励检属凭档欢尔础称绍脱荐众轰虽骤松")
assert len(_TRAD) == len(_SIMP)
_MAP: dict[int, str] = {c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
_MAP.update({0x3000: " ", 0x00A0: " "})
_MAP.update({ord(t): s for t, s in zip(_TRAD, _SIMP)})
_MAP.update({ord(c): "-" for c in "‐‑‒–—―−〜～﹣"})
# keep the Chinese sentence stops distinct from ASCII ones
_MAP.update({0xFF01: "！", 0xFF1F: "？", 0xFF1B: "；"})
_TRAD_ONLY = set(_TRAD) - set(_SIMP)


def normalise(text: str) -> str:
    """A one-character-for-one-character simplified, half-width copy (offsets kept)."""
    return text.translate(_MAP)


def language_of(text: str) -> str:
    sample = text[:20000]
    cjk = sum(1 for ch in sample if "\u4e00" <= ch <= "\u9fff")
    if cjk < max(20, len(sample) // 50):
        return "en"
    trad = sum(1 for ch in sample if ch in _TRAD_ONLY)
    return "zh-Hant" if trad > cjk / 40 else "zh-Hans"


_CUT_RE = re.compile(r"[。！？；!?;\n]+|\.(?=\s+[\"“'(A-Z]|\s*$)")


def split_sentences(norm: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, whitespace trimmed."""
    out, pos = [], 0
    for m in _CUT_RE.finditer(norm):
        _add_sentence(norm, pos, m.end(), out)
        pos = m.end()
    _add_sentence(norm, pos, len(norm), out)
    return out


def _add_sentence(norm: str, a: int, b: int, out: list) -> None:
    while a < b and norm[a].isspace():
        a += 1
    while b > a and norm[b - 1].isspace():
        b -= 1
    if b > a:
        out.append((a, b))


# ------------------------------------------------------------------ dates in running text

_ZMON = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_ZDAY = r"(?:3[01]|[12][0-9]|0?[1-9]|三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九])"
_ZMPART = r"(?:上旬|中旬|下旬|初(?![步次心衷始创])|底|末|中(?=[,，。、；\s的]))"
_ZMONTH = (rf"(?<![\d.]){_ZMON}\s*月份?(?![活度])(?:\s*{_ZDAY}\s*[日号])?(?:\s*{_ZMPART})?")
_ZQ = r"(?:第\s*[一二三四1-4]\s*季度?(?!报)|[一二三四1-4]\s*季度|[一二三四]季报|Q[1-4](?![0-9])|H[12](?![0-9])|[上下]半年|前三季度)"
_FEST = r"(?:元旦|万圣节|圣诞节?|国庆|双十一|双11)"
_ZMONTH_BARE = _ZMONTH.replace(r"(?<![\d.])", "")
_ZTAIL = (rf"(?:\s*(?:{_ZQ}|全年|{_ZMONTH_BARE}|初(?![步次心衷始创])|"
          rf"底|末|{_FEST}))?")
_ZH_DATE = (rf"(?<![\d.]){'(?:19|20)'}\d{{2}}\s*(?:年度?|财年|(?=\s*(?:Q[1-4]|H[12]|全年|第)))"
            rf"{_ZTAIL}"
            rf"|(?<![以此之])(?:今|去|前|明|本|同|当|次|翌)年度?{_ZTAIL}"
            rf"|{_ZMONTH}|(?<![A-Za-z0-9]){_ZQ}|元旦|(?:上个?|本)月(?!份?[0-9一二三四五六七八九十])")
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
            rf"|(?<=\b[Ii]n\s){_EYEAR}\b|(?<=\b[Ss]ince\s){_EYEAR}\b|(?<=\b[Dd]uring\s){_EYEAR}\b")
_DATE_RE = re.compile(f"{_ZH_DATE}|{_EN_DATE}")
_RANGE_CONN = re.compile(r"\s*(?:至|到|-|和|与|及|\bto\b|\buntil\b|\bthrough\b)\s*")

_FESTIVAL_DAYS = {"元旦": "1月1日", "万圣节": "10月31日", "圣诞节": "12月25日", "圣诞": "12月25日",
                  "国庆": "10月1日", "双十一": "11月11日", "双11": "11月11日"}
_CMP_BEFORE = re.compile(r"(?:较|比|相比|相较|对比|比起|较之|高于|低于|慢于|快于|好于|优于|差于|"
                         r"多于|少于|不及|同比|环比|"
                         r"compared (?:with|to)|than|versus|vs\.?|from)\s*(?:the\s+)?$", re.I)
_CMP_AFTER = re.compile(r"^\s*(?:同期|同比|以来|至今|迄今|来[,，的]|水平|基数|口径|"
                        r"levels?\b|a year (?:earlier|ago)|to date)", re.I)
_DURATION_BEFORE = re.compile(r"(?:仅|已|共|长达|历时|为期|for)\s*$")
_FUTURE = re.compile(r"预计|将|计划|有望|目标|预期|预测|到\s*$|\b(?:will|expects?|plans?|by)\b")
_TIME_OF_DAY = re.compile(r"\b\d{1,2}:\d{2}\b")


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
    """The text to hand to parse_date: festivals as days, 'and' as a range, 同年 resolved."""
    text = span
    for word, day in _FESTIVAL_DAYS.items():
        if word in text:
            text = text.replace(word, day)
            break
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


def _find_dates(doc: "_Doc") -> list[tuple[int, int, DateInfo, bool]]:
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
        found.append((s, e, info, bool(_FUTURE.search(before)) or (
            base is not None and info.start > base)))
    return found


def _read_span(span: str, ctx: _Ctx, base: date | None, pos: int, doc) -> DateInfo | None:
    norm_span = normalise(span)
    ctx_year = ctx.year if pos - ctx.pos <= 300 else None
    text = _parse_text(norm_span, ctx_year)
    if text is None:
        return None
    parsed = None
    if not _has_year(text) and ctx_year is not None:
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
    if _CMP_BEFORE.search(before) or _CMP_AFTER.match(after):
        return False
    if _DURATION_BEFORE.search(before):
        return False
    line_start = norm.rfind("\n", 0, s) + 1
    line_end = norm.find("\n", e)
    line = norm[line_start:line_end if line_end >= 0 else len(norm)]
    if len(line) < 40 and (_TIME_OF_DAY.search(line) or len(line.strip()) - (e - s) < 4):
        return False   # a dateline or a date standing alone
    return True


# ------------------------------------------------------------------ tags

# Well-known names: English canonical name → aliases (Chinese, traditional forms are
# normalised away). A database tag with the same name (or alias) takes over the name.
GAZETTEER: list[tuple[str, str, tuple[str, ...]]] = [
    ("organization", "Kuaishou", ("快手", "Kuaishou")),
    ("product", "Kling", ("可灵", "Kling", "KlingAI")),
    ("product", "Kolors", ("可图", "Kolors")),
    ("product", "Jimeng", ("即梦", "Jimeng", "Dreamina")),
    ("organization", "ByteDance", ("字节跳动", "字节", "ByteDance")),
    ("product", "Douyin", ("抖音", "Douyin", "TikTok")),
    ("product", "Doubao", ("豆包", "Doubao")),
    ("organization", "Alibaba", ("阿里巴巴", "阿里", "Alibaba")),
    ("organization", "Tencent", ("腾讯", "Tencent")),
    ("organization", "Baidu", ("百度", "Baidu")),
    ("organization", "JD.com", ("京东", "JD.com")),
    ("organization", "Meituan", ("美团", "Meituan")),
    ("organization", "Xiaomi", ("小米", "Xiaomi")),
    ("organization", "Pinduoduo", ("拼多多", "Pinduoduo", "PDD")),
    ("organization", "Google", ("谷歌", "Google")),
    ("organization", "OpenAI", ("OpenAI",)),
    ("organization", "Meta", ("Meta",)),
    ("organization", "Microsoft", ("微软", "Microsoft")),
    ("organization", "Apple", ("苹果公司", "Apple")),
    ("organization", "Nvidia", ("英伟达", "Nvidia", "NVIDIA")),
    ("organization", "DeepSeek", ("DeepSeek", "深度求索")),
    ("organization", "MiniMax", ("MiniMax",)),
    ("product", "Sora", ("Sora",)),
    ("product", "Veo", ("Veo",)),
    ("product", "Runway", ("Runway",)),
    ("product", "Midjourney", ("Midjourney",)),
    ("product", "Hailuo", ("海螺", "Hailuo")),
    ("product", "Vidu", ("Vidu",)),
    ("organization", "Artificial Analysis", ("Artificial Analysis",)),
    ("organization", "Sensor Tower", ("Sensor Tower",)),
    ("organization", "SAMR", ("国家市场监督管理总局", "国家市场监管总局", "市场监管总局", "SAMR")),
    ("organization", "CAC", ("国家互联网信息办公室", "国家网信办", "网信办", "网信部门", "CAC")),
    ("organization", "NRTA", ("国家广播电视总局", "国家广电总局", "广电总局", "NRTA")),
    ("organization", "MOFCOM", ("商务部", "MOFCOM")),
    ("organization", "CSRC", ("证监会", "CSRC")),
    ("organization", "HKEX", ("港交所", "HKEX")),
]

_SURNAMES = set("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
                "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
                "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤盖宿翟殷乔庞樊兰柳")
_NAME_STOP = set("表说称在指认也曾则已将于对的和与等是为被从向就又还都亦透坦直强希介谈回告提宣")
_TITLES = (r"(?:首席执行官|首席技术官|首席财务官|首席运营官|首席科学家|CEO|CTO|CFO|COO|"
           r"高级副总裁|执行副总裁|副总裁|总裁|董事长|联合创始人|创始人|总经理|技术负责人|负责人|"
           r"事业部总经理|主管|总监|合伙人|掌门人|一把手)")
_PERSON_ZH = re.compile(_TITLES + r"(?:兼[^\s,，。]{1,8}?)?\s*(?P<name>[\u4e00-\u9fff]{2,3})")
_PERSON_EN = re.compile(r"(?:CEO|CTO|CFO|[Cc]hief [Ee]xecutive|[Pp]resident|[Ff]ounder|[Cc]hairman|"
                        r"[Hh]ead of [A-Z][\w ]{1,30}?)\s*,?\s+(?P<name>[A-Z][a-z]+(?: [A-Z][a-z]+){1,2})"
                        r"|(?P<name2>[A-Z][a-z]+ [A-Z][a-z]+), (?:the |its )?(?:CEO|CTO|CFO|chief|"
                        r"president|founder|chairman|head)")
_EDITIONS = {"Turbo": "Turbo", "Pro": "Pro", "Master": "Master", "Max": "Max", "Plus": "Plus",
             "Ultra": "Ultra", "Mini": "Mini", "Lite": "Lite", "Flash": "Flash",
             "大师版": "Master", "专业版": "Pro"}
_NOT_NAMES = {"AI", "APP", "App", "API", "ARR", "GMV", "DAU", "MAU", "CEO", "CTO", "CFO", "COO",
              "GPU", "IP", "PGC", "UGC", "PUGC", "AIGC", "FY", "TOP", "Top", "No", "iPhone",
              "The", "In", "On", "At", "By", "Since", "Version", "Phase", "Level", "Section"}
_VERSION = (r"(?P<ver>\d{1,2}\.\d{1,2}(?![\d%])|(?![QH]\d)[A-Z]\d(?![\d.%])|\d(?=\s*(?:Turbo|Pro|Master|Max|"
            r"Plus|Ultra|Flash|大师版|专业版)))(?:\s*(?P<ed>Turbo|Pro|Master|Max|Plus|Ultra|Mini|"
            r"Lite|Flash|大师版|专业版))?(?!\s*[亿万元倍%个次])")
_LATIN_MODEL = re.compile(r"(?<![A-Za-z0-9])(?P<name>[A-Z][A-Za-z]{1,15})[\s-]?(?P<ver>\d{1,2}"
                          r"(?:\.\d{1,2})?(?:o|v)?|(?![QH]\d)[A-Z]\d)(?:\s+(?P<ed>Turbo|Pro|Master|Max|Plus|"
                          r"Ultra|Mini|Lite|Flash))?(?![\w.%])(?!\s*[亿万元倍%个次年月日号])")
_VERSION_ALONE = re.compile(r"(?:升级至|升级到|升至|迭代至|迭代到|更新至|更新到|推出|发布)了?\s*"
                            r"(?P<ver>\d{1,2}\.\d{1,2})(?![\d%])\s*(?:版本?|(?P<ed>Turbo|大师版))?")


def _alternation(words: list[str], word_end: bool = True) -> re.Pattern:
    """One case-insensitive regex for many words, longest first; a lookahead on the first
    characters lets the engine skip most positions at once (the tables are long)."""
    firsts = sorted({ch for w in words for ch in (w[0].lower(), w[0].upper())})
    parts = []
    for w in sorted(words, key=len, reverse=True):
        esc = re.escape(w)
        if w.isascii():
            esc = rf"(?<![A-Za-z0-9]){esc}" + (r"(?![A-Za-z])" if word_end else "")
        parts.append(esc)
    first = "".join(re.escape(ch) for ch in firsts)
    return re.compile(rf"(?=[{first}])(?:{'|'.join(parts)})", re.I)


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
        self.alias_re = _alternation(words) if words else None
        products = sorted({a for a, (k, n) in by_alias.items() if k == "product" and len(a) > 1
                           and not re.search(r"\d", n)}, key=len, reverse=True)
        names = "|".join(rf"(?<![A-Za-z0-9]){re.escape(a)}" if a.isascii() else re.escape(a)
                         for a in products)
        self.zh_model_re = (re.compile(rf"(?P<name>{names})[\s-]?(?:AI\s*)?{_VERSION}", re.I)
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


def _find_tags(doc: "_Doc", known: Known) -> list[_TagHit]:
    norm = doc.norm
    hits: list[_TagHit] = []
    if known.alias_re:
        for m in known.alias_re.finditer(norm):
            tag = known.canonical(m.group(0))
            if tag:
                hits.append(_TagHit(m.start(), m.end(), *tag))
    # models with versions: 可灵2.1, Kling 2.5 Turbo, Veo 3, 可灵O1
    for rx in filter(None, (known.zh_model_re, _LATIN_MODEL)):
        for m in rx.finditer(norm):
            name = m.group("name")
            if name in _NOT_NAMES:
                continue
            base = known.canonical(name)
            if base is None and not name[0].isupper():
                continue
            if base is None and rx is _LATIN_MODEL and "." not in m.group("ver") \
                    and not m.group("ed"):
                continue
            hits.append(_TagHit(m.start(), m.end(), "product",
                                _model_name(base[1] if base else name, m.group("ver"),
                                            m.group("ed"), known)))
    for m in _VERSION_ALONE.finditer(norm):
        prior = [h for h in hits if h.kind == "product" and h.end <= m.start()
                 and m.start() - h.end < 60 and not re.search(r"\d", h.name)]
        if prior:
            hits.append(_TagHit(m.start(), m.end(), "product",
                                _model_name(prior[-1].name, m.group("ver"), m.group("ed"), known)))
    for m in _PERSON_ZH.finditer(norm):
        name = m.group("name")
        if name[0] not in _SURNAMES or name[1] in _NAME_STOP:
            continue
        if len(name) == 3 and name[2] in _NAME_STOP:
            name = name[:2]
        s = m.start("name")
        tag = known.canonical(name[:2]) if len(name) == 3 else None
        if tag and tag[0] == "person":
            name = name[:2]       # a known two-character name followed by a verb
        orig = doc.text[s:s + len(name)]
        tag = known.canonical(orig) or known.canonical(name)
        hits.append(_TagHit(s, s + len(name), "person", tag[1] if tag else orig))
    for m in _PERSON_EN.finditer(norm):
        g = "name" if m.group("name") else "name2"
        tag = known.canonical(m.group(g))
        hits.append(_TagHit(m.start(g), m.end(g), "person", tag[1] if tag else m.group(g)))
    hits.sort(key=lambda h: (h.start, -h.end))
    return hits


def _model_name(base: str, ver: str, edition: str | None, known: Known) -> str:
    base = re.sub(r"\s*\(.*\)$", "", base)
    name = f"{base} {ver}" + (f" {_EDITIONS.get(edition, edition)}" if edition else "")
    tag = known.canonical(name)
    return tag[1] if tag and tag[0] == "product" else name


# ------------------------------------------------------------------ categories

# (category, keyword, weight, English label). Keywords are simplified Chinese (the text is
# normalised first, so 發布/离職/約談 match too) or English (matched case-insensitively).
# "release" is model-release when the sentence names a model or a version, else product.
KEYWORDS: list[tuple[str, str, float, str]] = [
    ("release", "发布", 1.0, "released"), ("release", "推出", 1.0, "launched"),
    ("release", "上线", 1.0, "goes live"), ("release", "亮相", 0.8, "unveiled"),
    ("release", "升级", 0.8, "upgraded"), ("release", "迭代", 0.6, "upgraded"),
    ("release", "开源", 1.2, "open-sourced"), ("release", "问世", 1.0, "launched"),
    ("release", "面世", 1.0, "launched"), ("release", "横空出世", 1.2, "launched"),
    ("release", "发表", 0.6, "released"), ("release", "上新", 0.8, "launched"),
    ("release", "公测", 1.0, "opens public beta"), ("release", "内测", 0.8, "enters beta"),
    ("release", "released", 1.0, "released"), ("release", "launch", 1.0, "launched"),
    ("release", "unveil", 1.0, "unveiled"), ("release", "rolled out", 0.8, "rolled out"),
    ("release", "debut", 0.8, "debuts"), ("release", "introduced", 0.6, "introduced"),
    ("product", "功能", 0.6, "new feature"), ("product", "新功能", 1.0, "new feature"),
    ("product", "feature", 0.6, "new feature"), ("product", "上架", 0.8, "launched"),
    ("personnel", "离职", 2.5, "leaves"), ("personnel", "出走", 2.0, "leaves"),
    ("personnel", "离开", 1.2, "leaves"), ("personnel", "辞职", 2.5, "resigns"),
    ("personnel", "卸任", 2.5, "steps down"), ("personnel", "加盟", 2.0, "joins"),
    ("personnel", "加入", 0.8, "joins"), ("personnel", "任命", 2.5, "appointed"),
    ("personnel", "出任", 2.0, "appointed"), ("personnel", "接任", 2.5, "takes over"),
    ("personnel", "履新", 2.0, "takes up a new post"), ("personnel", "调任", 2.0, "moves"),
    ("personnel", "升任", 2.0, "promoted"), ("personnel", "换帅", 2.5, "leadership change"),
    ("personnel", "掌舵", 1.2, "takes the helm"), ("personnel", "高管", 0.6, "executive change"),
    ("personnel", "resign", 2.5, "resigns"), ("personnel", "steps down", 2.5, "steps down"),
    ("personnel", "appointed", 2.5, "appointed"), ("personnel", "joins", 1.2, "joins"),
    ("personnel", "departure", 2.0, "leaves"), ("personnel", "left the company", 2.5, "leaves"),
    ("personnel", "hired", 2.0, "hired"),
    ("regulatory", "立案调查", 3.5, "investigation opened"), ("regulatory", "立案", 2.0, "case opened"),
    ("regulatory", "调查", 1.0, "investigation"), ("regulatory", "约谈", 3.5, "summoned by regulator"),
    ("regulatory", "整改", 2.5, "ordered to rectify"), ("regulatory", "专项治理", 3.5, "special enforcement campaign"),
    ("regulatory", "专项行动", 3.0, "special enforcement campaign"), ("regulatory", "处罚", 2.0, "penalised"),
    ("regulatory", "罚款", 2.5, "fined"), ("regulatory", "责令", 2.5, "ordered by regulator"),
    ("regulatory", "警告", 1.2, "warned"), ("regulatory", "监管", 1.2, "regulation"),
    ("regulatory", "网信", 1.2, "regulation"), ("regulatory", "广电总局", 1.5, "regulation"),
    ("regulatory", "新规", 2.0, "new rules"), ("regulatory", "规定", 0.8, "new rules"),
    ("regulatory", "违反", 1.5, "violation"), ("regulatory", "涉嫌", 1.5, "suspected violation"),
    ("regulatory", "下架", 1.0, "taken down"), ("regulatory", "regulator", 1.5, "regulation"),
    ("regulatory", "investigation", 2.0, "investigation opened"), ("regulatory", "probe", 2.0, "investigation opened"),
    ("regulatory", "fined", 2.5, "fined"), ("regulatory", "penalty", 2.0, "penalised"),
    ("regulatory", "antitrust", 2.0, "antitrust action"), ("regulatory", "summoned", 2.5, "summoned by regulator"),
    ("earnings", "财报", 2.5, "results"), ("earnings", "季报", 2.0, "results"),
    ("earnings", "年报", 2.0, "annual results"), ("earnings", "业绩", 2.0, "results"),
    ("earnings", "营收", 1.5, "revenue"), ("earnings", "净利润", 1.5, "net profit"),
    ("earnings", "毛利", 1.0, "gross profit"), ("earnings", "财年", 1.2, "results"),
    ("earnings", "电话会", 1.5, "earnings call"), ("earnings", "经调整", 1.0, "results"),
    ("earnings", "earnings", 2.5, "results"), ("earnings", "results", 1.5, "results"),
    ("earnings", "revenue", 1.2, "revenue"), ("earnings", "net profit", 1.5, "net profit"),
    ("earnings", "net income", 1.5, "net income"), ("earnings", "quarterly", 1.0, "results"),
    ("business", "收入", 1.2, "revenue"), ("business", "年化收入", 2.0, "annualised revenue"),
    ("business", "ARR", 2.0, "annualised revenue"), ("business", "营业额", 1.5, "revenue"),
    ("business", "付费", 1.0, "paying users"), ("business", "用户", 0.8, "users"),
    ("business", "月活", 1.2, "monthly active users"), ("business", "日活", 1.0, "daily active users"),
    ("business", "下载", 1.2, "downloads"), ("business", "订阅", 1.0, "subscriptions"),
    ("business", "合作", 1.2, "partnership"), ("business", "签约", 1.5, "deal signed"),
    ("business", "续约", 1.5, "partnership renewed"), ("business", "客户", 1.0, "customers"),
    ("business", "商业化", 1.0, "commercialisation"), ("business", "收购", 2.0, "acquisition"),
    ("business", "融资", 1.5, "funding"), ("business", "投资", 0.8, "investment"),
    ("business", "突破", 0.8, "milestone"), ("business", "访问", 0.8, "visits"),
    ("business", "榜", 0.8, "chart position"), ("business", "畅销", 1.0, "top-grossing"),
    ("business", "排名", 0.8, "ranking"), ("business", "市场份额", 1.0, "market share"),
    ("business", "广告", 0.6, "advertising"), ("business", "流水", 1.0, "billings"),
    ("business", "GMV", 0.8, "GMV"), ("business", "users", 0.8, "users"),
    ("business", "subscribers", 1.0, "subscribers"), ("business", "partnership", 1.2, "partnership"),
    ("business", "acquisition", 2.0, "acquisition"), ("business", "acquire", 2.0, "acquisition"),
    ("business", "downloads", 1.2, "downloads"), ("business", "annualized", 1.5, "annualised revenue"),
    ("organization", "事业部", 2.0, "business unit set up"), ("organization", "组织架构", 2.5, "reorganisation"),
    ("organization", "架构调整", 2.5, "reorganisation"), ("organization", "变阵", 2.5, "reorganisation"),
    ("organization", "成立", 1.5, "set up"), ("organization", "合并", 1.5, "merger"),
    ("organization", "拆分", 2.0, "split"), ("organization", "重组", 2.0, "restructuring"),
    ("organization", "一级部门", 2.0, "new top-level unit"), ("organization", "部门", 0.8, "reorganisation"),
    ("organization", "整合", 1.2, "reorganisation"), ("organization", "调整", 0.6, "reorganisation"),
    ("organization", "restructur", 2.0, "restructuring"), ("organization", "reorganiz", 2.0, "reorganisation"),
    ("organization", "business unit", 2.0, "business unit set up"), ("organization", "division", 1.2, "reorganisation"),
    ("market", "股价", 2.0, "share price"), ("market", "市值", 2.0, "market value"),
    ("market", "港股", 1.2, "share price"), ("market", "股票", 1.2, "share price"),
    ("market", "上市", 1.5, "listing"), ("market", "收盘", 1.5, "share price"),
    ("market", "涨幅", 1.5, "shares rise"), ("market", "上涨", 1.0, "shares rise"),
    ("market", "下跌", 1.0, "shares fall"), ("market", "暴涨", 1.5, "shares jump"),
    ("market", "回调", 1.2, "shares fall"), ("market", "回撤", 1.2, "shares fall"),
    ("market", "高点", 1.0, "share price high"), ("market", "恒生", 1.0, "market"),
    ("market", "指数", 0.6, "market"), ("market", "估值", 1.0, "valuation"),
    ("market", "交易日", 1.2, "share price"), ("market", "港元", 1.0, "share price"),
    ("market", "shares", 1.5, "share price"), ("market", "stock", 1.5, "share price"),
    ("market", "market value", 2.0, "market value"), ("market", "market cap", 2.0, "market value"),
    ("market", "IPO", 2.0, "listing"), ("market", "listed", 1.5, "listing"),
    ("campaign", "活动", 1.5, "campaign"), ("campaign", "大赛", 2.0, "contest"),
    ("campaign", "挑战赛", 2.0, "challenge"), ("campaign", "征集", 1.5, "open call"),
    ("campaign", "促销", 1.5, "promotion"), ("campaign", "补贴", 1.2, "subsidies"),
    ("campaign", "专场", 1.5, "campaign"), ("campaign", "发起", 1.2, "campaign launched"),
    ("campaign", "计划", 0.6, "programme"), ("campaign", "举办", 1.5, "event held"),
    ("campaign", "专项", 1.0, "campaign"), ("business", "累计", 1.0, "cumulative figures"), ("campaign", "campaign", 2.0, "campaign"),
    ("campaign", "contest", 2.0, "contest"), ("campaign", "promotion", 1.5, "promotion"),
    ("other", "周年", 1.5, "anniversary"), ("other", "市场规模", 1.2, "market size"),
    ("other", "market size", 1.2, "market size"), ("product", "工具", 0.6, "new tool"), ("other", "anniversary", 1.5, "anniversary"),
]
_KW_INDEX = {kw.casefold(): (cat, w, label) for cat, kw, w, label in KEYWORDS}
_KW_RE = _alternation(list(_KW_INDEX), word_end=False)
_MODEL_WORD = re.compile(r"模型|版本|model|version|\bv?\d\.\d\b", re.I)
_METRIC_ONLY = {"business", "earnings", "market"}


@dataclass
class _Kw:
    start: int
    end: int
    category: str
    weight: float
    label: str
    word: str


_CLAUSE = re.compile(r"[,，:：;；]|\s[-–—]\s")


def _classify(kws: list[_Kw], s: int, e: int, tags: list[_TagHit],
              sentence: str, models: set = frozenset(), norm: str = ""
              ) -> tuple[str, float, _Kw | None]:
    """The best category for a date at [s, e) and its score and keyword."""
    scores: Counter = Counter()
    best_kw: dict[str, tuple[float, _Kw]] = {}
    def sentence_text(_kw, a, b):
        return norm[a:b]

    feature = any(k.category == "product" for k in kws)
    model = any(t.kind == "product" and (re.search(r"\d|O1", t.name) or
                                         (t.name in models and not feature))
                for t in tags) or bool(_MODEL_WORD.search(sentence))
    placed = []
    for kw in kws:
        if kw.start >= e:
            dist, between = kw.start - e, sentence_text(kw, e, kw.start)
        else:
            dist, between = s - kw.end, sentence_text(kw, kw.end, s)
        placed.append((kw, dist, not _CLAUSE.search(between)))
    own_clause = any(same for _, _, same in placed)
    for kw, dist, same in placed:
        factor = (1.5 if dist <= 4 else 1.0) if same else \
            (0.25 if own_clause else 0.6 if dist <= 20 else 0.4)
        cat = kw.category
        if cat == "release":
            cat = "model-release" if model else "product"
        value = kw.weight * factor
        scores[cat] += value
        if cat not in best_kw or value > best_kw[cat][0]:
            best_kw[cat] = (value, kw)
    if not scores:
        return "other", 0.0, None
    cat, score = max(scores.items(), key=lambda kv: (kv[1], kv[0] == "model-release"))
    return cat, score, best_kw[cat][1]


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


class _Doc:
    def __init__(self, article: Article) -> None:
        self.text = article.text
        self.norm = normalise(article.text)
        self.base = article.base
        self.source = article.source
        self.sentences = split_sentences(self.norm)
        self._sent_starts = [s for s, _ in self.sentences]
        self._para_starts = [0] + [m.end() for m in re.finditer(r"\n", self.norm)]

    def paragraph_of(self, pos: int) -> int:
        return bisect.bisect_right(self._para_starts, pos) - 1

    def sentence_index(self, pos: int) -> int:
        return max(bisect.bisect_right(self._sent_starts, pos) - 1, 0)


def _keyword_ok(norm: str, m: re.Match) -> bool:
    """Words that are part of another word here: 上线 in 线上线下, 发布 in 发布会上的…"""
    word, a, b = m.group(0), m.start(), m.end()
    if word == "上线":
        return norm[a - 1:a] != "线" and norm[b:b + 1] != "下"
    if word == "成立":
        return norm[b:b + 1] not in "于以"
    return True


def _mentions(article: Article, known: Known) -> list[Mention]:
    doc = _Doc(article)
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
        own = [(h.kind, h.name) for h in hits if a <= h.start < b]
        if category in _METRIC_ONLY and focus and subject and \
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
    a period in the sentence of a day-precise date of the same category is dropped."""
    out = []
    for m in mentions:
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


_ATTRIBUTION = re.compile(r"(?:根据|据|来自|引用|according to|data from)\s*$", re.I)
_ATTRIBUTION_AFTER = re.compile(r"^\s*(?:的?数据|统计|报告|显示|测算|data|report)", re.I)


def _subject(hits: list[_TagHit], pos: int, sentence_start: int,
             norm: str = "") -> _TagHit | None:
    """Whom a date is about: the organisation or product named last before it (in its
    sentence), else the first named after it, else the subject carried over. A source
    of figures ("根据Sensor Tower数据") is not the subject."""
    named = [h for h in hits if h.kind in ("organization", "product") and not (
        norm and (_ATTRIBUTION.search(norm[max(0, h.start - 6):h.start])
                  or _ATTRIBUTION_AFTER.match(norm[h.end:h.end + 6])))]
    before = [h for h in named if sentence_start <= h.start < pos]
    if before and before[-1].end < pos - 40:
        before = []
    if before:
        return before[-1]
    after = [h for h in named if h.start >= pos]
    return after[0] if after else (named[0] if named else None)


def _sentence_tags(doc: _Doc, index: int, tag_hits: list[_TagHit],
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


_PRECISION_BONUS = {"day": 0.15, "days": 0.12, "month-part": 0.12, "month": 0.1, "months": 0.08,
                    "quarter": 0.06, "half": 0.04, "year-part": 0.03, "year": 0.0, "range": 0.02}


def _confidence(group: list[Mention], d: DateInfo, category: str, tags, focus) -> float:
    score = max(m.score for m in group)
    c = 0.25 + min(0.35, 0.12 * score) + _PRECISION_BONUS.get(d.precision, 0)
    c += min(0.2, 0.07 * len(tags))
    if focus and any(t in focus for t in tags):
        c += 0.05
    sources = {m.source for m in group}
    c += min(0.21, 0.07 * (len(sources) - 1)) + min(0.06, 0.03 * (len(group) - len(sources)))
    if all(m.future for m in group):
        c -= 0.15
    if category == "other" and score == 0:
        c -= 0.05
    if category in _METRIC_ONLY and score < 1.5:
        c -= 0.05
    return round(max(0.05, min(0.98, c)), 2)


def _group_tags(group: list[Mention]) -> list[tuple[str, str]]:
    counts: Counter = Counter()
    first: dict = {}
    for i, m in enumerate(group):
        for j, t in enumerate(m.tags):
            counts[t] += 1
            first.setdefault(t, (i, j))
    tags = sorted(counts, key=lambda t: (-counts[t], first[t]))
    return tags[:8]


def _title(category: str, tags: list[tuple[str, str]], kw: _Kw | None, d: DateInfo,
           focus) -> str:
    def first(*kinds, versioned=False):
        for k in kinds:
            for kind, name in tags:
                if kind == k and (not versioned or re.search(r"\d|O1", name)):
                    return name
        return None

    org = None
    for kind, name in tags:
        if kind == "organization" and (kind, name) in focus:
            org = name
            break
    org = org or first("organization")
    product = first("product", versioned=True) or first("product")
    label = kw.label if kw else ""
    period = d.display("en")
    if category == "model-release":
        subject = first("product", versioned=True) or product or org or "New model"
        return f"{subject} {label or 'released'}"
    if category == "product":
        subject = product or org or "New product"
        return f"{subject}: {label or 'new product'}" if label in ("new feature",) else \
            f"{subject} {label or 'launched'}".replace("released", "launches a new feature")
    if category == "personnel":
        person = first("person")
        if person:
            if label in ("leaves", "joins") and org:
                return f"{person} {label} {org}"
            return f"{person} {label or 'changes role'}"
        return f"{org or 'Executive'}: {label or 'leadership change'}"
    if category == "regulatory":
        regulators = {"SAMR", "CAC", "NRTA", "MOFCOM", "CSRC"}
        target = next((n for k, n in tags if k == "organization" and n not in regulators), None)
        return f"{target or org or 'Regulator'}: {label or 'regulatory action'}"
    if category == "earnings":
        return f"{org or product or 'Company'} {period} {'results' if label in ('', 'results', 'revenue', 'net profit', 'net income', 'gross profit', 'earnings call', 'annual results') else label}"
    if category == "business":
        return f"{product or org or 'Business'}: {label or 'business update'}, {period}"
    if category == "market":
        return f"{org or product or 'Market'}: {label or 'market move'}, {period}"
    subject = product or org or first("person") or CATEGORIES[category][0]
    return f"{subject}: {label or CATEGORIES[category][0].lower()}, {period}"


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
    path = config.database_path(db_url)
    if path is not None and not path.exists():
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
        source = SourceInfo(title=title or headline or Path(path).name, publisher=publisher,
                            url=url, published=base.isoformat() if base else None,
                            locator=Path(path).name, language=language_of(text))
        out.append(Article(text=text, source=source, base=base))
    return out


def run(paths: list[Path], db_url: str, **source) -> Result:
    articles = articles_from_files(paths, **source)
    return Result(extract(articles, load_known(db_url)), [str(p) for p in paths])


def to_json(result: Result) -> list[dict]:
    return [c.to_dict() for c in result.candidates]


def to_text(result: Result) -> str:
    lines = []
    for c in result.candidates:
        tags = ", ".join(f"{k}:{n}" for k, n in c.tags)
        lines.append(f"{c.date.start}  {c.date.display('en'):<18} {c.category:<13} "
                     f"{c.confidence:.2f}  {c.title}"
                     + (f"  [already: {c.already}]" if c.already else ""))
        lines.append(f"    date: '{c.date.text}'  tags: {tags or '-'}")
        for sentence in c.evidence[:3]:
            lines.append(f"    « {_clip(sentence, 160)} »")
    lines.append(f"{len(result.candidates)} candidate"
                 f"{'s' if len(result.candidates) != 1 else ''}")
    return "\n".join(lines)


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 1] + "…"


DRAFT_HEADER = """\
# Candidate events proposed by `timeline extract` from:
{files}
# Review them: fix titles and categories, delete what is wrong, then
#   timeline import {name}      (or walk them one by one: timeline review {name})
# The comments above each event (confidence, already, evidence) are for the reviewer;
# `timeline import` ignores them. An event marked `already` is probably held already.
"""


def draft_event(c: Candidate) -> dict:
    event = {"slug": c.slug, "title": c.title, "category": c.category,
             "date": {"text": c.date.text, "base": c.date.base,
                      "start": c.date.start.isoformat(), "end": c.date.end.isoformat(),
                      "precision": c.date.precision, "edtf": c.date.edtf},
             "tags": [f"{k}:{n}" for k, n in c.tags],
             "sources": []}
    for s in c.sources:
        src = {k: v for k, v in s.to_dict().items() if v is not None}
        if s.language:
            src["language"] = s.language
        event["sources"].append(src)
    return event


def draft_yaml(result: Result, name: str = "DRAFT.yaml") -> str:
    files = "\n".join(f"#   {f}" for f in result.files) or "#   (no files)"
    out = [DRAFT_HEADER.format(files=files, name=name), "events:\n"]
    if not result.candidates:
        out[-1] = "events: []\n"
    for i, c in enumerate(result.candidates, 1):
        out.append(f"  # candidate {i}\n")
        out.append(f"  # confidence: {c.confidence}\n")
        if c.already:
            out.append(f"  # already: {c.already}\n")
        for sentence in c.evidence:
            out.append(f"  # evidence: {' '.join(sentence.split())}\n")
        body = yaml.safe_dump([draft_event(c)], allow_unicode=True, sort_keys=False,
                              default_flow_style=None, width=100)
        out.append("".join("  " + line if line.strip() else line
                           for line in body.splitlines(keepends=True)))
    return "".join(out)


def write_draft(path: Path, result: Result) -> None:
    text = draft_yaml(result, Path(path).name)
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as e:
        raise ValidationError(f"cannot write {path}: {e.strerror or e}") from None
