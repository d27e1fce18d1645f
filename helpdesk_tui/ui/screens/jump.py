"""Jump to any cached ticket by its number: ``#`` (or ``:``), the number, enter.

The prompt checks the number itself (through ``services.tickets.jump_target``), so a typo
or a ticket not synced yet is one sentence under the number, and the agent fixes it in
place instead of starting over. The ticket opens even when the inbox's view or filter
leaves it out; the agent is told which view it is outside of.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.models import Ticket
from helpdesk_tui.domain.query import describe
from helpdesk_tui.domain.query import ticket_number
from helpdesk_tui.services.errors import NotFound, ServiceError
from helpdesk_tui.services.tickets import jump_target
from helpdesk_tui.services.workspace import local_id
from helpdesk_tui.ui.widgets.inbox_list import InboxList

if TYPE_CHECKING:  # the screen the jump opens the ticket on (it imports this module)
    from helpdesk_tui.ui.screens.workstation import WorkstationScreen


log = logging.getLogger(__name__)


class NumberInput(Input):
    """The number box. Its enter submits at once, in the order the keys came: Input's own enter
    is a binding, which ran after the keys typed behind it in the same burst ("#201⏎r…" left
    "201r…" in the box). Keys after the enter are kept, for the workstation once the ticket is
    open (``keys_after``), not typed into the number."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.submitted = False
        self.keys_after: list[events.Key] = []

    async def _on_key(self, event: events.Key) -> None:
        if self.submitted and event.key != "escape":
            self.keys_after.append(event)
            event.stop()
            event.prevent_default()
            return
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.submitted = True
            self.post_message(self.Submitted(self, self.value))
            return
        await super()._on_key(event)

    def reopen(self) -> None:
        """The number did not open a ticket: the agent types again; keys after it are dropped."""
        self.submitted = False
        self.keys_after = []


class JumpScreen(ModalScreen[Ticket | None]):
    """Returns the ticket to open, or None when the agent presses escape."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="jump.cancel", tooltip="Back, without opening a ticket")]

    DEFAULT_CSS = """
    JumpScreen {
        align: center top;
        & > Vertical { width: 76; height: auto; margin-top: 3; border: round $primary; background: $surface;
                       padding: 0 1; }
        #jump-error { color: $error; width: 1fr; height: auto; }
        #jump-status { width: 1fr; height: auto; }
        Label { color: $text-muted; }
    }
    """

    def __init__(self, resolve: Callable[[str], Ticket], fetch: Callable[[str], Ticket] | None = None) -> None:
        super().__init__()
        self._resolve = resolve  # the number typed → the ticket, or a ServiceError with the sentence
        # A number not in the cache → the ticket fetched from the helpdesk (blocking: run in a
        # worker), or a ServiceError; None: no helpdesk to ask.
        self._fetch = fetch
        self.fetching: str | None = None  # what is being fetched now
        self.fetched = False  # the ticket returned came from the helpdesk just now

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Jump to ticket"
            yield NumberInput(id="jump-number", max_length=40, placeholder="#10015")
            yield Label("", id="jump-status")
            yield Label("", id="jump-error")
            yield Label("enter open · esc cancel")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if not self.is_current:
            return  # a second enter queued behind the first: the prompt is already closing
        if self.fetching is not None:
            return  # enter again while the helpdesk is asked: the first answer decides
        try:
            ticket = self._resolve(event.value)
        except NotFound as exc:
            if self._fetch is None:
                self._say(str(exc))
                return
            self._start_fetch(event.value)
            return
        except ServiceError as exc:
            self._say(str(exc))
            return
        self.dismiss(ticket)

    def _say(self, sentence: str) -> None:
        # The sentence quotes what was typed (maybe pasted): plain text, never markup.
        self.query_one("#jump-error", Label).update(Text(clean_line(sentence)))
        if sentence:
            self.query_one(NumberInput).reopen()

    def _start_fetch(self, typed: str) -> None:
        self.fetching = typed
        number = ticket_number(typed)
        self.query_one("#jump-status", Label).update(Text(f"fetching #{number} from the helpdesk…"))
        self._say("")
        self.run_worker(lambda: self._fetch_in_thread(typed), thread=True, exclusive=True, group="jump-fetch",
                        exit_on_error=False)

    def _fetch_in_thread(self, typed: str) -> None:
        assert self._fetch is not None
        try:
            ticket: Ticket | None = self._fetch(typed)
            problem = ""
        except ServiceError as exc:
            ticket, problem = None, str(exc)
        except Exception as exc:  # a bug in a backend: one sentence here, the details in the log
            log.exception("fetching a ticket for a jump failed")
            ticket, problem = None, (f"Fetching the ticket stopped on an unexpected error ({type(exc).__name__}): "
                                     "try again, and report it if it happens again.")
        self.app.call_from_thread(self._fetch_done, typed, ticket, problem)

    def _fetch_done(self, typed: str, ticket: Ticket | None, problem: str) -> None:
        if not self.is_attached or not self.is_current or self.fetching != typed:
            return  # escape was pressed while the helpdesk was asked: nothing to open
        self.fetching = None
        self.query_one("#jump-status", Label).update("")
        if ticket is None:
            self._say(problem)
            return
        self.fetched = True
        self.dismiss(ticket)

    def action_cancel(self) -> None:
        self.fetching = None  # a fetch still under way is stored when it ends, but opens nothing
        self.dismiss(None)


def ask_jump(screen: WorkstationScreen) -> None:
    """``#``: ask for a number, then open that ticket beside the inbox (fetched from the
    helpdesk first when the cache does not have it)."""
    backend, cache, clock = screen.options.backend, screen.cache, screen.now

    def fetch_ticket(typed: str) -> Ticket:
        from helpdesk_tui.services.sync import fetch_ticket  # the sync engine: not at start-up

        return fetch_ticket(cache, backend, typed, clock)

    fetch = None if backend is None else fetch_ticket
    prompt = JumpScreen(lambda typed: jump_target(cache, typed), fetch)

    def opened(ticket: Ticket | None) -> None:
        _open(screen, ticket, fetched=prompt.fetched)
        if ticket is not None:  # what was typed behind the enter goes to the ticket just opened
            for key in prompt.query_one(NumberInput).keys_after:
                screen.app.post_message(events.Key(key.key, key.character))

    screen.app.push_screen(prompt, opened)


def _open(screen: WorkstationScreen, ticket: Ticket | None, *, fetched: bool = False) -> None:
    if ticket is None:
        return
    ticket_id = local_id(ticket)
    inbox = screen.query_one(InboxList)
    if fetched:
        # New in the cache: the inbox lists it from its next refresh (reading the view again now
        # would move the cursor, and the preview would replace the ticket just opened).
        screen.notify(clean_line(f"#{ticket.number} fetched from the helpdesk."), title="Jump", markup=False)
    elif ticket_id in inbox.ids:
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
