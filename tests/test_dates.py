"""Tests for timeline.dates: the forms it reads, its errors, EDTF, display and properties."""

import os
import subprocess
import sys
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline.dates import (BOUNDARIES, HOLIDAYS, PRECISIONS, RELATIVE_SPANS, FuzzyDate,
                            describe, find_dates, parse_date, to_edtf)
from timeline.dates_lunar import FESTIVALS, FIRST_YEAR, LAST_YEAR, festival
from timeline.errors import DateParseError

BASE = date(2025, 6, 6)
D = date.fromisoformat


def check(text, start, end, precision, base=BASE):
    got = parse_date(text, base)
    assert (got.start.isoformat(), got.end.isoformat(), got.precision) == (start, end, precision), text
    return got


NUMERIC = [
    ("2025-04-15", "2025-04-15", "2025-04-15", "day"),
    ("2025/4/15", "2025-04-15", "2025-04-15", "day"),
    ("2025.4.15", "2025-04-15", "2025-04-15", "day"),
    ("15.04.2025", "2025-04-15", "2025-04-15", "day"),
    ("4/15/2025", "2025-04-15", "2025-04-15", "day"),
    ("4/5/2025", "2025-04-05", "2025-04-05", "day"),       # slashes: month first
    ("4.5.2025", "2025-05-04", "2025-05-04", "day"),       # dots: day first
    ("5.13.2025", "2025-05-13", "2025-05-13", "day"),      # a field over 12 decides
    ("21/04/16", "2016-04-21", "2016-04-21", "day"),
    ("05/05/89", "1989-05-05", "1989-05-05", "day"),
    ("2025-09", "2025-09-01", "2025-09-30", "month"),
    ("2025", "2025-01-01", "2025-12-31", "year"),
    ("2025-04-15T10:00:00", "2025-04-15", "2025-04-15", "day"),
    ("2019-sep-1", "2019-09-01", "2019-09-01", "day"),
    ("4/22", "2025-04-22", "2025-04-22", "day"),
    ("2016 - 11", "2016-11-01", "2016-11-30", "month"),
    ("3/2015", "2015-03-01", "2015-03-31", "month"),
]

ENGLISH = [
    ("15 April 2025", "2025-04-15", "2025-04-15", "day"),
    ("April 15, 2025", "2025-04-15", "2025-04-15", "day"),
    ("Apr 2025", "2025-04-01", "2025-04-30", "month"),
    ("September 2025", "2025-09-01", "2025-09-30", "month"),
    ("Sept. 3rd, 2024", "2024-09-03", "2024-09-03", "day"),
    ("the 21st of May 2024", "2024-05-21", "2024-05-21", "day"),
    ("twenty second of June 2017", "2017-06-22", "2017-06-22", "day"),
    ("Q3 2025", "2025-07-01", "2025-09-30", "quarter"),
    ("3Q25", "2025-07-01", "2025-09-30", "quarter"),
    ("2025Q3", "2025-07-01", "2025-09-30", "quarter"),
    ("Q3 FY2025", "2025-07-01", "2025-09-30", "quarter"),
    ("the third quarter of 2016", "2016-07-01", "2016-09-30", "quarter"),
    ("H1 2025", "2025-01-01", "2025-06-30", "half"),
    ("1H25", "2025-01-01", "2025-06-30", "half"),
    ("2016H2", "2016-07-01", "2016-12-31", "half"),
    ("FY2024", "2024-01-01", "2024-12-31", "year"),
    ("early September 2025", "2025-09-01", "2025-09-10", "month-part"),
    ("mid September 2025", "2025-09-11", "2025-09-20", "month-part"),
    ("late September 2025", "2025-09-21", "2025-09-30", "month-part"),
    ("end of February 2024", "2024-02-21", "2024-02-29", "month-part"),
    ("end of 2025", "2025-09-01", "2025-12-31", "year-part"),
    ("late 2025", "2025-09-01", "2025-12-31", "year-part"),
    ("mid-2025", "2025-05-01", "2025-08-31", "year-part"),
    ("early 2025", "2025-01-01", "2025-04-30", "year-part"),
    ("last August", "2024-08-01", "2024-08-31", "month"),
    ("this month", "2025-06-01", "2025-06-30", "month"),
    ("last month", "2025-05-01", "2025-05-31", "month"),
    ("next month", "2025-07-01", "2025-07-31", "month"),
    ("last year", "2024-01-01", "2024-12-31", "year"),
    ("this quarter", "2025-04-01", "2025-06-30", "quarter"),
    ("yesterday", "2025-06-05", "2025-06-05", "day"),
    ("today", "2025-06-06", "2025-06-06", "day"),
    ("the day before yesterday", "2025-06-04", "2025-06-04", "day"),
    ("June next year", "2026-06-01", "2026-06-30", "month"),
    ("2026-01-01 to 2026-01-31", "2026-01-01", "2026-01-31", "days"),
    ("April to May 2025", "2025-04-01", "2025-05-31", "months"),
    ("15–17 April 2025", "2025-04-15", "2025-04-17", "days"),
    ("November 19-20", "2024-11-19", "2024-11-20", "days"),
    ("from 4 to 22 this month", "2025-06-04", "2025-06-22", "days"),
    ("between 1 March 2025 and 3 April 2025", "2025-03-01", "2025-04-03", "range"),
    ("between 2015 and 2018", "2015-01-01", "2018-12-31", "range"),
    ("from 10/25 to 01/25", "2024-10-25", "2025-01-25", "range"),
    ("Wednesday the 21st", "2025-05-21", "2025-05-21", "day"),
]

