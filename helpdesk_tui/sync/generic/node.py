"""A mapping file read with the line of every key, so each mistake names file, line and key.

YAML, read by ruamel.yaml: it keeps the line of every key (an error can say "line 41,
``tickets.fields.status``"), and it reads YAML 1.2, where ``no``, ``on`` and ``off`` stay
strings. A status map of a helpdesk whose codes are words would otherwise turn into booleans
under YAML 1.1 (PyYAML). TOML was the other candidate: our settings are TOML, but the
standard library's reader gives no positions, and mappings nest four and five levels deep,
which TOML writes as long dotted table headers.

``Node`` wraps one value of the file with where it came from. The parsers of each concept
(auth, paging, fields, writes…) read the file only through it, and raise
``MappingError`` through ``node.error``: one sentence, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from helpdesk_tui.content.sanitize import clean_line


class MappingError(Exception):
    """A mistake in a mapping file: ``str(error)`` is one sentence naming file, line and key."""


@dataclass(frozen=True)
class Node:
    """One value of a mapping file: ``value`` (plain dicts, lists, scalars inside), and where it is."""

    value: Any
    file: str  # as the user named it (shown in errors)
    line: int  # 1-based; 0 when unknown
    key: str  # dotted key from the top, "" for the whole file

    # --- reading ---------------------------------------------------------------------------

    def get(self, name: str) -> Node | None:
        """The child ``name`` of a mapping node, or None when it is absent (or null)."""
        mapping = self.mapping()
        if name not in mapping or mapping[name] is None:
            return None
        return Node(mapping[name], self.file, _key_line(mapping, name, self.line), _join(self.key, name))

    def need(self, name: str) -> Node:
        """The child ``name``; a ``MappingError`` saying it is missing otherwise."""
        child = self.get(name)
        if child is None:
            raise self.error(f"needs '{name}'")
        return child

    def items(self) -> Iterator[tuple[str, Node]]:
        """(key, child) of a mapping node, in file order; keys are read as text."""
        mapping = self.mapping()
        for name in mapping:
            yield str(name), Node(mapping[name], self.file, _key_line(mapping, name, self.line), _join(self.key, str(name)))

    def each(self) -> Iterator[Node]:
        """The children of a list node, in order."""
        if not isinstance(self.value, list):
            raise self.error("must be a list")
        for index, item in enumerate(self.value):
            line = _item_line(self.value, index, self.line)
            yield Node(item, self.file, line, f"{self.key}[{index}]")

    def mapping(self) -> dict[Any, Any]:
        if not isinstance(self.value, dict):
            raise self.error("must be a table of keys (key: value)")
        return self.value

    def text(self) -> str:
        """A scalar as text (numbers too: ``2`` → "2")."""
        if isinstance(self.value, (dict, list)) or self.value is None:
            raise self.error("must be a single value, not a table or a list")
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        return str(self.value)

    def integer(self, *, minimum: int | None = None) -> int:
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise self.error("must be a whole number")
        if minimum is not None and self.value < minimum:
            raise self.error(f"must be at least {minimum}")
        return self.value

    def flag(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.error("must be true or false")
        return self.value

    def choice(self, *allowed: str) -> str:
        text = self.text()
        if text not in allowed:
            raise self.error(f"must be one of {', '.join(allowed)}, not '{clean_line(text)[:40]}'")
        return text

    def only(self, *allowed: str) -> None:
        """Every key of this mapping node is one of ``allowed`` (a typo is named, with the choices)."""
        for name, child in self.items():
            if name not in allowed:
                raise child.error(f"is not a key here: use one of {', '.join(allowed)}")

    # --- errors ----------------------------------------------------------------------------

    def error(self, what: str) -> MappingError:
        """``MappingError("FILE, line N, key K: WHAT.")`` — returned, for ``raise node.error(...)``."""
        where = f"{self.file}, line {self.line}" if self.line else self.file
        key = f", key '{self.key[:80]}'" if self.key else ""
        # The key comes from the file (a user's, or anyone's): it is cleaned like the rest.
        return MappingError(clean_line(f"{where}{key}: {what.rstrip('.')}."))


def load(path: Path, *, shown: str | None = None) -> Node:
    """Read a mapping file; ``MappingError`` for a file that cannot be read or is not YAML."""
    name = clean_line(shown if shown is not None else str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MappingError(f"The mapping file {name} does not exist: check --option mapping=FILE.") from None
    except (OSError, UnicodeDecodeError) as error:
        reason = clean_line(getattr(error, "strerror", None) or type(error).__name__)
        raise MappingError(f"The mapping file {name} cannot be read ({reason}): check its permissions "
                           "and that it is UTF-8 text.") from None
    return loads(text, name)


def loads(text: str, file: str) -> Node:
    """Parse mapping text (``file`` names it in errors)."""
    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    try:
        data = yaml.load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = f", line {mark.line + 1}" if mark is not None else ""
        problem = clean_line(error.problem or error.context or "not valid YAML")
        raise MappingError(f"{file}{line}: {problem}: fix the YAML there.") from None
    except YAMLError as error:
        raise MappingError(f"{file}: not valid YAML ({clean_line(str(error))[:120]}): fix the file.") from None
    if not isinstance(data, dict):
        raise MappingError(f"{file}: a mapping file is a table of keys (label:, base_url:, tickets:, …), "
                           "not a list or a single value.")
    return Node(data, file, 1, "")


def _join(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def _key_line(mapping: Any, name: Any, fallback: int) -> int:
    try:
        return int(mapping.lc.key(name)[0]) + 1
    except (AttributeError, KeyError, TypeError):
        return fallback


def _item_line(items: Any, index: int, fallback: int) -> int:
    try:
        return int(items.lc.item(index)[0]) + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        return fallback
