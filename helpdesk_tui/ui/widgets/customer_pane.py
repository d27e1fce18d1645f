"""The customer pane: who is asking, what they asked before, and what we know about them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from helpdesk_tui.content import clean_line, clean_text
from helpdesk_tui.domain.models import CustomerNote
from helpdesk_tui.services.types import CustomerSummary, HistoryItem
from helpdesk_tui.ui.formatting import STATUS_LABELS


def card_text(summary: CustomerSummary) -> Text:
    c = summary.customer
    text = Text()
    text.append(clean_line(c.name) or "(no name)", "bold")
    text.append("\n" + clean_line(c.email))
    if c.phone:
        text.append("\n" + clean_line(c.phone))
    if summary.organization is not None:
        text.append("\n" + clean_line(summary.organization.name), "italic")
    text.append(f"\nlanguage: {clean_line(c.language)}", "dim")
    earlier = summary.ticket_count
    text.append(f"\n{earlier} ticket{'s' if earlier != 1 else ''} · {summary.open_count} open")
    return text


def note_prompt(note: CustomerNote) -> Text:
    text = Text(clean_text(note.body).replace("\n", " ⏎ "), overflow="ellipsis")
    text.append(f"  — {clean_line(note.author)}, {note.updated_at:%Y-%m-%d}", "dim")
    return text


def history_prompt(item: HistoryItem) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"#{item.number} ", "bold")
    text.append(f"{STATUS_LABELS[item.status]:<7} ", "dim")
    text.append(f"{item.created_at:%Y-%m-%d} ", "dim")
    text.append(clean_line(item.subject))
    return text


class NotesList(OptionList):
    BINDINGS = [
        Binding("a", "add_note", "Add note", id="customer.add_note", tooltip="Add a note about this customer"),
        Binding("e,enter", "edit_note", "Edit note", id="customer.edit_note", tooltip="Edit the selected note"),
        Binding("x,delete", "delete_note", "Delete note", id="customer.delete_note",
                tooltip="Delete the selected note"),
    ]

    class EditNote(Message):
        """Ask the app to edit (``note``) or add (``note is None``) a customer note."""

        def __init__(self, customer_id: int, note: CustomerNote | None) -> None:
            super().__init__()
            self.customer_id = customer_id
            self.note = note

    class DeleteNote(Message):
        def __init__(self, note: CustomerNote) -> None:
            super().__init__()
            self.note = note

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.customer_id: int | None = None
        self.notes: list[CustomerNote] = []

    def show(self, customer_id: int, notes: list[CustomerNote]) -> None:
        self.customer_id = customer_id
        self.notes = notes
        self.set_options([Option(note_prompt(n), id=str(n.id)) for n in notes])
        self.highlighted = 0 if notes else None

    def _selected(self) -> CustomerNote | None:
        if self.highlighted is None or not self.notes:
            return None
        return self.notes[self.highlighted]

    def action_add_note(self) -> None:
        if self.customer_id is not None:
            self.post_message(self.EditNote(self.customer_id, None))

    def action_edit_note(self) -> None:
        note = self._selected()
        if self.customer_id is not None:
            self.post_message(self.EditNote(self.customer_id, note))

    def action_delete_note(self) -> None:
        note = self._selected()
        if note is not None:
            self.post_message(self.DeleteNote(note))


class HistoryList(OptionList):
    BINDINGS = [
        Binding("enter", "select", "Open ticket", id="customer.open_ticket",
                tooltip="Open this earlier ticket (Esc comes back)"),
    ]


class CustomerPane(Vertical):
    """Name, organization, counts, notes and earlier tickets of the open ticket's requester."""

    DEFAULT_CSS = """
    CustomerPane {
        #customer-card { padding: 0 1; height: auto; background: $panel; }
        Label { padding: 0 1; color: $text-muted; text-style: bold; margin-top: 1; width: 1fr; height: auto; }
        #customer-notes { height: auto; max-height: 8; border: none; }
        #customer-history { height: 1fr; border: none; }
        #customer-empty { padding: 1; color: $text-muted; }
    }
    """

    class OpenTicket(Message):
        def __init__(self, ticket_id: int) -> None:
            super().__init__()
            self.ticket_id = ticket_id

    def __init__(self, now: Callable[[], datetime], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._now = now
        self._history: list[HistoryItem] = []
        self.customer_id: int | None = None

    def compose(self) -> ComposeResult:
        yield Static("No customer on this ticket.", id="customer-empty")
        yield Static(id="customer-card")
        yield Label("Notes (a add, e edit, x del)", id="notes-label")
        yield NotesList(id="customer-notes")
        yield Label("Earlier tickets", id="history-label")
        yield HistoryList(id="customer-history")

    def on_mount(self) -> None:
        self.border_title = "Customer"
        self._set_empty(True)

    def _set_empty(self, empty: bool) -> None:
        self.query_one("#customer-empty").display = empty
        for selector in ("#customer-card", "#notes-label", "#customer-notes", "#history-label",
                         "#customer-history"):
            self.query_one(selector).display = not empty

    def show(self, summary: CustomerSummary | None, history: list[HistoryItem], *,
             reason: str = "No customer on this ticket.") -> None:
        if summary is None:
            self.customer_id = None
            self.query_one("#customer-empty", Static).update(Text(reason))
            self._set_empty(True)
            return
        self._set_empty(False)
        self.customer_id = summary.customer.id
        self.query_one("#customer-card", Static).update(card_text(summary))
        if summary.customer.id is not None:
            self.query_one(NotesList).show(summary.customer.id, summary.notes)
        self._history = history
        self.query_one("#history-label", Label).update(f"Earlier tickets ({len(history)})")
        history_list = self.query_one(HistoryList)
        history_list.set_options([Option(history_prompt(item), id=str(item.id)) for item in history])
        history_list.highlighted = 0 if history else None

    def show_notes(self, notes: list[CustomerNote]) -> None:
        if self.customer_id is not None:
            self.query_one(NotesList).show(self.customer_id, notes)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id == "customer-history":
            event.stop()
            if event.option.id is not None:  # every history row carries its ticket's id
                self.post_message(self.OpenTicket(int(event.option.id)))
        elif event.option_list.id == "customer-notes":
            event.stop()
