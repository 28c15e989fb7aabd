"""The one Jinja environment, the interface strings and the URL scheme of the site.

`make_env(templates_dir)` is built once per build: a ChoiceLoader that tries the user's
templates first (`--templates DIR`, which may hold only the files it changes) and then
the shipped ones, autoescape on for every template, StrictUndefined so a typo in a
template fails the build instead of printing nothing.

`Router` gives every page its URL and its output path from the same call, so a link can
never point somewhere the build did not write.
"""

from __future__ import annotations

import calendar
import functools
import json
import os
import re
import sysconfig
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote, urlsplit

from jinja2 import (ChoiceLoader, Environment, FileSystemBytecodeCache, FileSystemLoader,
                    StrictUndefined, Template, TemplateError, TemplateSyntaxError)
from jinja2.compiler import CodeGenerator
from markupsafe import Markup, escape

try:  # MarkupSafe 3: the C function inside escape(), which returns a str, not a Markup
    from markupsafe import _escape_inner
except ImportError:  # pragma: no cover - another MarkupSafe: the same text, more slowly
    def _escape_inner(text: str) -> str:
        return str(escape(text))

from timeline.dates import describe
from timeline.markup import slugify
from timeline.vocab import CATEGORIES, TAG_KINDS


def _builtin_templates() -> Path:
    """The shipped templates: the checkout's templates/, else the copy a wheel installed.

    A wheel installs them as data files (pyproject.toml) under the scheme's "data" path,
    which is where pip puts them: the environment's prefix, or the user base for --user."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "templates").is_dir():
        return checkout / "templates"
    for scheme in (sysconfig.get_default_scheme(), sysconfig.get_preferred_scheme("user")):
        installed = Path(sysconfig.get_path("data", scheme)) / "share" / "timeline" / "templates"
        if installed.is_dir():
            return installed
    return checkout / "templates"  # missing: the build's error will name this path


# two places: a checkout (or `pip install -e .`) reads templates/ in place; a wheel has a copy
BUILTIN_TEMPLATES = _builtin_templates()
LANGS = ("en", "zh")
LANG_TAGS = {"en": "en", "zh": "zh-Hans"}
LANG_NAMES = {"en": "English", "zh": "中文"}

UI: dict[str, dict[str, str]] = {
    "en": {
        "site_title": "Chronology", "skip": "Skip to content", "chronology": "Chronology",
        "years": "Years", "categories": "Categories", "tags": "Tags", "sources": "Sources",
        "about": "About", "previous": "Previous", "next": "Next", "page": "Page",
        "cited_by": "Cited by", "published": "published", "tagged": "Tags",
        "feed": "Atom feed", "json_feed": "JSON Feed", "calendar": "Calendar (iCalendar)",
        "data": "All data (JSON)", "events": "events", "event": "event", "latest": "Latest events",
        "all_years": "All years", "not_found": "Page not found",
        "not_found_text": "There is no page at this address. Try the chronology: ",
        "language": "Language", "date": "Date", "category": "Category", "nav": "Site",
        "pages": "Pages", "source_list": "Every source cited, in the order published, with the events that cite it.",
        "by": "by ",
        "no_url": "no link", "translation_missing": "Not yet translated; shown in the original.",
        "about_text": "This chronology is generated from a database of dated, sourced events. "
                      "Every entry cites its sources; dates are only as precise as the sources "
                      "allow (a month, part of a month, a quarter).",
        "generated": "Built with timeline.", "body": "Details",
        "charts": "Charts", "charts_intro": "Every figure the sources give, series by series, "
        "with its source. Bars marked with an upward chevron are lower bounds (\u201cmore than\u201d); "
        "dashed bars marked \u2260 are figures on which sources disagree.",
        "no_charts": "This chronology has no figures yet.", "figures": "Figures", "n_figures": "{n} figures", "n_figure": "1 figure",
        "period": "Period", "value": "Figure", "source": "Source", "note": "Note",
        "conflict": "sources disagree", "more_than": "lower bound (more than)",
        "chart_table": "The figures of this chart", "series_list": "Series",
        "filter": "Filter and search", "search": "Search", "search_hint": "titles and text, in English or Chinese",
        "all_categories": "All categories", "all_tags": "All tags", "clear": "Clear",
        "filter_status": "{shown} of {total} events", "filter_none": "No events match these filters.",
        "filter_loading": "Loading\u2026", "filter_error": "The search index could not be loaded.",
        "show_more": "Show more", "year": "Year", "on_this_page": "On this page",
        "values_in": "unit", "event_link": "Event", "page_of": "page {page} of {count}",
        "sources_page": "Sources page",
        "paren_open": " (", "paren_close": ")", "colon": ": ", "list_sep": ", ", "full_stop": ".",
        "sep": ", ",
    },
    "zh": {
        "site_title": "大事记", "skip": "跳到正文", "chronology": "大事记", "years": "年份",
        "categories": "类别", "tags": "标签", "sources": "来源", "about": "关于",
        "previous": "上一条", "next": "下一条", "page": "第几页", "page_of": "第{page}页，共{count}页",
        "sources_page": "来源页", "cited_by": "引用该来源的事件",
        "published": "发布于", "tagged": "标签", "feed": "Atom 订阅", "json_feed": "JSON Feed",
        "calendar": "日历（iCalendar）", "data": "全部数据（JSON）", "events": "条事件",
        "event": "条事件", "latest": "最新事件", "all_years": "全部年份", "not_found": "页面不存在",
        "not_found_text": "此地址没有页面。请回到大事记：", "language": "语言", "date": "日期",
        "category": "类别", "nav": "网站", "pages": "分页",
        "source_list": "所有被引用的来源（按发表时间排列），以及引用它们的事件。", "by": "作者", "no_url": "无链接",
        "translation_missing": "尚无译文，显示原文。",
        "about_text": "本大事记由一个带日期、有出处的事件数据库生成。每一条都注明来源；"
                      "日期只精确到来源允许的程度（某月、某月上中下旬、某季度）。",
        "generated": "由 timeline 生成。", "body": "详情",
        "charts": "图表", "charts_intro": "各来源给出的全部数字，按序列排列，并注明出处。"
        "带向上箭头的柱为下限（\u201c超过\u201d）；标有\u2260的虚线柱表示各来源数字不一。",
        "no_charts": "本大事记尚无数字。", "figures": "数字", "n_figures": "{n}个数字", "n_figure": "1个数字", "period": "时期", "value": "数值",
        "source": "来源", "note": "说明", "conflict": "来源不一", "more_than": "下限（超过）",
        "chart_table": "本图的数字", "series_list": "序列",
        "filter": "筛选与搜索", "search": "搜索", "search_hint": "标题和正文，中英文均可",
        "all_categories": "全部类别", "all_tags": "全部标签", "clear": "清除",
        "filter_status": "显示 {shown} / {total} 条事件", "filter_none": "没有符合条件的事件。",
        "filter_loading": "加载中\u2026", "filter_error": "无法加载搜索索引。",
        "show_more": "显示更多", "year": "年份", "on_this_page": "本页内容",
        "values_in": "单位", "event_link": "事件",
        "paren_open": "（", "paren_close": "）", "colon": "：", "list_sep": "、", "full_stop": "。",
        "sep": "，",
    },
}

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS_EN_LONG = ("January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December")


def month_label(start: str, end: str, lang: str) -> str:
    """The heading for a group of events: "September 2025", or "Jul – Sep 2025" for a span."""
    y1, m1, y2, m2 = int(start[:4]), int(start[5:7]), int(end[:4]), int(end[5:7])
    if lang == "zh":
        if (y1, m1) == (y2, m2):
            return f"{y1}年{m1}月"
        return f"{y1}年{m1}月–{m2}月" if y1 == y2 else f"{y1}年{m1}月–{y2}年{m2}月"
    if (y1, m1) == (y2, m2):
        return f"{MONTHS_EN_LONG[m1 - 1]} {y1}"
    if y1 == y2:
        return f"{MONTHS_EN[m1 - 1]} – {MONTHS_EN[m2 - 1]} {y1}"
    return f"{MONTHS_EN[m1 - 1]} {y1} – {MONTHS_EN[m2 - 1]} {y2}"


def published_label(published: str | None, lang: str) -> str | None:
    """A source's date as the pages show dates (dates.describe at the precision given):
    "2025", "Jun 2025", "6 Jun 2025" (Chinese: "2025年", "2025年6月", "2025年6月6日");
    anything else as it is."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", published or "")
    if not m:
        return published
    y, mo, d = (int(g) if g else None for g in m.groups())
    try:
        start = date(y, mo or 1, d or 1)
        end = start if d else date(y, mo, calendar.monthrange(y, mo)[1]) if mo else date(y, 12, 31)
    except ValueError:
        return published
    return describe(start, end, "day" if d else "month" if mo else "year", lang)


