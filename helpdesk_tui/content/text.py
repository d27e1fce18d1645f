"""Rich Text built from untrusted strings, never parsed as markup."""

from rich.style import Style
from rich.text import Text

from helpdesk_tui.content.cells import fit
from helpdesk_tui.content.sanitize import clean_line, clean_text

__all__ = ["fit", "safe_block", "safe_line", "safe_text"]


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
