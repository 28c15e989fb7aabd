"""The site's Jinja environment prints exactly what a standard autoescaping Jinja prints.

templating.SiteEnvironment compiles printed values to escape_text (a str) instead of
markupsafe.escape (a Markup): these tests hold the two to the same output wherever a
template prints, buffers or marks text safe."""

from __future__ import annotations

import markupsafe
import pytest
from hypothesis import given, settings, strategies as st
from jinja2 import DictLoader, Environment, StrictUndefined, UndefinedError

from timeline.templating import SiteEnvironment, escape_text, published_label


class Html:
    """An object that renders itself as HTML (Jinja prints its __html__ unescaped)."""

    def __init__(self, html: str):
        self.html = html

    def __html__(self) -> str:
        return self.html


class Plain:
    def __str__(self) -> str:
        return "<plain & 'quoted' \"text\">"


TEMPLATES = {
    "base.html": "<title>{% block title %}{{ title }}{% endblock %}</title>{% block main %}{% endblock %}",
    "page.html": (
        "{% extends 'base.html' %}"
        "{% block main %}"
        "{% macro item(x) %}<li>{{ x }}</li>{% endmacro %}"
        "{% set caught %}<b>{{ value }}</b>{% endset %}"
        "<p>{{ value }}|{{ value ~ '<x>' }}|{{ value | upper }}|{{ safe | safe }}|{{ number }}</p>"
        "<p>{{ caught }}|{{ caught | length }}</p>"
        "<ul>{% for v in values %}{{ item(v) }}{% endfor %}</ul>"
        "{% filter upper %}{{ value }}{% endfilter %}"
        "{% autoescape false %}{{ value }}{% endautoescape %}"
        "{% autoescape flag %}{{ value }}{% endautoescape %}"
        "{{ html }}|{{ plain }}|{{ markup }}|{{ none }}"
        "{% endblock %}"),
}


def _pair() -> tuple[Environment, Environment]:
    options = dict(loader=DictLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined)
    return Environment(**options), SiteEnvironment(**options)


def _context(value: str) -> dict:
    return {"title": value, "value": value, "safe": "<i>safe</i>", "number": 3.5, "flag": True,
            "values": [value, "<a>", Html("<em>x</em>")], "html": Html("<em>kept</em>"),
            "plain": Plain(), "markup": markupsafe.Markup("<br>"), "none": None}


HOSTILE = ["", "plain", "<script>alert(1)</script>", "\" onmouseover=\"x", "'&'", "&amp;", "可灵 2.0",
           "\x00\ud7ff\U0001f600", "{{ 1 }}"]


@pytest.mark.parametrize("value", HOSTILE)
def test_site_environment_prints_what_jinja_prints(value: str) -> None:
    standard, site = _pair()
    expected = standard.get_template("page.html").render(_context(value))
    assert site.get_template("page.html").render(_context(value)) == expected
    if "<" in value:
        assert value not in expected.split("{% autoescape false %}")[0].split("</ul>")[0]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_site_environment_prints_what_jinja_prints_for_any_text(value: str) -> None:
    standard, site = _pair()
    assert site.get_template("page.html").render(_context(value)) == \
        standard.get_template("page.html").render(_context(value))


@given(st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.none(),
                 st.text().map(Html), st.text().map(markupsafe.Markup)))
def test_escape_text_is_markupsafe_escape_as_str(value) -> None:
    out = escape_text(value)
    assert type(out) is str or hasattr(value, "__html__")  # an object's own HTML, as it is
    assert out == str(markupsafe.escape(value))


def test_the_site_templates_are_compiled_to_escape_text() -> None:
    """The speed-up is in force: the shipped templates print through escape_text."""
    from timeline.templating import make_env
    env = make_env(None)
    source = env.loader.get_source(env, "event.html")[0]
    code = env.compile(source, raw=True)
    assert "environment.escape_text(" in code
    assert "yield escape(" not in code


def test_an_undefined_value_still_fails_the_render() -> None:
    _, site = _pair()
    with pytest.raises(UndefinedError):
        site.from_string("{{ missing }}").render()


@pytest.mark.parametrize("text,on_zh,on_en", [
    ("Sources differ: this article says more than 1.5亿", "en", None),  # English with a figure in Chinese
    ("Kling AI revenue in a quarter, yuan.", "en", None),
    ("可灵 Kling", None, "zh"),
    ("张迪 (Zhang Di)", None, "zh"),  # a Chinese name with its reading
    ("Zhang Di left Kuaishou for Bilibili 张迪", "en", None),
    ("快手", None, "zh"),
    ("Report 12 报道", None, "zh"),
    ("2025", None, None),
    ("", None, None),
])
def test_lang_of_follows_the_script_a_text_mostly_uses(text, on_zh, on_en) -> None:
    from timeline.templating import lang_of
    assert (lang_of(text, "zh"), lang_of(text, "en")) == (on_zh, on_en)


@pytest.mark.parametrize("published, en, zh", [
    ("2025", "2025", "2025年"),
    ("2025-06", "Jun 2025", "2025年6月"),
    ("2025-06-06", "6 Jun 2025", "2025年6月6日"),
    ("2026-01-05", "5 Jan 2026", "2026年1月5日"),
    ("2025-13", "2025-13", "2025-13"),      # not a date: as it is
    ("June 2025", "June 2025", "June 2025"),
])
def test_a_sources_date_is_shown_as_the_pages_show_dates(published, en, zh):
    assert published_label(published, "en") == en
    assert published_label(published, "zh") == zh