CHINESE = [
    ("2025年4月15日", "2025-04-15", "2025-04-15", "day"),
    ("２０２５年４月", "2025-04-01", "2025-04-30", "month"),
    ("二〇二五年", "2025-01-01", "2025-12-31", "year"),
    ("二零二五年六月", "2025-06-01", "2025-06-30", "month"),
    ("两千零四年八月十五", "2004-08-15", "2004-08-15", "day"),
    ("十二月", "2024-12-01", "2024-12-31", "month"),
    ("二十五日", "2025-05-25", "2025-05-25", "day"),
    ("2024 年 6 月", "2024-06-01", "2024-06-30", "month"),
    ("24年6月", "2024-06-01", "2024-06-30", "month"),
    ("零八年", "2008-01-01", "2008-12-31", "year"),
    ("2025年9月3号", "2025-09-03", "2025-09-03", "day"),
    ("2025年9月3號", "2025-09-03", "2025-09-03", "day"),
    ("2025年第三季度", "2025-07-01", "2025-09-30", "quarter"),
    ("2025年3季度", "2025-07-01", "2025-09-30", "quarter"),
    ("2025年Q3", "2025-07-01", "2025-09-30", "quarter"),
    ("25Q3", "2025-07-01", "2025-09-30", "quarter"),
    ("三季度", "2024-07-01", "2024-09-30", "quarter"),
    ("二季度", "2025-04-01", "2025-06-30", "quarter"),
    ("2025年前三季度", "2025-01-01", "2025-09-30", "months"),
    ("2025年上半年", "2025-01-01", "2025-06-30", "half"),
    ("2024年下半年", "2024-07-01", "2024-12-31", "half"),
    ("2025年9月上旬", "2025-09-01", "2025-09-10", "month-part"),
    ("2025年9月中旬", "2025-09-11", "2025-09-20", "month-part"),
    ("2025年9月下旬", "2025-09-21", "2025-09-30", "month-part"),
    ("2025年9月初", "2025-09-01", "2025-09-10", "month-part"),
    ("2025年9月中", "2025-09-11", "2025-09-20", "month-part"),
    ("2025年9月底", "2025-09-21", "2025-09-30", "month-part"),
    ("2025年2月末", "2025-02-21", "2025-02-28", "month-part"),
    ("2025年初", "2025-01-01", "2025-04-30", "year-part"),
    ("2025年中", "2025-05-01", "2025-08-31", "year-part"),
    ("2025年底", "2025-09-01", "2025-12-31", "year-part"),
    ("2025年末", "2025-09-01", "2025-12-31", "year-part"),
    ("2025年元旦", "2025-01-01", "2025-01-01", "day"),
    ("元旦", "2025-01-01", "2025-01-01", "day"),
    ("今年", "2025-01-01", "2025-12-31", "year"),
    ("去年", "2024-01-01", "2024-12-31", "year"),
    ("前年", "2023-01-01", "2023-12-31", "year"),
    ("明年", "2026-01-01", "2026-12-31", "year"),
    ("去年8月", "2024-08-01", "2024-08-31", "month"),
    ("今年Q1", "2025-01-01", "2025-03-31", "quarter"),
    ("去年底", "2024-09-01", "2024-12-31", "year-part"),
    ("今年上半年", "2025-01-01", "2025-06-30", "half"),
    ("本月", "2025-06-01", "2025-06-30", "month"),
    ("上个月", "2025-05-01", "2025-05-31", "month"),
    ("上個月", "2025-05-01", "2025-05-31", "month"),
    ("下个月", "2025-07-01", "2025-07-31", "month"),
    ("下個月", "2025-07-01", "2025-07-31", "month"),
    ("上月底", "2025-05-21", "2025-05-31", "month-part"),
    ("今天", "2025-06-06", "2025-06-06", "day"),
    ("昨天", "2025-06-05", "2025-06-05", "day"),
    ("昨日", "2025-06-05", "2025-06-05", "day"),
    ("前天", "2025-06-04", "2025-06-04", "day"),
    ("去年本月十日", "2024-06-10", "2024-06-10", "day"),
    ("2025年4月至5月", "2025-04-01", "2025-05-31", "months"),
    ("4月15日-17日", "2025-04-15", "2025-04-17", "days"),
    ("4月15日—17日", "2025-04-15", "2025-04-17", "days"),
    ("4月15日至5月3日", "2025-04-15", "2025-05-03", "range"),
    ("2025年4月到6月", "2025-04-01", "2025-06-30", "months"),
    ("2024-2025年", "2024-01-01", "2025-12-31", "range"),
    ("2024年12月至1月", "2024-12-01", "2025-01-31", "months"),
    ("从2016年一月十日到十二日", "2016-01-10", "2016-01-12", "days"),
    ("在2007年与2009年之间", "2007-01-01", "2009-12-31", "range"),
    ("2025年4月以来", "2025-04-01", "2025-06-06", "range"),
    ("2025年4月至今", "2025-04-01", "2025-06-06", "range"),
]

