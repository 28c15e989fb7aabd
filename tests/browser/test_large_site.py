"""A reader on a large site (fixture `large`: the shipped chronology and 1,200 synthetic
events): the home page is an overview, so the filters and the search draw their results
from the index, a hundred at a time, fetching only the chunks they need."""

from __future__ import annotations

import json
import re

import pytest

from timeline import search
from timeline.dates import iso_extent

from reading import EXPECT_TIMEOUT, seg, visible_events, wait_status


def _texts(chrono) -> dict[str, str]:
    """Each event's search words, as the build writes them (with its tags' Chinese names)."""
    zh = {(t["kind"], t["name"]): t.get("name_zh") for t in chrono.tags or ()}
    return {e["slug"]: search.event_text(e, [zh.get((t["kind"], t["name"])) for t in e["tags"]])
            for e in chrono.events}


@pytest.fixture(scope="module")
def word(large):
    """可灵 (Kling), with the slugs of the events the index finds by it: of the shipped
    events and the synthetic ones, more than a hundred (the results need a second
    hundred) and fewer than a third."""
    _, chrono = large
    found = {slug for slug, text in _texts(chrono).items() if search.found_word(text, "可灵")}
    assert 100 < len(found) < len(chrono.events) // 3
    assert any(not slug.startswith("event-") for slug in found)  # (the synthetic ones' slugs)
    return "可灵", found


def _show_all(page) -> None:
    """Press "Show more" until every result is drawn."""
    while page.locator("#results button.more").count():
        before = page.locator("#results article").count()
        page.click("#results button.more")
        page.wait_for_function(f"() => document.querySelectorAll('#results article').length > {before}",
                               timeout=EXPECT_TIMEOUT)


def test_the_home_page_is_an_overview(page, large):
    base, chrono = large
    page.goto(base)
    assert page.get_attribute("#timeline", "data-complete") is None
    assert len(visible_events(page)) < len(chrono.events)


def test_a_search_draws_every_match_from_the_index(page, large, word):
    base, chrono = large
    w, found = word
    page.goto(base)
    page.fill("#f-q", w)
    wait_status(page)
    assert page.locator("#results article").count() == 100  # a hundred at a time
    assert page.text_content("#filter-status").startswith(f"{len(found):,} of {len(chrono.events):,}")
    _show_all(page)
    assert visible_events(page) == {seg(slug) for slug in found}
    assert page.get_attribute("#timeline", "hidden") is not None
    for href in page.eval_on_selector_all("#results article h3 a", "els => els.map(a => a.href)")[::25]:
        assert page.request.get(href).status == 200, href


def test_a_year_filter_fetches_only_that_years_chunks(page, large):
    base, chrono = large
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "/search/" in r.url else None)
    page.goto(base)
    year = "2018"
    page.select_option("#f-year", year)
    wait_status(page)
    _show_all(page)
    assert visible_events(page) == {seg(e["slug"]) for e in chrono.events if e["date"]["start"].startswith(year)}
    assert page.url == base + f"?year={year}"
    manifest = json.loads(page.request.get(base + "search/en.json").text())
    need = {c["docs"] for c in manifest["chunks"] if c["y0"] <= int(year) <= c["y1"]}
    assert 0 < len(need) < len(manifest["chunks"])
    assert {u.rsplit("/", 1)[1] for u in fetched if re.search(r"/search/en-\d+\.json$", u)} == \
        {u.rsplit("/", 1)[1] for u in need}
    assert not [u for u in fetched if "/search/text-" in u]  # no words to search: no text


@pytest.mark.parametrize("prefix", ["", "zh/"])
def test_results_from_the_index_are_grouped_and_dated_as_the_year_page(page, large, prefix):
    """Results drawn by app.js have the year page's month headings, in its order (a span,
    a quarter or "late 2025", under its months, after the month it begins in), and each
    date's machine-readable form at the precision known, as on the cards."""
    base, chrono = large
    events = chrono.events
    year = max({e["date"]["start"][:4] for e in events},
               key=lambda y: sum(e["date"]["start"][:7] != e["date"]["end"][:7]
                                 for e in events if e["date"]["start"].startswith(y)))
    of_year = [e for e in events if e["date"]["start"].startswith(year)]
    assert any(e["date"]["start"][:7] != e["date"]["end"][:7] for e in of_year) and len(of_year) <= 100
    page.goto(base + f"{prefix}years/{year}/")
    static = page.eval_on_selector_all("#timeline .month h2", "els => els.map(h => h.textContent.trim())")
    page.goto(base + f"{prefix}?year={year}")  # the overview: drawn from the index
    wait_status(page)
    drawn = page.eval_on_selector_all("#results .month h2", "els => els.map(h => h.textContent.trim())")
    assert len(static) > 1 and drawn == static
    shown = dict(page.eval_on_selector_all("#results article", """els => els.map(a => [
        a.querySelector('h3 a').getAttribute('href').split('/').slice(-2)[0],
        (a.querySelector('time') || {getAttribute: () => null}).getAttribute('datetime')])"""))
    assert shown == {seg(e["slug"]): iso_extent(e["date"]["start"], e["date"]["end"], e["date"]["precision"])
                     for e in of_year}
