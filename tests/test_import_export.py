"""Import and export: every format, idempotence, all-or-nothing, and byte-exact round trips."""

import json
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
        assert "kling-revenue" in second.stdout


def test_export_json_shape(cli):
    cli("import", SAMPLE)
    data = json.loads(cli("export").stdout)
    assert list(data) == ["events", "sources", "observations"]
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


@pytest.mark.parametrize("name, text, message", [
    ("a.json", '{"events": [', "a.json:1: invalid JSON"),
    ("a.json", '{"events": [{"title": "x", "category": "other", "date": "nope"}]}',
     "a.json field 'events[0].date': could not read"),
    ("a.yaml", "events:\n  - title: x\n    category: other\n    date: 2025-01-01\n"
     "  - title: y\n    category: wrong\n    date: 2025-01-01\n",
     "a.yaml:5 field 'category': unknown category 'wrong'"),
    ("a.yaml", "events:\n  - title: x\n    catgory: other\n", "a.yaml:2: unknown field(s) catgory"),
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
     "a.yaml:2 field 'value': 'lots' is not a number"),
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
