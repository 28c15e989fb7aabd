"""Hostile or extreme data the QA pass found: chart scales of any finite float, an event
on the last representable day, over-long tag names, escape sequences in what the
terminal shows, line breaks in a file name written into a draft's comments."""

from __future__ import annotations

import json
import math
import re
import sqlite3
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
import yaml

from timeline import build, charts, terminal
from timeline.extract import Result
from timeline.extract_output import draft_yaml

BIG = 1.7976931348623157e308   # the largest float
TINY = 5e-324                  # the smallest subnormal
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _observations(values: list[float]) -> list[dict]:
    return [{"series": "x", "period": {"start": f"2025-{n + 1:02d}-01", "end": f"2025-{n + 1:02d}-28"},
             "value": v, "unit": "count", "source": f"s{n}"} for n, v in enumerate(values)]


def _svg_numbers(svg: str) -> list[float]:
    found = re.findall(r' (?:x|y|x1|x2|y1|y2|width|height)="([^"]*)"', svg)
    found += [n for pair in re.findall(r' d="M(\S+) (\S+)l', svg) for n in pair]
    return [float(n) for n in found]


# ---------------------------------------------------------------- 1. chart scales

@pytest.mark.parametrize("values", [
    [1e-300], [1e308], [-1e308], [TINY], [-TINY], [1e-300, 1e300], [0.0], [0.0, 0.0], [7.0],
    [1e308, -1e308], [BIG], [-BIG], [BIG, -BIG], [2.2250738585072014e-308], [1e-310, -1e-310],
])
def test_a_chart_of_any_finite_values_is_valid_svg(values):
    sd = charts.series_data(_observations(values))[0]
    for lang in ("en", "zh"):
        svg = charts.chart_svg(sd, lang)
        ET.fromstring(svg)
        numbers = _svg_numbers(svg)
        assert numbers and all(math.isfinite(n) for n in numbers), svg
        assert len(charts.table_rows(sd, lang)) == len(values)


def test_series_whose_keys_read_alike_get_ids_of_their_own():
    """Keys that give the same id ("a b", "a-b" both s-a-b; "a-b-2" then meets a-b's
    numbered id): each chart keeps its own, and the same keys always give the same ids."""
    obs = [{"series": key, "period": {"start": "2025-01-01", "end": "2025-12-31"}, "value": 1,
            "unit": "count", "source": "s"} for key in ("a-b-2", "a-b", "a b", "A B")]
    anchors = {s.key: s.anchor for s in charts.series_data(obs)}
    assert len(set(anchors.values())) == 4
    assert anchors == {s.key: s.anchor for s in charts.series_data(list(reversed(obs)))}
    assert anchors["a b"] == "s-a-b"


@pytest.mark.parametrize("lo, hi", [(0.0, 1e-300), (0.0, 1e308), (-1e308, 1e308), (-BIG, BIG),
                                    (0.0, BIG), (-BIG, 0.0), (-3.0, 7.0), (0.0, 0.3)])
def test_ticks_are_finite_increasing_and_cover_the_values(lo, hi):
    ticks = charts.nice_ticks(lo, hi)
    assert all(math.isfinite(t) for t in ticks)
    assert all(a < b for a, b in zip(ticks, ticks[1:]))
    assert ticks[0] <= lo and ticks[-1] >= hi and 0.0 in ticks


def test_ticks_of_ordinary_values_are_round():
    assert charts.nice_ticks(0, 7) == [0, 2, 4, 6, 8]
    assert charts.nice_ticks(0, 0.3) == [0, 0.1, 0.2, 0.3]
    assert charts.nice_ticks(0, 0) == [0, 0.25, 0.5, 0.75, 1]
    assert charts.nice_ticks(0, 1e-300) == [0, 2.5e-301, 5e-301, 7.5e-301, 1e-300]


def test_build_with_tiny_observations(cli_sqlite, tmp_path):
    data = {"sources": [{"key": "s1", "title": "S"}],
            "observations": [{"series": "tiny", "period": "2025-01", "value": 1e-300, "source": "s1"},
                             {"series": "subnormal", "period": "2025-01", "value": TINY, "source": "s1"}]}
    (tmp_path / "o.json").write_text(json.dumps(data), encoding="utf-8")
    assert cli_sqlite("init").exit_code == 0
    assert cli_sqlite("import", tmp_path / "o.json").exit_code == 0
    result = cli_sqlite("build", "-o", tmp_path / "site")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "site" / "charts" / "index.html").read_text("utf-8")
    assert page.count("<svg class=\"chart-svg\"") == 2


# ---------------------------------------------------------------- 2. the last day

