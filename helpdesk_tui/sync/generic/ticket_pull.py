"""One ``pull``: the next page of the tickets stream after the cursor, as a ``ChangePage``.

The listing's request gets the paging's and the incremental filter's parameters; each record
is a deletion (``deleted:`` matches), one already read at the cursor's boundary stamp, one
whose content is unchanged (a full scan), or a ticket read by its fields — a record that
cannot be read is skipped and named, never a stopped sync. The cursor (``incremental.py``)
is written so a sync interrupted after any page resumes at the next one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from helpdesk_tui.content.sanitize import clean_line
from helpdesk_tui.domain.remote import ChangePage, RemoteTicket
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.generic.fields import Unreadable
from helpdesk_tui.sync.generic.incremental import CursorState, content_hash
from helpdesk_tui.sync.generic.mapping import TicketStream
from helpdesk_tui.sync.generic.people import PeopleReader
from helpdesk_tui.sync.generic.paging import PageState
from helpdesk_tui.sync.generic.streams import Fetched, Reader, side_loads_of
from helpdesk_tui.sync.generic.values import Env, NameLookup, text_key
from helpdesk_tui.sync.status import SyncStatus

log = logging.getLogger(__name__)
MAX_SKIPPED = 100  # skipped-record sentences kept from one page (the rest are counted)


class TicketPuller:
    def __init__(self, spec: TicketStream, reader: Reader, base: Callable[[], Mapping[str, Any]],
                 lookup: Callable[[str], NameLookup], users: PeopleReader | None,
                 organizations: PeopleReader | None) -> None:
        self.spec = spec
        self.reader = reader
        self.base = base
        self.lookup = lookup
        self.users = users
        self.organizations = organizations

    def pull(self, cursor: str | None, status: SyncStatus) -> ChangePage:
        spec = self.spec
        incremental = spec.incremental
        state = CursorState.load(cursor)
        state.overlap = incremental.overlap
        starting = not state.page  # the first page of a listing (its total is the pull's)
        if starting:
            for people in (self.users, self.organizations):
                if people is not None:
                    people.forget()
        self.reader.expanded.clear()  # an expanded record is fresh for each page
        filters = incremental.filter(state)
        query, body = ({}, filters) if incremental.in_body else (filters, {})
        context = {**self.base(), "since": incremental.since(state)}
        if incremental.type == "export_cursor":
            fetched = self.reader.fetch_page(spec.stream, context, {}, extra_query=query)
        else:
            fetched = self.reader.fetch_page(spec.stream, context, state.page or {}, extra_query=query,
                                             extra_body=body)
        page = ChangePage()
        env = Env(fetched.side_loads, self.lookup, dict(self.base()))
        taken: list[Any] = []
        full_scan = incremental.type == "full_scan"
        for record in fetched.records:
            raw = self._take(record, env, state, page, status if full_scan else None)
            if raw is not None:
                taken.append(raw)
        if incremental.type == "export_cursor":
            self._export_next(fetched, state, page)
        else:
            self._listing_next(fetched, state, page, status if full_scan else None, env, taken)
        self._people(page, taken, env)
        if starting and spec.stream.paging.total is not None and spec.stream.paging.type == "offset":
            total = spec.stream.paging.total(fetched.answer.body)
            page.total_hint = total if isinstance(total, int) and not isinstance(total, bool) else None
        page.cursor = state.dump()
        page.skipped = _bounded(page.skipped)
        return page

    # --- records ---------------------------------------------------------------------------

    def _take(self, record: Any, env: Env, state: CursorState, page: ChangePage,
              status: SyncStatus | None) -> Any | None:
        """Put ``record`` on the page (or its deletion); returns it when it became a ticket."""
        reader = self.spec.reader
        ident = reader.remote_id(record, env)
        if ident is None:
            page.skipped.append(f"a ticket record was skipped: {_why_no_id(record)}.")
            return None
        if self.spec.deleted is not None and self.spec.deleted.test(record, env):
            page.deleted_ticket_ids.append(ident)
            if status is not None:
                status.delete(ident)
            return None
        stamp = self.spec.incremental.stamp(record)
        # At the boundary stamp a ticket counts as read only as it was then: one changed again in
        # the same second (stamps in whole seconds) has other content, and is read again.
        if state.already_read(ident, stamp, record):
            return None
        state.saw(ident, stamp, record)
        digest = ""
        if status is not None:
            digest = content_hash(record)
            known = (status.get(ident) or "").split(" ")
            if known[0] == digest:
                if known[1:] != [str(state.scan)]:
                    status.set(ident, f"{digest} {state.scan}")
                return None
        try:
            ticket = reader.read(record, env)
        except Unreadable as exc:
            page.skipped.append(f"ticket {clean_line(ident)[:40]} was skipped: {exc}.")
            if status is not None:  # seen (not deleted), and read again by the next scan
                status.set(ident, f"- {state.scan}")
            return None
        if status is not None:
            status.set(ident, f"{digest} {state.scan}")
        page.tickets.append(ticket)
        return record

    # --- where the next page is ----------------------------------------------------------

    def _export_next(self, fetched: Fetched, state: CursorState, page: ChangePage) -> None:
        incremental = self.spec.incremental
        body = fetched.answer.body
        token = incremental.cursor(body) if incremental.cursor is not None else None
        # A cursor that did not move brings the same page again: drained, whatever the flag says
        # (a server answering done: false with its own cursor would be asked for ever).
        stuck = token is not None and token != "" and str(token) == state.token
        if token is not None and token != "":
            state.token = str(token)
        if incremental.done is not None:
            flag = incremental.done(body)
            # No flag at all counts as drained: a server that stops saying must not be asked for ever.
            page.done = True if flag is None else text_key(flag).lower() == "true"
        else:
            page.done = not fetched.records
        if token is None and not fetched.records or stuck:
            page.done = True

    def _listing_next(self, fetched: Fetched, state: CursorState, page: ChangePage, status: SyncStatus | None,
                      env: Env, taken: list[Any]) -> None:
        paging = self.spec.stream.paging
        following = fetched.next
        if following is not None and not paging.capped(following):
            state.page = following
            page.done = False
            return
        if status is not None:
            self._scan_ends(state, page, status, env, taken)
            state.page = None
            state.scan += 1
            page.done = True
            return
        if following is not None:
            # The page cap (max_pages) is reached: start a new listing from the newest stamp seen
            # (the request must list oldest first). With max_pages: 1 every page is asked for by
            # stamp, so records that move while the listing is read are never skipped.
            if state.newest is not None and (state.since is None or state.newest > state.since):
                self._gone(state, page, env)
                state.listing_done()
                state.restart = True
            else:  # the whole page sat at the boundary stamp: page on within it, or it never ends
                state.page = following
            page.done = False
            return
        self._gone(state, page, env)
        state.listing_done()
        state.restart = False
        page.done = True

    def _gone(self, state: CursorState, page: ChangePage, env: Env) -> None:
        """Before a listing's filter moves on: the tickets that left the listing (``tickets.gone``:
        the deleted, the spam) become deletions. Their listings keep a filter of their own (from
        the main one's, then their newest stamp), so each is reported once. The first listing
        has nothing to delete yet."""
        since = state.gone_since or state.since
        if not self.spec.gone or since is None:
            return
        gone = CursorState(since=since, seen=list(state.gone_seen))
        filters = self.spec.incremental.filter(gone)
        query, body = ({}, filters) if self.spec.incremental.in_body else (filters, {})
        for stream in self.spec.gone:
            at: PageState | None = {}
            while at is not None:
                fetched = self.reader.fetch_page(stream, self.base(), at, extra_query=query, extra_body=body)
                for record in fetched.records:
                    ident, stamp = self.spec.reader.remote_id(record, env), self.spec.incremental.stamp(record)
                    if ident is not None and not gone.already_read(ident, stamp):
                        gone.saw(ident, stamp)
                        page.deleted_ticket_ids.append(ident)
                at = fetched.next if fetched.next is not None and not stream.paging.capped(fetched.next) else None
        gone.listing_done()
        state.gone_since, state.gone_seen = gone.since, gone.seen

    def _scan_ends(self, state: CursorState, page: ChangePage, status: SyncStatus, env: Env,
                   taken: list[Any]) -> None:
        """Known tickets this scan did not list: gone (or, with ``tickets.one``, looked up one by one:
        a deletion during the scan may have shifted the pages under us)."""
        current = str(state.scan)
        missing = sorted((key for key, value in status.all().items() if value.split(" ")[1:] != [current]),
                         key=lambda k: (len(k), k))
        for ident in missing:
            record = self.one(ident) if self.can_read_one(by_number=False) else None
            if record is None:
                page.deleted_ticket_ids.append(ident)
                status.delete(ident)
                continue
            status.delete(ident)  # read again as if new
            raw = self._take(record, env, state, page, status)
            if raw is not None:
                taken.append(raw)

    def can_read_one(self, *, by_number: bool) -> bool:
        one = self.spec.one
        return one is not None and (one.by_number if by_number else one.by_id)

    def one(self, ident: str, *, number: int | None = None) -> Any | None:
        """The record of one ticket by ``tickets.one``, by its remote id ``ident`` (or by its
        ``number``); None: the helpdesk has no such ticket, or the mapping cannot ask that way."""
        found = self.one_with_side_loads(ident, number=number)
        return found[0] if found is not None else None

    def one_with_side_loads(self, ident: str, *, number: int | None = None) -> tuple[Any, dict[str, Any]] | None:
        """``one``'s record and the side-loads of its answer (read as the listing's are: the
        same search with the ticket's people beside it)."""
        one = self.spec.one
        if one is None or not self.can_read_one(by_number=number is not None):
            return None
        try:
            answer = self.reader.send(one.request, {**self.base(), "remote_id": ident,
                                                    "number": number if number is not None else ident})
        except errors.NotFound:
            return None
        record = one.record(answer.body)
        if not isinstance(record, dict):
            return None
        if number is None and self.spec.reader.remote_id(record, Env(context=dict(self.base()))) != ident:
            return None  # a search answering with another ticket
        if self.spec.stream.expand is not None:
            record = self.reader.expand(self.spec.stream.expand, self.base(), record)
        return record, side_loads_of(self.spec.stream, answer.body)

    def _people(self, page: ChangePage, taken: list[Any], env: Env) -> None:
        skipped = page.skipped
        if self.users is not None:
            page.users = self.users.collect(taken, (t.requester_remote_id for t in page.tickets), env, skipped)
        if self.organizations is not None:
            ids: list[str | None] = [t.organization_remote_id for t in page.tickets]
            ids += [u.organization_remote_id for u in page.users]
            page.organizations = self.organizations.collect(taken, ids, env, skipped)

    def ticket_of(self, record: Any, env: Env) -> RemoteTicket:
        return self.spec.reader.read(record, env)


def _bounded(skipped: list[str]) -> list[str]:
    """The first ``MAX_SKIPPED`` sentences and one counting the rest: each is a line in the
    account's sync log, and a page of a million non-records must not be a million lines."""
    if len(skipped) <= MAX_SKIPPED:
        return skipped
    return [*skipped[:MAX_SKIPPED], f"{len(skipped) - MAX_SKIPPED:,} more records of this page "
                                    f"({len(skipped):,} in all) were skipped as well."]


def _why_no_id(record: Any) -> str:
    if not isinstance(record, dict):
        return f"it is not an object but {type(record).__name__}"
    return "it has no remote_id"