_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")


@functools.lru_cache(maxsize=65536)
def lang_of(text: str | None, page_lang: str) -> str | None:
    """The lang attribute a short text needs on a page in `page_lang` (None: the page's).

    The text is in the script it mostly uses, a Chinese character weighing as much as a
    Latin word: "Sources differ: more than 1.5亿" is English; "张迪 (Zhang Di)", "可灵
    Kling" and "快手" are Chinese."""
    if not text:
        return None
    cjk = len(_CJK.findall(text))
    words = len(_LATIN_WORD.findall(text)) if cjk else (1 if _LATIN_WORD.search(text) else 0)
    if not cjk and not words:
        return None
    lang = "zh" if cjk >= words else "en"
    return None if lang == page_lang else lang


def localized(ev: dict, lang: str) -> tuple[str, str, str]:
    """(title, body, language of that text) for an event shown in `lang`."""
    tr = _translation(ev, lang)
    if tr is not None:
        return tr["title"], tr.get("body") or ev.get("body") or "", lang
    return ev["title"], ev.get("body") or "", ev.get("lang") or "en"


def localized_title(ev: dict, lang: str) -> tuple[str, str]:
    """(title, language of that title): what a link to the event shows. It does not read
    the body, so that a worker linking to an event does not copy its body's memory."""
    tr = _translation(ev, lang)
    if tr is not None:
        return tr["title"], lang
    return ev["title"], ev.get("lang") or "en"


