"""The store: concurrency, migrations, transactions."""

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from timeline.cli import app
from timeline.migrations import SCHEMA_VERSION

FIXTURES = Path(__file__).parent / "fixtures"

WORKER = """
import sys
from typer.testing import CliRunner
from timeline.cli import app
db, worker = sys.argv[1], int(sys.argv[2])
runner = CliRunner()
for i in range(25):
    r = runner.invoke(app, ["--db", db, "add", "--date", f"2025-{worker + 1:02d}-{i + 1:02d}",
                            "--title", f"Event {worker}-{i}", "--category", "other"])
    if r.exit_code != 0:
        print(r.output, file=sys.stderr)
        sys.exit(1)
"""


def test_eight_processes_adding_at_once_all_succeed(tmp_path, runner):
    db = str(tmp_path / "busy.db")  # not created yet: the processes race to create it too
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, db, str(n)],
                              stderr=subprocess.PIPE, text=True) for n in range(8)]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, errors
    assert not any("locked" in e for e in errors)
    events = json.loads(runner.invoke(app, ["--db", db, "list", "--json"]).stdout)
    assert len(events) == 200
    assert len({e["slug"] for e in events}) == 200


def test_real_installed_command_runs(tmp_path):
    exe = Path(sys.executable).parent / "timeline"
    db = str(tmp_path / "x.db")
    out = subprocess.run([str(exe), "--db", db, "add", "--date", "2024-06-06", "--title",
                          "Kling launches", "--category", "model-release"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2024-06-06-kling-launches"
    bad = subprocess.run([sys.executable, "-m", "timeline", "--db", db, "show", "nope"],
                         capture_output=True, text=True)
    assert bad.returncode == 1
    assert bad.stderr.startswith("Error: no event with slug 'nope'")
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_an_old_schema_fixture_migrates_without_losing_anything(tmp_path, runner, version):
    old = tmp_path / "old.db"
    shutil.copy(FIXTURES / f"schema-v{version}.db", old)
    upgraded = runner.invoke(app, ["--db", str(old), "init"])
    assert upgraded.exit_code == 0, upgraded.output
    assert f"from schema {version} to {SCHEMA_VERSION}" in upgraded.stdout
    exported = runner.invoke(app, ["--db", str(old), "export"]).stdout
    # What the old file held, exported when it was made: every field must survive.
    assert exported == (FIXTURES / f"schema-v{version}.export.json").read_text(encoding="utf-8")
    data = json.loads(exported)
    assert len(data["events"]) == 1 and len(data["observations"]) == 2
    assert data["events"][0]["translations"]["zh"]["title"] == "可灵2.0发布"
    assert ("series" in data) == (version >= 2)
    with sqlite3.connect(old) as conn:
        assert conn.execute("SELECT value FROM meta").fetchone()[0] == str(SCHEMA_VERSION)
    # the new column works in the migrated file: a tag gets its Chinese name
    names = tmp_path / "names.yaml"
    names.write_text("tags:\n  - {kind: organization, name: Kuaishou, name_zh: 快手}\n", encoding="utf-8")
    named = runner.invoke(app, ["--db", str(old), "import", str(names)])
    assert named.exit_code == 0 and named.stdout.endswith("1 tag name\n"), named.output
    assert json.loads(runner.invoke(app, ["--db", str(old), "export"]).stdout)["tags"] == [
        {"kind": "organization", "name": "Kuaishou", "name_zh": "快手"}]
    # and so do v4's: a series description and an observation note in Chinese
    obs = data["observations"][0]
    chinese = tmp_path / "zh.yaml"
    chinese.write_text(
        "series:\n  - {key: kling-revenue, title: Kling revenue per quarter, description: Revenue in a quarter.,"
        " description_zh: 一个季度的收入。}\n"
        f"observations:\n  - {{series: {obs['series']}, period: '{obs['period']['text']}',"
        f" value: {obs['value']}, unit: {obs['unit']}, source: {obs['source']}, note: As reported.,"
        " note_zh: 据报道。}\n", encoding="utf-8")
    translated = runner.invoke(app, ["--db", str(old), "import", str(chinese)])
    assert translated.exit_code == 0, translated.output
    again = json.loads(runner.invoke(app, ["--db", str(old), "export"]).stdout)
    assert again["series"][0]["description_zh"] == "一个季度的收入。"
    assert [o.get("note_zh") for o in again["observations"]].count("据报道。") == 1


def test_newer_schema_is_refused(tmp_path, runner):
    path = tmp_path / "future.db"
    assert runner.invoke(app, ["--db", str(path), "init"]).exit_code == 0
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    result = runner.invoke(app, ["--db", str(path), "list"])
    assert result.exit_code == 1
    assert "schema version 99, newer than this timeline knows" in result.stderr


def test_foreign_database_is_refused(tmp_path, runner):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER)")
    result = runner.invoke(app, ["--db", str(path), "init"])
    assert result.exit_code == 1
    assert "not a timeline database" in result.stderr


def test_failed_import_rolls_back_everything(cli, tmp_path):
    good = tmp_path / "a.yaml"
    good.write_text("sources: [{key: s1, title: One}]\nevents:\n"
                    "  - {slug: a, title: A, category: other, date: 2025, sources: [{key: s1}]}\n",
                    encoding="utf-8")
    bad = tmp_path / "b.yaml"
    bad.write_text("events:\n  - {slug: b, title: B, category: other, date: 2025,"
                   " sources: [{key: s2}]}\n", encoding="utf-8")
    result = cli("import", good, bad)
    assert result.exit_code == 1
    assert "unknown source key 's2'" in result.stderr
    assert json.loads(cli("export").stdout) == {"events": [], "sources": [], "observations": []}


def test_sqlite_uses_wal(tmp_path, runner):
    path = tmp_path / "wal.db"
    runner.invoke(app, ["--db", str(path), "init"])
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
