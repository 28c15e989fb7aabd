"""The store: the engine, one transaction per command, and every query timeline runs.

All SQL lives here (and in migrations.py). Other modules hand in validated records
(records.py) and get back plain dicts in the contract shapes, never sessions or rows.
SQLite runs in WAL mode with a busy timeout and takes the write lock when a write
transaction begins (BEGIN IMMEDIATE), so concurrent `timeline add` processes queue
instead of failing with "database is locked".
"""

import sqlite3
import weakref
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, bindparam, create_engine, delete, event, exc, func, insert, or_, select, \
    text, update
from sqlalchemy.engine import make_url
from sqlmodel import Session

from timeline import chronology, config, migrations, records
from timeline.chronology import Chronology
from timeline.errors import DatabaseError, EventNotFound, TimelineError, ValidationError
from timeline.models import (Citation, Event, EventTag, Meta, Observation, Series, Source, Tag,
                             Translation, utcnow)
from timeline.records import EventIn, ObservationIn, SourceIn, SourceRef

# Every engine connect() made in this process, for close_all().
_ENGINES: "weakref.WeakSet[Engine]" = weakref.WeakSet()
EVENT, EVENT_TAG, CITATION, TRANSLATION, TAG, SOURCE, OBSERVATION, SERIES = (
    m.__table__ for m in (Event, EventTag, Citation, Translation, Tag, Source, Observation,
                          Series))
# Built once: building a statement costs more than running it in a bulk import.
_INSERT_EVENT = insert(EVENT).returning(EVENT.c.id)
_UPDATE_EVENT = update(EVENT).where(EVENT.c.id == bindparam("_id"))
_DELETE_LINKS = [delete(t).where(t.c.event_id == bindparam("_id"))
                 for t in (EVENT_TAG, CITATION, TRANSLATION)]
# The columns chronology.events_from_rows unpacks, in its order.
_EVENT_COLUMNS = [EVENT.c[name] for name in chronology.EVENT_COLUMNS]


@dataclass(frozen=True)
class EventFilter:
    category: str | None = None
    tag: str | None = None
    start: str | None = None      # events ending on or after this ISO date
    end: str | None = None        # events starting on or before this ISO date
    search: str | None = None


# ---------------------------------------------------------------- engine and sessions

def connect(url: str, *, create: bool = False) -> Engine:
    """An engine for this URL, with the schema created or migrated to the current version.

    A SQLite file that does not exist is created only with create=True (the commands
    that add events): a mistyped path given to any other command is an error, not an
    empty chronology.
    """
    return connect_reporting(url, create=create)[0]


def describe_url(url: str) -> str:
    """How to name this database to the user: its file path, or the URL sans password."""
    path = config.database_path(url)
    return str(path) if path else _safe(url)


