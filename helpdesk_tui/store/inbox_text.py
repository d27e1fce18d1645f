"""The inbox's free-text filter ("refund", "status:open 返金"): the SQL that keeps matching tickets.

A ticket matches when its subject or tags hold the words (tickets_fts) or one of its
messages does (messages_fts). Two ways to ask, each fast where the other is slow (CPU
times on a 1M-ticket cache, "refund" matching 70k tickets through 53k messages and 51k
subjects):

- ``collect``: one list of the matching tickets' ids (the subject matches plus the
  tickets of the matching messages), then those tickets fetched by id and sorted.
  Following every matching message to its ticket costs about 1 µs each: 124 ms for the
  whole "refund" view, and a rare word costs next to nothing.
- ``walk``: go down the view's own order and keep the tickets that are in the subject
  matches or have a message in the message matches. A first page of a common word stops
  after a few thousand tickets (17 ms for "refund"), but a rare word walks the whole
  index (421 ms for a word that matches nothing), so ``walk`` is only for a first page of
  a word that ``is_common`` says is common.

Both give the same tickets; the order is the view's either way.
"""

from __future__ import annotations

import math
import sqlite3

from helpdesk_tui.store.fts_text import match_query

_COLLECT = ("t.id IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ? UNION ALL "
            "SELECT m.ticket_id FROM messages m WHERE m.id IN "
            "(SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?))")
_WALK = ("(t.id IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?) OR EXISTS "
         "(SELECT 1 FROM messages m WHERE m.ticket_id = t.id AND m.id IN "
         "(SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)))")


def text_sql(text: str, *, walk: bool = False) -> tuple[str, list[object]]:
    """The WHERE part (over ``tickets t``) for free text; ("", []) when nothing is searchable."""
    expr = match_query(text)
    if expr is None:
        return "", []
    return (_WALK if walk else _COLLECT), [expr, expr]


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
    tickets = conn.execute("SELECT coalesce(max(id), 0) FROM tickets").fetchone()[0]
    threshold = max(1000, math.isqrt(100 * tickets))
    found = conn.execute(
        "SELECT (SELECT count(*) FROM (SELECT 1 FROM tickets_fts WHERE tickets_fts MATCH ?1 LIMIT ?2))"
        " + (SELECT count(*) FROM (SELECT 1 FROM messages_fts WHERE messages_fts MATCH ?1 LIMIT ?2))",
        (expr, threshold)).fetchone()[0]
    return found >= threshold
