"""Write a planned site into its folder: incrementally, atomically, in parallel.

The site lives in two trees: the live output folder and a hidden sibling spare
(`.<name>.timeline-spare`). Each holds a manifest, `.timeline-manifest.json`, mapping
every file it holds to (key of the page's inputs, digest of its bytes). Invariant: where
the two manifests agree on a path, the two trees share that file (one inode, by hard
link).

A first build writes every page into the spare and renames it to the output folder; it
makes no second tree (a build for publishing, into a temporary folder, never needs one).
A later build:
1. returns at once if every page's key equals the live manifest's (nothing changed),
   after making the spare by hard links if there is none yet;
2. deletes the spare's manifest (from here on the spare is "dirty": a build killed now
   leaves the live site untouched, and the next build starts a fresh spare);
3. renders the pages whose key changed (in worker processes when there are many), and
   for each writes the new bytes into the spare, or, when the bytes equal the live
   file's, hard-links the live file (the page was not rewritten);
4. links into the spare every unchanged live file it does not already share, deletes
   the spare's files that are no longer part of the site;
5. writes the spare's manifest and swaps the two folders with one
   renameat2(RENAME_EXCHANGE), so readers see the old site or the new one, never a mix.
Files the build does not own at the top of the live folder (.git, CNAME, .nojekyll)
are carried over by hard link.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import gc
import hashlib
import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from timeline.errors import BuildError
from timeline.fragments import Joined

if TYPE_CHECKING:
    from timeline.build import BuildReport, Page, Site

MANIFEST = ".timeline-manifest.json"
PARALLEL_MIN = 400  # pages: below this, forking workers costs more than it saves
# rendered in the second round, costliest first: they join what the first round stored
# (cards, pieces) or read events from all over the chronology
SECOND_ROUND = ("export", "ics", "sources", "home", "listing")
TASK_EVENTS = 500  # events in one worker task (search.CHUNK: a search chunk's pages go along)
# tasks a forked worker runs before it exits and a fresh one is forked (see _run_round)
WORKER_TASKS = 12

_STATE: dict = {}


def spare_dir(out_dir: Path) -> Path:
    return out_dir.parent / f".{out_dir.name}.timeline-spare"


def read_manifest(tree: Path) -> dict[str, tuple[str, str]] | None:
    """{path: (key, digest)}. Format 2 keeps the paths, keys and digests as three JSON
    strings of lines (parsed with str.split, ten times faster than 21,000 small lists);
    format 1 (an object of lists) is still read."""
    try:
        data = json.loads((tree / MANIFEST).read_text("utf-8"))
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    if data.get("format") == 2:
        try:
            paths, keys, digests = (data[k].split("\n") if data[k] else [] for k in ("paths", "keys", "digests"))
        except (KeyError, AttributeError):
            return None
        if not len(paths) == len(keys) == len(digests):
            return None
        return dict(zip(paths, zip(keys, digests)))
    files = data.get("files")
    if not isinstance(files, dict) or not all(isinstance(v, list) and len(v) == 2 for v in files.values()):
        return None
    return {p: tuple(v) for p, v in files.items()}


def _write_manifest(tree: Path, files: dict[str, tuple[str, str]]) -> None:
    items = sorted(files.items())
    if any("\n" in p for p, _ in items):
        text = json.dumps({"format": 1, "files": dict(items)}, ensure_ascii=False, separators=(",", ":"))
    else:
        text = json.dumps({"format": 2, "paths": "\n".join([p for p, _ in items]),
                           "keys": "\n".join([v[0] for _, v in items]),
                           "digests": "\n".join([v[1] for _, v in items])},
                          ensure_ascii=False, separators=(",", ":"))
    (tree / MANIFEST).write_text(text + "\n", "utf-8")


def _check_target(out_dir: Path) -> None:
    cwd = Path.cwd().resolve()
    real = out_dir.resolve()
    if real == Path(real.anchor) or real == cwd or real in cwd.parents:
        raise BuildError(f"refusing to build into {out_dir}: it holds the current folder; "
                         "choose an output folder such as ./site")
    if out_dir.exists() and not out_dir.is_dir():
        raise BuildError(f"{out_dir} exists and is not a folder")
    for parent in out_dir.parents:  # (mkdir would say only "File exists")
        if parent.exists():
            if not parent.is_dir():
                raise BuildError(f"cannot build into {out_dir}: {parent} is a file, not a folder")
            break


# ---------------------------------------------------------------- file operations

def _digest_of(data: "bytes | Joined") -> str:
    """What identifies a page's bytes: their digest, or a Joined page's identity."""
    if isinstance(data, Joined):
        return data.identity()
    return hashlib.sha256(data).hexdigest()[:32]  # sha256: the CPU's SHA instructions make it the fastest here


def _write_new(path: str, data, base: tuple | None = None) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    if not isinstance(data, bytes):
        if base is not None and _patched(fd, data, base):
            os.close(fd)
            return
        with open(fd, "wb", buffering=1 << 20) as f:
            for part in data:
                f.write(part)
        return
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _patched(fd: int, page: Joined, base: tuple[str, str, tuple]) -> bool:
    """Write a Joined page into the new file `fd` from the live page it differs from in a
    few pieces (base: its path, its digest in the live manifest, and the inode, size,
    modification and change times it had when the last build wrote it: a file edited
    since is joined again, whatever time it was given back), copying the rest in the
    kernel (Joined.patch); False, having written nothing, when that cannot be done."""
    try:
        old = os.open(base[0], os.O_RDONLY)
    except OSError:
        return False
    try:
        st = os.fstat(old)
        if (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns) != tuple(base[2]):
            return False
        ops = page.patch(old, base[1])
        if ops is None:
            return False
        for op in ops:
            if isinstance(op, bytes):
                view = memoryview(op)
                while view:
                    view = view[os.write(fd, view):]
            else:
                off, left = op
                while left:
                    copied = os.copy_file_range(old, fd, left, off)
                    if not copied:
                        raise OSError("copy_file_range copied nothing")
                    off, left = off + copied, left - copied
        return True
    except OSError:  # (a filesystem without copy_file_range): write the page whole
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        return False
    finally:
        os.close(old)


def _create(path: str, data, base: tuple | None = None) -> None:
    """Write a new file; a file already there is replaced (never written through)."""
    try:
        _write_new(path, data, base)
    except FileExistsError:
        _put(path, data, base=base)


def _put(path: str, data, src: str | None = None, base: tuple | None = None) -> None:
    """Replace `path` (never writing through a shared inode) with data or a link to src."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        shutil.rmtree(path)
    if src is not None:
        os.link(src, path)
        return
    _write_new(path, data, base)


