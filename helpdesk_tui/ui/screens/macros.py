"""Choosing a macro, then seeing exactly what it changes before it applies."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from helpdesk_tui.compose.macros import rank_macros
from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.macros import Macro
from helpdesk_tui.ui.error_guard import dispatch_contained


def macro_prompt(macro: Macro) -> Text:
    text = Text()
    text.append(clean_line(macro.name), "bold")
    if macro.origin:  # synced from the helpdesk: its name and text are the server's
        text.append(f"  · {clean_line(macro.origin)}", "italic")
    if macro.description:
        text.append("  " + clean_line(macro.description), "dim")
    return text


class MacroPicker(ModalScreen[Macro | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="macros.cancel", tooltip="Close without applying"),
        Binding("down", "down", "Next", id="macros.down", show=False, tooltip="Next macro"),
        Binding("up", "up", "Previous", id="macros.up", show=False, tooltip="Previous macro"),
    ]

    DEFAULT_CSS = """
    MacroPicker {
        align: center middle;
        & > Vertical { width: 100; height: 60%; border: round $accent; background: $surface; }
        OptionList { height: 1fr; border: none; }
        #macro-why { height: auto; padding: 0 1; }
    }
    """

    def __init__(self, macros: list[Macro], *, title: str = "Apply a macro",
                 unusable: Callable[[Macro], bool] | None = None, why: str = "") -> None:
        """``unusable``: macros listed greyed out, for the reason ``why`` (one sentence shown
        above the list when any is there)."""
        super().__init__()
        self.macros = macros
        self.shown: list[Macro] = []
        self._title = title
        self._unusable = unusable or (lambda _macro: False)
        self._why = why

    async def _dispatch_message(self, message: Message) -> None:
        await dispatch_contained(self, super()._dispatch_message, message)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = clean_line(self._title)
            yield Input(placeholder="type to filter: ack, resolved, escalate, waiting…", id="macro-query")
            if self._why and any(self._unusable(m) for m in self.macros):
                yield Static(Text(self._why, style="dim"), id="macro-why")
            yield OptionList(id="macro-list")

    def on_mount(self) -> None:
        self._refresh("")
        self.query_one("#macro-query", Input).focus()

    def _refresh(self, query: str) -> None:
        self.shown = rank_macros(self.macros, query)
        options = self.query_one(OptionList)
        options.set_options([Option(macro_prompt(m), disabled=self._unusable(m)) for m in self.shown])
        usable = [i for i, m in enumerate(self.shown) if not self._unusable(m)]
        options.highlighted = usable[0] if usable else None

    @on(Input.Changed, "#macro-query")
    def _changed(self, event: Input.Changed) -> None:
        self._refresh(event.value)

    @on(Input.Submitted, "#macro-query")
    def _submitted(self) -> None:
        self._choose(self.query_one(OptionList).highlighted)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option_index)

    def _choose(self, index: int | None) -> None:
        if index is not None and 0 <= index < len(self.shown) and self.is_current \
                and not self._unusable(self.shown[index]):
            self.dismiss(self.shown[index])

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)


class MacroPreviewScreen(ModalScreen[bool]):
    """What the macro changes, as plain lines (never markup); True only for an explicit apply."""

    BINDINGS = [
        Binding("a,enter", "apply", "Apply", id="macros.apply", tooltip="Apply the macro as shown"),
        Binding("escape", "cancel", "Cancel", id="macros.preview_cancel", tooltip="Change nothing"),
    ]

    DEFAULT_CSS = """
    MacroPreviewScreen {
        align: center middle;
        & > Vertical { width: 100; height: 80%; border: round $accent; background: $surface; padding: 0 1; }
        VerticalScroll { height: 1fr; }
        Horizontal { height: auto; margin-top: 1; }
        Button { margin-right: 2; }
    }
    """

    def __init__(self, title: str, lines: list[str]) -> None:
        super().__init__()
        self._title = title
        self._lines = lines

    async def _dispatch_message(self, message: Message) -> None:
        await dispatch_contained(self, super()._dispatch_message, message)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = clean_line(self._title)
            with VerticalScroll():
                yield Static(Text("\n".join(self._lines)), id="macro-preview")
            with Horizontal():
                yield Button("Apply  a/enter", variant="primary", id="macro-apply")
                yield Button("Cancel  esc", id="macro-cancel")

    def on_mount(self) -> None:
        self.query_one("#macro-apply", Button).focus()

    @on(Button.Pressed, "#macro-apply")
    def action_apply(self) -> None:
        if self.is_current:
            self.dismiss(True)

    @on(Button.Pressed, "#macro-cancel")
    def action_cancel(self) -> None:
        if self.is_current:
            self.dismiss(False)