IGNORED_WORDS = [
    ("截至2025年6月", "2025-06-01", "2025-06-30", "month"),
    ("截止2025年6月30日", "2025-06-30", "2025-06-30", "day"),
    ("6月5日盘后", "2025-06-05", "2025-06-05", "day"),
    ("盤後6月5日", "2025-06-05", "2025-06-05", "day"),
    ("6月5日盘前", "2025-06-05", "2025-06-05", "day"),
    ("2025年6月5日晚", "2025-06-05", "2025-06-05", "day"),
    ("2025年6月5日晚间", "2025-06-05", "2025-06-05", "day"),
    ("6月5日早", "2025-06-05", "2025-06-05", "day"),
    ("凌晨5月3日", "2025-05-03", "2025-05-03", "day"),
    ("5月3日当天", "2025-05-03", "2025-05-03", "day"),
    ("5月3日当日", "2025-05-03", "2025-05-03", "day"),
    ("2025年5月期间", "2025-05-01", "2025-05-31", "month"),
    ("as of June 2025", "2025-06-01", "2025-06-30", "month"),
    ("on 3 May 2025", "2025-05-03", "2025-05-03", "day"),
    ("in 2025", "2025-01-01", "2025-12-31", "year"),
    ("by end of 2025", "2025-09-01", "2025-12-31", "year-part"),
    ("  3 May 2025.  ", "2025-05-03", "2025-05-03", "day"),
    ("2025年5月3日。", "2025-05-03", "2025-05-03", "day"),
]

LISTS = [   # consecutive items: their span; others: the interval that covers them
    ("今年4月和5月", "2025-04-01", "2025-05-31", "months"),
    ("4月和5月", "2025-04-01", "2025-05-31", "months"),
    ("2025年4月、5月", "2025-04-01", "2025-05-31", "months"),
    ("2025年4月与5月", "2025-04-01", "2025-05-31", "months"),
    ("2025年4月及5月", "2025-04-01", "2025-05-31", "months"),
    ("April and May 2025", "2025-04-01", "2025-05-31", "months"),
    ("April, May and June 2025", "2025-04-01", "2025-06-30", "months"),
    ("4月、5月和6月", "2025-04-01", "2025-06-30", "months"),
    ("2024年12月和1月", "2024-12-01", "2025-01-31", "months"),
    ("December and January 2025", "2024-12-01", "2025-01-31", "months"),
    ("4月15日和16日", "2025-04-15", "2025-04-16", "days"),
    ("15 and 16 April 2025", "2025-04-15", "2025-04-16", "days"),
    ("May 5, 2025 and May 6, 2025", "2025-05-05", "2025-05-06", "days"),
    ("昨天和今天", "2025-06-05", "2025-06-06", "days"),
    ("2023年和2024年", "2023-01-01", "2024-12-31", "range"),
    ("Q1 and Q2 2025", "2025-01-01", "2025-06-30", "months"),
    ("3月和5月", "2025-03-01", "2025-05-31", "range"),
    ("2025年5月和2025年3月", "2025-03-01", "2025-05-31", "range"),
    ("2025年5月和3月", "2025-05-01", "2026-03-31", "range"),     # items read in order
    ("4月15日和17日", "2025-04-15", "2025-04-17", "days"),
    ("2025年3月1日、2024年5月2日", "2024-05-02", "2025-03-01", "range"),
    ("between April and May 2025", "2025-04-01", "2025-05-31", "months"),
]

