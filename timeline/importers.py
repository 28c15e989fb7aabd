"""Importers: files → validated records, with the file and line of every record.

JSON, JSON Lines, YAML, CSV and Markdown with YAML front matter, chosen by suffix.
Pure: reads files, parses dates, checks fields; never touches the database. An error
names the file, the line (or the record's index) and the field.
"""

import csv
import io
import json
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from timeline import records
from timeline.errors import InputFormatError, TimelineError
from timeline.records import FORMULA_START, EventIn, ObservationIn, SourceIn, SourceRef, StoredDate
from timeline.vocab import TAG_KINDS

SUFFIXES = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".yaml": "yaml",
            ".yml": "yaml", ".csv": "csv", ".md": "markdown", ".markdown": "markdown"}

EVENT_KEYS = {"slug", "title", "category", "tags", "date", "body", "lang", "sources",
              "translations", "importance"}
SOURCE_KEYS = {"key", "title", "publisher", "author", "url", "published", "language"}
OBSERVATION_KEYS = {"series", "period", "value", "unit", "qualifier", "source", "event",
                    "note", "note_zh", "base"}
SERIES_KEYS = {"key", "title", "title_zh", "unit", "description", "description_zh"}
TAG_KEYS = {"kind", "name", "name_zh"}


@dataclass(frozen=True)
class Where:
    """Where a record came from: file, line (when known) and index; in YAML, the line of
    each of its keys, so that an error names the line of the field it is about."""

    path: str
    line: int | None = None
    item: str | None = None
    key_lines: dict[str, int] | None = field(default=None, compare=False, hash=False)

    def error(self, message: str, field: str | None = None, key: str | None = None) -> InputFormatError:
        """`field` is what the error is about ("date.base", "tags[1]"); `key` a key whose
        line to name when the message is about several."""
        name = ".".join(x for x in (self.item if not self.line else None, field) if x) or None
        key = key or (field_key(field) if field else None)
        line = (self.key_lines or {}).get(key, self.line) if key else self.line
        return InputFormatError(message, path=self.path, line=line, field=name)


def field_key(field: str) -> str:
    """The record's key a field is under: "date" for "date.base", "tags" for "tags[1]"."""
    return field.split(".")[0].split("[")[0]


@dataclass
class Batch:
    """Everything read from the files of one import, in file order."""

    sources: list[tuple[Where, SourceIn]] = field(default_factory=list)
    events: list[tuple[Where, EventIn]] = field(default_factory=list)
    observations: list[tuple[Where, ObservationIn]] = field(default_factory=list)
    series: list[tuple[Where, dict]] = field(default_factory=list)
    tags: list[tuple[Where, dict]] = field(default_factory=list)


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
        # CSV keeps its line ends: a quoted cell's CR LF is part of the text
        with open(path, encoding="utf-8-sig", newline="" if kind == "csv" else None) as f:
            content = f.read()
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

TOO_DEEP = "lists or objects nested too deeply (no record of the formats nests more than a few levels)"

class _KeyTwice(ValueError):
    pass


def _object(pairs: list[tuple[str, Any]]) -> dict:
    """A JSON object, refusing a key written twice (json would keep the last silently)."""
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise _KeyTwice(f"the key '{twice}' appears twice in one object")
    return data


def _read_json(content: str, path: str, batch: Batch) -> None:
    try:
        data = json.loads(content, object_pairs_hook=_object)
    except json.JSONDecodeError as e:
        raise InputFormatError(f"invalid JSON: {e.msg} (column {e.colno})", path=path,
                               line=e.lineno) from None
    except _KeyTwice as e:
        raise InputFormatError(f"invalid JSON: {e}", path=path) from None
    except RecursionError:
        raise InputFormatError(TOO_DEEP, path=path) from None
    _read_document(data, path, batch, lines=None)


def _read_jsonl(content: str, path: str, batch: Batch) -> None:
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line, object_pairs_hook=_object)
        except json.JSONDecodeError as e:
            raise InputFormatError(f"invalid JSON: {e.msg} (column {e.colno})", path=path,
                                   line=number) from None
        except _KeyTwice as e:
            raise InputFormatError(f"invalid JSON: {e}", path=path, line=number) from None
        except RecursionError:
            raise InputFormatError(TOO_DEEP, path=path, line=number) from None
        where = Where(path, number)
        if not isinstance(record, dict):
            raise where.error("each line must be a JSON object")
        kind = record.pop("type", "event")
        _add_record(kind, record, where, batch)


