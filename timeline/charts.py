"""Observation series → SVG charts and their tables, at build time (no chart library in
the browser).

Pure functions over the contract shapes of docs/formats.md: `series_data` groups the
observations of each series by period and marks the values that conflict (two sources
whose figures cannot both be true, as `timeline check` decides); `chart_svg` draws one
series as bars per period, an axis with round ticks, "more than" values with an upward
chevron and conflicting values as dashed bars with a "≠" above them, with a <title>, a
<desc> and role="img"; `table_rows` gives the numbers beside it, one row per source.
Every label comes in the page's language (English or Chinese).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from datetime import date
from html import escape
from itertools import combinations

from timeline.check import compatible
from timeline.dates import describe, to_edtf

W, H = 560, 250
LEFT, RIGHT, TOP, BOTTOM = 64, 10, 30, 42

CURRENCY_EN = {"CNY": "CNY ", "USD": "US$", "HKD": "HK$"}
CURRENCY_ZH = {"CNY": "元", "USD": "美元", "HKD": "港元"}
QUALIFIER_EN = {">": "more than ", ">=": "at least ", "<": "less than ", "<=": "at most ", "~": "about "}
QUALIFIER_ZH = {">": "超过", ">=": "至少", "<": "不足", "<=": "至多", "~": "约"}
QUALIFIER_MARK = {">": ">", ">=": "≥", "<": "<", "<=": "≤", "~": "~"}

TEXT = {
    "en": {"periods": "{n} periods from {first} to {last}", "period": "one period, {first}",
           "highest": "highest: {value} ({period})", "latest": "latest: {value} ({period})",
           "conflicts": "sources disagree for {n} period(s): {periods}",
           "more": "values marked > are lower bounds (more than)"},
    "zh": {"periods": "共{n}个时期，从{first}到{last}", "period": "一个时期：{first}",
           "highest": "最高：{value}（{period}）", "latest": "最新：{value}（{period}）",
           "conflicts": "{n}个时期各来源数字不一：{periods}",
           "more": "标有“>”的数值为下限（超过）"},
}


@dataclass
class Value:
    value: float
    qualifier: str
    sources: list[dict]          # the observations giving this figure
    conflict: bool = False


@dataclass
class Period:
    start: str
    end: str
    label: dict[str, str]
    values: list[Value] = field(default_factory=list)

    @property
    def conflict(self) -> bool:
        return any(v.conflict for v in self.values)


@dataclass
class SeriesData:
    key: str
    title: dict[str, str]
    unit: str
    description: dict[str, str]  # by language
    periods: list[Period]
    observations: list[dict]
    anchor: str = ""  # the chart's id on the charts page, unique among the series (series_data)


def _anchor(key: str) -> str:
    return "s-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in key)


# ---------------------------------------------------------------- periods and numbers

def _iso(s: str) -> date:
    return date.fromisoformat(s)


def period_label(start: str, end: str, lang: str) -> str:
    """"Q3 2025" / "2025年第三季度", "Sep 2025", "2025", or a range, from the interval."""
    a, b = _iso(start), _iso(end)
    for precision in ("day", "month", "quarter", "half", "year"):
        edtf = to_edtf(a, b, precision)
        if "/" not in edtf:
            return describe(a, b, precision, lang)
    return describe(a, b, "range", lang)


def _num(x: float, sep: str = ",") -> str:
    x = round(x, 4)
    text = f"{x:,.0f}" if float(x).is_integer() else f"{x:,.4f}".rstrip("0").rstrip(".")
    return text.replace(",", sep)


def _scaled_en(v: float) -> str:
    a = abs(v)
    if a >= 1e9:
        return f"{_num(v / 1e9)} billion"
    if a >= 1e6:
        return f"{_num(v / 1e6)} million"
    return _num(v)


def _scaled_zh(v: float) -> str:
    a = abs(v)
    if a >= 1e8:
        return f"{_num(v / 1e8, '')}亿"
    if a >= 1e4:
        return f"{_num(v / 1e4, '')}万"
    return _num(v)


def format_value(value: float, unit: str, lang: str, qualifier: str = "") -> str:
    """A figure as a reader says it: "more than CNY 150 million", "超过1.5亿元"."""
    if lang == "zh":
        if unit == "%":
            text = f"{_num(value)}%"
        elif unit == "minutes":
            text = f"{_num(value)}分钟"
        else:
            text = _scaled_zh(value) + CURRENCY_ZH.get(unit, "")
        return QUALIFIER_ZH.get(qualifier, "") + text
    if unit == "%":
        text = f"{_num(value)}%"
    elif unit == "minutes":
        text = f"{_num(value)} min"
    elif unit in CURRENCY_EN:
        text = CURRENCY_EN[unit] + _scaled_en(value)
    else:
        text = _scaled_en(value) + ("" if unit in ("count", "") else f" {unit}")
    return QUALIFIER_EN.get(qualifier, "") + text


def short_value(value: float, unit: str, lang: str) -> str:
    """A tick or bar label: "150M", "1.5B", "1.5亿", "14%"."""
    suffix = "%" if unit == "%" else ""
    a = abs(value)
    if lang == "zh":
        if a >= 1e8:
            return f"{_num(value / 1e8, '')}亿"
        if a >= 1e4:
            return f"{_num(value / 1e4, '')}万"
        return _num(value) + suffix
    if a >= 1e9:
        return f"{_num(value / 1e9)}B"
    if a >= 1e6:
        return f"{_num(value / 1e6)}M"
    if a >= 1e4:
        return f"{_num(value / 1e3)}k"
    return _num(value) + suffix


def unit_label(unit: str, lang: str) -> str:
    zh = {"CNY": "人民币元", "USD": "美元", "HKD": "港元", "count": "数量", "%": "%", "minutes": "分钟"}
    en = {"CNY": "CNY", "USD": "USD", "HKD": "HKD", "count": "count", "%": "%", "minutes": "minutes"}
    return (zh if lang == "zh" else en).get(unit, unit)


def nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    """Round tick values covering [lo, hi], including 0, for any finite floats. A range
    too small to divide gets the axis of all zeros (0 to 1); a tick past the largest
    float is replaced by lo or hi itself."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    raw = hi / count - lo / count       # (hi - lo) / count, which can overflow
    if raw < sys.float_info.min:        # zero or subnormal: log10 and division fail
        lo, hi = 0.0, 1.0
        raw = (hi - lo) / count
    exponent = math.floor(math.log10(raw))
    mag = 10 ** exponent
    step = float(next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw))
    # round away the float error of k * step, at a digit well under the step
    digits = max(10, 10 - exponent)
    ticks = []
    for k in range(math.floor(lo / step), math.ceil(hi / step) + 1):
        t = k * step
        if math.isinf(t):
            t = lo if t < 0 else hi
        ticks.append(round(t, digits))
    return ticks


