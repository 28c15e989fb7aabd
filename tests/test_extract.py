"""`timeline extract` and `timeline review`: small made-up articles in simplified and
traditional Chinese and in English, the JSON and draft outputs, and bad input."""

import json
from datetime import date

import pytest

from timeline import extract as ex
from timeline.cli import app

KNOWN_TAGS = [("organization", "Xinghe Tech"), ("product", "星河 (Xinghe)"),
              ("person", "王明 (Wang Ming)"), ("product", "Acme Vision")]

ZH = """星河科技年度回顾
2024年是星河科技转型的一年。5月29日，星河科技发布新一代视频模型星河2.0。
星河2.0上线仅10个月，付费用户已超过100万。
2025年第二季度，星河科技营收同比增长20%，高于去年同期。
"""

ZH_HANT = """星河科技人事變動
2025年8月，星河科技副總裁王明宣佈離職。
2025年9月，星河科技被國家市場監管總局立案調查。
"""

EN = """<html><head><title>Acme ships a new model</title><style>p {color: red}</style></head>
<body><h1>Acme ships a new model</h1>
<p>On March 3, 2025, Acme released Acme Vision 2.0, its new video generation model.</p>
<p>Revenue grew 30% compared with 2023 levels.</p>
<script>var x = "June 1, 2020 was released";</script></body></html>"""


def known(events=None):
    return ex.Known(KNOWN_TAGS, events or [])


def article(text, published, locator="a.txt"):
    src = ex.SourceInfo(title="t", publisher="p", published=published, locator=locator)
    return ex.Article(text=text, source=src, base=date.fromisoformat(published))


def by_date(cands):
    return {(c.date.start.isoformat(), c.date.end.isoformat()): c for c in cands}


def test_year_set_by_the_text_resolves_a_later_day_and_release_is_classified():
    cands = ex.extract([article(ZH, "2026-01-10")], known())
    found = by_date(cands)
    release = found[("2024-05-29", "2024-05-29")]      # not 2025-05-29: "2024年…5月29日"
    assert release.category == "model-release"
    assert ("product", "星河 (Xinghe) 2.0") in release.tags or \
        any(k == "product" and "2.0" in n for k, n in release.tags)
    assert release.date.text == "5月29日"
    assert "发布" in release.evidence[0]
    assert release.title and "5月29日" not in release.title and release.title != release.evidence[0]


def test_durations_and_comparison_bases_are_not_proposed():
    cands = ex.extract([article(ZH, "2026-01-10")], known())
    for c in cands:
        assert c.date.start.year != 2024 or c.date.start.month == 5, c.to_dict()
        assert "仅10个月" not in c.date.text
    quarter = [c for c in cands if c.date.precision == "quarter"]
    assert quarter and quarter[0].date.start == date(2025, 4, 1)   # the figure, not 去年同期


def test_traditional_chinese_personnel_and_regulatory():
    cands = ex.extract([article(ZH_HANT, "2025-10-01")], known())
    cats = {c.category: c for c in cands}
    assert cats["personnel"].date.start == date(2025, 8, 1)
    assert ("person", "王明 (Wang Ming)") in cats["personnel"].tags
    assert "leaves" in cats["personnel"].title
    assert cats["regulatory"].date.start == date(2025, 9, 1)
    assert ("organization", "SAMR") in cats["regulatory"].tags


def test_english_html_article():
    text, headline = ex.html_text(EN)
    assert headline == "Acme ships a new model"
    assert "color" not in text and "var x" not in text
    cands = ex.extract([article(text, "2025-03-05")], known())
    found = by_date(cands)
    release = found[("2025-03-03", "2025-03-03")]
    assert release.category == "model-release"
    assert ("product", "Acme Vision 2.0") in release.tags
    assert all(c.date.start.year != 2023 for c in cands)   # "compared with 2023 levels"
    assert all(c.date.start.year != 2020 for c in cands)   # inside <script>


def test_markdown_is_stripped():
    text, headline = ex.markdown_text("---\na: 1\n---\n# Big news\n\nSee [the **post**](http://x).\n")
    assert headline == "Big news"
    assert "See the post." in text and "http" not in text


def test_same_fact_in_two_articles_is_one_candidate_with_two_sources():
    one = article("2025年8月，星河科技副总裁王明宣布离职。", "2025-09-01", "one.txt")
    two = article("據報道，王明已於2025年8月離職，此前他是星河科技副總裁。", "2025-09-03", "two.txt")
    cands = [c for c in ex.extract([one, two], known()) if c.category == "personnel"]
    assert len(cands) == 1
    assert [s.locator for s in cands[0].sources] == ["one.txt", "two.txt"]
    assert len(cands[0].evidence) == 2


