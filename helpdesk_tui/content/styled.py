"""An append-only builder of rich Text, cheaper than many Text.append calls."""

from rich.cells import cell_len
from rich.style import Style
from rich.text import Span, Text


class StyledBuffer:
    """Plain text plus style spans, turned into one Text at the end."""

    __slots__ = ("_parts", "_spans", "length")

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._spans: list[Span] = []
        self.length = 0

    def write(self, text: str, style: Style | None = None) -> None:
        """Append text, styled if a style is given."""
        if text:
            self._parts.append(text)
            start, self.length = self.length, self.length + len(text)
            if style:
                self._spans.append(Span(start, self.length, style))

    def style_since(self, start: int, style: Style) -> None:
        """Style everything written since offset start."""
        if self.length > start:
            self._spans.append(Span(start, self.length, style))

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

    def extend(self, other: "StyledBuffer") -> None:
        """Append another buffer's text and styles."""
        offset = self.length
        self._parts.extend(other._parts)
        self._spans.extend(span.move(offset) for span in other._spans)
        self.length += other.length

    def to_text(self, style: str | Style = "") -> Text:
        """Return the buffer as a rich Text."""
        return Text("".join(self._parts), style=style, spans=self._spans)
