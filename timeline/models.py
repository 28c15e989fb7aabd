"""The schema: the SQLModel tables (their fixed vocabularies are in vocab.py).

Pure declarations. No sessions, no queries (those live in db.py). Dates are stored as
the text written, the base date it was read against, an inclusive interval
(date_start, date_end as ISO strings), a precision and an EDTF string, so that nothing
the source said is lost and sorting by (start, end) is a plain index scan.
"""

from datetime import datetime, timezone

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class Meta(SQLModel, table=True):
    """Key/value facts about the database itself, such as schema_version."""

    key: str = Field(primary_key=True, max_length=64)
    value: str


class Event(SQLModel, table=True):
    __table_args__ = (
        Index("ix_event_date", "date_start", "date_end", "slug"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=200)
    title: str
    body: str = ""
    category: str = Field(index=True, max_length=32)
    lang: str = Field(default="en", max_length=16)
    importance: int = 0
    date_text: str
    date_base: str | None = Field(default=None, max_length=10)
    date_start: str = Field(max_length=10)
    date_end: str = Field(max_length=10)
    date_precision: str = Field(max_length=16)
    date_edtf: str = Field(max_length=64)
    # The normalised title (see records.title_key), for the duplicate check.
    title_key: str = Field(index=True)
    created: str = Field(default_factory=utcnow, max_length=32)
    updated: str = Field(default_factory=utcnow, max_length=32)


class Translation(SQLModel, table=True):
    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    lang: str = Field(primary_key=True, max_length=16)
    title: str
    body: str = ""


class Source(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # A stable, human-readable key (slug); the natural key for import and permalinks.
    key: str = Field(unique=True, index=True, max_length=200)
    title: str
    publisher: str | None = None
    author: str | None = None
    url: str | None = Field(default=None, index=True)
    # As precise as known: "2025", "2025-06" or "2025-06-06".
    published: str | None = Field(default=None, max_length=10)
    language: str | None = Field(default=None, max_length=16)


class Citation(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("event_id", "source_id", name="uq_citation"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    source_id: int = Field(foreign_key="source.id", index=True)
    locator: str | None = None
    note: str | None = None
    position: int = 0


class Tag(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("kind", "name", name="uq_tag"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    name: str = Field(index=True)
    # The name on the Chinese pages, when it is not written the same (schema v3).
    name_zh: str | None = None


class EventTag(SQLModel, table=True):
    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    tag_id: int = Field(foreign_key="tag.id", primary_key=True, index=True)
    position: int = 0


class Observation(SQLModel, table=True):
    """A number a source gave for a series over a period (for charts and conflicts)."""

    __table_args__ = (Index("ix_observation_series", "series", "period_start", "period_end"),)

    id: int | None = Field(default=None, primary_key=True)
    series: str = Field(max_length=200)
    period_text: str | None = None
    period_start: str = Field(max_length=10)
    period_end: str = Field(max_length=10)
    value: float
    unit: str = ""
    # "" for exact, ">" more than, "<" less than, "~" about, ">=" at least, "<=" at most.
    qualifier: str = Field(default="", max_length=4)
    source_id: int = Field(foreign_key="source.id", index=True)
    event_id: int | None = Field(default=None, foreign_key="event.id", index=True,
                                 ondelete="SET NULL")
    note: str | None = None
    note_zh: str | None = None  # the note in Chinese, for the Chinese pages (schema v4)


class Series(SQLModel, table=True):
    """Labels for an observation series (schema v2): what a chart is titled."""

    key: str = Field(primary_key=True, max_length=200)
    title: str
    title_zh: str | None = None
    unit: str = ""
    description: str = ""
    description_zh: str | None = None  # (schema v4)
