"""timeline build: golden output, determinism, incremental and atomic writes, the CLI."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import build_data  # noqa: E402

from timeline import build  # noqa: E402
from timeline.build import build_site  # noqa: E402
from timeline.errors import BuildError  # noqa: E402
from timeline.output import MANIFEST, spare_dir  # noqa: E402
from timeline.sitecheck import check_site  # noqa: E402
from timeline.templating import Router  # noqa: E402

GOLDEN = Path(__file__).parent / "golden" / "site"
BASE = "https://example.org/kling/"


def snapshot(root: Path, *, stat: bool = False) -> dict[str, object]:
    """Every file under root: its bytes, or (inode, mtime_ns) with stat=True."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            rel = p.relative_to(root).as_posix()
            st = p.stat()
            out[rel] = (st.st_ino, st.st_mtime_ns) if stat else p.read_bytes()
    return out


def test_golden_output(tmp_path: Path) -> None:
    """The small fixed chronology renders exactly as tests/golden/site (UPDATE_GOLDEN=1 to refresh)."""
    site = tmp_path / "site"
    build_site(build_data.make_chronology(), site, base_url=BASE)
    got = {k: v for k, v in snapshot(site).items() if k != MANIFEST}
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(site, GOLDEN, ignore=shutil.ignore_patterns(MANIFEST))
    want = snapshot(GOLDEN)
    assert sorted(got) == sorted(want)
    for path in want:
        assert got[path] == want[path], f"{path} differs from the golden copy"


def test_deterministic(tmp_path: Path) -> None:
    build_site(build_data.make_chronology(), tmp_path / "a", base_url=BASE)
    build_site(build_data.make_chronology(), tmp_path / "b", base_url=BASE, jobs=1)
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_second_build_rewrites_nothing(tmp_path: Path) -> None:
    site = tmp_path / "site"
    first = build_site(build_data.make_chronology(), site, base_url=BASE)
    assert first.written == first.pages > 40
    before = snapshot(site, stat=True)
    again = build_site(build_data.make_chronology(), site, base_url=BASE)
    assert (again.written, again.removed, again.unchanged) == (0, 0, again.pages)
    assert snapshot(site, stat=True) == before


