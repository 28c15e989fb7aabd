"""From tokens to an interval, for timeline.dates.

The tokens of each side of a range ("X to Y", "X至Y", "between X and Y") or of each item
of a list ("4月和5月", "2025年4月、5月", "April and May 2025") fill in fields (year, month,
day, quarter, holiday, ...) in any order, a side or an item without a year (or month)
borrows it from its neighbours, and the fields become an interval (`_resolve`).

A list of periods that follow one another without a gap is their span, with the
precision of the range from the first to the last ("4月和5月" = Apr–May, "months");
any other list is the interval that covers all its items, with the precision a written
span of those days has ("days" within one month, else "range"): never a day outside it.
Items are read in order, as the sides of a range are: "2024年12月和1月" ends in Jan 2025.
In running text (find mode) such a list is split into its items when none of them
needs a neighbour's month or day, or a year from a later item.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from timeline.dates_lunar import FIRST_YEAR, LAST_YEAR, festival
from timeline.dates_tokens import (BOUNDARIES, RELATIVE_SPANS, _MON_EN, _MONTH_NAMES,
                                   _NoRule, _numeric)
from timeline.errors import DateParseError

# ------------------------------------------------------------------------------ fields

def _put(fields: dict, key: str, value: object) -> None:
    if key in fields and fields[key] != value:
        raise _NoRule(key)
    fields[key] = value


def _side_fields(tokens: list) -> dict:
    """Fill the fields of one side of a range from its tokens, in any order."""
    fields: dict = {}
    loose: list[int] = []
    for kind, payload, *_ in tokens:
        if kind == "set":
            for key, value in payload.items():
                _put(fields, key, value)
        elif kind == "num":
            value, digits = payload
            if digits == 4:
                _put(fields, "year", value)
            elif digits <= 2:
                loose.append(value)
            else:
                raise _NoRule(str(value))
        elif kind == "part":
            _put(fields, "part", payload)
        elif kind == "eday":
            _put(fields, "day", payload)
        elif kind == "now":
            _put(fields, "drel", 0)
        elif kind == "weekday":
            _put(fields, "weekday", payload)
        elif kind not in ("noise", "from", "betend", "approx", "holiday", "during", "comma"):
            raise _NoRule(kind)
    if "part" in fields:
        part = fields.pop("part")
        level = next((k for k in ("part_m", "part_q", "part_y") if k in fields), None)
        if level is None:
            if "month" in fields or "mrel" in fields:
                level = "part_m"
            elif "quarter" in fields or "qrel" in fields:
                level = "part_q"
            elif "year" in fields or "yrel" in fields:
                level = "part_y"
            else:
                raise _NoRule("'late' of what?")
        _put(fields, level, part)
    if loose:
        if len(loose) > 1 or "day" in fields:
            raise _NoRule("numbers")
        if "month" in fields or "mrel" in fields:
            fields["day"] = loose[0]
        else:
            fields["loose"] = loose[0]
    return fields


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _shift_month(year: int, month: int, offset: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + offset
    return index // 12, index % 12 + 1


def _interval(kind: str, f: dict, year: int, month: int | None):
    """(start, end) of the period `kind` in `year` (and `month`), or None if it has no such day."""
    if kind == "day":
        if f["day"] > calendar.monthrange(year, month)[1]:
            return None
        d = date(year, month, f["day"])
        return d, d
    if kind == "month-part":
        first, last, _ = BOUNDARIES[("month", f["part_m"])]
        end = _month_end(year, month)
        return date(year, month, first), min(end, date(year, month, min(last, end.day)))
    if kind == "month":
        return date(year, month, 1), _month_end(year, month)
    if kind == "quarter":
        q = f["quarter"]
        return date(year, 3 * q - 2, 1), _month_end(year, 3 * q)
    if kind == "half":
        h = f["half"]
        return date(year, 6 * h - 5, 1), _month_end(year, 6 * h)
    if kind == "upto":
        return date(year, 1, 1), _month_end(year, 3 * f["upto"])
    if kind == "year-part":
        first, last, _ = BOUNDARIES[("year", f["part_y"])]
        return date(year, first, 1), _month_end(year, last)
    if kind == "quarter-part":
        offset = BOUNDARIES[("quarter", f["part_q"])][0] - 1
        if "quarter" in f:
            month = 3 * f["quarter"] - 2 + offset
        elif (month - 1) % 3 != offset:
            return None
        return date(year, month, 1), _month_end(year, month)
    if kind == "lunar":
        d = festival(f["lunar"], year)
        return None if d is None else (d, d)
    return date(year, 1, 1), date(year, 12, 31)


_KIND_PRECISION = {"upto": "months", "quarter-part": "month", "lunar": "day"}
# fields that name a period on their own -> the fields they may go with
_ALONE = {"drel": {"drel", "weekday"}, "recent": {"recent"},
          "lunar": {"lunar", "year", "yrel", "weekday"},
          "part_q": {"part_q", "quarter", "qrel", "year", "yrel"}}


def _kind(f: dict) -> str:
    """Which period the fields name, or _NoRule if they do not fit together."""
    has_month = "month" in f or "mrel" in f
    others = [k for k in ("day", "part_m", "quarter", "qrel", "half", "upto", "part_y") if k in f]
    if "loose" in f or ("year" in f and "yrel" in f):
        raise _NoRule("loose number or two years")
    for key in _ALONE.keys() & f.keys():
        if f.keys() - _ALONE[key]:
            raise _NoRule(key)
        return {"part_q": "quarter-part"}.get(key, key)
    if len(others) > 1 and not (others == ["quarter", "qrel"]):
        raise _NoRule("fields")
    if "day" in f:
        return "day"
    if "part_m" in f:
        return "month-part"
    if has_month:
        if others:
            raise _NoRule("fields")
        return "month"
    if "quarter" in f or "qrel" in f:
        return "quarter"
    if "half" in f:
        return "half"
    if "upto" in f:
        return "upto"
    if "part_y" in f:
        return "year-part"
    if "year" in f or "yrel" in f:
        return "year"
    raise _NoRule("nothing")


def _check_values(f: dict, text: str) -> None:
    """Raise DateParseError for values that name no date at all."""
    if "month" in f and not 1 <= f["month"] <= 12:
        raise DateParseError(f"{text!r}: there is no month {f['month']}")
    if "quarter" in f and not 1 <= f["quarter"] <= 4:
        raise DateParseError(f"{text!r}: there is no quarter {f['quarter']}")
    if "upto" in f and not 1 <= f["upto"] <= 4:
        raise DateParseError(f"{text!r}: there is no quarter {f['upto']}")
    if "year" in f and not 1000 <= f["year"] <= 9999:
        raise DateParseError(f"{text!r}: year {f['year']} is outside 1000–9999")
    if "day" in f:
        day = f["day"]
        if day < 1 or day > 31:
            raise DateParseError(f"{text!r}: there is no day {day} in a month")
        if "month" in f and day > calendar.monthrange(2000, f["month"])[1]:
            raise DateParseError(f"{text!r}: {_MONTH_NAMES[f['month'] - 1].title()} has no day {day}")
        if "month" in f and "year" in f and day > calendar.monthrange(f["year"], f["month"])[1]:
            raise DateParseError(f"{text!r}: {_MONTH_NAMES[f['month'] - 1].title()} "
                                 f"{f['year']} has no day {day}")


def _resolve(f: dict, text: str, base: date, anchor: date | None = None,
             future: bool = False, ctx_year: int | None = None):
    """Fields -> (start, end, precision, needed_base).

    A period without a year is the latest one whose start is not after `anchor` (the
    base unless given), or with `future` the earliest one whose start is not before it.
    """
    kind = _kind(f)
    _check_values(f, text)
    anchor = anchor or base
    if kind == "drel":
        d = base + timedelta(days=f["drel"])
        return _check_weekday(f, d, d, "day", True, text)
    if kind == "recent":
        _, first, last, _ = RELATIVE_SPANS[f["recent"]]
        start, end = base + timedelta(days=first), base + timedelta(days=last)
        return start, end, _day_span(start, end), True
    needs_base = "yrel" in f or "mrel" in f or "qrel" in f
    year = f.get("year")
    if "yrel" in f:
        year = base.year + f["yrel"]
    month = f.get("month")
    if "mrel" in f:
        y, month = _shift_month(base.year, base.month, f["mrel"])
        year = y if year is None else year
    if "qrel" in f:
        y, q0 = divmod(base.year * 4 + (base.month - 1) // 3 + f["qrel"], 4)
        f = {**f, "quarter": q0 + 1}
        year = y if year is None else year
    precision = _KIND_PRECISION.get(kind, kind)
    by_month = month is None and (kind in ("day", "month-part")
                                  or kind == "quarter-part" and "quarter" not in f)
    if year is not None:
        if by_month:
            raise _NoRule("day without month")
        span = _interval(kind, f, year, month)
        if span is None:
            raise DateParseError(_no_such(f, text, year, month))
        return _check_weekday(f, *span, precision, needs_base, text)
    # No year: search for the right occurrence around the anchor.
    mdir = f.get("mdir")
    if mdir == "this":
        span = _interval(kind, f, base.year, month)
        if span is None:
            raise DateParseError(_no_such(f, text, base.year, month))
        return _check_weekday(f, *span, precision, True, text)
    if mdir == "last":
        anchor, future = date(base.year, base.month, 1) - timedelta(days=1), False
    elif mdir == "next":
        anchor, future = _month_end(base.year, base.month) + timedelta(days=1), True
    if ctx_year is not None and not by_month:
        span = _interval(kind, f, ctx_year, month)
        if span is not None and span[0] <= base:
            return _check_weekday(f, *span, precision, False, text)
    step = 1 if future else -1
    for i in range(0, 100):
        if by_month:
            y, m = _shift_month(anchor.year, anchor.month, step * i)
        else:
            y, m = anchor.year + step * i, month
        if not 1000 <= y <= 9999:
            break
        span = _interval(kind, f, y, m)
        if span is not None and (span[0] >= anchor if future else span[0] <= anchor):
            return _check_weekday(f, *span, precision, True, text)
    if "lunar" in f:
        raise DateParseError(_no_such(f, text, None, month))
    raise DateParseError(f"{text!r}: no such date near {anchor.isoformat()}")


def _no_such(f: dict, text: str, year: int | None, month: int | None) -> str:
    if "lunar" in f:
        return (f"{text!r}: lunar festival dates are known for {FIRST_YEAR}–{LAST_YEAR} only"
                + (f", not {year}" if year else ""))
    return f"{text!r}: {_MON_EN[month - 1]} {year} has no day {f['day']}"


def _day_span(start: date, end: date) -> str:
    """The precision a written span of these days has: 'day', 'days' or 'range'."""
    if start == end:
        return "day"
    return "days" if (start.year, start.month) == (end.year, end.month) else "range"


def _check_weekday(f: dict, start: date, end: date, precision: str, needs_base: bool, text: str):
    if "weekday" in f:
        if start != end:
            raise _NoRule("weekday with a period")
        if start.weekday() != f["weekday"]:
            raise DateParseError(f"{text!r}: {start.day} {_MON_EN[start.month - 1]} {start.year} "
                                 f"is a {calendar.day_name[start.weekday()]}, "
                                 f"not a {calendar.day_name[f['weekday']]}")
    return start, end, precision, needs_base


# ------------------------------------------------------------------------------ reading

def _anchored(f: dict) -> bool:
    return any(k in f for k in ("year", "yrel", "mrel", "drel", "qrel", "mdir"))


def _borrow(a: dict, b: dict) -> bool:
    """Let side `a` take what it lacks (day context, month, year) from side `b`."""
    if "loose" in a and "day" in b:
        a["day"] = a.pop("loose")
    borrowed = False
    if "day" in a and not ("month" in a or "mrel" in a or "drel" in a):
        for key in ("month", "mrel"):
            if key in b:
                a[key] = b[key]
    if not any(k in a for k in ("year", "yrel", "drel", "mrel", "qrel")) and "drel" not in b:
        for key in ("year", "yrel"):
            if key in b:
                a[key] = b[key]
                borrowed = True
    return borrowed


def _combine(left: tuple, right: tuple) -> str:
    """The precision of the range from `left` to `right` (both (start, end, precision))."""
    (ls, _, lp), (_, re_, rp) = left, right
    month_like = ("month", "months", "quarter", "half")
    if lp in ("day", "days") and rp in ("day", "days"):
        return _day_span(ls, re_)
    if lp in month_like and rp in month_like:
        return "month" if (ls.year, ls.month) == (re_.year, re_.month) else "months"
    if lp in ("day", "days", "month") and rp in ("day", "days", "month") \
            and (ls.year, ls.month) == (re_.year, re_.month):
        return _day_span(ls, re_)  # "1 January to January": days of one month, shown 1–31 Jan
    if lp == rp == "year":
        return "year" if ls.year == re_.year else "range"
    if lp == rp and lp in ("month-part", "year-part"):
        return lp  # "9月上旬至中旬", "9月底至10月初", "late 2024 to early 2025"
    return "range"


_DROPPED = frozenset(("noise", "approx", "during", "holiday", "after"))


def _read_tokens(tokens: list, text: str, base: date, ctx_year: int | None = None,
                 find: bool = False):
    """Tokens -> (start, end, precision, approximate, needed_base, explicit_year)."""
    kinds = {t[0] for t in tokens}
    approximate = "approx" in kinds or ("during" in kinds and "holiday" in kinds)
    after = [t[1] for t in tokens if t[0] == "after"] if "after" in kinds else []
    toks = [t for t in tokens if t[0] not in _DROPPED]
    if len(after) > 1:
        raise _NoRule("two 'after' words")
    start, end, precision, needs, explicit = _read_dates(toks, text, base, ctx_year, find)
    if after:       # RELATIVE_SPANS: days counted from the last day of the date
        _, first, last, _ = RELATIVE_SPANS[after[0]]
        start, end = end + timedelta(days=first), end + timedelta(days=last)
        precision = _day_span(start, end)
    return start, end, precision, approximate, needs, explicit


def _read_dates(toks: list, text: str, base: date, ctx_year: int | None, find: bool):
    if toks and toks[0][0] == "since":
        toks = toks[1:] + [("conn", "-", 0, 0), ("set", {"drel": 0}, 0, 0)]
    elif toks and toks[-1][0] == "since":
        toks = toks[:-1] + [("conn", "-", 0, 0), ("set", {"drel": 0}, 0, 0)]
    between = any(t[0] in ("from", "betend") for t in toks)
    conns = [i for i, t in enumerate(toks) if t[0] == "conn"]
    if len(toks) == 3 and [t[0] for t in toks] == ["num", "conn", "num"] and toks[1][1] == "-" \
            and toks[0][1][1] <= 2 and toks[2][1][1] <= 2:
        month, day = _numeric(str(toks[0][1][0]), str(toks[2][1][0]), "-", text)
        toks, conns = [("set", {"month": month, "day": day}, 0, 0)], []
    if not conns:
        f = _side_fields(toks)
        start, end, precision, needs = _resolve(f, text, base, ctx_year=ctx_year)
        return start, end, precision, needs, "year" in f or "yrel" in f
    words = {toks[i][1] for i in conns}
    if words <= {"and", "list"} and not (between and words == {"and"}):
        return _read_list(toks, conns, text, base, ctx_year, find)
    if len(conns) > 1:
        raise _NoRule("several connectors")
    sides = [_side_fields(toks[:conns[0]]), _side_fields(toks[conns[0] + 1:])]
    (left, right), _ = _resolve_sides(sides, text, base, ctx_year)
    if left[0] > right[1]:
        raise DateParseError(f"{text!r}: the range ends ({right[1].isoformat()}) "
                             f"before it starts ({left[0].isoformat()})")
    explicit = any(k in f for f in sides for k in ("year", "yrel"))
    return left[0], right[1], _combine(left[:3], right[:3]), left[3] or right[3], explicit


def _split(toks: list, cuts: list[int]) -> list[list]:
    bounds = [-1] + cuts + [len(toks)]
    return [toks[a + 1:b] for a, b in zip(bounds, bounds[1:])]


def _read_list(toks: list, conns: list[int], text: str, base: date, ctx_year: int | None,
               find: bool):
    """A list of dates ("4月和5月", "April, May and June 2025"): see the module docstring.
    Commas separate items only when the list does not read without that."""
    commas = sorted(conns + [i for i, t in enumerate(toks) if t[0] == "comma"])
    for cuts in (conns, commas) if len(commas) > len(conns) else (conns,):
        try:
            sides = [_side_fields(part) for part in _split(toks, cuts)]
            if not all(sides):
                raise _NoRule("empty list item")
            spans, splittable = _resolve_sides(sides, text, base, ctx_year)
            break
        except _NoRule:
            if cuts is commas or len(commas) == len(conns):
                raise
    consecutive = all(b[0] == a[1] + timedelta(days=1) for a, b in zip(spans, spans[1:]))
    if find and splittable and not consecutive:
        raise _NoRule("a list of separate dates")
    start, end = min(sp[0] for sp in spans), max(sp[1] for sp in spans)
    precision = _combine(spans[0][:3], spans[-1][:3]) if consecutive else _day_span(start, end)
    explicit = any(k in f for f in sides for k in ("year", "yrel"))
    return start, end, precision, any(sp[3] for sp in spans), explicit


def _resolve_sides(sides: list[dict], text: str, base: date, ctx_year: int | None):
    """The spans of the sides of a range or the items of a list, read together.

    Each side first borrows what it lacks from the next side, then from the previous
    one. If the last side has no anchor (year, relative word) the first is the most
    recent one and each later one the first after the one before; else the last is
    resolved and each earlier one is the latest before the one after it. A borrowed year
    that puts a side on the wrong side of its neighbour moves by one when the calendar
    wraps ("2024年12月至1月", and a lunar year: "2024年元宵节至春节"); one that does not
    ("11月20日至19日") is left for the caller to refuse as a range ending before it starts.
    Also returns whether the sides stand alone (only years borrowed, from the left).
    """
    n = len(sides)
    borrowed = [False] * n
    alone = True
    for i in range(n - 2, -1, -1):
        before = set(sides[i])
        borrowed[i] |= _borrow(sides[i], sides[i + 1])
        alone &= set(sides[i]) == before
    for i in range(1, n):
        before = set(sides[i])
        borrowed[i] |= _borrow(sides[i], sides[i - 1])
        alone &= set(sides[i]) - before <= {"year", "yrel"}
    spans: list = [None] * n
    if not _anchored(sides[-1]):
        spans[0] = _resolve(sides[0], text, base, ctx_year=ctx_year)
        for i in range(1, n):
            spans[i] = (_resolve(sides[i], text, base) if _anchored(sides[i]) else
                        _resolve(sides[i], text, base, anchor=spans[i - 1][0], future=True))
    else:
        spans[-1] = _resolve(sides[-1], text, base, ctx_year=ctx_year)
        for i in range(n - 2, -1, -1):
            spans[i] = _resolve(sides[i], text, base,
                                anchor=None if _anchored(sides[i]) else spans[i + 1][1])
    for i in range(1, n):
        left, right = spans[i - 1], spans[i]
        if left[0] <= right[1]:
            continue
        if right[1].month >= left[0].month and "lunar" not in sides[i - 1] and "lunar" not in sides[i]:
            continue  # out of order within one month (11月20日至19日): the caller refuses it
        if borrowed[i - 1]:
            sides[i - 1] = _shift_year(sides[i - 1], -1)
            spans[i - 1] = _resolve(sides[i - 1], text, base)
        elif borrowed[i]:
            sides[i] = _shift_year(sides[i], 1)
            spans[i] = _resolve(sides[i], text, base)
    return spans, alone


def _shift_year(f: dict, step: int) -> dict:
    return {**f, **({"year": f["year"] + step} if "year" in f else {"yrel": f["yrel"] + step})}
