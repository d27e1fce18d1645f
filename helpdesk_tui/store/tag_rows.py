"""A ticket's tag rows (``ticket_tags``: tag folded by ``str.lower``, the ticket's sla_key, its
id) found from the ticket's own row, without an index by ticket (schema
``_V15_TAG_ROWS_FOUND_BY_TAGS``): every row is one primary-key probe."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

_FORGET_SQL = "DELETE FROM ticket_tags WHERE tag = ? AND sla_key = ? AND ticket_id = ?"


def folded(tags_json: str) -> set[str]:
    """The tags of a ticket's ``tags`` column as its tag rows hold them (``writer.save_ticket_rows``)."""
    return {tag.lower() for tag in json.loads(tags_json)}


def forget(conn: sqlite3.Connection, tickets: Iterable[tuple[int, str, int]]) -> None:
    """Delete the tag rows of each (id, tags column, sla_key) as the ticket's row holds them."""
    conn.executemany(_FORGET_SQL, ((tag, key, tid) for tid, tags, key in tickets for tag in folded(tags)))
