"""An incremental build writes what a build from nothing writes, whatever changed.

Each example starts from a built site of a small chronology (list pages of 5 events, so
years, categories and tags run over several pages and the home page shows only the
latest), changes the chronology in a few random ways, builds the same site again and
compares it, byte for byte, with a site built from nothing. A page whose key missed
something it shows would stay stale here.
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import build as bench  # noqa: E402

from timeline import build, search  # noqa: E402
from timeline.build import build_site  # noqa: E402
from timeline.chronology import Chronology  # noqa: E402
from timeline.fragments import store_dir  # noqa: E402
from timeline.output import MANIFEST  # noqa: E402

TAGS = [("product", "Kling"), ("product", "Kling 2.1"), ("organization", "Kuaishou"),
        ("organization", "ByteDance"), ("person", "Zhang Di"), ("topic", "pricing"), ("place", "Shanghai")]
CATEGORIES = ["model-release", "product", "personnel", "earnings", "business"]


def _cited(data: dict) -> dict:
    """bench.generate()'s data with each event citing its sources whole, as a Chronology
    read from the database does."""
    keys = {s["key"]: s for s in data["sources"]}
    for e in data["events"]:
        e["sources"] = [{k: keys[c["key"]][k] for k in ("title", "publisher", "url", "published")}
                        | {"locator": None} for c in e["sources"]]
    return data


def _chronology() -> Chronology:
    data = _cited(bench.generate(40, seed=7, days=1826))  # eight a year: a year runs to a second page
    for n, e in enumerate(data["events"]):
        e["tags"] = [{"kind": k, "name": name} for k, name in (TAGS[n % 7], TAGS[(n * 3) % 7])[: 1 + n % 2]]
        e["category"] = CATEGORIES[n % 5]
    tags = [{"kind": "organization", "name": "Kuaishou", "name_zh": "快手"},
            {"kind": "person", "name": "Zhang Di", "name_zh": "张迪"}]
    # figures on event pages: two series, a period two sources disagree on
    observations = [{"series": series, "period": {"text": text, "start": start, "end": end}, "value": value,
                     "unit": "CNY", "qualifier": "", "source": data["sources"][n % 3]["key"],
                     "event": data["events"][n * 7]["slug"], "note": None}
                    for n, (series, text, start, end, value) in enumerate([
                        ("revenue", "2015", "2015-01-01", "2015-12-31", 100),
                        ("revenue", "2015", "2015-01-01", "2015-12-31", 100),
                        ("revenue", "2016", "2016-01-01", "2016-12-31", 150),
                        ("users", "2016", "2016-01-01", "2016-12-31", 7),
                        ("users", "2017", "2017-01-01", "2017-12-31", 9)])]
    series = [{"key": "revenue", "title": "Revenue", "title_zh": "收入", "unit": "CNY", "description": ""}]
    return Chronology(events=data["events"], sources=data["sources"], observations=observations,
                      series=series, tags=tags)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != MANIFEST}


def _order(events: list[dict]) -> list[dict]:
    return sorted(events, key=lambda e: (e["date"]["start"], e["date"]["end"], e["slug"]))


def _apply(chrono: Chronology, edit: tuple) -> None:
    what, n, text = edit
    events = chrono.events
    e = events[n % len(events)]
    if what == "body":
        e["body"] += f"\n\n{text}"
    elif what == "title":
        e["title"] = f"{e['title']} {text}"
    elif what == "zh title":
        e["translations"] = {**e["translations"], "zh": {"title": f"标题{text}", "body": ""}}
    elif what == "add tag":
        tag = {"kind": "topic", "name": f"new {text}"} if n % 3 == 0 else dict(zip(("kind", "name"), TAGS[n % 7]))
        if tag not in e["tags"]:
            e["tags"] = e["tags"] + [tag]
    elif what == "drop tag":
        e["tags"] = e["tags"][1:]
    elif what == "category":
        e["category"] = CATEGORIES[(CATEGORIES.index(e["category"]) + 1) % 5] if e["category"] in CATEGORIES \
            else "other"
    elif what == "move":  # to another year: its pages, both years' pages and the order change
        year = 2014 + (n * 7) % 12
        start = f"{year}{e['date']['start'][4:]}"
        end = f"{year}{e['date']['end'][4:]}"
        e["date"] = {**e["date"], "start": start, "end": end, "text": start, "edtf": start,
                     "display": {"en": f"moved {year}", "zh": f"{year}年"}}
    elif what == "month":  # to another month of its year: the year overview's months change
        month = f"{1 + n % 12:02d}"
        start = f"{e['date']['start'][:4]}-{month}-01"
        e["date"] = {**e["date"], "start": start, "end": start, "text": start, "edtf": start, "precision": "day",
                     "display": {"en": f"1 {month}", "zh": f"{month}月1日"}}
    elif what == "remove" and len(events) > 3:
        events.remove(e)
    elif what == "add":
        new = copy.deepcopy(e)
        new["slug"] = f"added-{text or 'x'}-{n}"
        if all(x["slug"] != new["slug"] for x in events):
            events.append(new)
    elif what == "tag name zh":
        kind, name = TAGS[n % 7]
        chrono.tags = [t for t in chrono.tags if (t["kind"], t["name"]) != (kind, name)]
        if text:
            chrono.tags.append({"kind": kind, "name": name, "name_zh": f"标签{text}"})
    elif what == "tag name for no event":  # events.json lists it
        chrono.tags = [t for t in chrono.tags if t["name"] != "nobody"] + \
            [{"kind": "topic", "name": "nobody", "name_zh": f"无人{text}"}]
    elif what == "series title":
        chrono.series = [{**s, "title": f"{s['title']} {text}"} for s in chrono.series]
    elif what == "series description zh":  # the Chinese charts page shows it
        chrono.series = [{**s, "description_zh": f"说明{text}" if text else None} for s in chrono.series]
    elif what == "note zh":  # Chinese event pages and the Chinese charts page show it
        o = chrono.observations[n % len(chrono.observations)]
        o["note_zh"] = f"注{text}" if text else None
    elif what == "figure value":  # the two 2015 revenue figures agree, or no longer do
        o = chrono.observations[n % len(chrono.observations)]
        o["value"] = o["value"] + 1 + n % 3
    elif what == "series like another":  # "users" and "us ers"-like keys share a chart id
        o = copy.deepcopy(chrono.observations[3])
        o["series"] = "users x" if n % 2 else "users-x"
        chrono.observations.append(o)
    elif what in ("source title", "source publisher"):  # citations and figures' source cells show both
        field_ = what.split()[1]
        old = chrono.sources[n % len(chrono.sources)]
        value = f"{old[field_]} {text}"
        for ev in events:
            ev["sources"] = [{**c, field_: value} if (c["title"], c["url"]) == (old["title"], old["url"])
                             else c for c in ev["sources"]]
        old[field_] = value
    elif what == "source language":  # the lang attribute of its title and its figures' cells
        old = chrono.sources[n % len(chrono.sources)]
        old["language"] = ["en", "zh-Hant", None][n % 3]
    chrono.events = _order(events)


EDITS = st.tuples(
    st.sampled_from(["body", "title", "zh title", "add tag", "drop tag", "category", "move", "month", "remove",
                     "add", "tag name zh", "source title", "tag name for no event", "series title",
                     "figure value", "series like another", "series description zh", "note zh",
                     "source publisher", "source language"]),
    st.integers(0, 200),
    st.text(alphabet="abc可灵 <&", max_size=6))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The site of _chronology(), built once, with its fragment store beside it."""
    root = tmp_path_factory.mktemp("base")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(build, "PAGE_SIZE", 5)
        mp.setattr(build, "FEED_SIZE", 4)
        build_site(_chronology(), root / "site", jobs=1)
    return root


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(EDITS, min_size=1, max_size=4))
@example(edits=[("month", 3, "")])  # the home page's year overview lists months: it missed them
def test_an_incremental_build_equals_a_build_from_nothing(built: Path, tmp_path_factory, edits) -> None:
    work = tmp_path_factory.mktemp("inc")
    shutil.copytree(built / "site", work / "site", symlinks=True)
    shutil.copytree(store_dir(built / "site"), store_dir(work / "site"), symlinks=True)
    chrono = _chronology()
    for edit in edits:
        _apply(chrono, edit)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(build, "PAGE_SIZE", 5)
        mp.setattr(build, "FEED_SIZE", 4)
        report = build_site(chrono, work / "site", jobs=1)
        build_site(copy.deepcopy(chrono), work / "fresh", jobs=1)
    assert _files(work / "site") == _files(work / "fresh")
    assert report.written < report.pages  # it was a rebuild, not everything again


