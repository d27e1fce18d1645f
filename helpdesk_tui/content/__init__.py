"""Untrusted remote text (subjects, names, bodies, tags) made safe to show in a terminal.

Nothing here imports Textual: the UI gets plain strings or rich Text whose brackets are
literal, so a stranger's "[@click=app.quit]" or escape sequence is just text.
"""

from helpdesk_tui.content.body import body_pieces, render_body
from helpdesk_tui.content.html import html_to_text
from helpdesk_tui.content.markdown import (
    MarkdownStyles,
    make_markdown_parser,
    render_markdown,
)
from helpdesk_tui.content.sanitize import clean_line, clean_text
from helpdesk_tui.content.text import safe_block, safe_line, safe_text

__all__ = [
    "MarkdownStyles",
    "body_pieces",
    "clean_line",
    "clean_text",
    "html_to_text",
    "make_markdown_parser",
    "render_body",
    "render_markdown",
    "safe_block",
    "safe_line",
    "safe_text",
]
