"""The ticket pane: a header with the SLA clocks, the timeline (toggled) and the thread."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.models import Event, Message, Ticket
from helpdesk_tui.domain.sla import Target, describe_due, format_remaining, is_breached, next_due, target_results
from helpdesk_tui.domain.vocab import EventKind, Status
from helpdesk_tui.services.tickets import AttachmentInfo
from helpdesk_tui.ui.formatting import PRIORITY_LABELS, STATUS_LABELS, when
from helpdesk_tui.ui.widgets.thread_view import ThreadView
from helpdesk_tui.domain.new_ticket import ticket_label

EVENT_LABELS = {
    EventKind.RECEIVED: "received",
    EventKind.FIRST_RESPONSE: "first response",
    EventKind.STATUS_CHANGED: "status",
    EventKind.PRIORITY_CHANGED: "priority",
    EventKind.ASSIGNED: "assigned",
    EventKind.CHECKPOINT_SET: "next update promised",
    EventKind.CUSTOMER_REPLIED: "customer replied",
    EventKind.REPLIED: "replied",
    EventKind.NOTE_ADDED: "internal note",
}


def header_text(ticket: Ticket, now: datetime) -> Text:
    """Number, subject, state and the clocks, built from untrusted fields without markup."""
    text = Text()
    text.append(f"{ticket_label(ticket.number)} ", "bold")
    text.append(clean_line(ticket.subject), "bold")
    text.append("\n")
    text.append(STATUS_LABELS[ticket.status], "bold")
    text.append(" · " + PRIORITY_LABELS[ticket.priority])
    text.append(" · assignee: " + (clean_line(ticket.assignee) if ticket.assignee else "unassigned"))
    if ticket.group:
        text.append(" · group: " + clean_line(ticket.group))
    if ticket.tags:
        text.append(" · tags: " + ", ".join(clean_line(t) for t in ticket.tags))
    text.append("\n")
    due = next_due(ticket)
    text.append("SLA: ")
    text.append(describe_due(due, now), "bold reverse" if due and is_breached(due.at, now) else "bold")
    if ticket.next_checkpoint_at is not None:
        promise = ticket.next_checkpoint_at
        if is_breached(promise, now):
            # A broken promise is a breach even when another clock runs out first.
            text.append(" · ")
            text.append(f"next update overdue by {format_remaining(promise, now).lstrip('-')}", "bold reverse")
            text.append(f" (promised {when(promise, now)})")
        else:
            text.append(f" · next update promised {when(promise, now)} (in {format_remaining(promise, now)})")
    elif ticket.first_response_at is None and ticket.status.is_active:
        text.append(" · not answered yet")
    return text


def timeline_text(ticket: Ticket, events: list[Event], now: datetime) -> Text:
    text = Text()
    text.append("Timeline\n", "bold underline")
    for event in events:
        text.append(f"{when(event.at, now):>18}  ", "dim")
        text.append(EVENT_LABELS.get(event.kind, str(event.kind)), "bold")
        if event.detail:
            text.append("  " + clean_line(event.detail))
        if event.actor:
            text.append(f"  ({clean_line(event.actor)})", "dim")
        text.append("\n")
    if ticket.next_checkpoint_at is not None:
        text.append(f"{when(ticket.next_checkpoint_at, now):>18}  ", "dim")
        text.append("next update due", "bold")
        text.append("  (promised)\n")
    if not events:
        text.append("No events recorded.\n", "dim")
    text.append_text(targets_text(ticket, now))
    return text


def targets_text(ticket: Ticket, now: datetime) -> Text:
    """Each SLA target with its due time and how it stands, judged as the KPIs judge it."""
    text = Text()
    text.append("SLA targets\n", "bold underline")
    for result in target_results(ticket, now):
        label = Target.LABELS[result.target]
        if result.due is None:
            state = "met" if result.met_at else "clock stopped"
            text.append(f"{label:>18}  ", "dim")
            text.append(state + ("" if result.met_at else " (waiting, solved or no target)") + "\n")
            continue
        text.append(f"{label:>18}  ", "dim")
        text.append(f"due {when(result.due, now)}")
        if result.met_at is not None:
            verdict = "met late" if result.breached else "met"
            text.append(f" · {verdict} {when(result.met_at, now)}", "bold reverse" if result.breached else "bold")
        elif result.breached:
            text.append(f" · overdue by {format_remaining(result.due, now).lstrip('-')}", "bold reverse")
        else:
            text.append(f" · in {format_remaining(result.due, now)}", "bold")
        text.append("\n")
    if ticket.update_due_at is not None and Status(ticket.status).is_active:
        text.append(f"{'regular update':>18}  ", "dim")
        text.append(f"due {when(ticket.update_due_at, now)}")
        overdue = is_breached(ticket.update_due_at, now)
        text.append(f" · {'overdue' if overdue else 'in'} {format_remaining(ticket.update_due_at, now).lstrip('-')}",
                    "bold reverse" if overdue else "bold")
        text.append("\n")
    if ticket.sla_source == "helpdesk":
        text.append("acknowledgement and resolution due times are set by the helpdesk\n", "dim")
    return text


class TicketPane(Vertical):
    """Shows one ticket; empty until the agent opens one."""

    DEFAULT_CSS = """
    TicketPane {
        #ticket-header { padding: 0 1; background: $panel; height: auto; }
        #ticket-timeline { padding: 0 1; height: auto; max-height: 50%; display: none;
                           border-bottom: solid $primary 50%; overflow-y: auto; }
        #ticket-timeline.shown { display: block; }
        #ticket-empty { padding: 1 2; color: $text-muted; }
        ThreadView { height: 1fr; }
        #ticket-held { padding: 0 1; height: 1; display: none; color: $warning; text-style: bold; }
        #ticket-download { padding: 0 1; height: 1; display: none; color: $text-muted; }
    }
    """

    def __init__(self, now: Callable[[], datetime], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._now = now
        self.ticket: Ticket | None = None
        self._events: list[Event] = []

    def compose(self) -> ComposeResult:
        yield Static("Open a ticket with Enter.", id="ticket-empty")
        yield Static(id="ticket-header")
        yield Static(id="ticket-timeline")
        yield ThreadView(self._now, id="thread")
        yield Static(id="ticket-held")  # a reply in its undo window: "sending in 9 s · u undo"
        yield Static(id="ticket-download")  # an attachment being downloaded to open or save: "… 45% of 12 MB"

    def on_mount(self) -> None:
        self._show_empty(True)

    def show_download(self, line: str | None) -> None:
        """The download under way for ``o`` or ``s`` (plain text), or None when there is none."""
        status = self.query_one("#ticket-download", Static)
        status.display = line is not None
        status.update(Text(line or ""))

    def _show_empty(self, empty: bool) -> None:
        self.query_one("#ticket-empty").display = empty
        self.query_one("#ticket-header").display = not empty
        self.query_one(ThreadView).display = not empty

    def show_nothing(self, reason: str) -> None:
        """No ticket to show (the filter matches none): say so instead of keeping the last one."""
        self.ticket = None
        self._events = []
        self.query_one("#ticket-empty", Static).update(Text(reason))
        self._show_empty(True)
        self.query_one("#ticket-timeline").remove_class("shown")
        self.query_one(ThreadView).set_messages([])
        self.border_title = "Ticket"

    def show(self, ticket: Ticket, messages: list[Message], events: list[Event],
             attachments: Mapping[int, Sequence[AttachmentInfo]] | None = None) -> None:
        self.ticket = ticket
        self._events = events
        self._show_empty(False)
        now = self._now()
        self.query_one("#ticket-header", Static).update(header_text(ticket, now))
        self.query_one("#ticket-timeline", Static).update(timeline_text(ticket, events, now))
        self.query_one(ThreadView).set_messages(messages, attachments)
        self.border_title = f"Ticket {ticket_label(ticket.number)}"

    @property
    def timeline_shown(self) -> bool:
        return self.query_one("#ticket-timeline").has_class("shown")

    def toggle_timeline(self) -> None:
        self.query_one("#ticket-timeline").toggle_class("shown")
