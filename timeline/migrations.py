"""Schema versions and the steps between them.

The version lives in the `meta` table (key `schema_version`). A new database gets the
current schema straight from the models; an older one runs each step from its version
up, in the same transaction that opens it; a newer one is refused, because this code
would not know what it might lose.

To change the schema: change models.py, add a step `MIGRATIONS[n] = step` that brings a
database of version n to n + 1 with plain SQL that SQLite and PostgreSQL both accept,
bump SCHEMA_VERSION, and add a fixture database of the old version to tests/fixtures.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from timeline.errors import SchemaError

if TYPE_CHECKING:
    from sqlalchemy import Connection

# SQLAlchemy and the models are imported by the functions that use them: chronology.read
# compares a SQLite file's version with SCHEMA_VERSION without loading either.

SCHEMA_VERSION = 5
# The stored version, read by stored_version here and by chronology.read (sqlite3).
VERSION_QUERY = "SELECT value FROM meta WHERE key = 'schema_version'"


def _v1_to_v2(conn: Connection) -> None:
    """v2: series get labels (English, Chinese) and a unit for charts."""
    conn.exec_driver_sql(
        "CREATE TABLE series (key VARCHAR(200) NOT NULL PRIMARY KEY, "
        "title VARCHAR NOT NULL, title_zh VARCHAR, unit VARCHAR NOT NULL DEFAULT '', "
        "description VARCHAR NOT NULL DEFAULT '')")


def _v2_to_v3(conn: Connection) -> None:
    """v3: a tag may have a Chinese name for the Chinese pages."""
    conn.exec_driver_sql("ALTER TABLE tag ADD COLUMN name_zh VARCHAR")


def _v3_to_v4(conn: Connection) -> None:
    """v4: a series' description and an observation's note may have Chinese text; an
    event's title_key keeps the point in a version number (records.title_key: "Kling 2.0"
    is not "Kling 20"), so the stored keys are made again."""
    from sqlalchemy import text

    from timeline.records import title_key
    conn.exec_driver_sql("ALTER TABLE series ADD COLUMN description_zh VARCHAR")
    conn.exec_driver_sql("ALTER TABLE observation ADD COLUMN note_zh VARCHAR")
    keys = [{"k": title_key(title), "i": id_}
            for id_, title in conn.exec_driver_sql("SELECT id, title FROM event").fetchall()]
    if keys:
        conn.execute(text("UPDATE event SET title_key = :k WHERE id = :i"), keys)


# What a rebuild needs to know of the writes since the last build (SQLite only): table
# `revision` holds a random number per event, drawn again by triggers whenever the event
# or anything of its own (translation, citation, tag link) is written, and row 0, drawn
# again whenever anything events share is (a source, a tag, an observation, a series).
# Random, not counted: two copies of a file edited apart never give one event the same
# revision for different contents. The build keeps the revisions it read beside the site
# and reads again only the events whose revision moved (chronology.read's `previous`).
# PostgreSQL has no such table: every build reads the whole chronology.
REVISION_TABLES = {"event": "self", "translation": "event", "citation": "event", "eventtag": "event",
                   "source": "shared", "tag": "shared", "observation": "shared", "series": "shared"}
# an event's columns that no page shows (stamped by every save, even of the same data)
_UNSHOWN = {"created", "updated"}
REVISION_TRIGGERS = 3 * len(REVISION_TABLES)   # insert, update, delete on each table
TRIGGER_PREFIX = "timeline_revision_"
# (a name pattern for LIKE: "_" stands for itself)
TRIGGERS_LIKE = "name LIKE '" + TRIGGER_PREFIX.replace("_", "\\_") + "%' ESCAPE '\\'"


def _tracked(revision_rows: str) -> str:
    """A query for (revision triggers, revision rows counted by `revision_rows`, events,
    row 0s)."""
    return (f"SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND {TRIGGERS_LIKE}), "
            f"({revision_rows}), (SELECT count(*) FROM event), (SELECT count(*) FROM revision WHERE event_id = 0)")


# repair counts the rows of events that exist; a build counts them all, which needs no
# join, and looks closer only when that count is not one per event plus row 0
TRACKED = _tracked("SELECT count(*) FROM revision WHERE event_id IN (SELECT id FROM event)")
TRACKED_ALL = _tracked("SELECT count(*) FROM revision")


def add_revisions(conn: Connection) -> None:
    """Create the revision table and its triggers (a SQLite database; see above)."""
    if conn.dialect.name != "sqlite":
        return
    run = conn.exec_driver_sql
    run("CREATE TABLE revision (event_id INTEGER NOT NULL PRIMARY KEY, rev INTEGER NOT NULL)")
    run("INSERT INTO revision (event_id, rev) SELECT id, random() FROM event")
    run("INSERT INTO revision (event_id, rev) VALUES (0, random())")
    for table, kind in REVISION_TABLES.items():
        columns = [row[1] for row in run(f"PRAGMA table_info({table})").fetchall()]
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns if c not in _UNSHOWN)
        if kind == "self":
            on = {"INSERT": ["INSERT OR REPLACE INTO revision VALUES (NEW.id, random())"],
                  "UPDATE": ["DELETE FROM revision WHERE event_id = OLD.id",
                             "INSERT OR REPLACE INTO revision VALUES (NEW.id, random())"],
                  "DELETE": ["DELETE FROM revision WHERE event_id = OLD.id"]}
        elif kind == "event":
            # (naming no other table, so that the way SQLite's manual rebuilds a table, a
            # new one renamed in place of the old, works; a row it leaves for an event
            # deleted with its links is not one of an event, and is not read)
            touch = "INSERT OR REPLACE INTO revision VALUES ({}.event_id, random())"
            on = {"INSERT": [touch.format("NEW")], "UPDATE": [touch.format("OLD"), touch.format("NEW")],
                  "DELETE": [touch.format("OLD")]}
        else:
            shared = "INSERT OR REPLACE INTO revision VALUES (0, random())"
            on = {"INSERT": [shared], "UPDATE": [shared], "DELETE": [shared]}
        for action, statements in on.items():
            when = f" WHEN {changed}" if action == "UPDATE" else ""
            run(f"CREATE TRIGGER {TRIGGER_PREFIX}{table}_{action.lower()} AFTER {action} ON {table}{when} "
                f"BEGIN {'; '.join(statements)}; END")


def repair_revisions(conn: Connection) -> None:
    """Put the revision table and its triggers back when something took any away (a tool
    that rebuilds a table drops its triggers; a row can be deleted by hand): each event
    gets a new revision, so the next build reads everything, edits made meanwhile too."""
    from sqlalchemy.exc import OperationalError
    if conn.dialect.name != "sqlite":
        return
    try:
        triggers, rows, events, shared = conn.exec_driver_sql(TRACKED).one()
        if (triggers, rows, shared) == (REVISION_TRIGGERS, events, 1):
            return
    except OperationalError:  # (no revision table)
        pass
    for (name,) in conn.exec_driver_sql(f"SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                        f"AND {TRIGGERS_LIKE}").fetchall():
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    conn.exec_driver_sql("DROP TABLE IF EXISTS revision")
    add_revisions(conn)


def _v4_to_v5(conn: Connection) -> None:
    """v5: the revision table and its triggers (SQLite; see add_revisions)."""
    add_revisions(conn)


MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    1: _v1_to_v2,
    2: _v2_to_v3,
    3: _v3_to_v4,
    4: _v4_to_v5,
}


def stored_version(conn: Connection) -> int | None:
    """The schema version of this database; None when it holds no timeline tables."""
    from sqlalchemy import inspect
    tables = set(inspect(conn).get_table_names())
    if "meta" not in tables:
        if tables & {"event", "source"}:
            raise SchemaError("the database has tables but no schema version: "
                              "it was not made by timeline")
        if tables:
            raise SchemaError("the database is not a timeline database (it holds other "
                              "tables); point --db at a new file or an empty database")
        return None
    row = conn.exec_driver_sql(VERSION_QUERY).first()
    if row is None:
        raise SchemaError("the database has no schema version: it was not made by timeline")
    return int(row[0])


def migrate(conn: Connection) -> int:
    """Bring the database to SCHEMA_VERSION; returns the version it had (0 if new)."""
    version = stored_version(conn)
    if version is None:
        from sqlmodel import SQLModel

        from timeline import models  # noqa: F401  (registers the tables on SQLModel.metadata)
        SQLModel.metadata.create_all(conn)
        add_revisions(conn)
        _set_version(conn, SCHEMA_VERSION, insert=True)
        return 0
    if version > SCHEMA_VERSION:
        raise SchemaError(f"the database has schema version {version}, newer than this "
                          f"timeline knows ({SCHEMA_VERSION}); upgrade timeline to open it")
    for step in range(version, SCHEMA_VERSION):
        MIGRATIONS[step](conn)
    if version != SCHEMA_VERSION:
        _set_version(conn, SCHEMA_VERSION, insert=False)
    repair_revisions(conn)
    return version


def _set_version(conn: Connection, version: int, *, insert: bool) -> None:
    value = str(int(version))  # a number this module chose: written into the SQL as is
    conn.exec_driver_sql(f"INSERT INTO meta (key, value) VALUES ('schema_version', '{value}')"
                         if insert else
                         f"UPDATE meta SET value = '{value}' WHERE key = 'schema_version'")
