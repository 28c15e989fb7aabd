"""search.normalise and search.event_text give what the first, simpler versions gave."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings, strategies as st

from timeline import search

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_TAG = re.compile(r"<[^>]*>")
_WORD = re.compile(r"[^\W_]+(?:[.'’%+\-][^\W_]+)*")


def _normalise_reference(text: str) -> list[str]:
    if not text:
        return []
    text = _URL.sub(" ", _TAG.sub(" ", _LINK.sub(r" \1 ", text)))
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def _event_text_reference(ev: dict) -> str:
    """One normalisation per part (event_text normalises all parts at once)."""
    parts = [ev.get("title") or "", ev.get("body") or ""]
    for tr in (ev.get("translations") or {}).values():
        parts += [tr.get("title") or "", tr.get("body") or ""]
    parts += [t["name"] for t in ev.get("tags") or ()]
    return " ".join(dict.fromkeys(w for p in parts for w in _normalise_reference(p)))


# Characters that NFKC, case folding or the word pattern could treat differently at the
# space event_text puts between the parts than at a part's start or end: combining marks,
# Hangul jamo, half-width kana sound marks, compatibility forms, final sigma; and the
# Markdown, HTML and URL syntax that is removed.
PIECES = ["a", "A", "Kling", "2.0", "q3-2025", "it's", "’", "%", "+", "-", "_", ".", " ", "\n", "\t",
          "可灵", "快手", "\u0301", "\u0308", "\u0345", "\u1100", "\u1161", "\u11a8", "가", "ｶ", "ﾞ", "か",
          "\u3099", "ﬁ", "ß", "Σ", "ς", "İ", "ǅ", "\u00a8", "\u00b4", "\u00a0", "\u3000", "①", "x²", "１",
          "ａ", "\u212a", "[l](/u)", "[", "](", ")", "![i](/p)", "<b>", "<", ">", "https://x.y/z", "http://",
          "*", "**"]
text = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)
translation = st.fixed_dictionaries({"title": st.one_of(st.none(), text), "body": text})
translations = st.dictionaries(st.sampled_from(["en", "zh"]), translation, max_size=2)
events = st.fixed_dictionaries({
    "title": text, "body": st.one_of(st.none(), text),
    "translations": st.one_of(st.none(), translations),
    "tags": st.lists(st.fixed_dictionaries({"name": text}), max_size=3)})


@settings(max_examples=2000, deadline=None)
@given(text)
def test_normalise_equals_reference(value: str) -> None:
    assert search.normalise(value) == _normalise_reference(value)


@settings(max_examples=2000, deadline=None)
@given(events)
def test_event_text_equals_reference(ev: dict) -> None:
    assert search.event_text(ev) == _event_text_reference(ev)


def test_event_text_example() -> None:
    ev = {"title": "Kling 2.0 released",
          "body": "See [the *model*](https://x.org/a) <b>now</b> https://x.org/b.",
          "translations": {"zh": {"title": "可灵2.0发布", "body": "快手发布了可灵。"}},
          "tags": [{"kind": "product", "name": "Kling"}]}
    assert search.event_text(ev) == "kling 2.0 released see the model now 可灵2.0发布 快手发布了可灵"
