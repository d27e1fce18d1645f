"""Reading a stream: one request (and its pages), the records in each answer, the lists
side-loaded beside them, and an optional per-record ``expand``.

Every listing in a mapping — tickets, a message part, users fetched by id, articles,
templates, lookups — is a ``StreamSpec``; ``fetch_page`` reads one page of it and says where
the next one is (``paging.py``). What the records mean (fields, incremental stamps) is the
caller's business.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from helpdesk_tui.content.sanitize import clean_line
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.generic.fields import Unreadable
from helpdesk_tui.sync.generic.fingerprint import fingerprint
from helpdesk_tui.sync.generic.node import Node
from helpdesk_tui.sync.generic.paging import PageState, Paging, going_round, parse_paging
from helpdesk_tui.sync.generic.paths import Path, compile_path
from helpdesk_tui.sync.generic.requests import Answer, Requester, RequestSpec, parse_request
from helpdesk_tui.sync.generic.values import Condition, Env, parse_condition, text_key

STREAM_KEYS = ("request", "records", "side_loads", "paging", "expand", "skip")
# A listing that never ends (a server repeating its next link) is stopped here.
MAX_PAGES = 10_000


@dataclass(frozen=True)
class SideLoad:
    name: str
    records: Path
    key: Path


@dataclass(frozen=True)
class Expand:
    """Per record, the full object: ``request`` (roots: ``record`` and the stream's) and the
    path to it in the answer."""

    request: RequestSpec
    record: Path


@dataclass(frozen=True)
class StreamSpec:
    request: RequestSpec
    records: Path
    records_text: str
    side_loads: tuple[SideLoad, ...] = ()
    paging: Paging = field(default_factory=Paging)
    expand: Expand | None = None
    skip: Condition | None = None
    node: Node | None = field(default=None, compare=False)


def parse_stream(node: Node, roots: Collection[str], *, also: Collection[str] = (),
                 default_records: str | None = None) -> StreamSpec:
    """The stream keys of the table at ``node`` (``also``: the other keys its caller reads)."""
    node.only(*STREAM_KEYS, *also)
    request = parse_request(node.need("request"), roots)
    records_node = node.get("records")
    if records_node is None and default_records is None:
        raise node.error("needs 'records': the path to the list of records in each answer (\"@\": the answer is the list)")
    records_text = records_node.text() if records_node is not None else str(default_records)
    records = compile_path(records_text, records_node or node)
    side_loads: list[SideLoad] = []
    loads = node.get("side_loads")
    if loads is not None:
        for name, child in loads.items():
            child.only("records", "key")
            key = child.get("key")
            side_loads.append(SideLoad(name, compile_path(child.need("records").text(), child.need("records")),
                                       compile_path(key.text() if key is not None else "id", key or child)))
    expand_node = node.get("expand")
    expand = None
    if expand_node is not None:
        expand_node.only("request", "record")
        record = expand_node.get("record")
        expand = Expand(parse_request(expand_node.need("request"), (*roots, "record")),
                        compile_path(record.text() if record else "@", record or expand_node))
    skip = node.get("skip")
    return StreamSpec(request, records, records_text, tuple(side_loads), parse_paging(node.get("paging")), expand,
                      parse_condition(skip, ("ticket", "record", *roots)) if skip is not None else None, node)


@dataclass
class Fetched:
    """One page: its records (expanded), the side-loads by name (key → record), the answer,
    and where the next page is (None: the listing is done)."""

    records: list[Any]
    side_loads: dict[str, dict[str, Any]]
    answer: Answer
    next: PageState | None


class Reader:
    """Sends a stream's requests for one backend: the requester; a caller's ``cache`` of answers
    (the same GET sent once per thread: passed in, never kept here, as two threads of the app may
    read two tickets at once) and the expanded records, read once per page."""

    def __init__(self, requester: Requester, label: str) -> None:
        self.requester = requester
        self.label = label
        self.expanded: dict[str, Any] = {}

    def fetch_page(self, spec: StreamSpec, context: Mapping[str, Any], state: PageState | None = None, *,
                   extra_query: Mapping[str, Any] | None = None, extra_body: Mapping[str, Any] | None = None,
                   strict: bool = True, cache: dict[str, Answer] | None = None) -> Fetched:
        state = state or {}
        url = spec.paging.url(state)
        if url is not None:
            answer = self.requester.get_url(url)
        else:
            query = {**(extra_query or {}), **spec.paging.query(state)}
            body = {**(extra_body or {}), **spec.paging.body(state)}
            answer = self._send(spec.request, context, query, body, cache)
        records = self.records(spec, answer, strict=strict)
        listed = records
        # Where the next page is depends on what the server listed, not on what is kept of it.
        following = spec.paging.next_state(state, answer, len(records))
        if following is not None and spec.paging.type in ("page_number", "offset") and records:
            mark = _page_mark(records)
            if mark == state.get("mark"):
                raise errors.BadResponse(
                    f"{self._host(answer)} answered the next page with the same records: the mapping's paging "
                    f"for {self.label} does not reach the next page (check its parameter names).")
            following["mark"] = mark
        side = side_loads_of(spec, answer.body)
        if spec.expand is not None:
            records = [self.expand(spec.expand, context, record) for record in records]
        if spec.skip is not None:
            records = [record for record in records if not _skipped(spec.skip, record, context)]
        return Fetched(records, side, answer, going_round(state, following, listed))

    def fetch_all(self, spec: StreamSpec, context: Mapping[str, Any], *, strict: bool = True,
                  cache: dict[str, Answer] | None = None) -> Iterator[Fetched]:
        """Every page of the stream, in order."""
        state: PageState | None = {}
        pages = 0
        while state is not None:
            fetched = self.fetch_page(spec, context, state, strict=strict, cache=cache)
            yield fetched
            state = fetched.next
            pages += 1
            if pages >= MAX_PAGES or (state is not None and spec.paging.capped(state)):
                return

    def records(self, spec: StreamSpec, answer: Answer, *, strict: bool = True) -> list[Any]:
        found = spec.records(answer.body)
        if found is None:
            if answer.body is None or not strict:
                return []
            raise errors.BadResponse(f"{self._host(answer)} answered without '{clean_line(spec.records_text)[:60]}': "
                                     f"check the account's URL (and the mapping's records path for {self.label}).")
        if isinstance(found, dict):
            return [found]
        if not isinstance(found, list):
            if not strict:
                # A thread (the one caller not strict): one ticket's answer, not the sync's. As a
                # malformed message, it leaves that ticket out, named; a SyncError would stop
                # every sync at the same page for good.
                raise Unreadable(f"'{clean_line(spec.records_text)[:60]}' is {type(found).__name__}, "
                                 "not a list of records")
            raise errors.BadResponse(f"{self._host(answer)} sent '{clean_line(spec.records_text)[:60]}' as "
                                     f"{type(found).__name__}, not a list of records.")
        return found

    def expand(self, expand: Expand, context: Mapping[str, Any], record: Any) -> Any:
        scope = {**context, "record": record}
        key = _key(expand.request, self.requester.context(scope))
        if key in self.expanded:
            return self.expanded[key]
        answer = self.requester.send(expand.request, scope)
        full = expand.record(answer.body)
        value = full if isinstance(full, dict) else record
        self.expanded[key] = value
        return value

    def send(self, request: RequestSpec, context: Mapping[str, Any]) -> Answer:
        return self._send(request, context, {}, {}, None)

    def _send(self, request: RequestSpec, context: Mapping[str, Any], query: Mapping[str, Any],
              body: Mapping[str, Any], cache: dict[str, Answer] | None) -> Answer:
        if cache is not None and request.method == "GET":
            key = _key(request, self.requester.context(context), query)
            cached = cache.get(key)
            if cached is not None:
                return cached
            answer = self.requester.send(request, context, extra_query=query or None)
            cache[key] = answer
            return answer
        return self.requester.send(request, context, extra_query=query or None, extra_body=body or None)

    def _host(self, answer: Answer) -> str:
        if not answer.url:
            return self.label
        return httpx.URL(answer.url).host or self.label


def _key(request: RequestSpec, context: dict[str, Any], query: Mapping[str, Any] | None = None) -> str:
    rendered = request.query.render(context) if request.query is not None else {}
    return json.dumps([request.method, str(request.path.render(context)), rendered, dict(query or {})],
                      sort_keys=True, default=str)


def _page_mark(records: list[Any]) -> str:
    """A page's fingerprint: two pages in a row with the same one mean the paging goes nowhere."""
    return fingerprint(records, size=8)


def side_loads_of(spec: StreamSpec, body: Any) -> dict[str, dict[str, Any]]:
    """The side-loads of ``spec`` in an answer's ``body``: name → key → record."""
    return {load.name: _index(load, body) for load in spec.side_loads}


def _index(load: SideLoad, body: Any) -> dict[str, Any]:
    found = load.records(body)
    if isinstance(found, dict):
        found = list(found.values()) if all(isinstance(v, dict) for v in found.values()) else [found]
    if not isinstance(found, list):
        return {}
    out: dict[str, Any] = {}
    for item in found:
        if isinstance(item, dict):
            key = load.key(item)
            if key is not None:
                out[text_key(key)] = item
    return out


def _skipped(condition: Condition, record: Any, context: Mapping[str, Any]) -> bool:
    return condition.test(record, Env(context=dict(context)))
