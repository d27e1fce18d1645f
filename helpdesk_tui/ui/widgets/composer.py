"""The reply composer: a markdown TextArea under the thread, saved while typing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from time import monotonic

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Offset, Region
from textual.message import Message
from textual.strip import Strip
from textual.timer import Timer
from textual.widgets import Label, Static, TextArea

from helpdesk_tui.domain.models import Draft
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.ui.error_guard import dispatch_contained

SAVE_AFTER = 0.4  # seconds of quiet before a save
SAVE_AT_MOST = 0.9  # seconds behind the typing, even while typing without pause

TITLES = {MessageKind.PUBLIC_REPLY: "Reply", MessageKind.INTERNAL_NOTE: "Internal note"}
# One line at 160 columns: preview (ctrl+r) is in the footer; attach is new, so it is named here.
EDITING_HINT = "ctrl+s send · ctrl+t template · ctrl+o attach · ctrl+g knowledge base · esc close (draft kept)"
SHOWN_HINT = "saved draft · r or enter on it continues it"


class DraftArea(TextArea):
    """The composer's TextArea, with Textual 8's undo crash worked around.

    ``TextArea._undo_batch`` refreshes the scrollbars before it puts the cursor back: when
    undoing a template hides the vertical scrollbar, the scrollbar watcher asks where the
    cursor is while it still points past the shortened text, and WrappedDocument raises
    ``ValueError: The document line index 1 is out of bounds``. The cursor is placed (and
    scrolled to) right after, so skipping that one stale look is safe.
    """

    async def _dispatch_message(self, message: Message) -> None:
        # A bug in a handler here is one sentence from the app's guard, never the end of the app.
        await dispatch_contained(self, super()._dispatch_message, message)

    def scroll_cursor_visible(self, center: bool = False, animate: bool = False) -> Offset:
        row, column = self.selection.end
        document = self.document
        if row >= document.line_count or column > len(document.get_line(row)):
            return Offset(0, 0)
        return super().scroll_cursor_visible(center=center, animate=animate)

    def render_lines(self, crop: Region) -> list[Strip]:
        # Textual 8 race: a compositor refresh can draw a text area whose component styles
        # are not (or no longer) there, as a composer is swapped out, and get_component_styles
        # raises KeyError('text-area--gutter'). Blank lines for that one frame; the next
        # frame draws it whole, or it is gone.
        try:
            return super().render_lines(crop)
        except KeyError:
            return [Strip.blank(crop.width)] * crop.height


class Composer(Vertical):
    """Writes a reply or an internal note for one ticket; the app sends it."""

    BINDINGS = [
        Binding("ctrl+s", "send", "Send…", id="composer.send", tooltip="Check and send (or queue) the reply"),
        Binding("ctrl+t", "template", "Template", id="composer.template",
                tooltip="Insert a template (placeholders filled in)"),
        # ctrl+o, not ctrl+a: the text area takes ctrl+a to the start of the line
        Binding("ctrl+o", "attach", "Attach", id="composer.attach",
                tooltip="Attach a file (or take one off): a path, typed or pasted"),
        Binding("ctrl+r", "preview", "Preview", id="composer.preview", tooltip="Show the reply as it will read"),
        Binding("escape", "close", "Close (keep draft)", id="composer.close",
                tooltip="Close the composer; the draft is kept"),
        Binding("enter", "activate", "Continue draft", id="composer.activate", show=False,
                tooltip="Continue writing the draft shown under the thread"),
    ]

    DEFAULT_CSS = """
    Composer {
        height: 45%;
        border: round $accent;
        &.-note { border: round $msg-note; }
        #composer-hint { color: $text-muted; padding: 0 1; height: 1; }
        #composer-files { color: $text-muted; padding: 0 1; height: auto; max-height: 3; display: none; }
        &.-files #composer-files { display: block; }
        &.-unsaved #composer-hint { color: $warning; text-style: bold; }
        TextArea, TextArea:focus { height: 1fr; border: none; }
        #composer-preview { height: 1fr; display: none; padding: 0 1; }
        &.-preview #composer-preview { display: block; }
        &.-preview TextArea { display: none; }
    }
    """

    class SendRequested(Message):
        def __init__(self, composer: Composer) -> None:
            super().__init__()
            self.composer = composer

    class TemplateRequested(Message):
        pass

    class AttachRequested(Message):
        def __init__(self, composer: Composer) -> None:
            super().__init__()
            self.composer = composer

    class Activated(Message):
        """The agent took up this composer to write in it (r, n, enter on the draft…)."""

        def __init__(self, ticket_id: int) -> None:
            super().__init__()
            self.ticket_id = ticket_id

    class Closed(Message):
        def __init__(self, discarded: bool) -> None:
            super().__init__()
            self.discarded = discarded

    async def _dispatch_message(self, message: Message) -> None:
        # A bug in a handler here is one sentence from the app's guard, never the end of the app.
        await dispatch_contained(self, super()._dispatch_message, message)

    def __init__(self, draft: Draft, *, save: Callable[[Draft], None], now: Callable[[], datetime],
                 active: bool = True, id: str | None = None,
                 describe: Callable[[Mapping[str, object]], str] = lambda meta: str(meta.get("name"))) -> None:
        super().__init__(id=id)
        self._describe = describe  # an attachment's line: its safe name and size
        self.draft = draft
        # A draft shown because its ticket was opened is read-only and never takes the
        # keyboard: keys meant for the inbox must not land in a customer's reply. Only an
        # explicit key (r, n, enter on the draft) makes it editable and focused.
        self.active = active
        self._save = save
        self._now = now
        self._timer: Timer | None = None
        self._dirty_since: float | None = None
        self.status_line: str | None = None  # what show_status says instead of the key hint
        self.closing = False  # removed from the ticket pane (removal completes on the next refresh)

    @property
    def kind(self) -> MessageKind:
        return self.draft.kind

    def compose(self) -> ComposeResult:
        yield Label(Text(self.status_line or (EDITING_HINT if self.active else SHOWN_HINT)), id="composer-hint")
        yield DraftArea(self.draft.body, id="composer-text", soft_wrap=True, show_line_numbers=False,
                        read_only=not self.active)
        yield Static(id="composer-files")
        with VerticalScroll(id="composer-preview"):
            yield Static(id="composer-preview-text")

    def on_mount(self) -> None:
        self.border_title = TITLES[self.kind]
        self.set_class(self.kind == MessageKind.INTERNAL_NOTE, "-note")
        self.set_class(self.status_line is not None, "-unsaved")
        self.show_attachments()
        if self.closing:
            return  # removed before it was ever shown (the cursor moved on): nothing to set up
        area = self.text_area
        row, column = self.draft.cursor
        last = area.document.line_count - 1
        row = max(0, min(row, last))
        column = max(0, min(column, len(area.document.get_line(row))))
        area.move_cursor((row, column))
        if self.active:
            area.focus()
            self.post_message(self.Activated(self.draft.ticket_id))

    def activate(self) -> None:
        """Make the draft editable and give it the keyboard (the agent asked for it)."""
        if not self.active and self.children:
            self.post_message(self.Activated(self.draft.ticket_id))
        self.active = True
        if not self.children:
            return  # not composed yet: compose and on_mount read ``active`` (and say so)
        self.text_area.read_only = False
        self.query_one("#composer-hint", Label).update(Text(self.status_line or EDITING_HINT))
        self.text_area.focus()

    def show_status(self, sentence: str | None) -> None:
        """One line under the title about the draft's saving (None: the usual key hint)."""
        self.status_line = sentence
        if not self.children:
            return  # compose shows it
        hint = sentence or (EDITING_HINT if self.active else SHOWN_HINT)
        self.query_one("#composer-hint", Label).update(Text(hint))
        self.set_class(sentence is not None, "-unsaved")

    def show_attachments(self) -> None:
        """The files attached to the draft, one line each with its size, under the hint."""
        files = [m for m in self.draft.attachments if isinstance(m, Mapping)]
        self.set_class(bool(files), "-files")
        if self.children:
            self.query_one("#composer-files", Static).update(
                Text("\n".join(f"📎 {self._describe(m)}" for m in files)))

    def set_attachments(self, files: tuple[dict[str, object], ...]) -> None:
        """The draft's attachments are now ``files``: saved with the draft, shown under the hint."""
        self.draft.attachments = files
        self.show_attachments()
        self.save_now()

    @property
    def changed(self) -> bool:
        """Text or cursor differ from the draft as last saved (or loaded)."""
        if not self.children:
            return False
        area = self.text_area
        return area.text != self.draft.body or area.cursor_location != tuple(self.draft.cursor)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A shown (not yet continued) draft cannot be sent or changed by a stray key.
        if action in {"send", "template", "discard", "attach"}:
            return self.active
        if action == "activate":
            return not self.active
        return True

    @property
    def text_area(self) -> TextArea:
        return self.query_one("#composer-text", TextArea)

    @property
    def text(self) -> str:
        return self.text_area.text if self.children else self.draft.body

    # autosave
    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if self.active:
            self._schedule_save()

    def on_text_area_selection_changed(self, event: TextArea.SelectionChanged) -> None:
        if self._dirty_since is not None and self.active:
            self._schedule_save()

    def _schedule_save(self) -> None:
        now = monotonic()
        if self._dirty_since is None:
            self._dirty_since = now
        if self._timer is not None:
            self._timer.stop()
        if now - self._dirty_since >= SAVE_AT_MOST:
            self.save_now()
        else:
            self._timer = self.set_timer(SAVE_AFTER, self.save_now)

    def save_now(self) -> None:
        """Write the draft (text and cursor) to the cache."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._dirty_since = None
        area = self.text_area
        self.draft.body = area.text
        self.draft.cursor = area.cursor_location
        self.draft.updated_at = self._now()
        self._save(self.draft)

    # editing helpers for the app
    def insert(self, text: str) -> None:
        self.activate()  # inserting is asking to write
        self.text_area.insert(text)
        self.save_now()

    def replace_all(self, text: str) -> None:
        self.text_area.load_text(text)
        self.save_now()

    # actions
    def action_send(self) -> None:
        self.save_now()
        self.post_message(self.SendRequested(self))

    def action_activate(self) -> None:
        self.activate()

    def action_template(self) -> None:
        self.post_message(self.TemplateRequested())

    def action_attach(self) -> None:
        self.save_now()
        self.post_message(self.AttachRequested(self))

    def action_preview(self) -> None:
        showing = not self.has_class("-preview")
        if showing:
            from helpdesk_tui.content import render_markdown  # markdown-it: not on the first frame's path

            self.query_one("#composer-preview-text", Static).update(render_markdown(self.text))
        self.set_class(showing, "-preview")
        if not showing and self.active:
            self.text_area.focus()

    def action_close(self) -> None:
        if self.has_class("-preview"):
            self.action_preview()
            return
        if self.active:
            self.save_now()
        self.post_message(self.Closed(discarded=False))

    def action_discard(self) -> None:
        self.post_message(self.Closed(discarded=True))
