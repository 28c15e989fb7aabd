"""Checks of the whole chronology: what `timeline check` reports, from what the queries
of store.run_checks found (pure: the site's charts use these rules too).

Problems (exit 1): an event with no source, a citation of a missing source, two events
with the same title and date, and observations that conflict without a note. Two sources
giving incompatible values for the same series and period is a conflict; when every
observation involved carries a note (the disagreement is known and explained), it is
listed as a known disagreement, not a problem.
"""

import math
from dataclasses import dataclass
from itertools import combinations, groupby


@dataclass(frozen=True)
class Finding:
    kind: str          # no-source, missing-source, duplicate, conflict, known-conflict
    subject: str       # a slug or "series period"
    message: str

    @property
    def is_problem(self) -> bool:
        return self.kind != "known-conflict"

    def to_dict(self) -> dict:
        return {"kind": self.kind, "subject": self.subject, "message": self.message,
                "problem": self.is_problem}


def findings(unsourced: list[str], dangling: list[tuple[str, int]],
             orphaned: list[tuple[str, str, str, int]], duplicates: list[list[str]],
             observations) -> list[Finding]:
    """What the queries of store.run_checks found, as findings: events without a source,
    citations (slug, source id) and observations (series, start, end, source id) of a
    missing source, groups of same title and date, and the observations grouped by
    period (see conflicts)."""
    out = [Finding("no-source", slug, f"{slug}: has no source") for slug in unsourced]
    out += [Finding("missing-source", slug, f"{slug}: cites source #{sid}, which does "
                    "not exist") for slug, sid in dangling]
    out += [Finding("missing-source", f"{series} {_period(start, end)}",
                    f"{series} {_period(start, end)}: a figure from source #{sid}, which "
                    "does not exist") for series, start, end, sid in orphaned]
    out += [Finding("duplicate", group[0], f"{', '.join(group)}: same title and date")
            for group in duplicates]
    return out + conflicts(observations)


def _period(start: str, end: str) -> str:
    return start if start == end else f"{start}/{end}"


def value_range(value: float, qualifier: str) -> tuple[float, float]:
    """The values a figure allows: '>' 5 is (5, inf); '~' 5 is within 10%."""
    if qualifier in (">", ">="):
        return (value, math.inf)
    if qualifier in ("<", "<="):
        return (-math.inf, value)
    if qualifier == "~":
        spread = abs(value) * 0.1
        return (value - spread, value + spread)
    return (value, value)


def compatible(a: tuple, b: tuple) -> bool:
    """Can both statements be true? (value, unit, qualifier) each."""
    (va, ua, qa), (vb, ub, qb) = a, b
    if ua != ub:
        return False
    lo_a, hi_a = value_range(va, qa)
    lo_b, hi_b = value_range(vb, qb)
    strict = {">", "<"}
    if qa in strict or qb in strict:
        if (hi_a == lo_b and (qa == "<" or qb == ">")) or (hi_b == lo_a and (qb == "<" or qa == ">")):
            return False
    return max(lo_a, lo_b) <= min(hi_a, hi_b)


def conflicts(rows) -> list[Finding]:
    """Conflicting observations, from rows grouped by (series, start, end)."""
    out = []
    for (series, start, end), group in groupby(rows, key=lambda r: (r[0], r[1], r[2])):
        group = list(group)
        clashing = set()
        for a, b in combinations(group, 2):
            if a[6] != b[6] and not compatible(a[3:6], b[3:6]):
                clashing.update((a, b))
        if not clashing:
            continue
        period = _period(start, end)
        said = "; ".join(f"{_figure(r[3], r[4], r[5])} ({r[6]})"
                         for r in sorted(clashing, key=lambda r: r[6]))
        known = all(r[7] for r in clashing)
        kind = "known-conflict" if known else "conflict"
        out.append(Finding(kind, f"{series} {period}",
                           f"{series} {period}: sources differ: {said}"))
    return out


def _figure(value: float, unit: str, qualifier: str) -> str:
    number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
    return f"{qualifier}{number}{(' ' + unit) if unit else ''}"
