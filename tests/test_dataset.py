"""The shipped Kling chronology (data/kling/*.yaml): it imports, it checks clean, and its
core events carry the dates, categories and citations read from the source articles.

The expected values below are written from the articles in ../shared/sources, each
relative date resolved against its article's publication date (the `base`). Precision
conventions are the parser's documented ones (timeline/dates.py): 下旬/月底 = days 21 to
the end of the month, 年底 = September to December.
"""

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from timeline.cli import app

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data" / "kling"
SOURCES_DIR = REPO.parent / "shared" / "sources"


def _files() -> list[str]:
    files = sorted(DATA.glob("*.yaml"))
    sources = DATA / "sources.yaml"
    return [str(sources)] + [str(f) for f in files if f != sources]


@pytest.fixture(scope="module")
def kling(tmp_path_factory):
    """A fresh SQLite database with the whole chronology imported once."""
    db = tmp_path_factory.mktemp("kling") / "k.db"
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, ["--db", str(db), *args])

    result = run("import", *_files())
    assert result.exit_code == 0, result.output
    return run


@pytest.fixture(scope="module")
def export(kling):
    result = kling("export", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# slug, category, start, end, precision, a source key that must be cited
CORE = [
    # model releases
    ("kling-1-0-launch", "model-release", "2024-06-01", "2024-06-30", "month", "bohu-2025-06"),
    ("kling-1-5-release", "model-release", "2024-09-01", "2024-09-30", "month", "ifeng-2025-03"),
    ("kling-1-6-release", "model-release", "2024-12-01", "2024-12-31", "month", "ifeng-2025-03"),
    ("kling-2-0-release", "model-release", "2025-04-15", "2025-04-15", "day", "zhidx-2025-04-15"),
    ("kolors-2-0-release", "model-release", "2025-04-15", "2025-04-15", "day",
     "zhidx-2025-04-15"),
    ("kling-2-1-release", "model-release", "2025-05-29", "2025-05-29", "day",
     "morketing-2025-06"),
    ("kling-2-5-turbo-release", "model-release", "2025-09-21", "2025-09-30", "month-part",
     "iyiou-2025-11"),
    ("kling-2-6-release", "model-release", "2025-12-01", "2025-12-31", "month",
     "fallsea-2026-01-05"),
    ("kling-o1-release", "model-release", "2025-09-01", "2025-12-31", "year-part",
     "bohu-2026-01"),
    # departures
    ("zhang-di-leaves-kling", "personnel", "2025-08-01", "2025-08-31", "month", "bohu-2026-01"),
    ("zhou-guorui-leaves-kuaishou", "personnel", "2025-09-01", "2025-12-31", "year-part",
     "bohu-2026-01"),
    # regulatory actions
    ("samr-investigates-chengdu-kuaigou", "regulatory", "2025-09-01", "2025-09-30", "month",
     "fallsea-2026-01-05"),
    ("cac-summons-kuaishou", "regulatory", "2025-09-01", "2025-09-30", "month",
     "dongcaidi-2025-11"),
    ("nrta-ai-altered-video-campaign", "regulatory", "2026-01-01", "2026-01-01", "day",
     "fallsea-2026-01-05"),
    # results announcements (and the profitable year 2023)
    ("kuaishou-fy2024-results", "earnings", "2025-03-26", "2025-03-26", "day", "ifeng-2025-03"),
    ("kuaishou-q1-2025-results", "earnings", "2025-05-27", "2025-05-27", "day",
     "baize-2025-05"),
    ("kuaishou-q2-2025-figures", "earnings", "2025-04-01", "2025-06-30", "quarter",
     "fallsea-2026-01-05"),
    ("kuaishou-q3-2025-results", "earnings", "2025-11-19", "2025-11-19", "day",
     "iyiou-2025-11"),
    ("kuaishou-annual-profit-2023", "earnings", "2023-01-01", "2023-12-31", "year",
     "tmt-2025-06"),
    # organisation
    ("kling-ai-business-unit-created", "organization", "2025-04-21", "2025-04-30",
     "month-part", "dongcaidi-2025-11"),
]


def _source_titles(export: dict) -> dict[str, str]:
    return {s["key"]: s["title"] for s in export["sources"]}


@pytest.mark.parametrize("slug,category,start,end,precision,cited", CORE,
                         ids=[row[0] for row in CORE])
def test_core_event(kling, export, slug, category, start, end, precision, cited):
    result = kling("show", slug, "--json")
    assert result.exit_code == 0, result.output
    event = json.loads(result.stdout)
    assert event["category"] == category
    assert (event["date"]["start"], event["date"]["end"]) == (start, end)
    assert event["date"]["precision"] == precision
    assert event["sources"], f"{slug} has no citation"
    titles = {s["title"] for s in event["sources"]}
    assert _source_titles(export)[cited] in titles
    assert event["lang"] == "en"
    assert event["translations"]["zh"]["title"] and event["translations"]["zh"]["body"]


def test_relative_dates_keep_text_and_base(kling):
    """The text is the article's phrase; the base, where the text needs one, is the
    article's publication date (a text with its own year needs none)."""
    for slug, text, base in [("zhang-di-leaves-kling", "去年8月", "2026-01-15"),
                             ("kling-o1-release", "去年底", "2026-01-15"),
                             ("kling-1-5-release", "去年9月", "2025-03-27"),
                             ("kling-1-6-release", "12月", "2025-03-27"),
                             ("kling-2-0-release", "4月15日", "2025-04-15"),
                             ("kling-2-5-turbo-release", "2025年9月底", None)]:
        event = json.loads(kling("show", slug, "--json").stdout)
        assert (event["date"]["text"], event["date"]["base"]) == (text, base)


# Events dated with phrases the parser learned late (month lists with 和, holidays,
# 元旦刚过, 第三季度末, 近日, 春节期间): whatever the text, the dates stay in these windows.
LATE_PHRASES = [
    ("kling-monthly-payments-100m-cny", "business", "2025-04-01", "2025-05-31", "tmt-2025-06"),
    ("coca-cola-christmas-ad-kling", "business", "2024-10-01", "2024-11-10",
     "morketing-2025-06"),
    ("kling-motion-control-goes-viral", "product", "2026-01-01", "2026-01-10",
     "fallsea-2026-01-05"),
    ("kuaishou-live-streaming-guilds-q3-2025", "business", "2025-07-01", "2025-09-30",
     "iyiou-2025-11"),
    ("kuaishou-spring-festival-2025-consumption", "business", "2025-01-01", "2025-02-28",
     "ifeng-2025-03"),
    ("netease-nishuihan-uses-kling", "business", "2025-04-15", "2025-06-30",
     "morketing-2025-06"),
]


@pytest.mark.parametrize("slug,category,lo,hi,cited", LATE_PHRASES,
                         ids=[row[0] for row in LATE_PHRASES])
def test_late_phrase_events(kling, export, slug, category, lo, hi, cited):
    event = json.loads(kling("show", slug, "--json").stdout)
    assert event["category"] == category
    assert lo <= event["date"]["start"] <= event["date"]["end"] <= hi, event["date"]
    assert _source_titles(export)[cited] in {s["title"] for s in event["sources"]}


def test_events_reported_by_several_articles_cite_them_all(kling):
    for slug, at_least in [("kling-1-0-launch", 7), ("kling-2-0-release", 5),
                           ("kling-2-1-release", 3), ("kling-2-6-release", 2),
                           ("kuaishou-fy2024-results", 4),
                           ("kuaishou-q1-2025-results", 7), ("kuaishou-q3-2025-results", 4),
                           ("kling-2-5-turbo-release", 3), ("kling-ai-business-unit-created", 3),
                           ("zhang-di-leaves-kling", 2), ("samr-investigates-chengdu-kuaigou", 2),
                           ("cac-summons-kuaishou", 2), ("nrta-ai-altered-video-campaign", 2)]:
        event = json.loads(kling("show", slug, "--json").stdout)
        assert len(event["sources"]) >= at_least, slug


def test_check_exits_zero(kling):
    result = kling("check")
    assert result.exit_code == 0, result.output
    assert not re.search(r"^conflict:", result.output, re.M), result.output


def test_no_event_without_sources(export):
    assert len(export["events"]) >= 75
    empty = [e["slug"] for e in export["events"] if not e["sources"]]
    assert empty == []


def test_every_event_is_bilingual_and_categorised(export):
    categories = {"model-release", "product", "personnel", "regulatory", "earnings",
                  "business", "organization", "market", "campaign", "other"}
    for event in export["events"]:
        assert event["category"] in categories, event["slug"]
        assert event["lang"] == "en"
        zh = event["translations"].get("zh")
        assert zh and zh["title"] and zh["body"], event["slug"]


def test_twelve_sources(export):
    sources = export["sources"]
    assert len(sources) == 12
    for s in sources:
        assert s["publisher"] and s["title"] and s["published"]
        assert s["language"] in ("zh-Hant", "zh-Hans")
        assert s["url"] is None


# series, period start, period end, source, value, qualifier
FIGURES = [
    ("kling-revenue", "2025-01-01", "2025-03-31", "dali-2025-05", 150_000_000, ">"),
    ("kling-revenue", "2025-04-01", "2025-06-30", "dongcaidi-2025-11", 250_000_000, ">"),
    ("kling-revenue", "2025-07-01", "2025-09-30", "iyiou-2025-11", 300_000_000, ">"),
    ("kling-arr", "2025-12-01", "2025-12-31", "bohu-2026-01", 240_000_000, ""),
    ("kling-users", "2025-04-15", "2025-04-15", "zhidx-2025-04-15", 22_000_000, ">"),
    ("kuaishou-revenue", "2025-01-01", "2025-03-31", "bohu-2025-06", 32_608_000_000, ""),
    ("kuaishou-revenue-annual", "2024-01-01", "2024-12-31", "ifeng-2025-03",
     126_900_000_000, ""),
    ("kuaishou-adjusted-profit", "2025-07-01", "2025-09-30", "iyiou-2025-11",
     4_990_000_000, ""),
    ("kuaishou-dau", "2025-01-01", "2025-03-31", "tmt-2025-06", 408_000_000, ""),
    ("kuaishou-dau", "2025-07-01", "2025-09-30", "iyiou-2025-11", 416_000_000, ""),
    ("kuaishou-mau", "2024-10-01", "2024-12-31", "ifeng-2025-03", 736_000_000, ""),
    ("kuaishou-daily-time", "2025-07-01", "2025-09-30", "iyiou-2025-11", 134.1, ""),
    ("kuaishou-revenue-growth", "2025-07-01", "2025-09-30", "iyiou-2025-11", 14.2, ""),
    ("kuaishou-gmv-growth", "2025-04-01", "2025-06-30", "fallsea-2026-01-05", 17.6, ""),
    ("kuaishou-market-value-hkd", "2026-01-01", "2026-01-31", "fallsea-2026-01-05",
     317_900_000_000, ""),
    ("kling-revenue-monthly", "2025-03-01", "2025-03-31", "dali-2025-05", 50_000_000, ""),
    ("kling-videos", "2025-04-15", "2025-04-15", "zhidx-2025-04-15", 168_000_000, ">"),
]


def test_headline_figures(export):
    found = {(o["series"], o["period"]["start"], o["period"]["end"], o["source"]):
             (o["value"], o["qualifier"]) for o in export["observations"]}
    for series, start, end, source, value, qualifier in FIGURES:
        assert found.get((series, start, end, source)) == (value, qualifier), series


def test_known_disagreements_are_noted(export):
    """Q3 2025 users and daily time: the January 2026 articles repeat Q4 2024 figures."""
    q3 = [o for o in export["observations"]
          if o["series"] in ("kuaishou-dau", "kuaishou-mau", "kuaishou-daily-time")
          and o["period"]["start"] == "2025-07-01"]
    assert {o["value"] for o in q3 if o["series"] == "kuaishou-dau"} == {416_000_000,
                                                                          401_000_000}
    assert {o["value"] for o in q3 if o["series"] == "kuaishou-daily-time"} == {134.1, 125.6}
    assert all(o["note"] for o in q3 if o["value"] in (401_000_000, 125.6, 736_000_000))
    event = next(e for e in export["events"] if e["slug"] == "kuaishou-q3-2025-results")
    assert "sources differ" in event["body"].lower()
    assert "不一致" in event["translations"]["zh"]["body"]


def _cjk_runs(text: str) -> str:
    """Only the Chinese characters: names, numbers and punctuation may be shared."""
    return "".join(re.findall(r"[\u4e00-\u9fff]", text))


@pytest.mark.skipif(not SOURCES_DIR.is_dir(), reason="source articles not present")
def test_chinese_text_is_not_copied_from_the_articles(export):
    """No run of 14 Chinese characters of an event's Chinese text appears in the articles."""
    from timeline.dates_zh import normalise   # maps traditional to simplified, one to one

    articles = _cjk_runs(normalise("".join(p.read_text(encoding="utf-8")
                                           for p in sorted(SOURCES_DIR.glob("*.txt")))))
    n = 14
    for event in export["events"]:
        zh = event["translations"]["zh"]
        text = _cjk_runs(normalise(zh["title"] + "|" + zh["body"]))
        copied = [text[i:i + n] for i in range(len(text) - n + 1) if text[i:i + n] in articles]
        assert not copied, (event["slug"], copied[:3])


def test_chinese_text_has_no_space_between_chinese_characters(export):
    """A line break inside a folded YAML block becomes a space, which Chinese text does not
    have: the data's Chinese lines are written unbroken (no space between Chinese
    characters, nor on either side of full-width punctuation: "快手称， 2.0")."""
    wide = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
    marks = "\u3000-\u303f\uff00-\uffef"
    gap = re.compile(f"[{wide}] +[{wide}]")
    chinese_gap = re.compile(f"[{wide}] +[{wide}]|[{marks}] +| +[{marks}]")
    texts = [(e["slug"], e["lang"], t) for e in export["events"] for t in [e["title"], e["body"]]]
    texts += [(e["slug"], lang, t) for e in export["events"] for lang, tr in e["translations"].items()
              for t in tr.values()]
    texts += [(s["key"], "zh", s.get("description_zh")) for s in export["series"]]
    texts += [(o["series"], "zh", o.get("note_zh")) for o in export["observations"]]
    found = [(slug, (chinese_gap if lang.startswith("zh") else gap).search(t)) for slug, lang, t in texts if t]
    assert [(slug, m.group()) for slug, m in found if m] == []


def test_every_series_description_and_note_has_its_chinese_text(export):
    """The Chinese charts and event pages show a series' description and an observation's
    note in Chinese: the shipped data gives both texts for each."""
    assert [s["key"] for s in export["series"] if s["description"] and not s.get("description_zh")] == []
    assert [(o["series"], o["source"]) for o in export["observations"]
            if o["note"] and not o.get("note_zh")] == []
    cjk = re.compile("[\u4e00-\u9fff]")
    assert all(cjk.search(s["description_zh"]) for s in export["series"] if s.get("description_zh"))
    assert all(cjk.search(o["note_zh"]) for o in export["observations"] if o.get("note_zh"))
