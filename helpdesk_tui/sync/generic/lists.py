"""Articles and templates: streams read like tickets (paged, optionally incremental), or through
a chain of ``parents`` (categories → folders → articles), where each level's records are named
by ``as`` in the next level's request."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from helpdesk_tui.content.sanitize import clean_line
from helpdesk_tui.sync.generic.fields import Unreadable
from helpdesk_tui.sync.generic.incremental import CursorState
from helpdesk_tui.sync.generic.mapping import ListStream
from helpdesk_tui.sync.generic.streams import Reader
from helpdesk_tui.sync.generic.values import Env, NameLookup

log = logging.getLogger(__name__)


class ListPuller:
    def __init__(self, spec: ListStream, reader: Reader, base: Callable[[], Mapping[str, Any]],
                 lookup: Callable[[str], NameLookup], what: str) -> None:
        self.spec = spec
        self.reader = reader
        self.base = base
        self.lookup = lookup
        self.what = what

    def pull(self, cursor: str | None) -> tuple[list[Any], str | None, bool]:
        """One page after ``cursor``: (records, the next cursor, done)."""
        if self.spec.parents:
            return self.read_all(), None, True
        spec = self.spec
        state = CursorState.load(cursor)
        state.overlap = spec.incremental.overlap if spec.incremental is not None else 0
        filters = spec.incremental.filter(state) if spec.incremental is not None else {}
        query, body = ({}, filters) if spec.incremental is not None and spec.incremental.in_body else (filters, {})
        fetched = self.reader.fetch_page(spec.stream, self.base(), state.page or {}, extra_query=query,
                                         extra_body=body)
        env = Env(fetched.side_loads, self.lookup, dict(self.base()))
        out: list[Any] = []
        for record in fetched.records:
            ident = spec.reader.remote_id(record, env) or ""
            stamp = spec.incremental.stamp(record) if spec.incremental is not None else None
            if state.already_read(ident, stamp, record):
                continue
            state.saw(ident, stamp, record)
            self._read(record, env, out)
        following = fetched.next
        if following is not None and not spec.stream.paging.capped(following):
            state.page = following
            return out, state.dump(), False
        state.listing_done()
        return out, state.dump(), True

    def read_all(self) -> list[Any]:
        """Every record (templates each sync; articles under parents)."""
        out: list[Any] = []
        for context in self._leaves(0, dict(self.base())):
            for page in self.reader.fetch_all(self.spec.stream, context):
                env = Env(page.side_loads, self.lookup, context)
                for record in page.records:
                    self._read(record, env, out)
        return out

    def first_page(self) -> list[Any]:
        """The first page only (under the first parent of each level): ``account test``'s probe."""
        context = next(self._leaves(0, dict(self.base()), first=True), None)
        if context is None:
            return []
        page = self.reader.fetch_page(self.spec.stream, context, {})
        out: list[Any] = []
        env = Env(page.side_loads, self.lookup, context)
        for record in page.records:
            self._read(record, env, out)
        return out

    def _leaves(self, level: int, context: dict[str, Any], *, first: bool = False) -> Iterator[dict[str, Any]]:
        if level == len(self.spec.parents):
            yield context
            return
        parent = self.spec.parents[level]
        for page in self.reader.fetch_all(parent.stream, context):
            for record in page.records:
                yield from self._leaves(level + 1, {**context, parent.name: record}, first=first)
                if first:
                    return

    def _read(self, record: Any, env: Env, out: list[Any]) -> None:
        try:
            item = self.spec.reader.read(record, env)
        except Unreadable as exc:
            # The extras' contract has no skipped list: the record is left out and logged.
            ident = self.spec.reader.remote_id(record, env)
            log.warning("%s %s was skipped: %s", self.what, clean_line(ident or "?")[:40], exc)
            return
        if self.spec.placeholders and hasattr(item, "body"):
            body = item.body
            for theirs, ours in self.spec.placeholders:
                body = body.replace(theirs, ours)
            item.body = body
        out.append(item)
