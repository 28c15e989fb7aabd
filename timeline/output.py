"""Write a planned site into its folder: incrementally, atomically, in parallel.

The site lives in two trees: the live output folder and a hidden sibling spare
(`.<name>.timeline-spare`). Each holds a manifest, `.timeline-manifest.json`, mapping
every file it holds to (key of the page's inputs, digest of its bytes). Invariant: where
the two manifests agree on a path, the two trees share that file (one inode, by hard
link).

A build:
1. returns at once if every page's key equals the live manifest's (nothing changed);
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

import array
import ctypes
import ctypes.util
import errno
import fcntl
import gc
import hashlib
import json
import multiprocessing
import marshal
import os
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from timeline.errors import BuildError

if TYPE_CHECKING:
    from timeline.build import BuildReport, Page, Site

MANIFEST = ".timeline-manifest.json"
PARALLEL_MIN = 400
SERIAL_KINDS = ("ics", "export")  # pages: below this, forking workers costs more than it saves

_STATE: dict = {}


def spare_dir(out_dir: Path) -> Path:
    return out_dir.parent / f".{out_dir.name}.timeline-spare"


def cache_file(out_dir: Path) -> Path:
    """Where the build keeps per-event fragments between builds (see build.Fragments)."""
    out_dir = Path(os.path.abspath(out_dir))
    return out_dir.parent / f".{out_dir.name}.timeline-cache"


def read_manifest(tree: Path) -> dict[str, list[str]] | None:
    """{path: [key, digest]}. Format 2 keeps the paths, keys and digests as three JSON
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
        return {p: [k, d] for p, k, d in zip(paths, keys, digests)}
    return data.get("files")


def _write_manifest(tree: Path, files: dict[str, list[str]]) -> None:
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


# ---------------------------------------------------------------- file operations