def _try_link(target: str, src: str) -> bool:
    """Link src to target; False if src has gone (someone deleted a file of the site)."""
    try:
        _put(target, None, src)
        return True
    except FileNotFoundError:
        return False


def _ensure_dir(staging: str, rel: str, dirs: set[str]) -> None:
    # rpartition: os.path.dirname for the router's relative paths, at a fraction of the
    # cost (this runs for every page)
    d = rel.rpartition("/")[0]
    if d and d not in dirs:
        if d.rpartition("/")[0] in dirs or "/" not in d:
            try:  # the parent exists (made before the workers started): one mkdir
                os.mkdir(os.path.join(staging, d))
            except FileExistsError:
                pass
            dirs.add(d)
            return
        os.makedirs(os.path.join(staging, d), exist_ok=True)
        while d and d not in dirs:
            dirs.add(d)
            d = os.path.dirname(d)


def _make_parents(tree: str, paths, dirs: set[str]) -> None:
    """Make, in sorted order with one mkdir each, every folder that holds another folder of
    `paths`; each page's own folder is then made by whoever writes the page."""
    need: set[str] = set()
    for p in paths:
        d = p.rpartition("/")[0].rpartition("/")[0]  # the folder holding the page's folder
        while d and d not in need:
            need.add(d)
            d = d.rpartition("/")[0]
    need -= dirs
    for d in sorted(need):
        try:
            os.mkdir(os.path.join(tree, d))
        except FileExistsError:
            pass
    dirs |= need


