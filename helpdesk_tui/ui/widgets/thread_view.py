"""A ticket's thread as one line-rendered view.

One Markdown widget per message took about 4 s for a 50-message thread here; one Static
per message 222 ms. This view renders each message once per width into strips (cached)
and draws only the lines on screen, so opening a ticket costs one pass of wrapping.
A body comes in pieces of a few thousand characters (content.body_pieces), and layout
stops once the screen is full: a 5 MB body took 12 s to show, now a few milliseconds,
and the rest is laid out in the background, a few milliseconds at a time.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message as UIMessage
from textual.scroll_view import ScrollView
from textual.strip import Strip

from helpdesk_tui.content import body_pieces, clean_line
from helpdesk_tui.content.body import attachment_line
from helpdesk_tui.domain.models import Message
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.services.tickets import AttachmentInfo
from helpdesk_tui.ui.formatting import when

BODY_CACHE = 2000  # rendered message bodies kept across tickets
TICK_BUDGET = 0.012  # seconds of background layout between two chances to handle a key
# The background layout stays this many lines ahead of the screen and then waits: laying
# out all of a 5 MB body costs seconds of CPU (and its lines slow every garbage collection)
# for an agent who mostly reads its first screen.
LOOKAHEAD = 3000
FREEZE_AFTER = 10_000  # laid-out lines past which the collector stops walking them

KIND_LABELS = {
    MessageKind.CUSTOMER: "customer",
    MessageKind.PUBLIC_REPLY: "public reply",
    MessageKind.INTERNAL_NOTE: "INTERNAL NOTE",
    MessageKind.SYSTEM: "system",
}
FOUND_LABEL = "◆ search match"  # on the header of the message a search result opened
DELIVERY_LABELS = {"queued": "⏳ queued", "sending": "⏳ sending", "sent": "✓ sent", "failed": "✗ failed"}
KIND_CLASSES = {
    MessageKind.CUSTOMER: "thread--customer",
    MessageKind.PUBLIC_REPLY: "thread--reply",
    MessageKind.INTERNAL_NOTE: "thread--note",
    MessageKind.SYSTEM: "thread--system",
}


class LazyBody:
    """A message body's display pieces, rendered on first use and kept."""

    __slots__ = ("_source", "pieces", "done", "size", "newlines", "used")

    def __init__(self, message: Message) -> None:
        self._source: Iterator[Text] = body_pieces(message.body, message.body_format)
        self.pieces: list[Text] = []
        self.done = False
        self.size = max(1, len(message.body))
        self.newlines = message.body.count("\n")
        self.used = 0  # source characters behind the pieces so far, for the size estimate

    def piece(self, index: int) -> Text | None:
        """The index-th piece, or None past the last one."""
        while len(self.pieces) <= index and not self.done:
            piece = next(self._source, None)
            if piece is None:
                self.done = True
            else:
                self.pieces.append(piece)
                self.used += len(piece)
        return self.pieces[index] if index < len(self.pieces) else None

    def lines_left(self, width: int) -> int:
        """A guess at the lines still to come, for the scrollbar."""
        if self.done:
            return 0
        left = max(0, self.size - self.used)
        return left // max(1, width) + self.newlines * left // self.size


