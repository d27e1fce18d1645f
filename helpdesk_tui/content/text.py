"""Rich Text built from untrusted strings, never parsed as markup."""

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Text

from helpdesk_tui.content.sanitize import clean_line, clean_text


def safe_text(
    value: str | bytes | None, style: str | Style = "", *, single_line: bool = False
) -> Text:
    """Return cleaned text as a Text whose brackets stay literal (``[bold]`` is not markup)."""
    # Text() takes the string as-is; Text.from_markup or Textual's markup would interpret it.
    return Text(clean_line(value) if single_line else clean_text(value), style=style)


def safe_line(value: str | bytes | None, style: str | Style = "") -> Text:
    """Return a single-line field (subject, name, tag) as literal, cleaned Text."""
    return safe_text(value, style, single_line=True)


def safe_block(value: str | bytes | None, style: str | Style = "") -> Text:
    """Return a multi-line body as literal, cleaned Text."""
    return safe_text(value, style)


def fit(value: str, width: int, right: bool = False) -> str:
    """``value`` cut (with an ellipsis) or padded to exactly ``width`` terminal cells, for
    columns; CJK characters take two cells."""
    length = cell_len(value)
    if length > width:
        return set_cell_size(value, width - 1) + "…" if width > 1 else set_cell_size(value, width)
    padding = " " * (width - length)
    return padding + value if right else value + padding
