"""Score timeline.dates on the Recognizers-Text date specs (a benchmark, not a test).

    .venv/bin/python bench/dates.py [PATH] [--failures]

PATH defaults to ../shared/benchmarks/recognizers-text next to the repository root.
Each expected span (`Text`) is parsed with base = the case's reference date and compared
with its PastResolution: {"date": D} is start = end = D; {"startDate": S, "endDate": E}
is start = S, end = E - 1 day (E is exclusive). "0001-01-01" means "no such date": a
DateParseError is the right answer. For an explicit range ("X to Y", "X至Y") the
recognizers set endDate to the *start* of Y, so there we also accept our end being the
end of the day, month or year that starts at E (we include all of Y; they exclude it).

dateparser alone is scored on the same spans (languages zh+en, PREFER_DATES_FROM past,
RELATIVE_BASE = base): its date is the whole month or year when it reports that period,
else the day.

Out-of-scope kinds are decided by the rules in OUT_OF_SCOPE (on the span text and the
expected value), never by case; they are counted and listed, not scored.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timeline.dates import parse_date  # noqa: E402
from timeline.errors import DateParseError  # noqa: E402

FILES = ["Chinese/DateParser.json", "Chinese/DatePeriodParser.json",
         "English/DateParser.json", "English/DatePeriodParser.json"]
NUM_WORDS = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|few|couple|several)"
ZH_COUNT = r"[0-9一二两三四五六七八九十]+"
WEEKDAYS_EN = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thur?s?|fri|sat|sun)"
WEEKDAY = (rf"\b{WEEKDAYS_EN}s?\b|"
           r"(?:星期|礼拜|禮拜|周|週)[一二三四五六日天]")


def _no_resolution(text: str, past: dict) -> bool:
    return not past.get("date") and not (past.get("startDate") and past.get("endDate"))


def _weeks(text: str, past: dict) -> bool:
    """Weeks and weekends, or a weekday not anchored by a day of the month."""
    if re.search(r"week|w/c|周(?![一二三四五六日天])|週|星期(?![一二三四五六日天])", text, re.I):
        return True
    if not re.search(WEEKDAY, text, re.I):
        return False
    if re.search(rf"(?:上|下|本|这|最后一个|第.个)(?:星期|礼拜|周|週)|\b(?:last|next|this|coming|"
                 rf"first|second|third|fourth|fifth)\s+{WEEKDAYS_EN}", text, re.I):
        return True     # relative or ordinal weekdays ("next Friday", "上周四")
    rest = re.sub(WEEKDAY, " ", text, flags=re.I)
    return not (re.search(r"\d|[日号號]", rest) or re.search(r"day\s+the\s", text, re.I))


OUT_OF_SCOPE = [
    ("no past resolution in the spec", _no_resolution),
    ("weeks, weekdays, weekends", _weeks),
    ("seasons", lambda t, p: re.search(r"spring|summer|autumn|fall|winter|[春夏秋冬]", t, re.I)),
    ("decades, centuries", lambda t, p: re.search(
        r"decade|century|\d0'?s\b|'\d0s|ties\b|noughties|tens\b|thousands\b|年代|世纪", t, re.I)),
    ("counted durations (3 days ago, next 2 days, 近三年)", lambda t, p: re.search(
        rf"\b{NUM_WORDS}\s*(?:business\s+)?(?:days?|weeks?|months?|years?)\b|\b(?:rest|earlier|"
        rf"later|within)\b|(?:近|过去|未来|前|上|后|下)\s*{ZH_COUNT}\s*个?\s*(?:天|日|周|月|年)", t, re.I)),
    ("open or exclusive bounds (before/after X)", lambda t, p: re.search(
        r"\b(?:before|after|more than|less than)\b|之前|之后|以前|以后", t, re.I)),
    ("lunar calendar, regnal eras, years before 1000", lambda t, p: re.search(
        r"农历|正月|腊月|大年|初[一二三四五六七八九十]|康熙|雍正|乾隆|神龙|民国", t)
        or (p.get("date") or p.get("startDate") or "9999")[:4] < "1000"
        and (p.get("date") or p.get("startDate")) != "0001-01-01"),
    ("holidays other than 元旦", lambda t, p: re.search(
        r"christmas|thanksgiving|easter|new year|春节|国庆|中秋|端午|清明|元宵|劳动节|圣诞", t, re.I)),
    ("times of day", lambda t, p: re.search(
        r"morning|afternoon|evening|night|tonight|上午|下午|晚上|早上|中午|凌晨", t, re.I)),
    ("vague or anaphoric (the day, same month, 最近)", lambda t, p: re.search(
        r"最近|\b(?:my|same|that)\b", t, re.I) or re.fullmatch(
        r"(?:the |this |past |last |next |the next |the last )?day", t.strip(), re.I)),
    ("years written in words", lambda t, p: re.search(r"\b(?:thousand|hundred|nineteen)\b", t, re.I)),
    ("parts of a month/year: boundaries are a convention (theirs: halves)", lambda t, p: re.search(
        r"\b(?:early|late|mid|middle|beginning|start|end)\b|上旬|中旬|下旬|月初|月中|月底|月末|"
        r"年初|年中|年底|年末", t, re.I)),
]
RANGE_WORDS = re.compile(r"\b(?:to|through|thru|until|till|and)\b|-|–|至|到|与|和", re.I)


def kind_of(text: str, past: dict) -> str | None:
    for name, rule in OUT_OF_SCOPE:
        if rule(text, past):
            return name
    return None


def expected(past: dict) -> tuple[date, date] | None:
    """The expected inclusive interval, or None for "no such date"."""
    if past.get("date"):
        if past["date"].startswith("0001-01-01"):
            return None
        d = date.fromisoformat(past["date"][:10])
        return d, d
    s, e = date.fromisoformat(past["startDate"][:10]), date.fromisoformat(past["endDate"][:10])
    return s, e - timedelta(days=1)


def matches(got: tuple[date, date] | None, want: tuple[date, date] | None, past: dict,
            explicit_range: bool) -> bool:
    if want is None or got is None:
        return want is None and got is None
    if got == want:
        return True
    if explicit_range and past.get("endDate") and got[0] == want[0]:
        e = date.fromisoformat(past["endDate"][:10])
        month_end = (e.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        ends = {e, month_end if e.day == 1 else e, date(e.year, 12, 31) if (e.month, e.day) == (1, 1) else e}
        return got[1] in ends
    return False


def ours(text: str, base: date | None) -> tuple[date, date] | None:
    try:
        d = parse_date(text, base)
    except DateParseError:
        return None
    return d.start, d.end


_DP_CACHE: dict = {}


def dateparser_alone(text: str, base: date | None) -> tuple[date, date] | None:
    from dateparser.date import DateDataParser
    key = base or date.today()
    if key not in _DP_CACHE:
        _DP_CACHE[key] = DateDataParser(languages=["zh", "en"], settings={
            "PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False,
            "RELATIVE_BASE": datetime(key.year, key.month, key.day)})
    try:
        data = _DP_CACHE[key].get_date_data(text)
    except Exception:
        return None
    if data is None or data.date_obj is None:
        return None
    d = data.date_obj.date()
    if data.period == "month":
        nxt = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
        return d.replace(day=1), nxt - timedelta(days=1)
    if data.period == "year":
        return date(d.year, 1, 1), date(d.year, 12, 31)
    return d, d


def load(path: Path):
    for case in json.loads(path.read_text(encoding="utf-8-sig")):
        ref = (case.get("Context") or {}).get("ReferenceDateTime")
        base = date.fromisoformat(ref[:10]) if ref else None
        for result in case.get("Results", []):
            value = result.get("Value") or {}
            yield case, result["Text"], base, value.get("PastResolution") or {}, value.get("Timex", "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", nargs="?", default=str(ROOT.parent / "shared/benchmarks/recognizers-text"))
    ap.add_argument("--failures", action="store_true", help="list the in-scope spans we miss")
    args = ap.parse_args()
    root = Path(args.path)
    rows, kinds, failures, spans = [], {}, [], []
    for name in FILES:
        cases = set()
        n_in = ok = dp_ok = 0
        for case, text, base, past, timex in load(root / name):
            cases.add(id(case))
            kind = kind_of(text, past)
            if kind:
                kinds.setdefault(kind, {}).setdefault(name, 0)
                kinds[kind][name] += 1
                continue
            n_in += 1
            spans.append((text, base))
            want = expected(past)
            explicit = timex.startswith("(") and bool(RANGE_WORDS.search(text))
            got = ours(text, base)
            if matches(got, want, past, explicit):
                ok += 1
            else:
                failures.append((name, text, base, want, got))
            dp_ok += matches(dateparser_alone(text, base), want, past, explicit)
        rows.append((name, len(cases), n_in, ok, dp_ok))

    print(f"\n{'file':32} {'cases':>5} {'in scope':>8} {'timeline':>9} {'share':>6} "
          f"{'dateparser':>10} {'share':>6}")
    for name, n_cases, n_in, ok, dp_ok in rows:
        print(f"{name:32} {n_cases:5} {n_in:8} {ok:9} {ok / n_in:6.0%} {dp_ok:10} {dp_ok / n_in:6.0%}")
    for lang in ("Chinese", "English"):
        sel = [r for r in rows if r[0].startswith(lang)]
        n_in, ok, dp = (sum(r[i] for r in sel) for i in (2, 3, 4))
        print(f"{lang + ' (both files)':32} {'':5} {n_in:8} {ok:9} {ok / n_in:6.0%} {dp:10} {dp / n_in:6.0%}")

    print("\nOut of scope (not scored), by rule:")
    for name, _ in OUT_OF_SCOPE:
        if name in kinds:
            counts = ", ".join(f"{f.split('/')[0][:2]}/{f.split('/')[1][:-11]} {n}"
                               for f, n in kinds[name].items())
            print(f"  {sum(kinds[name].values()):4}  {name}  ({counts})")

    # Speed: warm, all in-scope spans several times (dateparser fallbacks are cached per
    # process, as in the library), and the spans the rules read alone.
    for text, base in spans:
        ours(text, base)
    rounds = 20
    t0 = time.perf_counter()
    for _ in range(rounds):
        for text, base in spans:
            ours(text, base)
    all_rate = rounds * len(spans) / (time.perf_counter() - t0)
    from timeline import dates
    rules_only = []
    for text, base in spans:
        try:
            dates._read_tokens(dates._tokenize(dates.normalise(text.strip())), text, base or date.today())
            rules_only.append((text, base))
        except Exception:
            pass
    t0 = time.perf_counter()
    for _ in range(rounds):
        for text, base in rules_only:
            ours(text, base)
    rules_rate = rounds * len(rules_only) / (time.perf_counter() - t0)
    print(f"\nSpeed (warm): {all_rate:,.0f} parses/s over all {len(spans)} in-scope spans; "
          f"{rules_rate:,.0f} parses/s over the {len(rules_only)} the rules read without dateparser")

    if args.failures:
        print("\nMissed in-scope spans:")
        for name, text, base, want, got in failures:
            print(f"  {name:30} {text!r:40} base={base} want={want} got={got}")


if __name__ == "__main__":
    main()
