"""The inbox's free-text filter ("refund", "status:open 返金"): the SQL that keeps matching tickets.

A ticket matches when its subject or tags hold the words (tickets_fts) or one of its
messages does (messages_fts). Three ways to ask, each fast where the others are slow (CPU
times on a 1M-ticket cache, "refund" matching 70k tickets through 53k messages and 51k
subjects):

- ``collect``: one list of the matching tickets' ids (the subject matches plus the
  tickets of the matching messages), then those tickets fetched by id and sorted. A
  message's ticket and a ticket's sla_key are read from two narrow indexes keyed by id
  (schema ``_V13_TEXT_FILTER_INDEXES``), not from the wide table rows: the whole "refund"
  view takes about 100 ms that way (250 ms from the rows), and a rare word next to nothing.
- ``walk``: go down the view's own order and keep the tickets that are in the subject
  matches or have a message in the message matches. A first page of a common word stops
  after a few thousand tickets (17 ms for "refund"), but a rare word walks the whole
  index (421 ms for a word that matches nothing), so ``walk`` is only for a first page of
  a word that ``is_common`` says is common.
- with typed clauses (``status:open refund``), the whole list may instead walk the typed
  filter's own index (``store/inbox_plan.py``) and keep the entries in the collected list:
  about 0.3 µs an entry against 1-2 µs a collected ticket whose row must be read for its
  status, so it is taken when the index holds fewer than ``_WALK_PER_MATCH`` times as
  many tickets as the words match.

All give the same tickets; the order is the view's (sla_key, then id) every way.
"""

from __future__ import annotations

import math
import sqlite3
from typing import TYPE_CHECKING

from helpdesk_tui.domain.sla import DELETED_FLOOR
from helpdesk_tui.store import inbox_plan
from helpdesk_tui.store.fts_text import match_query

if TYPE_CHECKING:
    from helpdesk_tui.store.inbox import InboxQuery

# "+m.id": a ticket's few messages come from ix_messages_ticket. Offered ix_messages_ticket_of,
# SQLite 3.40 takes (id IN list, ticket_id =) for the narrower probe and goes through the
# whole list for every ticket walked (minutes for "refund").
_WALK = ("(t.id IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?) OR EXISTS "
         "(SELECT 1 FROM messages m WHERE m.ticket_id = t.id AND +m.id IN "
         "(SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)))")
# Walking an index entry against collecting a match (see the module's docstring).
_WALK_PER_MATCH = 4


def _collect(ticket: str) -> str:
    """``ticket`` (a column holding a ticket id) is among the matching tickets."""
    return (f"{ticket} IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ? UNION ALL "
            "SELECT m.ticket_id FROM messages m INDEXED BY ix_messages_ticket_of WHERE m.id IN "
            "(SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?))")


def text_sql(text: str, *, walk: bool = False) -> tuple[str, list[object]]:
    """The WHERE part (over ``tickets t``) for free text; ("", []) when nothing is searchable."""
    expr = match_query(text)
    if expr is None:
        return "", []
    return (_WALK if walk else _collect("t.id")), [expr, expr]


def whole_list_sql(conn: sqlite3.Connection, query: InboxQuery) -> tuple[str, list[object]] | None:
    """``SELECT`` of a free-text view's ticket ids in SLA order, or None to let SQLite plan it.

    Words alone: the collected tickets' sla_key comes from ``ix_tickets_sla_key_of``, never
    the ticket's row. Words and typed clauses: the clauses' own index is walked when it is
    the shorter way (module docstring). A view's time window or another order keeps the
    general query (``store/inbox.py``), whose collect still reads messages by index.
    """
    flt = query.filter
    expr = match_query(flt.text) if flt.text else None
    if expr is None or query.order != "urgency" or flt.number is not None:
        return None
    if not flt.clauses:
        if query.due_before is not None or query.updated_since is not None:
            return None  # the window's columns are on the ticket's row
        return (f"SELECT t.id FROM tickets t INDEXED BY ix_tickets_sla_key_of "
                f"WHERE t.sla_key < ? AND {_collect('t.id')} ORDER BY t.sla_key, t.id",
                [DELETED_FLOOR, expr, expr])
    share = inbox_plan.driver_share(query)
    if share is None:
        return None
    walked = share * _tickets(conn)
    if not _matches_at_least(conn, expr, math.ceil(walked / _WALK_PER_MATCH)):
        return None
    return inbox_plan.planned_sql(query, text=lambda ticket: (_collect(ticket), [expr, expr]))


def _tickets(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT coalesce(max(id), 0) FROM tickets").fetchone()[0])


def _matches_at_least(conn: sqlite3.Connection, expr: str, threshold: int) -> bool:
    """Whether subjects and messages together hold ``threshold`` matches; the count stops there."""
    found = conn.execute(
        "SELECT (SELECT count(*) FROM (SELECT 1 FROM tickets_fts WHERE tickets_fts MATCH ?1 LIMIT ?2))"
        " + (SELECT count(*) FROM (SELECT 1 FROM messages_fts WHERE messages_fts MATCH ?1 LIMIT ?2))",
        (expr, threshold)).fetchone()[0]
    return bool(found >= threshold)


def is_common(conn: sqlite3.Connection, text: str) -> bool:
    """Whether ``text`` matches enough to find a first page quickly by walking the view's order.

    Walking costs about 0.4 µs a ticket passed over, collecting about 1 µs a match; with
    M matches of T tickets a first page of 200 walks 200·T/M tickets, so walking wins
    from about M = √(84·T): 9k matches on a 1M cache. The count stops at that threshold,
    so asking costs little (1-5 ms; a two-letter stopword prefix like "the" up to 30 ms).
    """
    expr = match_query(text)
    if expr is None:
        return False
    return _matches_at_least(conn, expr, max(1000, math.isqrt(100 * _tickets(conn))))
