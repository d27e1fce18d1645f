"""Reading the cache: the inbox in the app's order, one ticket with its thread, search."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from helpdesk_tui.domain.models import Event, InboxRow, Message, Ticket
from helpdesk_tui.domain.query import Filter, View, ticket_number
from helpdesk_tui.records import field, record, replace
from helpdesk_tui.services.errors import InvalidRequest, NotFound
from helpdesk_tui.services.workspace import find_ticket, local_id
from helpdesk_tui.config.settings import Settings
from helpdesk_tui.store.cache import Cache

# Attachments, customers and search hits are imported when first used: `list` needs none of
# them (~3 ms of dataclasses and regexes). Their types stay importable from here. The inbox
# queries likewise: `show` and `search` list nothing.
if TYPE_CHECKING:
    from helpdesk_tui.store.attachments import AttachmentInfo
    from helpdesk_tui.store.inbox import InboxQuery
    from helpdesk_tui.store.customers import CustomerSummary
    from helpdesk_tui.store.search import SearchHit

_LAZY = {"AttachmentInfo": "helpdesk_tui.store.attachments", "CustomerSummary": "helpdesk_tui.store.customers",
         "SearchHit": "helpdesk_tui.store.search", "InboxQuery": "helpdesk_tui.store.inbox"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["AttachmentInfo", "CustomerSummary", "InboxQuery", "PAGE", "SearchHit", "TicketDetail", "find_by_number",
           "inbox_pages", "inbox_query", "jump_target", "search", "search_everything", "thread_attachments", "ticket_detail", "view_query"]

PAGE = 500  # rows read per query: a long listing starts printing at once and never holds all of them


def inbox_query(settings: Settings, view: str, filter_text: str, now: datetime) -> InboxQuery:
    """The query of ``view`` (a built-in id or a ``[views]`` name) narrowed by ``filter_text``."""
    from helpdesk_tui.domain.query import FilterError, parse_filter
    from helpdesk_tui.services.views import list_views

    views = {v.id: v for v in list_views(settings)}
    if view not in views:
        raise InvalidRequest(f"Unknown view '{view}': use one of {', '.join(views)}.")
    try:
        extra = parse_filter(filter_text, me=settings.agent.name)
    except FilterError as exc:
        raise InvalidRequest(str(exc)) from None
    return view_query(views[view], now, extra)


def view_query(view: View, now: datetime, narrowed_by: Filter | None = None) -> InboxQuery:
    """The query of ``view`` at ``now``, narrowed by the filter the agent typed when one is given."""
    from helpdesk_tui.store.inbox import InboxQuery
    from helpdesk_tui.store.inbox import view_query as store_view_query

    base = store_view_query(view, now)
    if narrowed_by is None:
        return base
    if narrowed_by.number is not None:
        # A ticket number names one ticket: the agent who types it wants that ticket, even
        # when it is not theirs or not due (else "/ 10015" in "My open" finds nothing).
        return InboxQuery(filter=Filter(number=narrowed_by.number), order=base.order)
    return replace(base, filter=base.filter.merged(narrowed_by))


def inbox_pages(cache: Cache, query: InboxQuery, limit: int | None = None) -> Iterator[list[InboxRow]]:
    """The rows of ``query`` in the inbox's order, a page at a time."""
    ids = cache.inbox_ids(query, limit=limit)
    for start in range(0, len(ids), PAGE):
        yield cache.inbox_rows(ids[start : start + PAGE])


@record
class TicketDetail:
    """A ticket with its thread, timeline, customer and each message's attachments."""

    ticket: Ticket
    messages: list[Message]
    timeline: list[Event]
    customer: CustomerSummary | None
    attachments: dict[int, list[AttachmentInfo]] = field(default_factory=dict)  # by message id


def ticket_detail(cache: Cache, reference: str) -> TicketDetail:
    """The ticket numbered ``reference`` with its thread, timeline and customer."""
    ticket = find_ticket(cache, reference)
    customer = cache.customer_summary(ticket.requester_id) if ticket.requester_id else None
    ticket_id = local_id(ticket)
    messages = cache.thread(ticket_id)
    return TicketDetail(ticket, messages, cache.timeline(ticket_id), customer, thread_attachments(cache, messages))


def thread_attachments(cache: Cache, messages: Iterable[Message]) -> dict[int, list[AttachmentInfo]]:
    """The attachments of a thread's messages (message id → list), each saying whether its
    bytes are in this account's cache."""
    from helpdesk_tui.store import attachments as stored_attachments

    return stored_attachments.thread_attachments(messages, stored_attachments.bytes_folder(cache.path))


def search(cache: Cache, query: str, *, limit: int) -> list[SearchHit]:
    """Full-text hits over tickets, messages and KB articles, best first."""
    return cache.search(query, limit=limit)


# What the search screen shows of each kind: subjects name a ticket best, messages (customer
# messages, past replies, internal notes) are most of the cache, and the KB has its sidebar.
SEARCH_GROUPS = (("ticket", 10), ("message", 16), ("article", 4))


def search_everything(cache: Cache, query: str, *, groups: tuple[tuple[str, int], ...] = SEARCH_GROUPS,
                      ) -> list[SearchHit]:
    """The search screen's results, grouped by kind (tickets, then messages, then KB articles),
    each group best first; the same FTS rules (CJK bigrams, Hebrew, prefixes) as ``search``."""
    hits: list[SearchHit] = []
    for kind, limit in groups:
        hits += cache.search(query, limit=limit, kinds=(kind,))
    return hits


def find_by_number(cache: Cache, text: str) -> Ticket | None:
    """The cached ticket whose number the agent typed (``10015``, ``#10015``), None if it is not cached.

    Anything that is not a number is an ``InvalidRequest`` with the sentence to show.
    """
    number = ticket_number(text)
    if number is None:
        shown = text.strip()
        shown = shown if len(shown) <= 30 else shown[:29] + "…"
        raise InvalidRequest(f"'{shown}' is not a ticket number: type its digits, like 10015.")
    ticket = cache.find_ticket(str(number))
    return ticket if ticket is not None and ticket.number == number else None


def jump_target(cache: Cache, text: str) -> Ticket:
    """The ticket to open for what the agent typed at ``#``, or one sentence saying why there is none.

    Only the cache is read: a ticket not synced yet is not fetched from the helpdesk here.
    """
    ticket = find_by_number(cache, text)
    if ticket is None:
        raise NotFound(f"#{ticket_number(text)} is not in the cache: sync, or check the number.")
    return ticket
