"""Saving the inbox's current filter as a view: a name and a key, checked before the dialog closes."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from helpdesk_tui.config.custom_views import MAX_NAME, VIEW_KEYS_HELP
from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.query import View
from helpdesk_tui.services.errors import ServiceError


class SaveViewScreen(ModalScreen[View | None]):
    """Asks for a name and a key; ``save(name, key)`` returns the saved view or raises with a sentence.

    Returns the saved view, or None when the agent goes back. A refused name or key keeps the
    dialog open with the reason under the fields, so nothing typed is lost.
    """

    BINDINGS = [Binding("escape", "cancel", "Back", id="save_view.cancel", tooltip="Do not save the view")]

    DEFAULT_CSS = """
    SaveViewScreen {
        align: center middle;
        & > Vertical { width: 76; height: auto; border: round $primary; background: $surface; padding: 0 1; }
        #save-view-error { color: $error; width: 1fr; height: auto; }
        Label { color: $text-muted; width: 1fr; }
    }
    """

    def __init__(self, filter_text: str, save: Callable[[str, str], View]) -> None:
        super().__init__()
        self._filter_text = filter_text
        self._save = save

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Save the filter as a view"
            yield Label(Text(f"filter: {clean_line(self._filter_text)}"))  # typed by the agent: literal text
            yield Input(id="save-view-name", max_length=MAX_NAME, placeholder="name, e.g. Billing urgent")
            yield Input(id="save-view-key", max_length=1, placeholder=f"key: {VIEW_KEYS_HELP}")
            yield Label("", id="save-view-error")
            yield Label("enter save · tab next field · esc back")

    def on_mount(self) -> None:
        self.query_one("#save-view-name", Input).focus()

    @on(Input.Submitted, "#save-view-name")
    def _name_submitted(self) -> None:
        self.query_one("#save-view-key", Input).focus()

    @on(Input.Submitted, "#save-view-key")
    def _key_submitted(self) -> None:
        if not self.is_current:
            return  # a second enter queued behind the first: the dialog is already closing
        name = self.query_one("#save-view-name", Input).value
        key = self.query_one("#save-view-key", Input).value
        try:
            view = self._save(name, key)
        except ServiceError as exc:  # a sentence: the name or key refused, or the file not writable
            self.query_one("#save-view-error", Label).update(Text(clean_line(str(exc))))
            return
        self.dismiss(view)

    def action_cancel(self) -> None:
        self.dismiss(None)
