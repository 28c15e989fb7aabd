"""The order in which names are listed for a reader (the tags page, the tag filters).

Latin letters sort case-insensitively, accents aside; a Chinese character sorts by its
pinyin, under the letter its reading starts with, after the Latin names of that letter
(刘强东 among the L names, 张迪 among the Z names): where a reader of either language
looks for it. Code point order, which Python's sorted() gives, put every Chinese name
after every Latin one and ordered them by no rule a reader knows.

The pinyin comes from GB2312, China's standard character set, with no table of our own:
its level one, the 3,755 most common characters, is ordered by pinyin, so a character's
place in it orders it, and the first character of each initial (啊 for a, 芭 for b, ...)
gives the letter. A rarer character (GB2312's level two is ordered by radical, not by
reading) or one outside GB2312 sorts after every letter, by code point. Traditional
characters are read as their simplified forms (search.fold, the search's own folding).
"""

from __future__ import annotations

import bisect
import functools
import unicodedata

from timeline.search import fold

# The first character of each initial in GB2312's level one (no pinyin begins with i, u
# or v) and the letter it begins.
_FIRSTS = "啊芭擦搭蛾发噶哈击喀垃妈拿哦啪期然撒塌挖昔压匝"
_LETTERS = "abcdefghjklmnopqrstwxyz"
_LEVEL_ONE = 3755


def _place(char: str) -> int | None:
    """A character's place in GB2312's level one (0 to 3754), None if not there."""
    try:
        code = char.encode("gb2312")
    except UnicodeEncodeError:
        return None
    if len(code) != 2:
        return None
    place = (code[0] - 0xB0) * 94 + (code[1] - 0xA1)
    return place if 0 <= place < _LEVEL_ONE else None


_STARTS = [_place(c) for c in _FIRSTS]


@functools.lru_cache(maxsize=None)
def _char_key(char: str) -> str:
    """Where one (case-folded) character sorts, as four characters compared in turn: its
    group (white space, punctuation and symbols; digits; letters; the letters of other
    scripts and the Chinese characters GB2312's level one lacks), then its letter (a
    Chinese character's initial), then Latin before Chinese, then the character itself
    (a Chinese character by its place in GB2312). A string, so that a name's key is one
    string that compares as fast as its text; cached, as names share their characters
    (a rebuild sorts every tag for the filter menus)."""
    base = unicodedata.normalize("NFKD", char)[:1] or char  # é as e, ｋ as k
    if "a" <= base <= "z":
        return "\x02" + base + "\x00" + char
    if "0" <= base <= "9":
        return "\x01" + base + "\x00\x00"
    place = _place(fold(char))
    if place is not None:
        return "\x02" + _LETTERS[bisect.bisect_right(_STARTS, place) - 1] + "\x01" + chr(place)
    return ("\x03" if base.isalpha() else "\x00") + char + "\x00\x00"


def name_key(name: str) -> tuple:
    """A sort key for a name as a reader orders names (see the module's docstring); names
    that compare equal are ordered by their text."""
    folded = name.casefold()
    return "".join(map(_char_key, folded)), folded, name
