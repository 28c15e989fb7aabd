"""The fragment store kept between builds, the worker processes, and template errors."""

from __future__ import annotations

import json
import marshal
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import build as bench  # noqa: E402
import build_data  # noqa: E402

from timeline import output  # noqa: E402
from timeline import search  # noqa: E402
from timeline.build import TEXT_KIND, build_site  # noqa: E402
from timeline.chronology import Chronology  # noqa: E402
from timeline.errors import BuildError  # noqa: E402
from timeline.fragments import INDEX, FragmentStore, store_dir  # noqa: E402
from timeline.output import MANIFEST  # noqa: E402


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != MANIFEST}


def synthetic(n: int, seed: int = 3) -> Chronology:
    data = bench.generate(n, seed=seed)
    keys = {s["key"]: s for s in data["sources"]}
    for e in data["events"]:  # citations as the database gives them (title, publisher, url)
        e["sources"] = [{k: keys[c["key"]][k] for k in ("title", "publisher", "url", "published")}
                        | {"locator": None} for c in e["sources"]]
    return Chronology(events=data["events"], sources=data["sources"], observations=[])


def segments(out: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in store_dir(out).glob("seg-*.bin")}


@pytest.fixture
def many_pages(monkeypatch):
    """Build with worker processes even for a small site."""
    monkeypatch.setattr(output, "PARALLEL_MIN", 1)


def test_workers_write_what_one_process_writes(tmp_path: Path, many_pages) -> None:
    chrono = synthetic(300)
    one = build_site(chrono, tmp_path / "one", jobs=1)
    two = build_site(chrono, tmp_path / "two", jobs=2)
    assert one.pages == two.pages == two.written > 600
    assert files(tmp_path / "one") == files(tmp_path / "two")
    # each worker appended its cards to a segment of its own; the index names them all
    assert len(segments(tmp_path / "two")) >= 2
    assert (store_dir(tmp_path / "two") / INDEX).is_file()


def test_one_changed_event_appends_to_the_store(tmp_path: Path, many_pages) -> None:
    site = tmp_path / "site"
    chrono = synthetic(300)
    build_site(chrono, site, jobs=2)
    before = segments(site)
    again = build_site(chrono, site, jobs=2)
    assert again.written == 0 and segments(site) == before  # nothing new: nothing stored
    chrono.events[150]["body"] += "\n\nOne more *sentence*."
    report = build_site(chrono, site, jobs=2)
    after = segments(site)
    # the old segments are kept as they were (not rewritten); the new pieces (the event's
    # cards, its parts of events.json and calendar.ics) go into small new segments
    assert set(before) < set(after) and all(after[name] == before[name] for name in before)
    added = [store_dir(site) / name for name in set(after) - set(before)]
    assert 1 <= len(added) <= 3 and sum(p.stat().st_size for p in added) < 10_000
    assert "events/event-000150/index.html" in report.written_paths
    assert files(site) == files(_fresh(chrono, tmp_path / "fresh"))


