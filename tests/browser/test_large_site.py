"""A reader on a large site (fixture `large`: the shipped chronology and 1,200 synthetic
events): the home page is an overview, so the filters and the search draw their results
from the index, a hundred at a time, fetching only the chunks they need."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from timeline import search
from timeline.build import PAGE_SIZE
from timeline.dates import iso_extent
from timeline.templating import Router

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


def _wait_cards(page) -> None:
    """Until every result near the screen (within app.js's margin) shows its whole card:
    the cards then grow no more under the pointer, nor are replaced as they are read."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('#results article[data-card]')].every(a => {
                   const r = a.getBoundingClientRect(); return r.bottom < -600 || r.top > innerHeight + 600; })""",
        timeout=EXPECT_TIMEOUT)


def _show_all(page) -> None:
    """Press "Show more" until every result is drawn (once the cards around it have come,
    so that none grows and moves it as it is pressed)."""
    while page.locator("#results button.more").count():
        before = page.locator("#results article").count()
        page.locator("#results button.more").scroll_into_view_if_needed()
        _wait_cards(page)
        page.click("#results button.more")
        page.wait_for_function(f"() => document.querySelectorAll('#results article').length > {before}",
                               timeout=EXPECT_TIMEOUT)
    # (the focus moved to the first new result: the cards near it come, and replace their
    # titles, before the results are read)
    _wait_cards(page)
    wait_status(page)


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


def _settle_all_cards(page) -> None:
    """Scroll down the results a screen at a time, each time until the cards near it have
    come, to the end."""
    wait_status(page)
    while True:
        _wait_cards(page)
        if page.evaluate("() => { const y = scrollY; scrollBy(0, innerHeight); return scrollY === y; }"):
            break


def _two_page_year(chrono) -> str:
    """A year whose events fill more than one page (its later events on page/2/)."""
    years = Counter(e["date"]["start"][:4] for e in chrono.events)
    return min(y for y, n in years.items() if n > PAGE_SIZE)


@pytest.mark.parametrize("prefix", ["", "zh/"])
def test_results_from_the_index_become_the_year_pages_cards(page, large, prefix):
    """A result drawn from the index shows its title first, then, near the screen, the
    whole card its year page shows (summary, sources), identical to it, whichever page of
    its year holds it."""
    base, chrono = large
    year = _two_page_year(chrono)
    router = Router(base)
    static = {}
    for p in (1, 2):
        page.goto(router.absolute(router.url(f"years/{year}/", "zh" if prefix else "en", p)))
        static.update({seg: (p, html) for seg, html in page.eval_on_selector_all(
            "#timeline article[data-e]", "els => els.map(a => [a.getAttribute('data-e'), a.outerHTML])")})
    cats = Counter(e["category"] for e in chrono.events if e["date"]["start"].startswith(year))
    cat = cats.most_common(1)[0][0]
    page.goto(base + f"{prefix}?year={year}&cat={cat}")  # the overview: drawn from the index
    _settle_all_cards(page)
    drawn = page.eval_on_selector_all("#results article", "els => els.map(a => [a.getAttribute('data-e'), a.outerHTML])")
    assert len(drawn) == cats[cat] and page.locator("#results article[data-card]").count() == 0
    assert {static[seg][0] for seg, _ in drawn} == {1, 2}  # from both pages of the year
    assert all(html == static[seg][1] for seg, html in drawn)
    assert page.locator("#results article .summary").count() > 0
    assert page.locator("#results article .cites a[href]").count() > 0


def test_only_the_year_pages_of_results_near_the_screen_are_fetched(page, large, word):
    """A search whose results span many year pages fetches those of the results near the
    screen, and the others as the reader scrolls to them."""
    base, chrono = large
    w, found = word
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "/years/" in r.url else None)
    page.goto(base + f"?q={w}")
    wait_status(page)
    needed = set(page.eval_on_selector_all("#results article[data-card]", "els => els.map(a => a.getAttribute('data-card'))"))
    first = set(fetched)
    assert first and len(needed) > len(first) + 2
    _settle_all_cards(page)
    assert page.locator("#results article[data-card]").count() == 0
    assert len(set(fetched)) == len(fetched) > len(first)  # each page once


def test_a_year_page_that_cannot_be_had_leaves_the_results_their_titles(page, large, word, guard):
    """The fetch fails: the results keep their titles and links, the count is whole, and
    the form is not left busy."""
    base, chrono = large
    w, found = word
    page.route("**/years/**", lambda route: route.abort())
    page.goto(base + f"?q={w}")
    wait_status(page)
    assert page.text_content("#filter-status").startswith(f"{len(found):,} of {len(chrono.events):,}")
    titled = page.locator("#results article[data-card]")
    assert titled.count() > 0 and page.locator("#results article h3 a").count() == 100
    assert page.get_attribute("#filters", "aria-busy") == "false"
    failed = [e for e in guard.errors if "/years/" in e and "ERR_FAILED" in e]
    assert failed  # (the browser's own report of the refused request: expected here)
    guard.errors = [e for e in guard.errors if e not in failed]


def test_a_focused_result_keeps_the_focus_when_its_card_comes(page, large, word):
    """A keyboard reader on a result's title, before its card has come: the focus moves
    to the same link in the whole card that replaces it."""
    base, chrono = large
    w, found = word
    page.goto(base + f"?q={w}")
    wait_status(page)
    far = page.locator("#results article[data-card]").last
    href = far.locator("h3 a").get_attribute("href")
    far.locator("h3 a").focus()  # (scrolls it into view: its year page is fetched)
    _wait_cards(page)
    focused = page.evaluate("""() => { const a = document.activeElement;
        return [a.tagName, a.getAttribute('href'), !!a.closest('article').querySelector('.cites'),
                a.closest('article').hasAttribute('data-card')]; }""")
    assert focused == ["A", href, True, False]


def test_without_intersection_observer_every_drawn_results_card_comes_at_once(page, large, word):
    """A browser without IntersectionObserver: the year pages of every drawn result are
    fetched at once, each once, and every result shows its whole card without the reader
    scrolling."""
    base, chrono = large
    w, found = word
    page.add_init_script("delete window.IntersectionObserver")
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "/years/" in r.url else None)
    page.goto(base + f"?q={w}")
    assert page.evaluate("() => typeof IntersectionObserver") == "undefined"
    wait_status(page)
    assert page.locator("#results article").count() == 100
    assert page.locator("#results article[data-card]").count() == 0
    assert page.locator("#results article .cites a[href]").count() > 50
    assert page.evaluate("() => scrollY") == 0
    assert len(fetched) == len(set(fetched)) > 2
