"""The inbox: a line-rendered list over an array of ticket ids.

Only the rows on screen are built. The widget owns the ordered ids of the current view
and asks ``fetch_rows`` for the rows it is about to draw, a page at a time, caching them.
A DataTable holding 100k rows took 27 s to become ready on these machines; this list
draws its first frame from the first page while the rest of the ids load.

Marks (space, v, shift-click) are kept as ticket ids, not positions: they survive scrolling,
paging and a reload of the same view; one action then applies to every marked ticket.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip

from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.models import InboxRow
from helpdesk_tui.domain.sla import SlaKind, format_remaining
from helpdesk_tui.content.text import fit
from helpdesk_tui.ui.formatting import PRIORITY_LABELS, STATUS_LABELS, ago
from helpdesk_tui.ui.widgets.cursor_keys import CursorList
from helpdesk_tui.domain.new_ticket import QUEUED_LABEL, is_provisional

PAGE = 100
MARK = "●"  # in the first column, where a draft shows ✎ (the mark wins while both are there)
CACHE_LIMIT = 5000
# Drawn lines kept (their segments), enough to page back ~30 screens. A kept Strip carries
# seven caches of its own and gathers the pieces the compositor cuts from it: 4,000 kept
# Strips made full collections 30-50 ms (the worst page-downs). The segments are kept and
# drawn into a new Strip each time; the oldest line goes first.
STRIP_CACHE = 1500


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    title: str
    width: int  # 0 = takes the remaining width
    min_total: int  # shown only when the list is at least this wide
    right: bool = False


COLUMNS = (
    Column("clock", "SLA", 7, 0, right=True),
    Column("number", "#", 7, 0, right=True),
    Column("subject", "Subject", 0, 0),
    Column("customer", "Customer", 18, 64),
    Column("status", "Status", 8, 56),
    Column("priority", "Prio", 7, 80),
    Column("assignee", "Assignee", 10, 96),
    Column("updated", "Upd", 6, 106, right=True),
)


def visible_columns(width: int) -> list[tuple[Column, int]]:
    """The columns that fit ``width`` with their widths (the subject takes what is left)."""
    shown = [c for c in COLUMNS if width >= c.min_total]
    fixed = sum(c.width for c in shown) + len(shown) + 2  # separators and the draft marker
    subject = max(8, width - fixed)
    return [(c, c.width or subject) for c in shown]


class InboxList(CursorList, can_focus=True):
    """Tickets, one per line, in the order of the current view."""

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", id="inbox.down", show=False,
                tooltip="Move to the next ticket"),
        Binding("k,up", "cursor_up", "Up", id="inbox.up", show=False,
                tooltip="Move to the previous ticket"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", id="inbox.page_down", show=False,
                tooltip="Move down a screenful"),
        Binding("pageup,ctrl+b", "page_up", "Page up", id="inbox.page_up", show=False,
                tooltip="Move up a screenful"),
        Binding("g,home", "first", "First", id="inbox.first", show=False, tooltip="Go to the first ticket"),
        Binding("G,end", "last", "Last", id="inbox.last", show=False, tooltip="Go to the last ticket"),
        Binding("enter", "open", "Open", id="inbox.open", tooltip="Open the ticket under the cursor"),
        # The actions on the marked tickets (or the one under the cursor): triage's keys where the
        # workstation leaves them free (its digits are the views, # jumps, u undoes a send).
        Binding("space,v", "mark", "Mark", id="inbox.mark", show=False,
                tooltip="Mark or unmark the ticket and move down; the next action applies to every mark"),
        Binding("a", "screen.bulk('take')", "Take", id="inbox.take", show=False,
                tooltip="Assign the ticket (or the marked ones) to me"),
        Binding("A", "screen.bulk('assign')", "Assign…", id="inbox.assign", show=False,
                tooltip="Assign the ticket (or the marked ones) to a colleague you pick"),
        Binding("s", "screen.bulk('status')", "Status…", id="inbox.status", show=False,
                tooltip="Set the status of the ticket (or the marked ones)"),
        Binding("p", "screen.bulk('priority')", "Priority…", id="inbox.priority", show=False,
                tooltip="Set the priority of the ticket (or the marked ones)"),
        Binding("plus", "screen.bulk('tag')", "Tag…", id="inbox.tag", show=False,
                tooltip="Add a tag to the ticket (or the marked ones)"),
        Binding("U", "screen.undo_bulk", "Undo action", id="inbox.undo", show=False,
                tooltip="Take back the last action or macro on inbox tickets while it is still queued"),
    ]

    COMPONENT_CLASSES = {
        "inbox--header", "inbox--cursor", "inbox--breached", "inbox--soon", "inbox--muted",
        "inbox--draft", "inbox--urgent", "inbox--new", "inbox--mark",
    }

    DEFAULT_CSS = """
    InboxList {
        background: $surface;
        overflow-x: hidden;
        scrollbar-gutter: stable;  /* rows are laid out for a width that must not change */
        & > .inbox--header { color: $text-muted; text-style: bold; }
        & > .inbox--cursor { background: $boost; text-style: bold; }
        &:focus > .inbox--cursor { background: $accent 40%; }
        & > .inbox--breached { color: $sla-breached; text-style: bold; }
        & > .inbox--soon { color: $sla-soon; }
        & > .inbox--muted { color: $text-muted; }
        & > .inbox--draft { color: $draft-marker; }
        & > .inbox--urgent { color: $error; }
        & > .inbox--new { text-style: bold; }
        & > .inbox--mark { color: $accent; text-style: bold; }
    }
    """

    # repaint=False: moving the cursor redraws its two lines (watch_cursor), not the whole list.
    cursor: reactive[int] = reactive(0, always_update=True, init=False, repaint=False)

    class Highlighted(Message):
        def __init__(self, ticket_id: int | None) -> None:
            super().__init__()
            self.ticket_id = ticket_id

    class Selected(Message):
        def __init__(self, ticket_id: int) -> None:
            super().__init__()
            self.ticket_id = ticket_id

    class MarksChanged(Message):
        """Tickets were marked or unmarked: ``count`` are marked now."""

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    def __init__(self, fetch_rows: Callable[[list[int]], list[InboxRow]], now: Callable[[], datetime],
                 *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._fetch_rows = fetch_rows
        self._now = now
        self._ids: array = array("q")
        self._rows: dict[int, tuple[InboxRow, str, str]] = {}
        # Drawn lines by (ticket, is cursor, width, focused): scrolling one row then draws one
        # new line instead of forty. Cleared when rows change, on the clock tick and on theme change.
        self._strips: dict[tuple[int, bool, int, bool], list[Segment]] = {}
        self._pass: tuple[Style, int] | None = None  # while render_lines draws (see there)
        self.marked: set[int] = set()  # ticket ids

    # data
    @property
    def ids(self) -> array:
        return self._ids

    @property
    def current_id(self) -> int | None:
        return self._ids[self.cursor] if 0 <= self.cursor < len(self._ids) else None

    def set_ids(self, ids: array, *, keep: int | None = None) -> None:
        """Show a new list; the cursor stays on ticket ``keep`` when it is in it."""
        self._ids = ids
        self.virtual_size = Size(self.scrollable_content_region.width, len(ids) + 1)
        position = 0
        if keep is not None:
            try:
                position = ids.index(keep)
            except ValueError:
                position = 0
        self.cursor = min(position, max(0, len(ids) - 1))
        self.refresh()

    def forget_rows(self, ticket_ids: list[int] | None = None) -> None:
        """Drop cached rows (all, or these tickets) so they are read again: they changed."""
        if ticket_ids is None:
            self._rows.clear()
            self._strips.clear()
        else:
            for tid in ticket_ids:
                self._rows.pop(tid, None)
            self._forget_strips(set(ticket_ids))
        self.refresh()

    # marks
    def toggle_mark(self, index: int | None = None) -> None:
        """Mark or unmark the ticket at ``index`` (default: under the cursor)."""
        index = self.cursor if index is None else index
        if not 0 <= index < len(self._ids):
            return
        tid = self._ids[index]
        self.marked.symmetric_difference_update({tid})
        self._forget_strips({tid})
        self.post_message(self.MarksChanged(len(self.marked)))

    def clear_marks(self) -> int:
        """Unmark every ticket; returns how many were marked."""
        count = len(self.marked)
        if count:
            gone, self.marked = self.marked, set()
            self._forget_strips(gone)
            self.post_message(self.MarksChanged(0))
        return count

    def targets(self) -> list[int]:
        """What an action applies to: the marked tickets in the list's order (any marked ticket a
        reload took out of the list after them), else the one under the cursor."""
        if not self.marked:
            return [self.current_id] if self.current_id is not None else []
        in_list = [tid for tid in self._ids if tid in self.marked]
        rest = self.marked.difference(in_list)
        return in_list + sorted(rest)

    def action_mark(self) -> None:
        self.toggle_mark()
        self.action_cursor_down()

    def _forget_strips(self, ticket_ids: set[int]) -> None:
        for key in [k for k in self._strips if k[0] in ticket_ids]:
            del self._strips[key]
        self.refresh()

    def _row(self, index: int) -> tuple[InboxRow, str, str] | None:
        tid = self._ids[index]
        cached = self._rows.get(tid)
        if cached is None:
            if len(self._rows) > CACHE_LIMIT:
                self._rows.clear()
            start = max(0, index - PAGE // 4)
            wanted = [i for i in self._ids[start : start + PAGE] if i not in self._rows]
            for row in self._fetch_rows(wanted):
                self._rows[row.id] = (row, clean_line(row.subject), clean_line(row.customer_name))
            cached = self._rows.get(tid)
        return cached

    # drawing
    def on_resize(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._ids) + 1)

    def render_lines(self, crop: Region) -> list[Strip]:
        # Read once per pass, not per line: rich_style walks every ancestor's styles, and with
        # the content width it was ~40% of drawing a page of new lines (profiled at 1M).
        self._pass = (self.rich_style, self.scrollable_content_region.width)
        try:
            return super().render_lines(crop)
        finally:
            self._pass = None

    def _base(self) -> tuple[Style, int]:
        """The widget's style and content width (once per pass while a pass is drawing)."""
        return self._pass or (self.rich_style, self.scrollable_content_region.width)

    def render_line(self, y: int) -> Strip:
        base, width = self._base()
        if y == 0:
            return self._header(width)
        index = int(self.scroll_offset.y) + y - 1
        if index >= len(self._ids) or index < 0:
            return Strip.blank(width, base)
        tid = self._ids[index]
        is_cursor = index == self.cursor
        key = (tid, is_cursor, width, self.has_focus)
        segments = self._strips.get(key)
        if segments is None:
            row = self._row(index)
            if row is None:
                return Strip.blank(width, base)
            text = self._line(row, width, is_cursor)
            strip = Strip(text.render(self.app.console)).adjust_cell_length(width, base)
            if len(self._strips) >= STRIP_CACHE:
                del self._strips[next(iter(self._strips))]
            self._strips[key] = list(strip)
            return strip
        # A new Strip on the kept segments: what the compositor caches on it (the pieces it
        # cuts) goes with it, instead of piling up on a kept Strip.
        return Strip(segments, width)

    def notify_style_update(self) -> None:
        self._strips.clear()  # a new theme: every cached line has old colours
        super().notify_style_update()

    def _header(self, width: int) -> Strip:
        style = self.get_component_rich_style("inbox--header")
        text = Text(" ", style=style, no_wrap=True)
        for column, w in visible_columns(width):
            text.append(fit(column.title, w, column.right), style)
            text.append(" ", style)
        return Strip(text.render(self.app.console)).adjust_cell_length(width, style)

    def _line(self, cached: tuple[InboxRow, str, str], width: int, is_cursor: bool) -> Text:
        row, subject, customer = cached
        now = self._now()
        base = self._base()[0]
        if is_cursor:
            base = base + self.get_component_rich_style("inbox--cursor")
        muted = self.get_component_rich_style("inbox--muted", partial=True)
        text = Text(no_wrap=True, style=base)
        if row.id in self.marked:
            text.append(MARK, self.get_component_rich_style("inbox--mark", partial=True))
        else:
            text.append("✎" if row.has_draft else " ", self.get_component_rich_style("inbox--draft", partial=True))
        for column, w in visible_columns(width):
            value, style = self._cell(column.key, row, subject, customer, now, muted)
            text.append(fit(value, w, column.right), style)
            text.append(" ")
        return text

    def _cell(self, key: str, row: InboxRow, subject: str, customer: str, now: datetime,
              muted: Style) -> tuple[str, Style | str]:
        if key == "clock":
            if row.sla_due_at is None:
                return "", ""
            remaining = format_remaining(row.sla_due_at, now)
            seconds = (row.sla_due_at - now).total_seconds()
            flag = "⚑" if row.sla_kind == SlaKind.CHECKPOINT else ""
            if seconds <= 0:
                return f"{flag}⚠{remaining.lstrip('-')}", self.get_component_rich_style("inbox--breached", partial=True)
            style = self.get_component_rich_style("inbox--soon", partial=True) if seconds <= 3600 else ""
            return flag + remaining, style
        if key == "number":
            # A new ticket the helpdesk has not numbered yet: the marker, never a made-up number.
            if is_provisional(row.number):
                return QUEUED_LABEL, self.get_component_rich_style("inbox--soon", partial=True)
            return str(row.number), muted
        if key == "subject":
            return subject, self.get_component_rich_style("inbox--new", partial=True) if row.status == "new" else ""
        if key == "customer":
            return customer, ""
        if key == "status":
            return STATUS_LABELS[row.status], muted if not row.status.is_active else ""
        if key == "priority":
            label = PRIORITY_LABELS[row.priority]
            return label, self.get_component_rich_style("inbox--urgent", partial=True) if row.priority == "urgent" else ""
        if key == "assignee":
            return clean_line(row.assignee) or "—", muted if not row.assignee else ""
        if key == "updated":
            return ago(row.updated_at, now), muted
        return "", ""

    # movement
    def watch_cursor(self, old: int, new: int) -> None:
        self._refresh_index(old)
        self._refresh_index(new)
        self._scroll_to_cursor()
        self.post_message(self.Highlighted(self.current_id))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def _refresh_index(self, index: int) -> None:
        y = index - int(self.scroll_offset.y) + 1
        if 0 < y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _scroll_to_cursor(self) -> None:
        visible = max(1, self.size.height - 1)
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False, immediate=True)

    @property
    def row_count(self) -> int:
        return len(self._ids)

    def action_open(self) -> None:
        if self.current_id is not None:
            self.post_message(self.Selected(self.current_id))

    def on_click(self, event) -> None:
        # Inside the border: the event's own offset counts it, and a click hit the row below.
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = int(self.scroll_offset.y) + offset.y - 1  # the header is line 0
        if 0 <= index < len(self._ids):
            if event.shift:  # shift-click marks, as space does, and never opens
                self.toggle_mark(index)
            elif index == self.cursor:
                self.action_open()
            self.cursor = index
