"""Markdown rendering: the fast path gives exactly what Markdown + nh3 give; summaries, slugs."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest
from hypothesis import given, settings, strategies as st

from timeline import markup, search

PIECES = ["a", "b", "word ", " ", "可灵", "快手", "*", "**", "_", "[", "]", "(", ")", "<", ">", "&", "!",
          "#", "-", "+", "=", ".", "1", "1. ", "\n", "\n\n", "\n\n\n", "\t", "    ", "`", "\\", "'", '"',
          "\u00a0", "*em*", "**strong**", "[link](https://example.com/a?b=1&c=2)", "[x](/local/path#frag)",
          "[y](javascript:alert(1))", "[z](https://e.x/a_b)", "\n*", "\n-", "\n[x]: /u", "\n***",
          "\n**b**", "\n[a](/b)", "<b>", "https://example.com", "~", "|", ":",
          # white space Markdown strips or treats as a word boundary, though it is not " "
          "\u3000", "\u2003", "\x85", "*\u3000", "\u3000*",
          # "&" and "!" are plain text, unless they start a character reference or an image
          "R&D", "&amp;", "&#65;", "&x;", "wow!", "![i](/p.png)",
          # emphasis that touches other emphasis, and a rule written with spaces
          "*a**b*", "**a***b*", "*a***b**", "**a****b**", "***a***", "-- -", "\n-- -"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=30))
def test_fast_path_equals_full_path(parts: list[str]) -> None:
    text = "".join(parts)
    fast = markup._fast_html(text)
    if fast is not None:
        assert fast == markup._full_html(text)


@pytest.mark.parametrize("space", [" ", ""])  # Chinese has no spaces, so marks touch
def test_fast_path_on_realistic_bodies(space: str) -> None:
    rng = random.Random(7)
    words = "Kling model video motion release 可灵 快手 视频 发布 2.0 users".split()
    accepted = 0
    for _ in range(500):
        out = []
        for n in range(rng.randint(5, 120)):
            w = rng.choice(words)
            r = rng.random()
            w = (f"[{w}](https://example.com/{n})" if r < .05 else f"*{w}*" if r < .1
                 else f"**{w}**" if r < .13 else w)
            out.append(w + ("\n\n" if rng.random() < .03 else space))
        text = "".join(out).strip()
        fast = markup._fast_html(text)
        if fast is not None:
            accepted += 1
            assert fast == markup._full_html(text), text
    assert accepted > 300  # the fast path takes the common case


def test_full_markdown_features_are_kept() -> None:
    html = str(markup.render_markdown("## Head\n\n- one\n- two\n\n> quote\n\n`code` and [a](https://x.org)"))
    assert "<h2>Head</h2>" in html and "<li>one</li>" in html and "<blockquote>" in html
    assert '<a href="https://x.org" rel="noopener noreferrer">a</a>' in html


def test_images_are_dropped_so_no_request_leaves_the_site() -> None:
    assert "<img" not in str(markup.render_markdown("![x](https://tracker.example/p.gif)"))


def test_summary() -> None:
    assert markup.summary("See *the* [model](https://x.org).\n\nMore.") == "See the model."
    long = "word " * 100
    s = markup.summary(long, limit=50)
    assert s.endswith("…") and len(s) <= 51
    assert markup.summary("") == ""


def test_slugify_and_safe_url() -> None:
    assert markup.slugify("Kling 2.0") == "kling-2-0"
    assert markup.slugify("快手 科技") == "快手-科技"
    assert markup.slugify("../..") == "x"
    assert markup.safe_url(" https://a.b/c ") == "https://a.b/c"
    assert markup.safe_url("javascript:alert(1)") is None
    assert markup.safe_url("JAVASCRIPT:x") is None and markup.safe_url(None) is None


TOKENS = ["*a*", "**a**", "*可灵*", "**快手**", "*a b*", "[a](/u)", "[可灵](https://example.com/1)"]
GLUE = ["", "", "", " ", "x", "可", "。", "\n", "\n\n", "*", "**", "\u3000"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(TOKENS), st.sampled_from(GLUE)), min_size=1, max_size=10),
       st.sampled_from(["", "x", "可灵", "a "]), st.sampled_from(["", "y", "。", " z"]))
def test_fast_path_equals_full_path_on_touching_emphasis(pairs, before: str, after: str) -> None:
    # Markdown's delimiter rules are subtle where marks touch ("**a***b*"), which the fast
    # path accepts (but not "*a**b*"); check it on many such runs.
    text = before + "".join(token + glue for token, glue in pairs) + after
    fast = markup._fast_html(text)
    if fast is not None:
        assert fast == markup._full_html(text)


def test_fast_path_declines_what_markdown_reads_differently() -> None:
    cases = ["\u3000indented", "a\n\n\u2003b", "x *a\u3000* y", "x\u3000**\u3000a**", "-- -", "a\n-- -",
             "*a**b*", "x*a**b*y", "&amp;", "R&D;", "a![i](/p.png)"]
    for text in cases:
        assert markup._fast_html(text) is None, text


def test_fast_path_takes_common_text() -> None:
    cases = {
        "R&D spending rose!": "<p>R&amp;D spending rose!</p>",
        "可灵**发布**了*新*模型": "<p>可灵<strong>发布</strong>了<em>新</em>模型</p>",
        "快手**视频***模型*。": "<p>快手<strong>视频</strong><em>模型</em>。</p>",
        "a *b* [c](/d)\n\n\n*e*":
            '<p>a <em>b</em> <a href="/d" rel="noopener noreferrer">c</a></p>\n<p><em>e</em></p>',
    }
    for text, html in cases.items():
        assert markup._fast_html(text) == html == markup._full_html(text), text


def _summary_reference(text: str | None, limit: int = 240) -> str:
    """summary()'s rules with a regex per step, which the faster code must equal."""
    if not text:
        return ""
    first = text.strip().split("\n\n", 1)[0]
    if len(first) > 3 * limit:
        first = re.sub(r"!?\[[^\]]*(?:\]\([^)]*)?$", "", first[:3 * limit])
    if re.search(r"[\[*_`#<>]", first):
        first = re.sub(r"!?\[([^\]]*)\]\((?:[^()]|\([^()]*\))*\)", r"\1", first)
        first = re.sub(r"<(script|style)\b.*?</\1\s*>", "", first, flags=re.S | re.I)
        first = re.sub(r"<!--.*?-->", "", first, flags=re.S)
        first = re.sub(r"</?[A-Za-z][^>]*>", "", first)
        # Markdown's marks: emphasis and code; a heading's or a quote's at a line's start
        first = re.sub(r"[*`]+", "", first)
        first = re.sub(r"(?<![^\W_])_+|_+(?![^\W_])", "", first)
        first = re.sub(r"^[ \t]*(?:#{1,6}(?=[ \t]|$)|>)[ \t]?", "", first, flags=re.M)
    plain = re.sub(r"\s+", " ", first).strip()
    # as many characters as fit in `limit` columns, a wide one (markup._WIDE) taking two
    keep, width = 0, 0
    for ch in plain:
        width += 2 if markup._WIDE.fullmatch(ch) else 1
        if width > limit:
            break
        keep += 1
    if keep == len(plain):
        return plain
    cut = plain[:keep]
    space = max(cut.rfind(" "), cut.rfind("。"), cut.rfind("；"), cut.rfind("，"))
    if space > keep * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:.，。；：") + "…"


