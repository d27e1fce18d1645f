"""``helpdesk-tui new``: open a ticket for a customer from a file, through the outbox."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from helpdesk_tui.cli.context import Context
from helpdesk_tui.content import clean_line
from helpdesk_tui.errors import UserError
from helpdesk_tui.services import attaching
from helpdesk_tui.services import new_ticket as opening
from helpdesk_tui.services import sync as syncing


def new_ticket(ctx: Context, *, to: str, cc: list[str], subject: str, file: str | None, status: str | None,
               priority: str | None, assignee: str | None, template: str | None, send: bool,
               attach: list[str] | None = None) -> int:
    if file is None and not template:
        raise UserError("Give the message with --file F (or --template NAME).", 2)
    text = ""
    if file is not None:
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"Cannot read {clean_line(file)}: {getattr(exc, 'strerror', None) or exc}.") from None
    templates = []
    if template:
        from helpdesk_tui.services.templates import all_templates

        templates = all_templates(ctx).templates
    now = datetime.now(UTC)
    agent = ctx.settings.agent.name
    with ctx.cache() as cache:
        body = opening.compose_body(templates, template, text, cache, to=to, subject=subject, agent_name=agent,
                                    now=now)
        plan = opening.check_new_ticket(cache, to=to, subject=subject, body=body, author=agent, cc=tuple(cc),
                                        status=status, priority=priority, assignee=assignee)
        # Copied only now that the ticket is known good: a refusal leaves nothing behind.
        plan = opening.with_files(ctx, plan, attach or [])
        try:
            queued = opening.queue_new_ticket(cache, plan, now)
        except BaseException:
            attaching.discard(cache.path, plan.attachments)  # not queued: nothing will send them
            raise
        files = f" with {len(plan.attachments)} attached" if plan.attachments else ""
        print(f"Queued new ticket {queued.item_id[:8]} for {clean_line(plan.requester_email)}{files}: "
              f"{clean_line(plan.subject)[:80]}")
        if not send:
            return 0
        result = syncing.send_outbox(cache, ctx.backend())
        number = opening.delivered_number(cache, queued.ticket_id, queued.item_id)
        if number is not None:
            print(f"Sent: ticket #{number}.")
        for problem in result.problems:
            print(f"helpdesk-tui: {clean_line(problem)} It stays in the outbox.", file=sys.stderr)
        if number is None:
            return 1  # queued, but not on the helpdesk yet: a script must be able to tell
    return 0
