"""Importers: files → validated records, with the file and line of every record.

JSON, JSON Lines, YAML, CSV and Markdown with YAML front matter, chosen by suffix.
Pure: reads files, parses dates, checks fields; never touches the database. An error
names the file, the line (or the record's index) and the field.
"""

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from timeline import records
from timeline.errors import InputFormatError, TimelineError
from timeline.records import EventIn, ObservationIn, SourceIn, SourceRef, StoredDate

SUFFIXES = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".yaml": "yaml",
            ".yml": "yaml", ".csv": "csv", ".md": "markdown", ".markdown": "markdown"}

EVENT_KEYS = {"slug", "title", "category", "tags", "date", "body", "lang", "sources",
              "translations", "importance"}
SOURCE_KEYS = {"key", "title", "publisher", "author", "url", "published", "language"}
OBSERVATION_KEYS = {"series", "period", "value", "unit", "qualifier", "source", "event",
                    "note", "base"}
SERIES_KEYS = {"key", "title", "title_zh", "unit", "description"}


@dataclass(frozen=True)
class Where:
    """Where a record came from: file, line (when known) and index."""

    path: str
    line: int | None = None
    item: str | None = None

    def error(self, message: str, field: str | None = None) -> InputFormatError:
        name = ".".join(x for x in (self.item if not self.line else None, field) if x) or None
        return InputFormatError(message, path=self.path, line=self.line, field=name)


@dataclass
class Batch:
    """Everything read from the files of one import, in file order."""

    sources: list[tuple[Where, SourceIn]] = field(default_factory=list)
    events: list[tuple[Where, EventIn]] = field(default_factory=list)
    observations: list[tuple[Where, ObservationIn]] = field(default_factory=list)
    series: list[tuple[Where, dict]] = field(default_factory=list)


def read_files(paths: list[Path]) -> Batch:
    batch = Batch()
    for path in paths:
        read_file(Path(path), batch)
    return batch


def read_file(path: Path, batch: Batch) -> Batch:
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise InputFormatError(f"unknown file type '{path.suffix}'; use one of "
                               f"{', '.join(sorted(SUFFIXES))}", path=str(path))
    try:
        content = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputFormatError("no such file", path=str(path)) from None
    except IsADirectoryError:
        raise InputFormatError("is a folder, not a file", path=str(path)) from None
    except UnicodeDecodeError as e:
        raise InputFormatError(f"not UTF-8 text (byte {e.start})", path=str(path)) from None
    except OSError as e:
        raise InputFormatError(e.strerror or str(e), path=str(path)) from None
    READERS[kind](content, str(path), batch)
    return batch


# ---------------------------------------------------------------- formats

def _read_json(content: str, path: str, batch: Batch) -> None:
    try:
        data = json.loads(content)
    except json.JSONDecodeError as e:
        raise InputFormatError(f"invalid JSON: {e.msg} (column {e.colno})", path=path,
                               line=e.lineno) from None
    _read_document(data, path, batch, lines=None)


