"""Export: a Chronology → text in JSON, JSON Lines, YAML or CSV.

Deterministic: the same database gives the same bytes, and importing an export into an
empty database and exporting again gives identical bytes.
"""

import contextlib
import csv
import io
import json
import os
import stat
import tempfile
from pathlib import Path

from timeline.chronology import Chronology
from timeline.errors import TimelineError, ValidationError
from timeline.records import FORMULA_START

FORMATS = ("json", "jsonl", "yaml", "csv")


def export_object(chrono: Chronology) -> dict:
    obj = {"events": chrono.events, "sources": chrono.sources,
           "observations": chrono.observations}
    if chrono.series:
        obj["series"] = chrono.series
    if chrono.tags:
        obj["tags"] = chrono.tags
    return obj


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValidationError(f"unknown export format '{fmt}'; use one of {', '.join(FORMATS)}")


def dumps(chrono: Chronology, fmt: str = "json") -> str:
    check_format(fmt)
    if fmt == "json":
        return dumps_json(chrono)
    if fmt == "yaml":
        import yaml  # only here: the site writes events.json through this module
        return yaml.safe_dump(export_object(chrono), allow_unicode=True, sort_keys=False,
                              width=100)
    if fmt == "jsonl":
        return _dumps_jsonl(chrono)
    return _dumps_csv(chrono)


def dumps_json(chrono: Chronology) -> str:
    return json.dumps(export_object(chrono), ensure_ascii=False, indent=2) + "\n"


def _dumps_jsonl(chrono: Chronology) -> str:
    lines = []
    for kind, items in (("series", chrono.series), ("tag", chrono.tags), ("source", chrono.sources),
                        ("event", chrono.events), ("observation", chrono.observations)):
        for item in items:
            lines.append(json.dumps({"type": kind, **item}, ensure_ascii=False))
    return "\n".join(lines) + "\n" if lines else ""


CSV_DATE = ("text", "base", "start", "end", "precision", "edtf")


def _dumps_csv(chrono: Chronology) -> str:
    langs = sorted({lang for e in chrono.events for lang in e["translations"]})
    ranked = any(e.get("importance") for e in chrono.events)  # a column only when it says something
    header = (["slug", "title", "category"] + [f"date_{k}" for k in CSV_DATE] +
              ["tags", "sources", "body", "lang"] + (["importance"] if ranked else []) +
              [f"{part}_{lang}" for lang in langs for part in ("title", "body")])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for e in chrono.events:
        trans = [e["translations"].get(lang, {}).get(part, "")
                 for lang in langs for part in ("title", "body")]
        writer.writerow([csv_cell(c) for c in (
            [e["slug"], e["title"], e["category"]] +
            [e["date"][k] or "" for k in CSV_DATE] +
            [csv_list(f"{t['kind']}:{t['name']}" for t in e["tags"]),
             csv_list(s["url"] or s["title"] for s in e["sources"]),
             e["body"], e["lang"]] + ([str(e.get("importance", 0))] if ranked else []) + trans)])
    return out.getvalue()


def csv_cell(text: str) -> str:
    """A cell a spreadsheet would run as a formula gets an apostrophe before it (see
    records.FORMULA_START)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_list(items) -> str:
    """Items in one cell, "; " between them; a ";" or "\\" inside an item is escaped with "\\"."""
    return "; ".join(item.replace("\\", "\\\\").replace(";", "\\;") for item in items)


def write_file(path: Path, text: str) -> None:
    """Write text to path atomically: a reader sees the old file or the new, never half.
    The file gets the mode of the one it replaces, else what the umask gives a new file
    (the temporary file mkstemp makes is the owner's alone)."""
    path = Path(path)
    tmp = None
    try:
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".",
                                   prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            os.fchmod(f.fileno(), mode)
            f.write(text)
        os.replace(tmp, path)
        tmp = None
    except OSError as e:
        raise TimelineError(f"cannot write {path}: {e.strerror or e}") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
