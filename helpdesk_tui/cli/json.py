"""JSON for the CLI's ``--json`` output: readable text, but nothing a terminal would act on.

``json.dumps(ensure_ascii=False)`` escapes C0 controls but writes DEL, the C1 controls
(U+009B is an 8-bit CSI: "\\x9b2J" clears a screen), bidi overrides, zero-width and other
invisible format characters, line separators and lone surrogates as they are. Printed to
a terminal or pasted into an editor, those act or hide text. Each is written as a
``\\uXXXX`` escape instead: valid JSON that reads back as the very same string. CJK,
accents and emoji stay as they are.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

_UNSAFE = re.compile(
    "["
    "\x7f-\x9f"  # DEL and the C1 controls
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"  # format characters (Cf)
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f"  # zero-width, LRM/RLM, line separators, bidi
    "\ufeff\ufff9-\ufffb"
    "\ud800-\udfff"  # lone surrogates (a pair would already be one astral character)
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e007f"  # tag characters
    "]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


# What json.dumps(value, ensure_ascii=False, default=_default) makes for each call, made once:
# `list --json` writes one object per ticket.
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=_default)


def dumps(value: Any) -> str:
    """One line of JSON; datetimes as ISO 8601, invisible and control characters escaped."""
    text = _ENCODER.encode(value)
    if text.isascii() and "\x7f" not in text:
        return text  # DEL is the one character of the set below ASCII can hold (the scan costs ~45 ms a MB)
    return _UNSAFE.sub(_escape, text)
