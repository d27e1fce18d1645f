"""The file picker of the composer: a path (typed or pasted, completed as it is typed) and
the files attached so far, each with its size, removable."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from helpdesk_tui.ui.error_guard import dispatch_contained

Meta = Mapping[str, object]


class PathSuggester(Suggester):
    """Suggests the rest of a path from the file system (``services.attaching.complete_path``)."""

    def __init__(self, complete: Callable[[str], str | None]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._complete = complete

    async def get_suggestion(self, value: str) -> str | None:
        return self._complete(value)


class AttachScreen(ModalScreen[None]):
    """``attach(text)`` adds a file (or raises an error whose text is one sentence); ``remove(n)``
    takes the n-th off; ``describe(meta)`` is its line. Both return the files attached now."""

    BINDINGS = [
        Binding("escape", "close", "Done", id="attach.close", tooltip="Back to the reply"),
        Binding("delete,backspace", "remove", "Remove", id="attach.remove", show=False,
                tooltip="Take the selected file off the reply"),
    ]

    DEFAULT_CSS = """
    AttachScreen {
        align: center middle;
        & > Vertical { width: 90; height: auto; max-height: 80%; border: round $accent; background: $surface;
                       padding: 0 1; }
        #attach-hint, #attach-none { color: $text-muted; }
        #attach-error { color: $error; height: auto; }
        OptionList { height: auto; max-height: 12; }
    }
    """

    async def _dispatch_message(self, message: Message) -> None:
        # A bug in a handler here is one sentence from the app's guard, never the end of the app.
        await dispatch_contained(self, super()._dispatch_message, message)

    def __init__(self, files: Sequence[Meta], *, attach: Callable[[str], Sequence[Meta]],
                 remove: Callable[[int], Sequence[Meta]], describe: Callable[[Meta], str],
                 complete: Callable[[str], str | None], errors: tuple[type[BaseException], ...],
                 back_to: str = "the reply") -> None:
        super().__init__()
        self._back_to = back_to  # what esc returns to, as the hint names it
        self._files = list(files)
        self._add_file, self._remove_file, self._line = attach, remove, describe
        self._complete = complete
        self._errors = errors

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Attach a file"
            yield Label(Text(f"Type or paste a path · → completes · enter attaches · esc back to {self._back_to}"),
                        id="attach-hint")
            yield Input(placeholder="~/Downloads/screenshot.png", suggester=PathSuggester(self._complete),
                        id="attach-path")
            yield Label("", id="attach-error")
            yield Label("Attached (delete removes the selected one):", id="attach-none")
            yield OptionList(id="attach-files")

    def on_mount(self) -> None:
        self._show()
        self.query_one("#attach-path", Input).focus()

    def _show(self) -> None:
        listing = self.query_one("#attach-files", OptionList)
        listing.clear_options()
        listing.add_options([Option(Text(self._line(m)), id=str(n)) for n, m in enumerate(self._files)])
        listing.display = bool(self._files)
        if self._files:
            listing.highlighted = len(self._files) - 1  # the newest: what delete takes off
        self.query_one("#attach-none", Label).update(
            Text("Attached (delete removes the selected one):" if self._files else "Nothing attached yet."))

    @on(Input.Submitted, "#attach-path")
    def _submitted(self, event: Input.Submitted) -> None:
        error = self.query_one("#attach-error", Label)
        try:
            self._files = list(self._add_file(event.value))
        except self._errors as exc:
            error.update(Text(str(exc)))  # the sentence may quote a hostile path: shown as text
            return
        error.update("")
        event.input.value = ""
        self._show()

    def action_remove(self) -> None:
        listing = self.query_one("#attach-files", OptionList)
        if not listing.has_focus or listing.highlighted is None:
            return  # in the path field the key edits the path (the field's own binding)
        self._files = list(self._remove_file(listing.highlighted))
        self._show()

    def action_close(self) -> None:
        self.dismiss(None)
