"""The header of a template or macro file: ``key: value`` lines between two ``---`` lines.

Templates and macros read their headers the same way and differ only in what the keys mean,
so the walk over the lines (and its mistakes, one sentence naming the line) is here once.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from helpdesk_tui.compose.errors import TemplateError
from helpdesk_tui.compose.limits import MAX_TEMPLATE_CHARS


def unquote(value: str) -> str:
    """``"x"`` or ``'x'`` → ``x``; anything else as it is."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def slug(text: str, fallback: str) -> str:
    """An id made from a name: ``Resolved — report`` → ``resolved-report`` (``fallback`` when nothing is left)."""
    return re.sub(r"[^\w]+", "-", text.casefold()).strip("-") or fallback


def read_header(text: str, where: str, *, error: type[TemplateError], opening: str, pair: str,
                field: Callable[[int, str, str], None]) -> tuple[list[str], int]:
    """Walk the header of ``text``: ``field(line number, key, value)`` for each ``key: value`` line
    as it comes (the key stripped, the value stripped and unquoted), so the caller's own checks
    fail at the first bad line. Returns the file's lines and the closing ``---`` line's number.

    Raises ``error`` (``where`` names the file) for a file too long, one not starting with ``---``
    (``opening`` says what it should hold), a line that is not ``pair`` (``'key: value'``) or a
    header that is never closed.
    """
    if len(text) > MAX_TEMPLATE_CHARS:
        raise error(f"the file is longer than {MAX_TEMPLATE_CHARS} characters", where=where)
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        raise error(opening, line=1, where=where)
    for number, raw in enumerate(lines[1:], start=2):
        line = raw.strip()
        if line == "---":
            return lines, number
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep or not key.strip():
            raise error(f"expected {pair} in the header, found {line[:40]!r}", line=number, where=where)
        field(number, key.strip(), unquote(value.strip()))
    raise error("the header is not closed: add a '---' line after it", line=len(lines), where=where)
