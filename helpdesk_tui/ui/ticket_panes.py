"""The panes beside the inbox: which ticket they show, the way back, and the layout.

Opening a ticket fills the ticket pane (thread, timeline, the reply held in its undo
window), the customer pane and the KB sidebar's suggestions, and shows the ticket's saved
draft under the thread. The cursor resting on a row previews its ticket the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.css.query import NoMatches
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

from helpdesk_tui.domain.models import Ticket
from helpdesk_tui.services import tickets
from helpdesk_tui.services.types import Cache
from helpdesk_tui.ui.composer_dock import ComposerDock
from helpdesk_tui.ui.layout import pane_widths
from helpdesk_tui.ui.undo_send import HeldSends
from helpdesk_tui.ui.widgets.customer_pane import CustomerPane
from helpdesk_tui.ui.widgets.inbox_list import InboxList
from helpdesk_tui.ui.widgets.kb_sidebar import KbSidebar
from helpdesk_tui.ui.widgets.thread_view import ThreadView
from helpdesk_tui.ui.widgets.ticket_pane import TicketPane

if TYPE_CHECKING:  # the screen ``go_back`` works on (it imports this module)
    from helpdesk_tui.ui.screens.workstation import WorkstationScreen

PREVIEW_DELAY = 0.12  # seconds the cursor must rest on a ticket before the pane follows it


class TicketPanes:
    def __init__(self, cache: Cache, *, host: Widget, dock: ComposerDock,
                 set_timer: Callable[[float, Callable[[], object]], Timer], notify: Callable[..., object],
                 covered: Callable[[], bool], holds: HeldSends, redraw_header: Callable[[], None]) -> None:
        self._cache = cache
        self._host = host  # where the panes are
        self._dock = dock
        self._set_timer = set_timer
        self._notify = notify
        self._covered = covered  # a dialog is up over the workstation
        self._holds = holds
        self._redraw_header = redraw_header
        self._header_held = False  # the header counted a held send down at its last redraw
        self.ticket_id: int | None = None
        self.back_stack: list[int] = []  # tickets opened from the customer's history: esc goes back
        self.inbox_only = True  # until a ticket is opened
        self._preview_timer: Timer | None = None

    def cursor_rests_on(self, ticket_id: int | None) -> None:
        """The inbox cursor moved: the panes follow once it rests there a moment."""
        if self._preview_timer is not None:
            self._preview_timer.stop()
        if ticket_id is None or self.inbox_only:
            return
        chosen: int = ticket_id
        self._preview_timer = self._set_timer(PREVIEW_DELAY, lambda: self._preview(chosen))

    def _preview(self, ticket_id: int) -> None:
        if not self._host.query(TicketPane):
            return  # the app is closing: the timer outlived the panes
        if self.inbox_only:
            return  # zoomed in since the cursor came to rest: the panes stay hidden
        composer = self._dock.composer
        if (composer is not None and composer.active and composer.draft.ticket_id != ticket_id
                and (composer.has_focus_within or self._covered())):
            # The list moved under an agent who is writing (a reload), or a dialog about the
            # reply is up: keep their composer.
            return
        self.open(ticket_id, focus=False)

    def listed(self, count: int, empty_reason: str) -> None:
        """The inbox's whole list is in: an empty one empties the panes; its first ticket is previewed."""
        if not count and self.ticket_id is not None:
            self.show_nothing(empty_reason)
        self.preview_first()

    def preview_first(self) -> None:
        """Show the most urgent ticket beside the inbox from the start (the first sync too)."""
        inbox = self._host.query_one(InboxList)
        if self.ticket_id is None and inbox.current_id is not None:
            self.open(inbox.current_id, focus=False)

    def open(self, ticket_id: int, *, focus: bool) -> None:
        if self._preview_timer is not None:
            # A preview still waiting on the cursor must not replace the ticket opened now
            # (a focus session serving its ticket at start, a history jump, a search hit).
            self._preview_timer.stop()
            self._preview_timer = None
        cache, host = self._cache, self._host
        ticket = cache.ticket(ticket_id)
        if ticket is None:
            self._notify("That ticket is no longer in the cache.", severity="warning")
            return
        composer = self._dock.composer
        if composer is not None and composer.draft.ticket_id != ticket_id:
            self._dock.close()  # the draft stays in the cache, marked in the inbox
        self.ticket_id = ticket_id
        if self.inbox_only:
            self.inbox_only = False
            self.apply_layout()
        thread = cache.thread(ticket_id)
        host.query_one(TicketPane).show(ticket, thread, cache.timeline(ticket_id),
                                        tickets.thread_attachments(cache, thread))
        self.show_holds()
        customer = host.query_one(CustomerPane)
        if ticket.requester_id is None:
            customer.show(None, [])
        else:
            customer.show(cache.customer_summary(ticket.requester_id),
                          cache.customer_history(ticket.requester_id, exclude=ticket_id))
        latest = next((m.body for m in reversed(thread) if m.kind == "customer"), "")
        host.query_one(KbSidebar).set_context(f"{ticket.subject}\n{latest[:2000]}")
        if self._dock.composer is None:
            self._dock.show_draft(ticket_id)  # shown with its cursor; r, n or enter continue it
        if focus:
            host.query_one(ThreadView).focus()

    def show_holds(self) -> None:
        """The open ticket's reply in its undo window, if any, counting down under the thread."""
        try:
            line = self._host.query_one("#ticket-held", Static)
        except NoMatches:  # the panes are gone (closing) or not built yet
            return
        text = self._holds.line(self.ticket_id)
        line.display = text is not None
        line.update(text or "")
        if self._holds.sends or self._header_held:  # the header counts down too, and clears once
            self._header_held = bool(self._holds.sends)
            self._redraw_header()

    def show_nothing(self, reason: str) -> None:
        """The list is empty: the panes beside it must not go on showing a ticket from before."""
        if self._dock.composer is not None:
            self._dock.close()  # the draft stays in the cache
        self.ticket_id = None
        self.back_stack.clear()
        host = self._host
        host.query_one(TicketPane).show_nothing(reason)
        host.query_one(CustomerPane).show(None, [], reason="")
        host.query_one(KbSidebar).set_context("")

    def apply_layout(self) -> None:
        """Inbox alone, or inbox + ticket + customer (or KB). Inline styles on the three panes:
        a class on the Screen restyled every widget (54 ms on opening a ticket)."""
        host = self._host
        kb = host.has_class("-kb")
        widths = pane_widths(host.size.width, inbox_only=self.inbox_only, kb=kb)
        host.query_one(InboxList).styles.width = widths.inbox
        host.query_one(TicketPane).display = not self.inbox_only
        customer = host.query_one(CustomerPane)
        customer.display = not self.inbox_only and not kb
        customer.styles.width = widths.customer
        host.query_one(KbSidebar).styles.width = widths.kb

    def reload(self, ticket_id: int) -> None:
        """The ticket changed here (a reply queued or sent): redraw it, at its newest message."""
        self._host.query_one(InboxList).forget_rows([ticket_id])
        if ticket_id == self.ticket_id:
            ticket = self._cache.ticket(ticket_id)
            if ticket is not None:
                thread = self._cache.thread(ticket_id)
                self._host.query_one(TicketPane).show(ticket, thread, self._cache.timeline(ticket_id),
                                                      tickets.thread_attachments(self._cache, thread))
                self._host.query_one(ThreadView).scroll_end(animate=False, immediate=True)

    def zoom(self) -> None:
        """The inbox over the whole width, or back beside the ticket."""
        if self.ticket_id is None:
            return
        self.inbox_only = not self.inbox_only
        if self.inbox_only and self._preview_timer is not None:
            self._preview_timer.stop()  # a preview still waiting must not bring the panes back
            self._preview_timer = None
        self.apply_layout()
        if self.inbox_only:
            self._host.query_one(InboxList).focus()

    def customer_language(self, ticket: Ticket | None = None) -> str:
        ticket = ticket or (self._cache.ticket(self.ticket_id) if self.ticket_id else None)
        if ticket is None or ticket.requester_id is None:
            return "en"
        summary = self._cache.customer_summary(ticket.requester_id)
        return summary.customer.language if summary else "en"


def go_back(screen: WorkstationScreen) -> None:
    """esc: out of the KB sidebar or the filter box, else the inbox's marks cleared, else back to
    the ticket this one was opened from (the customer's history), else to the inbox."""
    if screen.has_class("-kb") and screen.query_one(KbSidebar).has_focus_within:
        screen.action_knowledge_base()
        return
    if screen.query_one("#filter").has_focus:
        screen.query_one("#filter").display = False
        screen.query_one(InboxList).focus()
        return
    inbox = screen.query_one(InboxList)
    if inbox.marked and (inbox.has_focus or not screen.panes.back_stack):
        screen.action_clear_marks()  # the marks go first: they are what the next key would act on
        return
    if screen.panes.back_stack:
        previous = screen.panes.back_stack.pop()
        inbox = screen.query_one(InboxList)
        if previous in inbox.ids:  # a jump moved the cursor away: it comes back with the ticket
            inbox.cursor = inbox.ids.index(previous)
        screen.open_ticket(previous, focus=True)
        return
    inbox.focus()