def _translation(ev: dict, lang: str) -> dict | None:
    """The translation an event is shown in on a page in `lang`; None: its own text."""
    if (ev.get("lang") or "en").split("-")[0] == lang:
        return None
    tr = (ev.get("translations") or {}).get(lang)
    return tr if tr and tr.get("title") else None


def category_label(slug: str, lang: str) -> str:
    labels = CATEGORIES.get(slug)
    return (labels[1] if lang == "zh" else labels[0]) if labels else slug


def tag_kind_label(kind: str, lang: str) -> str:
    labels = TAG_KINDS.get(kind)
    return (labels[1] if lang == "zh" else labels[0]) if labels else kind


_URL_SAFE = re.compile(r"[A-Za-z0-9/._~-]*")
_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")


def is_plain_segment(value: str) -> bool:
    """A path segment of unreserved characters only (RFC 3986), which segment() keeps."""
    return _SEGMENT.fullmatch(value) is not None and ".." not in value


@functools.lru_cache(maxsize=65536)
def segment(value: str) -> str:
    """A path segment that cannot leave its folder: kept if it is one, else slugified."""
    if is_plain_segment(value):
        return value
    return slugify(value)


def event_rel(slug: str) -> str:
    return f"events/{segment(slug)}/"


def category_rel(category: str) -> str:
    return f"categories/{segment(category)}/"