class ThreadView(ScrollView, can_focus=True):
    """Customer messages, public replies and internal notes, each set apart by a coloured rule."""

    BINDINGS = [
        Binding("j,down", "scroll_down", "Scroll down", id="thread.down", show=False,
                tooltip="Scroll the thread down"),
        Binding("k,up", "scroll_up", "Scroll up", id="thread.up", show=False, tooltip="Scroll the thread up"),
        Binding("space,pagedown", "page_down", "Page down", id="thread.page_down", show=False,
                tooltip="Scroll the thread down a screenful"),
        Binding("pageup,b", "page_up", "Page up", id="thread.page_up", show=False,
                tooltip="Scroll the thread up a screenful"),
        Binding("]", "next_message", "Next message", id="thread.next", tooltip="Jump to the next message"),
        Binding("[", "previous_message", "Previous message", id="thread.previous",
                tooltip="Jump to the previous message"),
        Binding("g,home", "scroll_home", "Top", id="thread.top", show=False, tooltip="Go to the first message"),
        Binding("G,end", "scroll_end", "Bottom", id="thread.bottom", show=False,
                tooltip="Go to the last message"),
        # Out of the footer: at 160 columns it is full with the keys that were there first (the
        # help and the palette list it); v, o and s show there once an attachment is selected.
        Binding("a", "next_attachment", "Attachment", id="thread.attachment", show=False,
                tooltip="Select the next attachment in the thread (then v view, o open, s save)"),
        Binding("A", "previous_attachment", "Previous attachment", id="thread.attachment_back", show=False,
                tooltip="Select the previous attachment in the thread"),
        Binding("v,enter", "attachment('view')", "View", id="thread.view",
                tooltip="View the selected attachment in the app (pictures and text files)"),
        Binding("o", "attachment('open')", "Open", id="thread.open",
                tooltip="Open the selected attachment with the system's handler (risky types ask first)"),
        Binding("s", "attachment('save')", "Save", id="thread.save",
                tooltip="Save the selected attachment to a folder (Downloads by default)"),
    ]

    class AttachmentChosen(UIMessage):
        """The agent pressed view (``v``), open (``o``) or save (``s``) on an attachment."""

        def __init__(self, action: str, info: AttachmentInfo) -> None:
            super().__init__()
            self.action = action
            self.info = info

    SELECTED = Style(reverse=True)

    COMPONENT_CLASSES = {"thread--customer", "thread--reply", "thread--note", "thread--system",
                         "thread--meta", "thread--note-body", "thread--delivery",
                         "thread--attachment", "thread--found"}

    DEFAULT_CSS = """
    ThreadView {
        background: $surface;
        overflow-x: hidden;
        scrollbar-gutter: stable;  /* lines are wrapped for a width that must not change */
        & > .thread--customer { color: $msg-customer; text-style: bold; }
        & > .thread--reply { color: $msg-reply; text-style: bold; }
        & > .thread--note { color: $msg-note; text-style: bold; }
        & > .thread--system { color: $text-muted; }
        & > .thread--meta { color: $text-muted; }
        & > .thread--delivery { color: $warning; text-style: bold; }
        & > .thread--note-body { background: $msg-note 12%; }
        & > .thread--attachment { color: $text-muted; }
        & > .thread--found { color: $accent; text-style: bold reverse; }
    }
    """

    def __init__(self, now: Callable[[], datetime], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._now = now
        self._messages: list[Message] = []
        self._attachments: Mapping[int, Sequence[AttachmentInfo]] = {}
        self._lines: list[Strip] = []
        self._starts: list[int] = []  # first line of each message
        self._width = 0
        self._bodies: dict[tuple, LazyBody] = {}
        self._laid_out = 0  # messages laid out so far at the current width
        self._piece = -1  # pieces of the next message laid out so far (-1: not its header yet)
        self._end_wanted = False  # scroll to the end once everything is laid out
        self._resting = False  # the background layout is far enough ahead and waits
        self._generation = 0
        self.found_message_id: int | None = None  # the message a search result opened the thread at
        self._found_wanted = False  # scroll to it once it is laid out (the pane may still be hidden)
        self._attachment_order: list[AttachmentInfo] = []  # every attachment, in thread order
        self._attachment_lines: dict[str, tuple[int, int]] = {}  # id → (first line, line count) laid out
        self.selected_attachment: int | None = None  # index in _attachment_order

    def set_messages(self, messages: list[Message],
                     attachments: Mapping[int, Sequence[AttachmentInfo]] | None = None) -> None:
        """Show ``messages``, each followed by its ``attachments`` (message id → list)."""
        self._messages = messages
        self._attachments = attachments or {}
        self._attachment_order = [item for m in messages for item in self._attachments.get(m.id or -1, ())]
        self._attachment_lines = {}
        self.selected_attachment = None
        self.refresh_bindings()
        self._lines, self._starts, self._laid_out, self._piece, self._width = [], [], 0, -1, 0
        self._end_wanted = False
        self.found_message_id, self._found_wanted = None, False
        self._generation += 1
        if self.scrollable_content_region.width > 0:
            self._layout()
        else:  # hidden until the panes appear: on_resize lays it out once, at the final width
            self.virtual_size = Size(0, 0)
            self.refresh()
        self.scroll_to(y=0, animate=False, immediate=True)

    def show_message(self, message_id: int) -> bool:
        """Scroll to the message ``message_id`` (a search result) and mark its header; False if
        the thread has no such message. A pane still hidden scrolls once it is laid out."""
        if not any(m.id == message_id for m in self._messages):
            return False
        self.found_message_id, self._found_wanted = message_id, True
        if self._width:
            self._layout()  # the header is drawn with its mark
        return True

    def message_line(self, message_id: int) -> int | None:
        """The first line of the message ``message_id`` as laid out, None until it is."""
        index = next((i for i, m in enumerate(self._messages) if m.id == message_id), None)
        return self._starts[index] if index is not None and index < len(self._starts) else None

    def _scroll_to_found(self) -> None:
        index = next((i for i, m in enumerate(self._messages) if m.id == self.found_message_id), None)
        if index is None:
            self._found_wanted = False
            return
        while len(self._starts) <= index and not self.complete:  # lay out as far as the message
            self._extend(until_line=len(self._lines) + self.size.height * 4)
        if index < len(self._starts):
            # force: the scrollbar that allows scrolling appears only at the next refresh, after
            # the thread just set; without it the scroll would be dropped.
            self.scroll_to(y=self._starts[index], animate=False, immediate=True, force=True)
            self._found_wanted = False

    @property
    def message_count(self) -> int:
        return len(self._messages)

    @property
    def lines_laid_out(self) -> int:
        return len(self._lines)

    def _body(self, message: Message) -> LazyBody:
        # Keyed by id and text: reopening a ticket, or a reply turning "sent", re-renders nothing.
        key = (message.id, message.body_format, message.body)
        body = self._bodies.get(key)
        if body is None:
            if len(self._bodies) > BODY_CACHE:
                self._bodies.clear()
            body = self._bodies[key] = LazyBody(message)
        return body

    def _layout(self) -> None:
        """Lay out the first screenful now and the rest after the frame is painted.

        Markdown costs a few ms a message: a 50-message thread laid out at once kept the
        first frame waiting a quarter of a second.
        """
        width = self.scrollable_content_region.width
        if width <= 0:
            return
        self._width = width
        self._lines = []
        self._starts = []
        self._attachment_lines = {}
        self._laid_out = 0
        self._piece = -1
        self._generation += 1
        self._extend(until_line=int(self.scroll_offset.y) + self.size.height * 2)
        self._resting = False
        if self._found_wanted:
            self._scroll_to_found()
        if not self.complete:
            generation = self._generation
            self.set_timer(0.02, lambda: self._layout_rest(generation))

    @property
    def complete(self) -> bool:
        """Every message is laid out at the current width."""
        return self._laid_out >= len(self._messages)

    def _layout_rest(self, generation: int) -> None:
        if generation != self._generation or not self.is_attached:
            return  # another ticket (or width) started a new layout, or the app is closing
        horizon = None if self._end_wanted else int(self.scroll_offset.y) + LOOKAHEAD
        self._extend(budget=TICK_BUDGET, until_line=horizon)
        if len(self._lines) > FREEZE_AFTER:
            # The lines live as long as the ticket is shown and hold no reference cycles
            # (reference counting frees them): out of the cyclic collector's view, or each
            # full collection walks them all, up to a second for a 5 MB body's 75,000 lines.
            # Only for huge threads: a freeze also keeps whatever cyclic garbage exists.
            gc.freeze()
        if self._end_wanted:
            super().scroll_end(animate=False, immediate=True)
            self._end_wanted = not self.complete
        self._resting = horizon is not None and len(self._lines) > horizon
        if not self.complete and not self._resting:
            self.set_timer(0.001, lambda: self._layout_rest(generation))

    def _resume(self) -> None:
        """Start the background layout again if it rested (the agent scrolled, or wants the end)."""
        if self._resting and not self.complete:
            self._resting = False
            generation = self._generation
            self.set_timer(0.001, lambda: self._layout_rest(generation))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._resting and new_value + LOOKAHEAD // 2 > len(self._lines):
            self._resume()

    def _ensure(self, line: int) -> None:
        """Lay out synchronously up to ``line``, for jumps a few screens ahead."""
        if self._width and not self.complete:
            self._extend(until_line=line)

    def _extend(self, *, until_line: int | None = None, budget: float | None = None) -> None:
        """Lay out a piece at a time until ``until_line`` is reached or ``budget`` seconds passed."""
        width = self._width
        console = self.app.console
        options = console.options.update_width(max(10, width - 3))
        base = self.rich_style
        meta = self.get_component_rich_style("thread--meta", partial=True)
        note_body = base + self.get_component_rich_style("thread--note-body", partial=True)
        now = self._now()
        lines, starts = self._lines, self._starts
        deadline = None if budget is None else time.perf_counter() + budget
        while not self.complete:
            if until_line is not None and len(lines) > until_line:
                break
            if deadline is not None and time.perf_counter() > deadline:
                break
            message = self._messages[self._laid_out]
            kind_style = self.get_component_rich_style(KIND_CLASSES[message.kind], partial=True)
            if self._piece < 0:
                starts.append(len(lines))
                lines.append(self._head(message, kind_style, meta, now, options.update_width(width)))
                self._piece = 0
                continue
            piece = self._body(message).piece(self._piece)
            if piece is None:  # the message is done: its attachments, then a blank line
                for item in self._attachments.get(message.id or -1, ()):
                    shown = self._attachment(item, kind_style, options.update_width(max(1, width - 2)))
                    self._attachment_lines[item.id] = (len(lines), len(shown))
                    lines.extend(shown)
                lines.append(Strip.blank(width, base))
                self._laid_out += 1
                self._piece = -1
                continue
            gutter = Strip([Segment("▌ ", kind_style)], 2)
            body_style = note_body if message.kind == MessageKind.INTERNAL_NOTE else base
            for segments in console.render_lines(piece, options, style=body_style, pad=False):
                body = Strip(segments).adjust_cell_length(width - 2, body_style)
                lines.append(Strip.join([gutter, body]).apply_style(base))
            self._piece += 1
        self.virtual_size = Size(width, len(lines) + self._lines_left(width))
        self.refresh()  # same line count (queued → sent) leaves the size alone: repaint anyway

    def _lines_left(self, width: int) -> int:
        """Until every message is laid out, guess the rest so the scrollbar is roughly right."""
        if self.complete:
            return 0
        current = self._body(self._messages[self._laid_out]).lines_left(width)
        return current + (len(self._messages) - self._laid_out - 1) * 8

    def _head(self, message: Message, kind_style, meta, now: datetime, options) -> Strip:
        head = Text(no_wrap=True, overflow="ellipsis")
        head.append("▌ ", kind_style)
        head.append(KIND_LABELS[message.kind], kind_style)
        if message.id is not None and message.id == self.found_message_id:  # before the rest: never cut off
            head.append(" ")
            head.append(f" {FOUND_LABEL} ", self.get_component_rich_style("thread--found", partial=True))
        head.append(" · ", meta)
        head.append(clean_line(message.author) or "unknown", kind_style)
        head.append(" · " + when(message.created_at, now), meta)
        if message.delivery is not None:
            label = DELIVERY_LABELS.get(message.delivery, message.delivery)
            head.append(f" · {label}", self.get_component_rich_style("thread--delivery", partial=True))
        base = self.rich_style
        line = self.app.console.render_lines(head, options, pad=False)[0]
        return Strip(line).adjust_cell_length(self._width, base).apply_style(base)

    def _attachment(self, item: AttachmentInfo, kind_style, options) -> list[Strip]:
        """An attachment's line(s) under its message, wrapped: a narrow pane hides none of it."""
        base = self.rich_style
        style = base + self.get_component_rich_style("thread--attachment", partial=True)
        text = attachment_line(item.name, item.media_type, item.size, item.cached)
        gutter = Strip([Segment("▌ ", kind_style)], 2)
        return [Strip.join([gutter, Strip(segments).adjust_cell_length(self._width - 2, style)]).apply_style(base)
                for segments in self.app.console.render_lines(text, options, style=style, pad=False)]

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width > 0 and width != self._width:
            found = self.found_message_id
            if found is not None and self.message_line(found) == int(self.scroll_offset.y):
                self._found_wanted = True  # still at the search match: stay on it at the new width
            self._layout()

    def render_line(self, y: int) -> Strip:
        # Never lays out here (that would change the size mid-render); lines not laid out
        # yet are blank for the few ms until the background layout reaches them.
        index = int(self.scroll_offset.y) + y
        if 0 <= index < len(self._lines):
            selected = self.selected_info
            if selected is not None:
                start, count = self._attachment_lines.get(selected.id, (-1, 0))
                if start <= index < start + count:
                    return self._lines[index].apply_style(self.SELECTED)
            return self._lines[index]
        # As wide as the laid-out lines: the scrollbar gutter is not ours to paint.
        return Strip.blank(self._width or self.scrollable_content_region.width, self.rich_style)

    def action_scroll_end(self) -> None:
        self.scroll_end(animate=False)

    def scroll_end(self, *args, **kwargs) -> None:
        # Laying out a huge body at once would freeze the app: go to the end laid out so
        # far and follow the background layout there.
        self._end_wanted = not self.complete
        self._resume()
        super().scroll_end(*args, **kwargs)

    def _current_message(self) -> int:
        top = int(self.scroll_offset.y)
        current = 0
        for i, start in enumerate(self._starts):
            if start <= top:
                current = i
        return current

    def action_page_down(self) -> None:
        self._ensure(int(self.scroll_offset.y) + self.size.height * 3)
        super().action_page_down()

    def action_next_message(self) -> None:
        self._ensure(int(self.scroll_offset.y) + self.size.height * 3)
        i = self._current_message() + 1
        if i < len(self._starts):
            self.scroll_to(y=self._starts[i], animate=False)

    def action_previous_message(self) -> None:
        top = int(self.scroll_offset.y)
        earlier = [s for s in self._starts if s < top]
        if earlier:
            self.scroll_to(y=earlier[-1], animate=False)

    # attachments: a, A select; v/enter, o, s act on the selected one (the screen does the work)
    @property
    def attachments(self) -> list[AttachmentInfo]:
        """Every attachment of the thread, in order."""
        return list(self._attachment_order)

    @property
    def selected_info(self) -> AttachmentInfo | None:
        index = self.selected_attachment
        return self._attachment_order[index] if index is not None and index < len(self._attachment_order) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("next_attachment", "previous_attachment") and not self._attachment_order:
            return False  # out of the footer on a thread without attachments
        if action == "attachment" and self.selected_info is None:
            return False
        return super().check_action(action, parameters)

    def action_next_attachment(self) -> None:
        self._select(1)

    def action_previous_attachment(self) -> None:
        self._select(-1)

    def _select(self, step: int) -> None:
        count = len(self._attachment_order)
        if not count:
            return
        current = self.selected_attachment
        self.selected_attachment = (0 if step > 0 else count - 1) if current is None else (current + step) % count
        self._show_selected()
        self.refresh_bindings()
        self.refresh()

    def _show_selected(self) -> None:
        """Lay out as far as the selected attachment and scroll it into view."""
        info = self.selected_info
        if info is None or not self._width:
            return
        while info.id not in self._attachment_lines and not self.complete:
            self._extend(until_line=len(self._lines) + self.size.height * 2)
        start, count = self._attachment_lines.get(info.id, (0, 0))
        top, height = int(self.scroll_offset.y), max(1, self.size.height)
        if start < top or start + count > top + height:
            self.scroll_to(y=max(0, start - height // 3), animate=False, immediate=True)

    def mark_cached(self, attachment_id: str) -> None:
        """The bytes of ``attachment_id`` are here now: its line says "in cache"."""
        if not any(item.id == attachment_id and not item.cached for item in self._attachment_order):
            return

        def here(items: Sequence[AttachmentInfo]) -> list[AttachmentInfo]:
            return [replace(item, cached=True) if item.id == attachment_id else item for item in items]

        self._attachments = {message_id: here(items) for message_id, items in self._attachments.items()}
        self._attachment_order = here(self._attachment_order)
        if self._width:
            self._layout()  # same lines, same scroll position: only the word changes

    def action_attachment(self, action: str) -> None:
        info = self.selected_info
        if info is not None:
            self.post_message(self.AttachmentChosen(action, info))
