"""A footer that shows only the keys it has room for, never half of one.

At 100 columns Textual's footer cut the row off mid-word ("t▏", "l Timelin"). This one
keeps the keys in their order (the focused pane's first, then the app's) while they fit,
drops the rest whole, and always keeps the command palette key: every key is in the
palette and the help (?) anyway.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # the footer's own key widget, to measure it

PALETTE_ROOM = 14  # "▏^p palette" and its margin, docked at the right


class FittingFooter(Footer):
    def __init__(self) -> None:
        super().__init__(compact=True)
        self._width = 0

    def compose(self) -> ComposeResult:
        room = self.size.width - PALETTE_ROOM
        used = 0
        full = False
        for widget in super().compose():
            if isinstance(widget, FooterKey) and "-command-palette" not in widget.classes:
                # compact: "key description" and one column of margin
                width = cell_len(widget.key_display) + 1 + cell_len(widget.description) + 1
                full = full or (room > 0 and used + width > room)
                if full:
                    continue
                used += width
            yield widget

    def on_resize(self) -> None:
        if self.size.width != self._width:
            self._width = self.size.width
            self.call_after_refresh(self.recompose)
