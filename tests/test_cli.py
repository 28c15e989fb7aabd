"""The commands, against SQLite and PostgreSQL: what they print, exit codes, and errors."""

import json
import os
import subprocess
import sys

import pytest
import typer

from timeline.cli import app
from timeline.migrations import SCHEMA_VERSION

ADD = ["add", "--date", "2025-04-15", "--title", "Kling 2.0 released",
       "--category", "model-release", "--tag", "product:Kling", "--tag", "organization:Kuaishou",
       "--source", "https://example.com/kling-2", "--body", "Kuaishou released *Kling 2.0*."]


def test_init_creates_then_reports_current(cli):
    first = cli("init")
    assert first.exit_code == 0, first.output
    assert "Created" in first.output and f"schema {SCHEMA_VERSION}" in first.output
    again = cli("init")
    assert again.exit_code == 0
    assert "up to date" in again.output


def test_add_prints_slug_and_show_json_has_contract_shape(cli):
    result = cli(*ADD)
    assert result.exit_code == 0, result.output
    slug = result.stdout.strip()
    assert slug == "2025-04-15-kling-2-0-released"
    shown = cli("show", slug, "--json")
    event = json.loads(shown.stdout)
    assert list(event) == ["slug", "title", "category", "tags", "date", "body", "lang",
                           "sources", "translations"]
    assert event["tags"] == [{"kind": "product", "name": "Kling"},
                             {"kind": "organization", "name": "Kuaishou"}]
    assert set(event["date"]) == {"text", "base", "start", "end", "precision", "edtf", "display"}
    assert (event["date"]["start"], event["date"]["end"]) == ("2025-04-15", "2025-04-15")
    assert event["sources"] == [{"title": "https://example.com/kling-2", "publisher": None,
                                 "url": "https://example.com/kling-2", "published": None,
                                 "locator": None}]


def test_add_refuses_duplicate_unless_forced(cli):
    assert cli(*ADD).exit_code == 0
    twin = ["add", "--date", "2025-04-15", "--title", "KLING 2.0  released!",
            "--category", "model-release"]
    refused = cli(*twin)
    assert refused.exit_code == 1
    assert refused.stderr.startswith("Error: '2025-04-15-kling-2-0-released' already has")
    forced = cli(*twin, "--force")
    assert forced.exit_code == 0
    assert forced.stdout.strip() == "2025-04-15-kling-2-0-released-2"


def test_titles_that_differ_in_a_version_number_or_only_in_marks_are_not_twins(cli):
    def add(title: str, date: str = "2025-06-06"):
        return cli("add", "--date", date, "--title", title, "--category", "other")
    assert add("Kling 2.0?").exit_code == 0
    assert add("Kling 20").exit_code == 0           # 2.0 is not 20
    assert add("Kling 2,0").exit_code == 1          # but 2,0 is 2.0
    assert add("🎬🎥", "2025-05-05").exit_code == 0
    assert add("!!!", "2025-05-05").exit_code == 0  # no letters: compared as written
    assert add("🎬 🎥", "2025-05-05").exit_code == 1


@pytest.mark.parametrize("args, message", [
    (["--date", "foobar", "--title", "x", "--category", "other"], "Error: --date: could not read"),
    (["--date", "2025-02-30", "--title", "x", "--category", "other"], "Error: --date:"),
    (["--date", "2025-01-02", "--title", "x", "--category", "bogus"],
     "Error: --category: unknown category 'bogus'"),
    (["--date", "2025-01-02", "--title", "  ", "--category", "other"], "Error: --title is required"),
    (["--title", "x", "--category", "other"], "Error: --date is required"),
    (["--date", "2025-01-02", "--title", "x", "--category", "other", "--tag", "spaceship:x"],
     "Error: --tag: unknown tag kind 'spaceship'"),
    (["--date", "2025-01-02", "--title", "x", "--category", "other", "--slug", "Bad Slug"],
     "Error: --slug: slug 'Bad Slug' must be"),
    (["--date", "2025-01-02", "--title", "x", "--category", "other", "--base", "yesterday"],
     "Error: --base: base 'yesterday' is not a date"),
    (["--date", "2025-01-02", "--title", "x", "--category", "other", "--body", "a",
      "--body-file", "b.md"], "Error: give --body or --body-file, not both"),
])
def test_add_bad_input_is_one_line_error_and_changes_nothing(cli, args, message):
    assert cli("init").exit_code == 0
    result = cli("add", *args)
    assert result.exit_code == 1
    assert result.stderr.startswith(message), result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output
    listed = cli("list", "--json")
    assert json.loads(listed.stdout) == []


