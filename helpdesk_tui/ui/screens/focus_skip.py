"""Skipping the served ticket takes a one-line reason, so a hard ticket is never passed over quietly."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.focus import MAX_REASON, FocusError, skip_reason


class FocusSkipScreen(ModalScreen[str | None]):
    """Returns the reason, or None when the agent goes back to the ticket."""

    BINDINGS = [Binding("escape", "cancel", "Back to the ticket", id="focus_skip.cancel",
                        tooltip="Do not skip")]

    DEFAULT_CSS = """
    FocusSkipScreen {
        align: center middle;
        & > Vertical { width: 76; height: auto; border: round $warning; background: $surface; padding: 0 1; }
        #skip-error { color: $error; width: 1fr; height: auto; }
        Label { color: $text-muted; }
    }
    """

    def __init__(self, number: int, subject: str) -> None:
        super().__init__()
        self._number = number
        self._subject = subject

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Skip this ticket"
            title = Text(f"#{self._number} ")
            title.append(clean_line(self._subject))  # a stranger's subject: literal text
            yield Label(title)
            yield Input(id="skip-reason", max_length=MAX_REASON,
                        placeholder="why? e.g. waiting on the vendor, needs the billing team")
            yield Label("", id="skip-error")
            yield Label("enter skip · esc back to the ticket")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if not self.is_current:
            return  # a second enter queued behind the first: the dialog is already closing
        try:
            reason = skip_reason(event.value)
        except FocusError as exc:
            self.query_one("#skip-error", Label).update(Text(str(exc)))
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)