_TWICE = "a key written twice"


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line each mapping starts on."""


class _LineDict(dict):
    line: int | None = None
    key_lines: dict | None = None


def _construct_mapping(loader, node):
    seen: dict = {}
    for key_node, _ in node.value:  # a key written twice: YAML keeps the last without a word
        if isinstance(key_node, yaml.ScalarNode):
            if key_node.value in seen:  # (_load_yaml names the first one's line)
                raise yaml.constructor.ConstructorError(
                    _TWICE, seen[key_node.value],
                    f"the key '{key_node.value}' appears twice in one record", key_node.start_mark)
            seen[key_node.value] = key_node.start_mark
    mapping = _LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {k.value: k.start_mark.line + 1 for k, _ in node.value
                         if isinstance(k, yaml.ScalarNode)}
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _construct_timestamp(loader, node):
    """An unquoted date as PyYAML reads it; one that is no date (2025-02-30) as its text,
    which the field's own check then refuses with its line (PyYAML raised ValueError)."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _construct_number(loader, node):
    """An unquoted number as the text written: YAML would make "2.10" 2.1, "12:30" 750 and
    "0755" 493. A numeric field (importance, value) reads the text as a number itself."""
    return loader.construct_scalar(node)


for _tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
    _LineLoader.add_constructor(_tag, _construct_number)


def _load_yaml(content: str, path: str, offset: int = 0) -> Any:
    try:
        return yaml.load(content, Loader=_LineLoader)  # noqa: S506 (SafeLoader subclass)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        if getattr(e, "context", None) == _TWICE:
            problem += f" (also on line {e.context_mark.line + 1 + offset})"
        raise InputFormatError(f"invalid YAML: {problem}", path=path,
                               line=mark.line + 1 + offset if mark else None) from None
    except RecursionError:
        raise InputFormatError(TOO_DEEP, path=path) from None


def _read_yaml(content: str, path: str, batch: Batch) -> None:
    _read_document(_load_yaml(content, path), path, batch, lines=True)


def _read_csv(content: str, path: str, batch: Batch) -> None:
    # csv refuses a field over 131,072 characters by default; the file is in memory
    # already, and a field's length is checked with every other field's (MAX_TEXT)
    csv.field_size_limit(2 ** 31 - 1)
    reader = csv.DictReader(io.StringIO(content, newline=""), strict=True)
    if not reader.fieldnames or "title" not in reader.fieldnames:
        raise InputFormatError("a CSV file needs a header row with at least title, date "
                               "and category", path=path, line=1)
    # (blank columns, as a spreadsheet leaves after the last, are not names)
    names = [name.strip() for name in reader.fieldnames if name.strip()]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:  # DictReader would keep the last column of that name without a word
        raise InputFormatError(f"the header names the column {twice[0]!r} twice", path=path, line=1)
    start = reader.line_num + 1  # where the next record begins: a broken quote is there
    try:
        for row in reader:
            where = Where(path, reader.line_num)
            if None in row:
                raise where.error("more cells than header columns")
            batch.events.append((where, event_from_dict(_csv_event(row), where)))
            start = reader.line_num + 1
    except csv.Error as e:
        raise InputFormatError(f"invalid CSV: {e}", path=path, line=start) from None