def _read_jsonl(content: str, path: str, batch: Batch) -> None:
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputFormatError(f"invalid JSON: {e.msg} (column {e.colno})", path=path,
                                   line=number) from None
        where = Where(path, number)
        if not isinstance(record, dict):
            raise where.error("each line must be a JSON object")
        kind = record.pop("type", "event")
        _add_record(kind, record, where, batch)


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line each mapping starts on."""


class _LineDict(dict):
    line: int | None = None


def _construct_mapping(loader, node):
    mapping = _LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _load_yaml(content: str, path: str, offset: int = 0) -> Any:
    try:
        return yaml.load(content, Loader=_LineLoader)  # noqa: S506 (SafeLoader subclass)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise InputFormatError(f"invalid YAML: {problem}", path=path,
                               line=mark.line + 1 + offset if mark else None) from None


def _read_yaml(content: str, path: str, batch: Batch) -> None:
    _read_document(_load_yaml(content, path), path, batch, lines=True)


def _read_csv(content: str, path: str, batch: Batch) -> None:
    reader = csv.DictReader(io.StringIO(content, newline=""))
    if not reader.fieldnames or "title" not in reader.fieldnames:
        raise InputFormatError("a CSV file needs a header row with at least title, date "
                               "and category", path=path, line=1)
    try:
        for row in reader:
            where = Where(path, reader.line_num)
            if None in row:
                raise where.error("more cells than header columns")
            batch.events.append((where, event_from_dict(_csv_event(row), where)))
    except csv.Error as e:
        raise InputFormatError(f"invalid CSV: {e}", path=path, line=reader.line_num) from None


def _csv_event(row: dict[str, str]) -> dict:
    """A CSV row (as `timeline export --format csv` writes it) → an event dict."""
    row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
    event: dict[str, Any] = {k: row.pop(k) for k in ("slug", "title", "category", "body", "lang")
                             if row.get(k)}
    date_fields = {k[5:]: row.pop(k) for k in list(row) if k.startswith("date_") and row[k]}
    text = row.pop("date", "") or date_fields.pop("text", "")
    date_fields.pop("text", None)
    event["date"] = dict(date_fields, text=text) if date_fields else text
    for k in ("title", "body"):
        row.pop(k, None)
    tags, sources = row.pop("tags", ""), row.pop("sources", "")
    event["tags"] = [t.strip() for t in tags.split(";") if t.strip()]
    event["sources"] = [s.strip() for s in sources.split(";") if s.strip()]
    translations: dict[str, dict] = {}
    for key in list(row):
        m = re.fullmatch(r"(title|body)_([A-Za-z-]+)", key)
        if m:
            value = row.pop(key)
            if value:
                translations.setdefault(m.group(2), {})[m.group(1)] = value
    if translations:
        event["translations"] = translations
    if row.get("importance"):
        event["importance"] = row.pop("importance")
    unknown = [k for k, v in row.items() if v]
    if unknown:
        event["_unknown"] = unknown
    return event


def _read_markdown(content: str, path: str, batch: Batch) -> None:
    m = re.match(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n?(.*)\Z", content, re.S | re.M)
    if not m:
        raise InputFormatError("a Markdown event starts with YAML front matter between "
                               "'---' lines", path=path, line=1)
    front = _load_yaml(m.group(1), path, offset=1)
    where = Where(path, 1)
    if not isinstance(front, dict):
        raise where.error("the front matter must be a mapping of fields")
    body = m.group(2).strip("\n")
    if body:
        front["body"] = body
    batch.events.append((where, event_from_dict(front, where)))


READERS: dict[str, Callable[[str, str, Batch], None]] = {
    "json": _read_json, "jsonl": _read_jsonl, "yaml": _read_yaml, "csv": _read_csv,
    "markdown": _read_markdown,
}


def _read_document(data: Any, path: str, batch: Batch, lines: bool | None) -> None:
    """An export object {events, sources, observations, series} or a list of events."""
    if isinstance(data, list):
        data = {"events": data}
    if not isinstance(data, dict):
        raise InputFormatError("expected an object with 'events' (and 'sources', "
                               "'observations') or a list of events", path=path)
    unknown = set(data) - {"events", "sources", "observations", "series"}
    if unknown:
        raise InputFormatError(f"unknown top-level key(s) {', '.join(sorted(unknown))}; "
                               "expected events, sources, observations, series", path=path)
    for section, kind in (("series", "series"), ("sources", "source"), ("events", "event"),
                          ("observations", "observation")):
        items = data.get(section) or []
        if not isinstance(items, list):
            raise InputFormatError(f"'{section}' must be a list", path=path)
        for index, item in enumerate(items):
            where = Where(path, getattr(item, "line", None), f"{section}[{index}]")
            if not isinstance(item, dict):
                raise where.error(f"each of '{section}' must be an object")
            _add_record(kind, dict(item), where, batch)


def _add_record(kind: str, record: dict, where: Where, batch: Batch) -> None:
    if kind == "event":
        batch.events.append((where, event_from_dict(record, where)))
    elif kind == "source":
        batch.sources.append((where, source_from_dict(record, where)))
    elif kind == "observation":
        batch.observations.append((where, observation_from_dict(record, where)))
    elif kind == "series":
        batch.series.append((where, series_from_dict(record, where)))
    else:
        raise where.error(f"unknown record type '{kind}'; use event, source, observation "
                          "or series", "type")


# ---------------------------------------------------------------- records

def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    return str(value).strip()


def _checked(where: Where, name: str, fn: Callable, *args):
    """Run one field check, turning its error into one that names file, line and field."""
    try:
        return fn(*args)
    except InputFormatError:
        raise
    except TimelineError as e:
        raise where.error(str(e), name) from None


def _unknown(record: dict, allowed: set[str], where: Where) -> None:
    extra = sorted(set(record) - allowed - {"_unknown", "display"})
    extra += record.get("_unknown", [])
    if extra:
        raise where.error(f"unknown field(s) {', '.join(extra)}; allowed: "
                          f"{', '.join(sorted(allowed))}")


def _required(record: dict, name: str, where: Where) -> str:
    value = _text(record.get(name))
    if not value:
        raise where.error("is missing", name)
    return value


def date_from_value(value: Any, where: Where, name: str = "date",
                    base: Any = None) -> StoredDate:
    if isinstance(value, (date, datetime)):
        value = value.isoformat()[:10]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        if not value.strip():
            raise where.error("is empty", name)
        return _checked(where, name, records.read_date, value, _text(base))
    if not isinstance(value, dict):
        raise where.error("must be date text or an object with text (and base)", name)
    text, base_ = _text(value.get("text")) or "", _text(value.get("base", base))
    if value.get("start") or value.get("end") or value.get("precision"):
        for part in ("start", "end", "precision"):
            if not value.get(part):
                raise where.error("is missing (start, end and precision go together)",
                                  f"{name}.{part}")
        return _checked(where, name, records.stored_date, text, base_, _text(value["start"]),
                        _text(value["end"]), _text(value["precision"]), _text(value.get("edtf")))
    if not text:
        raise where.error("needs text, or start, end and precision", name)
    return _checked(where, name, records.read_date, text, base_)


def period_from_value(value: Any, where: Where, base: Any = None) -> records.Period:
    """An observation's period: date text (read with base), or text/base, or start/end."""
    if isinstance(value, dict) and (value.get("start") or value.get("end")):
        for part in ("start", "end"):
            if not value.get(part):
                raise where.error("is missing (start and end go together)", f"period.{part}")
        return _checked(where, "period", records.period, _text(value.get("text")),
                        _text(value["start"]), _text(value["end"]))
    parsed = date_from_value(value, where, "period", base)
    return records.Period(text=parsed.text, start=parsed.start, end=parsed.end)


