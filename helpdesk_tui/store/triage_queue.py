"""What waits for rotation triage, and the names an agent picks from when assigning.

All reads; the actions are in ``triage``.
"""

from __future__ import annotations

import sqlite3
from array import array

from helpdesk_tui.domain.models import InboxRow, Message
from helpdesk_tui.domain.sla import DELETED_FLOOR
from helpdesk_tui.domain.vocab import MessageKind, Status
from helpdesk_tui.store import inbox, rows

_ACTIVE = tuple(s.value for s in Status if s.is_active)

# Tickets escalated to a group (no one person) have an owner all the same: they leave the queue.
_ESCALATED_TO_GROUP = ("SELECT ticket_id FROM triage_actions WHERE action = 'escalate' AND undone_at IS NULL "
                       "AND json_extract(detail, '$.to_group') = 1")


def queue_sql(select: str = "t.id", *, ordered: bool = True) -> tuple[str, tuple]:
    """The queue's query: tickets waiting for triage (active, not deleted, nobody's), SLA order.

    ``ix_tickets_assignee (assignee, sla_key, id)`` gives the unassigned tickets already in
    SLA order, deleted ones (``sla_key`` past ``DELETED_FLOOR``) cut off inside the index.
    """
    sql = (f"SELECT {select} FROM tickets t WHERE t.assignee IS NULL AND t.sla_key < ? "
           f"AND t.status IN ({', '.join('?' * len(_ACTIVE))}) AND t.id NOT IN ({_ESCALATED_TO_GROUP})")
    if ordered:
        sql += " ORDER BY t.sla_key, t.id"
    return sql, (DELETED_FLOOR, *_ACTIVE)


def queue_ids(conn: sqlite3.Connection, *, limit: int | None = None) -> array:
    """Ids of the tickets waiting for triage, most urgent first (``limit``: the first ones)."""
    sql, params = queue_sql()
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return array("q", (r[0] for r in conn.execute(sql, params)))


def queue_count(conn: sqlite3.Connection) -> int:
    sql, params = queue_sql("count(*)", ordered=False)
    return conn.execute(sql, params).fetchone()[0]


def queue_rows(conn: sqlite3.Connection, ids) -> list[InboxRow]:
    return inbox.fetch_rows(conn, ids)


def known_assignees(conn: sqlite3.Connection) -> list[str]:
    """Every assignee in the cache, by name: one index probe per name (a skip scan), not a
    scan of every ticket."""
    names: list[str] = []
    last = ""
    while True:
        row = conn.execute("SELECT min(assignee) FROM tickets WHERE assignee > ?", (last,)).fetchone()
        if row is None or row[0] is None:
            return names
        last = row[0]
        names.append(last)


RECENT_FOR_GROUPS = 5000


def recent_groups(conn: sqlite3.Connection) -> list[str]:
    """Groups (queues) of the most recently updated tickets: the ones still in use."""
    found = conn.execute("SELECT DISTINCT grp FROM (SELECT grp FROM tickets ORDER BY updated_at DESC LIMIT ?) "
                         "WHERE grp IS NOT NULL AND grp != '' ORDER BY grp", (RECENT_FOR_GROUPS,))
    return [r[0] for r in found]


def first_customer_message(conn: sqlite3.Connection, ticket_id: int) -> Message | None:
    """What the customer wrote first (the preview): one row from ``ix_messages_ticket``."""
    row = conn.execute(f"SELECT {rows.MESSAGE_SELECT} FROM messages WHERE ticket_id = ? AND kind = ? "
                       "ORDER BY created_at, id LIMIT 1", (ticket_id, str(MessageKind.CUSTOMER))).fetchone()
    return rows.message_from_row(row) if row else None
