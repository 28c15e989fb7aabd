"""What the last build read and worked out, kept beside the site for the next build.

A rebuild after a few edits would otherwise read, index and digest every event again,
which at 10,000 events costs more than rendering what changed. The snapshot holds:

- the chronology the last build read from a SQLite file, without the events' bodies
  (their pages, cards and pieces are in the fragment store; events.json's piece of an
  event is the whole event, so the build can take the body back from it), each event
  kept apart and decoded only when a page needs it (Events);
- the revisions it read (migrations.py), so chronology.read(url, previous=...) reads
  again only the events whose revision moved;
- the digests the build made of each event, and the indexes it made of the whole
  (years, categories, tags, sources, the reading order: build.Site.index_state), which
  hold as long as no event moves to another place in them.

The whole snapshot is written after a build that read everything; after a build that
read a few events again, only what changed since is written beside it (CHANGES), until
that is more than CHANGES_SHARE of the events. It is a cache in the fragment store's
folder, written with marshal (plain data, no code), and read back only when its format
and everything it holds check out; otherwise the build reads the whole chronology, as it
would without it.
"""

from __future__ import annotations

import array
import marshal
import operator
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from timeline.chronology import Chronology
from timeline.fragments import remove, store_dir

FORMAT = "timeline-snapshot-5"
NAME = "snapshot"
CHANGES = "snapshot-changes"
HELD = "snapshot-held"   # the whole snapshot while a build runs (see hold)
# Events changed since the whole snapshot was written, at most this share of them: a
# build writes only what changed (the changes file), not the whole snapshot again.
CHANGES_SHARE = 0.05


class Unreadable(Exception):
    """Part of the snapshot cannot be read: read the whole chronology instead."""


@dataclass
class Snapshot:
    chronology: Chronology   # events without their bodies (see light), ids and revisions
    fingerprint: bytes       # build.py's fp: the templates, options and base URL it was built with
    ekeys: list[bytes]       # each event's digest (build.Site)
    lkeys: list[bytes]       # what a link to each event shows, digested
    context: bytes           # what those digests took from other events and sources, digested
    index: dict              # build.Site.index_state(): the indexes of the whole chronology
    files: dict              # the files joined from pieces: path -> (inode, size, mtime, ctime) when written
    # the whole snapshot this one was read from (its token), and the events changed since
    base: bytes | None = None
    changed: frozenset[int] = frozenset()


class Events(Sequence):
    """The snapshot's events, each kept as marshal bytes (event i at data[ends[i - 1]:
    ends[i]]) and decoded when first used: a rebuild that indexes nothing again reads the
    few events its pages show."""

    def __init__(self, data: bytes, ends: array.array, decoded: dict[int, dict] | None = None):
        self._data, self._ends = data, ends
        self._decoded: dict[int, dict] = dict(decoded or {})

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[n] for n in range(*i.indices(len(self._ends)))]
        if i < 0:
            i += len(self._ends)
        e = self._decoded.get(i)
        if e is None:
            try:
                e = marshal.loads(self.blob(i))
            except (EOFError, ValueError, TypeError):
                e = None
            if not isinstance(e, dict) or not is_light(e) or "slug" not in e:
                raise Unreadable(f"the snapshot's event {i} cannot be read")
            self._decoded[i] = e
        return e

    def __setitem__(self, i: int, event: dict) -> None:
        self._decoded[i] = event

    def __iter__(self) -> Iterator[dict]:
        return (self[i] for i in range(len(self._ends)))

    def __copy__(self) -> Events:
        return Events(self._data, self._ends, self._decoded)

    def blob(self, i: int) -> bytes:
        """Event i (without its body) as marshal bytes."""
        e = self._decoded.get(i)
        if e is not None:
            return marshal.dumps(light(e))
        return self._data[self._ends[i - 1] if i else 0:self._ends[i]]


def light(event: dict) -> dict:
    """The event without its body and its translations' bodies."""
    if is_light(event):
        return event
    out = {k: v for k, v in event.items() if k != "body"}
    if out.get("translations"):
        out["translations"] = {lang: {k: v for k, v in t.items() if k != "body"}
                               for lang, t in out["translations"].items()}
    return out


def is_light(event: dict) -> bool:
    return "body" not in event


def path(out_dir: Path) -> Path:
    return store_dir(out_dir) / NAME


