"""``s`` on an attachment: which folder to save it in (completed as you type, → accepts)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Label

from helpdesk_tui.content.file_names import display_name, safe_save_name
from helpdesk_tui.ui.error_guard import dispatch_contained


class FolderSuggester(Suggester):
    def __init__(self, complete: Callable[[str], str | None]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)  # folders change while the dialog is up
        self._complete = complete

    async def get_suggestion(self, value: str) -> str | None:
        return self._complete(value)


class SaveAttachmentScreen(ModalScreen[Path | None]):
    """Returns the folder typed (an existing one), or None on escape."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="save_attachment.cancel", tooltip="Do not save")]

    DEFAULT_CSS = """
    SaveAttachmentScreen {
        align: center middle;
        & > Vertical { width: 80; height: auto; border: round $primary; background: $surface; padding: 0 1; }
        #save-error { color: $error; width: 1fr; height: auto; }
        Label { color: $text-muted; width: 1fr; }
    }
    """

    def __init__(self, name: str, folder: Path, *, complete: Callable[[str], str | None]) -> None:
        super().__init__()
        self._file_name = name
        self._folder = folder
        self._complete = complete

    async def _dispatch_message(self, message: Message) -> None:
        await dispatch_contained(self, super()._dispatch_message, message)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Save attachment to folder"
            yield Label(Text(f"Saved as: {display_name(safe_save_name(self._file_name))}"), id="save-name")
            # The cursor after the folder, nothing selected: backspace and typing edit it, → completes.
            yield Input(str(self._folder), id="save-folder", suggester=FolderSuggester(self._complete),
                        select_on_focus=False)
            yield Label("", id="save-error")
            yield Label("enter save · → complete the folder · esc cancel")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if not self.is_current:
            return
        typed = event.value.strip()
        folder = Path(typed).expanduser() if typed else None
        if folder is None or not folder.is_dir():
            self.query_one("#save-error", Label).update(
                Text(f"{display_name(typed, limit=50) if typed else 'Nothing'} is not a folder here: "
                     "type an existing folder."))
            return
        self.dismiss(folder)

    def action_cancel(self) -> None:
        if self.is_current:
            self.dismiss(None)
