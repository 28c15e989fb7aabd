"""Character normalisation and Chinese numerals for timeline.dates.

Kept apart from dates.py only to keep that module readable. Two things live here:

* `normalise(text)`: a one-character-for-one-character mapping (so offsets into the
  result are offsets into the original) from full-width ASCII to ASCII, from the
  ideographic space to a space, from the dashes and tildes used between dates to "-",
  from curly apostrophes to "'", and from the traditional characters that occur in date
  phrases (holiday names included: 聖誕節, 勞動節, 雙十一) to simplified ones.
* `zh_number(text)`: the value of a number written in Arabic digits or in Chinese
  numerals, either digit by digit (二〇二五, 零八) or positionally (两千零四, 二十五).
"""

_TRADITIONAL = "個號後週間來當盤約這與從於內歲禮兩點際曆農臘節國慶時開幾過後晚間聖誕萬勞動雙婦兒黨剛"
_SIMPLIFIED = "个号后周间来当盘约这与从于内岁礼两点际历农腊节国庆时开几过后晚间圣诞万劳动双妇儿党刚"

_CHAR_MAP: dict[int, str] = {c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
_CHAR_MAP.update({0x3000: " ", 0x00A0: " ", 0x3002: ".", 0x2018: "'", 0x2019: "'"})
_CHAR_MAP.update({ord(c): "-" for c in "‐‑‒–—―−~〜～﹣－"})
_CHAR_MAP.update({ord(t): s for t, s in zip(_TRADITIONAL, _SIMPLIFIED)})

ZH_DIGIT_CHARS = "〇零一二两三四五六七八九"
_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}
_DIGITS.update({"零": 0, "两": 2})
_UNITS = {"十": 10, "百": 100, "千": 1000}

#: a regex character class body matching any Chinese numeral character
ZH_NUMERAL_CLASS = "〇零一二两三四五六七八九十百千"


def normalise(text: str) -> str:
    """Map full-width, dash and traditional characters 1:1; the length never changes."""
    return text.translate(_CHAR_MAP)


def zh_number(text: str) -> tuple[int, int]:
    """Return (value, digits written) of a number in Arabic digits or Chinese numerals.

    "digits written" is the count of digits for digit-by-digit forms ("零八" -> (8, 2), so
    a caller can tell a two-digit year) and the number of decimal digits of the value for
    positional forms ("两千零四" -> (2004, 4)). Raises ValueError for anything else.
    """
    if text.isascii():
        if not text.isdigit():
            raise ValueError(text)
        return int(text), len(text)
    if all(c in _DIGITS for c in text):
        return int("".join(str(_DIGITS[c]) for c in text)), len(text)
    total, current = 0, 0
    for c in text:
        if c in _DIGITS:
            current = _DIGITS[c]
        elif c in _UNITS:
            total += (current or 1) * _UNITS[c]
            current = 0
        else:
            raise ValueError(text)
    total += current
    return total, len(str(total))
