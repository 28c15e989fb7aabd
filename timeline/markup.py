"""Markdown to safe HTML, plain-text summaries and slugs.

`render_markdown(text)` converts an event body with one configured `markdown.Markdown`
instance (reset between uses) and then sanitises the HTML with nh3 (an allow-list of
tags, attributes and URL schemes), so no script element, no event-handler attribute and
no javascript: URL survives, whatever the database holds. It returns `Markup`, which
templates print as is; everything else is autoescaped.

Python-Markdown costs about 1 ms for a body of 100 words, which is most of a build. Most
bodies are plain paragraphs with links and emphasis, so `_fast_html` renders exactly that
subset directly and declines anything else (lists, headings, raw HTML, escapes, ...),
which then takes the full path. For the text it accepts, it produces byte for byte what
the full path produces (tests/test_build_markup.py checks this on random text).
"""

from __future__ import annotations

import re
import unicodedata

import markdown
import nh3
from markupsafe import Markup

__all__ = ["render_markdown", "summary", "slugify", "safe_url"]

ALLOWED_TAGS = {
    "p", "br", "em", "strong", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "h5", "h6", "hr", "sup", "sub", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer"

_md: markdown.Markdown | None = None


def _markdown() -> markdown.Markdown:
    global _md
    if _md is None:
        _md = markdown.Markdown(extensions=[], output_format="html")
    return _md


def _full_html(text: str) -> str:
    md = _markdown()
    md.reset()
    return nh3.clean(md.convert(text), tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes=URL_SCHEMES, link_rel=LINK_REL, strip_comments=True)


# ---------------------------------------------------------------- the fast subset
# A paragraph line may not start like a block construct, and text may hold none of the
# characters that start inline markup except in the links and emphasis matched below.
_BAD_LINE_START = re.compile(r"[ \t#>=_|<`~]|[*+-](?:[ \t]|$)|[*-]+\s*$|\d+[.)]|\[[^\]]*\]:")
_FIND = re.compile(r"\[([^\]\n]*)\]\(([^)\n]*)\)|\*\*([^*\n]+)\*\*|\*([^*\n]+)\*")
_URL_OK = re.compile(r"(?:https?://|mailto:|/|#)[A-Za-z0-9:/.~%?=#+,;@$-]*")
_SPECIAL = re.compile(r"[\\`*_\[\]<>&!\n\t\x00-\x1f\x7f\u00a0\u2028\u2029]")
_BLANKISH = re.compile(r"^[ \t]+$", re.MULTILINE)


def _fast_inline(line: str) -> str | None:
    # Accepted text holds no "&", "<" or ">", so it needs no escaping.
    out = []
    pos = 0
    for m in _FIND.finditer(line):
        start, end = m.span()
        gap = line[pos:start]
        if _SPECIAL.search(gap):
            return None
        out.append(gap)
        text, url, strong, em = m.groups()
        if text is not None:
            if not text or _SPECIAL.search(text) or "(" in text or ")" in text \
                    or not _URL_OK.fullmatch(url):
                return None
            out.append(f'<a href="{url}" rel="{LINK_REL}">{text}</a>')
        else:
            inner = strong if strong is not None else em
            if inner[0] == " " or inner[-1] == " " or _SPECIAL.search(inner) \
                    or (start and line[start - 1] == "*") or line[end:end + 1] == "*":
                return None
            out.append(f"<strong>{inner}</strong>" if strong is not None else f"<em>{inner}</em>")
        pos = end
    rest = line[pos:]
    if _SPECIAL.search(rest):
        return None
    out.append(rest)
    return "".join(out)


def _fast_html(text: str) -> str | None:
    """The HTML for plain paragraphs with links and emphasis; None for anything else."""
    if _BLANKISH.search(text):
        return None
    paragraphs = []
    for block in re.split(r"\n\n+", text.strip("\n")):
        lines = []
        for line in block.split("\n"):
            if not line or line != line.rstrip() or _BAD_LINE_START.match(line):
                return None
            rendered = _fast_inline(line)
            if rendered is None:
                return None
            lines.append(rendered)
        paragraphs.append("<p>" + "\n".join(lines) + "</p>")
    return "\n".join(paragraphs)


def render_markdown(text: str | None) -> Markup:
    """Markdown → sanitised HTML, safe to print unescaped in a template."""
    if not text:
        return Markup("")
    fast = _fast_html(text)
    return Markup(fast if fast is not None else _full_html(text))


def safe_url(url: str | None) -> str | None:
    """A source URL fit for href: http(s) only, else None (shown as text, not a link)."""
    if not url:
        return None
    value = url.strip()
    scheme = value.split(":", 1)[0].lower() if ":" in value else ""
    return value if scheme in ("http", "https") and not _CONTROL.search(value) else None


_CONTROL = re.compile(r"[\x00-\x20\x7f]")


# ---------------------------------------------------------------- summaries and slugs
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKS = re.compile(r"[*_`#>]+")
_TAGS = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def summary(text: str | None, limit: int = 240) -> str:
    """The first paragraph of a Markdown body as plain text, cut at about `limit` chars."""
    if not text:
        return ""
    first = text.strip().split("\n\n", 1)[0]
    if len(first) > 3 * limit:  # clean only what can be shown (and a cut link's remains)
        first = _PARTIAL_LINK.sub("", first[:3 * limit])
    if _MARKUP_CHARS.search(first):
        first = _MARKS.sub("", _TAGS.sub("", _LINK.sub(r"\1", first)))
    plain = _SPACE.sub(" ", first).strip()
    if len(plain) <= limit:
        return plain
    cut = plain[:limit]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:.，。；：") + "…"


_PARTIAL_LINK = re.compile(r"!?\[[^\]]*(?:\]\([^)]*)?$")
_MARKUP_CHARS = re.compile(r"[\[*_`#<>]")


_SLUG_DROP = re.compile(r"[^\w\s-]", re.UNICODE)
_SLUG_DASH = re.compile(r"[\s_-]+")


def slugify(text: str) -> str:
    """A URL path segment: lower case, dashes; letters of any script are kept."""
    value = unicodedata.normalize("NFKC", text).lower()
    value = _SLUG_DASH.sub("-", _SLUG_DROP.sub("", value)).strip("-")
    return value or "x"
