"""Import and export: every format, idempotence, all-or-nothing, and byte-exact round trips."""

import json
import os
import stat
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "sample.yaml"


def test_import_is_idempotent_and_keyed_by_slug(cli):
    first = cli("import", SAMPLE)
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("Imported 1 event (1 new, 0 updated), 2 sources, 2 obs")
    again = cli("import", SAMPLE)
    assert again.stdout.startswith("Imported 1 event (0 new, 1 updated)")
    events = json.loads(cli("list", "--json").stdout)
    assert [e["slug"] for e in events] == ["kling-2-0-release"]
    export = json.loads(cli("export").stdout)
    assert len(export["sources"]) == 2 and len(export["observations"]) == 2


def test_import_counts_the_sources_its_citations_create(cli, tmp_path):
    path = tmp_path / "inline.json"
    event = {"date": "2025-04-15", "title": "A", "category": "other",
             "sources": [{"title": "Inline report", "publisher": "36氪"}, {"url": "https://a.example/x"}]}
    path.write_text(json.dumps([event]), encoding="utf-8")
    assert cli("import", path).stdout.startswith("Imported 1 event (1 new, 0 updated), 2 sources,")
    assert cli("import", path).stdout.startswith("Imported 1 event (0 new, 1 updated), 0 sources,")
    assert len(json.loads(cli("export").stdout)["sources"]) == 2


def test_dry_run_changes_nothing(cli):
    assert cli("init").exit_code == 0
    result = cli("import", SAMPLE, "--dry-run")
    assert result.exit_code == 0
    assert result.stdout.startswith("Would import 1 event ")
    assert json.loads(cli("export").stdout) == {"events": [], "sources": [], "observations": []}


@pytest.mark.parametrize("fmt", ["json", "jsonl", "yaml", "csv"])
def test_export_import_export_is_byte_identical(cli, runner, tmp_path, fmt):
    from timeline.cli import app
    assert cli("import", SAMPLE).exit_code == 0
    first = tmp_path / f"first.{fmt}"
    assert cli("export", "--format", fmt, "-o", first).exit_code == 0
    empty = tmp_path / "empty.db"
    imported = runner.invoke(app, ["--db", str(empty), "import", str(first)])
    assert imported.exit_code == 0, imported.output
    second = runner.invoke(app, ["--db", str(empty), "export", "--format", fmt])
    assert second.stdout == first.read_text(encoding="utf-8")
    if fmt != "csv":  # CSV holds events only
        assert "可灵2.0发布" in second.stdout and "智东西" in second.stdout
        assert "kling-revenue" in second.stdout and "快手公司" in second.stdout


def test_csv_round_trip_keeps_hostile_text_and_defuses_formulas(cli_sqlite, runner, tmp_path):
    """CSV is a flat view of the events, but what it holds comes back as it was: list
    items with ";" or "\\" in them, CR LF inside a body, and cells a spreadsheet would
    run as formulas (written with an apostrophe before them, taken off again on import)."""
    from timeline.cli import app
    event = {"slug": "hostile", "title": '=HYPERLINK("http://evil","x")', "category": "other",
             "date": "2025-01-01", "body": "line one\r\nline two", "lang": "en",
             "tags": ["topic:a;b", "topic:back\\slash", "person:@handle"],
             "sources": [{"title": "Part 1; Part 2", "url": "https://a.com/x;y"},
                         {"title": "-5% growth"}, {"title": "'quoted"}],
             "translations": {"zh": {"title": "+86 开头", "body": "正文"}}}
    (tmp_path / "in.json").write_text(json.dumps([event]), encoding="utf-8")
    assert cli_sqlite("import", tmp_path / "in.json").exit_code == 0
    first = tmp_path / "first.csv"
    assert cli_sqlite("export", "--format", "csv", "-o", first).exit_code == 0
    row = first.read_bytes().split(b"\n", 1)[1]
    assert row.startswith(b'hostile,"\'=HYPERLINK(')        # a spreadsheet shows it as text
    assert b"\r\n" in row and b"a\\;b" in row and b"'+86" in row
    empty = tmp_path / "empty.db"
    assert runner.invoke(app, ["--db", str(empty), "import", str(first)]).exit_code == 0
    back = json.loads(runner.invoke(app, ["--db", str(empty), "show", "hostile", "--json"]).stdout)
    assert back["title"] == event["title"] and back["body"] == event["body"]
    assert [f"{t['kind']}:{t['name']}" for t in back["tags"]] == event["tags"]
    assert [s["url"] or s["title"] for s in back["sources"]] == ["https://a.com/x;y", "-5% growth", "'quoted"]
    assert back["translations"]["zh"]["title"] == "+86 开头"
    again = tmp_path / "again.csv"  # a file: the test runner's stdout turns CR LF into LF
    assert runner.invoke(app, ["--db", str(empty), "export", "--format", "csv", "-o", str(again)]).exit_code == 0
    assert again.read_bytes() == first.read_bytes()