def _render_chunk(indices: list[int]) -> list[tuple[int, str, bool]]:
    """Render pages, put them into the spare; (index, digest, written?) for each."""
    site: Site = _STATE["site"]
    pages: list[Page] = _STATE["pages"]
    staging, live, live_man, dirs = _STATE["staging"], _STATE["live"], _STATE["live_man"], _STATE["dirs"]
    put = _create if _STATE.get("fresh") else _put
    join = os.path.join
    out = []
    for n in indices:
        page = pages[n]
        data = site.render(page)
        digest = _digest_of(data)
        old = live_man.get(page.path)
        _ensure_dir(staging, page.path, dirs)
        target = join(staging, page.path)
        if old is not None and old[1] == digest and _try_link(target, join(live, page.path)):
            out.append((n, digest, False))
        else:
            written = site.written_files.get(page.path)   # (see _patched)
            put(target, data, base=(join(live, page.path), old[1], written)
                if old and written and isinstance(data, Joined) else None)
            out.append((n, digest, True))
    return out


def _events_chunk(items: list[tuple[int, list[int], list[str]]]) -> list[tuple[int, str, bool]]:
    """Per event: its pages, the cards list pages will need and its parts of the
    whole-site files, all from the event at hand (its view is built once)."""
    site: Site = _STATE["site"]
    done = []
    for i, numbers, card_langs in items:
        done += _render_chunk(numbers)
        for lang in card_langs:
            site.card(i, lang)
        site.store_pieces(i)
        site.forget()
    return done


def _task(task: tuple[list, list[int]]):
    """One unit of work: a run of events (see _events_chunk) and pages. Returns what was
    written, and the pieces this process stored since its last task (for adopt())."""
    items, numbers = task
    done = _events_chunk(items) + _render_chunk(numbers)
    return done, _STATE["site"].fragments.drain()


# ---------------------------------------------------------------- swapping folders

@functools.cache
def _libc():
    """The C library's functions (the program's own symbols: no library search)."""
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _libc_renameat2():
    fn = getattr(_libc(), "renameat2", None)
    if fn is not None:
        fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn


def exchange(a: Path, b: Path) -> None:
    """Swap two folders in one step (Linux renameat2); else by three renames."""
    fn = _libc_renameat2()
    if fn is not None:
        AT_FDCWD, RENAME_EXCHANGE = -100, 2
        if fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
            return
        err = ctypes.get_errno()
        if err not in (errno.EINVAL, errno.ENOSYS, errno.EXDEV, errno.ENOTSUP):
            raise OSError(err, os.strerror(err), str(a))
    tmp = a.with_name(a.name + ".timeline-swap")
    os.rename(a, tmp)
    os.rename(b, a)
    os.rename(tmp, b)


def _recover(out_dir: Path, spare: Path) -> None:
    """Finish or undo a three-rename swap that was interrupted."""
    tmp = out_dir.with_name(out_dir.name + ".timeline-swap")
    if tmp.exists():
        if not out_dir.exists():
            os.rename(tmp, out_dir)
        else:
            shutil.rmtree(tmp)


def _clone(live: Path, spare: Path, files: dict[str, tuple[str, str]]) -> None:
    """Make the spare a hard-link copy of the live tree (after a first build)."""
    spare.mkdir()
    dirs = sorted({os.path.dirname(p) for p in files} - {""})
    for d in dirs:
        os.makedirs(spare / d, exist_ok=True)
    paths = list(files)
    gone: list[str] = []

    def link(chunk: list[str]) -> None:
        for p in chunk:
            try:
                os.link(live / p, spare / p)
            except FileNotFoundError:  # deleted by hand: the next build that writes puts it back
                gone.append(p)
    from concurrent.futures import ThreadPoolExecutor  # (here: a rebuild that links nothing needs none)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(link, [paths[i:i + 2000] for i in range(0, len(paths), 2000)]))
    missing = set(gone)
    _write_manifest(spare, {p: v for p, v in files.items() if p not in missing})


