"""A horizontal bar chart drawn as text: one row per bar, its label always beside it.

plotext spread 9 agents over 12 rows at some heights, so some bars took two rows and the
chart read as 10 bars with 9 names. Here a bar is exactly one row.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from helpdesk_tui.content import clean_line
from helpdesk_tui.content.text import fit

_EIGHTHS = " ▏▎▍▌▋▊▉"
LABEL_WIDTH = 12


def bar(value: float, top: float, width: int) -> str:
    """``value`` as a bar of up to ``width`` cells, in eighths of a cell."""
    if top <= 0 or value <= 0 or width <= 0:
        return ""
    eighths = round(min(value, top) / top * width * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "") or "▏"


def bar_rows(rows: list[tuple[str, float]], width: int) -> Text:
    """One line per (label, value): the label cut to fit, a bar, the value."""
    text = Text(no_wrap=True, overflow="crop")
    if not rows:
        return text
    label_width = min(LABEL_WIDTH, max(cell_len(clean_line(label)) for label, _ in rows) or 1)
    values = [f"{value:g}" for _, value in rows]
    value_width = max(len(v) for v in values)
    room = max(1, width - label_width - value_width - 3)
    top = max(value for _, value in rows)
    for number, ((label, value), shown) in enumerate(zip(rows, values, strict=True)):
        if number:
            text.append("\n")
        text.append(fit(clean_line(label) or "?", label_width, right=True), "bold")
        text.append(" ┤", "dim")
        drawn = bar(value, top, room)
        text.append(drawn)
        text.append(" " * (room - cell_len(drawn) + 1) + shown.rjust(value_width), "dim")
    return text


class BarChart(Static):
    """Bars for (label, value) rows; shows the first rows that fit and says how many."""

    DEFAULT_CSS = """
    BarChart { padding: 0 1; color: $accent; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[tuple[str, float]] = []
        self._title = ""

    def show(self, title: str, rows: list[tuple[str, float]]) -> None:
        self._title = title
        self._rows = rows
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        room = max(1, self.content_size.height)
        shown = self._rows[:room]
        title = self._title
        if len(self._rows) > room:  # "Public replies per agent · top 8 of 9" would be cut off
            title = f"{title.removesuffix(' per agent')} · top {len(shown)} of {len(self._rows)}"
        self.border_title = Text(title)
        self.update(bar_rows(shown, self.content_size.width) if shown else Text("No data in this window.", "dim"))