HOLIDAY_DAYS = [   # BASE = 2025-06-06: a bare holiday is the latest one not after it
    ("元旦", "2025-01-01"), ("New Year's Day", "2025-01-01"), ("new years day", "2025-01-01"),
    ("情人节", "2025-02-14"), ("情人節", "2025-02-14"), ("Valentine's Day", "2025-02-14"),
    ("Valentine’s Day", "2025-02-14"), ("妇女节", "2025-03-08"), ("三八妇女节", "2025-03-08"),
    ("劳动节", "2025-05-01"), ("勞動節", "2025-05-01"), ("五一", "2025-05-01"),
    ("五一劳动节", "2025-05-01"), ("儿童节", "2025-06-01"), ("六一", "2025-06-01"),
    ("建党节", "2024-07-01"), ("七一", "2024-07-01"), ("国庆", "2024-10-01"),
    ("国庆节", "2024-10-01"), ("國慶", "2024-10-01"), ("万圣节", "2024-10-31"),
    ("萬聖節", "2024-10-31"), ("Halloween", "2024-10-31"), ("双十一", "2024-11-11"),
    ("双11", "2024-11-11"), ("雙十一", "2024-11-11"), ("Singles' Day", "2024-11-11"),
    ("双十二", "2024-12-12"), ("平安夜", "2024-12-24"), ("Christmas Eve", "2024-12-24"),
    ("圣诞", "2024-12-25"), ("圣诞节", "2024-12-25"), ("聖誕節", "2024-12-25"),
    ("Christmas", "2024-12-25"), ("Christmas Day", "2024-12-25"),
    ("去年万圣节", "2024-10-31"), ("2023年国庆", "2023-10-01"), ("今年元旦", "2025-01-01"),
    ("Christmas 2023", "2023-12-25"), ("Halloween of 2020", "2020-10-31"),
    ("2025年10月1日国庆", "2025-10-01"), ("明年情人节", "2026-02-14"),
    ("春节", "2025-01-29"), ("春節", "2025-01-29"), ("Chinese New Year", "2025-01-29"),
    ("Spring Festival", "2025-01-29"), ("2024年春节", "2024-02-10"), ("2026年春节", "2026-02-17"),
    ("除夕", "2025-01-28"), ("元宵节", "2025-02-12"), ("Lantern Festival", "2025-02-12"),
    ("端午", "2025-05-31"), ("端午节", "2025-05-31"), ("Dragon Boat Festival", "2025-05-31"),
    ("中秋", "2024-09-17"), ("中秋节", "2024-09-17"), ("Mid-Autumn Festival", "2024-09-17"),
    ("2025年中秋", "2025-10-06"), ("去年中秋", "2024-09-17"), ("2000年春节", "2000-02-05"),
    ("2050年中秋", "2050-09-30"),
]

QUARTER_PARTS = [
    ("第三季度末", "2024-09-01", "2024-09-30"), ("三季度末", "2024-09-01", "2024-09-30"),
    ("Q3末", "2024-09-01", "2024-09-30"), ("2025Q3末", "2025-09-01", "2025-09-30"),
    ("2025年第三季度末", "2025-09-01", "2025-09-30"), ("截至2025年第三季度末", "2025-09-01", "2025-09-30"),
    ("end of Q3 2025", "2025-09-01", "2025-09-30"), ("the end of the third quarter of 2024",
                                                    "2024-09-01", "2024-09-30"),
    ("early Q2 2025", "2025-04-01", "2025-04-30"), ("mid-Q3 2025", "2025-08-01", "2025-08-31"),
    ("2025年一季度初", "2025-01-01", "2025-01-31"), ("本季度末", "2025-06-01", "2025-06-30"),
    ("上季度末", "2025-03-01", "2025-03-31"), ("季末", "2025-06-01", "2025-06-30"),
    ("季度末", "2025-06-01", "2025-06-30"), ("季度初", "2025-04-01", "2025-04-30"),
    ("季初", "2025-04-01", "2025-04-30"),
]

RELATIVE = [   # RELATIVE_SPANS, all approximate
    ("2026年元旦刚过", date(2026, 1, 5), "2026-01-01", "2026-01-10", "days"),
    ("元旦过后", BASE, "2025-01-01", "2025-01-10", "days"),
    ("国庆之后不久", BASE, "2024-10-01", "2024-10-10", "days"),
    ("shortly after Christmas 2024", BASE, "2024-12-25", "2025-01-03", "range"),
    ("just after 15 May 2025", BASE, "2025-05-15", "2025-05-24", "days"),
    ("2025年第一季度刚过", BASE, "2025-03-31", "2025-04-09", "range"),
    ("近日", BASE, "2025-05-27", "2025-06-06", "range"),
    ("日前", date(2025, 6, 20), "2025-06-10", "2025-06-20", "days"),
    ("近期", BASE, "2025-05-07", "2025-06-06", "range"),
    ("最近", BASE, "2025-05-07", "2025-06-06", "range"),
    ("recently", BASE, "2025-05-07", "2025-06-06", "range"),
    ("国庆前后", BASE, "2024-10-01", "2024-10-01", "day"),
    ("国庆前夕", BASE, "2024-10-01", "2024-10-01", "day"),
    ("国庆期间", BASE, "2024-10-01", "2024-10-01", "day"),
    ("春节期间", BASE, "2025-01-29", "2025-01-29", "day"),
    ("during Christmas 2024", BASE, "2024-12-25", "2024-12-25", "day"),
    ("国庆假期", BASE, "2024-10-01", "2024-10-01", "day"),
]

EARLY_YEAR = ["年初伊始", "开年", "2025年开年", "2025年伊始", "今年开年", "开年以来"]


@pytest.mark.parametrize("text,start,end,precision", LISTS)
def test_lists(text, start, end, precision):
    got = check(text, start, end, precision)
    assert not got.approximate


@pytest.mark.parametrize("text,day", HOLIDAY_DAYS)
def test_holidays(text, day):
    got = check(text, day, day, "day")
    assert not got.approximate and got.edtf == day


@pytest.mark.parametrize("text,start,end", QUARTER_PARTS)
def test_quarter_parts(text, start, end):
    check(text, start, end, "month")