def _csv_value(cell: str) -> str:
    """A cell's text: export's apostrophe before a formula-like cell taken off."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_START):
        return cell[1:]
    return cell


def _csv_items(cell: str) -> list[str]:
    """The items of a list cell: split at ";", where "\\;" and "\\\\" stand for ";" and "\\"
    (any other backslash is itself, as in a file written by hand)."""
    items, item, chars = [], [], iter(cell)
    for c in chars:
        if c == "\\":
            nxt = next(chars, "")
            item.append(nxt if nxt in (";", "\\") else c + nxt)
        elif c == ";":
            items.append("".join(item))
            item = []
        else:
            item.append(c)
    items.append("".join(item))
    return [i.strip() for i in items if i.strip()]


def _csv_event(row: dict[str, str]) -> dict:
    """A CSV row (as `timeline export --format csv` writes it) → an event dict."""
    row = {k.strip(): _csv_value((v or "").strip()) for k, v in row.items() if k}
    event: dict[str, Any] = {k: row.pop(k) for k in ("slug", "title", "category", "body", "lang")
                             if row.get(k)}
    date_fields = {k[5:]: row.pop(k) for k in list(row) if k.startswith("date_") and row[k]}
    text = row.pop("date", "") or date_fields.pop("text", "")
    date_fields.pop("text", None)
    event["date"] = dict(date_fields, text=text) if date_fields else text
    for k in ("title", "body"):
        row.pop(k, None)
    tags, sources = row.pop("tags", ""), row.pop("sources", "")
    event["tags"] = _csv_items(tags)
    event["sources"] = _csv_items(sources)
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
    key_lines = {k: n + 1 for k, n in (getattr(front, "key_lines", None) or {}).items()}
    body = m.group(2).strip("\n")
    if body:  # errors in the body name its first line (past the blank lines before it)
        key_lines["body"] = content.count("\n", 0, content.index(body, m.start(2))) + 1
    where = Where(path, 1, key_lines=key_lines)
    if not isinstance(front, dict):
        raise where.error("the front matter must be a mapping of fields")
    if body:
        if front.get("body") not in (None, ""):
            raise where.error("is given twice, in the front matter and after it; keep one", "body")
        front["body"] = body
    batch.events.append((where, event_from_dict(front, where)))


READERS: dict[str, Callable[[str, str, Batch], None]] = {
    "json": _read_json, "jsonl": _read_jsonl, "yaml": _read_yaml, "csv": _read_csv,
    "markdown": _read_markdown,
}


def _read_document(data: Any, path: str, batch: Batch, lines: bool | None) -> None:
    """An export object {events, sources, observations, series, tags} or a list of events."""
    if isinstance(data, list):
        data = {"events": data}
    if not isinstance(data, dict):
        raise InputFormatError("expected an object with 'events' (and 'sources', "
                               "'observations') or a list of events", path=path)
    unknown = set(data) - {"events", "sources", "observations", "series", "tags"}
    if unknown:
        raise InputFormatError(f"unknown top-level key(s) {', '.join(sorted(unknown))}; "
                               "expected events, sources, observations, series, tags", path=path)
    for section, kind in (("series", "series"), ("tags", "tag"), ("sources", "source"),
                          ("events", "event"), ("observations", "observation")):
        items = data.get(section)
        if items is None:
            items = []
        if not isinstance(items, list):
            raise InputFormatError(f"'{section}' must be a list", path=path)
        for index, item in enumerate(items):
            where = Where(path, getattr(item, "line", None), f"{section}[{index}]",
                          getattr(item, "key_lines", None))
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
    elif kind == "tag":
        batch.tags.append((where, tag_names_from_dict(record, where)))
    else:
        raise where.error(f"unknown record type '{kind}'; use event, source, observation, "
                          "series or tag", "type")


# ---------------------------------------------------------------- records

# C0 controls but tab, line feed and carriage return; DEL and the C1 controls; halves of
# a UTF-16 surrogate pair (JSON's \ud800 escape decodes to one, which UTF-8 cannot hold);
# the bidirectional embeddings and overrides (U+202A-U+202E), which reverse the text that
# follows them on a page or a terminal (text in either direction needs none of them)
_BAD_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e]")
# a language tag or name as data carries it (en, zh-Hant, zh_CN, Chinese): letters,
# digits, - and _; nothing that could break out of an attribute
LANG_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,34}")


# The longest text a field may hold: an event's body is a few paragraphs (the shipped ones
# are under 2,000 characters); a page must stay under 1 MB, and Markdown stays quick.
MAX_TEXT = 100_000


def _text(value: Any, where: Where, name: str) -> str | None:
    """A text field: a string, or a number or date written as text; None when absent."""
    if value is None:
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) \
            or (isinstance(value, float) and not math.isfinite(value)):
        raise where.error(f"must be text, not {_kind(value)}", name)
    text = str(value).strip()
    if len(text) > MAX_TEXT:
        raise where.error(f"is {len(text):,} characters long; the most a field holds is {MAX_TEXT:,}", name)
    bad = _BAD_CHAR.search(text)
    if bad:
        char = bad.group()
        what = ("half of a surrogate pair" if "\ud800" <= char <= "\udfff" else
                "a bidirectional override" if "\u202a" <= char <= "\u202e" else "a control character")
        raise where.error(f"contains {what} (U+{ord(bad.group()):04X})", name)
    return text


def _kind(value: Any) -> str:
    """How a wrongly typed value is named in an error."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, float):
        return "a number that is not finite"
    return type(value).__name__


def _lang(value: Any, where: Where, name: str) -> str | None:
    """A language tag or name as data carries it (LANG_RE), or None."""
    text = _text(value, where, name)
    if text and not LANG_RE.fullmatch(text):
        raise where.error(f"'{text}' is not a language tag such as en, zh or zh-Hant "
                          "(letters, digits, - and _)", name)
    return text or None


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
                          f"{', '.join(sorted(allowed))}", key=extra[0])