def test_wide_characters_are_those_unicode_says_are_wide_in_chinese_japanese_and_korean() -> None:
    """markup._WIDE against Unicode's East_Asian_Width (W and F) over every assigned character
    of the blocks of Chinese, Japanese and Korean text, their punctuation and full-width forms."""
    blocks = [(0x1100, 0x11ff), (0x2e80, 0xa4cf), (0xa960, 0xa97f), (0xac00, 0xd7a3), (0xf900, 0xfaff),
              (0xfe10, 0xfe1f), (0xfe30, 0xfe6f), (0xff00, 0xffef), (0x20000, 0x3134f)]
    differ = [hex(c) for a, b in blocks for c in range(a, b + 1) if unicodedata.category(chr(c)) != "Cn"
              and (unicodedata.east_asian_width(chr(c)) in ("W", "F")) != bool(markup._WIDE.fullmatch(chr(c)))]
    assert differ == []
    assert not markup._WIDE.search("Kling 2.0 ｶ ① é")  # half-width, ambiguous and narrow


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(PIECES + ["\x1c", "\u2028", "\r\n", " " * 30, "word " * 30, "可灵" * 40, "可灵，" * 30, "가나", "ｶ", "Ａ", "\U00020000"]),
                min_size=0, max_size=40), st.sampled_from([240, 50, 10]))
def test_summary_equals_reference(parts: list[str], limit: int) -> None:
    text = "".join(parts)
    assert markup.summary(text, limit) == _summary_reference(text, limit)


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(list("aZ09-._~/ %?#可灵é") + [".."]), min_size=1, max_size=20).map("".join)
       | st.text(min_size=1, max_size=20))
