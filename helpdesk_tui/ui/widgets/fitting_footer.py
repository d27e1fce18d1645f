"""A footer that shows only the keys it has room for, never half of one.

At 100 columns Textual's footer cut the row off mid-word ("t▏", "l Timelin"). This one
keeps the keys in their order (the focused pane's first, then the app's) while they fit,
drops the rest whole, and always keeps the command palette key: every key is in the
palette and the help (?) anyway.

A few keys are shown only in the room the others leave (``SPARE_ROOM``), after them, with a
shorter label when the full one does not fit: ``N`` (new ticket) never moves or drops another
key, at any width; it shows wherever the row has room for "N New".
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # the footer's own key widget, to measure it

PALETTE_ROOM = 14  # "▏^p palette" and its margin, docked at the right

# action → the shorter label used when the full one does not fit in the room left
SPARE_ROOM: dict[str, str] = {"new_ticket": "New"}


def _width(key: FooterKey, description: str | None = None) -> int:
    # compact: "key description" and one column of margin
    return cell_len(key.key_display) + 1 + cell_len(key.description if description is None else description) + 1


class FittingFooter(Footer):
    def __init__(self) -> None:
        super().__init__(compact=True)
        self._width = 0

    def compose(self) -> ComposeResult:
        room = self.size.width - PALETTE_ROOM
        # All at once, to know the room left before placing the spare-room keys (the app's
        # bindings have no groups, so the footer yields no KeyGroup containers to keep open).
        widgets = list(super().compose())
        used = 0
        full = False
        dropped: set[int] = set()
        spare: list[FooterKey] = []
        for widget in widgets:
            if isinstance(widget, FooterKey) and "-command-palette" not in widget.classes:
                if widget.action in SPARE_ROOM:
                    spare.append(widget)
                    continue
                width = _width(widget)
                full = full or (room > 0 and used + width > room)
                if full:
                    dropped.add(id(widget))
                    continue
                used += width
        for key in spare:
            short = SPARE_ROOM[key.action]
            if room > 0 and used + _width(key) <= room:
                used += _width(key)
            elif room > 0 and used + _width(key, short) <= room:
                key.description = short
                used += _width(key)
            else:
                dropped.add(id(key))
        # The spare-room keys after the others (before the palette key), so none of those moves.
        shown_spare = [key for key in spare if id(key) not in dropped]
        placed = False
        for widget in widgets:
            if id(widget) in dropped or widget in spare:
                continue
            if not placed and isinstance(widget, FooterKey) and "-command-palette" in widget.classes:
                yield from shown_spare
                placed = True
            yield widget
        if not placed:
            yield from shown_spare

    def on_resize(self) -> None:
        if self.size.width != self._width:
            self._width = self.size.width
            self.call_after_refresh(self.recompose)