# ---------------------------------------------------------------- the data

def series_data(observations: list[dict], series: list[dict] | None = None) -> list[SeriesData]:
    """One SeriesData per series that has observations, in a reading order: the family
    (key before the first "-") holding the longest series first, then longest first."""
    meta = {s["key"]: s for s in (series or [])}
    by_key: dict[str, list[dict]] = {}
    for o in observations:
        by_key.setdefault(o["series"], []).append(o)
    out = []
    for key, obs in by_key.items():
        m = meta.get(key) or {}
        periods: dict[tuple[str, str], Period] = {}
        for o in sorted(obs, key=lambda o: (o["period"]["start"], o["period"]["end"], o["source"])):
            p = o["period"]
            per = periods.get((p["start"], p["end"]))
            if per is None:
                per = periods[(p["start"], p["end"])] = Period(
                    p["start"], p["end"], {lang: period_label(p["start"], p["end"], lang) for lang in ("en", "zh")})
            q = o.get("qualifier") or ""
            for v in per.values:
                if v.value == o["value"] and v.qualifier == q:
                    v.sources.append(o)
                    break
            else:
                per.values.append(Value(o["value"], q, [o]))
        for per in periods.values():
            flat = [(v, o) for v in per.values for o in v.sources]
            for (va, a), (vb, b) in combinations(flat, 2):
                if a["source"] != b["source"] and not compatible(
                        (a["value"], a["unit"], a.get("qualifier") or ""),
                        (b["value"], b["unit"], b.get("qualifier") or "")):
                    va.conflict = vb.conflict = True
        units = [o["unit"] for o in obs]
        unit = m.get("unit") or max(set(units), key=units.count)
        title = {"en": m.get("title") or key, "zh": m.get("title_zh") or m.get("title") or key}
        description = {"en": m.get("description") or m.get("description_zh") or "",
                       "zh": m.get("description_zh") or m.get("description") or ""}
        out.append(SeriesData(key, title, unit, description,
                              sorted(periods.values(), key=lambda p: (p.start, p.end)), obs))
    family_size: dict[str, int] = {}
    for s in out:
        fam = s.key.split("-")[0]
        family_size[fam] = max(family_size.get(fam, 0), len(s.observations))
    out.sort(key=lambda s: (-family_size[s.key.split("-")[0]], s.key.split("-")[0],
                            -len(s.observations), -len(s.periods), s.key))
    # ids from keys ("a b" and "a-b" both give s-a-b): the later ones, in key order, get a
    # number, so that each chart, its title and its table keep ids of their own
    used: set[str] = set()
    for s in sorted(out, key=lambda s: s.key):
        anchor, n = _anchor(s.key), 1
        while anchor in used:
            n += 1
            anchor = f"{_anchor(s.key)}-{n}"
        used.add(anchor)
        s.anchor = anchor
    return out


