"""Rendered per-event pieces, kept on disk between builds: event cards, each event's
part of events.json and calendar.ics, and its words for the search index.

A piece is stored under (kind, key): the key is the event's 16-byte digest, which already
covers everything the piece shows, so a stored piece is valid for as long as its key is
used; the store as a whole is tied to a context (the build's fingerprint: templates,
options, base URL) and is ignored when that changes.

On disk, beside the output folder, `.<site>.timeline-cache/` holds
- segment files `seg-*.bin`: pieces appended one after another, never rewritten; each
  process that renders (the build and its workers) appends to a segment of its own;
- `index`: for each kind, the keys and where each piece is (segment, offset, length),
  replaced atomically at the end of a build. Segments it does not name are deleted then.

Pieces are read with pread(2) when a page needs them, and the whole-site files are
written piece by piece (Joined), so a build holds an index in memory (about 100 bytes a
piece), not the pieces (several hundred MB at 100,000 events). A change to one event appends its few new pieces and rewrites the index;
nothing else is rewritten. When dead pieces take more than half the segments' space,
or there are more than MAX_SEGMENTS segments, the live ones are copied into one new
segment.

It is only ever a cache: an unreadable index, a missing or short segment, or another
context means the pieces are rendered again.
"""

from __future__ import annotations

import array
import functools
import hashlib
import marshal
import operator
import os
import shutil
import uuid
from pathlib import Path
from typing import Callable

FORMAT = 5
INDEX = "index"
MAX_SEGMENTS = 64
READ_AHEAD = 4 << 20
SHARED_WITH = "snapshot"  # snapshot.py's files, kept in the same folder: left alone
PATCH_PIECES = 64  # more changed pieces in a run, and a Joined page is joined again, not patched
# a piece's location is one int: segment << 72 | offset << 32 | length
_LEN_MASK = (1 << 32) - 1
_OFF_MASK = (1 << 40) - 1


def _loc(seg: int, off: int, length: int) -> int:
    return (seg << 72) | (off << 32) | length


def _unloc(loc: int) -> tuple[int, int, int]:
    return loc >> 72, (loc >> 32) & _OFF_MASK, loc & _LEN_MASK