def test_a_hand_written_csv_keeps_its_backslashes(cli_sqlite, tmp_path):
    """Only "\\;" and "\\\\" are escapes in a list cell: any other backslash is the text's."""
    path = tmp_path / "a.csv"
    path.write_text('slug,title,date,category,tags\nb,B,2025-01-01,other,"topic:C:\\temp; topic:x\\;y"\n',
                    encoding="utf-8")
    assert cli_sqlite("import", path).exit_code == 0
    tags = json.loads(cli_sqlite("show", "b", "--json").stdout)["tags"]
    assert [t["name"] for t in tags] == ["C:\\temp", "x;y"]


def test_export_json_shape(cli):
    cli("import", SAMPLE)
    data = json.loads(cli("export").stdout)
    assert list(data) == ["events", "sources", "observations", "tags"]  # tags: those with a Chinese name
    assert data["tags"] == [{"kind": "organization", "name": "Kuaishou", "name_zh": "快手公司"}]
    assert data["sources"][1] == {"key": "zhidx-kling-2", "title": "力压OpenAI、Google,快手掏出最强视频大模型",
                                  "publisher": "智东西", "author": None, "url": None,
                                  "published": "2025-04-15", "language": "zh-Hans"}
    obs = data["observations"][1]
    assert obs["value"] == 150000000 and obs["qualifier"] == ">"
    assert obs["source"] == "zhidx-kling-2" and obs["event"] == "kling-2-0-release"
    event = data["events"][0]
    assert event["sources"][0]["locator"] == "001.txt, article 8"
    assert event["translations"] == {"zh": {"title": "可灵2.0发布", "body": "快手发布了可灵2.0。"}}


def test_import_markdown_with_front_matter(cli, tmp_path):
    path = tmp_path / "event.md"
    path.write_text("---\ntitle: Kling 1.0 launches\ncategory: model-release\ndate: 2024-06-06\n"
                    "tags: [product:Kling]\nsources: [https://example.com/k1]\n---\n"
                    "Kuaishou opens **Kling** to testers.\n", encoding="utf-8")
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    event = json.loads(cli("show", "2024-06-06-kling-1-0-launches", "--json").stdout)
    assert event["body"] == "Kuaishou opens **Kling** to testers."
    assert event["sources"][0]["url"] == "https://example.com/k1"


