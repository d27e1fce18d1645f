"""The collision check: the ticket moved on while the agent was writing."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from helpdesk_tui.content import clean_line, render_body
from helpdesk_tui.domain.models import Message
from helpdesk_tui.ui.formatting import when
from helpdesk_tui.ui.widgets.thread_view import KIND_LABELS


def newer_messages(thread: list[Message], seen_message_id: int | None) -> list[Message]:
    """Messages from others that arrived after the draft began (our own queued ones excluded)."""
    if seen_message_id is None:
        return []
    return [m for m in thread if m.id is not None and m.id > seen_message_id and m.delivery is None
            and m.kind != "system"]


EXCERPT = 400  # characters of each new message shown; the thread has the rest


def excerpt(message: Message) -> Text:
    """The start of a message as the thread shows it (HTML as text, markdown rendered, escapes gone)."""
    # Cut long sources first (HTML after conversion: a cut tag would show as text).
    source = message.body if message.body_format in ("html", "text/html") else message.body[:EXCERPT * 4]
    shown = render_body(source, message.body_format)
    shown.rstrip()
    if len(shown) > EXCERPT:
        shown = shown[:EXCERPT]
        shown.append("…")
    return shown


class CollisionScreen(ModalScreen[str]):
    """Returns "send", "edit" or "discard"."""

    BINDINGS = [
        Binding("s", "choose('send')", "Send anyway", id="collision.send", tooltip="Send the reply as it is"),
        Binding("e,escape", "choose('edit')", "Edit", id="collision.edit", tooltip="Back to the draft"),
        Binding("d", "choose('discard')", "Discard", id="collision.discard", tooltip="Throw the draft away"),
    ]

    DEFAULT_CSS = """
    CollisionScreen {
        align: center middle;
        & > Vertical { width: 90; height: auto; max-height: 85%; border: round $warning; background: $surface;
                       padding: 0 1; }
        VerticalScroll { height: auto; max-height: 20; }
        Horizontal { height: auto; margin-top: 1; }
        Button { margin-right: 2; }
    }
    """

    def __init__(self, messages: list[Message], now: datetime) -> None:
        super().__init__()
        self.messages = messages
        self._now = now

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "The ticket changed while you were writing"
            yield Label(Text(f"{len(self.messages)} new message(s) since your draft began:"))
            text = Text()
            for m in self.messages:
                text.append(f"{KIND_LABELS[m.kind]} · {clean_line(m.author)} · {when(m.created_at, self._now)}\n",
                            "bold")
                text.append_text(excerpt(m))
                text.append("\n\n")
            with VerticalScroll():
                yield Static(text)
            with Horizontal():
                yield Button("Send anyway  s", id="collision-send", variant="warning")
                yield Button("Edit  e", id="collision-edit", variant="primary")
                yield Button("Discard  d", id="collision-discard")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss((event.button.id or "").removeprefix("collision-"))

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)