def _calendar_events(run, tmp_path) -> dict:
    import icalendar
    result = run("build", "-o", tmp_path / "site")
    assert result.exit_code == 0, result.output
    cal = icalendar.Calendar.from_ical((tmp_path / "site" / "calendar.ics").read_bytes())
    return {str(ev["SUMMARY"]): ev for ev in cal.walk("VEVENT")}


def test_an_event_on_the_last_representable_day_has_a_duration(cli_sqlite, tmp_path):
    for when, title in [("9999-12-31", "Last day"), ("9999", "Last year"), ("2025-01-31", "Ordinary")]:
        assert cli_sqlite("add", "--date", when, "--title", title, "--category", "other").exit_code == 0
    events = _calendar_events(cli_sqlite, tmp_path)
    last = events["Last day"]
    assert last.decoded("DTSTART") == date(9999, 12, 31)
    assert "DTEND" not in last and last.decoded("DURATION") == timedelta(days=1)
    year = events["Last year"]
    assert year.decoded("DTSTART") == date(9999, 1, 1)
    assert "DTEND" not in year and year.decoded("DURATION") == timedelta(days=365)
    ordinary = events["Ordinary"]   # every other event keeps its exclusive DTEND
    assert ordinary.decoded("DTEND") == date(2025, 2, 1) and "DURATION" not in ordinary


# ---------------------------------------------------------------- 3. tag folders

def test_short_tag_segments_are_the_slug():
    assert build.tag_segment("Kling 2.0 Master") == "kling-2-0-master"
    assert build.tag_segment("周国睿 (Zhou Guorui)") == "周国睿-zhou-guorui"
    assert build.tag_segment("x" * 100) == "x" * 100


@pytest.mark.parametrize("name", ["中" * 90, "a" * 300, "é" * 120, "ab" + "中" * 80],
                         ids=["han", "ascii", "latin", "mixed"])
def test_long_tag_segments_are_cut_and_kept_apart(name):
    segment = build.tag_segment(name)
    assert len(segment.encode("utf-8")) <= build.TAG_SEGMENT_BYTES
    assert "\ufffd" not in segment and segment == build.tag_segment(name)
    assert re.fullmatch(r".+-[0-9a-f]{8}", segment)
    assert build.tag_segment(name + "x") != segment


def test_a_site_with_long_tag_names_builds(cli_sqlite, tmp_path):
    names = ["中" * 90, "中" * 90 + "国"]
    for n, name in enumerate(names):
        assert cli_sqlite("add", "--date", f"2025-01-0{n + 1}", "--title", f"T{n}", "--category",
                          "other", "--tag", f"topic:{name}").exit_code == 0
    result = cli_sqlite("build", "-o", tmp_path / "site")
    assert result.exit_code == 0, result.output
    folders = sorted(p.name for p in (tmp_path / "site" / "tags" / "topic").iterdir())
    assert len(folders) == 2 and folders == sorted(build.tag_segment(n) for n in names)
    assert all(len(f.encode("utf-8")) <= 100 for f in folders)
    from timeline import sitecheck
    assert not sitecheck.check_site(tmp_path / "site")


# ---------------------------------------------------------------- 4. the terminal

# (hostile, what is left): one of each kind of sequence and control character. Each is
# followed by a Chinese character, as an ASCII one could be read as part of it.
KINDS = [
    ("\x1b[31m", ""), ("\x1b[2J", ""), ("\x9b2J", ""),                  # CSI, C1 CSI
    ("\x1b]0;PWNED\x07", ""), ("\x1b]8;;http://evil/\x1b\\", ""),       # OSC, by BEL and ST
    ("\x9d0;PWNED\x9c", ""), ("\x1bPq#0\x1b\\", ""), ("\x1b_PWNED\x07", ""),  # C1 OSC, DCS, APC
    ("\x1bc", ""), ("\x1b(B", ""), ("\x1b7", ""),                       # other ESC sequences
    ("\x00", ""), ("\x08", ""), ("\r", ""), ("\x07", ""), ("\x7f", ""),  # C0, DEL
    ("\x85", ""), ("\x8d", ""), ("\x1b", ""),                           # C1, a lone ESC
    ("\u202e", ""), ("\u2066", ""), ("\u202a", ""),                      # bidi override, isolate
    ("\x1b]0;unterminated", "0;unterminated"),                          # harmless without ESC ]
]
HOSTILE = "Normal" + "".join(f"{seq}中{n}" for n, (seq, _) in enumerate(KINDS))
CLEAN = "Normal" + "".join(f"{left}中{n}" for n, (_, left) in enumerate(KINDS))


@pytest.mark.parametrize("hostile, left", KINDS)
def test_terminal_text_drops_each_kind(hostile, left):
    assert terminal.terminal_text(f"可{hostile}灵") == f"可{left}灵"


