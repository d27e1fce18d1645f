"""Finding what a reply still owes before it can go out: ``{{ placeholders }}`` and ``[[fill-ins]]``.

A placeholder is text between ``{{`` and ``}}`` on one line: a template value that did
not resolve, or a macro nobody translated. A fill-in marker is ``[[what to write]]``:
built-in templates put them where only the agent knows the words (``[[cause]]``).

Both are ignored inside code (fenced blocks and inline code spans): a reply quoting a
Helm chart or a shell ``[[ -f file ]]`` test is not unfinished.
"""

from __future__ import annotations

import re

_PLACEHOLDER = re.compile(r"\{\{\s*(.*?)\s*\}\}")
_FILL_IN = re.compile(r"\[\[([^\[\]\n]{1,120})\]\]")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_INLINE_CODE = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)")


def prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number from 1, text) of every line outside code, with inline code blanked out."""
    out: list[tuple[int, str]] = []
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        opening = _FENCE.match(line)
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence) \
                    and not line.strip()[len(opening.group(1)):].strip():
                fence = None
            continue
        if opening:
            fence = opening.group(1)
            continue
        out.append((number, _INLINE_CODE.sub(lambda m: " " * len(m.group(0)), line)))
    return out


def find_placeholders(text: str) -> list[tuple[str, int]]:
    """Every ``{{ … }}`` outside code: (what is inside, trimmed; line number from 1)."""
    return [(match.group(1) or "(empty)", number)
            for number, line in prose_lines(text) for match in _PLACEHOLDER.finditer(line)]


def find_fill_ins(text: str) -> list[tuple[str, int]]:
    """Every ``[[ … ]]`` fill-in marker outside code: (its label, trimmed; line number from 1)."""
    return [(match.group(1).strip(), number)
            for number, line in prose_lines(text) for match in _FILL_IN.finditer(line)
            if match.group(1).strip()]