def _required(record: dict, name: str, where: Where) -> str:
    value = _text(record.get(name), where, name)
    if not value:
        raise where.error("is missing", name)
    return value


def _base(value: Any, where: Where, name: str) -> str | None:
    """A date's base as text, refused under its own field name when it is no date."""
    base = _text(value, where, name)
    if base:
        _checked(where, name, records.check_iso_date, base, "base")
    return base


def date_from_value(value: Any, where: Where, name: str = "date",
                    base: Any = None) -> StoredDate:
    if isinstance(value, (date, datetime)):
        value = value.isoformat()[:10]
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        value = _text(value, where, name)
        if not value:
            raise where.error("is empty", name)
        return _checked(where, name, records.read_date, value, _base(base, where, "base"))
    if not isinstance(value, dict):
        raise where.error("must be date text or an object with text (and base)", name)
    text = _text(value.get("text"), where, f"{name}.text") or ""
    base_ = _base(value.get("base", base), where, f"{name}.base")
    if value.get("start") or value.get("end") or value.get("precision"):
        for part in ("start", "end", "precision"):
            if not value.get(part):
                raise where.error("is missing (start, end and precision go together)",
                                  f"{name}.{part}")
        start, end, precision, edtf = (_text(value.get(part), where, f"{name}.{part}")
                                       for part in ("start", "end", "precision", "edtf"))
        return _checked(where, name, records.stored_date, text, base_, start, end, precision, edtf)
    if not text:
        raise where.error("needs text, or start, end and precision", name)
    return _checked(where, name, records.read_date, text, base_)


def period_from_value(value: Any, where: Where, base: Any = None) -> records.Period:
    """An observation's period: date text (read with base), or text/base, or start/end."""
    if isinstance(value, dict) and (value.get("start") or value.get("end")):
        for part in ("start", "end"):
            if not value.get(part):
                raise where.error("is missing (start and end go together)", f"period.{part}")
        text, start, end = (_text(value.get(part), where, f"period.{part}") for part in ("text", "start", "end"))
        return _checked(where, "period", records.period, text, start, end)
    parsed = date_from_value(value, where, "period", base)
    return records.Period(text=parsed.text, start=parsed.start, end=parsed.end)


def source_ref(value: Any, where: Where, name: str) -> SourceRef:
    if isinstance(value, str):  # a URL or a title: text, checked as every text field is
        return _checked(where, name, records.parse_source_text, _text(value, where, name))
    if not isinstance(value, dict):
        raise where.error("must be a source key object, a source object or a string", name)
    extra = set(value) - SOURCE_KEYS - {"locator"}
    if extra:
        raise where.error(f"unknown field(s) {', '.join(sorted(extra))}", name)
    text = {k: _text(value.get(k), where, f"{name}.{k}")
            for k in ("key", "title", "publisher", "url", "published", "locator", "author")}
    ref = SourceRef(key=text["key"], title=text["title"], publisher=text["publisher"], url=text["url"],
                    published=_checked(where, f"{name}.published", records.check_published,
                                       text["published"]),
                    locator=text["locator"], author=text["author"],
                    language=_lang(value.get("language"), where, f"{name}.language"))
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
    slug = _text(record.get("slug"), where, "slug") or None
    if slug:
        _checked(where, "slug", records.check_slug, slug)
    tags = record.get("tags") or []
    if not isinstance(tags, list):
        raise where.error("must be a list", "tags")
    parsed_tags = []
    for i, tag in enumerate(tags):
        if isinstance(tag, dict):
            tag = (f"{_text(tag.get('kind'), where, f'tags[{i}].kind') or 'topic'}:"
                   f"{_text(tag.get('name'), where, f'tags[{i}].name') or ''}")
        parsed_tags.append(_checked(where, f"tags[{i}]", records.parse_tag, _text(tag, where, f"tags[{i}]")))
    sources = record.get("sources") or []
    if not isinstance(sources, list):
        raise where.error("must be a list", "sources")
    given = record.get("translations")
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise where.error('must be an object of language: {"title": …, "body": …}', "translations")
    translations = {}
    own = _lang(record.get("lang"), where, "lang") or "en"
    for lang, t in given.items():
        name = f"translations.{lang}"
        lang = _lang(lang, where, "translations")
        if lang == own:
            raise where.error(f"is in the event's own language ({own}): write it as the "
                              "event's title and body", name)
        tr_title = _text(t.get("title"), where, f"{name}.title") if isinstance(t, dict) else None
        if not tr_title:
            raise where.error("needs a title", name)
        translations[lang] = (tr_title, _text(t.get("body"), where, f"{name}.body") or "")
    return EventIn(title=title, category=category, slug=slug,
                   date=date_from_value(record["date"], where),
                   body=_text(record.get("body"), where, "body") or "",
                   lang=own,
                   importance=_importance(record.get("importance"), where), tags=parsed_tags,
                   sources=[source_ref(s, where, f"sources[{i}]") for i, s in enumerate(sources)],
                   translations=translations)


