"""axe-core (installed from npm, see tests/browser/package.json) run in Chromium on the
built shipped chronology: no serious or critical accessibility violations, in light and
dark, English and Chinese."""

from __future__ import annotations

from collections import Counter
from urllib.parse import quote

import pytest

from timeline.templating import segment

from reading import wait_status


def run_axe(page, axe_path) -> list[dict]:
    page.add_script_tag(path=str(axe_path))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + n.failureSummary)}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]


def _report(bad: list[dict]) -> str:
    """run_axe's violations, one per paragraph, with the elements they were found on."""
    return "\n".join(f"{v['impact']} {v['id']}: {v['help']}\n  " + "\n  ".join(v["nodes"]) for v in bad)


def pages(chrono) -> dict[str, str]:
    events = chrono.events
    with_figures = Counter(o["event"] for o in chrono.observations if o.get("event")).most_common(1)[0][0]
    tag = events[0]["tags"][0]
    from timeline.markup import slugify
    return {"index": "", "event": f"events/{quote(segment(with_figures))}/",
            "tag": f"tags/{tag['kind']}/{quote(slugify(tag['name']))}/", "charts": "charts/",
            "zh-index": "zh/", "zh-event": f"zh/events/{quote(segment(with_figures))}/", "zh-charts": "zh/charts/",
            "filtered": "?q=kling&cat=" + events[-1]["category"]}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", ["index", "event", "tag", "charts", "zh-index", "zh-event", "zh-charts", "filtered"])
def test_no_serious_violations(make_context, server, shipped_chrono, axe_path, name, scheme):
    page = make_context(color_scheme=scheme).new_page()
    response = page.goto(server + pages(shipped_chrono)[name])
    assert response and response.ok
    if "?" in page.url:
        page.wait_for_function("() => document.getElementById('filter-status').textContent.trim() !== ''")
    bad = run_axe(page, axe_path)
    assert not bad, _report(bad)


@pytest.mark.parametrize("name", ["index", "event", "charts", "zh-charts"])
def test_no_serious_violations_on_a_phone(make_context, server, shipped_chrono, axe_path, name):
    """At 375 px wide the figures' tables scroll sideways: a keyboard must reach them."""
    page = make_context(viewport={"width": 375, "height": 740}, is_mobile=True).new_page()
    response = page.goto(server + pages(shipped_chrono)[name])
    assert response and response.ok
    bad = run_axe(page, axe_path)
    assert not bad, _report(bad)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_violations_in_results_drawn_from_the_index(make_context, large, axe_path, scheme):
    """On a large site, results from the index: whole cards near the screen, titles
    further down, both in the page at once."""
    base, _ = large
    page = make_context(color_scheme=scheme).new_page()
    page.goto(base + "?q=" + quote("可灵"))
    wait_status(page)
    assert page.locator("#results article[data-card]").count() > 0
    assert page.locator("#results article .cites").count() > 0
    bad = run_axe(page, axe_path)
    assert not bad, _report(bad)