def test_edit_replaces_given_fields_only(cli):
    slug = cli(*ADD).stdout.strip()
    result = cli("edit", slug, "--title", "Kling 2.0 launched", "--tag", "product:Kling 2.0")
    assert result.exit_code == 0, result.output
    event = json.loads(cli("show", slug, "--json").stdout)
    assert event["title"] == "Kling 2.0 launched"
    assert event["tags"] == [{"kind": "product", "name": "Kling 2.0"}]
    assert event["body"] == "Kuaishou released *Kling 2.0*."
    assert event["sources"][0]["url"] == "https://example.com/kling-2"


def test_edit_date_and_slug(cli):
    slug = cli(*ADD).stdout.strip()
    result = cli("edit", slug, "--date", "2025-05", "--slug", "kling-2")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "kling-2"
    event = json.loads(cli("show", "kling-2", "--json").stdout)
    assert (event["date"]["start"], event["date"]["end"], event["date"]["precision"]) == \
        ("2025-05-01", "2025-05-31", "month")
    assert cli("show", slug).exit_code == 1


def test_edit_bad_input_changes_nothing(cli):
    slug = cli(*ADD).stdout.strip()
    before = cli("show", slug, "--json").stdout
    for args in (["--date", "2025-13-01"], ["--category", "nope"], ["--tag", ":"]):
        result = cli("edit", slug, *args)
        assert result.exit_code == 1
        assert result.stderr.startswith("Error: ")
    assert cli("show", slug, "--json").stdout == before
    nothing = cli("edit", slug)
    assert nothing.exit_code == 1 and nothing.stderr.startswith("Error: nothing to change")
    missing = cli("edit", "no-such-event", "--title", "x")
    assert missing.exit_code == 1
    assert "no event with slug 'no-such-event'" in missing.stderr


def test_rm_asks_then_removes(cli):
    slug = cli(*ADD).stdout.strip()
    declined = cli("rm", slug, input="n\n")
    assert declined.exit_code == 1
    assert cli("show", slug).exit_code == 0
    removed = cli("rm", slug, "--yes")
    assert removed.exit_code == 0
    assert cli("show", slug).exit_code == 1
    assert cli("rm", slug, "--yes").exit_code == 1


def test_list_filters(cli):
    cli(*ADD)
    cli("add", "--date", "2025-09", "--title", "Zhang Di leaves", "--category", "personnel",
        "--tag", "person:Zhang Di")
    cli("add", "--date", "2024-06-06", "--title", "可灵上线", "--category", "model-release",
        "--body", "快手推出视频生成模型")

    def slugs(*args):
        result = cli("list", "--json", *args)
        assert result.exit_code == 0, result.output
        return [e["slug"] for e in json.loads(result.stdout)]

    assert slugs() == ["2024-06-06-event", "2025-04-15-kling-2-0-released",
                       "2025-09-01-zhang-di-leaves"]
    assert slugs("--category", "personnel") == ["2025-09-01-zhang-di-leaves"]
    assert slugs("--tag", "Zhang Di") == ["2025-09-01-zhang-di-leaves"]
    assert slugs("--tag", "person:Zhang Di") == ["2025-09-01-zhang-di-leaves"]
    assert slugs("--from", "2025-01-01") == ["2025-04-15-kling-2-0-released",
                                             "2025-09-01-zhang-di-leaves"]
    assert slugs("--to", "2025-04") == ["2024-06-06-event", "2025-04-15-kling-2-0-released"]
    assert slugs("--search", "视频生成") == ["2024-06-06-event"]
    assert slugs("--search", "KLING") == ["2025-04-15-kling-2-0-released"]
    assert slugs("--search", "%") == []
    table = cli("list")
    assert "2025-04-15" in table.stdout and "Kling 2.0 released" in table.stdout
    bad = cli("list", "--from", "someday")
    assert bad.exit_code == 1 and bad.stderr.startswith("Error: --from:")
    assert cli("list", "--category", "nope").exit_code == 1


