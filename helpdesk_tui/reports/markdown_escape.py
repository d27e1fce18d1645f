"""Putting untrusted text into a markdown document so it stays text.

A subject such as ``# Pwned | x ](http://evil)`` must not start a heading, split a table
cell or make a link in a handover or an insights export. CommonMark lets any ASCII
punctuation be backslash-escaped; we escape the characters that start inline constructs
anywhere, and the ones that start a block only at the start of a line, so ordinary text
("Site down - can't log in (again).") stays readable.

Control characters are the content layer's business (``helpdesk_tui.content.sanitize``,
which the callers pass in as ``clean``); as a last line of defence these functions also
drop any C0/C1 control left, so not even raw text can put an escape sequence in a file.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Cleaner = Callable[[str], str]

# Inline constructs: escapes, code spans, emphasis, links/images, autolinks and raw HTML,
# entity references, GFM table cells and strikethrough; "#" too, or trailing hashes of a
# subject would close the heading it sits in.
_INLINE = re.compile(r"([\\`*_\[\]<>&|~#])")
# Block starts the inline escapes leave open: bullet lists, thematic breaks, setext
# underlines, ordered lists ("1." / "1)"); after the line's leading spaces are gone.
_BLOCK_START = re.compile(r"^([+\-=])|^(\d{1,9})([.)])")
_CONTROLS = dict.fromkeys([*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)])


def _drop_controls(text: str) -> str:
    return text.translate(_CONTROLS)


def inline(value: str | None, clean: Cleaner) -> str:
    """One line of untrusted text, safe inside a paragraph, list item, heading or table cell."""
    text = " ".join(_drop_controls(clean(value or "")).split())
    return _INLINE.sub(r"\\\1", text)


def _line_start(line: str) -> str:
    line = line.lstrip()  # four leading spaces would make an indented code block
    return _BLOCK_START.sub(lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3), line)


def block_lines(value: str | None, clean: Cleaner) -> list[str]:
    """Multi-line untrusted text as escaped lines (blank lines kept, trailing ones dropped)."""
    text = _drop_controls(clean(value or "").replace("\t", " "))
    lines = [_line_start(_INLINE.sub(r"\\\1", line)) for line in text.split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return lines


def quote(value: str | None, clean: Cleaner) -> str:
    """Untrusted text as a block quote: every line inside the ``>``, nothing can end it early."""
    lines = block_lines(value, clean)
    if not lines:
        return "> (empty)"
    return "\n".join(f"> {line}" if line.strip() else ">" for line in lines)