# ---------------------------------------------------------------- the SVG

def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def describe_series(s: SeriesData, lang: str) -> str:
    """The text alternative of a chart: span, highest and latest figure, conflicts."""
    t = TEXT[lang]
    ps = s.periods
    parts = [t["periods"].format(n=len(ps), first=ps[0].label[lang], last=ps[-1].label[lang])
             if len(ps) > 1 else t["period"].format(first=ps[0].label[lang])]
    best = max(((v, p) for p in ps for v in p.values), key=lambda vp: vp[0].value)
    parts.append(t["highest"].format(value=format_value(best[0].value, s.unit, lang, best[0].qualifier),
                                     period=best[1].label[lang]))
    if len(ps) > 1:
        last = ps[-1]
        parts.append(t["latest"].format(
            value=" / ".join(format_value(v.value, s.unit, lang, v.qualifier) for v in last.values),
            period=last.label[lang]))
    bad = [p.label[lang] for p in ps if p.conflict]
    if bad:
        parts.append(t["conflicts"].format(n=len(bad), periods=", ".join(bad) if lang == "en" else "、".join(bad)))
    if any(v.qualifier for p in ps for v in p.values):
        parts.append(t["more"])
    return ("; " if lang == "en" else "；").join(parts) + ("." if lang == "en" else "。")


def _fraction(v: float, lo: float, hi: float) -> float:
    """(v - lo) / (hi - lo), halved first so that neither difference overflows."""
    return (v / 2 - lo / 2) / (hi / 2 - lo / 2)


