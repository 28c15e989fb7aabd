"""Markdown rendering: the fast path gives exactly what Markdown + nh3 give; summaries, slugs."""

from __future__ import annotations

import random

from hypothesis import given, settings, strategies as st

from timeline import markup

PIECES = ["a", "b", "word ", " ", "可灵", "快手", "*", "**", "_", "[", "]", "(", ")", "<", ">", "&", "!",
          "#", "-", "+", "=", ".", "1", "1. ", "\n", "\n\n", "\n\n\n", "\t", "    ", "`", "\\", "'", '"',
          "\u00a0", "*em*", "**strong**", "[link](https://example.com/a?b=1&c=2)", "[x](/local/path#frag)",
          "[y](javascript:alert(1))", "[z](https://e.x/a_b)", "\n*", "\n-", "\n[x]: /u", "\n***",
          "\n**b**", "\n[a](/b)", "<b>", "https://example.com", "~", "|", ":"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=30))
def test_fast_path_equals_full_path(parts: list[str]) -> None:
    text = "".join(parts)
    fast = markup._fast_html(text)
    if fast is not None:
        assert fast == markup._full_html(text)


def test_fast_path_on_realistic_bodies() -> None:
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
            out.append(w + ("\n\n" if rng.random() < .03 else " "))
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
    assert markup.slugify("Kling 2.0") == "kling-20"
    assert markup.slugify("快手 科技") == "快手-科技"
    assert markup.slugify("../..") == "x"
    assert markup.safe_url(" https://a.b/c ") == "https://a.b/c"
    assert markup.safe_url("javascript:alert(1)") is None
    assert markup.safe_url("JAVASCRIPT:x") is None and markup.safe_url(None) is None
