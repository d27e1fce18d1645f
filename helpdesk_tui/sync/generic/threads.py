"""A ticket's thread: the ``messages:`` parts read and concatenated, oldest first.

Each part is a stream (request, records, paging, expand, skip) whose records are messages;
the parts of one thread share their answers, so parts that read the same request (a Redmine
issue: its description and its journals) send it once. A message a required field cannot be
read from makes the thread unreadable (``Unreadable``): the engine leaves that ticket out of
the page and names it, rather than store a thread with a hole in it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from helpdesk_tui.content.sanitize import clean_line
from helpdesk_tui.domain.remote import RemoteMessage
from helpdesk_tui.sync.generic.fields import Unreadable
from helpdesk_tui.sync.generic.mapping import MessagePart, ThreadBatch
from helpdesk_tui.sync.generic.requests import Answer
from helpdesk_tui.sync.generic.streams import Reader
from helpdesk_tui.sync.generic.values import Env, NameLookup, text_key


class ThreadReader:
    def __init__(self, parts: tuple[MessagePart, ...], batch: ThreadBatch | None, reader: Reader,
                 base: Callable[[], Mapping[str, Any]], lookup: Callable[[str], NameLookup]) -> None:
        self.parts = parts
        self.batch = batch
        self._reader = reader
        self._base = base
        self._lookup = lookup

    def read(self, ticket: Mapping[str, Any]) -> list[RemoteMessage]:
        """The thread of the ticket ``ticket`` (its context: our fields and ``raw``)."""
        context = {**self._base(), "ticket": ticket}
        messages: list[RemoteMessage] = []
        answers: dict[str, Answer] = {}  # parts reading the same request send it once
        self._reader.expanded.clear()  # a thread is read as the server has it now
        for part in self.parts:
            if part.when is not None and not part.when.test(ticket, Env(context=context)):
                continue
            embedded = _embedded(part, ticket, context)
            pages = [(embedded, {})] if embedded is not None else (
                (page.records, page.side_loads)
                for page in self._reader.fetch_all(part.stream, context, strict=False, cache=answers))
            for records, side_loads in pages:
                env = Env(side_loads, self._lookup, context)
                for record in records:
                    messages.append(_message(part.reader.read, record, env, ticket))
        messages.sort(key=lambda m: m.created_at)
        return messages

    def read_many(self, tickets: list[Mapping[str, Any]]) -> dict[str, list[RemoteMessage]]:
        """Threads of several tickets through ``messages.batch`` (``max`` ids a request)."""
        assert self.batch is not None
        batch = self.batch
        by_id = {str(t["remote_id"]): t for t in tickets}
        out: dict[str, list[RemoteMessage]] = {remote_id: [] for remote_id in by_id}
        ids = list(by_id)
        for start in range(0, len(ids), batch.max):
            chunk = ids[start:start + batch.max]
            value: Any = chunk if batch.ids_join is None else batch.ids_join.join(chunk)
            answer = self._reader.requester.send(batch.request, {**self._base(), "ids": chunk},
                                                 extra_query={batch.ids_param: value})
            records = batch.records(answer.body)
            for record in records if isinstance(records, list) else []:
                owner = text_key(batch.ticket_id(record)) if isinstance(record, dict) else ""
                ticket = by_id.get(owner)
                if ticket is None:
                    continue
                env = Env({}, self._lookup, {**self._base(), "ticket": ticket})
                out[owner].append(_message(batch.reader.read, record, env, ticket))
        for thread in out.values():
            thread.sort(key=lambda m: m.created_at)
        return out


def _embedded(part: MessagePart, ticket: Mapping[str, Any], context: Mapping[str, Any]) -> list[Any] | None:
    """The part's records from the ticket's listed record (``in_ticket``), or None: send the request."""
    raw = ticket.get("raw")
    if part.in_ticket is None or not isinstance(raw, dict) or not raw:
        return None
    try:
        answer = part.in_ticket(raw)
        found = part.stream.records(answer) if answer is not None else None
    except ValueError:  # a JMESPath function given what the listing left out (jmespath's errors are ValueErrors)
        return None
    if isinstance(found, dict):
        found = [found]
    if not isinstance(found, list):
        return None
    skip = part.stream.skip
    return [r for r in found if skip is None or not skip.test(r, Env(context=dict(context)))]


def _message(read: Callable[[Any, Env], RemoteMessage], record: Any, env: Env,
             ticket: Mapping[str, Any]) -> RemoteMessage:
    try:
        return read(record, env)
    except Unreadable as exc:
        ident = record.get("id") if isinstance(record, dict) else None
        name = f"message {clean_line(str(ident))[:40]}" if ident is not None else "a message"
        raise Unreadable(f"{name} of ticket {clean_line(str(ticket.get('remote_id')))[:40]} cannot be read: "
                         f"{str(exc).rstrip('.')}") from None
