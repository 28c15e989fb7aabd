"""Extract, the output: text for the terminal, JSON (docs/formats.md) and the draft YAML
that `timeline import` and `timeline review` read."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from timeline.errors import ValidationError

if TYPE_CHECKING:
    from timeline.extract import Candidate, Result


def to_json(result: Result) -> list[dict]:
    return [c.to_dict() for c in result.candidates]


def to_text(result: Result) -> str:
    lines = []
    for c in result.candidates:
        tags = ", ".join(f"{k}:{n}" for k, n in c.tags)
        lines.append(f"{c.date.start}  {c.date.display('en'):<18} {c.category:<13} "
                     f"{c.confidence:.2f}  {c.title}"
                     + (f"  [already: {c.already}]" if c.already else ""))
        lines.append(f"    date: '{c.date.text}'  tags: {tags or '-'}")
        for sentence in c.evidence[:3]:
            lines.append(f"    « {_clip(sentence, 160)} »")
    lines.append(f"{len(result.candidates)} candidate"
                 f"{'s' if len(result.candidates) != 1 else ''}")
    return "\n".join(lines)


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 1] + "…"


DRAFT_HEADER = """\
# Candidate events proposed by `timeline extract` from:
{files}
# Review them: fix titles and categories, delete what is wrong, then
#   timeline import {name}      (or walk them one by one: timeline review {name})
# The comments above each event (confidence, already, evidence) are for the reviewer;
# `timeline import` ignores them. An event marked `already` is probably held already.
"""


def draft_event(c: Candidate) -> dict:
    event = {"slug": c.slug, "title": c.title, "category": c.category,
             "date": {"text": c.date.text, "base": c.date.base,
                      "start": c.date.start.isoformat(), "end": c.date.end.isoformat(),
                      "precision": c.date.precision, "edtf": c.date.edtf},
             "tags": [f"{k}:{n}" for k, n in c.tags],
             "sources": []}
    for s in c.sources:
        src = {k: v for k, v in s.to_dict().items() if v is not None}
        if s.language:
            src["language"] = s.language
        event["sources"].append(src)
    return event


# What YAML reads as a line break, or refuses anywhere in a stream (PyYAML's Reader), and
# lone surrogates (a file name that is not UTF-8), which cannot be written
_COMMENT_UNSAFE = re.compile(r"[^\t\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
                             r"|[\u2028\u2029]")


def _comment(text: str) -> str:
    """Text to write after a '#': each character that could end the comment or make the
    draft unreadable is written as its Python escape (a newline as \\n)."""
    return _COMMENT_UNSAFE.sub(lambda m: ascii(m.group())[1:-1], text)


def draft_yaml(result: Result, name: str = "DRAFT.yaml") -> str:
    files = "\n".join(f"#   {_comment(f)}" for f in result.files) or "#   (no files)"
    out = [DRAFT_HEADER.format(files=files, name=_comment(name)), "events:\n"]
    if not result.candidates:
        out[-1] = "events: []\n"
    for i, c in enumerate(result.candidates, 1):
        out.append(f"  # candidate {i}\n")
        out.append(f"  # confidence: {c.confidence}\n")
        if c.already:
            out.append(f"  # already: {_comment(c.already)}\n")
        for sentence in c.evidence:
            out.append(f"  # evidence: {_comment(' '.join(sentence.split()))}\n")
        body = yaml.safe_dump([draft_event(c)], allow_unicode=True, sort_keys=False,
                              default_flow_style=None, width=100)
        out.append("".join("  " + line if line.strip() else line
                           for line in body.splitlines(keepends=True)))
    return "".join(out)


def write_draft(path: Path, result: Result) -> None:
    text = draft_yaml(result, Path(path).name)
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as e:
        raise ValidationError(f"cannot write {path}: {e.strerror or e}") from None
