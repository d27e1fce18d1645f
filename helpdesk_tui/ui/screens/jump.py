"""Jump to any cached ticket by its number: ``#`` (or ``:``), the number, enter.

The prompt checks the number itself (through ``services.tickets.jump_target``), so a typo
or a ticket not synced yet is one sentence under the number, and the agent fixes it in
place instead of starting over. The ticket opens even when the inbox's view or filter
leaves it out; the agent is told which view it is outside of.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.models import Ticket
from helpdesk_tui.domain.query import describe
from helpdesk_tui.services.errors import ServiceError
from helpdesk_tui.services.tickets import jump_target
from helpdesk_tui.services.workspace import local_id
from helpdesk_tui.ui.widgets.inbox_list import InboxList

if TYPE_CHECKING:  # the screen the jump opens the ticket on (it imports this module)
    from helpdesk_tui.ui.screens.workstation import WorkstationScreen


class JumpScreen(ModalScreen[Ticket | None]):
    """Returns the ticket to open, or None when the agent presses escape."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="jump.cancel", tooltip="Back, without opening a ticket")]

    DEFAULT_CSS = """
    JumpScreen {
        align: center top;
        & > Vertical { width: 76; height: auto; margin-top: 3; border: round $primary; background: $surface;
                       padding: 0 1; }
        #jump-error { color: $error; width: 1fr; height: auto; }
        Label { color: $text-muted; }
    }
    """

    def __init__(self, resolve: Callable[[str], Ticket]) -> None:
        super().__init__()
        self._resolve = resolve  # the number typed → the ticket, or a ServiceError with the sentence

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Jump to ticket"
            yield Input(id="jump-number", max_length=40, placeholder="#10015")
            yield Label("", id="jump-error")
            yield Label("enter open · esc cancel")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if not self.is_current:
            return  # a second enter queued behind the first: the prompt is already closing
        try:
            ticket = self._resolve(event.value)
        except ServiceError as exc:
            # The sentence quotes what was typed (maybe pasted): plain text, never markup.
            self.query_one("#jump-error", Label).update(Text(clean_line(str(exc))))
            return
        self.dismiss(ticket)

    def action_cancel(self) -> None:
        self.dismiss(None)


def ask_jump(screen: WorkstationScreen) -> None:
    """``#``: ask for a number, then open that ticket beside the inbox."""
    screen.app.push_screen(JumpScreen(lambda typed: jump_target(screen.cache, typed)),
                           lambda ticket: _open(screen, ticket))


def _open(screen: WorkstationScreen, ticket: Ticket | None) -> None:
    if ticket is None:
        return
    ticket_id = local_id(ticket)
    inbox = screen.query_one(InboxList)
    if ticket_id in inbox.ids:
        inbox.cursor = inbox.ids.index(ticket_id)  # the inbox shows where it is
    else:
        views = screen.inbox_views
        outside = f"“{views.view.title}”"
        if views.filter:
            outside += f" with the filter “{describe(views.filter)}”"
        screen.notify(clean_line(f"#{ticket.number} is not in {outside}: opened anyway."), title="Jump",
                      markup=False)
    if screen.ticket_id is not None and screen.ticket_id != ticket_id:
        screen.panes.back_stack.append(screen.ticket_id)  # esc goes back to where the agent was
    screen.open_ticket(ticket_id, focus=True)
