"""A small modal to write or edit a note about a customer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea


class NoteEditor(ModalScreen[str | None]):
    """Returns the note's new text, or None when the agent cancels."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save note", id="note.save", tooltip="Save the note"),
        Binding("escape", "cancel", "Cancel", id="note.cancel", tooltip="Close without saving"),
    ]

    DEFAULT_CSS = """
    NoteEditor {
        align: center middle;
        & > Vertical { width: 70; height: 16; border: round $primary; background: $surface; padding: 0 1; }
        TextArea { height: 1fr; }
        Label { color: $text-muted; }
    }
    """

    def __init__(self, title: str, text: str = "") -> None:
        super().__init__()
        self._title = title
        self._text = text

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self._title
            yield TextArea(self._text, id="note-text", soft_wrap=True)
            yield Label("ctrl+s save · esc cancel")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