class NS:
    """A record templates read by attribute (`e.title`), which Jinja resolves fastest on
    plain objects; also readable as `ns["title"]` from Python."""

    def __init__(self, data: dict | None = None, **more):
        if data:
            self.__dict__.update(data)
        if more:
            self.__dict__.update(more)

    def __getitem__(self, key: str):
        return self.__dict__[key]

    def get(self, key: str, default=None):
        return self.__dict__.get(key, default)

    def update(self, **more) -> None:
        self.__dict__.update(more)

    def __repr__(self) -> str:
        return f"NS({self.__dict__!r})"


@dataclass(frozen=True)
class Route:
    url: str    # what a link says: the base path + the page's path, percent-encoded
    path: str   # where the file goes, relative to the output folder


# what may stay as it is in a URL path (RFC 3986 pchar, "/" and an escape's "%")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


def check_base_url(base_url: str) -> str | None:
    """What is wrong with a base URL, or None: it must be a path ("/", "/kling/") or an
    http(s) URL with a host ("https://example.org/kling/"), without query or fragment."""
    if not base_url:
        return None  # the site's root, as Router reads it
    parts = urlsplit(base_url)
    example = "a path such as /kling/ or a URL such as https://example.org/kling/"
    if parts.scheme or parts.netloc:
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return f"base URL {base_url!r} must be {example}"
    elif not base_url.startswith("/"):
        return f"base URL {base_url!r} is not {example} (a path starts with /, a URL with https://)"
    if "?" in base_url or "#" in base_url:
        return f"base URL {base_url!r} may not have a query or fragment"
    return None


class Router:
    """URLs and output paths, from one place. `base_url` may be "/" or "https://host/sub/"."""

    def __init__(self, base_url: str = "/", langs: tuple[str, ...] = LANGS):
        # the first language is at the root, every other one under "<lang>/"
        self.prefix = {lang: ("" if n == 0 else f"{lang}/") for n, lang in enumerate(langs)}
        parts = urlsplit(base_url or "/")
        path = parts.path or "/"
        path = ("/" + path.lstrip("/")).rstrip("/") + "/"
        self.base_path = quote(path, safe=_PATH_SAFE)  # "/my kling/" → "/my%20kling/"
        self.origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""

    def route(self, rel: str, lang: str = "en", page: int = 1) -> Route:
        """`rel` is "" (home), "events/slug/", "feed.xml", ...; a trailing "/" is a folder."""
        rel = self._rel(rel, lang, page)
        path = rel + "index.html" if rel == "" or rel.endswith("/") else rel
        return Route(self._url(rel), path)

    def url(self, rel: str, lang: str = "en", page: int = 1) -> str:
        """route(...).url without building the Route (called for every link)."""
        return self._url(self._rel(rel, lang, page))

    def _rel(self, rel: str, lang: str, page: int) -> str:
        rel = self.prefix[lang] + rel
        return f"{rel}page/{page}/" if page > 1 else rel

    def _url(self, rel: str) -> str:
        return self.base_path + (rel if _URL_SAFE.fullmatch(rel) else quote(rel, safe="/"))

    def url_of_path(self, path: str) -> str:
        """The URL of an output path ("zh/tags/x/index.html" -> "/zh/tags/x/"), encoded as
        route() encodes it."""
        return self._url(path[:-len("index.html")] if path.endswith("index.html") else path)

    def absolute(self, url: str) -> str:
        """A full URL when the base URL has a host, else the path as is."""
        return self.origin + url


# json.dumps with these options builds a new encoder on every call: one, made once
_COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def compact_json(value) -> str:
    """JSON without spaces or escaped non-ASCII: events.json, the search index, JSON-LD."""
    return _COMPACT_JSON.encode(value)


