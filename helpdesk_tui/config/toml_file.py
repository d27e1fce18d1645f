"""Reading the TOML files a user writes (settings, themes) into one sentence or a table.

Editors on Windows save UTF-8 with a byte-order mark, which TOML does not allow; the
mark is dropped rather than reported as "not valid TOML at line 1". A document nested
thousands of levels deep makes ``tomllib`` recurse until Python gives up: that is a bad
file like any other, so it is one sentence too, never a ``RecursionError``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import tomllib

BOM = "\ufeff"


class TomlError(ValueError):
    """The text is not a TOML document; ``str(error)`` is one sentence, ``line`` where known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def parse_toml(text: str, label: str) -> dict[str, Any]:
    """The table in ``text``; ``label`` names the file in the sentence ("Settings file /x.toml")."""
    import tomllib  # here: a workspace without a settings file (a script's usual case) never reads TOML

    if text.startswith(BOM):
        text = text[len(BOM):]
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise TomlError(f"{label} is nested too deeply to read: flatten its arrays and tables.") from None
    except tomllib.TOMLDecodeError as error:
        message, line = _describe(error)
        if line is not None:
            where = f" at line {line}"
        elif "end of document" in str(error):
            where = " at the end of the file"
        else:
            where = ""
        raise TomlError(f"{label} is not valid TOML{where}: {message}.", line) from None


_POSITION = re.compile(r"\s*\(at line (\d+), column \d+\)$|\s*\(at end of document\)$")


def _describe(error: tomllib.TOMLDecodeError) -> tuple[str, int | None]:
    """The message without its position suffix, and the line number if there is one."""
    text = str(error)
    line = getattr(error, "lineno", None)  # Python 3.14+
    match = _POSITION.search(text)
    if match:
        text = text[: match.start()]
        if line is None and match.group(1):
            line = int(match.group(1))
    message = getattr(error, "msg", None) or text
    return message[:1].lower() + message[1:], line
