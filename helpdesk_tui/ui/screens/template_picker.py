"""Choosing a template with fuzzy search; the customer's language comes first."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from helpdesk_tui.compose.templates import Template, rank_templates
from helpdesk_tui.content import clean_line


def template_prompt(template: Template) -> Text:
    text = Text()
    text.append(f"[{template.language}] ", "dim")
    text.append(clean_line(template.name), "bold")
    if template.origin:  # synced from the helpdesk: its text is the server's, not ours
        text.append(f"  · {clean_line(template.origin)}", "italic")
    if template.description:
        text.append("  " + clean_line(template.description), "dim")
    return text


class TemplatePicker(ModalScreen[Template | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="templates.cancel", tooltip="Close without inserting"),
        Binding("down", "down", "Next", id="templates.down", show=False, tooltip="Next template"),
        Binding("up", "up", "Previous", id="templates.up", show=False, tooltip="Previous template"),
    ]

    DEFAULT_CSS = """
    TemplatePicker {
        align: center middle;
        & > Vertical { width: 90; height: 70%; border: round $accent; background: $surface; }
        OptionList { height: 1fr; border: none; }
    }
    """

    def __init__(self, templates: list[Template], language: str) -> None:
        super().__init__()
        self.templates = templates
        self.language = language
        self.shown: list[Template] = []

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Insert a template"
            yield Input(placeholder="type to filter: ack, resolution, options, apology…", id="template-query")
            yield OptionList(id="template-list")

    def on_mount(self) -> None:
        self._refresh("")
        self.query_one("#template-query", Input).focus()

    def _refresh(self, query: str) -> None:
        self.shown = rank_templates(self.templates, query, self.language)
        options = self.query_one(OptionList)
        options.set_options([Option(template_prompt(t)) for t in self.shown])
        options.highlighted = 0 if self.shown else None

    @on(Input.Changed, "#template-query")
    def _changed(self, event: Input.Changed) -> None:
        self._refresh(event.value)

    @on(Input.Submitted, "#template-query")
    def _submitted(self) -> None:
        self._choose(self.query_one(OptionList).highlighted)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option_index)

    def _choose(self, index: int | None) -> None:
        if index is not None and 0 <= index < len(self.shown):
            self.dismiss(self.shown[index])

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
