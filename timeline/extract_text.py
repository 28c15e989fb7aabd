"""Extract, step 1: article files → plain text, and a normalised copy to search.

`read_article` reads plain text, Markdown or HTML (UTF-8, else GB18030) and finds a
headline. `normalise` makes a one-character-for-one-character simplified, half-width copy,
so an offset into the copy is an offset into the original; `split_sentences` cuts it on
。！？；.!? and newlines; `Doc` holds both copies with their sentence and paragraph starts.
"""

from __future__ import annotations

import bisect
import html.parser
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from timeline.errors import InputFormatError

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



class Doc:
    """An article's text, its normalised copy, sentences and paragraphs."""


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