@pytest.mark.parametrize("jobs", [1, 2])
def test_store_holds_every_piece_of_every_event(tmp_path: Path, many_pages, jobs: int) -> None:
    site = tmp_path / "site"
    chrono = synthetic(150)
    build_site(chrono, site, jobs=jobs)
    index = marshal.loads((store_dir(site) / INDEX).read_bytes())
    counts = {kind: len(keys) // 16 for kind, (keys, *_) in index["kinds"].items()}
    assert counts == {b"card-en": 150, b"card-zh": 150, b"json": 150, b"ics": 150, TEXT_KIND: 150}
    chrono.events[10]["body"] += " More."
    build_site(chrono, site, jobs=jobs)
    index = marshal.loads((store_dir(site) / INDEX).read_bytes())
    assert {kind: len(keys) // 16 for kind, (keys, *_) in index["kinds"].items()} == counts


def test_search_words_are_kept_and_only_a_changed_event_is_read_again(tmp_path: Path, monkeypatch) -> None:
    site = tmp_path / "site"
    chrono = synthetic(150)
    build_site(chrono, site, jobs=1)
    words = [search.event_text(e) for e in chrono.events]
    assert json.loads((site / "search/text-0.json").read_text("utf-8")) == words
    read = []
    monkeypatch.setattr(search, "event_text", lambda ev, names=(): read.append(ev["slug"]) or "changed words")
    chrono.events[10]["title"] += " renamed"
    build_site(chrono, site, jobs=1)
    assert read == ["event-000010"]
    words[10] = "changed words"
    assert json.loads((site / "search/text-0.json").read_text("utf-8")) == words


def _fresh(chrono: Chronology, out: Path) -> Path:
    build_site(chrono, out, jobs=1)
    return out


def test_a_damaged_store_is_rebuilt_not_trusted(tmp_path: Path) -> None:
    site = tmp_path / "site"
    chrono = synthetic(120)
    build_site(chrono, site)
    for seg in store_dir(site).glob("seg-*.bin"):  # cut every segment short
        with open(seg, "r+b") as f:
            f.truncate(seg.stat().st_size // 2)
    chrono.events[3]["title"] = "Renamed"
    build_site(chrono, site)
    assert files(site) == files(_fresh(chrono, tmp_path / "fresh"))
    (store_dir(site) / INDEX).write_bytes(b"not an index")
    chrono.events[4]["title"] = "Renamed too"
    build_site(chrono, site)
    assert files(site) == files(_fresh(chrono, tmp_path / "fresh2"))


def test_store_drops_dead_pieces_and_compacts(tmp_path: Path) -> None:
    path = tmp_path / "store"
    store = FragmentStore(path, b"ctx")
    keys = [bytes([n]) * 16 for n in range(40)]
    for k in keys:
        store.put(b"card", k, "x" * 300_000)
    store.save()
    first = {p.name for p in path.glob("seg-*.bin")}
    # the next build uses only two of the pieces and adds one: the dead ones go
    store = FragmentStore(path, b"ctx")
    assert bytes(store.cached(b"card", keys[0])) == b"x" * 300_000
    store.put(b"card", b"n" * 16, "new")
    store.save(keep={b"card": keys[:2]})
    store = FragmentStore(path, b"ctx")
    assert store.has(b"card", keys[1]) and store.has(b"card", b"n" * 16)
    assert not store.has(b"card", keys[5])
    segs = {p.name for p in path.glob("seg-*.bin")}
    assert not (segs & first)  # 12 MB of segment for 600 KB of live pieces: compacted
    assert sum(p.stat().st_size for p in path.glob("seg-*.bin")) < 1_000_000
    # another context (other templates or options): nothing is reused
    assert not FragmentStore(path, b"other").has(b"card", keys[1])


def test_store_in_memory() -> None:
    store = FragmentStore(None, b"")
    store.ensure(b"json", b"k" * 16, lambda: "{}")
    assert store.cached(b"json", b"k" * 16) == b"{}" and store.drain() is None


def test_template_error_names_file_and_line(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "about.html").write_text('{% extends "base.html" %}{% block main %}\n<p>\n'
                                     '{{ no_such_thing.field }}</p>{% endblock %}')
    with pytest.raises(BuildError) as e:
        build_site(build_data.make_chronology(), tmp_path / "site", templates_dir=mine, jobs=1)
    message = str(e.value)
    assert "about.html line 3" in message and "no_such_thing" in message
    assert "about/index.html" in message
    (mine / "about.html").write_text('{% extends "base.html" %}{% block main %}{{ x }\n{% endblock %}')
    with pytest.raises(BuildError, match=r"about\.html line 1"):
        build_site(build_data.make_chronology(), tmp_path / "site", templates_dir=mine, jobs=1)
    # an error the template's own code raises: its file and line too, not a traceback
    (mine / "about.html").write_text('{% extends "base.html" %}{% block main %}\n{{ 1 / 0 }}{% endblock %}')
    with pytest.raises(BuildError, match=r"about\.html line 2: ZeroDivisionError: division by zero "
                                         r"\(while writing about/index\.html\)"):
        build_site(build_data.make_chronology(), tmp_path / "site", templates_dir=mine, jobs=1)
    # ...or raised in one of Jinja's filters that the template called
    (mine / "about.html").write_text('{% extends "base.html" %}{% block main %}\n\n{{ "%d"|format("x") }}'
                                     '{% endblock %}')
    with pytest.raises(BuildError, match=r"about\.html line 3: TypeError: %d format"):
        build_site(build_data.make_chronology(), tmp_path / "site", templates_dir=mine, jobs=1)
    # a template that is not UTF-8, even one another extends: its file, not Python's codecs
    (mine / "about.html").unlink()
    (mine / "base.html").write_bytes(b"\xff\xfe<html>")
    with pytest.raises(BuildError, match=r"mine/base\.html line 1: not UTF-8 text \(byte 0\)"):
        build_site(build_data.make_chronology(), tmp_path / "site", templates_dir=mine, jobs=1)
    (mine / "base.html").unlink()
    with pytest.raises(BuildError, match=r"templates folder .*about\.txt is a file, not a folder"):
        (tmp_path / "about.txt").write_text("x")
        build_site(build_data.make_chronology(), tmp_path / "site", templates_dir=tmp_path / "about.txt")
    (tmp_path / "about.txt").unlink()
    # a failed first build leaves nothing behind: no site, no spare, no fragment store
    assert sorted(os.listdir(tmp_path)) == ["mine"]


def test_template_error_in_a_worker(tmp_path: Path, many_pages) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "_event_card.html").write_text("{{ e.title }}{{ e.nothing_here.x }}")
    with pytest.raises(BuildError, match=r"_event_card\.html line 1"):
        build_site(synthetic(100), tmp_path / "site", templates_dir=mine, jobs=2)


def test_cli_template_error_is_one_line(tmp_path: Path, cli_sqlite) -> None:
    assert cli_sqlite("import", Path(__file__).parent / "fixtures" / "sample.yaml").exit_code == 0
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "event.html").write_text('{% extends "base.html" %}{% block main %}{{ e.nope() }}{% endblock %}')
    result = cli_sqlite("build", "-o", str(tmp_path / "site"), "--templates", str(mine))
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1
    assert "event.html line 1" in result.output and "Traceback" not in result.output


def test_many_small_builds_do_not_pile_up_segments(tmp_path: Path) -> None:
    from timeline.fragments import MAX_SEGMENTS
    path = tmp_path / "store"
    keys = []
    for n in range(MAX_SEGMENTS + 10):  # each "build" stores one new piece: one new segment
        store = FragmentStore(path, b"ctx")
        keys.append(n.to_bytes(16, "big"))
        store.put(b"card", keys[-1], f"card {n}")
        store.save(keep={b"card": keys})
        assert len(list(path.glob("seg-*.bin"))) <= MAX_SEGMENTS + 1
    store = FragmentStore(path, b"ctx")
    assert [bytes(store.cached(b"card", k)) for k in keys] == [f"card {n}".encode() for n in range(len(keys))]


@given(st.lists(st.tuples(st.sampled_from([b"json", b"ics"]), st.integers(0, 40), st.integers(1, 90)),
                min_size=1, max_size=60),
       st.integers(0, 2), st.sampled_from([b"", b","]), st.integers(16, 400))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_joined_pieces_read_in_windows_give_the_pieces_in_order(tmp_path_factory, puts, builds, sep,
                                                                 window) -> None:
    """Joined reads its stored pieces a window at a time and cuts them out: whatever order
    and segments the pieces were stored in (other kinds between them, pieces stored by an
    earlier build, pieces longer than the window), the page is the pieces in order."""
    from unittest import mock

    from timeline import fragments
    path = tmp_path_factory.mktemp("store")
    text = {}
    for b in range(builds + 1):  # earlier builds store some pieces; the last stores the rest
        store = FragmentStore(path, b"ctx")
        for n, (kind, key, size) in enumerate(puts):
            if n % (builds + 1) == b and (kind, key) not in text:
                text[(kind, key)] = f"{kind.decode()}{key}:" + "天x" * size
                store.put(kind, key.to_bytes(16, "big"), text[(kind, key)])
        store.save(keep={k: [n.to_bytes(16, "big") for n in range(41)] for k in (b"json", b"ics")})
    store = FragmentStore(path, b"ctx")
    order = [key for kind, key, _ in puts if kind == b"json"] + [41]   # 41: made now
    page = fragments.Joined(store)
    page.add(b"[")
    page.add_pieces(b"json", [k.to_bytes(16, "big") for k in order],
                    lambda n: text.setdefault((b"json", order[n]), f"new{order[n]}"), sep)
    page.add(b"]")
    with mock.patch.object(fragments, "READ_AHEAD", window):
        data = b"".join(page)
    assert data == b"[" + sep.join(text[(b"json", k)].encode() for k in order) + b"]"


def test_a_folder_in_place_of_the_index_is_replaced(tmp_path: Path) -> None:
    """A folder named like the store's index (or its temporary file) made every later build
    fail after writing the site; the store now treats it as no index and replaces it."""
    path = tmp_path / "store"
    store = FragmentStore(path, b"ctx")
    store.put(b"card", b"k" * 16, "piece")
    store.save()
    (path / INDEX).unlink()
    (path / INDEX).mkdir()
    (path / (INDEX + ".tmp")).mkdir()
    store = FragmentStore(path, b"ctx")
    assert not store.has(b"card", b"k" * 16)   # no readable index: nothing is reused
    store.put(b"card", b"k" * 16, "piece again")
    store.save()
    assert (path / INDEX).is_file() and not (path / (INDEX + ".tmp")).exists()
    assert bytes(FragmentStore(path, b"ctx").cached(b"card", b"k" * 16)) == b"piece again"
