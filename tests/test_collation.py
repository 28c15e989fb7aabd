"""Names in the order a reader looks for them: Chinese by pinyin, under the letter its
reading starts with (timeline.collation)."""

from __future__ import annotations

import random

from hypothesis import given, strategies as st

from timeline.collation import _FIRSTS, _LETTERS, _STARTS, _char_key, name_key


def test_chinese_names_sort_by_pinyin_among_the_latin_ones() -> None:
    names = ["张迪", "Justine Moore", "刘强东", "a16z", "周国睿", "程一笑", "陈坤", "Kling", "快手",
             "Xiaomi", "盖坤", "字节跳动", "王兴", "宋玉龙", "金秉", "2K", "Éclair", "OpenAI"]
    expected = ["2K", "a16z", "陈坤", "程一笑", "Éclair", "盖坤", "Justine Moore", "金秉", "Kling", "快手",
                "刘强东", "OpenAI", "宋玉龙", "王兴", "Xiaomi", "张迪", "周国睿", "字节跳动"]
    for seed in range(5):
        random.Random(seed).shuffle(names)
        assert sorted(names, key=name_key) == expected


def test_each_initial_begins_where_gb2312_says() -> None:
    """The first character of each initial takes its letter, the one before it the
    letter before (the table's places are the pinyin order)."""
    assert sorted(_STARTS) == _STARTS and len(_STARTS) == len(_LETTERS) == len(_FIRSTS)
    for first, letter in zip(_FIRSTS, _LETTERS):
        assert _char_key(first)[1] == letter
    for k, start in enumerate(_STARTS[1:], 1):
        before = bytes([0xB0 + (start - 1) // 94, 0xA1 + (start - 1) % 94]).decode("gb2312")
        assert _char_key(before)[1] == _LETTERS[k - 1]
    known = {"阿": "a", "百": "b", "抖": "d", "发": "f", "和": "h", "京": "j", "美": "m", "你": "n",
             "鸥": "o", "拍": "p", "青": "q", "日": "r", "腾": "t", "香": "x", "亚": "y", "中": "z"}
    assert {c: _char_key(c)[1] for c in known} == known


def test_a_traditional_character_sorts_as_its_simplified_form() -> None:
    assert _char_key("劉") == _char_key("刘") and _char_key("張")[1] == "z"
    assert sorted(["張迪", "劉強東"], key=name_key) == ["劉強東", "張迪"]


def test_rare_and_other_characters_sort_after_the_letters() -> None:
    """鑫 is in GB2312's level two (by radical), 𠀀 outside it: after every letter."""
    assert sorted(["鑫", "Zoe", "𠀀", "中"], key=name_key) == ["Zoe", "中", "鑫", "𠀀"]


@given(st.lists(st.from_regex(r"[a-z]{1,8}", fullmatch=True), max_size=20))
def test_lower_case_latin_words_keep_the_alphabetical_order(words: list[str]) -> None:
    assert sorted(words, key=name_key) == sorted(words)


@given(st.lists(st.text(max_size=12), max_size=20), st.randoms())
def test_the_order_is_total_whatever_the_text(names: list[str], rnd) -> None:
    """Any text has a key, and the order does not depend on the input's: equal keys only
    for equal names."""
    first = sorted(names, key=name_key)
    rnd.shuffle(names)
    assert sorted(names, key=name_key) == first
    assert all(name_key(a) < name_key(b) or a == b for a, b in zip(first, first[1:]))
