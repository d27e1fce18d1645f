"""The triage queue: one line per ticket, marks in the first column, the SLA clock next.

The queue holds at most a few hundred rows (its first page in SLA order), so they live in
memory; lines are drawn on demand like the inbox's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip

from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.models import InboxRow
from helpdesk_tui.domain.sla import SlaKind, format_remaining
from helpdesk_tui.content.text import fit
from helpdesk_tui.ui.formatting import PRIORITY_LABELS, STATUS_LABELS
from helpdesk_tui.ui.widgets.cursor_keys import CursorList

MARK = "●"
# (title, width; 0 = the rest, shown only from this total width)
_COLUMNS = (("SLA", 7, 0), ("#", 7, 0), ("Subject", 0, 0), ("Customer", 16, 70), ("Status", 7, 60),
            ("Prio", 7, 50))


def _layout(width: int) -> list[tuple[str, int]]:
    shown = [(title, w) for title, w, min_total in _COLUMNS if width >= min_total]
    rest = max(8, width - sum(w for _, w in shown) - len(shown) - 2)
    return [(title, w or rest) for title, w in shown]


class TriageList(CursorList, can_focus=True):
    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", id="triage.down", show=False, tooltip="Next ticket"),
        Binding("k,up", "cursor_up", "Up", id="triage.up", show=False, tooltip="Previous ticket"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", id="triage.page_down", show=False,
                tooltip="Down a screenful"),
        Binding("pageup,ctrl+b", "page_up", "Page up", id="triage.page_up", show=False, tooltip="Up a screenful"),
        Binding("g,home", "first", "First", id="triage.first", show=False, tooltip="First ticket"),
        Binding("G,end", "last", "Last", id="triage.last", show=False, tooltip="Last ticket"),
    ]

    COMPONENT_CLASSES = {"triage--header", "triage--cursor", "triage--breached", "triage--soon", "triage--muted",
                         "triage--mark"}

    DEFAULT_CSS = """
    TriageList {
        background: $surface;
        overflow-x: hidden;
        scrollbar-gutter: stable;
        & > .triage--header { color: $text-muted; text-style: bold; }
        & > .triage--cursor { background: $boost; text-style: bold; }
        &:focus > .triage--cursor { background: $accent 40%; }
        & > .triage--breached { color: $sla-breached; text-style: bold; }
        & > .triage--soon { color: $sla-soon; }
        & > .triage--muted { color: $text-muted; }
        & > .triage--mark { color: $accent; text-style: bold; }
    }
    """

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    class Highlighted(Message):
        def __init__(self, ticket_id: int | None) -> None:
            super().__init__()
            self.ticket_id = ticket_id

    def __init__(self, now: Callable[[], datetime], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._now = now
        self.rows: list[InboxRow] = []
        self.marked: set[int] = set()

    @property
    def current_id(self) -> int | None:
        return self.rows[self.cursor].id if 0 <= self.cursor < len(self.rows) else None

    def set_rows(self, rows: list[InboxRow], *, keep: int | None = None) -> None:
        """Show ``rows``; the cursor stays on ticket ``keep``, else at its old position."""
        old_position = self.cursor
        self.rows = rows
        ids = [r.id for r in rows]
        self.marked &= set(ids)  # tickets that left the queue are no longer marked
        self.virtual_size = Size(self.scrollable_content_region.width, len(rows) + 1)
        position = ids.index(keep) if keep in ids else min(old_position, max(0, len(rows) - 1))
        self.cursor = max(0, position)
        self.refresh()

    def toggle_mark(self) -> None:
        tid = self.current_id
        if tid is None:
            return
        self.marked.symmetric_difference_update({tid})
        self.refresh()

    # drawing
    def on_resize(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.rows) + 1)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            style = self.get_component_rich_style("triage--header")
            text = Text("  ", style=style, no_wrap=True)
            for title, w in _layout(width):
                text.append(fit(title, w, title in ("SLA", "#")) + " ", style)
            return Strip(text.render(self.app.console)).adjust_cell_length(width, style)
        index = int(self.scroll_offset.y) + y - 1
        if not 0 <= index < len(self.rows):
            return Strip.blank(width, self.rich_style)
        text = self._line(self.rows[index], width, index == self.cursor)
        return Strip(text.render(self.app.console)).adjust_cell_length(width, self.rich_style)

    def _line(self, row: InboxRow, width: int, is_cursor: bool) -> Text:
        base = self.rich_style + self.get_component_rich_style("triage--cursor") if is_cursor else self.rich_style
        muted = self.get_component_rich_style("triage--muted", partial=True)
        text = Text(no_wrap=True, style=base)
        marked = row.id in self.marked
        text.append(MARK if marked else " ", self.get_component_rich_style("triage--mark", partial=True))
        text.append(" ")
        now = self._now()
        for title, w in _layout(width):
            style: str | Style = ""
            if title == "SLA":
                value, style = self._clock(row, now)
                value = fit(value, w, True)
            elif title == "#":
                value, style = fit(str(row.number), w, True), muted
            elif title == "Subject":
                value = fit(clean_line(row.subject), w)  # a stranger's words: cleaned, never markup
            elif title == "Customer":
                value = fit(clean_line(row.customer_name), w)
            elif title == "Status":
                value = fit(STATUS_LABELS[row.status], w)
            else:
                value = fit(PRIORITY_LABELS[row.priority], w)
            text.append(value, style)
            text.append(" ")
        return text

    def _clock(self, row: InboxRow, now: datetime):
        if row.sla_due_at is None:
            return "", ""
        remaining = format_remaining(row.sla_due_at, now)
        seconds = (row.sla_due_at - now).total_seconds()
        flag = "⚑" if row.sla_kind == SlaKind.CHECKPOINT else ""
        if seconds <= 0:
            return f"{flag}⚠{remaining.lstrip('-')}", self.get_component_rich_style("triage--breached", partial=True)
        soon = seconds <= 3600
        return flag + remaining, self.get_component_rich_style("triage--soon", partial=True) if soon else ""

    # movement
    def watch_cursor(self, old: int, new: int) -> None:
        visible = max(1, self.size.height - 1)
        top = int(self.scroll_offset.y)
        if new < top:
            self.scroll_to(y=new, animate=False, immediate=True)
        elif new >= top + visible:
            self.scroll_to(y=new - visible + 1, animate=False, immediate=True)
        self.refresh()
        self.post_message(self.Highlighted(self.current_id))

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def on_click(self, event) -> None:
        index = int(self.scroll_offset.y) + event.y - 1
        if 0 <= index < len(self.rows):
            self.cursor = index
