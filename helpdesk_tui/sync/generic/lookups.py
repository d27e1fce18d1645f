"""Lookups: a helpdesk's lists of names and ids (agents, groups, statuses…), read once.

A mapping declares each (``lookups: {agents: {request, records, id, name}}``); fields turn an
id into a name through one (``join: agents``) and writes turn our name into the id. A lookup
is read the first time it is needed, and again once it is ten minutes old.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from helpdesk_tui.sync import errors
from helpdesk_tui.sync.generic.node import Node
from helpdesk_tui.sync.generic.paths import Path, compile_path
from helpdesk_tui.sync.generic.streams import Reader, StreamSpec, parse_stream
from helpdesk_tui.sync.generic.values import text_key


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LookupSpec:
    name: str
    stream: StreamSpec
    id: Path
    label: Path  # the name path


def parse_lookups(node: Node | None, roots: Collection[str]) -> dict[str, LookupSpec]:
    if node is None:
        return {}
    out: dict[str, LookupSpec] = {}
    for name, child in node.items():
        stream = parse_stream(child, roots, also=("id", "name"))
        ident, label = child.get("id"), child.get("name")
        out[name] = LookupSpec(name, stream, compile_path(ident.text() if ident else "id", ident or child),
                               compile_path(label.text() if label else "name", label or child))
    return out


class Lookup:
    """One list: ``id_for(name)`` (our name → their id; names compare without case),
    ``name_for(id)`` (their id → the name; ids compare as text) and ``names()``."""

    def __init__(self, entries: list[tuple[Any, str]]) -> None:
        self._entries = entries
        self._by_id = {text_key(ident): name for ident, name in entries}
        self._by_name: dict[str, Any] = {}
        for ident, name in entries:
            self._by_name.setdefault(name.casefold(), ident)

    def id_for(self, name: str) -> Any | None:
        found = self._by_name.get(str(name).strip().casefold())
        if found is not None:
            return found
        # An id written as such ("12", as a ticket pulled before the names were known shows it).
        text = text_key(name).strip()
        return next((ident for ident, _n in self._entries if text_key(ident) == text), None)

    def name_for(self, ident: Any) -> str | None:
        return self._by_id.get(text_key(ident))

    def names(self) -> list[str]:
        return [name for _ident, name in self._entries]


class Lookups:
    """The declared lookups of one backend, each read on first use, and again when it is older
    than ``max_age`` seconds (the app's backend lives for the session: an agent added since must
    become assignable without a restart)."""

    def __init__(self, specs: Mapping[str, LookupSpec], reader: Reader, context: Callable[[], Mapping[str, Any]],
                 *, max_age: float = 600.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.specs = dict(specs)
        self._reader = reader
        self._context = context
        self._read: dict[str, Lookup] = {}
        self._read_at: dict[str, float] = {}
        self._unreadable: dict[str, Lookup] = {}  # read for fields despite a failure: empty
        self.max_age = max_age
        self._clock = clock

    def __call__(self, name: str) -> Lookup:
        found = self._read.get(name)
        if found is None or self._clock() - self._read_at[name] > self.max_age:
            found = self._read[name] = self.load(name)
            self._read_at[name] = self._clock()
            self._unreadable.pop(name, None)
        return found

    def for_reading(self, name: str) -> Lookup:
        """The lookup for a field's ``join``: one the account may not read (403, 404, an answer not
        as the mapping says) makes its names unknown, not every sync fail; it is tried again by
        the next backend (a write that needs it still fails with the reason)."""
        found = self._unreadable.get(name)
        if found is not None and self._clock() - self._read_at.get(name, 0.0) <= self.max_age:
            return found
        try:
            return self(name)
        except (errors.Forbidden, errors.NotFound, errors.BadResponse) as error:
            log.warning("the lookup %s cannot be read, its names are left out: %s", name, error)
            found = self._unreadable[name] = Lookup([])
            self._read_at[name] = self._clock()
            return found

    def load(self, name: str) -> Lookup:
        spec = self.specs[name]
        entries: list[tuple[Any, str]] = []
        for page in self._reader.fetch_all(spec.stream, self._context()):
            for record in page.records:
                ident, label = spec.id(record), spec.label(record)
                if ident is not None and label is not None and str(label).strip():
                    entries.append((ident, text_key(label)))
        return Lookup(entries)