def test_segment_url_is_the_percent_encoded_segment(slug: str) -> None:
    """An event's URL segment: the fast path for plain slugs gives what quote() gives."""
    from urllib.parse import quote
    from timeline.build import segment_url
    from timeline.templating import segment
    assert segment_url(slug) == quote(segment(slug))


def test_segment_url_examples() -> None:
    from timeline.build import segment_url
    assert segment_url("2025-04-15-kling-2-0") == "2025-04-15-kling-2-0"
    assert segment_url("可灵-2-0") == "%E5%8F%AF%E7%81%B5-2-0"
    assert (segment_url("a..b"), segment_url("../x")) == ("ab", "x")  # never leaves its folder


@pytest.mark.parametrize("body, shown", [
    ("Ratio 5 < 6 and 7 > 3, **bold** and `code`.", "Ratio 5 < 6 and 7 > 3, bold and code."),
    ("See [the page](https://en.wikipedia.org/wiki/Kling_(model)) for more.", "See the page for more."),
    ("Text <style>p{color:red}</style> after <b>bold</b><!-- note -->.", "Text after bold."),
    ("x <script>alert(1)</script> y", "x y"),
    ("## Heading\n> quoted snake_case, C# and a > b, _emph_ and __strong__",
     "Heading quoted snake_case, C# and a > b, emph and strong"),
])
def test_a_summary_keeps_the_text_and_drops_only_markup(body, shown):
    assert markup.summary(body) == shown
    words = search.normalise(body)
    assert all(w in words for w in search.normalise(shown))


# ---------------------------------------------------------------- text Markdown is slow on

@pytest.mark.parametrize("text", [
    "- " * 500 + "x",                      # nested 500 deep: Markdown recursed past Python's limit
    "1. " * 500 + "x",
    "[" * 8000,                            # each "[" looked for its end through the rest: 13 s
    "[a](" * 3000,                         # links that never close
    '<a href="' * 2000 + "word " * 2000,   # tags that never close
    "&#" * 20000, ">" * 3000 + " x",
    "".join("  " * i + "- x\n" for i in range(400)),  # longer than MARKDOWN_MAX_CHARS
])
def test_text_markdown_would_take_too_long_over_is_shown_as_plain_paragraphs(text):
    html = str(markup.render_markdown(text))
    assert html == markup._plain_html(text)
    assert html.startswith("<p>") and "<li>" not in html and "<a " not in html


def test_a_body_nested_too_deep_does_not_spoil_the_bodies_after_it():
    """Markdown's converter is shared; the RecursionError left it half way, and the next body
    came out with its HTML escaped and its links as text (found by the full suite's order)."""
    body = "Kuaishou said [Kling](https://example.com/0) <b>fast</b>\n\n- a\n- b"
    before = str(markup.render_markdown(body))
    assert str(markup.render_markdown("- " * 500 + "x")).startswith("<p>- - ")
    assert str(markup.render_markdown(body)) == before
    assert '<a href="https://example.com/0"' in before and "<li>a</li>" in before


def test_an_ordinary_long_body_is_still_markdown():
    body = "\n\n".join(f"Kuaishou said [Kling 2.{n}](https://example.com/{n}) reached *R&D* goals "
                       f"<b>fast</b> (see [the report](https://example.com/r/{n})).\n\n> a quote {n}"
                       for n in range(60))
    assert len(body) > 8000 and not markup.too_costly(body)
    html = str(markup.render_markdown(body))
    assert html.count('<a href="https://example.com/') == 120 and html.count("<blockquote>") == 60


def test_cost_of_text_is_found_in_linear_time_on_the_marks_it_counts():
    for text in ["[" * 100000, "[a](" * 25000, "<" * 100000, "<a" * 50000, "&" * 100000]:
        assert markup.too_costly(text)
        assert markup._WHOLE_LINK.findall(text[:99999]) == [] and markup._CLOSED_TAG.findall("<<<") == []
    # what keeps it linear: the patterns it counts with stop at the next bracket, so no
    # match starts at one mark and runs past another (a scan to the end from each mark
    # would be quadratic: the "[" before a link would be read as that link's start)
    assert markup._WHOLE_LINK.findall("[[a](b) [c [d](e)") == ["[a](b)", "[d](e)"]
    assert markup._CLOSED_TAG.findall("<<a <b>") == ["<b>"]