def connect_reporting(url: str, *, create: bool = False) -> tuple[Engine, int]:
    """connect(), and the schema version the database had (0: it was just created)."""
    try:
        kind = make_url(url).get_backend_name()
    except exc.ArgumentError:
        raise DatabaseError(f"'{url}' is not a database path or URL") from None
    if not create and (missing := config.missing_database(url)) is not None:
        raise DatabaseError(f"no database at {missing}: check the path given to --db or "
                            "$TIMELINE_DB, or create it with 'timeline init'")
    if kind == "sqlite":
        engine = create_engine(url, connect_args={"timeout": config.BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    else:
        try:
            engine = create_engine(url, pool_pre_ping=True)
        except (ImportError, exc.NoSuchModuleError) as e:
            raise DatabaseError(f"no driver for '{kind}' ({e}); for PostgreSQL install "
                                "timeline[postgres] and use postgresql+psycopg://") from None
    try:
        with engine.begin() as conn:
            if kind == "postgresql":  # one migrator at a time
                conn.execute(text("SELECT pg_advisory_xact_lock(7232011)"))
            was = migrations.migrate(conn)
        if kind == "sqlite":  # only once it is known to be ours: the mode stays in the file
            raw = engine.raw_connection()
            try:
                raw.cursor().execute("PRAGMA journal_mode = WAL")
            finally:
                raw.close()
    except (exc.DBAPIError, sqlite3.Error) as e:
        engine.dispose()
        hint = ""
        path = config.database_path(url)
        if path is not None and not path.parent.is_dir():
            hint = f" (the folder {path.parent} does not exist)"
        raise DatabaseError(f"cannot open the database {describe_url(url)}: "
                            f"{_first_line(e)}{hint}") from None
    except TimelineError as e:
        engine.dispose()
        raise type(e)(f"{_safe(url)}: {e}") from None
    _ENGINES.add(engine)
    return engine, was


def close_all() -> None:
    """Close every engine this process opened. The last connection to a SQLite file in
    WAL mode to close writes the log back into the file, so that the file alone (what
    git, a backup or `cp` sees) holds every change. cli.main calls this before it ends
    the process without Python's teardown, which would otherwise have closed them."""
    for engine in list(_ENGINES):
        engine.dispose()


def _sqlite_on_connect(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # transactions are begun by _sqlite_on_begin
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {config.BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _sqlite_on_begin(conn) -> None:
    mode = "DEFERRED" if conn.get_execution_options().get("timeline_readonly") else "IMMEDIATE"
    conn.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def session(engine: Engine, *, readonly: bool = False) -> Iterator[Session]:
    """One transaction: committed if the block ends normally, rolled back otherwise."""
    bind = engine.execution_options(timeline_readonly=True) if readonly else engine
    with Session(bind, expire_on_commit=False) as s:
        try:
            yield s
            s.commit()
        except exc.DBAPIError as e:
            s.rollback()
            raise DatabaseError(f"the database refused the change: {_first_line(e)}") from None
        except BaseException:
            s.rollback()
            raise


def _first_line(e: Exception) -> str:
    orig = getattr(e, "orig", None) or e
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0]


def _safe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return url


def schema_version(s: Session) -> int:
    return int(s.get(Meta, "schema_version").value)


# ---------------------------------------------------------------- events: reads

def get_event_row(s: Session, slug: str) -> Event:
    row = s.execute(select(Event).where(Event.slug == slug)).scalars().first()
    if row is None:
        hint = _similar_slugs(s, slug)
        raise EventNotFound(f"no event with slug '{slug}'" +
                            (f"; did you mean {', '.join(hint)}?" if hint else
                             "; `timeline list` shows the slugs"))
    return row


def _similar_slugs(s: Session, slug: str) -> list[str]:
    words = [w for w in slug.split("-") if len(w) > 2][:3]
    if not words:
        return []
    cond = [Event.slug.contains(w, autoescape=True) for w in words]
    return list(s.execute(select(Event.slug).where(or_(*cond)).order_by(Event.slug).limit(3))
                .scalars())


def get_event(s: Session, slug: str) -> dict:
    get_event_row(s, slug)
    return list_events(s, slugs=[slug])[0]


def list_events(s: Session, flt: EventFilter | None = None, *,
                slugs: list[str] | None = None) -> list[dict]:
    """Events as contract dicts, sorted by start, end, slug."""
    stmt = select(*_EVENT_COLUMNS)
    if slugs is not None:
        stmt = stmt.where(Event.slug.in_(slugs))
    if flt:
        stmt = _apply_filter(stmt, flt)
    return _event_dicts(s, stmt.order_by(Event.date_start, Event.date_end, Event.slug))


def _apply_filter(stmt, flt: EventFilter):
    if flt.category:
        stmt = stmt.where(Event.category == flt.category)
    if flt.start:
        stmt = stmt.where(Event.date_end >= flt.start)
    if flt.end:
        stmt = stmt.where(Event.date_start <= flt.end)
    if flt.tag:
        kind, sep, name = flt.tag.partition(":")
        tag_cond = (Tag.name == name) & (Tag.kind == kind) if sep else (Tag.name == flt.tag)
        tagged = select(EventTag.event_id).join(Tag, Tag.id == EventTag.tag_id).where(tag_cond)
        stmt = stmt.where(Event.id.in_(tagged))
    if flt.search:
        term = flt.search
        translated = select(Translation.event_id).where(or_(
            Translation.title.icontains(term, autoescape=True),
            Translation.body.icontains(term, autoescape=True)))
        stmt = stmt.where(or_(Event.title.icontains(term, autoescape=True),
                              Event.body.icontains(term, autoescape=True),
                              Event.id.in_(translated)))
    return stmt


def _event_dicts(s: Session, stmt) -> list[dict]:
    """Contract dicts of the events `stmt` selects, with one query per linked table (no
    N+1): plain rows through the connection, not ORM objects (at 100,000 events the
    identity map and instrumentation cost more than the queries)."""
    conn = s.connection()
    rows = conn.execute(stmt).all()
    if not rows:
        return []
    # Unfiltered, every event is wanted: read the linked tables whole, no IN (subquery).
    ids = None if stmt.whereclause is None else select(stmt.subquery().c.id)

    def linked(*columns, order=()):
        query = select(*columns)
        if ids is not None:
            query = query.where(columns[0].in_(ids))
        return conn.execute(query.order_by(*order)).all()

    return chronology.events_from_rows(
        rows, conn.execute(select(TAG.c.id, TAG.c.kind, TAG.c.name)).all(),
        linked(EVENT_TAG.c.event_id, EVENT_TAG.c.tag_id,
               order=(EVENT_TAG.c.event_id, EVENT_TAG.c.position)),
        conn.execute(select(SOURCE.c.id, SOURCE.c.title, SOURCE.c.publisher, SOURCE.c.url,
                            SOURCE.c.published)).all(),
        linked(CITATION.c.event_id, CITATION.c.source_id, CITATION.c.locator,
               order=(CITATION.c.event_id, CITATION.c.position)),
        linked(TRANSLATION.c.event_id, TRANSLATION.c.lang, TRANSLATION.c.title,
               TRANSLATION.c.body))


def load_chronology(s: Session) -> Chronology:
    """The whole database in contract shapes, for export and for the site: chronology.load
    on this session's connection (the same plain SQL as a SQLite file read without
    SQLAlchemy)."""
    return chronology.load(s.connection().connection)


def known_tags(s: Session) -> list[tuple[str, str]]:
    return [tuple(r) for r in s.execute(select(Tag.kind, Tag.name).order_by(Tag.kind, Tag.name))]


def event_slugs(s: Session) -> set[str]:
    return set(s.execute(select(Event.slug)).scalars())


# ---------------------------------------------------------------- events: writes

def find_duplicate(s: Session, data: EventIn, exclude_slug: str | None = None) -> str | None:
    """The slug of an event with the same date and normalised title, if any."""
    stmt = select(Event.slug).where(Event.title_key == records.title_key(data.title),
                                    Event.date_start == data.date.start,
                                    Event.date_end == data.date.end)
    if exclude_slug:
        stmt = stmt.where(Event.slug != exclude_slug)
    return s.execute(stmt.limit(1)).scalars().first()


def free_slug(s: Session, wanted: str) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`, … whichever no event has yet."""
    return _free_name(s, Event.slug, wanted)


def _free_name(s: Session, column, wanted: str) -> str:
    """`wanted`, or the first of `wanted-2`, `wanted-3`, … not yet in `column`."""
    taken = set(s.execute(select(column).where(
        or_(column == wanted, column.startswith(wanted + "-", autoescape=True)))).scalars())
    name, n = wanted, 1
    while name in taken:
        n += 1
        name = f"{wanted}-{n}"
    return name


class Writer:
    """Writes records within one session, caching tag and source look-ups (bulk imports)."""

    def __init__(self, s: Session):
        self.s = s
        self.c = s.connection()  # Core statements: ORM bulk machinery is 3x slower here
        self._tags: dict[tuple[str, str], int] = {}
        self._source_keys: dict[str, int | None] = {}
        self.sources_created = 0  # by citations that named a source not yet stored

    # ---- events
    def save_event(self, data: EventIn, *, slug: str, existing_id: int | None = None) -> int:
        """Insert or replace one event (with its tags, citations, translations)."""
        values = dict(slug=slug, title=data.title, body=data.body, category=data.category,
                      lang=data.lang, importance=data.importance, date_text=data.date.text,
                      date_base=data.date.base, date_start=data.date.start,
                      date_end=data.date.end, date_precision=data.date.precision,
                      date_edtf=data.date.edtf, title_key=records.title_key(data.title),
                      updated=utcnow())
        source_ids = [(self.source_id(ref), ref.locator) for ref in data.sources]
        tag_ids = [self.tag_id(kind, name) for kind, name in data.tags]
        if existing_id is None:
            event_id = self.c.execute(_INSERT_EVENT, dict(values, created=values["updated"])) \
                .scalar_one()
        else:
            event_id = existing_id
            self.c.execute(_UPDATE_EVENT, dict(values, _id=event_id))
            for stmt in _DELETE_LINKS:
                self.c.execute(stmt, {"_id": event_id})
        tag_rows, seen = [], set()
        for pos, tag_id in enumerate(tag_ids):
            if tag_id not in seen:
                seen.add(tag_id)
                tag_rows.append(dict(event_id=event_id, tag_id=tag_id, position=pos))
        if tag_rows:
            self.c.execute(insert(EVENT_TAG), tag_rows)
        cite_rows, seen = [], set()
        for pos, (source_id, locator) in enumerate(source_ids):
            if source_id in seen:
                raise ValidationError(f"event '{slug}' cites the same source twice; "
                                      "give one citation with one locator")
            seen.add(source_id)
            cite_rows.append(dict(event_id=event_id, source_id=source_id, locator=locator,
                                  position=pos))
        if cite_rows:
            self.c.execute(insert(CITATION), cite_rows)
        trans_rows = [dict(event_id=event_id, lang=lang, title=t, body=b)
                      for lang, (t, b) in data.translations.items()]
        if trans_rows:
            self.c.execute(insert(TRANSLATION), trans_rows)
        return event_id

    def delete_event(self, slug: str) -> None:
        row = get_event_row(self.s, slug)
        self.c.execute(update(OBSERVATION).where(Observation.event_id == row.id)
                       .values(event_id=None))
        for table in (EventTag, Citation, Translation):
            self.s.execute(delete(table).where(table.event_id == row.id))
        self.s.execute(delete(Event).where(Event.id == row.id))

    def slug_ids(self) -> dict[str, int]:
        return dict(self.c.execute(select(Event.slug, Event.id)).all())

    # ---- tags
    def tag_id(self, kind: str, name: str) -> int:
        key = (kind, name)
        if key not in self._tags:
            found = self.c.execute(select(Tag.id).where(Tag.kind == kind, Tag.name == name)) \
                .scalars().first()
            if found is None:
                found = self.c.execute(insert(TAG).values(kind=kind, name=name)
                                       .returning(Tag.id)).scalar_one()
            self._tags[key] = found
        return self._tags[key]

    def save_tag_names(self, data: dict) -> None:
        """A tag's names in other languages (the tag is made if no event carries it yet)."""
        tag_id = self.tag_id(data["kind"], data["name"])
        self.c.execute(update(TAG).where(Tag.id == tag_id).values(name_zh=data["name_zh"]))

    # ---- sources
    def save_source(self, data: SourceIn) -> int:
        values = dict(title=data.title, publisher=data.publisher, author=data.author,
                      url=data.url, published=data.published, language=data.language)
        found = self.c.execute(select(Source.id).where(Source.key == data.key)).scalars().first()
        if found is None:
            found = self.c.execute(insert(SOURCE).values(key=data.key, **values)
                                   .returning(Source.id)).scalar_one()
        else:
            self.c.execute(update(SOURCE).where(Source.id == found).values(**values))
        self._source_keys[data.key] = found
        return found

    def source_id(self, ref: SourceRef) -> int:
        """The source a reference names: by key, else URL, else title (created if new)."""
        if ref.key:
            if ref.key in self._source_keys:
                return self._source_keys[ref.key]
            found = self.c.execute(select(Source.id).where(Source.key == ref.key)).scalars().first()
            self._source_keys[ref.key] = found
            if found is None:
                raise ValidationError(f"unknown source key '{ref.key}'; define it under "
                                      "'sources' in the same import or import it first")
            return found
        stmt = select(Source.id)
        if ref.url:
            stmt = stmt.where(Source.url == ref.url)
        else:
            stmt = stmt.where(Source.title == ref.title)
            for col, value in ((Source.publisher, ref.publisher),
                               (Source.published, ref.published)):
                if value is not None:
                    stmt = stmt.where(col == value)
        found = self.s.execute(stmt.order_by(Source.id).limit(1)).scalars().first()
        if found is not None:
            return found
        key = _free_name(self.s, Source.key, records.make_source_key(ref))
        self.sources_created += 1
        return self.save_source(SourceIn(key=key, title=ref.title or ref.url or key,
                                         publisher=ref.publisher, author=ref.author,
                                         url=ref.url, published=ref.published,
                                         language=ref.language))

    # ---- observations and series
    def save_observation(self, data: ObservationIn, slug_ids: dict[str, int]) -> None:
        source_id = self.source_id(data.source)
        event_id = None
        if data.event:
            if data.event not in slug_ids:
                raise ValidationError(f"observation of '{data.series}' names unknown event "
                                      f"'{data.event}'")
            event_id = slug_ids[data.event]
        values = dict(period_text=data.period.text, value=data.value, unit=data.unit,
                      qualifier=data.qualifier, event_id=event_id, note=data.note,
                      note_zh=data.note_zh)
        key = (Observation.series == data.series,
               Observation.period_start == data.period.start,
               Observation.period_end == data.period.end,
               Observation.source_id == source_id)
        found = self.c.execute(select(Observation.id).where(*key)).scalars().first()
        if found is None:
            self.c.execute(insert(OBSERVATION).values(
                series=data.series, period_start=data.period.start,
                period_end=data.period.end, source_id=source_id, **values))
        else:
            self.c.execute(update(OBSERVATION).where(Observation.id == found).values(**values))

    def save_series(self, data: dict) -> None:
        row = self.s.get(Series, data["key"])
        if row is None:
            self.s.add(Series(**data))
        else:
            for k, v in data.items():
                setattr(row, k, v)
        self.s.flush()


# ---------------------------------------------------------------- checks

def events_without_sources(s: Session) -> list[str]:
    cited = select(Citation.event_id)
    return list(s.execute(select(Event.slug).where(Event.id.not_in(cited)).order_by(Event.slug))
                .scalars())


def dangling_citations(s: Session) -> list[tuple[str, int]]:
    """Citations whose source row is missing (possible in a file written without FKs)."""
    return [tuple(r) for r in s.execute(
        select(Event.slug, Citation.source_id).join(Event, Event.id == Citation.event_id)
        .where(Citation.source_id.not_in(select(Source.id))).order_by(Event.slug))]


def dangling_observations(s: Session) -> list[tuple[str, str, str, int]]:
    """Observations whose source row is missing: (series, period start, end, source id)."""
    return [tuple(r) for r in s.execute(
        select(Observation.series, Observation.period_start, Observation.period_end,
               Observation.source_id)
        .where(Observation.source_id.not_in(select(Source.id)))
        .order_by(Observation.series, Observation.period_start, Observation.period_end))]


def duplicate_events(s: Session) -> list[list[str]]:
    """Groups of slugs that share a normalised title and a date interval."""
    dup = (select(Event.title_key, Event.date_start, Event.date_end)
           .group_by(Event.title_key, Event.date_start, Event.date_end)
           .having(func.count() > 1).subquery())
    groups: dict[tuple, list[str]] = defaultdict(list)
    for key, start, end, slug in s.execute(
            select(Event.title_key, Event.date_start, Event.date_end, Event.slug)
            .join(dup, (dup.c.title_key == Event.title_key) & (dup.c.date_start == Event.date_start)
                  & (dup.c.date_end == Event.date_end)).order_by(Event.date_start, Event.slug)):
        groups[(key, start, end)].append(slug)
    return list(groups.values())


def observations_by_period(s: Session) -> Iterable[tuple]:
    """(series, start, end, value, unit, qualifier, source key, note), grouped by period;
    the note in either language (a note written only in Chinese explains a conflict too)."""
    return s.execute(select(Observation.series, Observation.period_start, Observation.period_end,
                         Observation.value, Observation.unit, Observation.qualifier, Source.key,
                         func.coalesce(Observation.note, Observation.note_zh))
                  .join(Source, Source.id == Observation.source_id)
                  .order_by(Observation.series, Observation.period_start,
                            Observation.period_end, Source.key)).all()