def test_import_minimal_csv(cli, tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("title,date,category,tags\nKling 2.1,2025-05-29,model-release,product:Kling\n"
                    "快手财报,2025-05-27,earnings,\n", encoding="utf-8")
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    assert [e["title"] for e in json.loads(cli("list", "--json").stdout)] == ["快手财报", "Kling 2.1"]


def _bad(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _event_text(**fields) -> str:
    return json.dumps({"events": [{"title": "T", "category": "other", "date": "2025-01-01", **fields}]})


@pytest.mark.parametrize("name, text, message", [
    ("a.json", '{"events": [', "a.json:1: invalid JSON"),
    ("a.json", '{"events": [{"title": "x", "category": "other", "date": "nope"}]}',
     "a.json field 'events[0].date': could not read"),
    ("a.yaml", "events:\n  - title: x\n    category: other\n    date: 2025-01-01\n"
     "  - title: y\n    category: wrong\n    date: 2025-01-01\n",
     "a.yaml:6 field 'category': unknown category 'wrong'"),
    ("a.yaml", "events:\n  - title: x\n    catgory: other\n", "a.yaml:3: unknown field(s) catgory"),
    ("a.yaml", "events: [\n", "a.yaml:2: invalid YAML"),
    ("a.csv", "title,date,category\nok,2025-01-01,other\nbad,2025-99-01,other\n",
     "a.csv:3 field 'date':"),
    ("a.csv", "name,when\nx,y\n", "a.csv:1: a CSV file needs a header row"),
    ("a.jsonl", '{"type": "event", "title": "x", "category": "other", "date": "2025"}\n{oops\n',
     "a.jsonl:2: invalid JSON"),
    ("a.md", "no front matter here", "a.md:1: a Markdown event starts with YAML front matter"),
    ("a.txt", "hello", "a.txt: unknown file type '.txt'"),
    ("a.yaml", "events:\n  - title: x\n    category: other\n    date: 2025\n"
     "    sources: [{key: nowhere}]\n", "a.yaml:2: unknown source key 'nowhere'"),
    ("a.yaml", "observations:\n  - series: s\n    period: 2025\n    value: lots\n    source: k\n",
     "a.yaml:4 field 'value': 'lots' is not a number"),
    ("a.yaml", "- title: x\n  category: other\n  date: 2025\n  title: y\n",
     "a.yaml:4: invalid YAML: the key 'title' appears twice in one record (also on line 1)"),
    ("a.md", "---\ntitle: x\ncategory: other\ndate: 2025\ncategory: product\n---\nbody\n",
     "a.md:5: invalid YAML: the key 'category' appears twice in one record (also on line 3)"),
    ("a.csv", "slug,title,category,date_text,slug\nh1,T,other,2025,h2\n",
     "a.csv:1: the header names the column 'slug' twice"),
    # shapes that used to be dropped without a word
    ("a.json", '{"events": {}}', "a.json: 'events' must be a list"),
    ("a.json", '[{"title": "T", "category": "other", "date": "2025", "translations": []}]',
     "a.json field 'events[0].translations': must be an object of language"),
    ("a.json", '[{"title": "T", "category": "other", "date": "2025", "lang": "en", "translations": {"en": {"title": "x"}}}]',
     "a.json field 'events[0].translations.en': is in the event's own language (en)"),
    ("a.md", "---\ntitle: x\ncategory: other\ndate: 2025\nbody: in front\n---\n\nafter\n",
     "a.md:8 field 'body': is given twice, in the front matter and after it"),
    ("a.md", "---\ntitle: x\ncategory: other\ndate: 2025\n---\n\n\nfirst\nsecond \a\n",
     "a.md:8 field 'body': contains a control character (U+0007)"),  # the body's first line
    # a key or name written twice: the last one used to win silently
    ("a.json", '[{"title": "a", "title": "b", "category": "other", "date": "2025"}]',
     "a.json: invalid JSON: the key 'title' appears twice in one object"),
    ("a.jsonl", '{"title": "a", "category": "other", "date": "2025"}\n{"title": "b", "date": "2025", "date": "2024"}\n',
     "a.jsonl:2: invalid JSON: the key 'date' appears twice in one object"),
    ("a.yaml", "sources:\n  - {key: k1, title: T}\n  - {key: k1, title: U}\n",
     "a.yaml:3 field 'key': key 'k1' appears twice in this import (also"),
    ("a.json", _event_text(importance=True), "a.json field 'events[0].importance': must be a whole number, not true"),
])
def test_bad_files_name_file_line_field_and_change_nothing(cli, tmp_path, name, text, message):
    good = _bad(tmp_path, "good.yaml", "events:\n  - title: Good\n    category: other\n"
                "    date: 2025-01-01\n    slug: good\n")
    bad = _bad(tmp_path, name, text)
    assert cli("init").exit_code == 0
    result = cli("import", good, bad)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {tmp_path / message}"), result.stderr
    assert result.stderr.count("\n") == 1
    assert json.loads(cli("list", "--json").stdout) == []


def _event(**fields) -> str:
    return json.dumps({"events": [{"title": "T", "category": "other", "date": "2025-01-01", **fields}]})


@pytest.mark.parametrize("given, stored", [
    (9007199254740993, 9007199254740993),   # 2^53 + 1: a float would make it ...992
    ("-9223372036854775807", -9223372036854775807), ("3.0", 3), ("1e3", 1000)])
def test_importance_is_read_exactly(given, stored):
    from timeline.importers import Where, event_from_dict
    event = {"title": "T", "category": "other", "date": "2025-01-01", "importance": given}
    assert event_from_dict(event, Where("a.json")).importance == stored


@pytest.mark.parametrize("fmt", ["json", "jsonl", "yaml", "csv"])
def test_importance_survives_export_edit_and_import(cli, tmp_path, fmt):
    """importance was stored and then lost: export left it out, and edit set it back to 0."""
    path = tmp_path / "a.json"
    path.write_text(_event(slug="ranked", importance=7), encoding="utf-8")
    assert cli("import", path).exit_code == 0
    assert cli("edit", "ranked", "--title", "Renamed").exit_code == 0
    assert json.loads(cli("show", "ranked", "--json").stdout)["importance"] == 7
    first = tmp_path / f"first.{fmt}"
    assert cli("export", "--format", fmt, "-o", first).exit_code == 0
    assert cli("rm", "ranked", "--yes").exit_code == 0
    assert cli("import", first).exit_code == 0
    again = tmp_path / f"again.{fmt}"
    assert cli("export", "--format", fmt, "-o", again).exit_code == 0
    assert again.read_bytes() == first.read_bytes() and b"importance" in first.read_bytes()


def _observation(value) -> str:
    return ('{"sources": [{"key": "s1", "title": "S"}], "observations": [{"series": "x", '
            f'"period": "2025-01", "value": {value}, "source": "s1"}}]}}')


# Well-formed files whose values import must refuse (each used to be stored as a Python
# repr, to crash the import with a traceback, or to be accepted and crash the build).
@pytest.mark.parametrize("text, message", [
    (_event(title=["A"]), "field 'events[0].title': must be text, not a list"),
    (_event(body={"a": 1}), "field 'events[0].body': must be text, not an object"),
    (_event(lang=["en"]), "field 'events[0].lang': must be text, not a list"),
    (_event(lang='"><script>'), "field 'events[0].lang': '\"><script>' is not a language tag"),
    (_event(tags=[["x"]]), "field 'events[0].tags[0]': must be text, not a list"),
    (_event(tags=[{"kind": "person", "name": {"a": 1}}]), "field 'events[0].tags[0].name': must be text"),
    (_event(translations=["zh"]), "field 'events[0].translations': must be an object"),
    (_event(translations={"zh": {"title": "标题", "body": ["b"]}}),
     "field 'events[0].translations.zh.body': must be text, not a list"),
    (_event(translations={"<x>": {"title": "t"}}), "field 'events[0].translations': '<x>' is not a language tag"),
    (_event(title="T\ud800"), "field 'events[0].title': contains half of a surrogate pair (U+D800)"),
    (_event(title="T\u0001"), "field 'events[0].title': contains a control character (U+0001)"),
    (_event(body="a\u009bb"), "field 'events[0].body': contains a control character (U+009B)"),
    (_event(title=True), "field 'events[0].title': must be text, not true or false"),
    (_event(importance="1e999"), "field 'events[0].importance': must be a whole number"),
    ('{"events": [{"title": "T", "category": "other", "date": "2025", "importance": 1e400}]}',
     "field 'events[0].importance': must be a whole number"),
    (_event(importance=-99999999999999999999999), "field 'events[0].importance': must be a whole number"),
    (_event(importance=2.5), "field 'events[0].importance': must be a whole number"),
    (_event(date={"start": "2025-01-01", "end": "2025-01-02", "precision": "days",
                  "edtf": "\r\nBEGIN:VEVENT<script>"}), "field 'events[0].date': date.edtf"),
    (_event(sources=[{"title": "S", "language": 'zh"><script>'}]),
     "field 'events[0].sources[0].language': "),
    (_event(sources=[{"title": ["S"]}]), "field 'events[0].sources[0].title': must be text"),
    (_event(date={"text": "x", "start": "0001-01-01", "end": "0001-01-01", "precision": "day"}),
     "field 'events[0].date': date.start '0001-01-01': year 1 is outside 1000–9999"),
    (_event(title="abc\u202edef"), "field 'events[0].title': contains a bidirectional override (U+202E)"),
    (_event(tags=["topic:\u202eevil"]), "field 'events[0].tags[0]': contains a bidirectional override"),
    (_event(sources=["a\u0000b"]), "field 'events[0].sources[0]': contains a control character (U+0000)"),
    (_event(sources=["https://a.example/\udcfe"]),
     "field 'events[0].sources[0]': contains half of a surrogate pair (U+DCFE)"),
    (_observation("1e999"), "field 'observations[0].value': inf is not a number the store can hold"),
    (_observation('"nan"'), "field 'observations[0].value': nan is not a number the store can hold"),
    (_observation('"inf"'), "field 'observations[0].value': inf is not a number the store can hold"),
    (_observation(10 ** 30), "field 'observations[0].value': 1000000000000000000000000000000 is not"),
    ('{"sources": [{"key": "s1", "title": "S"}], "observations": [{"series": ["x"], '
     '"period": "2025", "value": 1, "source": "s1"}]}', "field 'observations[0].series': must be text"),
    ('{"series": [{"key": {"a": 1}, "title": "t"}]}', "field 'series[0].key': must be text"),
    ('{"tags": [{"kind": "company", "name": "Kuaishou"}]}', "field 'tags[0].kind': unknown tag kind 'company'"),
    ('{"tags": [{"kind": "organization", "name_zh": "快手"}]}', "field 'tags[0].name': is missing"),
    ('{"tags": [{"kind": "organization", "name": "K", "name_zh": ["快手"]}]}',
     "field 'tags[0].name_zh': must be text"),
    ('{"tags": [{"kind": "organization", "name": "K", "name_zh": "快\\u0007手"}]}',
     "field 'tags[0].name_zh': contains a control character"),
    ('{"tags": [{"kind": "organization", "name": "K", "zh": "快手"}]}', "tags[0]"),
    ("[" * 100000 + "]" * 100000, ": lists or objects nested too deeply"),
])
def test_wrongly_typed_values_are_refused_by_field(cli, tmp_path, text, message):
    path = _bad(tmp_path, "a.json", text)
    assert cli("init").exit_code == 0
    result = cli("import", path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}"), result.stderr
    assert message in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert json.loads(cli("list", "--json").stdout) == []


@pytest.mark.parametrize("name, text", [
    ("a.yaml", "[" * 100000 + "]" * 100000),
    ("a.jsonl", "[" * 100000 + "]" * 100000),
    ("a.csv", 'title,date,category\n"unterminated,2025-01-01,other\n'),
])
def test_unreadable_structure_is_one_line(cli, tmp_path, name, text):
    path = _bad(tmp_path, name, text)
    result = cli("import", path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}") and result.stderr.count("\n") == 1, result.stderr
    assert "field 'category'" not in result.stderr


@pytest.mark.parametrize("name, text, message", [
    # an unquoted date that is no date: PyYAML raised ValueError (a traceback)
    ("a.yaml", "events:\n  - title: A\n    category: other\n\n    date: 2025-02-30\n",
     "a.yaml:5 field 'date': '2025-02-30': February has no day 30"),
    ("a.yaml", "sources:\n  - key: s\n    title: T\n    published: 2025-13-01\n",
     "a.yaml:4 field 'published': published '2025-13-01' is not a date"),
    # the line of the field, not of the event it is in
    ("a.yaml", "events:\n  - title: A\n\n    date: 2025-01-02\n    categroy: other\n",
     "a.yaml:5: unknown field(s) categroy;"),
    ("a.yaml", "events:\n  - title: A\n    category: other\n    date: 2025-01-02\n    tags: [spaceship:x]\n",
     "a.yaml:5 field 'tags[0]': unknown tag kind 'spaceship'"),
    ("a.md", "---\ntitle: M\ncategory: other\n\ndate: 2025-02-30\n---\nBody\n",
     "a.md:5 field 'date': '2025-02-30': February has no day 30"),
])
def test_yaml_errors_name_the_line_of_the_field(cli, tmp_path, name, text, message):
    result = cli("import", _bad(tmp_path, name, text))
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"Error: {tmp_path / message}"), result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("line", [2, 4])
def test_a_csv_quote_left_open_is_reported_on_its_line(cli, tmp_path, line):
    rows = [f"a{n},2025-01-0{n},other" for n in range(1, 5)]
    rows[line - 2] = f'"a{line},2025-01-01,other'
    path = _bad(tmp_path, "a.csv", "title,date,category\n" + "\n".join(rows) + "\n")
    result = cli("import", path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}:{line}: invalid CSV"), result.stderr


def test_text_that_looks_like_other_types_is_kept_as_text(cli, tmp_path):
    """Numbers and dates are text where text is asked for; tabs and line breaks are kept."""
    path = tmp_path / "a.yaml"
    path.write_text("events:\n  - title: 2025\n    category: other\n    date: 2025-01-01\n"
                    "    slug: numbers\n    body: \"a\\tb\\nc\"\n    lang: zh-Hant\n"
                    "    importance: '3'\n"
                    # what earlier versions stored and exported must import again
                    "  - {title: Old, category: other, slug: old, lang: zh_CN, importance: 2.0,\n"
                    "     sources: [{title: S, language: Chinese}],\n"
                    "     date: {start: 2025-01-01, end: 2025-03-31, precision: quarter, edtf: '2025-Q1'}}\n",
                    encoding="utf-8")
    assert cli("import", path).exit_code == 0
    event = json.loads(cli("show", "numbers", "--json").stdout)
    assert (event["title"], event["body"], event["lang"]) == ("2025", "a\tb\nc", "zh-Hant")
    old = json.loads(cli("show", "old", "--json").stdout)
    assert (old["lang"], old["date"]["edtf"], old["sources"][0]["title"]) == ("zh_CN", "2025-Q1", "S")


def test_a_tag_name_typed_composed_or_decomposed_is_one_tag(cli, tmp_path):
    """...and one with an invisible zero-width space, word joiner or BOM in it."""
    nfc, nfd = "Caf\u00e9", "Cafe\u0301"
    names = (nfc, nfd, "Ca\u200bf\u00e9", "\ufeffCaf\u00e9", "Caf\u2060\u00e9")
    path = tmp_path / "a.json"
    path.write_text(json.dumps([{"title": f"T{i}", "category": "other", "date": "2025-01-01",
                                 "slug": f"t{i}", "tags": [f"topic:{name}"]}
                                for i, name in enumerate(names)]), encoding="utf-8")
    assert cli("import", path).exit_code == 0
    tags = [e["tags"] for e in json.loads(cli("list", "--json").stdout)]
    assert tags == [[{"kind": "topic", "name": nfc}]] * len(names)


def test_missing_file(cli, tmp_path):
    result = cli("import", tmp_path / "nope.yaml")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {tmp_path / 'nope.yaml'}: no such file\n"


def test_same_slug_twice_in_one_import_is_refused(cli, tmp_path):
    path = _bad(tmp_path, "dup.yaml", "events:\n  - {slug: a, title: A, category: other, date: 2025}\n"
                "  - {slug: a, title: B, category: other, date: 2026}\n")
    result = cli("import", path)
    assert result.exit_code == 1
    assert "slug 'a' appears twice in this import" in result.stderr


def test_export_to_file_and_unknown_format(cli, tmp_path):
    cli("import", SAMPLE)
    out = tmp_path / "out.yaml"
    assert cli("export", "-f", "yaml", "-o", out).exit_code == 0
    assert "kling-2-0-release" in out.read_text(encoding="utf-8")
    bad = cli("export", "-f", "xml")
    assert bad.exit_code == 1 and bad.stderr.startswith("Error: unknown export format 'xml'")
    unwritable = cli("export", "-o", tmp_path / "no" / "dir" / "x.json")
    assert unwritable.exit_code == 1 and unwritable.stderr.startswith("Error: cannot write")


def test_export_file_mode_is_the_umask_or_the_replaced_file(cli, tmp_path):
    cli("import", SAMPLE)
    umask = os.umask(0o022)
    try:
        new = tmp_path / "new.json"
        assert cli("export", "-o", new).exit_code == 0
        assert stat.S_IMODE(new.stat().st_mode) == 0o644       # not mkstemp's 0600
        kept = tmp_path / "kept.json"
        kept.write_text("old")
        kept.chmod(0o640)
        assert cli("export", "-o", kept).exit_code == 0
        assert stat.S_IMODE(kept.stat().st_mode) == 0o640
        assert "kling-2-0-release" in kept.read_text(encoding="utf-8")
    finally:
        os.umask(umask)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_export_onto_a_folder_fails_and_leaves_no_temporary_file(cli, tmp_path):
    cli("import", SAMPLE)
    folder = tmp_path / "out"
    folder.mkdir()
    result = cli("export", "-o", folder)
    assert result.exit_code == 1 and result.stderr.startswith(f"Error: cannot write {folder}")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    assert list(folder.iterdir()) == []


def test_check_lists_conflicting_observations(cli):
    cli("import", SAMPLE)
    result = cli("check")
    assert result.exit_code == 1
    assert "kling-revenue 2025-04-01/2025-04-30: sources differ" in result.stdout


def test_new_sources_get_distinct_keys(cli, tmp_path):
    path = _bad(tmp_path, "two.yaml", "events:\n"
                "  - {slug: a, title: A, category: other, date: 2025, sources: [{title: 'Report!'}]}\n"
                "  - {slug: b, title: B, category: other, date: 2025, sources: [{title: 'Report?'}]}\n")
    assert cli("import", path).exit_code == 0
    keys = [s["key"] for s in json.loads(cli("export").stdout)["sources"]]
    assert keys == ["report", "report-2"]


def test_tag_names_are_imported_normalised_replaced_and_removed(cli, tmp_path):
    """A tag's Chinese name: set by a top-level `tags` list (in YAML, JSON or JSON Lines),
    with its kind and names normalised as an event's tags are; imported again, replaced;
    null removes it. A tag no event carries yet is made, and shows up once one does."""
    assert cli("import", SAMPLE).exit_code == 0
    names = tmp_path / "names.jsonl"
    names.write_text('{"type": "tag", "kind": " Organization ", "name": "Kuaishou", "name_zh": " 快手 "}\n'
                     '{"type": "tag", "kind": "person", "name": "Zhang  Di", "name_zh": "张迪"}\n',
                     encoding="utf-8")
    result = cli("import", names)
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith(", 2 tag names\n")
    assert json.loads(cli("export").stdout)["tags"] == [
        {"kind": "organization", "name": "Kuaishou", "name_zh": "快手"},
        {"kind": "person", "name": "Zhang Di", "name_zh": "张迪"}]
    lines = cli("export", "--format", "jsonl").stdout.splitlines()
    assert '{"type": "tag", "kind": "person", "name": "Zhang Di", "name_zh": "张迪"}' in lines
    removed = tmp_path / "removed.yaml"
    removed.write_text("tags:\n  - {kind: organization, name: Kuaishou, name_zh: null}\n", encoding="utf-8")
    assert cli("import", removed).exit_code == 0
    assert json.loads(cli("export").stdout)["tags"] == [
        {"kind": "person", "name": "Zhang Di", "name_zh": "张迪"}]



@pytest.mark.parametrize("target", ["db", "db-wal", "link", "hard link", "timeline.toml"])
@pytest.mark.parametrize("command", [["export"], ["export", "--format", "csv"], ["extract", "ARTICLE"]])
def test_an_output_file_never_writes_over_the_database(cli_sqlite, sqlite_db, tmp_path, target, command):
    """`export -o events.db` (meant events.json) refuses, in one line, before writing:
    the database, its -wal file, a link to it and the settings file beside it stay."""
    assert cli_sqlite("import", SAMPLE).exit_code == 0
    db = Path(sqlite_db)
    out = {"db": db, "db-wal": db.with_name(db.name + "-wal"), "link": tmp_path / "link.db",
           "hard link": tmp_path / "hard.db", "timeline.toml": db.with_name("timeline.toml")}[target]
    if target == "link":
        out.symlink_to(db)
    elif target == "hard link":
        os.link(db, out)
    article = tmp_path / "a.txt"
    article.write_text("2025年4月15日，快手发布可灵2.0。", encoding="utf-8")
    args = [str(article) if a == "ARTICLE" else a for a in command]
    if command[0] == "extract":
        args += ["--published", "2025-04-20"]
    result = cli_sqlite(*args, "-o", out)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: refusing to write over {out}") and result.stderr.count("\n") == 1
    assert db.read_bytes().startswith(b"SQLite format 3\0")  # (SQLite may have checkpointed into it)
    assert len(json.loads(cli_sqlite("export").stdout)["events"]) == 1
    assert target != "timeline.toml" or not out.exists()


@pytest.mark.parametrize("written", ["2.10", "12:30", "0755", "1_000", "1e3", ".5", "0x1F", "-0"])
@pytest.mark.parametrize("suffix", [".yaml", ".md"])
def test_an_unquoted_number_in_yaml_is_the_text_written(cli, tmp_path, written, suffix):
    """YAML 1.1 would read these as numbers (2.1, 750, 493, 1000, …): a title, a tag or a
    translation keeps what was written; importance reads its own text as a number."""
    fields = (f"title: {written}\nslug: yaml-number\ndate: 2025-01-01\ncategory: other\n"
              f"importance: 0{'7' if written != '-0' else ''}\ntags: [{{kind: topic, name: {written}}}]\n"
              f"translations: {{zh: {{title: {written}}}}}\n")
    path = tmp_path / f"n{suffix}"
    path.write_text(f"---\n{fields}---\nbody\n" if suffix == ".md" else f"- {fields.replace(chr(10), chr(10) + '  ')}",
                    encoding="utf-8")
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    event = json.loads(cli("show", "yaml-number", "--json").stdout)
    assert event["title"] == written and event["translations"]["zh"]["title"] == written
    assert event["tags"] == [{"kind": "topic", "name": written}]
    assert event.get("importance", 0) == (7 if written != "-0" else 0)


def test_a_field_over_max_text_is_refused_by_every_way_in(cli, tmp_path):
    from timeline.importers import MAX_TEXT
    big = "word " * (MAX_TEXT // 5 + 1)
    path = _bad(tmp_path, "a.json", _event_text(body=big))
    assert cli("init").exit_code == 0
    result = cli("import", path)
    assert result.exit_code == 1 and result.stderr == (
        f"Error: {path} field 'events[0].body': is {len(big.strip()):,} characters long; "
        f"the most a field holds is {MAX_TEXT:,}\n")
    added = cli("add", "--title", "X", "--date", "2025", "--category", "other", "--body", big)
    assert added.exit_code == 1 and "the most a field holds is 100,000" in added.stderr
    assert json.loads(cli("list", "--json").stdout) == []


def test_the_longest_body_goes_through_csv_and_back(cli, tmp_path):
    """A body of MAX_TEXT characters, with quotes (CSV doubles them: 121,000 in the file)."""
    body = '"quoted" ' * 11111  # 99,999 characters
    assert cli("import", _bad(tmp_path, "a.json", _event_text(slug="big", body=body))).exit_code == 0
    out = tmp_path / "a.csv"
    assert cli("export", "-f", "csv", "-o", str(out)).exit_code == 0
    assert cli("rm", "big", "--yes").exit_code == 0
    assert cli("import", str(out)).exit_code == 0
    assert json.loads(cli("show", "big", "--json").stdout)["body"] == body.strip()