def test_one_changed_event_rewrites_only_its_pages(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_site(build_data.make_chronology(), site, base_url=BASE)
    build_site(build_data.make_chronology(), site, base_url=BASE)  # the spare is in step
    before_bytes, before_stat = snapshot(site), snapshot(site, stat=True)
    events = build_data.make_chronology().events
    changed = next(e for e in events if e["slug"] == "kling-2-5-turbo")
    changed["body"] = "A much faster model."
    report = build_site(build_data.make_chronology(events=events), site, base_url=BASE)
    after_bytes, after_stat = snapshot(site), snapshot(site, stat=True)
    differs = {p for p in after_bytes if after_bytes[p] != before_bytes.get(p)} - {MANIFEST}
    assert set(report.written_paths) == differs
    assert "events/kling-2-5-turbo/index.html" in differs
    assert "zh/events/kling-2-5-turbo/index.html" in differs
    assert "events/kling-launch/index.html" not in differs
    assert len(differs) < report.pages / 3
    for path in after_stat:
        if path not in differs and path != MANIFEST:
            assert after_stat[path] == before_stat[path], f"{path} was rewritten"


def test_removed_event_removes_its_pages(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_site(build_data.make_chronology(), site, base_url=BASE)
    events = [e for e in build_data.make_chronology().events if e["slug"] != "kling-september"]
    report = build_site(build_data.make_chronology(events=events), site, base_url=BASE)
    assert not (site / "events" / "kling-september").exists()
    assert not (site / "categories" / "campaign").exists()
    assert report.removed >= 4
    assert report.summary().startswith(f"Built {site}")


def test_files_deleted_by_hand_come_back(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_site(build_data.make_chronology(), site)
    (site / "about/index.html").unlink()
    (site / "events/kling-launch/index.html").unlink()
    events = build_data.make_chronology().events
    events[0]["title"] = "Renamed"
    build_site(build_data.make_chronology(events=events), site)
    assert (site / "about/index.html").exists()
    assert "Renamed" in (site / "events/kling-launch/index.html").read_text()


def test_foreign_files_survive(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_site(build_data.make_chronology(), site)
    (site / ".nojekyll").write_text("")
    (site / "CNAME").write_text("kling.example.org\n")
    (site / ".git").mkdir()
    (site / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    (site / "home.html").symlink_to("index.html")  # a link is carried as a link
    events = build_data.make_chronology().events[:-1]
    for chrono in [build_data.make_chronology(events=events), build_data.make_chronology()] * 2:
        build_site(chrono, site)
        assert (site / "CNAME").read_text() == "kling.example.org\n"
        assert (site / ".nojekyll").exists() and (site / ".git" / "HEAD").exists()
        assert os.readlink(site / "home.html") == "index.html"


def test_failed_build_leaves_site_as_it_was(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_site(build_data.make_chronology(), site, base_url=BASE)
    before = snapshot(site)
    broken = tmp_path / "templates"
    broken.mkdir()
    (broken / "event.html").write_text(
        '{% extends "base.html" %}{% block main %}{{ e.title }}'
        '{% if e.slug == "kling-september" %}{{ no_such_variable }}{% endif %}{% endblock %}')
    with pytest.raises(Exception):
        build_site(build_data.make_chronology(), site, base_url=BASE, templates_dir=broken, jobs=1)
    assert snapshot(site) == before
    # and the next good build still works (the spare was left dirty, it is rebuilt)
    events = build_data.make_chronology().events
    events[0]["title"] = "Kling launched (renamed)"
    report = build_site(build_data.make_chronology(events=events), site, base_url=BASE)
    assert "Kling launched (renamed)" in (site / "events/kling-launch/index.html").read_text()
    assert report.written < report.pages


KILL_SCRIPT = r"""
import sys, time
sys.path.insert(0, {fixtures!r})
from pathlib import Path
sys.path.insert(0, {bench!r})
import build as bench
from timeline.chronology import Chronology
from timeline.build import build_site
data = bench.generate({n}, seed={seed})
for e in data["events"]:
    e["sources"] = []
chrono = Chronology(events=data["events"], sources=data["sources"], observations=[])
print("start", flush=True)
build_site(chrono, Path({site!r}), jobs=1)
print("done", flush=True)
"""


def test_killed_build_leaves_site_as_it_was(tmp_path: Path) -> None:
    """SIGKILL a build half way: the previous site is untouched, the next build completes."""
    site = tmp_path / "site"
    root = Path(__file__).resolve().parent.parent
    script = tmp_path / "run.py"

    def run(seed: int, kill_after: float | None):
        script.write_text(KILL_SCRIPT.format(fixtures=str(Path(__file__).parent / "fixtures"),
                                             bench=str(root / "bench"), n=800, seed=seed,
                                             site=str(site)))
        proc = subprocess.Popen([sys.executable, str(script)], cwd=root, stdout=subprocess.PIPE,
                                text=True)
        if kill_after is None:
            assert proc.wait(timeout=300) == 0
            return
        assert proc.stdout.readline().strip() == "start"
        spare = spare_dir(site)
        deadline = time.monotonic() + 120
        # wait until the build is writing (the spare's manifest is gone), then a bit more
        while (spare / MANIFEST).exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(kill_after)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
        assert proc.stdout.read() == ""  # it had not finished

    run(1, None)
    before = snapshot(site)
    run(2, 0.5)
    assert snapshot(site) == before
    run(2, None)
    assert snapshot(site) != before


def test_ctrl_c_stops_the_command_with_one_line_and_leaves_site_as_it_was(tmp_path: Path) -> None:
    """SIGINT to `timeline build` (its whole process group, as a terminal's Ctrl-C is)
    half way: one line, exit 130, no worker left, the previous site untouched."""
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root / "bench"))
    import json
    import build as bench
    db, site = tmp_path / "events.db", tmp_path / "site"
    data = tmp_path / "data.json"

    def timeline(*args: str, **kw) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "timeline", "--db", str(db), *args], cwd=root,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)

    data.write_text(json.dumps(bench.generate(1500, seed=1), ensure_ascii=False))
    assert timeline("import", str(data)).wait(timeout=300) == 0
    assert timeline("build", "-o", str(site)).wait(timeout=300) == 0
    before = snapshot(site)
    data.write_text(json.dumps(bench.generate(1500, seed=2), ensure_ascii=False))
    assert timeline("import", str(data)).wait(timeout=300) == 0
    proc = timeline("build", "-o", str(site), start_new_session=True, preexec_fn=_ctrl_c_on)
    spare = spare_dir(site)
    deadline = time.monotonic() + 120
    while not spare.exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    while (spare / MANIFEST).exists() and time.monotonic() < deadline:  # writing now
        time.sleep(0.005)
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert out == "" and err.splitlines()[-1] == "Interrupted.", err
    assert "Traceback" not in err
    assert snapshot(site) == before
    time.sleep(0.5)
    assert os.getpid() in _group_members(os.getpgid(0))  # the helper does see live processes
    assert _group_members(proc.pid) == []


def _ctrl_c_on() -> None:
    """In the child: SIGINT as a terminal gives it. A suite started in the background by a
    shell without job control inherits SIGINT ignored, and Python then leaves it ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _group_members(pgid: int) -> list[int]:
    """The live processes of a process group, from /proc (field 5 of stat is the group)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _two_worker_build(tmp_path: Path, site: Path, seed: int, task_delay: float) -> Path:
    """A script building the synthetic chronology `seed` into `site` with a worker beside
    the build process, each task taking `task_delay` seconds more."""
    root = Path(__file__).resolve().parent.parent
    text = KILL_SCRIPT.replace("jobs=1)", "jobs=2)").replace(
        'print("start", flush=True)\n',
        'from timeline import output\n_task = output._task\n'
        f'output._task = lambda t: (time.sleep({task_delay}), _task(t))[1]\nprint("start", flush=True)\n')
    script = tmp_path / f"run-{seed}.py"
    script.write_text(text.format(fixtures=str(Path(__file__).parent / "fixtures"), bench=str(root / "bench"),
                                  n=800, seed=seed, site=str(site)))
    return script


def _workers_of(proc: subprocess.Popen) -> list[int]:
    """The worker processes the build forked (waiting for the first)."""
    deadline = time.monotonic() + 120
    while not _children(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    workers = _children(proc.pid)
    assert workers, "the build forked no worker"
    return workers


def test_killed_worker_fails_the_build_and_leaves_site_as_it_was(tmp_path: Path) -> None:
    """SIGKILL a worker process half way: the build stops with a one-line error (it does
    not wait for the lost task for ever), and the previous site is untouched."""
    site = tmp_path / "site"
    root = Path(__file__).resolve().parent.parent
    # every task takes 0.2 s more, so that however busy the machine, the worker found is
    # still at its first task when it is killed (not already done and gone)
    first = _two_worker_build(tmp_path, site, seed=1, task_delay=0.2)
    assert subprocess.run([sys.executable, str(first)], cwd=root, capture_output=True).returncode == 0
    before = snapshot(site)
    proc = subprocess.Popen([sys.executable, str(_two_worker_build(tmp_path, site, seed=2, task_delay=0.2))],
                            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    os.kill(_workers_of(proc)[0], signal.SIGKILL)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 1 and "done" not in out
    assert err.strip().splitlines()[-1] == "timeline.errors.BuildError: a build worker stopped unexpectedly (exit code -9)"
    assert snapshot(site) == before


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_die_with_a_killed_build(tmp_path: Path, sig) -> None:
    """A build process killed outright (no Ctrl-C cleanup) takes its workers with it: none
    is left waiting for ever to hand in its results. (Here each task takes 30 s, so a
    worker that outlived the build would still be at its first task.)"""
    script = _two_worker_build(tmp_path, tmp_path / "site", seed=1, task_delay=30)
    proc = subprocess.Popen([sys.executable, str(script)], cwd=Path(__file__).resolve().parent.parent,
                            stdout=subprocess.PIPE, text=True)
    workers = _workers_of(proc)
    proc.send_signal(sig)
    assert proc.wait(timeout=60) == -sig
    deadline = time.monotonic() + 10
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(_alive, workers))


def test_refuses_bad_targets(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BuildError):
        build_site(build_data.make_chronology(), Path("."))
    (tmp_path / "file").write_text("x")
    with pytest.raises(BuildError, match="exists and is not a folder"):
        build_site(build_data.make_chronology(), tmp_path / "file")
    with pytest.raises(BuildError, match=r"cannot build into .*file/sub/site: .*file is a file, not a folder"):
        build_site(build_data.make_chronology(), tmp_path / "file/sub/site")  # mkdir said "File exists"
    with pytest.raises(BuildError):
        build_site(build_data.make_chronology(), tmp_path / "s", templates_dir=tmp_path / "nope")
    with pytest.raises(BuildError):
        build_site(build_data.make_chronology(), tmp_path / "s", langs=("fr",))


@pytest.mark.parametrize("base_url", ["example.org/kling/", "ftp://example.org/", "https:///kling/",
                                      "//example.org/kling/", "/kling/?v=1", "/kling/#top"])
def test_refuses_a_base_url_that_is_neither_a_path_nor_a_web_url(tmp_path: Path, base_url) -> None:
    with pytest.raises(BuildError, match="base URL"):
        build_site(build_data.make_chronology(), tmp_path / "s", base_url=base_url)
    assert not (tmp_path / "s").exists()


def test_tag_urls_stay_when_tags_sharing_their_slug_come_and_go(tmp_path: Path) -> None:
    """"ab", "a/b" and "A'B" all slugify to ab: the name the slug spells keeps it, the others
    take a hash of their own name, so no tag's page moves when another tag appears."""
    def tag_dirs(names: list[str]) -> dict[str, str]:
        events = build_data.make_chronology().events
        for e, name in zip(events, names):
            e["tags"] = [{"kind": "topic", "name": name}]
        site = tmp_path / "-".join(str(len(n)) for n in names)
        build_site(build_data.make_chronology(events=events), site, langs=("en",))
        found = {}
        for page in (site / "tags/topic").glob("*/index.html"):
            name = re.search(r"<h1><span[^>]*>([^<]+)</span>", page.read_text("utf-8")).group(1)
            found[name] = page.parent.name
        return found

    alone = tag_dirs(["a/b"])
    assert alone == {"a/b": "ab"}
    two = tag_dirs(["a/b", "ab"])
    assert two["ab"] == "ab" and two["a/b"].startswith("ab-")
    three = tag_dirs(["A'B", "a/b", "ab"])
    assert three["ab"] == "ab" and three["a/b"] == two["a/b"] and len(set(three.values())) == 3
    # "AB" sorts before "ab" and spells the slug as well: the name that is the slug keeps it
    assert tag_dirs(["ab", "AB"])["ab"] == "ab"
    # no name spells it: the first in order keeps it, as it did before
    assert tag_dirs(["Kling 2.0", "kling-2.0"])["Kling 2.0"] == "kling-2-0"
    # a dot between letters or digits is a dash, as in event slugs: 2.1 is not 21
    assert tag_dirs(["Kling 2.1", "Kling 21"]) == {"Kling 2.1": "kling-2-1", "Kling 21": "kling-21"}


def test_a_month_is_one_group_with_the_spans_it_begins_after_it(tmp_path: Path) -> None:
    """A quarter sorts between the days of its first month (by start, then end): the
    month's heading must not come back after it."""
    events = build_data.make_chronology().events[:4]
    dates = [("2025-01-01", "2025-01-01", "day", "1 Jan 2025"), ("2025-01-01", "2025-03-31", "quarter", "Q1 2025"),
             ("2025-01-15", "2025-01-15", "day", "15 Jan 2025"), ("2025-02-03", "2025-02-03", "day", "3 Feb 2025")]
    for e, (start, end, precision, shown) in zip(events, dates):
        e["date"] = build_data._date(shown, start, end, precision, start, shown, shown)
    build_site(build_data.make_chronology(events=events), tmp_path / "s", langs=("en",))
    page = (tmp_path / "s/years/2025/index.html").read_text("utf-8")
    headings = re.findall(r'<h2 class="month-heading">([^<]+)</h2>', page)
    assert headings == ["January 2025", "Jan – Mar 2025", "February 2025"]
    january = page.split("January 2025")[1].split("Jan – Mar 2025")[0]
    assert january.count('<article class="event') == 2 and 'id="m-2025-01"' in page


def test_tags_are_listed_as_a_reader_sorts_them(tmp_path: Path) -> None:
    names = ["Xiaomi", "vivo", "a16z", "ARR", "advertising"]  # (the fixture has five events)
    events = build_data.make_chronology().events
    for e, name in zip(events, names):
        e["tags"] = [{"kind": "organization", "name": name}]
    build_site(build_data.make_chronology(events=events), tmp_path / "s", langs=("en",))
    page = (tmp_path / "s/tags/index.html").read_text("utf-8")
    shown = [n for n in re.findall(r'<a href="[^"]*/tags/organization/[^"]*"[^>]*>([^<]+)</a>', page)]
    assert shown == ["a16z", "advertising", "ARR", "vivo", "Xiaomi"]


def test_chinese_names_are_listed_by_their_pinyin(tmp_path: Path) -> None:
    """On the pages of either language: 陈 is chen, 盖 gai, 王 wang, 张 zhang, each after
    the Latin names of its letter (code point order put the four Chinese names after
    Justine Moore, as 张 王 盖 陈)."""
    names = ["王兴", "陈坤", "Justine Moore", "张迪", "盖坤"]
    events = build_data.make_chronology().events
    for e, name in zip(events, names):
        e["tags"] = [{"kind": "person", "name": name}]
    build_site(build_data.make_chronology(events=events), tmp_path / "s")
    for page in ("tags/index.html", "zh/tags/index.html"):
        html = (tmp_path / "s" / page).read_text("utf-8")
        shown = re.findall(r'<a href="[^"]*/tags/person/[^"]*"[^>]*>([^<]+)</a>', html)
        assert shown == ["陈坤", "盖坤", "Justine Moore", "王兴", "张迪"], page


def test_the_search_index_names_the_year_page_showing_each_event(tmp_path: Path, monkeypatch) -> None:
    """Each result in the search index gives the page of its year's pages that shows its
    card, and the manifest gives each year's URL: app.js takes a result's whole card from
    there. With years longer than a page, some events are on a later page."""
    monkeypatch.setattr(build, "PAGE_SIZE", 3)
    monkeypatch.setattr(build, "FEED_SIZE", 2)
    site = tmp_path / "s"
    build_site(build_data.make_chronology(), site, base_url=BASE)
    router = Router(BASE)
    for lang, prefix in (("en", ""), ("zh", "zh/")):
        manifest = json.loads((site / f"search/{lang}.json").read_text("utf-8"))
        year_url = {y: url for y, _, url in manifest["years"]}
        assert year_url and all(url == f"/kling/{prefix}years/{y}/" for y, url in year_url.items())
        pages = set()
        for k in range(len(manifest["chunks"])):
            for rec in json.loads((site / f"search/{lang}-{k}.json").read_text("utf-8")):
                y, p = int(rec[4][:4]), rec[9]
                path = router.route(f"years/{y}/", lang, p).path
                assert f'data-e="{rec[0]}"' in (site / path).read_text("utf-8"), (rec[0], path)
                pages.add((y, p))
        assert any(p > 1 for _, p in pages)


def test_chinese_pages_show_a_tags_chinese_name(tmp_path: Path) -> None:
    """A tag with a Chinese name (Chronology.tags) is shown by it on the Chinese pages: its
    page, the tags page (sorted by it), the event pages, the filter and the
    JSON-LD keywords; the search index finds the event by it. Its URL, and every English
    page, stay as they were."""
    chrono = build_data.make_chronology()
    plain = tmp_path / "plain"
    build_site(chrono, plain)
    chrono.tags = [{"kind": "organization", "name": "Kuaishou", "name_zh": "快手科技"},
                   {"kind": "product", "name": "Kling", "name_zh": "可灵模型"}]
    site = tmp_path / "s"
    build_site(chrono, site)
    tag_page = (site / "zh/tags/organization/kuaishou/index.html").read_text("utf-8")
    assert "<h1><span>快手科技</span>" in tag_page
    tags = (site / "zh/tags/index.html").read_text("utf-8")
    products = re.findall(r'<a href="[^"]*/tags/product/[^"]*"[^>]*>([^<]+)</a>', tags)
    assert products == ["Kling 2.0", "可灵模型"]  # by the name shown: 可 is ke, after the Latin K
    event = (site / "zh/events/kling-launch/index.html").read_text("utf-8")
    assert '<a href="/zh/tags/organization/kuaishou/">快手科技</a>' in event
    assert '"keywords":["可灵模型","快手科技"]' in event
    home = (site / "zh/index.html").read_text("utf-8")
    assert '<option value="organization:Kuaishou">快手科技</option>' in home
    words = (site / "search/text-0.json").read_text("utf-8")
    assert "快手科技" in words and "可灵模型" in words
    assert '"tags":[{"kind":"organization","name":"Kuaishou","name_zh":"快手科技"}' in \
        (site / "events.json").read_text("utf-8")  # as `timeline export` gives them
    other = ("zh/", "search/", "events.json", MANIFEST)
    english = {k: v for k, v in snapshot(site).items() if not k.startswith(other)}
    assert english == {k: v for k, v in snapshot(plain).items() if not k.startswith(other)}
    assert "tags/organization/kuaishou/index.html" in english


def test_a_base_url_with_a_space_is_percent_encoded(tmp_path: Path) -> None:
    site = tmp_path / "s"
    build_site(build_data.make_chronology(), site, base_url="https://example.org/my kling/")
    home = (site / "index.html").read_text("utf-8")
    assert 'href="/my%20kling/feed.xml"' in home and "my kling" not in home
    assert check_site(site, "https://example.org/my kling/") == []


def test_hostile_slugs_stay_inside(tmp_path: Path) -> None:
    events = build_data.make_chronology().events
    events[0]["slug"] = "../../escape"
    events[1]["category"] = "../x"
    build_site(build_data.make_chronology(events=events), tmp_path / "out" / "site")
    assert not (tmp_path / "escape").exists() and not (tmp_path / "out" / "escape").exists()
    assert all(p.resolve().is_relative_to((tmp_path / "out").resolve())
               for p in (tmp_path / "out").rglob("*"))


def test_user_templates_override(tmp_path: Path) -> None:
    mine = tmp_path / "templates"
    (mine / "static").mkdir(parents=True)
    (mine / "about.html").write_text('{% extends "base.html" %}{% block main %}<p>Mine</p>{% endblock %}')
    (mine / "static" / "style.css").write_text("body{color:red}")
    build_site(build_data.make_chronology(), tmp_path / "site", templates_dir=mine)
    assert "<p>Mine</p>" in (tmp_path / "site/about/index.html").read_text()
    assert (tmp_path / "site/static/style.css").read_text() == "body{color:red}"


def test_single_language(tmp_path: Path) -> None:
    build_site(build_data.make_chronology(), tmp_path / "site", langs=("zh",))
    home = (tmp_path / "site/index.html").read_text()
    assert '<html lang="zh-Hans">' in home and "可灵发布" in home
    assert not (tmp_path / "site/zh").exists()


def test_cli_build(tmp_path: Path) -> None:
    from typer.testing import CliRunner
    from timeline.cli import app
    import json
    data = tmp_path / "data.json"
    chrono = build_data.make_chronology()
    data.write_text(json.dumps({"events": chrono.events, "sources": chrono.sources,
                                "observations": chrono.observations}, ensure_ascii=False))
    runner = CliRunner()
    db = str(tmp_path / "events.db")
    result = runner.invoke(app, ["--db", db, "import", str(data)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "site"
    result = runner.invoke(app, ["--db", db, "build", "-o", str(out), "--base-url", BASE])
    assert result.exit_code == 0, result.output
    assert "written" in result.output and (out / "events/kling-2-0-launch/index.html").exists()
    result = runner.invoke(app, ["--db", db, "build", "-o", str(out), "--base-url", BASE])
    assert " 0 written" in result.output
    result = runner.invoke(app, ["--db", db, "build", "-o", str(out), "--templates", str(tmp_path / "no")])
    assert result.exit_code == 1 and result.output.startswith("Error: templates folder")


def test_recycled_workers_build_the_same_site(tmp_path: Path, monkeypatch) -> None:
    """Workers that exit after one task each, replaced by fresh forks, build exactly the
    site one process builds."""
    from multiprocessing.context import ForkProcess

    from timeline import output
    monkeypatch.setattr(output, "PARALLEL_MIN", 1)
    monkeypatch.setattr(output, "WORKER_TASKS", 1)
    forks = []
    start = ForkProcess.start
    monkeypatch.setattr(ForkProcess, "start", lambda proc: (forks.append(proc), start(proc))[1])
    build_site(build_data.make_chronology(), tmp_path / "a", base_url=BASE, jobs=1)
    assert forks == []
    # the build process works too: slow it down so that however busy the machine, the
    # workers take tasks (else it may do them all before the first worker has started)
    parent, task = os.getpid(), output._task
    monkeypatch.setattr(output, "_task",
                        lambda t: (time.sleep(0.3) if os.getpid() == parent else None, task(t))[1])
    report = build_site(build_data.make_chronology(), tmp_path / "b", base_url=BASE, jobs=2)
    assert report.written > 0
    assert len(forks) > 2  # one worker per round at a time, each replaced after one task
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_chinese_pages_show_series_descriptions_and_notes_in_chinese(tmp_path: Path) -> None:
    chrono = build_data.make_chronology()
    chrono.series = [{"key": "kling-revenue", "title": "Kling revenue", "title_zh": "可灵收入", "unit": "CNY",
                      "description": "Revenue in a quarter.", "description_zh": "一个季度的收入。"}]
    chrono.observations[0].update(note="Sources differ by rounding.", note_zh="各来源的数字因取整而不同。")
    site = tmp_path / "site"
    build_site(chrono, site)
    event = build_data.make_chronology().observations[0]["event"]
    for lang, prefix, shown, hidden in [("en", "", ["Revenue in a quarter.", "Sources differ by rounding."],
                                         ["一个季度的收入。", "各来源的数字因取整而不同。"]),
                                        ("zh", "zh/", ["一个季度的收入。", "各来源的数字因取整而不同。"],
                                         ["Revenue in a quarter.", "Sources differ by rounding."])]:
        charts = (site / prefix / "charts/index.html").read_text(encoding="utf-8")
        page = (site / prefix / f"events/{event}/index.html").read_text(encoding="utf-8")
        assert all(text in charts for text in shown) and not any(text in charts for text in hidden), lang
        assert shown[1] in page and hidden[1] not in page, lang
        # the text is in the page's language: no lang attribute marks it as another
        assert f'lang="en">{shown[0]}' not in charts and f'lang="zh">{shown[0]}' not in charts
    # a note written only in English is shown on the Chinese pages as written, marked English
    chrono.observations[0]["note_zh"] = None
    build_site(chrono, site)
    assert 'lang="en">Sources differ by rounding.' in (site / "zh/charts/index.html").read_text(encoding="utf-8")


def test_previous_and_next_follow_the_order_the_list_pages_show(tmp_path: Path) -> None:
    """A span (Q2 2025: April to June) is listed after April's own events, so walking
    "next" from the first event visits the events in the order of the year pages, and
    "previous" walks it back."""
    site = tmp_path / "site"
    build_site(build_data.make_chronology(), site)
    listed = [slug for year in sorted(p.name for p in (site / "years").iterdir())
              for slug in re.findall(r'<article[^>]* data-e="([^"]+)"',
                                     (site / "years" / year / "index.html").read_text(encoding="utf-8"))]
    assert listed.index("kling-2-0-launch") < listed.index("kling-q2-revenue")  # what makes it matter

    def walk(slug: str, rel: str) -> list[str]:
        seen = [slug]
        while m := re.search(rf'<a href="/events/([^/]+)/" rel="{rel}"',
                             (site / "events" / seen[-1] / "index.html").read_text(encoding="utf-8")):
            seen.append(m.group(1))
        return seen
    assert walk(listed[0], "next") == listed
    assert walk(listed[-1], "prev") == listed[::-1]