@pytest.mark.parametrize("text,base,start,end,precision", RELATIVE)
def test_relative_spans_are_approximate(text, base, start, end, precision):
    got = check(text, start, end, precision, base)
    assert got.approximate and got.edtf.endswith("~")


@pytest.mark.parametrize("text", EARLY_YEAR)
def test_early_year_words(text):
    got = parse_date(text, BASE)
    assert got.start == date(2025, 1, 1) and got.precision in ("year-part", "range")
    assert got.end == (date(2025, 4, 30) if got.precision == "year-part" else BASE)


@pytest.mark.parametrize("text", ["五一二", "十五一", "圣诞老人", "中国庆祝", "召开年会", "季度", "伊始",
                                  "刚过", "Christmas tree"])
def test_holiday_and_relative_words_only_as_words(text):
    with pytest.raises(DateParseError):
        parse_date(text, BASE)


def test_period_期间_is_ignored_after_other_dates():
    got = parse_date("2025年5月期间", BASE)
    assert (got.precision, got.approximate) == ("month", False)


def test_lunar_table():
    assert [festival("spring", y).isoformat() for y in (2024, 2025, 2026)] == \
        ["2024-02-10", "2025-01-29", "2026-02-17"]
    assert festival("mid-autumn", 2024) == date(2024, 9, 17)
    assert festival("mid-autumn", 2025) == date(2025, 10, 6)
    assert festival("dragon-boat", 2025) == date(2025, 5, 31)
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        spring = festival("spring", year)
        assert date(year, 1, 21) <= spring <= date(year, 2, 20)
        assert festival("eve", year) == spring - timedelta(days=1)
        assert date(year, 5, 28) - timedelta(days=1) <= festival("dragon-boat", year) <= date(year, 6, 25)
        assert date(year, 9, 7) <= festival("mid-autumn", year) <= date(year, 10, 8)
    assert festival("spring", LAST_YEAR + 1) is None
    with pytest.raises(DateParseError, match="known for 2000–2050 only"):
        parse_date("2060年春节", BASE)
    with pytest.raises(DateParseError, match="known for 2000–2050 only"):
        parse_date("春节", date(2000, 1, 10))     # 春节 2000 is Feb 5, after the base


def test_lists_in_running_text():
    text = "公司在2025年4月15日、5月29日分别发布新品；4月和5月销量大增，3月和5月各有一次，4月15日和17日停牌"
    found = [(text[s:e], d.start.isoformat(), d.end.isoformat(), d.precision)
             for s, e, d in find_dates(text, BASE)]
    assert found == [("2025年4月15日", "2025-04-15", "2025-04-15", "day"),
                     ("5月29日", "2025-05-29", "2025-05-29", "day"),
                     ("4月和5月", "2025-04-01", "2025-05-31", "months"),
                     ("3月", "2025-03-01", "2025-03-31", "month"),
                     ("5月", "2025-05-01", "2025-05-31", "month"),
                     ("4月15日和17日", "2025-04-15", "2025-04-17", "days")]


def test_holidays_and_relative_words_in_running_text():
    text = "日前，公司宣布国庆期间客流大增，中国庆祝成立；2026年元旦刚过又发布。圣诞老人来了。"
    found = [(text[s:e], d.approximate) for s, e, d in find_dates(text, BASE)]
    assert found == [("日前", True), ("国庆期间", True), ("2026年元旦刚过", True)]


@pytest.mark.parametrize("text,base,start,end", [
    ("去年9月", date(2025, 3, 27), "2024-09-01", "2024-09-30"),
    ("12月", date(2025, 3, 27), "2024-12-01", "2024-12-31"),
    ("4月底", date(2025, 11, 28), "2025-04-21", "2025-04-30"),
    ("2025年4月以来", date(2025, 11, 28), "2025-04-01", "2025-11-28"),
])
def test_checked_readings(text, base, start, end):
    got = parse_date(text, base)
    assert (got.start.isoformat(), got.end.isoformat()) == (start, end)


APPROXIMATE = ["2025年6月左右", "2025年6月前后", "大约2025年6月", "约2025年6月", "about June 2025",
               "around June 2025", "circa June 2025", "c. June 2025"]


@pytest.mark.parametrize("text,start,end,precision", NUMERIC + ENGLISH + CHINESE + IGNORED_WORDS)
def test_reads(text, start, end, precision):
    check(text, start, end, precision)


@pytest.mark.parametrize("text", APPROXIMATE)
def test_approximate(text):
    got = check(text, "2025-06-01", "2025-06-30", "month")
    assert got.approximate and got.edtf == "2025-06~"


