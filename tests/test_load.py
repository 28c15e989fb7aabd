"""Loading the chronology (chronology.read, db.load_chronology, db.list_events) and what
the CLI imports."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import build_data  # noqa: E402

from timeline import chronology, config, db, export  # noqa: E402
from timeline.errors import TimelineError  # noqa: E402
from timeline.migrations import SCHEMA_VERSION  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"


def _chronology():
    """build_data's chronology, with an event in three languages (translations sorted)."""
    chrono = build_data.make_chronology()
    chrono.events[0]["translations"] = {"ja": {"title": "クリング", "body": ""},
                                        "zh": {"title": "可灵发布", "body": "快手开放**可灵**内测。"}}
    chrono.events[0]["tags"].insert(0, {"kind": "topic", "name": "Video"})
    chrono.series = [{"key": "kling-revenue", "title": "Kling revenue", "title_zh": "可灵收入",
                      "unit": "CNY", "description": ""}]
    chrono.tags = [{"kind": "organization", "name": "Kuaishou", "name_zh": "快手"},
                   {"kind": "product", "name": "Kling", "name_zh": "可灵"}]
    return chrono


def _chronology_file(tmp_path) -> Path:
    """_chronology() exported to a JSON file, for `timeline import`."""
    path = tmp_path / "chronology.json"
    path.write_text(export.dumps(_chronology(), "json"), encoding="utf-8")
    return path


def test_load_chronology_gives_back_what_was_imported(cli, tmp_path):
    """db.load_chronology on a session and chronology.read (sqlite3 for a SQLite file,
    db.connect for PostgreSQL) give back what was imported."""
    chrono = _chronology()
    assert cli("import", _chronology_file(tmp_path)).exit_code == 0
    url = config.database_url(cli.db)
    read = chronology.read(url)
    engine = db.connect(url)
    with db.session(engine, readonly=True) as s:
        loaded = db.load_chronology(s)
        everything = db.list_events(s, db.EventFilter(start="0001-01-01"))  # an IN (subquery)
        one = db.list_events(s, slugs=[chrono.events[0]["slug"]])
    engine.dispose()
    assert read == loaded
    assert loaded.events == chrono.events
    assert loaded.sources == sorted(chrono.sources, key=lambda s: s["key"])
    assert loaded.observations == chrono.observations
    assert loaded.series == chrono.series
    assert everything == loaded.events
    assert one == [chrono.events[0]]
    # events on the same date share one dict, as citations of one source and locator do
    for part in lambda e: [e["date"]], lambda e: e["sources"]:
        dicts = [d for e in loaded.events for d in part(e)]
        assert len({id(d) for d in dicts}) == len({json.dumps(d, sort_keys=True) for d in dicts})


