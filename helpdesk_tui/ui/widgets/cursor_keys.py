"""Cursor movement shared by the line-rendered lists (inbox, triage queue)."""

from __future__ import annotations

from textual.scroll_view import ScrollView


class CursorList(ScrollView):
    """A scrolling list with a ``cursor`` and a ``row_count``: j/k, page up/down, first/last.

    Setting ``cursor`` is the list's own business (it scrolls and announces the row).
    """

    cursor: int

    @property
    def row_count(self) -> int:
        raise NotImplementedError

    def _move(self, delta: int) -> None:
        if self.row_count:
            self.cursor = max(0, min(self.row_count - 1, self.cursor + delta))

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_cursor_up(self) -> None:
        self._move(-1)

    def action_page_down(self) -> None:
        self._move(max(1, self.size.height - 2))

    def action_page_up(self) -> None:
        self._move(-max(1, self.size.height - 2))

    def action_first(self) -> None:
        self._move(-self.row_count)

    def action_last(self) -> None:
        self._move(self.row_count)