class FragmentStore:
    """The pieces of one output folder. `path` None keeps them in memory only."""

    def __init__(self, path: Path | None, context: bytes):
        self.path, self.context = path, context
        self.segments: list[str] = []                  # segment file names; index = seg number
        self.live: dict[bytes, dict[bytes, int]] = {}  # kind -> key -> location (this build)
        self.memory: dict[tuple[bytes, bytes], bytes] = {}  # path None: the pieces themselves
        self._old: dict[bytes, tuple[bytes, array.array, array.array, array.array]] | None = None
        self._old_index: dict[bytes, dict[bytes, int]] = {}
        self._fds: dict[int, tuple[int, int]] = {}   # segment -> (pid, fd) for reading
        self._writer = None            # (pid, seg number, file) of this process's segment
        self._mine: list[tuple[bytes, bytes, int]] = []   # pieces appended since the last drain
        self.changed = False

    # ------------------------------------------------------------ reading
    def _load(self) -> None:
        """Read the index of the last build (once, when a piece is first asked for)."""
        self._old = {}
        if self.path is None:
            return
        try:
            with open(self.path / INDEX, "rb") as f:
                data = marshal.load(f)
            if not (isinstance(data, dict) and data.get("format") == FORMAT
                    and data.get("context") == self.context):
                return
            segments = list(data["segments"])
            sizes = [os.path.getsize(self.path / name) for name in segments]
            kinds = {}
            for kind, (keys, segs, offs, lens) in data["kinds"].items():
                s, o, n = array.array("I"), array.array("Q"), array.array("I")
                s.frombytes(segs)
                o.frombytes(offs)
                n.frombytes(lens)
                if not (len(keys) == 16 * len(s) == 16 * len(o) == 16 * len(n)):
                    return
                if any(map(operator.gt, map(operator.add, o, n), map(sizes.__getitem__, s))):
                    return  # a segment is shorter than the index says: start afresh
                kinds[kind] = (keys, s, o, n)
        except (OSError, EOFError, ValueError, TypeError, KeyError, IndexError):
            return
        self.segments = segments
        self._old = kinds

    def _old_kind(self, kind: bytes) -> dict[bytes, int]:
        """The last build's pieces of one kind, key -> location (made on first use)."""
        idx = self._old_index.get(kind)
        if idx is None:
            if self._old is None:
                self._load()
            keys, segs, offs, lens = self._old.get(kind) or (b"", (), (), ())
            idx = self._old_index[kind] = dict(zip(
                [keys[j:j + 16] for j in range(0, len(keys), 16)],
                map(_loc, segs, offs, lens)))
        return idx

    def _find(self, kind: bytes, key: bytes) -> int | None:
        """The location of a piece, from this build or the last one (then kept for the next)."""
        live = self.live.get(kind)
        loc = None if live is None else live.get(key)
        if loc is None:
            loc = self._old_kind(kind).get(key)
            if loc is not None:
                self.live.setdefault(kind, {})[key] = loc
        return loc

    def _read(self, loc: int, ahead: int = 0) -> bytes:
        """The piece at `loc`, and up to `ahead` more bytes of its segment after it."""
        seg, off, length = _unloc(loc)
        pid = os.getpid()
        if self._writer is not None and self._writer[1] == seg and self._writer[0] == pid:
            self._writer[2].flush()
        fd = self._fds.get(seg)
        if fd is None or fd[0] != pid:
            fd = self._fds[seg] = (pid, os.open(self.path / self.segments[seg], os.O_RDONLY))
        data = os.pread(fd[1], length + ahead, off)
        if len(data) < length:
            raise OSError(f"fragment store {self.path}: segment {self.segments[seg]} is short")
        return data

    def has(self, kind: bytes, key: bytes) -> bool:
        if self.path is None:
            return (kind, key) in self.memory
        return self._find(kind, key) is not None

    def has_all(self, kind: bytes, keys) -> bool:
        """Every piece of `kind` under `keys` is stored (one pass of set arithmetic)."""
        if self.path is None:
            return all((kind, key) in self.memory for key in keys)
        return not (set(keys) - self._old_kind(kind).keys() - self.live.get(kind, {}).keys())

    def cached(self, kind: bytes, key: bytes) -> bytes | None:
        """The stored piece, or None."""
        if self.path is None:
            return self.memory.get((kind, key))
        loc = self._find(kind, key)
        return None if loc is None else self._read(loc)

    def ensure(self, kind: bytes, key: bytes, make: Callable[[], str]) -> None:
        """Store make() unless the piece is stored already (for Joined pages)."""
        if not self.has(kind, key):
            self.put(kind, key, make())

    def locate(self, kind: bytes, keys: list[bytes], make: Callable[[int], str]) -> list[int]:
        """The locations of many pieces of one kind, in order: from this build, the last
        one (then kept for the next) or, for keys stored in neither, make(n) stored now.
        One pass of dictionary look-ups (_find per piece cost a tenth of a second for
        events.json and calendar.ics at 10,000 events)."""
        live = self.live.setdefault(kind, {})
        old = self._old_kind(kind)
        locs = [live.get(key) or old.get(key) for key in keys]  # (a location is never 0)
        live.update((key, loc) for key, loc in zip(keys, locs) if loc is not None)
        for n, loc in enumerate(locs):
            if loc is None:
                self.put(kind, keys[n], make(n))
                locs[n] = live[keys[n]]
        return locs

    # ------------------------------------------------------------ writing
    def put(self, kind: bytes, key: bytes, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.changed = True
        if self.path is None:
            self.memory[(kind, key)] = data
            return
        pid = os.getpid()
        if self._writer is None or self._writer[0] != pid:   # first piece of this process
            if self._old is None:
                self._load()
            self.path.mkdir(parents=True, exist_ok=True)
            name = f"seg-{uuid.uuid4().hex}.bin"
            self.segments.append(name)
            self._writer = (pid, len(self.segments) - 1, open(self.path / name, "ab"))
            self._mine = []
        _, seg, f = self._writer
        off = f.tell()
        f.write(data)
        loc = _loc(seg, off, len(data))
        self.live.setdefault(kind, {})[key] = loc
        self._mine.append((kind, key, loc))

    def flush(self) -> None:
        """Write out this process's buffered pieces. Called before forking workers: a
        worker must not inherit (and, closing its copy, write) a half-full buffer."""
        if self._writer is not None and self._writer[0] == os.getpid():
            self._writer[2].flush()

    def drain(self) -> tuple[str, list[tuple[bytes, bytes, int]]] | None:
        """In a worker: the pieces it appended since the last drain, for adopt() in the
        parent (the segment is flushed first, so the parent and later workers can read);
        the worker forgets them (its index would only grow)."""
        if (self.path is None or self._writer is None or self._writer[0] != os.getpid()
                or not self._mine):
            return None
        _, seg, f = self._writer
        f.flush()
        new, self._mine = self._mine, []
        for kind, key, _ in new:  # the parent keeps them from now on
            self.live[kind].pop(key, None)
        return self.segments[seg], new

    def adopt(self, drained: tuple[str, list[tuple[bytes, bytes, int]]] | None) -> None:
        if drained is None:
            return
        name, pieces = drained
        try:
            seg = self.segments.index(name)
        except ValueError:
            self.segments.append(name)
            seg = len(self.segments) - 1
        for kind, key, loc in pieces:
            _, off, length = _unloc(loc)
            self.live.setdefault(kind, {})[key] = _loc(seg, off, length)
        self.changed = True

    def save(self, keep: dict[bytes, list[bytes]] | None = None) -> None:
        """Write the index of the pieces this build used or put, and of the last build's
        pieces for the keys in `keep` (kind -> keys: the events that still exist);
        delete the segments nothing names."""
        if self.path is None:
            return
        if self._writer is not None:
            self._writer[2].close()
            self._writer = None
        if not self.changed:
            self._close_fds()
            return  # nothing new: the index on disk still says where every piece is
        for kind, keys in (keep or {}).items():
            live = self.live.setdefault(kind, {})
            old = self._old_kind(kind)
            for key in keys:
                if key not in live:
                    loc = old.get(key)
                    if loc is not None:
                        live[key] = loc
        if self._compact_needed():
            self._compact()
        used = sorted(self._segments_used())
        renumber = {old: new for new, old in enumerate(used)}
        kinds = {}
        for kind, pieces in self.live.items():
            locs = list(pieces.values())
            kinds[kind] = (b"".join(pieces),   # the keys, in the order of their locations
                           array.array("I", [renumber[loc >> 72] for loc in locs]).tobytes(),
                           array.array("Q", [(loc >> 32) & _OFF_MASK for loc in locs]).tobytes(),
                           array.array("I", [loc & _LEN_MASK for loc in locs]).tobytes())
        names = [self.segments[s] for s in used]
        # Written after the segments and replaced atomically. No fsync: after a crash the
        # index may be the old one (its pieces are intact) or name data a segment does
        # not hold yet, which _load sees (a segment shorter than the index says) and
        # then ignores the store.
        tmp = self.path / (INDEX + ".tmp")
        for path in (tmp, self.path / INDEX):  # a folder in their place (someone made one)
            if path.is_dir() and not path.is_symlink():
                remove(path)
        with open(tmp, "wb") as f:
            marshal.dump({"format": FORMAT, "context": self.context, "segments": names, "kinds": kinds}, f)
        os.replace(tmp, self.path / INDEX)
        keep = set(names) | {INDEX}
        for entry in os.scandir(self.path):
            if entry.name not in keep and not entry.name.startswith(SHARED_WITH):
                remove(entry.path)
        self._close_fds()

    def _close_fds(self) -> None:
        pid = os.getpid()
        for owner, fd in self._fds.values():
            if owner == pid:
                os.close(fd)
        self._fds.clear()

    def abandon(self) -> None:
        """After a failed build: the index on disk stays as it was (segments this build
        began are deleted by the next save); a store that never had an index is removed."""
        if self._writer is not None and self._writer[0] == os.getpid():
            self._writer[2].close()
        self._writer = None
        self._close_fds()
        if self.path is not None and not (self.path / INDEX).exists():
            shutil.rmtree(self.path, ignore_errors=True)

    def discard(self) -> None:
        """After a failed build that found a damaged piece: the next build starts afresh."""
        self.abandon()
        if self.path is not None:
            remove(self.path / INDEX)

    # ------------------------------------------------------------ housekeeping
    def _compact_needed(self) -> bool:
        """More than half the space is dead pieces, or small builds left many segments."""
        live = sum(loc & _LEN_MASK for kind in self.live.values() for loc in kind.values())
        used = self._segments_used()
        total = sum(os.path.getsize(self.path / self.segments[s]) for s in used)
        return total > 2 * live + (8 << 20) or len(used) > MAX_SEGMENTS

    def _segments_used(self) -> set[int]:
        return {loc >> 72 for kind in self.live.values() for loc in kind.values()}

    def _compact(self) -> None:
        """Copy the live pieces into one new segment."""
        name = f"seg-{uuid.uuid4().hex}.bin"
        self.segments.append(name)
        seg = len(self.segments) - 1
        with open(self.path / name, "wb") as f:
            for pieces in self.live.values():
                for key, loc in pieces.items():
                    off = f.tell()
                    f.write(self._read(loc))
                    pieces[key] = _loc(seg, off, loc & _LEN_MASK)


class Joined:
    """A large page (events.json, calendar.ics) as literal bytes and stored pieces in
    order. Iterating it reads the pieces, a few megabytes at a time, so the page is never
    whole in memory. Its identity() stands for a digest of its bytes without reading
    them: a piece's bytes are fixed by its kind, its key and the store's context."""

    def __init__(self, store: FragmentStore):
        self.store = store
        self.items: list = []   # bytes, or _Run

    def add(self, data: bytes) -> None:
        self.items.append(data)

    def add_pieces(self, kind: bytes, keys: list[bytes], make: Callable[[int], str],
                   sep: bytes = b"", was: list[bytes] | None = None) -> None:
        """The pieces of `kind` under `keys`, in order, with `sep` between them; make(n)
        gives the text of the n-th when it is not stored yet. `was`: the keys the last
        build joined here, when the page may be written by patching it (patch)."""
        if self.store.path is None:   # in memory: each piece as it is
            for n, key in enumerate(keys):
                if n and sep:
                    self.items.append(sep)
                self.store.ensure(kind, key, functools.partial(make, n))
                self.items.append(self.store.memory[(kind, key)])
            return
        run = _Run(kind, keys, self.store.locate(kind, keys, make), sep)
        run.was = was if was is not None and len(was) == len(keys) else None
        self.items.append(run)

    def identity(self, previous: bool = False) -> str:
        """Stands for the page's bytes (see the class); `previous`: for the bytes of the
        page the last build joined (each run's `was` keys)."""
        # marshal writes each item with its type and length: different lists, different bytes
        items = [item if isinstance(item, bytes) else
                 (item.kind, b"".join(item.was if previous else item.keys), item.sep)
                 for item in self.items]
        return hashlib.blake2b(self.store.context + marshal.dumps(items, 2), digest_size=16).hexdigest()

    def patch(self, old_fd: int, old_identity: str) -> list[tuple[int, int] | bytes] | None:
        """The page as ranges (offset, length) of the page the last build wrote (open at
        `old_fd`) and new bytes between them, when only some pieces differ from that
        page's: a one-event rebuild copies events.json rather than joining its 10,000
        pieces again. None when that page is not known to be `old_identity` with every
        run's `was` keys (the piece lengths check its size)."""
        if not all(isinstance(item, bytes) or item.was is not None for item in self.items) \
                or self.identity(previous=True) != old_identity:
            return None
        old = self.store._old_kind
        ops: list = []
        at = 0          # offset in the old page
        copy_from = 0   # where the range being copied began
        for item in self.items:
            if isinstance(item, bytes):
                at += len(item)
                continue
            keys, was, sep = item.keys, item.was, len(item.sep)
            lengths = [loc & _LEN_MASK for loc in item.locs]
            cursor, done = at, 0   # where piece `done` begins in the old page
            changed = [n for n, (a, b) in enumerate(zip(keys, was)) if a != b]
            if len(changed) > PATCH_PIECES:
                return None
            for n in changed:
                loc = old(item.kind).get(was[n])
                if loc is None:
                    return None
                cursor += sum(lengths[done:n]) + (n - done) * sep
                ops += [(copy_from, cursor - copy_from), self.store._read(item.locs[n])]
                copy_from = cursor + (loc & _LEN_MASK)
                cursor, done = copy_from + sep, n + 1
            cursor += sum(lengths[done:]) + (len(keys) - done) * sep
            at = cursor - sep if keys else at
        if at != os.fstat(old_fd).st_size:
            return None
        ops.append((copy_from, at - copy_from))
        return [op for op in ops if not isinstance(op, tuple) or op[1]]

    def __iter__(self):
        for item in self.items:
            if isinstance(item, bytes):
                yield item
            else:
                yield from item.read(self.store)


class _Run:
    """Stored pieces of one kind, joined with a separator."""

    __slots__ = ("kind", "keys", "locs", "sep", "was")

    def __init__(self, kind: bytes, keys: list[bytes], locs: list[int], sep: bytes):
        self.kind, self.keys, self.locs, self.sep = kind, keys, locs, sep

    def read(self, store: FragmentStore):
        """The pieces' bytes. A build stores an event's pieces one event after another, so
        the pieces of a run lie in order in a segment, a few between other kinds' pieces:
        each window of up to READ_AHEAD bytes is read with one pread, and the pieces in it
        are cut out and joined in C."""
        locs, sep, n = self.locs, self.sep, len(self.locs)
        start = 0
        while start < n:
            seg, first = locs[start] >> 72, (locs[start] >> 32) & _OFF_MASK
            limit, last, end = first + READ_AHEAD, first, start
            spans = []
            while end < n:   # the pieces from `start` that lie in this window, in order
                loc = locs[end]
                off, length = (loc >> 32) & _OFF_MASK, loc & _LEN_MASK
                if loc >> 72 != seg or off < last or (off + length > limit and end > start):
                    break
                spans.append((off - first, off - first + length))
                last = off + length
                end += 1
            data = store._read(_loc(seg, first, last - first))
            if start:
                yield sep
            yield sep.join([data[a:b] for a, b in spans])
            start = end


def store_dir(out_dir: Path) -> Path:
    """Where the build keeps the pieces of `out_dir` between builds."""
    out_dir = Path(os.path.abspath(out_dir))
    return out_dir.parent / f".{out_dir.name}.timeline-cache"


def open_store(out_dir: Path, context: bytes) -> FragmentStore:
    path = store_dir(out_dir)
    if path.exists() and not path.is_dir():   # the single-file cache of earlier versions
        path.unlink()
    return FragmentStore(path, context)


def remove(path: str | Path) -> None:
    """Remove a file, or a folder someone put in its place (both cache modules use it)."""
    path = str(path)
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            os.unlink(path)
        except (FileNotFoundError, NotADirectoryError):  # (gone, or its folder is a file)
            pass
