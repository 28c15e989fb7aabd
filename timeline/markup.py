"""Markdown to safe HTML, plain-text summaries and slugs.

`render_markdown(text)` converts an event body with one configured `markdown.Markdown`
instance (reset between uses) and then sanitises the HTML with nh3 (an allow-list of
tags, attributes and URL schemes), so no script element, no event-handler attribute and
no javascript: URL survives, whatever the database holds. It returns `Markup`, which
templates print as is; everything else is autoescaped.

Python-Markdown costs about 1 ms for a body of 100 words, which is most of a build. Most
bodies are plain paragraphs with links and emphasis, so `_fast_html` renders exactly that
subset directly and declines anything else (lists, headings, raw HTML, escapes, *em*
touching *em*, ...), which then takes the full path. For the text it accepts, it produces
byte for byte what the full path produces (tests/test_build_markup.py checks this on
random text). It takes about 15 µs for a body of 100 words, and 97% of the bodies of
bench/build.py's synthetic events and all of data/kling's.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

import nh3
from markupsafe import Markup, escape

if TYPE_CHECKING:
    import markdown

__all__ = ["render_markdown", "summary", "slugify", "safe_url"]

ALLOWED_TAGS = {
    "p", "br", "em", "strong", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "h5", "h6", "hr", "sup", "sub", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer"

_md: markdown.Markdown | None = None


def load_markdown() -> None:
    """Import Markdown and make the converter now: a build about to fork its workers calls
    this, so that they share it rather than each importing it when a body first leaves the
    fast path (a worker is forked again every few tasks: that was a second of a 10,000-event
    build)."""
    _markdown()


def _markdown() -> markdown.Markdown:
    """The one Markdown converter, made (and the module imported: 0.03 s) the first time a
    body leaves the fast path; a rebuild whose changed bodies are plain never loads it."""
    global _md
    if _md is None:
        import markdown
        _md = markdown.Markdown(extensions=[], output_format="html")
    return _md


def _full_html(text: str) -> str:
    md = _markdown()
    md.reset()
    return nh3.clean(md.convert(text), tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes=URL_SCHEMES, link_rel=LINK_REL, strip_comments=True)


# ---------------------------------------------------------------- the fast subset
# The subset, checked by one regular expression over the whole text: lines of plain text,
# [links](url), **strong** and *em*, none starting like a block construct (heading, quote,
# list, rule, code, ...) or with white space (Markdown strips it), none ending with white
# space (a line break, or stripped). Plain text holds no character that starts other
# Markdown or HTML; "&" and "!" are plain, except where they could start an entity or an
# image, which `_fast_html` rejects before matching. Emphasis has no white space just
# inside its stars, and one *em* may not touch the next ("*a**b*"), which Markdown reads
# differently (strong and em may touch: "**a***b*" is what it looks like). A link's URL is
# http(s), mailto, or on this site, with no character that needs escaping in an attribute.
_SYNTAX = r"\\`*_\[\]<>\n\t\x00-\x1f\x7f\u00a0\u2028\u2029"
_PLAIN = f"[^{_SYNTAX}]"
_LINK_MD = rf"\[[^{_SYNTAX}()]+\]\((?:https?://|mailto:|/|#)[A-Za-z0-9:/.~%?=#+,;@$-]*\)"
_EMPHASIS = rf"\*\*(?!\s){_PLAIN}+(?<!\s)\*\*|\*(?!\s){_PLAIN}+(?<!\s)\*(?!\*[^*])"
_BLOCK_START = r"\s|[#>=_|<`~]|[*+-](?:[ \t]|$)|[*-][*\- ]*$|\d+[.)]|\[[^\]\n]*\]:"
_LINE = rf"(?!{_BLOCK_START}){_PLAIN}*(?:(?:{_LINK_MD}|{_EMPHASIS}){_PLAIN}*)*(?<!\s)"
_SUBSET = re.compile(rf"{_LINE}(?:\n+{_LINE})*", re.MULTILINE)
# "&" followed by what could be a character reference ("&amp;", "&#65;", "&x;") is kept
# as is by Markdown; any other "&" is escaped, and that is what the fast path writes.
_ENTITY_LIKE = re.compile(r"&[^\s;&]*;")  # (not past the next "&": linear on "&&&…")
# In checked text every "[" starts a link and every "*" a mark, so these find exactly the
# links and emphasis that _SUBSET matched, from left to right.
_INLINE = re.compile(r"\[([^\]]*)\]\(([^)]*)\)|\*\*([^*]+)\*\*|\*([^*]+)\*")
_PARAGRAPH_BREAK = re.compile(r"\n\n+")


def _fast_html(text: str) -> str | None:
    """The HTML for plain paragraphs with links and emphasis; None for anything else."""
    body = text.strip("\n")
    if not body or "![" in body or ("&" in body and _ENTITY_LIKE.search(body)) \
            or not _SUBSET.fullmatch(body):
        return None
    # Accepted text holds no "<" or ">", and every "&" is a plain one, to be escaped.
    # re.split gives the text between the matches and each match's groups (label, url,
    # strong, em), which is cheaper than a sub() callback per match.
    pieces = _INLINE.split(body.replace("&", "&amp;"))
    out = [pieces[0]]
    for i in range(1, len(pieces), 5):
        label, url, strong, em, after = pieces[i:i + 5]
        if label is not None:
            out.append(f'<a href="{url}" rel="{LINK_REL}">{label}</a>')
        elif strong is not None:
            out.append(f"<strong>{strong}</strong>")
        else:
            out.append(f"<em>{em}</em>")
        out.append(after)
    return "<p>" + _PARAGRAPH_BREAK.sub("</p>\n<p>", "".join(out)) + "</p>"


def render_markdown(text: str | None) -> Markup:
    """Markdown → sanitised HTML, safe to print unescaped in a template. Text Markdown
    would take too long over (too_costly) is shown as plain paragraphs."""
    global _md
    if not text:
        return Markup("")
    fast = _fast_html(text)
    if fast is not None:
        return Markup(fast)
    if too_costly(text):
        return Markup(_plain_html(text))
    try:
        return Markup(_full_html(text))
    except RecursionError:  # lists or quotes nested hundreds deep ("- - - … x"): Markdown
        # recurses once a level, and its converter is left half way through (reset() does
        # not undo it: the next text came out with its HTML escaped): the next gets a new one
        _md = None
        return Markup(_plain_html(text))


# Python-Markdown's time grows with the text times the marks it holds on some input: each
# "[" that does not open a link looks for its end through the rest of the text (about
# 500 ns a character; 8,000 of them took nine seconds), and so, more cheaply, do "<"
# (HTML), ">" (quotes in quotes) and "&" (entities); a list nested 2,000 deep did not end.
# too_costly() weighs a text by these measured costs; what would take more than about a
# tenth of a second, or is longer than MARKDOWN_MAX_CHARS, is shown as plain text. An
# event's body is far inside this: 20,000 characters with 30 links cost nothing here, as
# links are not counted.
MARKDOWN_MAX_CHARS = 100_000
MARKDOWN_MAX_COST = 100_000_000  # ns
# (ns per mark and character of text: "[" that opens no link, "<" that opens no tag, a
# quote in a quote, "&")
MARKDOWN_COST = {"[": 500, "<": 40, ">>": 40, "&": 10}
_CLOSED_TAG = re.compile(r"<[^<>]*>")
# (each match ends at the next bracket or parenthesis: found in linear time; a link with
# brackets in its text or parentheses in its address is not counted, which errs on the
# side of plain text)
_WHOLE_LINK = re.compile(r"\[[^\[\]]*\]\([^()\s]*\)")


def too_costly(text: str) -> bool:
    """Whether Markdown would take too long over `text`: it is then shown as plain text.
    Linear: counts, and patterns that stop at the next bracket."""
    if len(text) > MARKDOWN_MAX_CHARS:
        return True
    brackets = text.count("[")
    if brackets:  # a whole link's "[" finds its end at once
        brackets -= len(_WHOLE_LINK.findall(text))
    lt = text.count("<")
    if lt:  # as does a tag's
        lt -= len(_CLOSED_TAG.findall(text))
    nested = text.count(">>") + text.count("> >")
    cost = (MARKDOWN_COST["["] * max(brackets, 0) + MARKDOWN_COST["<"] * lt
            + MARKDOWN_COST[">>"] * nested + MARKDOWN_COST["&"] * text.count("&"))
    return cost * len(text) > MARKDOWN_MAX_COST


def _plain_html(text: str) -> str:
    """Text as paragraphs (at blank lines), escaped: no Markdown read."""
    return "\n".join(f"<p>{escape(p.strip())}</p>" for p in _PARAGRAPH_BREAK.split(text.strip()) if p.strip())


def safe_url(url: str | None) -> str | None:
    """A source URL fit for href: http(s) only, else None (shown as text, not a link)."""
    if not url:
        return None
    value = url.strip()
    scheme = value.split(":", 1)[0].lower() if ":" in value else ""
    return value if scheme in ("http", "https") and not _CONTROL.search(value) else None


_CONTROL = re.compile(r"[\x00-\x20\x7f]")


# ---------------------------------------------------------------- summaries and slugs
# A Markdown link or image, its text the group; its address may hold one level of
# parentheses (https://en.wikipedia.org/wiki/Kling_(model)).
LINK = re.compile(r"!?\[([^\]]*)\]\((?:[^()]++|\([^()]*\))*+\)")  # (possessive: linear time)
# A script or style element whole, an HTML comment, an HTML tag; not a "<" in prose
# ("5 < 6"). strip_tags looks for each only in the text before the last place one can end:
# a "<script", "<!--" or "<a" after it would otherwise be a scan to the end for each one.
_SCRIPT_STYLE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.S | re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAG = re.compile(r"</?[A-Za-z][^>]*>")


def strip_tags(text: str, repl: str = "") -> str:
    """Text without HTML tags, comments, and script and style elements."""
    if "</" in text:
        low = text.lower()
        last = max(low.rfind("</script"), low.rfind("</style"))
        if last >= 0:
            end = text.find(">", last) + 1 or len(text)
            text = _SCRIPT_STYLE.sub(repl, text[:end]) + text[end:]
    last = text.rfind("-->")
    if last >= 0:
        text = _COMMENT.sub(repl, text[:last + 3]) + text[last + 3:]
    last = text.rfind(">")
    return _TAG.sub(repl, text[:last + 1]) + text[last + 1:] if last >= 0 else text
# Marks that are Markdown syntax: emphasis (* always, _ at a word's edge) and code, and at
# a line's start a heading's hashes or a quote's ">" ("snake_case", "C#" and "a > b" keep
# theirs). Each is looked for only in text that has it: one regex for all cost 20 µs a
# summary.
_EDGE_UNDERSCORES = re.compile(r"(?<![^\W_])_+|_+(?![^\W_])")
_LINE_MARK = re.compile(r"^[ \t]*(?:#{1,6}(?=[ \t]|$)|>)[ \t]?", re.M)  # ("#1 in the charts" stays)


def summary(text: str | None, limit: int = 240) -> str:
    """The first paragraph of a Markdown body as plain text, cut at about `limit` columns: a
    Chinese (wide) character takes two, as on a screen, so a Chinese summary says about as
    much as an English one (120 characters, where an English one has 240)."""
    if not text:
        return ""
    first = text.strip().split("\n\n", 1)[0]
    if len(first) > 3 * limit:  # clean only what can be shown (and a cut link's remains)
        first = _PARTIAL_LINK.sub("", first[:3 * limit])
    if _MARKUP_CHARS.search(first):
        # re.split puts each link's text (the group) between the pieces around the links,
        # so joining them keeps the text and drops the rest, as sub(r"\1") would, but
        # without a Python call per link; str.replace drops marks faster than a regex.
        first = strip_tags("".join(LINK.split(first))).replace("*", "").replace("`", "")
        if "_" in first:
            first = _EDGE_UNDERSCORES.sub("", first)
        if "#" in first or ">" in first:
            first = _LINE_MARK.sub("", first)
    plain = " ".join(first.split())  # white space runs as one space, none at the ends
    if len(plain) <= limit // 2:
        return plain
    # the longest start that fits, its length plus its wide characters: a start too wide by
    # `over` columns loses at least half as many characters (each gives back one or two)
    keep = limit
    while (over := keep + len(_WIDE.findall(plain, 0, keep)) - limit) > 0:
        keep -= (over + 1) // 2
    if len(plain) <= keep:
        return plain
    cut = plain[:keep]
    space = max(cut.rfind(" "), *(cut.rfind(mark) for mark in "。；，"))
    if space > keep * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:.，。；：") + "…"


# The East Asian wide characters (Unicode's East_Asian_Width W and F) of Chinese, Japanese
# and Korean text: Hangul Jamo, CJK radicals to Yi, Hangul syllables, compatibility
# ideographs, vertical and full-width forms, the supplementary ideographs
_WIDE = re.compile("[\\u1100-\\u115f\\u2e80-\\u303e\\u3041-\\u3247\\u3250-\\u4dbf\\u4e00-\\ua4c6"
                   "\\ua960-\\ua97c\\uac00-\\ud7a3\\uf900-\\ufad9\\ufe10-\\ufe19\\ufe30-\\ufe6b"
                   "\\uff01-\\uff60\\uffe0-\\uffe6\\U00020000-\\U0003134a]")
_PARTIAL_LINK = re.compile(r"!?\[[^\]]*(?:\]\([^)]*)?$")
_MARKUP_CHARS = re.compile(r"[\[*_`#<>]")


_SLUG_DROP = re.compile(r"[^\w\s-]", re.UNICODE)
_SLUG_DOT = re.compile(r"(?<=[^\W_])\.(?=[^\W_])")
_SLUG_DASH = re.compile(r"[\s_-]+")


def slugify(text: str) -> str:
    """A URL path segment: lower case, dashes; letters of any script are kept. A dot between
    letters or digits is a dash, as in event slugs ("Kling 2.1" is kling-2-1, not kling-21)."""
    value = unicodedata.normalize("NFKC", text).lower()
    value = _SLUG_DASH.sub("-", _SLUG_DROP.sub("", _SLUG_DOT.sub("-", value))).strip("-")
    return value or "x"
