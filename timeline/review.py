"""Review: walk the candidates of a draft (written by `timeline extract -o`) one at a time.

For each candidate the terminal shows title, category, date, tags, confidence, whether the
database already holds it, and the evidence sentences (kept as comments in the draft);
the reviewer accepts it, edits its title or category, skips it or quits. The accepted
events are imported in one transaction (`store.import_batch`), with the article as their
source. Quitting (or the end of input) imports what was accepted so far.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import typer
import yaml

from timeline import db, records, store
from timeline.errors import InputFormatError, TimelineError
from timeline.importers import Batch, Where, event_from_dict
from timeline.terminal import terminal_text
from timeline.vocab import CATEGORIES

_META_RE = re.compile(r"^\s*#\s*(confidence|already|evidence):\s?(.*)$")
_ITEM_RE = re.compile(r"^(\s*)-\s")


@dataclass
class Item:
    event: dict
    line: int | None = None
    confidence: str | None = None
    already: str | None = None
    evidence: list[str] = field(default_factory=list)


def read_draft(path: Path) -> list[Item]:
    """The events of a draft and, from the comments above each, what extract noted."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputFormatError("no such file", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputFormatError(f"cannot read it ({e})", path=str(path)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise InputFormatError(f"invalid YAML: {getattr(e, 'problem', None) or e}",
                               path=str(path), line=mark.line + 1 if mark else None) from None
    if isinstance(data, dict):
        events = data.get("events") or []
    elif isinstance(data, list):
        events = data
    else:
        raise InputFormatError("a draft is a YAML file with a list of 'events'", path=str(path))
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise InputFormatError("'events' must be a list of events", path=str(path))
    metas = _comment_metas(text)
    items = []
    for i, event in enumerate(events):
        meta = metas[i] if i < len(metas) else {}
        items.append(Item(event=event, line=meta.get("line"), confidence=meta.get("confidence"),
                          already=meta.get("already"), evidence=meta.get("evidence", [])))
    return items


def _comment_metas(text: str) -> list[dict]:
    """For each top-level list item under events, the # key: value comments above it."""
    metas: list[dict] = []
    pending: dict = {}
    indent = None
    for number, line in enumerate(text.splitlines(), 1):
        m = _META_RE.match(line)
        if m:
            key, value = m.group(1), m.group(2).strip()
            if key == "evidence":
                pending.setdefault("evidence", []).append(value)
            else:
                pending[key] = value
            continue
        item = _ITEM_RE.match(line)
        if item and (indent is None or len(item.group(1)) == indent):
            indent = len(item.group(1))
            pending["line"] = number
            metas.append(pending)
            pending = {}
    return metas


def _show(item: Item, index: int, total: int) -> None:
    e = item.event
    date = e.get("date")
    when = date if isinstance(date, str) else (
        f"{date.get('text')} ({date.get('start')} to {date.get('end')})"
        if isinstance(date, dict) and date.get("start") else
        (date or {}).get("text") if isinstance(date, dict) else date)
    tags = ", ".join(str(t) if not isinstance(t, dict) else f"{t.get('kind')}:{t.get('name')}"
                     for t in e.get("tags") or [])
    lines = [f"\n[{index}/{total}] {e.get('title')}",
             f"  category:   {e.get('category')}",
             f"  date:       {when}",
             f"  tags:       {tags or '-'}"]
    if item.confidence:
        lines.append(f"  confidence: {item.confidence}")
    if item.already:
        lines.append(f"  already:    {item.already} (the database seems to hold this event)")
    for s in item.evidence[:4]:
        lines.append(f"  « {s if len(s) <= 200 else s[:199] + '…'} »")
    typer.echo(terminal_text("\n".join(lines)))


_CHOICES = {"a": "accept", "t": "title", "c": "category", "s": "skip", "q": "quit"}


def _ask(prompt: str, default: str | None = None) -> str | None:
    """typer.prompt, with end of input read as None (quit). The default (a title from
    the draft) is shown as typer would, made safe for the terminal."""
    if default is not None:
        prompt = f"{prompt} [{terminal_text(str(default), one_line=True)}]"
    try:
        return typer.prompt(prompt, default=default, show_default=False)
    except (EOFError, typer.Abort):
        return None


def walk(items: list[Item]) -> tuple[list[tuple[int, Item]], bool]:
    """Ask about each item; returns the accepted (index, item) and whether it was quit."""
    accepted: list[tuple[int, Item]] = []
    for i, item in enumerate(items):
        _show(item, i + 1, len(items))
        while True:
            answer = _ask("[a]ccept, edit [t]itle, edit [c]ategory, [s]kip, [q]uit",
                          default="s" if item.already else "a")
            if answer is None:
                return accepted, True
            choice = _CHOICES.get(answer.strip().lower()[:1])
            if choice == "accept":
                accepted.append((i, item))
                break
            if choice == "skip":
                break
            if choice == "quit":
                return accepted, True
            if choice == "title":
                title = _ask("New title", default=item.event.get("title"))
                if title is None:
                    return accepted, True
                if title.strip():
                    item.event["title"] = title.strip()
            elif choice == "category":
                category = _ask(f"New category ({', '.join(CATEGORIES)})",
                                default=item.event.get("category"))
                if category is None:
                    return accepted, True
                try:
                    item.event["category"] = records.check_category(category)
                except TimelineError as e:
                    typer.echo(terminal_text(f"  {e}"), err=True)
                    continue
            else:
                typer.echo("  Please answer a, t, c, s or q.", err=True)
                continue
            _show(item, i + 1, len(items))
    return accepted, False


def run(path: Path, engine) -> store.ImportReport | None:
    """The interactive review of a draft; imports the accepted events in one transaction."""
    items = read_draft(path)
    if not items:
        typer.echo("The draft holds no candidates.")
        return None
    batch = Batch()
    for i, item in enumerate(items):   # check every event before asking anything
        event_from_dict(dict(item.event), Where(str(path), item.line, f"events[{i}]"))
    accepted, _ = walk(items)
    if not accepted:
        typer.echo("Nothing accepted; nothing imported.")
        return None
    with db.session(engine, readonly=True) as s:
        taken = db.event_slugs(s)
    for i, item in accepted:
        where = Where(str(path), item.line, f"events[{i}]")
        data = event_from_dict(dict(item.event), where)
        slug = data.slug or records.make_slug(data.title, data.date.start)
        wanted, n = slug, 1
        while slug in taken:        # never overwrite an event the database holds
            n += 1
            slug = f"{wanted}-{n}"
        taken.add(slug)
        data.slug = slug
        batch.events.append((where, data))
    report = store.import_batch(engine, batch)
    typer.echo(report.summary())
    return report