@pytest.mark.parametrize("text,base,start,end", [
    ("12月中旬", date(2026, 1, 5), "2025-12-11", "2025-12-20"),
    ("6月6日", date(2025, 6, 6), "2025-06-06", "2025-06-06"),
    ("7月", date(2025, 6, 6), "2024-07-01", "2024-07-31"),
    ("6月", date(2025, 6, 6), "2025-06-01", "2025-06-30"),
    ("三季度", date(2025, 7, 1), "2025-07-01", "2025-09-30"),
    ("三季度", date(2025, 6, 30), "2024-07-01", "2024-09-30"),
    ("29日", date(2016, 3, 10), "2016-02-29", "2016-02-29"),
    ("29日", date(2018, 2, 10), "2018-01-29", "2018-01-29"),
    ("2月29日", date(2019, 3, 22), "2016-02-29", "2016-02-29"),
    ("Feb 29", date(2020, 3, 22), "2020-02-29", "2020-02-29"),
    ("年底", date(2025, 6, 6), "2024-09-01", "2024-12-31"),
    ("next june", date(2016, 11, 7), "2017-06-01", "2017-06-30"),
    ("this September", date(2016, 11, 7), "2016-09-01", "2016-09-30"),
])
def test_most_recent_not_after_base(text, base, start, end):
    got = parse_date(text, base)
    assert (got.start.isoformat(), got.end.isoformat()) == (start, end)
    assert got.base == base


def test_year_context_is_not_needed_for_full_dates():
    assert parse_date("2025-04-15", BASE).base is None
    assert parse_date("2025-04-15").base is None
    assert parse_date("yesterday").base == date.today()
    assert parse_date("7月").base == date.today()


@pytest.mark.parametrize("text,message", [
    ("2月30日", "'2月30日': February has no day 30"),
    ("2025年13月", "'2025年13月': there is no month 13"),
    ("13/14/2025", "'13/14/2025': neither 13 nor 14 can be a month"),
    ("2025-02-29", "'2025-02-29': February 2025 has no day 29"),
    ("31 April 2025", "'31 April 2025': April has no day 31"),
    ("foobar", "could not read 'foobar' as a date; try 2025-04-15, 'Sep 2025' or '2025年9月下旬'"),
    ("", "could not read '' as a date: it is empty; try 2025-04-15, 'Sep 2025' or '2025年9月下旬'"),
    ("   ", "could not read '   ' as a date: it is empty; try 2025-04-15, 'Sep 2025' or '2025年9月下旬'"),
    ("2025年5月3日至2025年4月1日", "'2025年5月3日至2025年4月1日': the range ends (2025-04-01) before it starts (2025-05-03)"),
    # a borrowed year moves only when the calendar wraps (12月至1月), not for days out of order
    ("2025年11月20日至11月19日", "'2025年11月20日至11月19日': the range ends (2025-11-19) before it starts (2025-11-20)"),
    ("2025年11月20日至19日", "'2025年11月20日至19日': the range ends (2025-11-19) before it starts (2025-11-20)"),
    ("Christmas 2024 to Dec 5", "'Christmas 2024 to Dec 5': the range ends (2024-12-05) before it starts (2024-12-25)"),
    ("Monday 3 May 2025", "'Monday 3 May 2025': 3 May 2025 is a Saturday, not a Monday"),
    ("15", "could not read '15' as a date; try 2025-04-15, 'Sep 2025' or '2025年9月下旬'"),
])
def test_errors(text, message):
    with pytest.raises(DateParseError) as err:
        parse_date(text, BASE)
    assert str(err.value) == message
    assert "\n" not in str(err.value)


def test_since_a_month_after_the_base_is_an_error():
    with pytest.raises(DateParseError, match="ends \\(2025-03-01\\) before it starts"):
        parse_date("2025年4月以来", date(2025, 3, 1))