def test_already_held_event_is_named():
    held = {"slug": "wang-ming-leaves", "category": "personnel",
            "date": {"start": "2025-08-01", "end": "2025-08-31"},
            "tags": [{"kind": "person", "name": "王明 (Wang Ming)"}]}
    cands = ex.extract([article(ZH_HANT, "2025-10-01")], known([held]))
    personnel = [c for c in cands if c.category == "personnel"][0]
    assert personnel.already == "wang-ming-leaves"
    assert personnel.slug != "wang-ming-leaves"


def test_normalise_keeps_offsets():
    text = "２０２５年發佈，離職。"
    assert len(ex.normalise(text)) == len(text)
    assert ex.normalise(text) == "2025年发布,离职。"


# ---------------------------------------------------------------- the commands

@pytest.fixture
def articles(tmp_path):
    zh = tmp_path / "zh.txt"
    zh.write_text(ZH_HANT, encoding="utf-8")
    en = tmp_path / "en.html"
    en.write_text(EN, encoding="utf-8")
    return zh, en


def test_extract_json_shape(runner, tmp_path, articles):
    db = tmp_path / "none.db"
    result = runner.invoke(app, ["--db", str(db), "extract", *map(str, articles),
                                 "--published", "2025-10-01", "--publisher", "Test Daily"])
    assert result.exit_code == 0, result.output
    assert "candidate" in result.stdout
    result = runner.invoke(app, ["--db", str(db), "extract", *map(str, articles), "--json",
                                 "--published", "2025-10-01", "--publisher", "Test Daily",
                                 "--url", "https://example.com/a"])
    assert result.exit_code == 0, result.output
    cands = json.loads(result.stdout)
    assert cands and not db.exists()          # extract only reads; no database made
    for c in cands:
        assert list(c) == ["date", "category", "title", "tags", "confidence", "evidence",
                           "sources", "already"]
        assert list(c["date"]) == ["text", "start", "end", "precision", "edtf"]
        assert all(set(t) == {"kind", "name"} for t in c["tags"])
        assert all(list(s) == ["title", "publisher", "url", "published", "locator"]
                   for s in c["sources"])
        assert c["sources"][0]["publisher"] == "Test Daily"
        assert c["sources"][0]["url"] == "https://example.com/a"
        assert c["sources"][0]["published"] == "2025-10-01"
        assert 0 < c["confidence"] <= 1 and c["already"] is None
    assert {"zh.txt", "en.html"} <= {s["locator"] for c in cands for s in c["sources"]}


def test_draft_imports_and_review_walks(cli_sqlite, tmp_path, articles):
    draft = tmp_path / "draft.yaml"
    result = cli_sqlite("extract", articles[0], "--published", "2025-10-01", "-o", draft)
    assert result.exit_code == 0, result.output
    text = draft.read_text(encoding="utf-8")
    assert "# evidence: " in text and "# confidence: " in text
    n = text.count("# candidate ")
    assert n >= 2
    # the draft is importable as it is (into a copy), comments and all
    other = tmp_path / "other.db"
    from typer.testing import CliRunner
    res = CliRunner().invoke(app, ["--db", str(other), "import", str(draft)])
    assert res.exit_code == 0, res.output
    assert f"Imported {n} events" in res.stdout
    # review: accept the first, skip the second, quit
    result = cli_sqlite("review", draft, input="a\ns\nq\n")
    assert result.exit_code == 0, result.output
    assert "Imported 1 event " in result.stdout
    listed = json.loads(cli_sqlite("list", "--json").stdout)
    assert len(listed) == 1
    assert listed[0]["sources"][0]["locator"] == "zh.txt"
    # again, editing the title and the category of the first
    result = cli_sqlite("review", draft, input="t\nMy own title\nc\nother\na\nq\n")
    assert result.exit_code == 0, result.output
    titles = {e["title"]: e for e in json.loads(cli_sqlite("list", "--json").stdout)}
    assert titles["My own title"]["category"] == "other"
    assert len(titles) == 2      # a new event; the one accepted before is not overwritten


def test_review_quit_at_once_imports_nothing(cli_sqlite, tmp_path, articles):
    draft = tmp_path / "d.yaml"
    cli_sqlite("extract", articles[0], "--published", "2025-10-01", "-o", draft)
    result = cli_sqlite("review", draft, input="q\n")
    assert result.exit_code == 0
    assert "nothing imported" in result.stdout.lower()


@pytest.mark.parametrize("args, message", [
    (["missing.txt"], "no such file"),
    (["{zh}", "--published", "last Tuesday-ish"], "--published"),
    (["{bin}"], "binary"),
    (["{zh}", "--json", "-o", "x.yaml"], "not both"),
])
def test_bad_input_is_one_line_error(runner, tmp_path, articles, args, message):
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    args = [a.format(zh=articles[0], bin=binary) for a in args]
    result = runner.invoke(app, ["--db", str(tmp_path / "e.db"), "extract", *args])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0]


