"""The whole chronology read from the database, for the site and for export.

One read in plain SQL that SQLite and PostgreSQL both accept, over any DB-API
connection, assembled into the contract dicts of docs/formats.md (db.list_events
assembles its filtered rows here too). A SQLite file at the current schema is read with
the standard library's sqlite3, so `timeline build` does not import SQLAlchemy and
SQLModel (half a second of its start-up); SqliteChanges tells `timeline serve` when such
a file has new commits. Anything else, a PostgreSQL URL or a file
that needs migrating or is not a timeline database, goes through db.connect, which
migrates it or says what is wrong.
"""

from __future__ import annotations

import copy
import gc
import json
import os
import sqlite3
from operator import itemgetter
from types import NoneType
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from timeline import config, migrations, records
from timeline.errors import DatabaseError
from timeline.records import StoredDate


@dataclass
class Chronology:
    """Everything the site shows, as plain dicts in the shapes of docs/formats.md."""

    events: list[dict] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    observations: list[dict] = field(default_factory=list)
    series: list[dict] = field(default_factory=list)
    tags: list[dict] = field(default_factory=list)  # names in other languages, by (kind, name)
    # Read from a SQLite file: each event's row id, and the revisions (migrations.py) the
    # read saw, by event id (0: what events share). None from anywhere else.
    ids: list[int] | None = field(default=None, compare=False)
    revs: dict[int, int] | None = field(default=None, compare=False)
    # Events read again since `previous` (read's argument): their positions. The other
    # events are the previous read's, as `previous` held them (the build keeps them
    # without their bodies). None: every event was read now.
    fresh: list[int] | None = field(default=None, compare=False)


# The columns each part is read with, in the order events_from_rows and load unpack them.
EVENT_COLUMNS = ("id", "slug", "title", "category", "body", "lang", "date_text", "date_base",
                 "date_start", "date_end", "date_precision", "date_edtf", "importance")
_SQL = {
    "events": f"SELECT {', '.join(EVENT_COLUMNS)} FROM event "
              "ORDER BY date_start, date_end, slug",
    "tags": "SELECT id, kind, name FROM tag",
    "event_tags": "SELECT event_id, tag_id FROM eventtag ORDER BY event_id, position",
    "sources": "SELECT id, key, title, publisher, author, url, published, language "
               "FROM source ORDER BY key",   # (_SOURCE_COLUMNS)
    "citations": "SELECT event_id, source_id, locator FROM citation "
                 "ORDER BY event_id, position",
    "translations": "SELECT event_id, lang, title, body FROM translation",
    "observations": "SELECT series, period_text, period_start, period_end, value, unit, "
                    "qualifier, source_id, event_id, note, note_zh FROM observation",
    "series": "SELECT key, title, title_zh, unit, description, description_zh FROM series "
              "ORDER BY key",
    "tag_names": "SELECT kind, name, name_zh FROM tag WHERE name_zh IS NOT NULL "
                 "ORDER BY kind, name",
    "revisions": "SELECT event_id, rev FROM revision",
    # (the rows of events that exist: a REPLACE that gives an event a new id deletes the
    # old row without the delete trigger)
    "revisions of events": "SELECT event_id, rev FROM revision WHERE event_id = 0 OR event_id IN (SELECT id FROM event)",
}
_SOURCE_COLUMNS = ("id", "key", "title", "publisher", "author", "url", "published", "language")
# Of the events that moved since a previous read, at most this share is read again on its
# own; more, and the whole chronology is read (as fast, and simpler).
REREAD_SHARE = 0.05


