"""The small dialogs of rotation triage: pick one of a list (or type a new name), a tag, the
escalation note."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, TextArea
from textual.widgets.option_list import Option

from helpdesk_tui.compose.placeholders import find_fill_ins, find_placeholders


class ChoicePicker(ModalScreen[Any]):
    """Choose one of ``choices`` ((value, label) pairs), narrowed by typing; returns the value
    or None. ``typed`` turns text that matches nothing into a value (a name not seen yet)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel", tooltip="Close without choosing"),
        Binding("down", "down", "Next", id="picker.down", show=False, tooltip="Next choice"),
        Binding("up", "up", "Previous", id="picker.up", show=False, tooltip="Previous choice"),
    ]

    DEFAULT_CSS = """
    ChoicePicker {
        align: center middle;
        & > Vertical { width: 64; height: auto; max-height: 80%; border: round $accent; background: $surface; }
        OptionList { height: auto; max-height: 20; border: none; }
    }
    """

    def __init__(self, title: str, choices: Sequence[tuple[Any, Text]], *,
                 typed: Callable[[str], Any] | None = None, placeholder: str = "type to narrow…") -> None:
        super().__init__()
        self._title = title
        self.choices = list(choices)
        self._typed = typed
        self._placeholder = placeholder
        self.shown: list[tuple[Any, Text]] = []

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self._title
            yield Input(placeholder=self._placeholder, id="picker-query")
            yield OptionList(id="picker-list")

    def on_mount(self) -> None:
        self._narrow("")
        self.query_one(Input).focus()

    def _narrow(self, query: str) -> None:
        words = query.casefold().split()
        self.shown = [(value, label) for value, label in self.choices
                      if all(word in label.plain.casefold() for word in words)]
        options = self.query_one(OptionList)
        options.set_options([Option(label) for _, label in self.shown])
        options.highlighted = 0 if self.shown else None

    @on(Input.Changed, "#picker-query")
    def _changed(self, event: Input.Changed) -> None:
        self._narrow(event.value)

    @on(Input.Submitted, "#picker-query")
    def _submitted(self, event: Input.Submitted) -> None:
        if not self.is_current:
            return  # a second enter queued behind the first: the picker is already closing
        index = self.query_one(OptionList).highlighted
        if index is not None and 0 <= index < len(self.shown):
            self.dismiss(self.shown[index][0])
        elif self._typed is not None and event.value.strip():
            self.dismiss(self._typed(event.value.strip()))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if self.is_current and 0 <= event.option_index < len(self.shown):
            self.dismiss(self.shown[event.option_index][0])

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)


class TagPrompt(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="tag.cancel", tooltip="Close without tagging")]

    DEFAULT_CSS = """
    TagPrompt {
        align: center middle;
        & > Vertical { width: 50; height: auto; border: round $accent; background: $surface; padding: 0 1; }
        Label { color: $text-muted; }
    }
    """

    def __init__(self, title: str, note: str = "") -> None:
        super().__init__()
        self._title = title
        self._note = note

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self._title
            yield Input(placeholder="billing-dispute", id="tag-input")
            yield Label(Text(self._note or "enter adds the tag · esc cancels"))

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#tag-input")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.is_current:  # a second enter queued behind the first finds the prompt closing
            self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class EscalationEditor(ModalScreen[str | None]):
    """The escalation note, for the agent to complete; it is queued only once every
    ``[[fill-in]]`` and ``{{ placeholder }}`` is replaced."""

    BINDINGS = [
        Binding("ctrl+s", "queue", "Queue note", id="escalation.queue",
                tooltip="Queue the note and the reassignment"),
        Binding("escape", "cancel", "Cancel", id="escalation.cancel", tooltip="Close; nothing is queued"),
    ]

    DEFAULT_CSS = """
    EscalationEditor {
        align: center middle;
        & > Vertical { width: 96; max-width: 100%; height: 85%; border: round $accent; background: $surface; padding: 0 1; }
        TextArea { height: 1fr; }
        #escalation-help { color: $text-muted; width: 1fr; }
        /* wraps: "Still to write: …" lists every fill-in left, and was cut after one line */
        #escalation-problem { color: $error; width: 1fr; height: auto; }
    }
    """

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self._title = title
        self._text = text

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = Text(self._title)  # holds a ticket subject: never markup
            yield TextArea(self._text, id="escalation-text", soft_wrap=True)
            yield Label("", id="escalation-problem")
            yield Label(Text("replace each [[…]] · ctrl+s queues the note and the reassignment · esc cancels"),
                        id="escalation-help")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        fill_ins = find_fill_ins(area.text)
        if fill_ins:  # start at the first thing to write
            line = fill_ins[0][1] - 1
            column = area.document.get_line(line).find("[[")
            area.move_cursor((line, max(column, 0)))

    def action_queue(self) -> None:
        text = self.query_one(TextArea).text.strip()
        missing = [label for label, _ in find_fill_ins(text)] + [name for name, _ in find_placeholders(text)]
        if not text:
            problem = "The note is empty: say what was checked so far."
        elif missing:
            problem = "Still to write: " + "; ".join(dict.fromkeys(missing)) + "."
        else:
            self.dismiss(text)
            return
        self.query_one("#escalation-problem", Label).update(Text(problem))

    def action_cancel(self) -> None:
        self.dismiss(None)