@pytest.mark.parametrize("text,edtf,en,zh", [
    ("2025-04-15", "2025-04-15", "15 Apr 2025", "2025年4月15日"),
    ("4月15日-17日", "2025-04-15/2025-04-17", "15–17 Apr 2025", "2025年4月15日至17日"),
    ("2025年9月", "2025-09", "Sep 2025", "2025年9月"),
    ("2025年9月上旬", "2025-09-01/2025-09-10", "early Sep 2025", "2025年9月上旬"),
    ("mid September 2025", "2025-09-11/2025-09-20", "mid Sep 2025", "2025年9月中旬"),
    ("2025年9月底", "2025-09-21/2025-09-30", "late Sep 2025", "2025年9月下旬"),
    ("2025年4月至5月", "2025-04/2025-05", "Apr–May 2025", "2025年4月至5月"),
    ("Q3 2025", "2025-35", "Q3 2025", "2025年第三季度"),
    ("Q1 2025", "2025-33", "Q1 2025", "2025年第一季度"),
    ("H1 2025", "2025-40", "H1 2025", "2025年上半年"),
    ("H2 2025", "2025-41", "H2 2025", "2025年下半年"),
    ("2025", "2025", "2025", "2025年"),
    ("2025年初", "2025-01/2025-04", "early 2025", "2025年初"),
    ("mid-2025", "2025-05/2025-08", "mid 2025", "2025年中"),
    ("2025年底", "2025-09/2025-12", "late 2025", "2025年底"),
    ("4月15日至5月3日", "2025-04-15/2025-05-03", "15 Apr 2025 – 3 May 2025",
     "2025年4月15日至2025年5月3日"),
    ("2024-2025年", "2024/2025", "2024–2025", "2024年至2025年"),
    ("2024年11月至2025年2月", "2024-11/2025-02", "Nov 2024 – Feb 2025", "2024年11月至2025年2月"),
    ("2025年9月左右", "2025-09~", "about Sep 2025", "2025年9月左右"),
    # ranges between parts of months or years keep the parts, not the days they stand for
    ("2025年9月底至10月初", "2025-09-21/2025-10-10", "late Sep – early Oct 2025", "2025年9月下旬至10月上旬"),
    ("late Dec 2024 to early Jan 2025", "2024-12-21/2025-01-10", "late Dec 2024 – early Jan 2025",
     "2024年12月下旬至2025年1月上旬"),
    ("2024年底至2025年初", "2024-09/2025-04", "late 2024 – early 2025", "2024年底至2025年初"),
    ("2024年12月30日至1月2日", "2024-12-30/2025-01-02", "30 Dec 2024 – 2 Jan 2025",
     "2024年12月30日至2025年1月2日"),
    ("2024年9月上旬至9月中旬", "2024-09-01/2024-09-20", "early Sep – mid Sep 2024", "2024年9月上旬至9月中旬"),
    ("2024年初至年中", "2024-01/2024-08", "early 2024 – mid 2024", "2024年初至2024年中"),
    # a lunar year wraps as a calendar year does
    ("2024年元宵节至春节", "2024-02-24/2025-01-29", "24 Feb 2024 – 29 Jan 2025", "2024年2月24日至2025年1月29日"),
    ("约2025年9月下旬", "2025-09-21~/2025-09-30~", "about late Sep 2025", "2025年9月下旬左右"),
])
def test_edtf_and_display(text, edtf, en, zh):
    got = parse_date(text, BASE)
    assert (got.edtf, got.display("en"), got.display("zh")) == (edtf, en, zh)
    assert to_edtf(got.start, got.end, got.precision, got.approximate) == edtf
    assert describe(got.start, got.end, got.precision, "zh", got.approximate) == zh


def test_describe_falls_back_to_a_range_for_mismatched_fields():
    assert describe(D("2025-04-03"), D("2025-04-09"), "month") == "3 Apr 2025 – 9 Apr 2025"
    assert to_edtf(D("2025-04-03"), D("2025-04-09"), "month") == "2025-04-03/2025-04-09"


def test_to_dict():
    got = parse_date("4月15日", date(2025, 4, 15))
    assert got.to_dict() == {"text": "4月15日", "base": "2025-04-15", "start": "2025-04-15",
                             "end": "2025-04-15", "precision": "day", "edtf": "2025-04-15",
                             "display": {"en": "15 Apr 2025", "zh": "2025年4月15日"}}
    assert parse_date("2025").to_dict()["base"] is None


def test_boundary_table_is_consistent():
    for (level, part), (first, last, words) in BOUNDARIES.items():
        assert level in ("month", "quarter", "year") and part in ("early", "mid", "late")
        assert first <= last and words
    for key, (when, words) in HOLIDAYS.items():
        assert words and (when in FESTIVALS or date(2024, *when))
    for key, (anchor, first, last, words) in RELATIVE_SPANS.items():
        assert anchor in ("base", "end") and first <= last and words


def test_dateparser_fallback_is_checked_and_lazy():
    got = parse_date("3 days ago", BASE)
    assert (got.start, got.precision, got.base) == (date(2025, 6, 3), "day", BASE)
    code = "import sys, timeline.dates as d; d.parse_date('2025年9月下旬'); print('dateparser' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_find_dates():
    text = "快手2025年4月15日发布可灵2.0，5月29日又推出新版本；截至6月底，用户超过2200万。" \
           "Kling launched on 6 June 2024 and may grow in Q3 2025, 4.5% of 1500 staff."
    found = find_dates(text, date(2025, 7, 10))
    assert [text[s:e] for s, e, _ in found] == ["2025年4月15日", "5月29日", "6月底", "6 June 2024",
                                                 "Q3 2025"]
    assert [d.start.isoformat() for _, _, d in found] == ["2025-04-15", "2025-05-29", "2025-06-21",
                                                          "2024-06-06", "2025-07-01"]


def test_find_dates_year_context():
    text = "2023年3月1日公布，12月20日上线"
    (_, _, first), (_, _, second) = find_dates(text, date(2025, 1, 5))
    assert second.start == date(2023, 12, 20)       # the year the text just set
    (_, _, later), = find_dates("12月20日上线", date(2025, 1, 5))
    assert later.start == date(2024, 12, 20)        # no context: most recent


# ------------------------------------------------------------------------------ properties

DATEISH = (list("0123456789０１２３４５６７８９年月日号號季度上下旬初中底末去今明前后半第个個QHqh-/.~ ,")
           + list("〇零一二两三四五六七八九十") + ["January", "Sep", "May", "early", "late", "mid",
                                                 "end of", "to", "between", "and", "about", "左右",
                                                 "至", "到", "2025", "2024", "Q3", "H1", "FY"]
           + ["和", "、", "国庆", "春节", "中秋", "Christmas", "刚过", "近日", "季末", "伊始", "期间",
              "前夕", "开年", "五一"])
