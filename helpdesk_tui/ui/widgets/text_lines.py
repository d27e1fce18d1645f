"""A long plain text, read-only: numbered lines drawn only where the screen shows them.

Textual's TextArea measured every line when given a text: a 2 MB log (21,000 lines) took
0.5 s to load and 0.3 s more to paint. This view splits the text once and draws the visible
lines, so the same log shows in a few milliseconds. The text must already be clean
(content.clean_text): it is drawn as it is, never read as markup.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class TextLines(ScrollView, can_focus=True):
    BINDINGS = [
        Binding("j", "scroll_down", "Down", show=False),
        Binding("k", "scroll_up", "Up", show=False),
        Binding("space", "page_down", "Page down", show=False),
        Binding("b", "page_up", "Page up", show=False),
        Binding("g", "scroll_home", "Top", show=False),
        Binding("G", "scroll_end", "Bottom", show=False),
    ]

    COMPONENT_CLASSES = {"text-lines--number"}

    DEFAULT_CSS = """
    TextLines {
        background: $surface;
        & > .text-lines--number { color: $text-muted; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[str] = []
        self._gutter = 0

    def load(self, text: str) -> None:
        """Show ``text`` (clean text: no escape codes), from its first line."""
        self.lines = text.split("\n")
        if self.lines and self.lines[-1] == "":
            self.lines.pop()  # the newline ending the last line starts no line of its own
        self._gutter = len(str(len(self.lines))) + 2
        # The widest line sets the horizontal scroll; len() first, cells only for the candidates
        # (a CJK character is two cells), so 21,000 lines cost a few ms.
        longest = max((len(line) for line in self.lines), default=0)
        widest = max((cell_len(line) for line in self.lines if 2 * len(line) >= longest), default=0)
        self.virtual_size = Size(self._gutter + widest, len(self.lines))
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if not 0 <= index < len(self.lines):
            return Strip.blank(width, base)
        number_style = base + self.get_component_rich_style("text-lines--number", partial=True)
        gutter = Segment(f"{index + 1:>{self._gutter - 2}}  ", number_style)
        x = int(self.scroll_offset.x)
        body = Strip([Segment(self.lines[index], base)]).crop(x, x + max(0, width - self._gutter))
        return Strip.join([Strip([gutter], self._gutter), body]).adjust_cell_length(width, base)