def test_terminal_text_keeps_layout_and_text():
    assert terminal.terminal_text("可灵\tKling\nline two") == "可灵\tKling\nline two"
    assert terminal.terminal_text("a\tb\nc", one_line=True) == "a b c"


def _hostile_database(run) -> None:
    assert run("add", "--date", "2025-01-01", "--title", "Normal", "--category", "other").exit_code == 0
    with sqlite3.connect(run.db) as conn:   # as an older version or another tool could store it
        conn.execute("UPDATE event SET title = ?, body = ?", (HOSTILE, "body " + HOSTILE))
    conn.close()


def test_list_show_and_check_print_no_escape_sequence(cli_sqlite):
    _hostile_database(cli_sqlite)
    listed = cli_sqlite("list")
    assert listed.stdout.rstrip("\n").endswith("  " + CLEAN)
    shown = cli_sqlite("show", "2025-01-01-normal")
    assert shown.stdout.startswith(CLEAN + "\n") and "body " + CLEAN in shown.stdout
    asked = cli_sqlite("rm", "2025-01-01-normal", input="n\n")
    assert asked.exit_code == 1 and f"({CLEAN})?" in asked.stderr
    with sqlite3.connect(cli_sqlite.db) as conn:   # check prints the slug of an unsourced event
        conn.execute("UPDATE event SET slug = ?", ("s" + HOSTILE,))
    conn.close()
    checked = cli_sqlite("check")
    assert "s" + CLEAN + ": has no source" in checked.stdout
    for result in (listed, shown, asked, checked):
        assert not CONTROLS.search(result.stdout + result.stderr) and "PWNED" not in result.stdout


def test_json_output_keeps_the_text_and_escapes_every_control(cli_sqlite):
    _hostile_database(cli_sqlite)
    out = cli_sqlite("list", "--json").stdout
    assert json.loads(out)[0]["title"] == HOSTILE
    assert not CONTROLS.search(out.replace("\n", "")) and "\\u009b" in out


def test_an_error_line_prints_no_escape_sequence(cli_sqlite):
    assert cli_sqlite("init").exit_code == 0
    result = cli_sqlite("show", "x\x1b]0;PWNED\x07y")
    assert result.exit_code == 1 and result.stderr.startswith("Error: ")
    assert not CONTROLS.search(result.stderr.rstrip("\n")) and "PWNED" not in result.stderr


def test_extract_prints_no_escape_sequence(cli_sqlite, tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Kuaishou released Kling 1.0 on June 6, 2024\x1b[2J, a video generation "
                       "model by \x1b]0;PWNED\x07Kuaishou.\n", encoding="utf-8")
    result = cli_sqlite("extract", "--published", "2024-06-10", article)
    assert result.exit_code == 0 and "Kling 1.0 on June 6, 2024, a video" in result.stdout
    assert not CONTROLS.search(result.stdout.replace("\n", ""))


# ---------------------------------------------------------------- 5. the draft's comments

ARTICLE = "Kuaishou released Kling 1.0 on June 6, 2024, a video generation model.\n"


@pytest.mark.parametrize("brk", ["\n", "\r", "\r\n", "\x85", "\u2028", "\u2029"])
def test_a_line_break_in_a_file_name_stays_in_its_comment(brk):
    hostile = f"a{brk}sources: [{{key: injected, title: Injected}}]{brk}#.txt"
    text = draft_yaml(Result([], [hostile]), name=f"d{brk}observations: []{brk}#.yaml")
    assert yaml.safe_load(text) == {"events": []}
    assert all(line.startswith("#") for line in text.splitlines()[:-1])


def test_a_draft_from_a_file_named_with_a_newline_imports_only_its_event(runner, cli_sqlite, tmp_path):
    from timeline.cli import app
    article = tmp_path / "art\nsources: [{key: injected, title: Injected}]\n#.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    draft = tmp_path / "draft.yaml"
    assert cli_sqlite("extract", "--published", "2024-06-10", "-o", draft, article).exit_code == 0
    assert "#   " + str(article).replace("\n", "\\n") + "\n" in draft.read_text("utf-8")
    assert cli_sqlite("import", draft).exit_code == 0
    data = json.loads(runner.invoke(app, ["--db", cli_sqlite.db, "export"]).stdout)
    assert [e["title"] for e in data["events"]] == ["Kling 1.0 released"]
    name = "art sources: [{key: injected, title: Injected}] #.txt"
    assert [s["title"] for s in data["sources"]] == [name]
    assert [(s["title"], s["locator"]) for s in data["events"][0]["sources"]] == [(name, name)]