def read(url: str, previous: Chronology | None = None) -> Chronology:
    """The whole chronology of the database at `url` (see the module's docstring).

    With `previous` (an earlier read of the same SQLite file, its ids and revisions), only
    the events whose revision moved are read again, when nothing events share moved, no
    event came or went, and each of them keeps its slug and its dates (its place in the
    order); the result's `fresh` names them. Otherwise the whole chronology is read."""
    path = config.database_path(url)
    if path is not None and "?" not in url and path.is_file():  # (a query: SQLAlchemy's options)
        try:
            with _sqlite_snapshot(path) as conn:
                if _schema_version(conn) == migrations.SCHEMA_VERSION:
                    if previous is not None and previous.revs is not None:
                        since = _load_since(conn, previous)
                        if since is not None:
                            return since
                    return load(conn)
        except sqlite3.OperationalError as e:
            if "decode" in str(e):  # text that is not UTF-8, written past timeline
                raise DatabaseError(f"{path}: {str(e).splitlines()[0][:200]}; fix it with timeline edit "
                                    "or sqlite3") from None
        except DatabaseError as e:
            raise DatabaseError(f"{path}: {e}") from None
        except sqlite3.Error:
            pass  # not readable this way (not a database, an old schema): db.connect says
    from timeline import db
    engine = db.connect(url)
    try:
        with db.session(engine, readonly=True) as s:
            return db.load_chronology(s)
    finally:
        engine.dispose()


