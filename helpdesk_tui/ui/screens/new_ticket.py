"""The new-ticket form (``N``): to, cc, subject, status, priority, assignee and the message.

Only the form: what it asks for goes to the workstation's ``submit`` (``ui/new_ticket.py``,
which calls the service) and comes back as one sentence when something is wrong, shown under
the fields; the form closes once the ticket is queued. ctrl+t writes a template into the
message through the same picker the composer uses; ctrl+o attaches files through the
composer's file picker (``ui/attaching.py``: the private copy, the helpdesk's limits), listed
under the message with their sizes; closing the form without queueing drops the copies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, Select, Static, TextArea

from helpdesk_tui.compose.templates import Template
from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.errors import UserError
from helpdesk_tui.ui.formatting import STATUS_LABELS
from helpdesk_tui.ui.screens.template_picker import TemplatePicker

if TYPE_CHECKING:
    from helpdesk_tui.ui.attaching import ComposerFiles

STATUSES = (Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED)


@dataclass(frozen=True)
class NewTicketForm:
    """What the agent typed, as typed: the service checks it."""

    to: str
    cc: tuple[str, ...]
    subject: str
    body: str
    status: str | None
    priority: str | None
    assignee: str | None
    attachments: tuple[dict[str, object], ...] = ()  # private copies (services.attaching)


class NewTicketScreen(Screen[bool]):
    """Dismissed with True once the ticket is queued, False when the agent cancels."""

    BINDINGS = [
        Binding("ctrl+s", "send", "Queue and send", id="new_ticket.send", priority=True,
                tooltip="Check the new ticket and queue it for the helpdesk"),
        Binding("ctrl+t", "template", "Template", id="new_ticket.template",
                tooltip="Write a template into the message (its placeholders filled for this customer)"),
        Binding("ctrl+o", "attach", "Attach", id="new_ticket.attach",
                tooltip="Attach a file to the first message (checked against the helpdesk's limits)"),
        Binding("escape", "cancel", "Cancel", id="new_ticket.cancel", tooltip="Close the form; nothing is queued"),
    ]

    DEFAULT_CSS = """
    NewTicketScreen {
        align: center top;
        & > Vertical { width: 100; max-width: 100%; height: 1fr; border: round $primary; padding: 0 1; }
        Input { margin: 0; }
        Horizontal { height: auto; }
        Horizontal > Select { width: 1fr; }
        Horizontal > Input { width: 1fr; }
        TextArea { height: 1fr; min-height: 6; }
        #new-ticket-problem { color: $error; height: auto; }
        #new-ticket-files { height: auto; max-height: 6; }
        .hint { color: $text-muted; }
    }
    """

    def __init__(self, *, submit: Callable[[NewTicketForm], str | None],
                 templates: Callable[[], list[Template]],
                 render: Callable[[Template, str, str], str], files: ComposerFiles | None = None,
                 describe: Callable[[dict[str, object]], str] = str) -> None:
        super().__init__()
        self._files = files  # None: no file picker (nothing to check the files against)
        self._describe = describe  # a file's line: its safe name and size
        self._attachments: tuple[dict[str, object], ...] = ()
        self._queued = False
        self._check_and_queue = submit  # None: queued; otherwise the sentence to show
        self._template_list = templates
        self._write_template = render  # (template, to, subject) → its text for this customer; raises UserError

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "New ticket"
            yield Input(placeholder="To: the customer's e-mail, or a name from the cache", id="new-ticket-to")
            yield Input(placeholder="Cc: addresses, separated by commas (optional)", id="new-ticket-cc")
            yield Input(placeholder="Subject", id="new-ticket-subject")
            with Horizontal():
                yield Select([(STATUS_LABELS[s], s.value) for s in STATUSES], prompt="Status: open",
                             id="new-ticket-status")
                yield Select([(p.value, p.value) for p in Priority], prompt="Priority: normal",
                             id="new-ticket-priority")
                yield Input(placeholder="Assignee (optional)", id="new-ticket-assignee")
            yield TextArea("", id="new-ticket-body", soft_wrap=True)
            yield Static("", id="new-ticket-files")
            yield Static("", id="new-ticket-problem")
            yield Label("ctrl+s queue and send · ctrl+t template · ctrl+o attach · esc cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#new-ticket-to", Input).focus()
        self._show_files()

    def form(self) -> NewTicketForm:
        def text(widget_id: str) -> str:
            return self.query_one(f"#{widget_id}", Input).value

        def chosen(widget_id: str) -> str | None:
            value = self.query_one(f"#{widget_id}", Select).value
            return value if isinstance(value, str) else None

        cc = tuple(part.strip() for part in text("new-ticket-cc").replace(";", ",").split(",") if part.strip())
        return NewTicketForm(to=text("new-ticket-to"), cc=cc, subject=text("new-ticket-subject"),
                             body=self.query_one("#new-ticket-body", TextArea).text,
                             status=chosen("new-ticket-status"), priority=chosen("new-ticket-priority"),
                             assignee=text("new-ticket-assignee").strip() or None, attachments=self._attachments)

    def show_problem(self, sentence: str) -> None:
        # The sentence may quote what was typed or a server's words: plain text, never markup.
        self.query_one("#new-ticket-problem", Static).update(clean_line(sentence))

    def action_send(self) -> None:
        problem = self._check_and_queue(self.form())
        if problem is not None:
            self.show_problem(problem)
            return
        self._queued = True  # the outbox item owns the copies now
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    def on_unmount(self) -> None:
        if not self._queued and self._files is not None and self._attachments:
            self._files.discard(self._attachments)  # closed without queueing: nothing will send them

    @property
    def attachments(self) -> tuple[dict[str, object], ...]:
        return self._attachments

    def _set_files(self, files: tuple[dict[str, object], ...]) -> None:
        self._attachments = files
        self._show_files()

    def _show_files(self) -> None:
        listing = self.query_one("#new-ticket-files", Static)
        listing.display = bool(self._attachments)
        # names are the agent's files, shown as text all the same (never markup)
        listing.update(Text("\n".join(f"📎 {self._describe(m)}" for m in self._attachments)))

    def action_attach(self) -> None:
        if self._files is None:
            self.show_problem("Files cannot be attached here without a helpdesk to check them against.")
            return

        def back(_: object) -> None:
            self.query_one("#new-ticket-body", TextArea).focus()

        self.app.push_screen(self._files.picker(self._attachments, self._set_files, back_to="the new ticket"), back)

    def action_template(self) -> None:
        def chosen(template: Template | None) -> None:
            if template is None:
                return
            form = self.form()
            try:
                text = self._write_template(template, form.to, form.subject)
            except UserError as exc:
                self.show_problem(str(exc))
                return
            self.query_one("#new-ticket-body", TextArea).insert(text)
            self.show_problem("")

        self.app.push_screen(TemplatePicker(self._template_list(), "en"), chosen)