def test_build_reads_a_sqlite_file_without_sqlalchemy(cli_sqlite, tmp_path):
    """The build path (timeline.cli, chronology.read, timeline.build) never imports
    SQLAlchemy or SQLModel for a SQLite file at the current schema: they are half a second
    of a rebuild's start-up."""
    assert cli_sqlite("import", _chronology_file(tmp_path)).exit_code == 0
    code = ("import sys, timeline.cli, timeline.build; from timeline import chronology; "
            f"c = chronology.read({config.database_url(cli_sqlite.db)!r}); "
            "print(len(c.events), *(m for m in ('sqlalchemy', 'sqlmodel', 'yaml') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == [str(len(_chronology().events))]


@pytest.mark.parametrize("version", [1, 2, 3])
def test_read_migrates_an_old_schema_first(tmp_path, version):
    old = tmp_path / "old.db"
    shutil.copy(FIXTURES / f"schema-v{version}.db", old)
    read = chronology.read(config.database_url(old))
    assert export.dumps(read, "json") == (FIXTURES / f"schema-v{version}.export.json").read_text("utf-8")
    with sqlite3.connect(old) as conn:
        assert conn.execute("SELECT value FROM meta").fetchone()[0] == str(SCHEMA_VERSION)


@pytest.mark.parametrize("make, message", [
    (None, "no database at"),
    (lambda p: p.write_text("not a database, just text\n" * 100), "cannot open the database"),
    (lambda p: sqlite3.connect(p).execute("CREATE TABLE customers (id INTEGER)"),
     "not a timeline database"),
])
def test_read_says_what_is_wrong_with_a_file_it_cannot_read(tmp_path, make, message):
    path = tmp_path / "events.db"
    if make:
        make(path)
    before = path.read_bytes() if path.exists() else None
    with pytest.raises(TimelineError, match=message):
        chronology.read(config.database_url(path))
    assert (path.read_bytes() if path.exists() else None) == before


def test_help_and_build_import_only_what_they_need():
    """--help needs neither SQLAlchemy nor YAML; build needs no YAML (export, import)."""
    code = ("import sys, timeline.cli; a = set(sys.modules); "
            "import timeline.chronology, timeline.build; b = set(sys.modules); "
            "print(*(m for m in ('sqlalchemy', 'yaml', 'timeline.db') if m in a)); "
            "print(*(m for m in ('yaml', 'sqlalchemy', 'timeline.importers', 'timeline.export') if m in b))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[0] == "", f"timeline.cli imports {out[0]}"
    assert out[1] == "", f"the build path imports {out[1]}"


def test_sqlite_and_postgresql_build_the_same_site(runner, tmp_path, postgres, monkeypatch):
    """The same chronology in a SQLite file (read with sqlite3) and in PostgreSQL (read
    through SQLAlchemy's connection) exports and builds to the same bytes."""
    from timeline.cli import app
    monkeypatch.chdir(tmp_path)  # timeline.toml is looked for here for PostgreSQL: none
    data = _chronology_file(tmp_path)
    sites = {}
    for name, url in (("sqlite", str(tmp_path / "events.db")), ("postgresql", postgres.new_database())):
        assert runner.invoke(app, ["--db", url, "import", str(data)]).exit_code == 0
        exported = runner.invoke(app, ["--db", url, "export"])
        assert exported.exit_code == 0, exported.output
        site = tmp_path / name
        built = runner.invoke(app, ["--db", url, "build", "-o", str(site)])
        assert built.exit_code == 0, built.output
        sites[name] = (exported.stdout, {str(p.relative_to(site)): p.read_bytes()
                                         for p in sorted(site.rglob("*")) if p.is_file()})
    assert len(sites["sqlite"][1]) > 50
    assert sites["sqlite"] == sites["postgresql"]


@pytest.mark.parametrize("name", ["my?x.db", "p%41.db", "50%.db"])
def test_a_path_with_url_characters_is_the_same_file_for_every_command(runner, tmp_path,
                                                                       monkeypatch, name):
    """`?` and `%` in a file name are not a URL's query and escapes: build (sqlite3) and
    list (SQLAlchemy) read the file named, and nothing else is created."""
    from timeline.cli import app
    monkeypatch.chdir(tmp_path)
    data = _chronology_file(tmp_path)
    assert runner.invoke(app, ["--db", name, "import", str(data)]).exit_code == 0
    made = [p.name for p in tmp_path.iterdir()
            if p.name != "chronology.json" and not p.name.endswith(("-wal", "-shm"))]
    assert made == [name]
    assert len(chronology.read(config.database_url(name)).events) == len(_chronology().events)
    listed = runner.invoke(app, ["--db", name, "list"])
    assert len(listed.stdout.splitlines()) == len(_chronology().events)


def test_an_observation_of_a_deleted_source_is_reported_not_fatal(cli_sqlite, tmp_path):
    """A source deleted outside timeline (foreign keys off) under an observation: the
    read leaves the figure out, as it does a citation of a missing source, the site still
    builds, and `check` names it."""
    assert cli_sqlite("import", _chronology_file(tmp_path)).exit_code == 0
    source = _chronology().observations[0]["source"]
    with sqlite3.connect(cli_sqlite.db) as conn:  # foreign keys are off by default here
        conn.execute("DELETE FROM source WHERE key = ?", (source,))
    read = chronology.read(config.database_url(cli_sqlite.db))
    assert read.observations == [o for o in _chronology().observations if o["source"] != source]
    assert cli_sqlite("build", "-o", tmp_path / "site").exit_code == 0
    checked = cli_sqlite("check")
    assert checked.exit_code == 1
    assert "kling-revenue 2025-04-01/2025-06-30: a figure from source #" in checked.stdout
