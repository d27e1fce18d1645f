"""Reading the cache from scripts: ``list``, ``show``, ``search``."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from helpdesk_tui.cli.context import Context, find_ticket_or_fail
from helpdesk_tui.errors import UserError


def _query(ctx: Context, view: str, filter_text: str):
    from helpdesk_tui.domain.query import FilterError, builtin_views, parse_filter
    from helpdesk_tui.store.inbox import InboxQuery, view_query

    views = {v.id: v for v in builtin_views(ctx.settings.agent.name)}
    if view not in views:
        raise UserError(f"Unknown view '{view}': use one of {', '.join(views)}.", 2)
    try:
        extra = parse_filter(filter_text, me=ctx.settings.agent.name)
    except FilterError as exc:
        raise UserError(str(exc), 2) from None
    base = view_query(views[view], datetime.now(UTC))
    return InboxQuery(filter=base.filter.merged(extra), order=base.order, due_before=base.due_before)


def list_tickets(ctx: Context, *, view: str, filter_text: str, limit: int | None, as_json: bool) -> int:
    from helpdesk_tui.cli import output as cli_output

    query = _query(ctx, view, filter_text)
    cache = ctx.open_cache()
    try:
        ids = cache.inbox_ids(query, limit=limit)
        now = datetime.now(UTC)
        for start in range(0, len(ids), 500):
            rows = cache.inbox_rows(ids[start : start + 500])
            cli_output.print_rows(rows, now, as_json=as_json)
    finally:
        cache.close()
    return 0


def show_ticket(ctx: Context, reference: str, *, as_json: bool) -> int:
    from helpdesk_tui.cli import output as cli_output

    cache = ctx.open_cache()
    try:
        ticket = find_ticket_or_fail(ctx, cache, reference)
        customer = cache.customer_summary(ticket.requester_id) if ticket.requester_id else None
        cli_output.print_ticket(ticket, cache.thread(ticket.id), cache.timeline(ticket.id), customer,
                                datetime.now(UTC), as_json=as_json)
    finally:
        cache.close()
    return 0


def search(ctx: Context, query: str, *, limit: int, as_json: bool) -> int:
    from helpdesk_tui.cli import output as cli_output

    cache = ctx.open_cache()
    try:
        hits = cache.search(query, limit=limit)
    finally:
        cache.close()
    cli_output.print_hits(hits, as_json=as_json)
    if not hits and not as_json:
        print("No matches.", file=sys.stderr)
    return 0
