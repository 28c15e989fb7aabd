"""search.normalise and search.event_text give what the first, simpler versions gave;
app.js normalises a query as search.normalise does, traditional Chinese folded to
simplified with the table the manifest carries."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from timeline import search
from timeline.zh_fold import SIMPLIFIED, TRADITIONAL

REPO = Path(__file__).resolve().parents[1]

# the rules (markup.LINK, markup.TAGS), applied here one regex substitution at a time
_LINK = re.compile(r"!?\[([^\]]*)\]\((?:[^()]|\([^()]*\))*\)")
_URL = re.compile(r"https?://\S+")
_TAGS = [re.compile(r"<(script|style)\b.*?</\1\s*>", re.S | re.I), re.compile(r"<!--.*?-->", re.S),
         re.compile(r"</?[A-Za-z][^>]*>")]


def _strip_tags(text: str) -> str:
    for pattern in _TAGS:
        text = pattern.sub(" ", text)
    return text
_WORD = re.compile(r"[^\W_]+(?:[.'’%+\-][^\W_]+)*")
_FOLD = str.maketrans(TRADITIONAL, SIMPLIFIED)


def _normalise_reference(text: str) -> list[str]:
    if not text:
        return []
    text = _URL.sub(" ", _strip_tags(_LINK.sub(r" \1 ", text)))
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold().translate(_FOLD).replace("’", "'"))


def _event_text_reference(ev: dict) -> str:
    """One normalisation per part (event_text normalises all parts at once)."""
    parts = [ev.get("title") or "", ev.get("body") or ""]
    parts += list(((ev.get("date") or {}).get("display") or {}).values())
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
          "*", "**",
          # traditional (BMP and astral: 𠁞 → 𠀾), an astral character between two of the
          # table's that is not in it, one NFKC turns into a traditional one (豈 U+F900)
          "可靈", "發佈", "視頻", "𠁞", "\U0002005f", "\uf900", "㒓"]
text = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)
translation = st.fixed_dictionaries({"title": st.one_of(st.none(), text), "body": text})
translations = st.dictionaries(st.sampled_from(["en", "zh"]), translation, max_size=2)
events = st.fixed_dictionaries({
    "title": text, "body": st.one_of(st.none(), text),
    "translations": st.one_of(st.none(), translations),
    "tags": st.lists(st.fixed_dictionaries({"name": text}), max_size=3),
    "date": st.fixed_dictionaries({"display": st.dictionaries(st.sampled_from(["en", "zh"]), text, max_size=2)})})


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
          "tags": [{"kind": "product", "name": "Kling"}],
          "date": {"display": {"en": "Q2 2025", "zh": "2025年第二季度"}}}
    assert search.event_text(ev) == "kling 2.0 released see the model now q2 2025 2025年第二季度 可灵2.0发布 快手发布了可灵"


# ---------------------------------------------------------------- traditional → simplified

def test_traditional_chinese_is_folded_to_simplified() -> None:
    assert search.normalise("可靈 發佈了視頻") == ["可灵", "发布了视频"]
    ev = {"title": "可靈發佈", "body": "可灵", "tags": [{"name": "視頻"}]}
    assert search.event_text(ev) == "可灵发布 可灵 视频"


def test_fold_table() -> None:
    assert len(TRADITIONAL) == len(SIMPLIFIED) == len(set(TRADITIONAL)) > 4000
    assert all(t != s for t, s in zip(TRADITIONAL, SIMPLIFIED))
    # folding twice gives what folding once gives: a query typed in the folded form matches
    assert search.fold(SIMPLIFIED) == SIMPLIFIED
    assert search.fold(TRADITIONAL) == SIMPLIFIED
    assert search.fold("薴苧苎") == "苎苎苎"  # OpenCC's one chain, followed to its end


def test_manifest_carries_the_fold_table() -> None:
    m = json.loads(search.manifest(events_url="/e/", chunk_urls=[], chunk_years=[], chunk_counts=[],
                                   categories=[], tags=[], years=[], total=0))
    assert m["fold"] == [TRADITIONAL, SIMPLIFIED]


def _make_zh_fold():
    spec = importlib.util.spec_from_file_location("make_zh_fold", REPO / "scripts" / "make-zh-fold.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_zh_fold_keeps_single_characters_that_change() -> None:
    make = _make_zh_fold()
    text = "靈\t灵\n乾\t乾 干\n著\t著 着\n於\t于 於\n薴\t苧\n苧\t苎\n\n"
    assert make.read_pairs(text) == {"靈": "灵", "於": "于", "苧": "苎", "薴": "苎"}
    # a multi-character source or first candidate is not one to one
    assert make.read_pairs("乾隆\t乾隆\n餘\t余 馀\n㐹\t𠃵 㑶\n") == {"餘": "余", "㐹": "𠃵"}
    module = make.module({"靈": "灵", "𠁞": "𠀾"}, "x.whl")
    namespace: dict = {}
    exec(module, namespace)
    assert (namespace["TRADITIONAL"], namespace["SIMPLIFIED"]) == ("靈𠁞", "灵𠀾")
    assert "OpenCC" in module and "Apache License 2.0" in module and "TSCharacters.txt" in module


# Strings whose words search.normalise and app.js must give alike. Not here, as they
# differ already: what Python's casefold and JavaScript's toLowerCase lower differently
# (ß, final sigma); a combining mark left after NFKC (Python's \w has no marks, app.js's
# WORD has); Markdown, which only the index text is cleaned of.
AGREE = ["可靈", "發佈", "視頻", "可靈 發佈了新的視頻", "可灵", "Kling 可靈 2.0 發佈, it's q3-2025!",
         "KLING 2.0 released: the model’s 4K video", "ＫＬＩＮＧ　２．０ ①", "École naïve",
         "\uf900 豈", "𠁞 㒓", "\U0002005f", "薴", "", "   ", "開放中文轉換"]


def _app_js(names: list[str], call: str, data) -> list:
    """Run app.js's own top-level `var` lines and functions named in `names` (cut out of the
    file) in Node, with the manifest's fold table as `simplified`, on `data` (JSON): the
    JavaScript expression `call` maps over it."""
    node = shutil.which("node")
    if not node:
        if os.environ.get("CI"):
            pytest.fail("node is not installed (CI is set: apt-get install nodejs)")
        pytest.skip("node is not installed")
    app = (REPO / "templates" / "static" / "app.js").read_text(encoding="utf-8")
    pieces = [re.search(rf"^  var {name} = .*;", app, re.M) if name.isupper() else
              re.search(rf"^  function {name}\(.*?^  \}}$", app, re.M | re.S) for name in ["foldTable", *names]]
    assert all(pieces), f"app.js no longer has all of {names}"
    manifest = json.loads(search.manifest(events_url="/e/", chunk_urls=[], chunk_years=[], chunk_counts=[],
                                          categories=[], tags=[], years=[], total=0))
    script = "\n".join(p.group() for p in pieces) + f"""
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const simplified = foldTable(input.manifest.fold);
process.stdout.write(JSON.stringify(input.data.map({call})));
"""
    done = subprocess.run([node, "-e", script], input=json.dumps({"manifest": manifest, "data": data}),
                          capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _app_js_normalise(strings: list[str]) -> list[list[str]]:
    """app.js's own WORD and normalise, with the manifest's fold table."""
    return _app_js(["WORD", "normalise"], "normalise", strings)


def test_app_js_normalises_as_python() -> None:
    got = dict(zip(AGREE, _app_js_normalise(AGREE)))
    assert got == {text: search.normalise(text) for text in AGREE}
    assert got["可靈 發佈了新的視頻"] == ["可灵", "发布了新的视频"]
    assert got["KLING 2.0 released: the model’s 4K video"] == ["kling", "2.0", "released", "the",
                                                                "model's", "4k", "video"]


def _app_js_found(pairs: list[tuple[str, str]]) -> list[bool]:
    """app.js's own LATIN and found."""
    return _app_js(["LATIN", "found"], "p => found(p[0], p[1])", pairs)


