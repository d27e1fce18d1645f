"""A yes/no question before something that cannot be undone (discarding a draft)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from helpdesk_tui.ui.error_guard import dispatch_contained


class ConfirmScreen(ModalScreen[bool]):
    """Returns True only for an explicit yes (``y`` or the yes button); enter on the
    first-focused button and esc both keep things as they are."""

    BINDINGS = [
        Binding("y", "yes", "Yes", id="confirm.yes", tooltip="Do it"),
        Binding("n,escape", "no", "No", id="confirm.no", tooltip="Keep things as they are"),
    ]

    DEFAULT_CSS = """
    ConfirmScreen {
        align: center middle;
        & > Vertical { width: 70; height: auto; border: round $warning; background: $surface; padding: 0 1; }
        Label { width: 1fr; }  /* a long question wraps instead of losing its end */
        Horizontal { height: auto; margin-top: 1; }
        Button { margin-right: 2; }
    }
    """

    async def _dispatch_message(self, message: Message) -> None:
        # A bug in a handler here is one sentence from the app's guard, never the end of the app.
        await dispatch_contained(self, super()._dispatch_message, message)

    def __init__(self, title: str, question: Text | str, yes: str) -> None:
        super().__init__()
        self._title = title
        self._question = question if isinstance(question, Text) else Text(question)
        self._yes = yes

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self._title
            yield Label(self._question)
            with Horizontal():
                yield Button("Keep  n/esc", variant="primary", id="confirm-no")
                yield Button(Text(f"{self._yes}  y"), variant="error", id="confirm-yes")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def action_yes(self) -> None:
        if self.is_current:  # a second key queued behind the first finds the dialog closing
            self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def action_no(self) -> None:
        if self.is_current:
            self.dismiss(False)
