"""What the last build read and digested, kept beside the site for the next build.

A rebuild after a few edits would otherwise read and digest every event again, which at
10,000 events costs more than rendering what changed. The snapshot holds the chronology
the last build read from a SQLite file, without the events' bodies (their pages, cards
and pieces are in the fragment store; events.json's piece of an event is the whole event,
so the build can take the body back from it), the revisions it read (migrations.py), and
the digests the build made of each event. chronology.read(url, previous=...) then reads
only the events whose revision moved, and the build digests only those.

It is a cache in the fragment store's folder, written with marshal (plain data, no code)
after each build that read a SQLite file, and read back only when its format, its
fingerprint (templates, options, base URL) and everything it holds check out; otherwise
the build reads the whole chronology, as it would without it.
"""

from __future__ import annotations

import marshal
import os
from dataclasses import dataclass
from pathlib import Path

from timeline.chronology import Chronology
from timeline.fragments import store_dir

FORMAT = "timeline-snapshot-1"
NAME = "snapshot"
CHANGES = "snapshot-changes"
HELD = "snapshot-held"   # the whole snapshot while a build runs (see hold)
# Events changed since the whole snapshot was written, at most this share of them: a
# build writes only what changed (the changes file), not the whole snapshot again.
CHANGES_SHARE = 0.05


@dataclass
class Snapshot:
    chronology: Chronology   # events without their bodies (see light), ids and revisions
    fingerprint: bytes       # build.py's fp: the templates, options and base URL it was built with
    ekeys: list[bytes]       # each event's digest (build.Site._index)
    lkeys: list[bytes]       # what a link to each event shows, digested
    context: bytes           # what those digests took from other events and sources, digested
    # the whole snapshot this one was read from (its token), and the events changed since
    base: bytes | None = None
    changed: frozenset[int] = frozenset()


def light(event: dict) -> dict:
    """The event without its body and its translations' bodies."""
    out = {k: v for k, v in event.items() if k != "body"}
    if out.get("translations"):
        out["translations"] = {lang: {k: v for k, v in t.items() if k != "body"}
                               for lang, t in out["translations"].items()}
    return out


def is_light(event: dict) -> bool:
    return "body" not in event


def path(out_dir: Path) -> Path:
    return store_dir(out_dir) / NAME


def save(out_dir: Path, snap: Snapshot, previous: Snapshot | None = None, fresh: list[int] | None = None) -> None:
    """Write the snapshot for the site at `out_dir` (under the build's lock). When it is
    `previous` with only the events `fresh` changed, and not many events have changed
    since previous's whole snapshot was written, only the changes are written."""
    c = snap.chronology
    folder = path(out_dir).parent
    folder.mkdir(parents=True, exist_ok=True)
    if previous is not None and previous.base is not None and fresh is not None \
            and previous.fingerprint == snap.fingerprint and previous.context == snap.context:
        changed = previous.changed | set(fresh)
        if len(changed) <= CHANGES_SHARE * len(c.events) and (folder / HELD).is_file():
            _write(folder / CHANGES, (FORMAT, previous.base, c.revs, snap.ekeys, snap.lkeys,
                                      {i: light(c.events[i]) for i in sorted(changed)}))
            os.replace(folder / HELD, folder / NAME)
            return
    token = os.urandom(16)
    _write(folder / NAME, (FORMAT, token, snap.fingerprint, [e if is_light(e) else light(e) for e in c.events],
                           c.ids, c.revs, c.sources, c.observations, c.series, c.tags,
                           snap.ekeys, snap.lkeys, snap.context))
    _unlink(folder / HELD)


def _write(target: Path, data) -> None:
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(marshal.dumps(data))
    os.replace(tmp, target)


def _unlink(target: Path) -> None:
    try:
        os.unlink(target)
    except (FileNotFoundError, NotADirectoryError):
        pass


def hold(out_dir: Path) -> None:
    """Set the snapshot aside while a build writes the site: a build that does not end
    leaves none, so a snapshot is always that of the live site's last build (save puts
    it back, or writes a new one)."""
    folder = path(out_dir).parent
    _unlink(folder / CHANGES)
    try:
        os.replace(folder / NAME, folder / HELD)
    except (FileNotFoundError, NotADirectoryError):
        _unlink(folder / HELD)


def forget(out_dir: Path) -> None:
    folder = path(out_dir).parent
    for name in (NAME, CHANGES, HELD):
        _unlink(folder / name)


def load(out_dir: Path) -> Snapshot | None:
    """The snapshot kept for the site at `out_dir`, or None (none, or not readable)."""
    try:
        data = marshal.loads(path(out_dir).read_bytes())
        (fmt, token, fp, events, ids, revs, sources, observations, series, tags, ekeys, lkeys, context) = data
    except (OSError, EOFError, ValueError, TypeError):
        return None
    changed: frozenset[int] = frozenset()
    try:
        fmt2, base, revs2, ekeys2, lkeys2, moved = marshal.loads(path(out_dir).with_name(CHANGES).read_bytes())
        if fmt2 == fmt and base == token and isinstance(moved, dict) \
                and all(isinstance(i, int) and 0 <= i < len(events) for i in moved):
            revs, ekeys, lkeys = revs2, ekeys2, lkeys2
            for i, e in moved.items():
                events[i] = e
            changed = frozenset(moved)
    except (OSError, EOFError, ValueError, TypeError):
        pass
    if fmt != FORMAT or not (isinstance(events, list) and isinstance(ids, list) and isinstance(revs, dict)
                             and isinstance(ekeys, list) and isinstance(lkeys, list)
                             and len(events) == len(ids) == len(ekeys) == len(lkeys) == len(revs) - 1
                             and all(isinstance(e, dict) and is_light(e) for e in events)):
        return None
    return Snapshot(Chronology(events=events, sources=sources, observations=observations, series=series,
                               tags=tags, ids=ids, revs=revs), fp, ekeys, lkeys, context, token, changed)