def test_latin_words_are_found_at_word_starts_and_chinese_anywhere() -> None:
    text = search.event_text({"title": "Kling-2.0 starts; 可灵AI 发布会", "body": "A partner of l'art, 4K"})
    assert [w for w in ("kling", "2.0", "star", "starts", "ai", "art", "4k", "灵", "布会", "可灵ai")
            if not search.found(text, w)] == []
    assert [w for w in ("ling", "tarts", "artner", "k") if search.found(text, w)] == ["k"]  # "4k"
    # a number matches a whole number, or the start of a version ("2" in "2.0", not "2025")
    dates = search.event_text({"title": "Kling 2.0 in 2025, Sora 2 and Q3; Kling’s"})
    assert [w for w in ("2", "2.0", "202", "2025", "q3", "q", "3", "kling's") if search.found(dates, w)] == \
        ["2", "2.0", "2025", "q3", "q", "kling's"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text("ab灵 -.'’12é", max_size=12), st.text("ab灵-.’12é", min_size=1, max_size=3)),
                min_size=1, max_size=40))
def test_app_js_finds_as_python(pairs) -> None:
    """app.js and search.found agree on which query words an event's words hold."""
    pairs = [(search.event_text({"title": text}), "".join(search.normalise(term)) or term) for text, term in pairs]
    assert _app_js_found(pairs) == [search.found(text, term) for text, term in pairs]


def test_a_name_glued_to_a_number_is_found_apart_too() -> None:
    """"Kling2.1", as Chinese articles write it, finds what "Kling 2.1" finds, and a text
    that glues them too; one letter and a number stay one word ("q3", "o1")."""
    apart = search.event_text({"title": "Kling 2.1 in Q3"})
    glued = search.event_text({"title": "kling2.1 in 12.1 days"})
    assert [w for w in ("kling2.1", "kling", "2.1", "q3") if not search.found_word(apart, w)] == []
    assert [w for w in ("kling2.1", "kling") if not search.found_word(glued, w)] == []
    assert [w for w in ("kling2.5", "q3", "o1", "2.1") if search.found_word(search.event_text(
        {"title": "Kling 2.6, a q 3 o 1 and 12.1"}), w)] == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text("ab灵 -.q12é", max_size=12), st.text("abq灵-.12é", min_size=1, max_size=5)),
                min_size=1, max_size=40))
def test_app_js_finds_query_words_as_python(pairs) -> None:
    """app.js's foundWord (with found) and search.found_word agree."""
    pairs = [(search.event_text({"title": text}), "".join(search.normalise(word)) or word) for text, word in pairs]
    assert _app_js(["LATIN", "found", "foundWord"], "p => foundWord(p[0], p[1])", pairs) == \
        [search.found_word(text, word) for text, word in pairs]
