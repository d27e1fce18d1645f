"""Reading the cache from scripts: ``list``, ``show``, ``search``."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from helpdesk_tui.cli import output
from helpdesk_tui.cli.context import Context
from helpdesk_tui.services import tickets


def list_tickets(ctx: Context, *, view: str, filter_text: str, limit: int | None, as_json: bool) -> int:
    query = tickets.inbox_query(ctx.settings, view, filter_text, datetime.now(UTC))
    with ctx.cache() as cache:
        now = datetime.now(UTC)
        for rows in tickets.inbox_pages(cache, query, limit):
            output.print_rows(rows, now, as_json=as_json)
    return 0


def show_ticket(ctx: Context, reference: str, *, as_json: bool) -> int:
    with ctx.cache() as cache:
        detail = tickets.ticket_detail(cache, reference)
        output.print_ticket(detail.ticket, detail.messages, detail.timeline, detail.customer,
                            datetime.now(UTC), as_json=as_json, attachments=detail.attachments)
    return 0


def search(ctx: Context, query: str, *, limit: int, as_json: bool) -> int:
    with ctx.cache() as cache:
        hits = tickets.search(cache, query, limit=limit)
    output.print_hits(hits, as_json=as_json)
    if not hits and not as_json:
        print("No matches.", file=sys.stderr)
    return 0
