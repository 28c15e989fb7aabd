"""Extract, step 4: a category for each date from the keywords around it, a title and a
confidence for each candidate."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from timeline.extract_dates import DateInfo
from timeline.extract_rules import KEYWORDS, METRIC_ONLY, MODEL_WORD, alternation
from timeline.extract_tags import _TagHit
from timeline.vocab import CATEGORIES

if TYPE_CHECKING:
    from timeline.extract import Mention

_KW_INDEX = {kw.casefold(): (cat, w, label) for cat, kw, w, label in KEYWORDS}
_KW_RE = alternation(list(_KW_INDEX), word_end=False)



@dataclass
class _Kw:
    start: int
    end: int
    category: str
    weight: float
    label: str
    word: str


_CLAUSE = re.compile(r"[,，:：;；]|\s[-–—]\s")
_LEAD_COMMA = re.compile(r"\s*[,，]\s*")
BENCHMARK = "tops a benchmark"


def _classify(kws: list[_Kw], s: int, e: int, tags: list[_TagHit],
              sentence: str, models: set = frozenset(), norm: str = ""
              ) -> tuple[str, float, _Kw | None]:
    """The best category for a date at [s, e) and its score and keyword.

    A keyword in the date's clause counts fully, one in another clause of the sentence a
    quarter (or more when the date's own clause holds none). A date followed by a comma
    ("2025年4月，快手发布…") is a clause of its own: the clause after it is its clause.
    A word counts once per category (its best place), however often it is repeated."""
    best_kw: dict[str, tuple[float, _Kw]] = {}
    feature = any(k.category == "product" and k.label != BENCHMARK for k in kws)
    model = any(t.kind == "product" and (re.search(r"\d|O1", t.name) or
                                         (t.name in models and not feature))
                for t in tags) or bool(MODEL_WORD.search(sentence))
    lead = _LEAD_COMMA.match(norm, e) if norm else None
    after = lead.end() if lead else e
    placed = []
    for kw in kws:
        if kw.start >= e:
            dist, between = kw.start - e, norm[max(after, e):kw.start] if kw.start >= after else ""
        else:
            dist, between = s - kw.end, norm[kw.end:s]
        placed.append((kw, dist, not _CLAUSE.search(between)))
    own_clause = any(same for _, _, same in placed)
    values: dict[tuple[str, str], float] = {}
    for kw, dist, same in placed:
        factor = (1.5 if dist <= 4 else 1.0) if same else \
            (0.25 if own_clause else 0.6 if dist <= 20 else 0.4)
        cat = kw.category
        if cat == "release":
            cat = "model-release" if model else "product"
        value = kw.weight * factor
        key = (cat, kw.word.casefold())
        values[key] = max(values.get(key, 0.0), value)
        if cat not in best_kw or value > best_kw[cat][0]:
            best_kw[cat] = (value, kw)
    scores: Counter = Counter()
    for (cat, _), value in values.items():
        scores[cat] += value
    if not scores:
        return "other", 0.0, None
    cat, score = max(scores.items(), key=lambda kv: (kv[1], kv[0] == "model-release"))
    return cat, score, best_kw[cat][1]



def _keyword_ok(norm: str, m: re.Match) -> bool:
    """Words that are part of another word here: 上线 in 线上线下, 发布 in 发布会上的…"""
    word, a, b = m.group(0), m.start(), m.end()
    if word == "上线":
        return norm[a - 1:a] != "线" and norm[b:b + 1] != "下"
    if word == "成立":
        return norm[b:b + 1] not in "于以"
    return True



_PRECISION_BONUS = {"day": 0.15, "days": 0.12, "month-part": 0.12, "month": 0.1, "months": 0.08,
                    "quarter": 0.06, "half": 0.04, "year-part": 0.03, "year": 0.0, "range": 0.02}


def _confidence(group: list[Mention], d: DateInfo, category: str, tags, focus) -> float:
    score = max(m.score for m in group)
    c = 0.25 + min(0.35, 0.12 * score) + _PRECISION_BONUS.get(d.precision, 0)
    c += min(0.2, 0.07 * len(tags))
    if focus and any(t in focus for t in tags):
        c += 0.05
    sources = {m.source for m in group}
    c += min(0.21, 0.07 * (len(sources) - 1)) + min(0.06, 0.03 * (len(group) - len(sources)))
    if all(m.future for m in group):
        c -= 0.15
    if category == "other" and score == 0:
        c -= 0.05
    if category in METRIC_ONLY and score < 1.5:
        c -= 0.05
    return round(max(0.05, min(0.98, c)), 2)



def _title(category: str, tags: list[tuple[str, str]], kw: _Kw | None, d: DateInfo,
           focus) -> str:
    def first(*kinds, versioned=False):
        for k in kinds:
            for kind, name in tags:
                if kind == k and (not versioned or re.search(r"\d|O1", name)):
                    return name
        return None

    org = None
    for kind, name in tags:
        if kind == "organization" and (kind, name) in focus:
            org = name
            break
    org = org or first("organization")
    product = first("product", versioned=True) or first("product")
    label = kw.label if kw else ""
    period = d.display("en")
    if category == "model-release":
        subject = first("product", versioned=True) or product or org or "New model"
        return f"{subject} {label or 'released'}"
    if category == "product":
        subject = product or org or "New product"
        return f"{subject}: {label or 'new product'}" if label in ("new feature",) else \
            f"{subject} {label or 'launched'}".replace("released", "launches a new feature")
    if category == "personnel":
        person = first("person")
        if person:
            if label in ("leaves", "joins") and org:
                return f"{person} {label} {org}"
            return f"{person} {label or 'changes role'}"
        return f"{org or 'Executive'}: {label or 'leadership change'}"
    if category == "regulatory":
        regulators = {"SAMR", "CAC", "NRTA", "MOFCOM", "CSRC"}
        target = next((n for k, n in tags if k == "organization" and n not in regulators), None)
        return f"{target or org or 'Regulator'}: {label or 'regulatory action'}"
    if category == "earnings":
        # every figure of a period's results is one event: "Kuaishou Q2 2025 results"
        return f"{org or product or 'Company'} {period} results"
    if category == "business":
        return f"{product or org or 'Business'}: {label or 'business update'}, {period}"
    if category == "market":
        return f"{org or product or 'Market'}: {label or 'market move'}, {period}"
    subject = product or org or first("person") or CATEGORIES[category][0]
    return f"{subject}: {label or CATEGORIES[category][0].lower()}, {period}"


