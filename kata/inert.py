"""Learner text made inert: what a learner's code printed, raised or named, as it may be shown.

Everything that comes from a learner (printed output, exception messages, quoted source lines,
folder and file names) passes through `inert()` before a terminal, a report file, results.json,
a CSV or a notebook shows it. Control characters are shown as visible escapes (`\\x1b`, `\\r`,
`\\u202e`), so no escape sequence clears a screen, moves a cursor, sets a title, rings a bell,
draws a fake "✓ passed" line over the report, reorders text (bidi controls) or breaks a table.
Tabs and (unless `one_line`) newlines stay as they are. Torch-free, imports nothing of the kata.
"""
from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, the bidi controls (embeddings, overrides,
# isolates, marks), line and paragraph separators, and lone surrogates (undecodable bytes)
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                     "\ud800-\udfff]")
_UNSAFE_ONE_LINE = re.compile(_UNSAFE.pattern[:1] + "\n\t" + _UNSAFE.pattern[1:])
# names also escape the backslash, so that two names never show the same (a folder named `a\x1b`
# and one holding ESC): a name is a key of the reports and a file name, and must stay one learner's
_UNSAFE_NAME = re.compile(_UNSAFE.pattern[:1] + "\\\\\n\t" + _UNSAFE.pattern[1:])
_NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t", "\\": "\\\\"}


def _escape(match: re.Match) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: object, one_line: bool = False) -> str:
    """`text` with every control character shown as a visible escape; with `one_line`, newlines and
    tabs too (a name in a table row, a CSV cell, a file name). Applying it twice changes nothing more."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    return (_UNSAFE_ONE_LINE if one_line else _UNSAFE).sub(_escape, text)


def inert_name(name: str | bytes) -> str:
    """A file or folder name as text that can be shown and written anywhere: bytes that are not UTF-8
    (os.fsdecode's surrogates), controls and backslashes escaped, on one line. Two different names
    never give the same text; apply it once (it escapes its own backslashes)."""
    if isinstance(name, bytes):
        name = name.decode("utf-8", errors="surrogateescape")
    return _UNSAFE_NAME.sub(_escape, name)


def inert_data(data, one_line: frozenset[str] = frozenset()):
    """A copy of JSON-like data (dicts, lists, strings, numbers) with every string made inert: keys
    and the values of the keys named in `one_line` on one line, the other values multi-line."""
    if isinstance(data, str):
        return inert(data)
    if isinstance(data, dict):
        return {inert(k, one_line=True) if isinstance(k, str) else k:
                inert(v, one_line=True) if isinstance(v, str) and k in one_line else inert_data(v, one_line)
                for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [inert_data(v, one_line) for v in data]
    return data
