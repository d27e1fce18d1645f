"""An append-only builder of rich Text, cheaper than many Text.append calls.

rich.text is imported only by ``to_text``: a script that wants a body's plain text (``plain``)
does not pay for it (~10 ms with what it imports).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len

if TYPE_CHECKING:
    from rich.style import Style
    from rich.text import Text


class StyledBuffer:
    """Plain text plus style spans, turned into one Text at the end."""

    __slots__ = ("_parts", "_spans", "length")

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._spans: list[tuple[int, int, Style]] = []  # rich Spans once to_text makes them
        self.length = 0

    def write(self, text: str, style: Style | None = None) -> None:
        """Append text, styled if a style is given."""
        if text:
            self._parts.append(text)
            start, self.length = self.length, self.length + len(text)
            if style:
                self._spans.append((start, self.length, style))

    def style_since(self, start: int, style: Style) -> None:
        """Style everything written since offset start."""
        if self.length > start:
            self._spans.append((start, self.length, style))

    def part_count(self) -> int:
        """Return a mark for plain_since()."""
        return len(self._parts)

    def plain_since(self, part_mark: int) -> str:
        """Return the text written since part_count() returned part_mark."""
        return "".join(self._parts[part_mark:])

    def plain(self) -> str:
        """Return all text written so far."""
        return "".join(self._parts)

    def width(self) -> int:
        """Return the terminal cell width of the text (single-line content)."""
        return cell_len(self.plain())

    def extend(self, other: StyledBuffer) -> None:
        """Append another buffer's text and styles."""
        offset = self.length
        self._parts.extend(other._parts)
        self._spans.extend((start + offset, end + offset, style) for start, end, style in other._spans)
        self.length += other.length

    def to_text(self, style: str | Style = "") -> Text:
        """Return the buffer as a rich Text."""
        from rich.text import Span, Text

        return Text("".join(self._parts), style=style, spans=[Span(*span) for span in self._spans])