def test_review_of_missing_draft(runner, tmp_path):
    result = runner.invoke(app, ["--db", str(tmp_path / "e.db"), "review", "nope.yaml"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "no such file" in result.stderr


# ---------------------------------------------------------------- rules added with the split

def focus_known():
    """A database whose events are mostly about Xinghe Tech (星河科技) and its product 星河:
    they are the focus."""
    org = "Xinghe Tech (星河科技)"
    events = [{"slug": f"e{i}", "category": "other",
               "date": {"start": "2020-01-01", "end": "2020-01-01"},
               "tags": [{"kind": "organization", "name": org},
                        {"kind": "product", "name": "星河 (Xinghe)"}]} for i in range(5)]
    return ex.Known([("organization", org), ("product", "星河 (Xinghe)")], events)


def one(cands, **want):
    hits = [c for c in cands if all(getattr(c, k) == v for k, v in want.items())]
    assert len(hits) == 1, [(c.date.text, c.category, c.title) for c in cands]
    return hits[0]


def test_module_sizes_stay_small():
    from pathlib import Path
    for path in Path(ex.__file__).parent.glob("extract*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 500, path.name


def test_holiday_with_just_after_is_the_days_after_it():
    text = "2030年元旦刚过，星河科技发布新一代视频模型星河3.0。"
    c = one(ex.extract([article(text, "2030-01-20")], known()), category="model-release")
    assert (c.date.start, c.date.end) == (date(2030, 1, 1), date(2030, 1, 10))
    assert c.date.text == "2030年元旦刚过"


def test_holiday_in_running_text_is_read_but_not_when_it_qualifies_a_noun():
    cands = ex.extract([article("去年国庆期间，星河科技举办了一场创作大赛。", "2026-03-01")], known())
    assert one(cands, category="campaign").date.start == date(2025, 10, 1)
    cands = ex.extract([article("星河科技为客户制作了圣诞节广告，客户很满意。", "2026-03-01")], known())
    assert all(c.date.start.month != 12 for c in cands)


def test_recently_is_read_against_the_publication_date_and_yields_to_another_date():
    cands = ex.extract([article("近日，星河科技宣布推出星河Pro新功能。", "2025-06-15")], known())
    c = one(cands, category="product")
    assert (c.date.start, c.date.end) == (date(2025, 6, 5), date(2025, 6, 15))
    text = "星河科技近日宣布，星河在2025年5月的收入突破1亿元。"
    cands = ex.extract([article(text, "2025-06-15")], known())
    assert cands and all(c.date.text != "近日" for c in cands)
    # 日前 after a number is "before the day", not "recently"
    cands = ex.extract([article("星河科技须在30日前完成整改。", "2025-06-15")], known())
    assert all(c.date.text != "日前" for c in cands)


def test_end_of_a_quarter_is_its_last_month():
    text = "截至2025年第三季度末，星河科技签约客户数量同比增长20%。"
    cands = ex.extract([article(text, "2025-11-20")], known())
    assert one(cands, category="business").date.start == date(2025, 9, 1)
    assert cands[0].date.end == date(2025, 9, 30)


def test_press_time_is_the_publication_date():
    text = "星河科技发布财报。截至发稿时间，星河科技股价报63.5港元，总市值2745亿港元。"
    c = one(ex.extract([article(text, "2025-11-20")], known()), category="market")
    assert (c.date.start, c.date.end, c.date.precision) == (date(2025, 11, 20),) * 2 + ("day",)
    assert c.date.text == "截至发稿时间"
    # without a publication date there is nothing to read it against
    assert not [c for c in ex.extract([ex.Article(text, ex.SourceInfo())], known())
                if c.date.text == "截至发稿时间"]


def test_a_rival_overtaking_someone_else_is_context_not_business():
    text = "星河科技依然领先。字节的豆包曾是用户最多的应用，直到今年初被DeepSeek逆袭。"
    cands = ex.extract([article(text, "2025-03-27")], focus_known())
    c = one(cands, date=next(c.date for c in cands if c.date.text == "今年初"))
    assert c.category == "other" and "overtakes" in c.title


def test_company_users_in_a_quarter_are_results_a_products_are_business():
    text = ("2025年第二季度，星河科技日活用户4.09亿，同比增长3.4%。"
            "2025年第三季度，星河的月活用户达到1亿。")
    cands = ex.extract([article(text, "2026-01-05")], focus_known())
    q2 = one(cands, category="earnings")
    assert q2.date.start == date(2025, 4, 1) and q2.title == "Xinghe Tech (星河科技) Q2 2025 results"
    assert one(cands, category="business").date.start == date(2025, 7, 1)


def test_a_benchmark_lead_is_product_news_and_a_date_before_a_comma_owns_the_next_clause():
    text = ("在基准测试上，星河表现出色，例如2025年4月，星河科技正式发布星河2.0视频模型，"
            "5月初，星河2.0模型在基准测试榜单中位居榜首。")
    cands = ex.extract([article(text, "2025-06-06")], known())
    assert one(cands, category="model-release").date.start == date(2025, 4, 1)
    bench = one(cands, category="product")
    assert bench.date.start == date(2025, 5, 1) and "benchmark" in bench.title