def save(out_dir: Path, snap: Snapshot, previous: Snapshot | None = None, fresh: list[int] | None = None,
         moved: bool = True) -> None:
    """Write the snapshot for the site at `out_dir` (under the build's lock). When it is
    `previous` with only the events `fresh` changed, none of them `moved` to another
    place in the indexes, and not many events have changed since previous's whole
    snapshot was written, only the changes are written."""
    c = snap.chronology
    folder = path(out_dir).parent
    folder.mkdir(parents=True, exist_ok=True)
    if previous is not None and previous.base is not None and fresh is not None and not moved \
            and previous.fingerprint == snap.fingerprint and previous.context == snap.context:
        changed = previous.changed | set(fresh)
        if len(changed) <= CHANGES_SHARE * len(c.events) and (folder / HELD).is_file():
            _write(folder / CHANGES, (FORMAT, previous.base, c.revs, b"".join(snap.ekeys), b"".join(snap.lkeys),
                                      {i: light(c.events[i]) for i in sorted(changed)}, snap.files))
            os.replace(folder / HELD, folder / NAME)
            return
    # the events one after another, written as they are made (at 100,000 events, 80 MB
    # not held at once), then the rest and, in the last 8 bytes, where the rest begins
    events = c.events
    blob = events.blob if isinstance(events, Events) else (lambda i: marshal.dumps(light(events[i])))
    tmp = folder / (NAME + ".tmp")
    remove(tmp)
    ends, at = array.array("Q"), 0
    with open(tmp, "wb", buffering=1 << 20) as f:
        for i in range(len(events)):
            data = blob(i)
            f.write(data)
            at += len(data)
            ends.append(at)
        f.write(marshal.dumps((FORMAT, os.urandom(16), snap.fingerprint, ends.tobytes(), c.ids, c.revs,
                               c.sources, c.observations, c.series, c.tags, b"".join(snap.ekeys),
                               b"".join(snap.lkeys), snap.context, snap.index, snap.files)))
        f.write(at.to_bytes(8, "little"))
    os.replace(tmp, folder / NAME)
    remove(folder / HELD)


def _write(target: Path, data) -> None:
    tmp = target.with_name(target.name + ".tmp")
    remove(tmp)
    tmp.write_bytes(marshal.dumps(data))
    os.replace(tmp, target)


def hold(out_dir: Path) -> None:
    """Set the snapshot aside while a build writes the site: a build that does not end
    leaves none, so a snapshot is always that of the live site's last build (save puts
    it back, or writes a new one)."""
    folder = path(out_dir).parent
    remove(folder / CHANGES)
    remove(folder / HELD)
    if (folder / NAME).is_file():
        os.replace(folder / NAME, folder / HELD)
    else:
        remove(folder / NAME)


def forget(out_dir: Path) -> None:
    folder = path(out_dir).parent
    for name in (NAME, CHANGES, HELD):
        remove(folder / name)


def _keys(data: bytes, count: int) -> list[bytes] | None:
    if not isinstance(data, bytes) or len(data) != 16 * count:
        return None
    return [data[i:i + 16] for i in range(0, len(data), 16)]


def load(out_dir: Path) -> Snapshot | None:
    """The snapshot kept for the site at `out_dir`, or None (none, or not readable)."""
    try:
        data = path(out_dir).read_bytes()
        rest = int.from_bytes(data[-8:], "little")
        (fmt, token, fp, ends, ids, revs, sources, observations, series, tags, ekeys, lkeys, context,
         index, files) = marshal.loads(memoryview(data)[rest:-8])
        offsets = array.array("Q")
        offsets.frombytes(ends)
        if fmt != FORMAT or not (isinstance(ids, list) and isinstance(revs, dict) and isinstance(index, dict)
                                 and isinstance(files, dict)
                                 and len(offsets) == len(ids) == len(revs) - 1
                                 and (not offsets or offsets[-1] == rest)):
            return None
        if any(map(operator.gt, offsets, offsets[1:])):
            return None
        decoded: dict[int, dict] = {}
        changed: frozenset[int] = frozenset()
        try:
            fmt2, base, revs2, ekeys2, lkeys2, moved, files2 = marshal.loads(
                path(out_dir).with_name(CHANGES).read_bytes())
            if fmt2 == fmt and base == token and isinstance(moved, dict) and isinstance(revs2, dict) \
                    and revs2.keys() == revs.keys() and isinstance(files2, dict) \
                    and all(isinstance(i, int) and 0 <= i < len(offsets) and isinstance(e, dict) and is_light(e)
                            for i, e in moved.items()):
                revs, ekeys, lkeys, decoded, changed, files = revs2, ekeys2, lkeys2, moved, frozenset(moved), files2
        except (OSError, EOFError, ValueError, TypeError):
            pass
        ekeys, lkeys = _keys(ekeys, len(offsets)), _keys(lkeys, len(offsets))
        if ekeys is None or lkeys is None:
            return None
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return Snapshot(Chronology(events=Events(data, offsets, decoded), sources=sources, observations=observations,
                               series=series, tags=tags, ids=ids, revs=revs),
                    fp, ekeys, lkeys, context, index, files, token, changed)
