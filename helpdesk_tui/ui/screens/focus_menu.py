"""What ``F`` offers while a focus session runs: pause or resume, back to the served ticket, end."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

PAUSE, RESUME, SERVED, END = "pause", "resume", "served", "end"


class FocusMenu(ModalScreen[str | None]):
    """Returns PAUSE, RESUME, SERVED or END; None when the agent closes it."""

    BINDINGS = [
        Binding("p", "choose('toggle')", "Pause / resume", id="focus_menu.pause",
                tooltip="Stop the clock, or start it again"),
        Binding("o", "choose('served')", "Served ticket", id="focus_menu.served",
                tooltip="Open the ticket the session is serving"),
        Binding("e", "choose('end')", "End session", id="focus_menu.end",
                tooltip="End the session and see what it achieved"),
        Binding("escape", "choose('')", "Close", id="focus_menu.close", tooltip="Back to work"),
    ]

    DEFAULT_CSS = """
    FocusMenu {
        align: center middle;
        & > Vertical { width: 64; height: auto; border: round $accent; background: $surface; padding: 0 1; }
        Horizontal { height: auto; margin-top: 1; }
        Button { margin-right: 1; }
    }
    """

    def __init__(self, status: str, paused: bool) -> None:
        super().__init__()
        self._status = status
        self._paused = paused

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Focus session"
            yield Label(Text(self._status))
            with Horizontal():
                yield Button("Resume  p" if self._paused else "Pause  p", variant="primary", id="focus-toggle")
                yield Button("Served ticket  o", id="focus-served")
                yield Button("End  e", variant="warning", id="focus-end")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_choose((event.button.id or "").removeprefix("focus-"))

    def action_choose(self, choice: str) -> None:
        if choice == "toggle":
            self.dismiss(RESUME if self._paused else PAUSE)
        else:
            self.dismiss(choice or None)
