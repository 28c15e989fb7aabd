"""A rebuild that reads only what moved in the database writes what a build from nothing
writes.

`timeline build` keeps a snapshot of what it read beside the site (timeline/snapshot.py);
the next build reads again only the events whose revision the database's triggers moved
(migrations.add_revisions) and plans only the pages that show them. Each example here
starts from a built site of a real SQLite file, changes the file through the CLI in a few
random ways (the writes a user makes: edit, import, rm), rebuilds twice over, and
compares the site, byte for byte, with a site built from nothing. A write the triggers
missed, or a page the partial plan missed, would leave a stale page here.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import build as bench  # noqa: E402

from timeline import build, chronology, snapshot  # noqa: E402
from timeline.build import build_from_database, build_site  # noqa: E402
from timeline.cli import app  # noqa: E402
from timeline.fragments import store_dir  # noqa: E402
from timeline.output import MANIFEST  # noqa: E402

runner = CliRunner()
EXTRA = """
series:
  - {key: revenue, title: Revenue, title_zh: 收入, unit: CNY, description: Per year.}
observations:
  - {series: revenue, period: '2015', value: 100, unit: CNY, source: src-000001, event: event-000003}
  - {series: revenue, period: '2015', value: 120, unit: CNY, source: src-000002, event: event-000010}
tags:
  - {kind: organization, name: Kuaishou, name_zh: 快手}