@contextmanager
def _sqlite_snapshot(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to an existing SQLite file (never creating one) inside one read
    transaction, so every table is read as of the same moment."""
    conn = sqlite3.connect(_existing(path), uri=True, timeout=config.BUSY_TIMEOUT_MS / 1000,
                           isolation_level=None)
    try:
        conn.execute("BEGIN")
        yield conn
    finally:
        conn.close()


def _existing(path: Path) -> str:
    """The URI that opens the SQLite file at `path` only if it exists (never creates it)."""
    return f"{path.resolve().as_uri()}?mode=rw"


def _schema_version(conn: sqlite3.Connection) -> int | None:
    row = conn.execute(migrations.VERSION_QUERY).fetchone()
    return int(row[0]) if row and str(row[0]).isdigit() else None


# Columns that hold text (None: or NULL). Written through timeline they do; a value of
# another type (written with sqlite3: a number, a BLOB) would stop a build further on.
_TEXT = {"slug": True, "title": True, "category": True, "body": True, "lang": True, "date_text": True,
         "date_base": False, "date_start": True, "date_end": True, "date_precision": True, "date_edtf": True,
         "key": True, "kind": True, "name": True, "publisher": False, "author": False, "url": False,
         "published": False, "language": False}


def _check_text(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Refuse, in one line, a row (its first column: its id) whose text column holds
    something else."""
    for n, column in enumerate(columns):
        required = _TEXT.get(column)
        if required is None or set(map(type, map(itemgetter(n), rows))) <= ({str} if required else {str, NoneType}):
            continue   # (the types of the whole column at C speed: the rows are looked at only if one is wrong)
        bad = next((r for r in rows if type(r[n]) is not str and (required or r[n] is not None)), None)
        if bad is not None:
            raise DatabaseError(f"table {table}, row {bad[0]}: {column} is not text ({type(bad[n]).__name__}); "
                                "fix it with timeline edit or sqlite3")


def _rows(conn, sql: str, params=()) -> list[tuple]:
    cursor = conn.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def _load_since(conn: sqlite3.Connection, previous: Chronology) -> Chronology | None:
    """`previous` with the events whose revision moved read again (see read), or None
    when the whole chronology must be read."""
    revs = _revisions(conn)
    old = previous.revs
    if revs is None:
        return None
    if revs.get(0) is None or revs.get(0) != old.get(0) or revs.keys() != old.keys():
        return None
    moved = [event_id for event_id, rev in revs.items() if old[event_id] != rev]
    if len(moved) > REREAD_SHARE * len(revs):
        return None
    events = copy.copy(previous.events)  # (a snapshot's events: decoded when used)
    fresh = []
    if moved:
        ids = (json.dumps(moved),)   # (one parameter, however many events)
        moved_ids = "SELECT value FROM json_each(?)"  # (the ids in `ids`, as a subquery)
        event_rows = _rows(conn, _SQL["events"].replace(" ORDER BY", f" WHERE id IN ({moved_ids}) ORDER BY"), ids)
        source_rows = _rows(conn, "SELECT id, title, publisher, url, published FROM source WHERE id IN "
                            f"(SELECT source_id FROM citation WHERE event_id IN ({moved_ids}))", ids)
        linked = [_rows(conn, _SQL[part].replace(" ORDER BY", f" WHERE event_id IN ({moved_ids}) ORDER BY")
                        if " ORDER BY" in _SQL[part] else _SQL[part] + f" WHERE event_id IN ({moved_ids})", ids)
                  for part in ("event_tags", "citations", "translations")]
        tag_rows = _rows(conn, "SELECT id, kind, name FROM tag WHERE id IN "
                         f"(SELECT tag_id FROM eventtag WHERE event_id IN ({moved_ids}))", ids)
        for table, columns, checked in (("event", EVENT_COLUMNS, event_rows),
                                        ("source", ("id", "title", "publisher", "url", "published"), source_rows),
                                        ("tag", ("id", "kind", "name"), tag_rows),
                                        ("translation", ("event_id", "lang", "title", "body"), linked[2])):
            _check_text(table, columns, checked)
        read_now = events_from_rows(event_rows, tag_rows, linked[0], source_rows, linked[1], linked[2])
        at = {event_id: n for n, event_id in enumerate(previous.ids)}
        for row, event in zip(event_rows, read_now):
            n = at[row[0]]
            was = events[n]
            if (was["slug"], was["date"]["start"], was["date"]["end"]) != \
                    (event["slug"], event["date"]["start"], event["date"]["end"]):
                return None  # its place in the order may have moved
            events[n] = event
            fresh.append(n)
    return Chronology(events=events, sources=previous.sources, observations=previous.observations,
                      series=previous.series, tags=previous.tags, ids=previous.ids, revs=revs,
                      fresh=sorted(fresh))


def _revisions(conn: sqlite3.Connection, ids: list[int] | None = None) -> dict[int, int] | None:
    """The revision of every event (and row 0), or None when they cannot be trusted: a
    trigger is missing (a tool that rebuilds a table drops them) or an event has none
    (checked against `ids`, the events read, when given). The next write through
    db.connect puts them back (migrations.repair_revisions)."""
    (triggers, rows, events, shared), = _rows(conn, migrations.TRACKED_ALL)
    if triggers != migrations.REVISION_TRIGGERS or shared != 1 or rows < events + 1:
        return None
    revs = dict(_rows(conn, _SQL["revisions" if rows == events + 1 else "revisions of events"]))
    if len(revs) != events + 1 or (ids is not None and revs.keys() - {0} != set(ids)):
        return None
    return revs


def load(conn) -> Chronology:
    """The whole chronology through a DB-API connection, in one pass per table."""

    def rows(part: str) -> list[tuple]:
        return _rows(conn, _SQL[part])

    with gc_paused():
        event_rows, source_rows, tag_rows, translations = (
            rows("events"), rows("sources"), rows("tags"), rows("translations"))
        for table, columns, checked in (("event", EVENT_COLUMNS, event_rows), ("source", _SOURCE_COLUMNS, source_rows),
                                        ("tag", ("id", "kind", "name"), tag_rows),
                                        ("translation", ("event_id", "lang", "title", "body"), translations)):
            _check_text(table, columns, checked)
        events = events_from_rows(
            event_rows, tag_rows, rows("event_tags"),
            [(sid, title, publisher, url, published)
             for sid, _, title, publisher, _, url, published, _ in source_rows],
            rows("citations"), translations)
        source_keys = {r[0]: r[1] for r in source_rows}
        slugs = {r[0]: r[1] for r in event_rows}
        # (an observation of a missing source is left out, as a citation of one is:
        # `timeline check` reports both)
        observations = [
            records.observation_dict(series, p_text, p_start, p_end, value, unit, qualifier,
                                     source_keys[source_id], slugs.get(event_id), note, note_zh)
            for (series, p_text, p_start, p_end, value, unit, qualifier, source_id, event_id,
                 note, note_zh) in rows("observations") if source_id in source_keys]
        observations.sort(key=lambda o: (o["series"], o["period"]["start"],
                                         o["period"]["end"], o["source"], o["value"]))
        sources = [records.source_dict(*r[1:]) for r in source_rows]
        series = [records.series_dict(*r) for r in rows("series")]
        tags = [records.tag_names_dict(*r) for r in rows("tag_names")]
        revs = _revisions(conn, [r[0] for r in event_rows]) if isinstance(conn, sqlite3.Connection) else None
    return Chronology(events=events, sources=sources, observations=observations,
                      series=series, tags=tags, ids=[r[0] for r in event_rows] if revs else None, revs=revs)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic collector while building many acyclic dicts: its passes over the
    growing heap would cost a quarter of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def events_from_rows(events, tags, event_tags, sources, citations, translations) -> list[dict]:
    """Contract dicts of `events` (rows of EVENT_COLUMNS, in the order wanted) from the rows
    linked to them: tags (id, kind, name), event_tags (event_id, tag_id) and citations
    (event_id, source_id, locator) each in order of event and position, sources (id,
    title, publisher, url, published), translations (event_id, lang, title, body).
    Rows are unpacked, not read by name: at 100,000 events that is a tenth of the time."""
    with gc_paused():
        # One dict per tag, shared by the events that carry it (a dict look-up, not a join).
        tag_dicts = {tag_id: records.tag_dict(kind, name) for tag_id, kind, name in tags}
        event_tag_lists: dict[int, list] = {}
        last = None  # the rows come event by event: a new list when the event changes
        for event_id, tag_id in event_tags:
            if event_id != last:
                last, listed = event_id, event_tag_lists.setdefault(event_id, [])
            if tag_id in tag_dicts:  # as a join would, skip a link to a missing tag
                listed.append(tag_dicts[tag_id])
        source_fields = {r[0]: r[1:] for r in sources}
        cites: dict[int, list] = {}
        shared: dict[tuple, dict] = {}  # one dict per (source, locator), not per citation
        last = None
        for event_id, source_id, locator in citations:
            if event_id != last:
                last, listed = event_id, cites.setdefault(event_id, [])
            key = (source_id, locator)
            cite = shared.get(key)
            if cite is None:
                fields = source_fields.get(source_id)
                if fields is None:  # a citation of a missing source: `timeline check` says so
                    continue
                cite = shared[key] = records.citation_dict(*fields, locator)
            listed.append(cite)
        trans: dict[int, dict] = {}
        for event_id, lang, title, body in translations:
            if event_id not in trans:
                trans[event_id] = {}
            trans[event_id][lang] = records.translation_dict(title, body)
        # Many events share a date: it is described once and they share its dict (at
        # 100,000 events, a tenth of the memory).
        dates: dict[tuple, dict] = {}
        out = []
        for (event_id, slug, title, category, body, lang,
             d_text, d_base, d_start, d_end, d_precision, d_edtf, importance) in events:
            key = (d_text, d_base, d_start, d_end, d_precision, d_edtf)
            date_ = dates.get(key)
            if date_ is None:
                date_ = dates[key] = StoredDate(text=d_text, base=d_base, start=d_start,
                                                end=d_end, precision=d_precision,
                                                edtf=d_edtf).to_dict()
            translated = trans.get(event_id)
            if translated is None:
                translated = {}
            elif len(translated) > 1:
                translated = dict(sorted(translated.items()))
            out.append(records.event_dict(slug, title, category, body, lang, date_,
                                          event_tag_lists.get(event_id) or [],
                                          cites.get(event_id) or [], translated, importance))
        return out


class SqliteChanges:
    """What to poll for changes to a SQLite file: its `PRAGMA data_version`, which moves
    when another connection commits, and the file's inode (a file replaced by another).
    Only a commit counts: a writer opening the file, or writing its log back into it when
    it closes, changes the sizes and times of the file and its -wal file but not the
    data, and would cost a rebuild that writes nothing. The connection is made in the
    watcher's thread on the first call and closed by close()."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._inode: int | None = None

    def __call__(self) -> tuple | None:
        try:
            inode = os.stat(self.path).st_ino
        except OSError:
            self.close()
            return None
        try:
            if inode != self._inode:
                self.close()
                self._conn = sqlite3.connect(_existing(self.path), uri=True)
                self._inode = inode
            return inode, self._conn.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:  # not (yet) a database: look again next time
            self.close()
            return None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn, self._inode = None, None