def source_ref(value: Any, where: Where, name: str) -> SourceRef:
    if isinstance(value, str):
        return _checked(where, name, records.parse_source_text, value)
    if not isinstance(value, dict):
        raise where.error("must be a source key object, a source object or a string", name)
    extra = set(value) - SOURCE_KEYS - {"locator"}
    if extra:
        raise where.error(f"unknown field(s) {', '.join(sorted(extra))}", name)
    ref = SourceRef(key=_text(value.get("key")), title=_text(value.get("title")),
                    publisher=_text(value.get("publisher")), url=_text(value.get("url")),
                    published=_checked(where, f"{name}.published", records.check_published,
                                       value.get("published")),
                    locator=_text(value.get("locator")), author=_text(value.get("author")),
                    language=_text(value.get("language")))
    if not (ref.key or ref.title or ref.url):
        raise where.error("needs a key, a title or a url", name)
    return ref


def event_from_dict(record: dict, where: Where) -> EventIn:
    _unknown(record, EVENT_KEYS, where)
    title = _required(record, "title", where)
    category = _checked(where, "category", records.check_category,
                        _required(record, "category", where))
    if "date" not in record or record["date"] in (None, ""):
        raise where.error("is missing", "date")
    slug = _text(record.get("slug")) or None
    if slug:
        _checked(where, "slug", records.check_slug, slug)
    tags = record.get("tags") or []
    if not isinstance(tags, list):
        raise where.error("must be a list", "tags")
    parsed_tags = []
    for i, tag in enumerate(tags):
        if isinstance(tag, dict):
            tag = f"{tag.get('kind') or 'topic'}:{tag.get('name') or ''}"
        parsed_tags.append(_checked(where, f"tags[{i}]", records.parse_tag, str(tag)))
    sources = record.get("sources") or []
    if not isinstance(sources, list):
        raise where.error("must be a list", "sources")
    translations = {}
    for lang, t in (record.get("translations") or {}).items():
        if not isinstance(t, dict) or not _text(t.get("title")):
            raise where.error("needs a title", f"translations.{lang}")
        translations[str(lang)] = (_text(t["title"]), _text(t.get("body")) or "")
    try:
        importance = int(record.get("importance") or 0)
    except (TypeError, ValueError):
        raise where.error("must be a whole number", "importance") from None
    return EventIn(title=title, category=category, slug=slug,
                   date=date_from_value(record["date"], where),
                   body=_text(record.get("body")) or "", lang=_text(record.get("lang")) or "en",
                   importance=importance, tags=parsed_tags,
                   sources=[source_ref(s, where, f"sources[{i}]") for i, s in enumerate(sources)],
                   translations=translations)


def source_from_dict(record: dict, where: Where) -> SourceIn:
    _unknown(record, SOURCE_KEYS, where)
    key = _required(record, "key", where)
    _checked(where, "key", records.check_slug, key)
    return SourceIn(key=key, title=_required(record, "title", where),
                    publisher=_text(record.get("publisher")), author=_text(record.get("author")),
                    url=_text(record.get("url")),
                    published=_checked(where, "published", records.check_published,
                                       record.get("published")),
                    language=_text(record.get("language")))


def observation_from_dict(record: dict, where: Where) -> ObservationIn:
    _unknown(record, OBSERVATION_KEYS, where)
    series = _required(record, "series", where)
    if "period" not in record:
        raise where.error("is missing", "period")
    value = record.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(str(value).replace(",", ""))
        except ValueError:
            raise where.error(f"'{value}' is not a number", "value") from None
    if "source" not in record:
        raise where.error("is missing", "source")
    source = record["source"]
    ref = (SourceRef(key=source) if isinstance(source, str) and records.SLUG_RE.match(source)
           else source_ref(source, where, "source"))
    return ObservationIn(series=series, value=value, source=ref,
                         period=period_from_value(record["period"], where, record.get("base")),
                         unit=_text(record.get("unit")) or "",
                         qualifier=_checked(where, "qualifier", records.check_qualifier,
                                            record.get("qualifier")),
                         event=_text(record.get("event")) or None,
                         note=_text(record.get("note")) or None)


def series_from_dict(record: dict, where: Where) -> dict:
    _unknown(record, SERIES_KEYS, where)
    return {"key": _required(record, "key", where), "title": _required(record, "title", where),
            "title_zh": _text(record.get("title_zh")), "unit": _text(record.get("unit")) or "",
            "description": _text(record.get("description")) or ""}

