"""Gregorian dates of the lunar festivals, 2000–2050, for timeline.dates.

One row per Gregorian year: "YYYY SSSS DDDD MMMM" = the month and day of 春节 (the first
day of the lunar year that begins in that Gregorian year), 端午 (5th day of the 5th
lunar month) and 中秋 (15th day of the 8th lunar month). The other festivals follow from
春节: 除夕 is the day before it and 元宵 (Lantern Festival) 14 days after it, so every
festival falls in the Gregorian year of its row.

The rows were generated with two independent lunar-calendar libraries (lunardate 0.3.0
and lunar-python 1.4.8), which agree on all 51 years, and spot-checked against published
dates: 春节 2024-02-10, 2025-01-29, 2026-02-17; 中秋 2024-09-17, 2025-10-06; 端午 2025-05-31.
"""

from __future__ import annotations

from datetime import date, timedelta

FIRST_YEAR, LAST_YEAR = 2000, 2050

_ROWS = (
    '2000 0205 0606 0912', '2001 0124 0625 1001', '2002 0212 0615 0921', '2003 0201 0604 0911',
    '2004 0122 0622 0928', '2005 0209 0611 0918', '2006 0129 0531 1006', '2007 0218 0619 0925',
    '2008 0207 0608 0914', '2009 0126 0528 1003', '2010 0214 0616 0922', '2011 0203 0606 0912',
    '2012 0123 0623 0930', '2013 0210 0612 0919', '2014 0131 0602 0908', '2015 0219 0620 0927',
    '2016 0208 0609 0915', '2017 0128 0530 1004', '2018 0216 0618 0924', '2019 0205 0607 0913',
    '2020 0125 0625 1001', '2021 0212 0614 0921', '2022 0201 0603 0910', '2023 0122 0622 0929',
    '2024 0210 0610 0917', '2025 0129 0531 1006', '2026 0217 0619 0925', '2027 0206 0609 0915',
    '2028 0126 0528 1003', '2029 0213 0616 0922', '2030 0203 0605 0912', '2031 0123 0624 1001',
    '2032 0211 0612 0919', '2033 0131 0601 0908', '2034 0219 0620 0927', '2035 0208 0610 0916',
    '2036 0128 0530 1004', '2037 0215 0618 0924', '2038 0204 0607 0913', '2039 0124 0527 1002',
    '2040 0212 0614 0920', '2041 0201 0603 0910', '2042 0122 0622 0928', '2043 0210 0611 0917',
    '2044 0130 0531 1005', '2045 0217 0619 0925', '2046 0206 0608 0915', '2047 0126 0529 1004',
    '2048 0214 0615 0922', '2049 0202 0604 0911', '2050 0123 0623 0930',
)

_TABLE: dict[int, tuple[str, str, str]] = {int(r[:4]): tuple(r.split()[1:]) for r in _ROWS}

FESTIVALS = ("spring", "eve", "lantern", "dragon-boat", "mid-autumn")


def festival(name: str, year: int) -> date | None:
    """The Gregorian date of festival `name` (one of FESTIVALS) in `year`, or None when
    the year is outside FIRST_YEAR–LAST_YEAR."""
    row = _TABLE.get(year)
    if row is None:
        return None
    column, offset = {"spring": (0, 0), "eve": (0, -1), "lantern": (0, 14),
                      "dragon-boat": (1, 0), "mid-autumn": (2, 0)}[name]
    mmdd = row[column]
    return date(year, int(mmdd[:2]), int(mmdd[2:])) + timedelta(days=offset)