def _create(path: str, data: bytes) -> None:
    """Write a new file; a file already there is replaced (never written through)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        _put(path, data)
        return
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _put(path: str, data: bytes | None, src: str | None = None) -> None:
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
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _try_link(target: str, src: str) -> bool:
    """Link src to target; False if src has gone (someone deleted a file of the site)."""
    try:
        _put(target, None, src)
        return True
    except FileNotFoundError:
        return False


def _ensure_dir(staging: str, rel: str, dirs: set[str]) -> None:
    d = os.path.dirname(rel)
    if d and d not in dirs:
        if os.path.dirname(d) in dirs or "/" not in d:
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
    need = {d for p in paths for d in _parents(os.path.dirname(p))} - dirs
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
    twin, twin_dirs = _STATE.get("twin"), _STATE.get("twin_dirs")
    put = _create if _STATE.get("fresh") else _put
    join = os.path.join
    out = []
    for n in indices:
        page = pages[n]
        data = site.render(page)
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        old = live_man.get(page.path)
        _ensure_dir(staging, page.path, dirs)
        target = join(staging, page.path)
        if old is not None and old[1] == digest and _try_link(target, join(live, page.path)):
            out.append((n, digest, False))
        else:
            put(target, data)
            out.append((n, digest, True))
        if twin is not None:  # first build: the spare is made here, in parallel
            _ensure_dir(twin, page.path, twin_dirs)
            os.link(target, join(twin, page.path))
    if _STATE.get("worker"):
        site.forget()
    return out


def _cards_chunk(items: list[tuple[int, str]]) -> list[tuple[int, str, str]]:
    site: Site = _STATE["site"]
    out = [(i, lang, str(site.card(i, lang))) for i, lang in items]
    site.forget()
    return out


# ---------------------------------------------------------------- swapping folders

def _libc_renameat2():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
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


def _clone(live: Path, spare: Path, files: dict[str, list[str]]) -> None:
    """Make the spare a hard-link copy of the live tree (after a first build)."""
    spare.mkdir()
    dirs = sorted({os.path.dirname(p) for p in files} - {""})
    for d in dirs:
        os.makedirs(spare / d, exist_ok=True)
    paths = list(files)

    def link(chunk: list[str]) -> None:
        for p in chunk:
            os.link(live / p, spare / p)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(link, [paths[i:i + 2000] for i in range(0, len(paths), 2000)]))
    _write_manifest(spare, files)


# ---------------------------------------------------------------- the build

def write_site(site: "Site", pages: list["Page"], out_dir: Path, *, jobs: int | None = None,
               progress: Callable[[int, int], None] | None = None) -> "BuildReport":
    from timeline.build import BuildReport

    out_dir = Path(os.path.abspath(out_dir))
    _check_target(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    lock = os.open(out_dir.parent, os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _write_locked(site, pages, out_dir, jobs, progress, BuildReport(out_dir))
    finally:
        os.close(lock)


def _write_locked(site, pages, out_dir, jobs, progress, report):
    spare = spare_dir(out_dir)
    _recover(out_dir, spare)
    live_exists = out_dir.is_dir()
    live_man = (read_manifest(out_dir) or {}) if live_exists else {}
    report.pages = len(pages)
    keys = [p.key.hex() for p in pages]
    if live_exists and len(live_man) == len(pages) and all(
            live_man.get(p.path, ("",))[0] == k for p, k in zip(pages, keys)):
        report.unchanged = len(pages)
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
    new_man: dict[str, list[str]] = {}
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
    dirs: set[str] = set()  # folders known to exist in the spare (filled as they are made)

    # 1. render what changed: cards first (shared by list pages), then pages
    twin = None
    if not live_exists:
        twin = out_dir.parent / f".{out_dir.name}.timeline-twin"
        shutil.rmtree(twin, ignore_errors=True)
        twin.mkdir()
    todo_paths = [pages[n].path for n in todo]
    _make_parents(staging, todo_paths, dirs)
    twin_dirs: set[str] = set()
    if twin is not None:
        _make_parents(str(twin), todo_paths, twin_dirs)
    _STATE.update(site=site, pages=pages, staging=staging, live=str(out_dir), fresh=not spare_man,
                  live_man=live_man, dirs=dirs, twin=str(twin) if twin else None, twin_dirs=twin_dirs)
    try:
        workers = jobs if jobs is not None else min(os.cpu_count() or 1, 4)
        parallel = workers > 1 and len(todo) >= PARALLEL_MIN
        t0 = time.perf_counter()
        results = _render_all(site, pages, todo, workers if parallel else 1, progress)
        report.phases["render"] = time.perf_counter() - t0
    finally:
        _STATE.clear()
    for n, digest, written in results:
        new_man[pages[n].path] = [keys[n], digest]
        if written:
            report.written += 1
            report.written_paths.append(pages[n].path)
    report.unchanged = len(pages) - report.written

    # 2. share unchanged files, drop removed ones, carry foreign files over
    by_path = {p.path: n for n, p in enumerate(pages)}
    for path in links:
        _ensure_dir(staging, path, dirs)
        if not _try_link(os.path.join(staging, path), str(out_dir / path)):
            data = site.render(pages[by_path[path]])  # deleted by hand: write it again
            _put(os.path.join(staging, path), data)
            new_man[path] = [new_man[path][0], hashlib.blake2b(data, digest_size=16).hexdigest()]
    for path in spare_man.keys() - new_man.keys():
        _remove(spare, path)
    report.removed = len(live_man.keys() - new_man.keys())
    if live_exists:
        _carry_foreign(out_dir, spare, live_man)

    # 3. commit
    t0 = time.perf_counter()
    _write_manifest(spare, new_man)
    if live_exists:
        exchange(out_dir, spare)
    else:
        _write_manifest(twin, new_man)
        os.rename(spare, out_dir)
        os.rename(twin, spare)
    report.phases["commit"] = time.perf_counter() - t0
    report.written_paths.sort()
    return report


def _parents(path: str):
    d = os.path.dirname(path)
    while d:
        yield d
        d = os.path.dirname(d)


def _render_all(site, pages, todo, workers, progress):
    total = len(todo)
    if workers <= 1:
        out = []
        for start in range(0, total, 200):
            out += _render_chunk(todo[start:start + 200])
            if progress:
                progress(len(out), total)
        return out
    # pages built from per-event fragments render here, so the fragment cache sees them
    serial = [n for n in todo if pages[n].kind in SERIAL_KINDS]
    out = _render_chunk(serial) if serial else []
    todo = [n for n in todo if pages[n].kind not in SERIAL_KINDS]
    ctx = multiprocessing.get_context("fork")
    # Forked workers share the parent's memory until they write to it; keep the collector
    # from walking (and so copying) every object the parent holds.
    gc.collect()
    gc.freeze()
    # cards are shown on several list pages: render each once, in parallel, keep them here
    need = sorted({(i, lang) for n in todo for i, lang in site.cards_for(pages[n])})
    need = [(i, lang) for i, lang in need if not site.has_card(i, lang)]
    if need:
        with ctx.Pool(workers, initializer=gc.disable) as pool:
            for chunk in pool.imap(_cards_chunk, [need[i:i + 500] for i in range(0, len(need), 500)]):
                for i, lang, html in chunk:
                    site.add_card(i, lang, html)
    size = max(50, min(500, total // (workers * 8) or 50))
    _STATE["worker"] = True  # seen by the forked workers only
    with ctx.Pool(workers, initializer=gc.disable) as pool:
        for chunk in pool.imap_unordered(_render_chunk, [todo[i:i + size] for i in range(0, len(todo), size)]):
            out += chunk
            if progress:
                progress(len(out), total)
    gc.unfreeze()
    out.sort()
    return out


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


def _carry_foreign(live: Path, spare: Path, live_man: dict) -> None:
    """Top-level entries of the live folder that no build wrote (.git, CNAME, .nojekyll)."""
    ours = {p.split("/", 1)[0] for p in live_man} | {MANIFEST}
    for entry in os.scandir(live):
        if entry.name in ours:
            continue
        target = spare / entry.name
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(entry.path, target, symlinks=True, copy_function=os.link)
        else:
            try:
                if target.stat().st_ino == entry.inode():
                    continue
            except FileNotFoundError:
                pass
            _put(str(target), None, entry.path) if not entry.is_symlink() else None


# ---------------------------------------------------------------- caches and progress

class _Packed:
    """The stored fragments as read: per kind, the keys (16 bytes each) in one bytes, the
    end offsets in an array, the values in one blob; a key's index is built on first use,
    a value is a memoryview into the blob (no copy: at 100,000 events the pieces are
    400 MB). Reading 60,000 pieces is three objects a kind."""

    def __init__(self, kinds: dict):
        self.kinds = kinds
        self.index: dict[bytes, dict[bytes, int]] = {}
        self.ends: dict[bytes, array.array] = {}
        self.size = 0
        self.views: dict[bytes, memoryview] = {}
        for kind, (keys, ends, blob) in kinds.items():
            self.views[kind] = memoryview(blob)
            a = array.array("Q")
            a.frombytes(ends)
            if len(keys) != 16 * len(a) or (a and a[-1] != len(blob)):
                raise ValueError("inconsistent cache")
            self.ends[kind] = a
            self.size += len(a)

    def get(self, k: tuple[bytes, bytes]):
        kind, key = k
        idx = self.index.get(kind)
        if idx is None:
            packed = self.kinds.get(kind)
            if packed is None:
                return None
            keys = packed[0]
            idx = self.index[kind] = {keys[i:i + 16]: n for n, i in enumerate(range(0, len(keys), 16))}
        n = idx.get(key)
        if n is None:
            return None
        ends = self.ends[kind]
        return self.views[kind][ends[n - 1] if n else 0:ends[n]]

    def __len__(self) -> int:
        return self.size

    @staticmethod
    def pack(items: dict[tuple[bytes, bytes], bytes]) -> dict:
        kinds: dict[bytes, tuple[list, list]] = {}
        for (kind, key), value in items.items():
            if len(key) != 16:
                raise ValueError("fragment keys are 16-byte digests")
            ks, vs = kinds.setdefault(kind, ([], []))
            ks.append(key)
            vs.append(value)
        out = {}
        for kind, (ks, vs) in kinds.items():
            ends = array.array("Q")
            total = 0
            for v in vs:
                total += len(v)
                ends.append(total)
            out[kind] = (b"".join(ks), ends.tobytes(), b"".join(vs))
        return out


class Fragments:
    """Per-event pieces of the whole-site files (events.json, calendar.ics) and the event
    cards of list pages, kept between builds in a file beside the output folder, keyed by
    the event's digest (16 bytes), so that a change to one event does not re-encode or
    re-render the other 9,999. The file is marshal of a few large bytes objects per kind
    (see _Packed), read only when a piece is first asked for (a build with nothing to
    render never reads it); pages are joined from the pieces as bytes, never decoded.
    Only ever a cache: a missing or unreadable file means everything is computed again."""

    FORMAT = 4

    def __init__(self, path: Path | None, context: bytes):
        self.path, self.context = path, context
        self._old: _Packed | dict | None = None if path is not None else {}
        self.new: dict[tuple[bytes, bytes], bytes] = {}
        self.changed = False

    @property
    def old(self):
        if self._old is None:
            self._old = {}
            try:
                with open(self.path, "rb") as f:
                    data = marshal.load(f)
                if (isinstance(data, dict) and data.get("format") == self.FORMAT
                        and data.get("context") == self.context and isinstance(data.get("kinds"), dict)):
                    self._old = _Packed(data["kinds"])
            except (OSError, EOFError, ValueError, TypeError):
                pass
        return self._old

    def get(self, kind: bytes, key: bytes, make: Callable[[], str]) -> bytes:
        k = (kind, key)
        value = self.new.get(k) or self.old.get(k)
        if value is None:
            value = make().encode("utf-8")
            self.changed = True
        self.new[k] = value
        return value

    def cached(self, kind: bytes, key: bytes) -> bytes | None:
        """The stored piece, if any (kept for the next build)."""
        k = (kind, key)
        value = self.new.get(k) or self.old.get(k)
        if value is not None:
            self.new[k] = value
        return value

    def put(self, kind: bytes, key: bytes, value: str) -> None:
        self.new[(kind, key)] = value.encode("utf-8")
        self.changed = True

    def keep(self, kind: bytes, keys) -> None:
        """Carry stored pieces this build did not use over to the next, for these keys."""
        if not self._old:
            return
        old, new = self._old, self.new
        for key in keys:
            k = (kind, key)
            if k not in new:
                v = old.get(k)
                if v is not None:
                    new[k] = v

    def save(self) -> None:
        if self.path is None or not self.new:
            return
        if not self.changed and self._old is not None and len(self.new) == len(self._old):
            return  # every piece came from the file, and all of them are still used
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "wb") as f:
            marshal.dump({"format": self.FORMAT, "context": self.context,
                          "kinds": _Packed.pack(self.new)}, f)
        os.replace(tmp, self.path)


class ProgressBar:
    """A one-line progress bar on stderr, shown only once a build has run for a second."""

    def __init__(self, stream=sys.stderr, delay: float = 1.0):
        self.stream, self.delay, self.start, self.shown = stream, delay, time.perf_counter(), False

    def __call__(self, done: int, total: int) -> None:
        if not self.shown and time.perf_counter() - self.start < self.delay:
            return
        self.shown = True
        width = 30
        filled = width * done // max(total, 1)
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} pages")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()
