"""What the browser tests read off a page: an event's path segment, the events shown,
the filter's status once it has settled."""

from __future__ import annotations

from urllib.parse import quote

from timeline.templating import segment

EXPECT_TIMEOUT = 5000


def seg(slug: str) -> str:
    return quote(segment(slug))


def visible_events(page) -> set[str]:
    return set(page.eval_on_selector_all(
        "#timeline article[data-e], #results article",
        """els => els.filter(e => e.offsetParent !== null && !e.closest('[hidden]'))
                   .map(e => e.getAttribute('data-e') ||
                             e.querySelector('h3 a').getAttribute('href').split('/').slice(-2)[0])"""))


def wait_status(page) -> None:
    page.wait_for_function(
        """() => { const s = document.getElementById('filter-status');
                   const f = document.getElementById('filters');
                   return s && s.textContent.trim() !== '' && f.getAttribute('aria-busy') === 'false'; }""",
        timeout=EXPECT_TIMEOUT)