def test_check_reports_events_without_sources(cli):
    cli(*ADD)
    clean = cli("check")
    assert clean.exit_code == 0, clean.output
    cli("add", "--date", "2025-09", "--title", "Unsourced", "--category", "other")
    found = cli("check")
    assert found.exit_code == 1
    assert "2025-09-01-unsourced: has no source" in found.stdout
    as_json = json.loads(cli("check", "--json").stdout)
    assert as_json == [{"kind": "no-source", "subject": "2025-09-01-unsourced",
                        "message": "2025-09-01-unsourced: has no source", "problem": True}]


def test_unreachable_database_is_one_line_error(runner, tmp_path):
    result = runner.invoke(app, ["--db", str(tmp_path / "missing" / "x.db"), "init"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot open the database {tmp_path}/missing/x.db")
    assert f"(the folder {tmp_path / 'missing'} does not exist)" in result.stderr
    bad_url = runner.invoke(app, ["--db", "postgresql+psycopg://u@127.0.0.1:1/x", "list"])
    assert bad_url.exit_code == 1
    assert bad_url.stderr.startswith("Error: cannot open the database")


@pytest.mark.parametrize("command", [["list"], ["show", "some-slug"], ["export"], ["check"],
                                     ["rm", "some-slug", "--yes"], ["edit", "some-slug", "--title", "x"],
                                     ["build", "-o", "SITE"], ["publish", "--to", "dir", "PUBLISHED"]])
def test_a_command_that_reads_refuses_a_missing_database(runner, tmp_path, command):
    """A mistyped --db must not become an empty chronology (that once emptied a built site)."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("the previous build")
    typo = tmp_path / "evnets.db"
    args = [str(site) if a == "SITE" else str(tmp_path / "pub") if a == "PUBLISHED" else a
            for a in command]
    result = runner.invoke(app, ["--db", str(typo), *args])
    assert result.exit_code == 1, result.output
    assert result.stderr == (f"Error: no database at {typo}: check the path given to --db or "
                             "$TIMELINE_DB, or create it with 'timeline init'\n")
    assert not typo.exists() and not (tmp_path / "pub").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    assert [p.name for p in site.iterdir()] == ["index.html"]
    assert (site / "index.html").read_text() == "the previous build"


@pytest.mark.parametrize("command", [["init"], ADD[:7]])
def test_init_and_add_create_a_missing_database(runner, tmp_path, command):
    path = tmp_path / "new.db"
    result = runner.invoke(app, ["--db", str(path), *command])
    assert result.exit_code == 0, result.output
    assert path.is_file()
    assert runner.invoke(app, ["--db", str(path), "list"]).exit_code == 0


def test_import_creates_a_missing_database(runner, tmp_path):
    path = tmp_path / "new.db"
    batch = tmp_path / "events.yaml"
    batch.write_text("- date: 2025-04-15\n  title: Kling 2.0 released\n  category: model-release\n")
    result = runner.invoke(app, ["--db", str(path), "import", str(batch)])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(app, ["--db", str(path), "list", "--json"])
    assert [e["slug"] for e in json.loads(listed.stdout)] == ["2025-04-15-kling-2-0-released"]


def test_a_dry_run_import_creates_no_database(runner, tmp_path):
    path = tmp_path / "new.db"
    batch = tmp_path / "events.yaml"
    batch.write_text("- date: 2025-04-15\n  title: Kling 2.0 released\n  category: model-release\n")
    result = runner.invoke(app, ["--db", str(path), "import", "--dry-run", str(batch)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Would import 1 event (1 new, 0 updated), 0 sources, 0 observations\n"
    assert not path.exists()


def test_not_a_database_file(runner, tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("hello, this is not SQLite" * 100)
    result = runner.invoke(app, ["--db", str(path), "list"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot open the database")


def test_usage_error_exits_2(runner):
    result = runner.invoke(app, ["list", "--no-such-flag"])
    assert result.exit_code == 2


def test_db_from_environment(runner, tmp_path, monkeypatch):
    path = tmp_path / "env.db"
    monkeypatch.setenv("TIMELINE_DB", str(path))
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0
    assert path.exists()


@pytest.mark.parametrize("command", sorted(typer.main.get_command(app).commands))
def test_every_command_has_help(runner, command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


# The environment of a user's shell: this machine sets PYTHONUNBUFFERED, under which a
# missing flush at the end of the program would go unnoticed.
_BUFFERED = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def _program(*args, stdout=subprocess.PIPE, **kwargs):
    """`python -m timeline ARGS` in a child process, with buffered standard streams (this
    machine's PYTHONUNBUFFERED removed), as a user's shell runs it; its output is captured
    unless `stdout` is given."""
    return subprocess.run([sys.executable, "-m", "timeline", *map(str, args)], env=_BUFFERED,
                          stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=120,
                          **kwargs)


def test_the_program_ends_with_its_output_whole_and_its_exit_code(runner, tmp_path):
    """`timeline` ends its process without Python's teardown (cli.main): what it printed
    must still arrive whole, and each kind of ending keep its exit code."""
    import shutil
    from pathlib import Path
    db = tmp_path / "events.db"
    shutil.copy(Path(__file__).parent.parent / "events.db", db)
    exported = _program("--db", db, "export")
    assert exported.returncode == 0, exported.stderr
    assert len(exported.stdout) > 100_000  # more than any pipe's buffer
    assert exported.stdout == runner.invoke(app, ["--db", str(db), "export"]).stdout
    empty = tmp_path / "empty.db"  # a few bytes, still in the stream's buffer at the end
    assert runner.invoke(app, ["--db", str(empty), "init"]).exit_code == 0
    small = _program("--db", empty, "export")
    assert json.loads(small.stdout) == {"events": [], "sources": [], "observations": []}
    wrong = _program("--db", db, "build", "--lang", "fr", "-o", tmp_path / "site")
    assert (wrong.returncode, wrong.stderr) == (1, "Error: unknown language 'fr'; choose from en, zh\n")
    assert _program("--db", db, "--no-such-option").returncode == 2
    # a reader that stops early (`timeline export | head -c 100`): no traceback, exit 0
    proc = subprocess.Popen([sys.executable, "-m", "timeline", "--db", str(db), "export"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_BUFFERED)
    assert len(proc.stdout.read(100)) == 100
    proc.stdout.close()
    assert proc.wait(timeout=120) == 0
    assert b"Traceback" not in proc.stderr.read()


def test_a_write_is_in_the_database_file_itself_when_the_program_ends(tmp_path):
    """The program ends without teardown but closes its databases first: SQLite writes its
    log back into the file, so a copy of the file alone (git, a backup) has the change."""
    import shutil
    import sqlite3
    db = tmp_path / "events.db"
    assert _program("--db", db, "init").returncode == 0
    added = _program("--db", db, "add", "--date", "2025-10-02", "--title", "Kept",
                     "--category", "other")
    assert added.returncode == 0, added.stderr
    assert not (tmp_path / "events.db-wal").exists()
    copy = tmp_path / "copy" / "events.db"
    copy.parent.mkdir()
    shutil.copy(db, copy)
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT title FROM event").fetchall() == [("Kept",)]


def test_closed_or_full_output_streams(tmp_path):
    """Started with standard output or error closed, a command still succeeds; an output
    that cannot be written whole (a full disk) is an error, not a silent exit 0."""
    db = tmp_path / "events.db"
    for closed in (1, 2):
        result = _program("--db", db, "init", preexec_fn=lambda fd=closed: os.close(fd))
        assert result.returncode == 0, result.stderr
    assert db.exists()
    if not os.path.exists("/dev/full"):
        pytest.fail("this test needs /dev/full (Linux)")
    with open("/dev/full", "w") as full:
        result = _program("--db", db, "export", stdout=full)
    assert (result.returncode, result.stderr) == (
        1, "Error: could not write the output: No space left on device\n")
    # an output larger than the stream's buffer fails while the command writes it
    import shutil
    from pathlib import Path
    shipped = tmp_path / "shipped.db"
    shutil.copy(Path(__file__).parent.parent / "events.db", shipped)
    with open("/dev/full", "w") as full:
        result = _program("--db", shipped, "export", stdout=full)
    assert (result.returncode, result.stderr) == (
        1, "Error: could not write the output: No space left on device\n")