"""


def _cli(*args: str) -> None:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != MANIFEST}


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    """List pages of 5 events and feeds of 4: years, categories and tags run over
    several pages and the home page shows only the latest."""
    monkeypatch.setattr(build, "PAGE_SIZE", 5)
    monkeypatch.setattr(build, "FEED_SIZE", 4)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A SQLite file of 60 generated events, figures and a tag name, and its site."""
    root = tmp_path_factory.mktemp("base")
    data = bench.generate(60, seed=3)
    (root / "events.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    (root / "extra.yaml").write_text(EXTRA, encoding="utf-8")
    _cli("--db", str(root / "t.db"), "import", str(root / "events.json"), str(root / "extra.yaml"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(build, "PAGE_SIZE", 5)
        mp.setattr(build, "FEED_SIZE", 4)
        build_from_database(f"sqlite:///{root / 't.db'}", root / "site", jobs=1)
    return root


def _copy(base: Path, work: Path) -> str:
    with sqlite3.connect(base / "t.db") as src, sqlite3.connect(work / "t.db") as dst:
        src.backup(dst)  # (the file alone may lack what its WAL holds)
    shutil.copytree(base / "site", work / "site", symlinks=True)
    shutil.copytree(store_dir(base / "site"), store_dir(work / "site"), symlinks=True)
    return str(work / "t.db")


def _event(db: str, slug: str) -> dict:
    result = runner.invoke(app, ["--db", db, "show", slug, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _import(db: str, work: Path, data: dict) -> None:
    path = work / "edit.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    _cli("--db", db, "import", str(path))


def _apply(db: str, work: Path, edit: tuple) -> None:
    what, n, text = edit
    slug = f"event-{n % 60:06d}"
    with sqlite3.connect(db) as conn:
        if not conn.execute("SELECT 1 FROM event WHERE slug = ?", (slug,)).fetchone():
            return  # removed by an earlier edit
    e = _event(db, slug)
    if what == "body":
        _cli("--db", db, "edit", slug, "--body", e["body"] + f"\n\nMore {text}.")
    elif what == "title":
        _cli("--db", db, "edit", slug, "--title", f"{e['title']} {text}")
    elif what == "translated title":
        other = "en" if e["lang"] == "zh" else "zh"
        e["translations"] = {**e["translations"], other: {"title": f"标题 {text}", "body": "正文。"}}
        _import(db, work, {"events": [e]})
    elif what == "locator":
        e["sources"] = [{**s, "locator": f"p. {text}"} for s in e["sources"]]
        _import(db, work, {"events": [e]})
    elif what == "date text":  # the same day, written another way: the same place in the order
        start = e["date"]["start"]
        if e["date"]["precision"] == "day":
            _cli("--db", db, "edit", slug, "--date", f"{start[8:].lstrip('0')}/{start[5:7].lstrip('0')}/"
                 f"{start[:4]}" if n % 2 else start)
    elif what == "tag":
        tags = [f"{t['kind']}:{t['name']}" for t in e["tags"]]
        extra = ["product:Kling", "organization:Kuaishou", f"topic:new {text}"][n % 3]
        _cli("--db", db, "edit", slug, *[x for t in (tags[1:] + [extra]) for x in ("--tag", t)])
    elif what == "category":
        _cli("--db", db, "edit", slug, "--category", ["product", "personnel", "earnings"][n % 3])
    elif what == "move":
        _cli("--db", db, "edit", slug, "--date", f"{2014 + n % 9}-0{1 + n % 9}-1{n % 10}")
    elif what == "remove":
        _cli("--db", db, "rm", slug, "--yes")
    elif what == "add":
        e["slug"] = f"added-{n}"
        e["title"] = f"Added {n} {text}"
        _import(db, work, {"events": [e]})
    elif what == "source":
        _import(db, work, {"sources": [{"key": "src-000001", "title": "Report 1 报道", "publisher": f"P {text}",
                                        "url": "https://news.example.com/1", "published": "2024-05-01"}]})
    elif what == "figure":
        _import(db, work, {"observations": [{"series": "revenue", "period": "2015", "value": 100 + n % 30,
                                             "unit": "CNY", "source": "src-000001", "event": "event-000003"}]})
    elif what == "tag name":
        _import(db, work, {"tags": [{"kind": "organization", "name": "Kuaishou", "name_zh": f"快手{text}"}]})


EDITS = st.tuples(
    st.sampled_from(["body", "title", "translated title", "locator", "date text", "tag", "category", "move",
                     "remove", "add", "source", "figure", "tag name"]),
    st.integers(0, 200),
    st.text(alphabet="abc可灵 <&", min_size=1, max_size=5).filter(lambda t: t.strip()))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rounds=st.lists(st.lists(EDITS, min_size=1, max_size=3), min_size=1, max_size=3))
# each way through: events read again and their pages planned (twice: the snapshot's
# changes file), events read again and every page planned, everything read again
@example(rounds=[[("body", 5, "a")], [("title", 6, "b")], [("date text", 8, "c")]])
@example(rounds=[[("translated title", 8, "x"), ("locator", 9, "y")]])
@example(rounds=[[("category", 7, "a")], [("body", 7, "b")]])
@example(rounds=[[("move", 10, "<")]])  # the year overview's months (found by this test)
def test_a_rebuild_from_the_snapshot_equals_a_build_from_nothing(base: Path, tmp_path_factory, rounds) -> None:
    work = tmp_path_factory.mktemp("snap")
    db = _copy(base, work)
    url = f"sqlite:///{db}"
    for edits in rounds:
        for edit in edits:
            _apply(db, work, edit)
        build_from_database(url, work / "site", jobs=1)
        shutil.rmtree(work / "fresh", ignore_errors=True)
        build_site(chronology.read(url), work / "fresh", jobs=1)
        assert _files(work / "site") == _files(work / "fresh")


def _one_edit(base: Path, work: Path, *args: str) -> tuple[str, list[int] | None]:
    db = _copy(base, work)
    _cli("--db", db, "edit", *args)
    previous = snapshot.load(work / "site")
    return db, chronology.read(f"sqlite:///{db}", previous=previous.chronology).fresh


def test_an_edited_body_is_the_one_event_read_again(base: Path, tmp_path: Path) -> None:
    db, fresh = _one_edit(base, tmp_path, "event-000020", "--body", "A new body.")
    events = chronology.read(f"sqlite:///{db}").events
    assert fresh == [next(n for n, e in enumerate(events) if e["slug"] == "event-000020")]
    report = build_from_database(f"sqlite:///{db}", tmp_path / "site", jobs=1)
    assert "events/event-000020/index.html" in report.written_paths
    assert {"events.json", "calendar.ics", "search/text-0.json"} <= set(report.written_paths)
    assert report.pages == len([p for p in (tmp_path / "site").rglob("*") if p.is_file()]) - 1  # (manifest)
    # it writes what a build that reads and plans everything writes over the same site
    (tmp_path / "whole").mkdir()
    whole_db = _copy(base, tmp_path / "whole")
    _cli("--db", whole_db, "edit", "event-000020", "--body", "A new body.")
    whole = build_site(chronology.read(f"sqlite:///{whole_db}"), tmp_path / "whole" / "site", jobs=1)
    assert report.written_paths == whole.written_paths
    assert (report.pages, report.unchanged) == (whole.pages, whole.unchanged)
    shutil.rmtree(tmp_path / "fresh", ignore_errors=True)
    build_site(chronology.read(f"sqlite:///{db}"), tmp_path / "fresh", jobs=1)
    assert _files(tmp_path / "site") == _files(tmp_path / "fresh")


def test_a_moved_event_is_read_with_everything_else(base: Path, tmp_path: Path) -> None:
    _, fresh = _one_edit(base, tmp_path, "event-000020", "--date", "2001-01-01")
    assert fresh is None  # its place in the order moved: the whole chronology is read


def test_an_unchanged_database_reads_no_event_again(base: Path, tmp_path: Path) -> None:
    db = _copy(base, tmp_path)
    previous = snapshot.load(tmp_path / "site")
    assert chronology.read(f"sqlite:///{db}", previous=previous.chronology).fresh == []
    report = build_from_database(f"sqlite:///{db}", tmp_path / "site", jobs=1)
    assert report.written == 0 and report.unchanged == report.pages


def test_every_write_moves_a_revision(tmp_path: Path) -> None:
    """The triggers: an event's own writes move its revision, shared data moves row 0,
    and writing the same values again moves nothing shared."""
    db = str(tmp_path / "t.db")
    root = tmp_path
    (root / "events.json").write_text(json.dumps(bench.generate(9, seed=1), ensure_ascii=False), encoding="utf-8")
    (root / "extra.yaml").write_text(EXTRA.replace("event-000010", "event-000004"), encoding="utf-8")
    _cli("--db", db, "import", str(root / "events.json"), str(root / "extra.yaml"))

    def revs() -> dict[int, int]:
        with sqlite3.connect(db) as conn:
            return dict(conn.execute("SELECT event_id, rev FROM revision"))

    def ids() -> dict[str, int]:
        with sqlite3.connect(db) as conn:
            return dict(conn.execute("SELECT slug, id FROM event"))

    before = revs()
    assert set(before) == {0, *ids().values()}
    _cli("--db", db, "import", str(root / "events.json"), str(root / "extra.yaml"))  # the same again
    assert revs()[0] == before[0]
    slug = "event-000002"
    for change in (["--body", "x"], ["--title", "y"], ["--tag", "topic:z"], ["--category", "other"]):
        was = revs()
        _cli("--db", db, "edit", slug, *change)
        now = revs()
        assert now[ids()[slug]] != was[ids()[slug]]
        assert {k: v for k, v in now.items() if k != ids()[slug]} == \
            {k: v for k, v in was.items() if k != ids()[slug]} | ({0: now[0]} if change[0] == "--tag" else {})
    for shared in ("series", "observations", "sources", "tags"):
        was = revs()[0]
        text = {"series": "series:\n  - {key: revenue, title: Revenue 2, unit: CNY}\n",
                "observations": "observations:\n  - {series: revenue, period: '2016', value: 1, unit: CNY,"
                                " source: src-000001}\n",
                "sources": "sources:\n  - {key: src-000001, title: Report 1 报道, publisher: New}\n",
                "tags": "tags:\n  - {kind: organization, name: Kuaishou, name_zh: 快手公司}\n"}[shared]
        (root / "s.yaml").write_text(text, encoding="utf-8")
        _cli("--db", db, "import", str(root / "s.yaml"))
        assert revs()[0] != was, shared
    gone = ids()["event-000003"]
    _cli("--db", db, "rm", "event-000003", "--yes")
    assert gone not in revs()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "zeroed events", "folder", "changes garbage",
                                    "no pieces", "store folder a file"])
def test_a_damaged_snapshot_is_read_past_not_trusted(base: Path, tmp_path: Path, damage: str) -> None:
    """Whatever happened to the snapshot or the pieces it relies on, the rebuild reads
    what it must and writes the site a build from nothing writes, without a traceback."""
    db = _copy(base, tmp_path)
    _cli("--db", db, "edit", "event-000020", "--body", "A new body.")
    _cli("--db", db, "edit", "event-000021", "--title", "A new title")
    kept = snapshot.path(tmp_path / "site")
    data = kept.read_bytes()
    if damage == "garbage":
        kept.write_bytes(b"not a snapshot" * 100)
    elif damage == "truncated":
        kept.write_bytes(data[: len(data) // 2])
    elif damage == "zeroed events":  # the events' bytes, at the same length: they cannot be decoded
        kept.write_bytes(bytes(len(data) // 3) + data[len(data) // 3:])
    elif damage == "folder":
        kept.unlink()
        kept.mkdir()
    elif damage == "changes garbage":
        (kept.parent / snapshot.CHANGES).write_bytes(b"\x00" * 50)
    elif damage == "no pieces":  # the fragment store is gone: the bodies cannot be taken back
        for segment in store_dir(tmp_path / "site").glob("seg-*"):
            segment.unlink()
    elif damage == "store folder a file":  # the snapshot and the store have no folder to be in
        shutil.rmtree(kept.parent)
        kept.parent.write_bytes(b"x")
    report = build_from_database(f"sqlite:///{db}", tmp_path / "site", jobs=1)
    assert "events/event-000020/index.html" in report.written_paths
    build_site(chronology.read(f"sqlite:///{db}"), tmp_path / "fresh", jobs=1)
    assert _files(tmp_path / "site") == _files(tmp_path / "fresh")
    assert snapshot.load(tmp_path / "site") is not None  # and a good one is kept again


def test_another_database_or_other_options_read_everything(base: Path, tmp_path: Path) -> None:
    """A snapshot answers for the database and the options it was built from: another
    file with its own revisions, another base URL, reads and plans everything."""
    db = _copy(base, tmp_path)
    other = tmp_path / "other.db"
    (tmp_path / "few.json").write_text(json.dumps(bench.generate(12, seed=9), ensure_ascii=False), encoding="utf-8")
    _cli("--db", str(other), "import", str(tmp_path / "few.json"))
    previous = snapshot.load(tmp_path / "site")
    assert chronology.read(f"sqlite:///{other}", previous=previous.chronology).fresh is None
    build_from_database(f"sqlite:///{other}", tmp_path / "site", jobs=1)
    build_site(chronology.read(f"sqlite:///{other}"), tmp_path / "fresh", jobs=1)
    assert _files(tmp_path / "site") == _files(tmp_path / "fresh")
    # back to the first file, with another base URL
    build_from_database(f"sqlite:///{db}", tmp_path / "site", jobs=1)
    _cli("--db", db, "edit", "event-000020", "--body", "A new body.")
    build_from_database(f"sqlite:///{db}", tmp_path / "site", base_url="/kling/", jobs=1)
    build_site(chronology.read(f"sqlite:///{db}"), tmp_path / "fresh2", base_url="/kling/", jobs=1)
    assert _files(tmp_path / "site") == _files(tmp_path / "fresh2")


def _built_here(base: Path, work: Path) -> str:
    """The base database, with a site built in `work` itself: its files are the ones the
    build's manifest describes (inode and times), so they can be patched."""
    db = _copy(base, work)
    shutil.rmtree(work / "site")
    build_from_database(f"sqlite:///{db}", work / "site", jobs=1)
    return db


def _patches(monkeypatch) -> dict[str, bool]:
    """The pages written by patching (True) or offered to be and joined whole (False)."""
    from timeline import output
    done: dict[str, bool] = {}
    real = output._patched

    def patched(fd, page, base_):
        done[Path(base_[0]).name] = ok = real(fd, page, base_)
        return ok
    monkeypatch.setattr(output, "_patched", patched)
    return done


def test_a_patched_whole_site_file_is_the_joined_one(base: Path, tmp_path: Path, monkeypatch) -> None:
    """events.json, calendar.ics and the search text chunk are patched from the live
    files (copied in the kernel around the changed pieces): the bytes are those of
    joining every piece, and the patch was used."""
    db = _built_here(base, tmp_path)
    for n in (3, 30, 59):
        _cli("--db", db, "edit", f"event-{n:06d}", "--body", f"Body {n} changed.")
    patches = _patches(monkeypatch)
    report = build_from_database(f"sqlite:///{db}", tmp_path / "site", jobs=1)
    assert patches["events.json"] and patches["calendar.ics"]
    assert {"events.json", "calendar.ics"} <= set(report.written_paths)
    build_site(chronology.read(f"sqlite:///{db}"), tmp_path / "fresh", jobs=1)
    for name in ("events.json", "calendar.ics", *[p for p in report.written_paths if p.startswith("search/text")]):
        assert (tmp_path / "site" / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes(), name


def test_a_file_changed_since_the_build_is_joined_not_patched(base: Path, tmp_path: Path, monkeypatch) -> None:
    """A whole-site file that is not the one the last build wrote (here: copied, so
    another inode) is joined whole rather than patched from."""
    db = _copy(base, tmp_path)
    _cli("--db", db, "edit", "event-000030", "--body", "Body 30 changed.")
    patches = _patches(monkeypatch)
    build_from_database(f"sqlite:///{db}", tmp_path / "site", jobs=1)
    assert patches["events.json"] is False
    build_site(chronology.read(f"sqlite:///{db}"), tmp_path / "fresh", jobs=1)
    assert (tmp_path / "site/events.json").read_bytes() == (tmp_path / "fresh/events.json").read_bytes()


def test_a_patch_the_filesystem_cannot_copy_is_joined_whole(base: Path, tmp_path: Path, monkeypatch) -> None:
    """On a filesystem where copy_file_range fails (here: after its first copy, so the
    new file already holds part of the page), the page is written whole instead: the
    same bytes as joining every piece."""
    db = _built_here(base, tmp_path)
    _cli("--db", db, "edit", "event-000030", "--body", "Body 30 changed.")
    calls, real = [], os.copy_file_range

    def failing(src, dst, count, offset_src=None, offset_dst=None):
        calls.append(count)
        if len(calls) > 1:
            raise OSError(errno.EXDEV, "copy_file_range: not across these files")
        return real(src, dst, count, offset_src, offset_dst)

    patches = _patches(monkeypatch)
    monkeypatch.setattr(os, "copy_file_range", failing)
    report = build_from_database(f"sqlite:///{db}", tmp_path / "site", jobs=1)
    monkeypatch.undo()
    assert len(calls) > 1 and patches["events.json"] is False and "events.json" in report.written_paths
    build_site(chronology.read(f"sqlite:///{db}"), tmp_path / "fresh", jobs=1)
    for name in ("events.json", "calendar.ics", *[p for p in report.written_paths if p.startswith("search/text")]):
        assert (tmp_path / "site" / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes(), name


def test_writes_the_triggers_missed_are_read_and_the_triggers_put_back(base: Path, tmp_path: Path) -> None:
    """A tool that rebuilds a table drops its triggers: while any is missing, every build
    reads everything (and so sees what was written meanwhile); the next write through
    timeline puts them back, with new revisions for every event."""
    db = _copy(base, tmp_path)
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TRIGGER timeline_revision_event_update")
        conn.execute("UPDATE event SET body = 'Written behind the triggers.' WHERE slug = 'event-000020'")
    previous = snapshot.load(tmp_path / "site")
    assert chronology.read(f"sqlite:///{db}", previous=previous.chronology).fresh is None
    report = build_from_database(f"sqlite:///{db}", tmp_path / "site", jobs=1)
    assert "events/event-000020/index.html" in report.written_paths
    _cli("--db", db, "edit", "event-000021", "--title", "Put back")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                            "AND name LIKE 'timeline_revision%'").fetchone()[0] == 24
        # a REPLACE gives an event a new id without the delete trigger: its old row stays
        columns = "slug, title, body, category, lang, importance, date_text, date_base, date_start, date_end, " \
            "date_precision, date_edtf, title_key, created, updated"
        conn.execute(f"INSERT OR REPLACE INTO event (id, {columns}) SELECT 9999, {columns} FROM event "
                     "WHERE slug = 'event-000030'")
    build_from_database(f"sqlite:///{db}", tmp_path / "site", jobs=1)  # (everything: all revisions moved)
    _cli("--db", db, "edit", "event-000022", "--body", "Tracked again.")
    previous = snapshot.load(tmp_path / "site")
    fresh = chronology.read(f"sqlite:///{db}", previous=previous.chronology).fresh
    assert fresh is not None and len(fresh) == 1
    build_from_database(f"sqlite:///{db}", tmp_path / "site", jobs=1)
    build_site(chronology.read(f"sqlite:///{db}"), tmp_path / "fresh", jobs=1)
    assert _files(tmp_path / "site") == _files(tmp_path / "fresh")


@pytest.mark.parametrize("damage", ["manifest deleted", "manifest garbage", "events.json edited",
                                    "piece edited"])
def test_hand_damage_to_the_site_or_store_does_not_survive_a_rebuild(base: Path, tmp_path: Path,
                                                                     damage: str) -> None:
    db = _copy(base, tmp_path)
    site = tmp_path / "site"
    edited = "event-000020"
    if damage == "manifest deleted":
        (site / MANIFEST).unlink()
    elif damage == "manifest garbage":
        (site / MANIFEST).write_text("{not json", encoding="utf-8")
    elif damage == "events.json edited":  # the same length, written as editors do (a new file)
        data = (site / "events.json").read_bytes()
        (site / "events.tmp").write_bytes(data.replace(b'"slug":"event-000007"', b'"slug":"EVENT-000007"'))
        os.replace(site / "events.tmp", site / "events.json")
    elif damage == "piece edited":  # the stored piece of a neighbour, whose page the edit below renders
        html = (site / "events" / edited / "index.html").read_text(encoding="utf-8")
        for slug in set(re.findall(r"events/(event-\d+)/", html)) - {edited}:
            for segment in store_dir(site).glob("seg-*"):
                data = segment.read_bytes()
                mark = f'{{"slug":"{slug}"'.encode()
                if mark in data:
                    segment.write_bytes(data.replace(mark, b"X" + mark[1:]))
    _cli("--db", db, "edit", edited, "--title", "A title that moves its neighbours' pages")
    build_from_database(f"sqlite:///{db}", site, jobs=1)
    build_site(chronology.read(f"sqlite:///{db}"), tmp_path / "fresh", jobs=1)
    assert _files(site) == _files(tmp_path / "fresh")


def test_a_file_deleted_after_a_first_build_comes_back(tmp_path: Path) -> None:
    """The no-change build after a first one makes the spare tree by hard links: a file
    deleted by hand meanwhile is left out of it (it failed the build before), and the
    next build that writes puts it back."""
    db = str(tmp_path / "t.db")
    (tmp_path / "few.json").write_text(json.dumps(bench.generate(12, seed=2), ensure_ascii=False), encoding="utf-8")
    _cli("--db", db, "import", str(tmp_path / "few.json"))
    site = tmp_path / "site"
    build_from_database(f"sqlite:///{db}", site, jobs=1)
    (site / "about" / "index.html").unlink()
    assert build_from_database(f"sqlite:///{db}", site, jobs=1).written == 0
    _cli("--db", db, "edit", "event-000003", "--body", "Changed.")
    build_from_database(f"sqlite:///{db}", site, jobs=1)
    build_from_database(f"sqlite:///{db}", site, jobs=1)
    build_site(chronology.read(f"sqlite:///{db}"), tmp_path / "fresh", jobs=1)
    assert _files(site) == _files(tmp_path / "fresh")


@pytest.mark.parametrize("write, says", [
    ("UPDATE event SET title = x'00ff' WHERE slug = 'event-000004'", "title is not text (bytes)"),
    ("UPDATE event SET body = CAST(x'ff41' AS TEXT) WHERE slug = 'event-000004'", "Could not decode to UTF-8"),
    ("UPDATE source SET publisher = x'01' WHERE key = 'src-000001'", "publisher is not text (bytes)")])
def test_text_written_past_timeline_is_refused_in_one_line(tmp_path: Path, write: str, says: str) -> None:
    db = str(tmp_path / "t.db")
    (tmp_path / "few.json").write_text(json.dumps(bench.generate(9, seed=2), ensure_ascii=False), encoding="utf-8")
    _cli("--db", db, "import", str(tmp_path / "few.json"))
    _cli("--db", db, "build", "-o", str(tmp_path / "site"))
    with sqlite3.connect(db) as conn:
        conn.execute(write)
    result = runner.invoke(app, ["--db", db, "build", "-o", str(tmp_path / "site")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and says in result.output and result.output.count("\n") == 1, \
        result.output


def test_a_table_rebuilt_the_way_sqlite_documents_it_is_read_whole(base: Path, tmp_path: Path) -> None:
    """SQLite's manual rebuilds a table as a new one renamed in place of the old (as
    `sqlite-utils transform` does): no revision trigger names another table, so that
    works; the rebuilt table has lost its triggers, so builds read everything until the
    next timeline command puts them back."""
    db = _copy(base, tmp_path)
    with sqlite3.connect(db) as conn:
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'event'").fetchone()[0]
        conn.execute(sql.replace("CREATE TABLE event", "CREATE TABLE event_new", 1))
        conn.execute("INSERT INTO event_new SELECT * FROM event")
        conn.execute("UPDATE event_new SET title = 'Rebuilt with the table' WHERE slug = 'event-000020'")
        conn.execute("DROP TABLE event")
        conn.execute("ALTER TABLE event_new RENAME TO event")
    build_from_database(f"sqlite:///{db}", tmp_path / "site", jobs=1)
    build_site(chronology.read(f"sqlite:///{db}"), tmp_path / "fresh", jobs=1)
    assert _files(tmp_path / "site") == _files(tmp_path / "fresh")
    _cli("--db", db, "edit", "event-000021", "--body", "Triggers back.")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").fetchone()[0] == 24


def test_an_events_json_edited_in_place_with_its_time_put_back_is_joined_again(base: Path, tmp_path: Path) -> None:
    db = _copy(base, tmp_path)
    live = tmp_path / "site" / "events.json"
    st = live.stat()
    with open(live, "r+b") as f:  # the same file, the same size, its times given back
        data = f.read()
        f.seek(data.index(b'"event-000007"'))
        f.write(b'"EVENT-000007"')
    os.utime(live, ns=(st.st_atime_ns, st.st_mtime_ns))
    _cli("--db", db, "edit", "event-000020", "--body", "Another body.")
    build_from_database(f"sqlite:///{db}", tmp_path / "site", jobs=1)
    build_site(chronology.read(f"sqlite:///{db}"), tmp_path / "fresh", jobs=1)
    assert _files(tmp_path / "site") == _files(tmp_path / "fresh")


def test_an_output_folder_that_is_a_symlink_is_built_where_it_points(base: Path, tmp_path: Path) -> None:
    """`-o site` where site links to the folder a server serves: the files land there and
    the link stays a link."""
    db = _copy(base, tmp_path)
    www = tmp_path / "www"
    shutil.rmtree(tmp_path / "site")
    link = tmp_path / "served"
    link.symlink_to(www)
    build_from_database(f"sqlite:///{db}", link, jobs=1)
    for n in (20, 21):
        _cli("--db", db, "edit", f"event-{n:06d}", "--body", f"Edit {n}.")
        build_from_database(f"sqlite:///{db}", link, jobs=1)
        assert link.is_symlink() and os.readlink(link) == str(www)
        assert f"Edit {n}." in (www / "events.json").read_text(encoding="utf-8")
    build_site(chronology.read(f"sqlite:///{db}"), tmp_path / "fresh", jobs=1)
    assert _files(www) == _files(tmp_path / "fresh")