dateish_text = st.lists(st.sampled_from(DATEISH), max_size=8).map("".join)
bases = st.dates(min_value=date(1990, 1, 1), max_value=date(2035, 12, 31))
FAST = settings(max_examples=int(os.environ.get("DATES_EXAMPLES", "300")), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parse_or_none(text, base):
    try:
        return parse_date(text, base)
    except DateParseError:
        return None


@FAST
@given(st.one_of(st.text(max_size=25), dateish_text), bases)
def test_never_raises_anything_else_and_start_not_after_end(text, base):
    got = _parse_or_none(text, base)
    if got is not None:
        assert isinstance(got, FuzzyDate)
        assert got.start <= got.end and got.precision in PRECISIONS


@FAST
@given(dateish_text, bases, bases)
def test_display_parses_back(text, base, other_base):
    got = _parse_or_none(text, base)
    if got is None:
        return
    for lang in ("en", "zh"):
        shown = got.display(lang)
        again = parse_date(shown, other_base)
        assert (again.start, again.end, again.precision, again.approximate) == \
            (got.start, got.end, got.precision, got.approximate), shown


@FAST
@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9990, 12, 31)),
       st.integers(min_value=0, max_value=800), st.sampled_from(PRECISIONS), st.booleans())
def test_describe_of_parsed_shapes_round_trips(start, days, precision, approx):
    from datetime import timedelta
    end = start + timedelta(days=days)
    shown = describe(start, end, precision, "en", approx)
    again = parse_date(shown)
    assert (again.start, again.end, again.approximate) == (start, end, approx)


@FAST
@given(st.lists(st.one_of(st.text(max_size=6), dateish_text), max_size=5).map(" ".join), bases)
def test_find_dates_offsets_slice_the_text(text, base):
    last_end = 0
    for s, e, got in find_dates(text, base):
        assert text[s:e] == got.text and s >= last_end and s < e
        last_end = e


@pytest.mark.parametrize("start, end, precision, bounds, extent", [
    ("2025-04-15", "2025-04-15", "day", ("2025-04-15", "2025-04-15"), "2025-04-15"),
    ("2025-04-15", "2025-04-17", "days", ("2025-04-15", "2025-04-17"), "2025-04"),
    ("2025-09-21", "2025-09-30", "month-part", ("2025-09", "2025-09"), "2025-09"),
    ("2025-07-01", "2025-09-30", "quarter", ("2025-07", "2025-09"), "2025"),
    ("2025-01-01", "2025-04-30", "year-part", ("2025", "2025"), "2025"),
    ("2024-11-01", "2025-02-28", "months", ("2024-11", "2025-02"), None),
    ("2019-03-01", "2021-05-31", "range", ("2019-03-01", "2021-05-31"), None),
])
def test_iso_bounds_and_extent_say_no_more_than_is_known(start, end, precision, bounds, extent):
    from timeline.dates import iso_bounds, iso_extent
    assert iso_bounds(start, end, precision) == bounds
    assert iso_extent(start, end, precision) == extent


def test_ranges_between_parts_of_months_and_years_read_back():
    """Every "Y年M月X旬至Y年M月X旬" and "Y年X至Y年X" shows a text that reads back to the same
    interval and precision, in both languages (within one month or year, or across)."""
    parts_m, parts_y = ["上旬", "中旬", "下旬"], ["初", "中", "底"]
    texts = [f"2024年{m1}月{p1}至{y2}年{m2}月{p2}"
             for m1 in range(1, 13) for p1 in parts_m for y2 in (2024, 2025)
             for m2 in range(1, 13) for p2 in parts_m if (y2, m2) >= (2024, m1)]
    texts += [f"{y1}年{p1}至{y2}年{p2}" for y1 in (2024,) for p1 in parts_y
              for y2 in (2024, 2025) for p2 in parts_y]
    checked = 0
    for text in texts:
        try:
            got = parse_date(text, BASE)
        except DateParseError:
            continue  # ends before it starts (2024年9月下旬至9月上旬)
        for lang in ("en", "zh"):
            again = parse_date(got.display(lang), BASE)
            assert (again.start, again.end, again.precision) == (got.start, got.end, got.precision), \
                (text, got.display(lang))
        checked += 1
    assert checked > 1000


@pytest.mark.parametrize("text", ["1January-January", "1 January to January 2025", "2025年1月1日至1月"])
def test_a_day_to_its_own_month_is_a_span_of_days_and_reads_back(text):
    """From a day to the end of its month is days of one month, shown "1–31 Jan", which
    reads back the same (it was a "range" shown in a form that read back as days)."""
    got = parse_date(text, date(2025, 1, 1))
    assert (got.start.day, got.end.day, got.precision) == (1, 31, "days")
    for lang in ("en", "zh"):
        again = parse_date(got.display(lang), date(2000, 1, 1))
        assert (again.start, again.end, again.precision) == (got.start, got.end, got.precision)