def chart_svg(s: SeriesData, lang: str) -> str:
    """An accessible SVG bar chart of one series (colours come from the page's CSS)."""
    ps = s.periods
    values = [v.value for p in ps for v in p.values]
    ticks = nice_ticks(min(values), max(values))
    lo, hi = ticks[0], ticks[-1]
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    y = lambda v: TOP + ph - _fraction(v, lo, hi) * ph  # noqa: E731
    sid = s.anchor
    title = escape(s.title[lang])
    desc = escape(describe_series(s, lang))
    out = [f'<svg class="chart-svg" viewBox="0 0 {W} {H}" role="img" '
           f'aria-labelledby="{sid}-t {sid}-d" xmlns="http://www.w3.org/2000/svg">',
           f'<title id="{sid}-t">{title}</title>', f'<desc id="{sid}-d">{desc}</desc>',
           '<g class="axis" aria-hidden="true">']
    for t in ticks:
        yy = _f(y(t))
        out.append(f'<line class="{"zero" if t == 0 else "grid"}" x1="{LEFT}" x2="{W - RIGHT}" y1="{yy}" y2="{yy}"/>')
        out.append(f'<text class="tick" x="{LEFT - 6}" y="{yy}" dy="0.32em" text-anchor="end">'
                   f'{escape(short_value(t, s.unit, lang))}</text>')
    out.append(f'<text class="unit" x="4" y="{TOP - 14}">'
               f'{escape(unit_label(s.unit, lang))}</text>')
    slot = pw / len(ps)
    # label every period when they fit, else every n-th (the table has them all)
    widest = max(len(p.label[lang]) * (13 if lang == "zh" else 7.6) for p in ps)
    every = max(1, math.ceil((widest + 8) / slot))
    for n, p in enumerate(ps):
        if n % every == 0 or n == len(ps) - 1 and (len(ps) - 1) % every >= every / 2:
            cx = LEFT + slot * (n + 0.5)
            out.append(f'<text class="period" x="{_f(cx)}" y="{H - BOTTOM + 18}" text-anchor="middle">'
                       f'{escape(p.label[lang])}</text>')
    out.append('</g>')
    group = min(slot * 0.72, 72.0)
    zero = y(max(lo, min(0.0, hi)))
    show_labels = slot >= 52
    out.append('<g class="bars">')
    for n, p in enumerate(ps):
        k = len(p.values)
        bw = group / k
        x0 = LEFT + slot * (n + 0.5) - group / 2
        for j, v in enumerate(p.values):
            x = x0 + j * bw
            top = min(y(v.value), zero)
            height = max(abs(zero - y(v.value)), 1.0)
            cls = "bar" + (" conflict" if v.conflict else "") + (" more" if v.qualifier in (">", ">=") else "")
            said = escape(p.label[lang] + ("：" if lang == "zh" else ": ")
                          + format_value(v.value, s.unit, lang, v.qualifier))
            out.append(f'<rect class="{cls}" x="{_f(x + 1)}" y="{_f(top)}" width="{_f(max(bw - 2, 1))}" '
                       f'height="{_f(height)}"><title>{said}</title></rect>')
            cx = x + bw / 2
            mark_y = top - 3
            if v.qualifier in (">", ">="):
                out.append(f'<path class="more-mark" d="M{_f(cx - 5)} {_f(mark_y)}l5 -6l5 6" aria-hidden="true"/>')
                mark_y -= 8
            if v.conflict:
                out.append(f'<text class="conflict-mark" x="{_f(cx)}" y="{_f(mark_y - 2)}" '
                           f'text-anchor="middle" aria-hidden="true">≠</text>')
                mark_y -= 13
            if show_labels and k == 1:
                label = QUALIFIER_MARK.get(v.qualifier, "") + short_value(v.value, s.unit, lang)
                out.append(f'<text class="value" x="{_f(cx)}" y="{_f(mark_y - 2)}" text-anchor="middle" '
                           f'aria-hidden="true">{escape(label)}</text>')
    out.append('</g></svg>')
    return "".join(out)


def note(o: dict, lang: str) -> str | None:
    """An observation's note on a page in `lang`: its Chinese text on Chinese pages where it
    has one, else the note as written."""
    return (o.get("note_zh") or o.get("note")) if lang == "zh" else (o.get("note") or o.get("note_zh"))


def table_rows(s: SeriesData, lang: str) -> list[dict]:
    """One row per observation: period (once per period), figure, source key, event, note."""
    rows = []
    for p in s.periods:
        first = True
        span = sum(len(v.sources) for v in p.values)
        for v in p.values:
            for o in v.sources:
                rows.append({"period": p.label[lang] if first else None, "span": span,
                             "start": p.start, "end": p.end,
                             "value": format_value(v.value, s.unit, lang, v.qualifier),
                             "qualifier": v.qualifier, "more": v.qualifier in (">", ">="),
                             "conflict": v.conflict, "source": o["source"], "event": o.get("event"),
                             "note": note(o, lang)})
                first = False
    return rows