def _importance(value: Any, where: Where) -> int:
    """A whole number (3, 3.0, "3"), within the store's 64-bit integers."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):  # (JSON's true is no rank)
        raise where.error("must be a whole number, not true or false", "importance")
    if isinstance(value, float) and not math.isfinite(value):  # JSON's 1e400
        raise where.error("must be a whole number (below 2^63)", "importance")
    value = _text(value, where, "importance")
    try:
        number = int(value)  # exact: through a float, 9007199254740993 became ...992
    except ValueError:
        try:
            as_float = float(value)  # "3.0", "1e3"
        except ValueError:
            as_float = math.nan
        number = int(as_float) if as_float.is_integer() else None
    if number is None or abs(number) >= 2 ** 63:
        raise where.error("must be a whole number (below 2^63)", "importance")
    return number


def source_from_dict(record: dict, where: Where) -> SourceIn:
    _unknown(record, SOURCE_KEYS, where)
    key = _required(record, "key", where)
    _checked(where, "key", records.check_slug, key)
    text = {k: _text(record.get(k), where, k) for k in ("publisher", "author", "url", "published")}
    return SourceIn(key=key, title=_required(record, "title", where),
                    publisher=text["publisher"], author=text["author"], url=text["url"],
                    published=_checked(where, "published", records.check_published, text["published"]),
                    language=_lang(record.get("language"), where, "language"))


def observation_from_dict(record: dict, where: Where) -> ObservationIn:
    _unknown(record, OBSERVATION_KEYS, where)
    series = _required(record, "series", where)
    if "period" not in record:
        raise where.error("is missing", "period")
    value = record.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        text = _text(value, where, "value") or ""
        try:
            value = float(text.replace(",", ""))
        except ValueError:
            raise where.error(f"'{text}' is not a number", "value") from None
    try:
        finite = math.isfinite(value) and abs(value) < 2 ** 63
    except OverflowError:  # an integer too large for a float
        finite = False
    if not finite:
        raise where.error(f"{value} is not a number the store can hold (finite, below 2^63)", "value")
    if "source" not in record:
        raise where.error("is missing", "source")
    source = record["source"]
    ref = (SourceRef(key=source) if isinstance(source, str) and records.SLUG_RE.match(source)
           else source_ref(source, where, "source"))
    return ObservationIn(series=series, value=value, source=ref,
                         period=period_from_value(record["period"], where, record.get("base")),
                         unit=_text(record.get("unit"), where, "unit") or "",
                         qualifier=_checked(where, "qualifier", records.check_qualifier,
                                            _text(record.get("qualifier"), where, "qualifier")),
                         event=_text(record.get("event"), where, "event") or None,
                         note=_text(record.get("note"), where, "note") or None,
                         note_zh=_text(record.get("note_zh"), where, "note_zh") or None)


def series_from_dict(record: dict, where: Where) -> dict:
    _unknown(record, SERIES_KEYS, where)
    return {"key": _required(record, "key", where), "title": _required(record, "title", where),
            "title_zh": _text(record.get("title_zh"), where, "title_zh"),
            "unit": _text(record.get("unit"), where, "unit") or "",
            "description": _text(record.get("description"), where, "description") or "",
            "description_zh": _text(record.get("description_zh"), where, "description_zh") or None}


def tag_names_from_dict(record: dict, where: Where) -> dict:
    """A tag's names in other languages: {kind, name, name_zh}; a name_zh of null or ""
    removes the Chinese name. Kind and names are normalised as an event's tags are."""
    _unknown(record, TAG_KEYS, where)
    kind = (_text(record.get("kind"), where, "kind") or "topic").lower()
    if kind not in TAG_KINDS:
        raise where.error(f"unknown tag kind '{kind}'; use one of {', '.join(TAG_KINDS)}", "kind")
    _, name = _checked(where, "name", records.parse_tag, f"{kind}:{_required(record, 'name', where)}")
    name_zh = _text(record.get("name_zh"), where, "name_zh")
    name_zh = unicodedata.normalize("NFC", " ".join(name_zh.split())) if name_zh else None
    return {"kind": kind, "name": name, "name_zh": name_zh or None}
