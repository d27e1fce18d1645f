"""A ticket's thread as one line-rendered view.

One Markdown widget per message took about 4 s for a 50-message thread here; one Static
per message 222 ms. This view renders each message once per width into strips (cached)
and draws only the lines on screen, so opening a ticket costs one pass of wrapping.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.segment import Segment
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from helpdesk_tui.content import clean_line, render_body
from helpdesk_tui.domain.models import Message
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.ui.formatting import when

BODY_CACHE = 2000  # rendered message bodies kept across tickets

KIND_LABELS = {
    MessageKind.CUSTOMER: "customer",
    MessageKind.PUBLIC_REPLY: "public reply",
    MessageKind.INTERNAL_NOTE: "INTERNAL NOTE",
    MessageKind.SYSTEM: "system",
}
DELIVERY_LABELS = {"queued": "⏳ queued", "sending": "⏳ sending", "sent": "✓ sent", "failed": "✗ failed"}
KIND_CLASSES = {
    MessageKind.CUSTOMER: "thread--customer",
    MessageKind.PUBLIC_REPLY: "thread--reply",
    MessageKind.INTERNAL_NOTE: "thread--note",
    MessageKind.SYSTEM: "thread--system",
}


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
    ]

    COMPONENT_CLASSES = {"thread--customer", "thread--reply", "thread--note", "thread--system",
                         "thread--meta", "thread--note-body", "thread--delivery"}

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
    }
    """

    def __init__(self, now: Callable[[], datetime], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._now = now
        self._messages: list[Message] = []
        self._lines: list[Strip] = []
        self._starts: list[int] = []  # first line of each message
        self._width = 0
        self._bodies: dict[tuple, Text] = {}
        self._laid_out = 0  # messages laid out so far at the current width
        self._generation = 0

    def set_messages(self, messages: list[Message]) -> None:
        self._messages = messages
        self._lines, self._starts, self._laid_out, self._width = [], [], 0, 0
        self._generation += 1
        if self.scrollable_content_region.width > 0:
            self._layout()
        else:  # hidden until the panes appear: on_resize lays it out once, at the final width
            self.virtual_size = Size(0, 0)
            self.refresh()
        self.scroll_to(y=0, animate=False, immediate=True)

    @property
    def message_count(self) -> int:
        return len(self._messages)

    def _body(self, message: Message) -> Text:
        # Keyed by id and text: reopening a ticket, or a reply turning "sent", re-renders nothing.
        key = (message.id, message.body_format, message.body)
        text = self._bodies.get(key)
        if text is None:
            if len(self._bodies) > BODY_CACHE:
                self._bodies.clear()
            text = render_body(message.body, message.body_format)
            self._bodies[key] = text
        return text

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
        self._laid_out = 0
        self._generation += 1
        self._extend(until_line=int(self.scroll_offset.y) + self.size.height * 2)
        if self._laid_out < len(self._messages):
            generation = self._generation
            self.set_timer(0.02, lambda: self._layout_rest(generation))

    def _layout_rest(self, generation: int) -> None:
        if generation != self._generation:
            return  # another ticket (or width) started a new layout
        self._extend(max_messages=6)
        if self._laid_out < len(self._messages):
            self.set_timer(0.001, lambda: self._layout_rest(generation))

    def _ensure(self, line: int | None = None) -> None:
        """Lay out synchronously up to ``line`` (None: everything), for jumps ahead."""
        if self._width and self._laid_out < len(self._messages):
            self._extend(until_line=line)

    def _extend(self, *, until_line: int | None = None, max_messages: int | None = None) -> None:
        width = self._width
        console = self.app.console
        options = console.options.update_width(max(10, width - 3))
        base = self.rich_style
        meta = self.get_component_rich_style("thread--meta", partial=True)
        now = self._now()
        lines, starts = self._lines, self._starts
        done = 0
        while self._laid_out < len(self._messages):
            if until_line is not None and len(lines) > until_line:
                break
            if max_messages is not None and done >= max_messages:
                break
            message = self._messages[self._laid_out]
            starts.append(len(lines))
            kind_style = self.get_component_rich_style(KIND_CLASSES[message.kind], partial=True)
            head = Text(no_wrap=True, overflow="ellipsis")
            head.append("▌ ", kind_style)
            head.append(KIND_LABELS[message.kind], kind_style)
            head.append(" · ", meta)
            head.append(clean_line(message.author) or "unknown", kind_style)
            head.append(" · " + when(message.created_at, now), meta)
            if message.delivery is not None:
                label = DELIVERY_LABELS.get(message.delivery, message.delivery)
                head.append(f" · {label}", self.get_component_rich_style("thread--delivery", partial=True))
            head_line = console.render_lines(head, options.update_width(width), pad=False)[0]
            lines.append(Strip(head_line).adjust_cell_length(width, base).apply_style(base))
            gutter = Strip([Segment("▌ ", kind_style)], 2)
            body_style = base
            if message.kind == MessageKind.INTERNAL_NOTE:
                body_style = base + self.get_component_rich_style("thread--note-body", partial=True)
            for segments in console.render_lines(self._body(message), options, style=body_style, pad=False):
                body = Strip(segments).adjust_cell_length(width - 2, body_style)
                lines.append(Strip.join([gutter, body]).apply_style(base))
            lines.append(Strip.blank(width, base))
            self._laid_out += 1
            done += 1
        # Until every message is laid out, guess the rest so the scrollbar is roughly right.
        remaining = len(self._messages) - self._laid_out
        self.virtual_size = Size(width, len(lines) + remaining * 8)
        self.refresh()  # same line count (queued → sent) leaves the size alone: repaint anyway

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width > 0 and width != self._width:
            self._layout()

    def render_line(self, y: int) -> Strip:
        # Never lays out here (that would change the size mid-render); lines not laid out
        # yet are blank for the few ms until the background layout reaches them.
        index = int(self.scroll_offset.y) + y
        if 0 <= index < len(self._lines):
            return self._lines[index]
        # As wide as the laid-out lines: the scrollbar gutter is not ours to paint.
        return Strip.blank(self._width or self.scrollable_content_region.width, self.rich_style)

    def action_scroll_end(self) -> None:
        self._ensure()
        super().action_scroll_end()

    def scroll_end(self, *args, **kwargs) -> None:
        self._ensure()
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