def _tojson(value) -> Markup:
    """JSON for a <script type="application/ld+json">: <, > and & escaped."""
    text = compact_json(value)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def escape_text(value) -> str:
    """markupsafe.escape(value) as a plain str: the same characters, without building a
    Markup object (a Python call of its own). What a template prints needs no Markup:
    Jinja joins it into the page, or into a buffer that it marks safe as a whole."""
    if type(value) is str:
        return _escape_inner(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return _escape_inner(str(value))


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator, printing autoescaped values through escape_text instead of
    markupsafe.escape. A page prints one value every few dozen bytes, and building a
    Markup for each was an eighth of a full build's time; the bytes are the same."""

    def _output_child_pre(self, node, frame, finalize) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            return super()._output_child_pre(node, frame, finalize)
        self.write("environment.escape_text(")
        if finalize.src is not None:
            self.write(finalize.src)


class SiteEnvironment(Environment):
    code_generator_class = _CodeGenerator
    escape_text = staticmethod(escape_text)


# Compiled templates are cached by Jinja in the system's temporary folder, keyed by the
# templates' text; the name says which code generator wrote them (code another version
# compiled would not call escape_text).
BYTECODE_PATTERN = "__timeline_jinja2_1_%s.cache"


class TextLoader(FileSystemLoader):
    """Templates from a folder; one that is not UTF-8 is a template error naming its file
    (Jinja's loader lets the UnicodeDecodeError out, which named only Python's codecs)."""

    def get_source(self, environment, template):
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as e:
            path = next((p for p in (os.path.join(folder, *template.split("/")) for folder in self.searchpath)
                         if os.path.isfile(p)), template)
            raise TemplateSyntaxError(f"not UTF-8 text (byte {e.start})", 1, template, path) from None


def make_env(templates_dir: Path | None = None) -> Environment:
    """The Jinja environment for a build: user templates first, then the shipped ones."""
    loaders = []
    if templates_dir is not None:
        loaders.append(TextLoader(str(templates_dir)))
    loaders.append(TextLoader(str(BUILTIN_TEMPLATES)))
    # the bytecode cache: a small rebuild does not spend its time compiling
    env = SiteEnvironment(loader=ChoiceLoader(loaders), autoescape=True, undefined=StrictUndefined,
                          trim_blocks=True, lstrip_blocks=True, auto_reload=False,
                          keep_trailing_newline=True,
                          bytecode_cache=FileSystemBytecodeCache(pattern=BYTECODE_PATTERN))
    env.filters["jsonld"] = _tojson
    env.globals["category_label"] = category_label
    env.globals["tag_kind_label"] = tag_kind_label
    return env


def template_files(templates_dir: Path | None) -> list[Path]:
    """Every file the loaders could read, user's first: for the build fingerprint."""
    dirs = ([templates_dir] if templates_dir else []) + [BUILTIN_TEMPLATES]
    return [p for d in dirs if d.is_dir() for p in sorted(d.rglob("*")) if p.is_file()]


def render(template: Template, ctx: dict) -> str:
    """`template.render(ctx)` for a context that already holds the environment's globals.

    Template.render copies the context twice and merges the globals into it on every
    call, a fixed cost that is a tenth of a small page; with shared=True Jinja reads
    `ctx` as it is. Errors are re-raised as render() raises them, their traceback pointing
    at the template's lines."""
    try:
        return template.environment.concat(template.root_render_func(template.new_context(ctx, shared=True)))
    except Exception:
        template.environment.handle_exception()


def error_location(error: TemplateError) -> str:
    """Where a template error is: "event.html line 3", from the error or its traceback."""
    if isinstance(error, TemplateSyntaxError) and error.lineno:
        return f"{error.filename or error.name or 'template'} line {error.lineno}"
    where = "a template"
    tb = error.__traceback__
    while tb is not None:  # Jinja rewrites the frames of template code to the template's file
        name = tb.tb_frame.f_code.co_filename
        if name.endswith((".html", ".xml", ".txt", ".j2")) or "/templates/" in name:
            where = f"{name} line {tb.tb_lineno}"
        tb = tb.tb_next
    return where
