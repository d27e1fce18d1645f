"""Articles and templates: streams read like tickets (paged, optionally incremental), or through
a chain of ``parents`` (categories → folders → articles), where each level's records are named
by ``as`` in the next level's request."""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from helpdesk_tui.content.sanitize import clean_line
from helpdesk_tui.domain.remote import RemoteArticle, RemoteTemplate
from helpdesk_tui.sync.generic.fields import Unreadable
from helpdesk_tui.sync.generic.incremental import CursorState
from helpdesk_tui.sync.generic.mapping import ListStream
from helpdesk_tui.sync.generic.paging import PageState
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
            listed: list[str] = []
            found = self.read_all(listed)
            return found + self._gone(_known(cursor), listed), _known_cursor(listed), True
        if self.spec.incremental is None:
            return self._whole(cursor)
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

    def read_all(self, listed: list[str] | None = None) -> list[Any]:
        """Every record (templates each sync; articles under parents); ``listed`` gets each id."""
        out: list[Any] = []
        for context in self._leaves(0, dict(self.base())):
            for page in self.reader.fetch_all(self.spec.stream, context):
                env = Env(page.side_loads, self.lookup, context)
                for record in page.records:
                    if listed is not None:
                        listed.append(self.spec.reader.remote_id(record, env) or "")
                    self._read(record, env, out)
        return out

    def _whole(self, cursor: str | None) -> tuple[list[Any], str | None, bool]:
        """A listing read whole each sync, a page a call: what the last whole listing had and this
        one did not is gone from the helpdesk (passed on archived, so it leaves the cache)."""
        saved = _json(cursor)
        page = saved.get("page")
        state: PageState = page if isinstance(page, dict) else {}
        listed = [str(i) for i in saved.get("listed") or () if isinstance(i, (str, int))]
        fetched = self.reader.fetch_page(self.spec.stream, self.base(), state)
        env = Env(fetched.side_loads, self.lookup, dict(self.base()))
        out: list[Any] = []
        for record in fetched.records:
            listed.append(self.spec.reader.remote_id(record, env) or "")
            self._read(record, env, out)
        following = fetched.next
        if following is not None and not self.spec.stream.paging.capped(following):
            return out, json.dumps({"page": following, "listed": listed, "known": _known(cursor)}), False
        return out + self._gone(_known(cursor), listed), _known_cursor(listed), True

    def _gone(self, known: list[str], listed: list[str]) -> list[Any]:
        if self.what != "article":
            return []
        present = set(listed)
        return [RemoteArticle(remote_id=ident, title="", body="", archived=True)
                for ident in known if ident and ident not in present]

    def first_page(self) -> list[Any]:
        """The first page only (under the first parent of each level): ``account test``'s probe."""
        context = next(self._leaves(0, dict(self.base()), first=True), None)
        if context is None:
            return []
        incremental = self.spec.incremental
        # As a first pull asks (an API may require its `initial` filter, e.g. a start_time).
        filters = incremental.filter(CursorState()) if incremental is not None else {}
        query, body = ({}, filters) if incremental is not None and incremental.in_body else (filters, {})
        page = self.reader.fetch_page(self.spec.stream, context, {}, extra_query=query, extra_body=body)
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
        if isinstance(item, RemoteTemplate):
            item.body = translate_placeholders(item.body, self.spec.placeholders)
        out.append(item)


def _json(cursor: str | None) -> dict[str, Any]:
    try:
        data = json.loads(cursor) if cursor else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _known_cursor(listed: list[str]) -> str | None:
    """The cursor after a whole listing: its ids (None when it listed nothing: nothing to compare)."""
    return json.dumps({"known": listed}) if listed else None


def _known(cursor: str | None) -> list[str]:
    """The ids of the last whole listing, as the cursor keeps them."""
    return [str(i) for i in _json(cursor).get("known") or () if isinstance(i, (str, int))]


# A helpdesk's own template syntax: ``{{ … }}``, ``{% … %}``, and a stray ``{{``, ``{%`` or ``{#``.
_THEIRS = r"\{\{(?P<inner>.*?)\}\}|\{%(?P<tag>.*?)%\}|\{[{%#]"


def translate_placeholders(body: str, table: tuple[tuple[str, str], ...]) -> str:
    """A synced template's body in our syntax: each placeholder the table names becomes ours
    (in braces, however it is spaced inside them; in any other syntax, such as ``#{…}``, as
    written); anything else that looks like our template syntax is kept as the helpdesk wrote
    it, as literal text (a tag inside ``{{ }}``), which the send checks flag as a placeholder
    with no value: a synced template never runs code of its own."""
    pattern, ours = _compiled(table)

    def one(match: re.Match[str]) -> str:
        token = match.group(0)
        found = ours.get(_bare(token))
        if found is not None:
            return found
        if match.group("tag") is not None:  # a tag ({% if %}): shown inside braces, so the send checks stop it too
            token = "{{ " + token + " }}"
        return "{{ " + json.dumps(token, ensure_ascii=False) + " }}"
    return pattern.sub(one, body)


@functools.lru_cache(maxsize=16)
def _compiled(table: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    """The table's own placeholders first (longest first), then anything in braces."""
    keys = sorted((theirs for theirs, _ in table), key=len, reverse=True)
    named = "|".join(re.escape(key) for key in keys)
    return re.compile(f"{named}|{_THEIRS}" if named else _THEIRS, re.S), {_bare(k): v for k, v in table}


def _bare(token: str) -> str:
    """``{{ ticket.id }}`` → ``{{ticket.id}}``: the same placeholder however it is spaced."""
    if len(token) > 4 and token[:2] in ("{{", "{%"):
        return token[:2] + token[2:-2].strip() + token[-2:]
    return token
