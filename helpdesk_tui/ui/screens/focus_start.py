"""The dialog that starts a focus session: how long, which view, an optional filter."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.focus import DEFAULT_MINUTES, FocusError, planned_minutes
from helpdesk_tui.domain.query import FilterError, View, parse_filter


@dataclass(frozen=True)
class FocusPlan:
    minutes: int
    view_id: str
    filter_text: str


class FocusStartScreen(ModalScreen[FocusPlan | None]):
    """Returns the plan, or None when the agent cancels."""

    BINDINGS = [
        Binding("ctrl+s", "start", "Start", id="focus_start.start", priority=True,
                tooltip="Start the focus session"),
        Binding("escape", "cancel", "Cancel", id="focus_start.cancel", tooltip="Close without starting"),
    ]

    DEFAULT_CSS = """
    FocusStartScreen {
        align: center middle;
        & > Vertical { width: 72; height: auto; border: round $accent; background: $surface; padding: 0 1; }
        Horizontal { height: auto; }
        #focus-minutes { width: 12; }
        #focus-view { width: 1fr; }
        #focus-error { color: $error; width: 1fr; height: auto; }
        Label { color: $text-muted; }
        Button { margin-right: 2; }
    }
    """

    def __init__(self, views: list[View], current_view: str, filter_text: str, me: str,
                 default_minutes: int = DEFAULT_MINUTES) -> None:
        super().__init__()
        self._default_minutes = default_minutes
        self._views = views
        self._current = current_view
        self._filter = filter_text
        self._me = me

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Start a focus session"
            yield Label("One ticket at a time, most urgent first. Minutes and view:")
            with Horizontal():
                yield Input(str(self._default_minutes), id="focus-minutes", type="integer", max_length=3)
                yield Select([(v.title, v.id) for v in self._views], value=self._current, allow_blank=False,
                             id="focus-view")
            yield Input(self._filter, id="focus-filter", placeholder="optional filter: priority:high tag:billing …")
            yield Label("", id="focus-error")
            with Horizontal():
                yield Button("Start  ctrl+s", variant="primary", id="focus-go")
                yield Button("Cancel  esc", id="focus-cancel")

    def on_mount(self) -> None:
        self.query_one("#focus-minutes", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#focus-go")
    def _submitted(self) -> None:
        self.action_start()

    @on(Button.Pressed, "#focus-cancel")
    def _cancelled(self) -> None:
        self.action_cancel()

    def action_start(self) -> None:
        # Stored with the session and shown in titles: a pasted escape sequence goes here.
        filter_text = clean_line(self.query_one("#focus-filter", Input).value).strip()
        try:
            minutes = planned_minutes(self.query_one("#focus-minutes", Input).value, self._default_minutes)
            parse_filter(filter_text, me=self._me)
        except (FocusError, FilterError) as exc:
            self.query_one("#focus-error", Label).update(Text(str(exc)))
            return
        self.dismiss(FocusPlan(minutes, str(self.query_one("#focus-view", Select).value), filter_text))

    def action_cancel(self) -> None:
        self.dismiss(None)
