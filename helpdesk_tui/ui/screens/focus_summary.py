"""What a focus session achieved, shown when it ends."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class FocusSummaryScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,enter,q", "close", "Close", id="focus_summary.close", tooltip="Back to the inbox")]

    DEFAULT_CSS = """
    FocusSummaryScreen {
        align: center middle;
        & > VerticalScroll { width: 90; height: auto; max-height: 85%; border: round $accent;
                             background: $surface; padding: 0 1; }
    }
    """

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self._lines = lines  # already cleaned by domain.focus.render_summary(clean=clean_line)

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = "Focus session summary  (esc closes)"
            yield Static(Text("\n".join(self._lines)), id="focus-summary")

    def action_close(self) -> None:
        self.dismiss(None)
