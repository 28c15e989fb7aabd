"""A reader in Chromium on the built shipped chronology: the index, filters, search in
Chinese and English, shareable filter URLs and the back button, the keyboard, a phone's
width, JavaScript off, the charts, both languages. Screenshots go to tests/artifacts/.

Every test also checks (fixture `guard`) that no request left 127.0.0.1 and that the
page logged no console error.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import quote

import pytest

from timeline import search

from reading import EXPECT_TIMEOUT, seg, visible_events, wait_status


def heading_counts(page) -> dict[str, str]:
    """The count beside each year's heading on the home page, by the heading's id."""
    return page.eval_on_selector_all(
        ".year-heading", "els => Object.fromEntries(els.map(h => [h.id, h.querySelector('.count').textContent]))")


def year_row(page) -> dict[str, list]:
    """The row of years under the filter form: for each year, [shown?, its count's text]."""
    return page.eval_on_selector_all(
        "nav.years li[data-year]", "els => Object.fromEntries(els.map(li => [li.getAttribute('data-year'),"
        " [!li.hidden, li.querySelector('.count').textContent]]))")


@pytest.fixture(scope="module")
def events(shipped_chrono):
    return shipped_chrono.events


@pytest.fixture(scope="module")
def a_category(events):
    """A category with more than one event and fewer than all."""
    counts = Counter(e["category"] for e in events)
    return next(c for c, n in counts.most_common() if 1 < n < len(events))


@pytest.fixture(scope="module")
def chinese_term(events):
    """A Chinese word from one event's Chinese title that no other event's text contains."""
    texts = {e["slug"]: search.event_text(e) for e in events}
    for e in events:
        zh = e["title"] if (e.get("lang") or "").startswith("zh") else \
            ((e.get("translations") or {}).get("zh") or {}).get("title")
        if not zh:
            continue
        for n in (4, 3, 5, 6):
            for i in range(len(zh) - n + 1):
                term = zh[i:i + n]
                if not all("\u4e00" <= ch <= "\u9fff" for ch in term):
                    continue
                found = [s for s, t in texts.items() if term in t]
                if found == [e["slug"]]:
                    return term, e["slug"]
    pytest.fail("no Chinese term names exactly one event")


# ---------------------------------------------------------------- the index

@pytest.mark.parametrize("prefix", ["", "zh/"])
def test_index_shows_every_event(page, server, events, prefix):
    page.goto(server + prefix)
    assert visible_events(page) == {seg(e["slug"]) for e in events}
    assert page.locator("html").get_attribute("lang") == ("zh-Hans" if prefix else "en")


def test_filter_by_category_shows_exactly_its_events(page, server, events, a_category):
    page.goto(server)
    page.select_option("#f-cat", a_category)
    wait_status(page)
    want = {seg(e["slug"]) for e in events if e["category"] == a_category}
    assert visible_events(page) == want
    assert f"cat={a_category}" in page.url
    assert str(len(want)) in page.inner_text("#filter-status")


@pytest.mark.parametrize("prefix", ["", "zh/"])
def test_year_headings_count_what_the_filter_leaves(page, server, events, a_category, prefix):
    """While filtering, each year's heading on the home page says how many of its events
    are shown ("3 of 56 events"), not the year's total; cleared, the total again."""
    page.goto(server + prefix)
    totals, row = heading_counts(page), year_row(page)
    page.select_option("#f-cat", a_category)
    wait_status(page)
    left = Counter(e["date"]["start"][:4] for e in events if e["category"] == a_category)
    for year, n in left.items():
        all_ = sum(1 for e in events if e["date"]["start"][:4] == year)
        text = heading_counts(page)[f"yh{year}"]
        assert f"{n}" in text and f"{all_}" in text and text != totals[f"yh{year}"], text
    # the row of years under the form: what is left of each, the years with none hidden
    after = year_row(page)
    assert {y for y, (shown, _) in after.items() if shown} == set(left)
    assert {y: after[y][1] for y in left} == {y: re.sub(r"[0-9]+", str(left[y]), row[y][1], count=1) for y in left}
    page.click("#filters button[type=reset]")
    page.wait_for_function("() => document.getElementById('filter-status').textContent === ''")
    assert heading_counts(page) == totals and year_row(page) == row


def test_a_name_glued_to_a_version_finds_what_the_two_words_find(page, server, events):
    """"Kling2.1", as Chinese articles write it, finds what "Kling 2.1" finds."""
    found = {}
    for q in ("kling 2.1", "Kling2.1"):
        page.goto(server + "?q=" + quote(q))
        wait_status(page)
        found[q] = visible_events(page)
    assert found["kling 2.1"] and found["Kling2.1"] == found["kling 2.1"]
    assert found["kling 2.1"] == {seg(e["slug"]) for e in events
                                  if all(search.found(search.event_text(e), w) for w in ("kling", "2.1"))}


def test_status_counts_against_the_year_filtered_to(page, server, events, a_category):
    """On the home page, a category within a year reads "3 of 56 events", 56 being that
    year's events, not every year's."""
    year = Counter(e["date"]["start"][:4] for e in events if e["category"] == a_category).most_common(1)[0][0]
    page.goto(server + f"?cat={a_category}&year={year}")
    wait_status(page)
    shown = sum(1 for e in events if e["category"] == a_category and e["date"]["start"].startswith(year))
    of_year = sum(1 for e in events if e["date"]["start"].startswith(year))
    assert of_year < len(events)
    assert page.inner_text("#filter-status") == f"{shown} of {of_year} events"


@pytest.mark.parametrize("prefix", ["", "zh/"])
def test_chinese_search_finds_its_event(page, server, chinese_term, prefix):
    term, slug = chinese_term
    page.goto(server + prefix)
    page.click("#f-q")
    page.keyboard.type(term, delay=30)
    wait_status(page)
    assert visible_events(page) == {seg(slug)}


@pytest.mark.parametrize("prefix", ["", "zh/"])
def test_traditional_search_finds_what_simplified_finds(page, server, events, prefix):
    want = {seg(e["slug"]) for e in events if "可灵" in search.event_text(e)}
    assert want and len(want) < len(events)
    found = {}
    for term in ["可灵", "可靈"]:
        page.goto(server + prefix + "?q=" + quote(term))
        wait_status(page)
        found[term] = visible_events(page)
    assert found["可靈"] == found["可灵"] == want
    # typed as a reader types it, a mixed query (the input handler renders before it returns)
    page.fill("#f-q", "")
    page.click("#f-q")
    page.keyboard.type("可靈 發佈", delay=30)
    page.wait_for_function("() => new URLSearchParams(location.search).get('q') === '可靈 發佈'"
                           " && document.getElementById('filters').getAttribute('aria-busy') === 'false'",
                           timeout=EXPECT_TIMEOUT)
    texts = {seg(e["slug"]): search.event_text(e) for e in events}
    both = {s for s, t in texts.items() if "可灵" in t and "发布" in t}
    assert both
    assert visible_events(page) == both


def test_english_search_is_case_insensitive_and_covers_bodies(page, server, events):
    # a word that is in some bodies but in no title
    bodies = [e for e in events if "revenue" in (e.get("body") or "").lower()]
    assert bodies
    page.goto(server)
    page.fill("#f-q", "REVENUE")
    wait_status(page)
    got = visible_events(page)
    assert {seg(e["slug"]) for e in bodies} <= got
    want = {seg(e["slug"]) for e in events if search.found(search.event_text(e), "revenue")}
    assert got == want


@pytest.fixture(scope="module")
def inside_a_word(events):
    """Three Latin letters that begin words of some events and sit inside words of others
    only ("art": "artificial", but "start", "partner")."""
    texts = {seg(e["slug"]): search.event_text(e) for e in events}
    starts = sorted({w[:3] for t in texts.values() for w in t.split() if len(w) > 3 and w[:3].isascii()
                     and w[:3].isalpha()})
    for term in starts:
        anywhere = {s for s, t in texts.items() if term in t}
        at_start = {s for s, t in texts.items() if search.found(t, term)}
        if at_start and anywhere - at_start:
            return term, at_start
    pytest.fail("no three letters begin some words and sit inside others")


def test_latin_words_match_at_the_start_of_a_word(page, server, inside_a_word):
    """An English search word matches the start of a word, or of a part of one, not its
    middle ("art" finds "artificial", not "start"); Chinese matches anywhere (above)."""
    term, want = inside_a_word
    page.goto(server + "?q=" + term)
    wait_status(page)
    assert visible_events(page) == want


def test_search_finds_dates_as_the_cards_show_them(page, server, events):
    quarter = [e for e in events if e["date"]["display"]["en"].startswith("Q3 ")]
    assert len(quarter) > 1
    page.goto(server)
    page.fill("#f-q", "Q3")
    wait_status(page)
    got = visible_events(page)
    assert {seg(e["slug"]) for e in quarter} <= got
    assert got == {seg(e["slug"]) for e in events if search.found(search.event_text(e), "q3")}


def test_shared_filter_url_restores_the_filter(page, server, events, a_category, chinese_term):
    term, slug = chinese_term
    page.goto(server + "?" + f"cat={a_category}")
    wait_status(page)
    assert page.input_value("#f-cat") == a_category
    assert visible_events(page) == {seg(e["slug"]) for e in events if e["category"] == a_category}
    page.goto(server + "zh/?q=" + quote(term))
    wait_status(page)
    assert page.input_value("#f-q") == term
    assert visible_events(page) == {seg(slug)}


def test_language_switch_keeps_the_filters(page, server, events, a_category):
    page.goto(server)
    page.select_option("#f-cat", a_category)
    wait_status(page)
    page.click(".lang-switch a")
    wait_status(page)
    assert page.url.startswith(server + "zh/") and f"cat={a_category}" in page.url
    assert page.input_value("#f-cat") == a_category
    assert visible_events(page) == {seg(e["slug"]) for e in events if e["category"] == a_category}
    page.select_option("#f-cat", "")  # back to everything: the link drops the filters again
    page.wait_for_function("() => !document.querySelector('.lang-switch a').getAttribute('href').includes('?')")


def test_back_button_walks_through_filters(page, server, events, a_category):
    everything = {seg(e["slug"]) for e in events}
    year = events[0]["date"]["start"][:4]
    page.goto(server)
    page.select_option("#f-cat", a_category)
    wait_status(page)
    page.select_option("#f-year", year)
    wait_status(page)
    both = {seg(e["slug"]) for e in events if e["category"] == a_category
            and e["date"]["start"].startswith(year)}
    assert visible_events(page) == both
    page.go_back()
    wait_status(page)
    assert page.input_value("#f-year") == ""
    assert visible_events(page) == {seg(e["slug"]) for e in events if e["category"] == a_category}
    page.go_back()
    page.wait_for_function("() => document.getElementById('f-cat').value === ''")
    assert visible_events(page) == everything
    page.go_forward()
    wait_status(page)
    assert page.input_value("#f-cat") == a_category


def test_another_year_on_a_year_page_is_that_years_page(page, server, events, a_category):
    """Its heading, counts and pages are that year's (the results used to be drawn under
    the first year's heading); the other filters go along; all years is the home page."""
    years = sorted({e["date"]["start"][:4] for e in events})
    assert len(years) > 1
    page.goto(server + f"years/{years[0]}/?cat={a_category}")
    wait_status(page)
    with page.expect_navigation():
        page.select_option("#f-year", years[-1])
    assert page.url == server + f"years/{years[-1]}/?cat={a_category}"
    wait_status(page)
    assert page.text_content("h1").startswith(years[-1])
    assert visible_events(page) == {seg(e["slug"]) for e in events
                                    if e["date"]["start"].startswith(years[-1]) and e["category"] == a_category}
    with page.expect_navigation():
        page.select_option("#f-year", "")
    assert page.url == server + f"?cat={a_category}"


def test_a_link_with_another_year_opens_that_years_page(page, server, events, a_category):
    """A year page's address with another year's ?year= (as shared before choosing a year
    went to its page) goes to that year's page with the other filters; ?year=all to the
    home page; a year the site lacks leaves the page on its own year."""
    years = sorted({e["date"]["start"][:4] for e in events})
    assert len(years) > 1
    page.goto(server + f"years/{years[0]}/?cat={a_category}&year={years[-1]}")
    page.wait_for_url(server + f"years/{years[-1]}/?cat={a_category}", timeout=EXPECT_TIMEOUT)
    wait_status(page)
    assert page.text_content("h1").startswith(years[-1])
    assert visible_events(page) == {seg(e["slug"]) for e in events
                                    if e["date"]["start"].startswith(years[-1]) and e["category"] == a_category}
    page.goto(server + f"years/{years[0]}/?year=all&cat={a_category}")
    page.wait_for_url(server + f"?cat={a_category}", timeout=EXPECT_TIMEOUT)
    page.goto(server + f"years/{years[0]}/?year=1066")
    assert page.input_value("#f-year") == years[0]
    assert visible_events(page) == {seg(e["slug"]) for e in events if e["date"]["start"].startswith(years[0])}
    assert page.url == server + f"years/{years[0]}/?year=1066"


def test_clear_button_restores_everything(page, server, events, a_category):
    page.goto(server + f"?cat={a_category}&q=kling")
    wait_status(page)
    page.click("#filters button[type=reset]")
    page.wait_for_function("() => document.getElementById('filter-status').textContent === ''")
    assert visible_events(page) == {seg(e["slug"]) for e in events}
    assert "?" not in page.url


# ---------------------------------------------------------------- keyboard

def test_keyboard_reaches_skip_link_filters_and_search(page, server):
    page.goto(server)
    page.keyboard.press("Tab")
    first = page.evaluate("document.activeElement.className")
    assert "skip" in first
    assert page.evaluate("getComputedStyle(document.activeElement).top") == "0px"  # it shows
    reached, outlines = [], {}
    for _ in range(40):
        page.keyboard.press("Tab")
        el_id = page.evaluate("document.activeElement.id")
        if el_id:
            reached.append(el_id)
            outlines[el_id] = page.evaluate(
                "(s => s.outlineStyle + ' ' + s.outlineWidth)(getComputedStyle(document.activeElement))")
        if el_id == "f-year":
            break
    assert ["f-q", "f-cat", "f-tag", "f-year"] == [i for i in reached if i.startswith("f-")]
    for el_id, outline in outlines.items():
        assert not outline.startswith("none") and not outline.endswith(" 0px"), (el_id, outline)
    # type, choose with the keyboard alone
    page.focus("#f-q")
    page.keyboard.type("kling")
    wait_status(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "f-cat"
    page.keyboard.press("ArrowDown")
    wait_status(page)
    assert "cat=" in page.url


def test_skip_link_moves_to_main(page, server):
    page.goto(server + "charts/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    page.keyboard.press("Tab")
    inside = page.evaluate("!!document.activeElement.closest('main')")
    assert inside


def test_slash_focuses_search(page, server):
    page.goto(server)
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "f-q"


# ---------------------------------------------------------------- phone width, no JavaScript

@pytest.mark.parametrize("path", ["", "zh/", "charts/", "zh/charts/", "sources/", "tags/", "EVENT", "zh/EVENT",
                                  "?q=kling"])
def test_nothing_scrolls_sideways_at_375px(make_context, server, events, path):
    ctx = make_context(viewport={"width": 375, "height": 740}, device_scale_factor=2, is_mobile=True,
                       has_touch=True)
    page = ctx.new_page()
    longest = max(events, key=lambda e: len(e["title"]) + len(e.get("body") or ""))
    page.goto(server + path.replace("EVENT", f"events/{seg(longest['slug'])}/"))
    if "q=" in path:
        wait_status(page)
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 375, f"{path or 'index'} is {wide}px wide"
    overflow = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(el => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.right > 376 && !el.closest('.table-wrap, .scroll-x');
    }).slice(0, 5).map(el => el.tagName + '.' + el.className)""")
    assert not overflow, overflow


def test_every_event_is_reachable_without_javascript(make_context, server, events, a_category):
    ctx = make_context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto(server)
    assert page.locator("#filters").is_hidden()
    assert visible_events(page) == {seg(e["slug"]) for e in events}
    page.click("nav.site-nav a[href$='categories/']")
    page.wait_for_load_state()  # click waits for the navigation to start, not for the page
    page.click(f"a.cat-{a_category}")
    page.wait_for_load_state()
    got = set(page.eval_on_selector_all("article[data-e]", "els => els.map(e => e.getAttribute('data-e'))"))
    assert got == {seg(e["slug"]) for e in events if e["category"] == a_category}
    page.goto(server + "tags/")
    assert page.locator("main a").count() > 5


# ---------------------------------------------------------------- charts and figures

def test_charts_page_draws_every_series_with_table_and_text(page, server, shipped_chrono):
    page.goto(server)
    page.click("nav.site-nav a[href$='charts/']")
    page.wait_for_load_state()  # click waits for the navigation to start, not for the page
    series = {o["series"] for o in shipped_chrono.observations}
    charts = page.locator("section.chart")
    assert charts.count() == len(series)
    svgs = page.locator("section.chart svg[role=img]")
    assert svgs.count() == len(series)
    for i in range(svgs.count()):
        svg = svgs.nth(i)
        labelled = svg.get_attribute("aria-labelledby").split()
        assert len(labelled) == 2
        for ref in labelled:
            assert page.evaluate("id => document.getElementById(id).textContent", ref).strip()
    rows = page.locator("section.chart table.figures tbody tr").count()
    assert rows == len(shipped_chrono.observations)
    assert page.locator("table.figures .conflict-badge").count() > 0
    assert page.locator("table.figures .more-badge").count() == sum(
        1 for o in shipped_chrono.observations if o.get("qualifier") in (">", ">="))
    assert page.locator("svg .conflict-mark").count() > 0 and page.locator("svg .more-mark").count() > 0
    # no script on the page: the charts are drawn at build time
    assert page.locator("script[src]").count() == 0


def test_event_page_shows_its_observations(page, server, shipped_chrono):
    by_event = Counter(o["event"] for o in shipped_chrono.observations if o.get("event"))
    slug, n = by_event.most_common(1)[0]
    page.goto(server + f"events/{seg(slug)}/")
    assert page.locator(".event-figures tbody tr").count() == n
    page.click(".event-figures tbody tr:first-child th a")
    page.wait_for_load_state()
    assert "/charts/#s-" in page.url


# ---------------------------------------------------------------- two languages

@pytest.mark.parametrize("path", ["", "events/EVENT/", "charts/", "categories/", "tags/", "sources/", "about/",
                                  "years/YEAR/"])
def test_language_switch_on_every_kind_of_page(page, server, events, path):
    e = events[len(events) // 2]
    path = path.replace("EVENT", seg(e["slug"])).replace("YEAR", e["date"]["start"][:4])
    page.goto(server + path)
    assert page.locator("html").get_attribute("lang") == "en"
    switch = page.locator(".lang-switch a[hreflang='zh-Hans']")
    switch.click()
    assert page.url == server + "zh/" + path
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    page.click(".lang-switch a[hreflang='en']")
    page.wait_for_load_state()
    assert page.url == server + path


def test_chinese_pages_show_chinese_dates_and_titles(page, server, events):
    e = next(e for e in events if (e.get("translations") or {}).get("zh") or e.get("lang", "").startswith("zh"))
    page.goto(server + f"zh/events/{seg(e['slug'])}/")
    zh_title = e["title"] if e.get("lang", "").startswith("zh") else e["translations"]["zh"]["title"]
    assert page.inner_text("h1") == zh_title
    assert page.inner_text(".event-page .meta time") == e["date"]["display"]["zh"]


# ---------------------------------------------------------------- screenshots

def test_screenshots(make_context, server, shipped_chrono, artifacts):
    """Index wide and narrow, light and dark; an event page (the one with most figures);
    the Chinese index; charts; a filtered index. Look at them after a change."""
    slug = Counter(o["event"] for o in shipped_chrono.observations if o.get("event")).most_common(1)[0][0]
    e = next(e for e in shipped_chrono.events if e["slug"] == slug)
    shots = [("index-wide-light", "", 1280, "light"), ("index-wide-dark", "", 1280, "dark"),
             ("index-narrow-light", "", 375, "light"), ("index-narrow-dark", "", 375, "dark"),
             ("event-wide", f"events/{seg(e['slug'])}/", 1280, "light"),
             ("event-narrow-dark", f"zh/events/{seg(e['slug'])}/", 375, "dark"),
             ("zh-index-wide", "zh/", 1280, "light"), ("zh-index-narrow", "zh/", 375, "light"),
             ("charts-wide", "charts/", 1280, "light"), ("charts-narrow-dark", "zh/charts/", 375, "dark"),
             ("filtered-wide", "?q=%E5%8F%AF%E7%81%B5&cat=model-release", 1280, "light")]
    for name, path, width, scheme in shots:
        ctx = make_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
        page = ctx.new_page()
        page.goto(server + path)
        if "?" in path:
            wait_status(page)
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=name.startswith("event"))
        assert (artifacts / f"{name}.png").stat().st_size > 1000
