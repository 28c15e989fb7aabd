"""What each write command does to the store, as one transaction.

add, edit, remove and import: the rules around a write (duplicates, slugs, the order
records are written in) sit here, the SQL in db.py. A failure anywhere rolls the whole
command back, so a failed command changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from timeline import db, records
from timeline.errors import (DuplicateEventError, InputFormatError, TimelineError,
                             ValidationError)
from timeline.records import EventIn

if TYPE_CHECKING:
    from timeline.check import Finding
    from timeline.importers import Batch, Where

# check and importers (with yaml) are imported by the functions that use them.


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    sources: int = 0
    observations: int = 0
    series: int = 0
    tags: int = 0
    dry_run: bool = False

    def summary(self) -> str:
        verb = "Would import" if self.dry_run else "Imported"
        more = ([f"{self.series} series"] if self.series else []) + \
            ([_count(self.tags, "tag name")] if self.tags else [])
        return ", ".join([f"{verb} {_count(self.created + self.updated, 'event')} ({self.created} new, "
                          f"{self.updated} updated)", _count(self.sources, "source"),
                          _count(self.observations, "observation")] + more)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def add_event(engine: Engine, data: EventIn, *, force: bool = False) -> str:
    """Add one event; returns its slug. Refuses a duplicate unless force."""
    with db.session(engine) as s:
        if not force:
            _refuse_duplicate(s, data)
        wanted = data.slug or records.make_slug(data.title, data.date.start)
        if data.slug and data.slug in db.event_slugs(s):
            raise ValidationError(f"slug '{data.slug}' is taken; choose another --slug "
                                  f"or edit it with `timeline edit {data.slug}`")
        slug = db.free_slug(s, wanted)
        db.Writer(s).save_event(data, slug=slug)
        return slug


def edit_from_options(engine: Engine, slug: str, changes: dict, *,
                      force: bool = False) -> str:
    """Apply the options given to `timeline edit` (None = unchanged); returns the slug."""
    with db.session(engine) as s:
        record = db.get_event(s, slug)
        for name, value in changes.items():
            if value is None:
                continue
            if name == "date":
                old = record["date"]
                value = {"text": value["text"] or old["text"],
                         "base": value["base"] or old["base"]}
            record[name] = value
        data = event_from_options(record)
        row = db.get_event_row(s, slug)
        new_slug = data.slug or slug
        if new_slug != slug and new_slug in db.event_slugs(s):
            raise ValidationError(f"--slug '{new_slug}' is taken by another event")
        if not force:
            _refuse_duplicate(s, data, exclude=slug)
        db.Writer(s).save_event(data, slug=new_slug, existing_id=row.id)
        return new_slug


def event_from_options(record: dict) -> EventIn:
    """An event from command-line options (None = not given); errors name the option."""
    from timeline.importers import Where, event_from_dict, field_key
    record = {k: v for k, v in record.items() if v is not None}
    try:
        return event_from_dict(record, Where("command line"))
    except InputFormatError as e:
        if not e.field:
            raise ValidationError(e.reason) from None
        key = "base" if e.field.endswith(".base") else field_key(e.field)
        option = "--" + {"tags": "tag", "sources": "source"}.get(key, key)
        raise ValidationError(f"{option}: {e.reason}") from None


def get_event(engine: Engine, slug: str) -> dict:
    with db.session(engine, readonly=True) as s:
        return db.get_event(s, slug)


def event_filter(category: str | None = None, tag: str | None = None, start: str | None = None,
                 end: str | None = None, search: str | None = None) -> db.EventFilter:
    """Check the options of `timeline list` and turn them into a filter."""
    if category is not None:
        category = records.check_category(category)
    return db.EventFilter(
        category=category, tag=tag.strip() if tag else None,
        start=_option_date(start, "--from").start if start else None,
        end=_option_date(end, "--to").end if end else None,
        search=search if search and search.strip() else None)


def _option_date(text: str, option: str) -> records.StoredDate:
    try:
        return records.read_date(text)
    except TimelineError as e:
        raise ValidationError(f"{option}: {e}") from None


def list_events(engine: Engine, flt: db.EventFilter) -> list[dict]:
    with db.session(engine, readonly=True) as s:
        return db.list_events(s, flt)


def run_checks(engine: Engine) -> list[Finding]:
    from timeline import check
    with db.session(engine, readonly=True) as s:
        return check.findings(db.events_without_sources(s), db.dangling_citations(s),
                              db.dangling_observations(s), db.duplicate_events(s),
                              db.observations_by_period(s))


def remove_event(engine: Engine, slug: str) -> None:
    with db.session(engine) as s:
        db.Writer(s).delete_event(slug)


def _refuse_duplicate(s, data: EventIn, exclude: str | None = None) -> None:
    twin = db.find_duplicate(s, data, exclude_slug=exclude)
    if twin:
        raise DuplicateEventError(f"'{twin}' already has this title and date; "
                                  "use --force to add it anyway")


def _once(seen: dict, name: str, where, field: str) -> None:
    """Refuse a slug or source key given twice in one import (the second would silently
    replace the first)."""
    if name in seen:
        first = seen[name]
        raise where.error(f"{field} '{name}' appears twice in this import "
                          f"(also {first.path}{':' + str(first.line) if first.line else ''})", field)
    seen[name] = where


def import_batch(engine: Engine, batch: Batch, *, dry_run: bool = False) -> ImportReport:
    """Write everything read from the files in one transaction (rolled back on dry run)."""
    report = ImportReport(dry_run=dry_run)
    try:
        with db.session(engine) as s:
            writer = db.Writer(s)
            for where, item in batch.series:
                _at(where, writer.save_series, item)
                report.series += 1
            for where, item in batch.tags:
                _at(where, writer.save_tag_names, item)
                report.tags += 1
            keys: dict[str, Where] = {}
            for where, source in batch.sources:
                _once(keys, source.key, where, "key")
                _at(where, writer.save_source, source)
                report.sources += 1
            slug_ids = writer.slug_ids()
            seen: dict[str, Where] = {}
            for where, event in batch.events:
                slug = event.slug or records.make_slug(event.title, event.date.start)
                _once(seen, slug, where, "slug")
                existing = slug_ids.get(slug)
                slug_ids[slug] = _at(where, writer.save_event, replace(event, slug=slug),
                                     slug=slug, existing_id=existing)
                if existing is None:
                    report.created += 1
                else:
                    report.updated += 1
            for where, obs in batch.observations:
                _at(where, writer.save_observation, obs, slug_ids)
                report.observations += 1
            report.sources += writer.sources_created
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def _at(where: Where, fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except InputFormatError:
        raise  # already names its file and line
    except TimelineError as e:
        raise where.error(str(e)) from None
