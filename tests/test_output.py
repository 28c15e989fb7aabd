"""The site manifest (output.read_manifest / _write_manifest), the progress bar, and the
sitemap file names the plan announces before any URL is made (feeds.sitemap_names)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from hypothesis import given, settings, strategies as st

from timeline import feeds
from timeline.output import MANIFEST, ProgressBar, _write_manifest, read_manifest
from timeline.templating import Router


def test_manifest_round_trip(tmp_path: Path) -> None:
    files = {"index.html": ("k1", "d1"), "events/a/index.html": ("k2", "d2"), "zh/index.html": ("k3", "d3")}
    _write_manifest(tmp_path, files)
    assert json.loads((tmp_path / MANIFEST).read_text())["format"] == 2
    assert read_manifest(tmp_path) == files


def test_manifest_with_a_newline_in_a_path_uses_format_1(tmp_path: Path) -> None:
    files = {"odd\nname.html": ("k", "d"), "index.html": ("k2", "d2")}
    _write_manifest(tmp_path, files)
    assert json.loads((tmp_path / MANIFEST).read_text())["format"] == 1
    assert read_manifest(tmp_path) == files


def test_format_1_manifest_of_an_older_build_is_read(tmp_path: Path) -> None:
    (tmp_path / MANIFEST).write_text(json.dumps({"format": 1, "files": {"index.html": ["k", "d"]}}))
    assert read_manifest(tmp_path) == {"index.html": ("k", "d")}


def test_damaged_manifests_read_as_none(tmp_path: Path) -> None:
    assert read_manifest(tmp_path) is None  # none at all
    for text in ("not json", "[]", '{"format": 2, "paths": "a\\nb", "keys": "k", "digests": "d"}',
                 '{"format": 2, "paths": 5, "keys": "k", "digests": "d"}',
                 '{"format": 1, "files": {"a": 5}}', '{"format": 1, "files": {"a": ["k"]}}',
                 '{"format": 1, "files": []}'):
        (tmp_path / MANIFEST).write_text(text)
        assert read_manifest(tmp_path) is None, text


@settings(max_examples=40, deadline=None)
@given(count=st.integers(min_value=0, max_value=400), limit=st.integers(min_value=1, max_value=120))
def test_sitemap_names_are_the_files_sitemap_files_makes(count: int, limit: int) -> None:
    urls = [f"/p{i}/" for i in range(count)]
    assert feeds.sitemap_names(count, limit) == list(feeds.sitemap_files(urls, Router("/"), limit))


def test_progress_bar_line_is_ended_when_a_build_stops_half_way() -> None:
    out = io.StringIO()
    bar = ProgressBar(stream=out, delay=0, interactive=True)
    bar(5, 10)
    assert out.getvalue() == "\r[###############...............] 5/10 pages"
    bar.close()  # the build failed: an error message must start on a line of its own
    assert out.getvalue().endswith(" 5/10 pages\n")
    out = io.StringIO()
    bar = ProgressBar(stream=out, delay=0, interactive=True)
    bar(10, 10)
    bar.close()
    assert out.getvalue() == "\r[##############################] 10/10 pages\n"


def test_progress_bar_is_not_drawn_into_a_log() -> None:
    out = io.StringIO()  # not a terminal, like a file or CI output
    bar = ProgressBar(stream=out, delay=0)
    bar(5, 10)
    bar(10, 10)
    bar.close()
    assert out.getvalue() == ""


def test_progress_bar_waits_for_its_delay() -> None:
    out = io.StringIO()
    bar = ProgressBar(stream=out, delay=60, interactive=True)
    bar(1, 10)
    bar.close()
    assert out.getvalue() == ""