def _dated(e: dict, start: str, end: str, precision: str, edtf: str, en: str, zh: str) -> None:
    e["date"] = {"text": en, "base": None, "start": start, "end": end, "precision": precision,
                 "edtf": edtf, "display": {"en": en, "zh": zh}}


def test_a_page_boundary_moving_under_a_search_chunk_rewrites_its_results(tmp_path, monkeypatch) -> None:
    """A year's page boundary moves under a chunk of the search index whose events did not
    change: an event of the next chunk moves earlier in its year (staying last by date),
    which pushes a span of this chunk onto the year's second page. The chunk's results
    name the page of each card, so it is written again."""
    monkeypatch.setattr(build, "PAGE_SIZE", 3)
    data = _cited(bench.generate(search.CHUNK + 1, seed=5, days=1000))  # 2014 to 2016, then four in 2025
    span, j1, j2, moved = data["events"][-4:]
    _dated(span, "2025-01-01", "2025-03-31", "quarter", "2025-33", "Q1 2025", "2025年第一季度")
    _dated(j1, "2025-01-02", "2025-01-02", "day", "2025-01-02", "2 Jan 2025", "2025年1月2日")
    _dated(j2, "2025-01-03", "2025-01-03", "day", "2025-01-03", "3 Jan 2025", "2025年1月3日")
    _dated(moved, "2025-04-05", "2025-04-05", "day", "2025-04-05", "5 Apr 2025", "2025年4月5日")
    chrono = Chronology(events=_order(data["events"]), sources=data["sources"], observations=[], tags=[])
    site = tmp_path / "site"
    build_site(chrono, site, jobs=1)
    _dated(moved, "2025-01-25", "2025-01-25", "day", "2025-01-25", "25 Jan 2025", "2025年1月25日")  # in January
    before = [e["slug"] for e in chrono.events]
    chrono.events = _order(chrono.events)
    assert [e["slug"] for e in chrono.events] == before  # the chunks hold the same events
    first = {rec[0]: rec[9] for rec in json.loads((site / "search/en-0.json").read_text("utf-8"))}
    report = build_site(chrono, site, jobs=1)
    build_site(copy.deepcopy(chrono), tmp_path / "fresh", jobs=1)
    assert _files(site) == _files(tmp_path / "fresh")
    now = {rec[0]: rec[9] for rec in json.loads((site / "search/en-0.json").read_text("utf-8"))}
    span_seg = build.segment_url(span["slug"])
    assert (first[span_seg], now[span_seg]) == (1, 2)   # J1, J2, the span | moved: J1, J2, moved | the span
    assert "search/en-0.json" in report.written_paths and report.written < report.pages