# ---------------------------------------------------------------- the build

def site_folder(out_dir: Path) -> Path:
    """The folder a build writes: `out_dir` made absolute, and when it is a symlink (to the
    folder a web server serves), the folder it points to. The swap then happens beside
    that folder, and the link keeps pointing at the live site."""
    out_dir = Path(os.path.abspath(out_dir))
    return Path(os.path.realpath(out_dir)) if out_dir.is_symlink() else out_dir


@contextlib.contextmanager
def locked(out_dir: Path):
    """Hold the build lock of `out_dir`: one build at a time writes a site, its spare and
    its fragment store. Yields the folder's absolute path."""
    out_dir = site_folder(out_dir)
    _check_target(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    lock = os.open(out_dir.parent, os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield out_dir
    finally:
        os.close(lock)


def write_site(site: "Site", pages: list["Page"], out_dir: Path, *, jobs: int | None = None,
               progress: Callable[[int, int], None] | None = None, complete: bool = True) -> "BuildReport":
    """Bring `out_dir` up to date with `pages` (the caller holds locked(out_dir)).

    `complete=False`: `pages` are only those that may have changed (Site.plan_showing);
    every other file of the live site stays. When the live site's manifest does not list
    each of them, every page is planned (site.plan()) after all."""
    from timeline.build import BuildReport
    out_dir = Path(os.path.abspath(out_dir))
    first = not out_dir.exists()
    try:
        return _write_locked(site, pages, out_dir, jobs, progress, BuildReport(out_dir), complete)
    except BaseException:
        if first and not out_dir.exists():  # a failed first build leaves nothing behind
            shutil.rmtree(spare_dir(out_dir), ignore_errors=True)
        raise


def _write_locked(site, pages, out_dir, jobs, progress, report, complete):
    spare = spare_dir(out_dir)
    _recover(out_dir, spare)
    live_exists = out_dir.is_dir()
    live_man = (read_manifest(out_dir) or {}) if live_exists else {}
    if not complete and not (live_man and all(p.path in live_man for p in pages)):
        pages, complete = site.plan(), True
    report.pages = len(pages) if complete else len(live_man)
    t0 = time.perf_counter()
    keys = [p.key.hex() for p in pages]
    if live_exists and (len(live_man) == len(pages) or not complete) and all(
            live_man.get(p.path, ("",))[0] == k for p, k in zip(pages, keys)):
        report.unchanged = report.pages
        if not (spare / MANIFEST).is_file():
            shutil.rmtree(spare, ignore_errors=True)
            _clone(out_dir, spare, live_man)
        return report

    spare_man = read_manifest(spare) if spare.is_dir() else None
    if spare_man is None:
        shutil.rmtree(spare, ignore_errors=True)
        spare.mkdir()
        spare_man = {}
    else:
        os.unlink(spare / MANIFEST)       # dirty from here until the new manifest is written
    staging = str(spare)
    new_man: dict[str, tuple[str, str]] = {} if complete else dict(live_man)
    todo: list[int] = []
    links: list[str] = []
    for n, (p, k) in enumerate(zip(pages, keys)):
        old = live_man.get(p.path)
        if old is not None and old[0] == k:
            new_man[p.path] = old
            if spare_man.get(p.path) != old:
                links.append(p.path)
        else:
            todo.append(n)
    if not complete:  # the pages not planned are the live site's: the spare catches up
        planned = {p.path for p in pages}
        links += [path for path, old in live_man.items() if path not in planned and spare_man.get(path) != old]
    dirs: set[str] = set()  # folders known to exist in the spare (filled as they are made)
    report.phases["manifest"] = time.perf_counter() - t0

    # 1. render what changed
    _make_parents(staging, [pages[n].path for n in todo], dirs)
    _STATE.update(site=site, pages=pages, staging=staging, live=str(out_dir), fresh=not spare_man,
                  live_man=live_man, dirs=dirs)
    try:
        workers = jobs if jobs is not None else min(os.cpu_count() or 1, 4)
        parallel = workers > 1 and len(todo) >= PARALLEL_MIN
        t0 = time.perf_counter()
        results = _render_all(site, pages, todo, workers if parallel else 1, progress, report.phases)
        report.phases["render"] = time.perf_counter() - t0
    finally:
        _STATE.clear()
    for n, digest, written in results:
        new_man[pages[n].path] = (keys[n], digest)
        if written:
            report.written += 1
            report.written_paths.append(pages[n].path)
    report.unchanged = report.pages - report.written

    # 2. share unchanged files, drop removed ones, carry foreign files over
    by_path = {p.path: p for p in pages}
    for path in links:
        _ensure_dir(staging, path, dirs)
        if not _try_link(os.path.join(staging, path), str(out_dir / path)):
            if path not in by_path:  # (not planned: plan it)
                by_path = {p.path: p for p in site.plan()}
            data = site.render(by_path[path])  # deleted by hand: write it again
            _put(os.path.join(staging, path), data)
            new_man[path] = (new_man[path][0], _digest_of(data))
    for path in spare_man.keys() - new_man.keys():
        _remove(spare, path)
    report.removed = len(live_man.keys() - new_man.keys())
    if live_exists:
        _carry_foreign(out_dir, spare, live_man, new_man)

    # 3. commit
    t0 = time.perf_counter()
    _write_manifest(spare, new_man)
    if live_exists:
        exchange(out_dir, spare)
    else:  # a first build: the next build makes the spare (publish's builds never need one)
        os.rename(spare, out_dir)
    report.phases["commit"] = time.perf_counter() - t0
    report.written_paths.sort()
    return report


def _parents(path: str):
    d = os.path.dirname(path)
    while d:
        yield d
        d = os.path.dirname(d)


def _render_all(site, pages, todo, workers, progress, phases):
    """Render the pages of `todo` in two rounds of tasks. Round one: runs of events (each
    event's pages, the cards list pages will need, its parts of events.json and
    calendar.ics; the search chunks of the run go along), then the small pages that read
    few events. Round two, when every card and piece is stored: the list pages, which join
    cards; events.json and calendar.ics, which join pieces; the sources pages."""
    total, out = len(todo), []

    def advance(results):
        out.extend(results)
        if progress:
            progress(len(out), total)

    if workers > 1:
        site.before_fork()  # what every worker would otherwise load for itself
    first, rest = _plan_tasks(site, pages, todo, workers)
    t0 = time.perf_counter()
    for round_ in (first, rest):
        _run_round(site, round_, workers, advance)
        phases.setdefault("first round", time.perf_counter() - t0)
    return sorted(out)


def _run_round(site, tasks: list, workers: int, advance) -> None:
    """Run `tasks` in this process and in `workers` - 1 forked ones, each taking the next
    task from a shared counter until none is left; a worker sends what each task did,
    and the pieces it stored, through a queue, and this process adopts them
    (FragmentStore.drain/adopt).

    This process works rather than waits, so the build takes one process fewer: every
    forked worker copies the memory of the objects it reads (reading a Python object
    writes its reference count). For the same reason a worker exits after WORKER_TASKS
    tasks and a fresh one is forked while tasks remain: the pages that it or this
    process touched since the fork are copies, and a new fork shares them all again.
    At 100,000 events these two took the build's memory, all processes together, from
    1,161 to 872 MB. A worker that dies is noticed (its exit code) rather than waited for."""
    def take(result) -> None:
        done, pieces = result
        site.fragments.adopt(pieces)
        advance(done)

    helpers = min(workers, len(tasks)) - 1
    if helpers < 1:
        for task in tasks:
            take(_task(task))
        return
    import multiprocessing  # (here: a build too small to fork needs none)
    ctx = multiprocessing.get_context("fork")
    _libc()  # loaded before forking, so that each worker need not load it
    counter, results = ctx.Value("q", 0), ctx.Queue()
    procs: list = []

    def start() -> None:
        site.fragments.flush()   # a worker must not inherit (and write out) a half-full buffer
        proc = ctx.Process(target=_helper, args=(tasks, counter, results, os.getpid(), WORKER_TASKS),
                           daemon=True)
        proc.start()
        procs.append(proc)

    def ended() -> bool:
        """A worker has stopped: fork its successor if tasks remain (True if so)."""
        if counter.value < len(tasks):
            start()
            return True
        return False

    try:
        for _ in range(helpers):
            start()
        running = helpers
        while (k := _next_task(counter, len(tasks))) is not None:
            take(_task(tasks[k]))
            running = _receive(results, procs, running, take, ended, wait=False)
        while running:
            running = _receive(results, procs, running, take, ended, wait=True)
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.kill()
            proc.join()


def _next_task(counter, count: int) -> int | None:
    with counter.get_lock():
        k = counter.value
        if k >= count:
            return None
        counter.value = k + 1
    return k


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this worker when the process that forked it dies (Linux's
    PR_SET_PDEATHSIG). A build killed by SIGKILL or SIGTERM gets no chance to stop its
    workers, and a worker left behind would wait for ever to put its results in a queue
    no one reads. A parent that died before this call is noticed by its pid."""
    prctl = getattr(_libc(), "prctl", None)
    if prctl is not None:
        PR_SET_PDEATHSIG = 1
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def _helper(tasks: list, counter, results, parent: int, limit: int) -> None:
    """A forked worker: up to `limit` tasks, until none is left (or the build that forked
    it is gone)."""
    die_with_parent(parent)
    gc.disable()
    try:
        for _ in range(limit):
            if os.getppid() != parent or (k := _next_task(counter, len(tasks))) is None:
                break
            results.put(("done", _task(tasks[k])))
        results.put(("end", None))
    except BaseException as e:  # the build raises it (a BuildError names the template)
        import pickle
        try:
            pickle.dumps(e)
        except Exception:
            e = BuildError(f"{type(e).__name__}: {e}")
        results.put(("error", e))


def _receive(results, procs, running: int, take, ended, *, wait: bool) -> int:
    """Take what the workers sent: everything there is, or (wait) at least one message.
    A worker that ends is replaced when ended() says so. Returns how many workers are
    still running."""
    import queue
    while running:
        try:
            kind, value = results.get(timeout=1.0) if wait else results.get_nowait()
        except queue.Empty:
            if not wait:
                return running
            stopped = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
            if stopped:
                raise BuildError(f"a build worker stopped unexpectedly (exit code {stopped[0]})") from None
            continue
        if kind == "error":
            raise value
        if kind == "end":
            if not ended():
                running -= 1
        else:
            take(value)
        if wait:
            return running
    return running


def _plan_tasks(site, pages, todo, workers) -> tuple[list, list]:
    """The two rounds of _render_all as lists of (event items, page numbers) tasks."""
    # a task renders a run of `size` events (a search chunk's 500, fewer for a small site,
    # so that each worker gets several tasks) and the pages that read only those events
    size = TASK_EVENTS
    while size > 10 and len(site.events) < size * workers * 4:
        size //= 2
    second: list[int] = []
    small: list[int] = []
    runs: dict[int, tuple[list, list[int]]] = {}   # run number -> (event items, pages)
    pages_of: dict[int, list[int]] = {}            # event -> its pages to render
    for n in todo:
        page = pages[n]
        kind = page.kind
        if kind == "event":
            i = page.args[1]
            numbers = pages_of.get(i)
            if numbers is None:
                pages_of[i] = [n]
            else:
                numbers.append(n)
        elif kind in SECOND_ROUND:
            second.append(n)
        else:
            read = site.events_read(page)
            if read:
                k = read[0] // size
                if k not in runs:
                    runs[k] = ([], [])
                runs[k][1].append(n)
            else:
                small.append(n)
    second.sort(key=lambda n: (SECOND_ROUND.index(pages[n].kind), n))  # costliest first
    # the cards the second round's pages show, one flag per event and language
    wanted = {lang: bytearray(len(site.events)) for lang in site.langs}
    for n in second:
        for lang, idx in site.cards_for(pages[n]):
            flags = wanted[lang]
            for i in idx:
                flags[i] = 1
    for i in sorted(pages_of.keys() | {i for flags in wanted.values() for i in _flagged(flags)}):
        langs = [lang for lang, flags in wanted.items() if flags[i] and not site.has_card(i, lang)]
        numbers = pages_of.get(i, [])
        if numbers or langs:
            k = i // size
            if k not in runs:
                runs[k] = ([], [])
            runs[k][0].append((i, numbers, langs))
    first = [runs[k] for k in sorted(runs)]
    first += [([], small[i:i + 20]) for i in range(0, len(small), 20)]
    step = max(1, min(50, len(second) // (workers * 16)))
    rest = [([], second[i:i + step]) for i in range(0, len(second), step)]
    return first, rest


def _flagged(flags: bytearray):
    """The positions of the set flags."""
    i = flags.find(1)
    while i >= 0:
        yield i
        i = flags.find(1, i + 1)


def _remove(tree: Path, path: str) -> None:
    try:
        os.unlink(tree / path)
    except FileNotFoundError:
        return
    for d in _parents(path):
        try:
            os.rmdir(tree / d)
        except OSError:
            break


def _carry_foreign(live: Path, spare: Path, live_man: dict, new_man: dict) -> None:
    """Top-level entries of the live folder that no build wrote (.git, CNAME, .nojekyll):
    neither the last build (its manifest, when it can be read) nor this one."""
    ours = {p.split("/", 1)[0] for p in live_man} | {p.split("/", 1)[0] for p in new_man} | {MANIFEST}
    for entry in os.scandir(live):
        if entry.name in ours:
            continue
        target = spare / entry.name
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(entry.path, target, symlinks=True, copy_function=os.link)
        elif entry.is_symlink():  # the link itself, as it was written (never followed)
            where = os.readlink(entry.path)
            if not (target.is_symlink() and os.readlink(target) == where):
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                elif target.is_symlink() or target.exists():
                    target.unlink()
                os.symlink(where, target)
        else:
            try:
                if target.stat().st_ino == entry.inode():
                    continue
            except FileNotFoundError:
                pass
            _put(str(target), None, entry.path)


# ---------------------------------------------------------------- progress

class ProgressBar:
    """A one-line progress bar on stderr, shown only once a build has run for a second,
    and only on a terminal (`interactive` None: when the stream is one): in a log file
    or CI output the redrawn line would only be noise before the summary."""

    def __init__(self, stream=None, delay: float = 1.0, interactive: bool | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.delay, self.start, self.shown = delay, time.perf_counter(), False
        self.open = False   # a line is shown and not yet ended
        self.interactive = self.stream.isatty() if interactive is None else interactive

    def __call__(self, done: int, total: int) -> None:
        if not self.interactive:
            return
        if not self.shown and time.perf_counter() - self.start < self.delay:
            return
        self.shown = True
        width = 30
        filled = width * done // max(total, 1)
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} pages")
        self.open = done < total
        if not self.open:
            self.stream.write("\n")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line (a build that stops half way), so an error starts its own."""
        if self.open:
            self.stream.write("\n")
            self.stream.flush()
            self.open = False
