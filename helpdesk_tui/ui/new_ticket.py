"""``N`` on the workstation: the new-ticket form, thin over ``services/new_ticket.py``.

The form's ctrl+s checks and queues through the service; once queued, the inbox shows the
provisional "queued" row at once, the ticket opens, and the outbox is pushed: when the
helpdesk answers, the drain redraws the inbox and the row carries the helpdesk's number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from helpdesk_tui.errors import UserError
from helpdesk_tui.services import new_ticket as opening
from helpdesk_tui.ui.attaching import describe

if TYPE_CHECKING:  # the screen these handlers work on (it imports this module)
    from helpdesk_tui.compose.templates import Template
    from helpdesk_tui.ui.screens.new_ticket import NewTicketForm
    from helpdesk_tui.ui.screens.workstation import WorkstationScreen


def open_new_ticket(screen: WorkstationScreen) -> None:
    # The form (and the template engine it brings) is imported on N, not on the way to the
    # first frame; startup.warm_up imports it in the background soon after that frame.
    from helpdesk_tui.ui.screens.new_ticket import NewTicketScreen

    queued: dict[str, int] = {}

    def submit(form: NewTicketForm) -> str | None:
        try:
            plan = opening.check_new_ticket(screen.cache, to=form.to, subject=form.subject, body=form.body,
                                            author=screen.me, cc=form.cc, status=form.status,
                                            priority=form.priority, assignee=form.assignee,
                                            attachments=form.attachments)
            done = opening.queue_new_ticket(screen.cache, plan, screen.now())
        except UserError as exc:
            return str(exc)
        queued["ticket_id"] = done.ticket_id
        return None

    def render(template: Template, to: str, subject: str) -> str:
        return opening.render_template([template], template.id, screen.cache, to=to, subject=subject,
                                       agent_name=screen.me, now=screen.now())

    def closed(sent: bool | None) -> None:
        ticket_id = queued.get("ticket_id")
        if not sent or ticket_id is None:
            return
        screen.notify("New ticket queued: it gets its number when the helpdesk has it.", timeout=4)
        screen.inbox_views.show(screen.inbox_views.view, keep=ticket_id)
        screen.open_ticket(ticket_id, focus=False)
        screen.render_topbar()
        screen.drain_outbox()

    screen.app.push_screen(NewTicketScreen(submit=submit, templates=lambda: screen.templates().templates,
                                           render=render, files=screen.files, describe=describe), closed)


def new_tickets_delivered(screen: WorkstationScreen) -> None:
    """After a drain: a provisional row may have its number now, so the inbox is redrawn."""
    screen.inbox_views.show(screen.inbox_views.view, keep=screen.ticket_id)
