"""Text from the data, made safe for a terminal: no escape sequence and no control
character (a title could otherwise retitle the window or rewrite what is shown), and
JSON whose DEL and C1 controls are escaped as well."""

from __future__ import annotations

import json
import re

# Terminal escape sequences, to drop whole: CSI (ESC [ or C1 CSI, parameters, final byte);
# OSC, DCS, SOS, PM and APC strings up to their BEL or ST; other ESC sequences (ESC c,
# ESC ( B). What is left of a broken one is harmless once its ESC is gone.
_TERMINAL_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x80-\x9f]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]")
# C0, DEL and C1; and the bidirectional embeddings, overrides and isolates, which
# reorder what follows them on the line
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_BUT_LAYOUT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # tab, newline kept
# JSON leaves DEL and C1 as they are (only C0 must be escaped): \u escapes say the same
_JSON_C1 = {c: f"\\u{c:04x}" for c in range(0x7f, 0xa0)}


def terminal_text(text: str, *, one_line: bool = False) -> str:
    """Text from the data made safe to print on a terminal: no escape sequence (which
    could retitle the window, move the cursor, rewrite what is shown) and no control
    character; tabs and newlines kept, or made spaces when `one_line`."""
    if not _CONTROL.search(text):
        return text
    text = _TERMINAL_SEQUENCE.sub("", text)
    if one_line:
        text = text.replace("\t", " ").replace("\n", " ")
    return _CONTROL_BUT_LAYOUT.sub("", text)


def json_text(value, **options) -> str:
    """json.dumps with non-ASCII as it is, but DEL and C1 controls escaped."""
    return json.dumps(value, ensure_ascii=False, **options).translate(_JSON_C1)
