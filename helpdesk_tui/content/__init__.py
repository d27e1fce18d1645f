"""Untrusted remote text (subjects, names, bodies, tags) made safe to show in a terminal.

Nothing here imports Textual: the UI gets plain strings or rich Text whose brackets are
literal, so a stranger's "[@click=app.quit]" or escape sequence is just text.

Each name is imported from its module on first use (PEP 562): ``clean_line`` must not make
a script's ``helpdesk-tui list --json`` import markdown-it and rich (~25 ms) it never uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from helpdesk_tui.lazy_names import lazy_getattr

if TYPE_CHECKING:
    from helpdesk_tui.content.body import body_pieces, render_body
    from helpdesk_tui.content.html import html_to_text
    from helpdesk_tui.content.markdown import make_markdown_parser, render_markdown
    from helpdesk_tui.content.markdown_styles import MarkdownStyles
    from helpdesk_tui.content.sanitize import clean_line, clean_text
    from helpdesk_tui.content.text import safe_block, safe_line, safe_text

_HOMES = {
    "MarkdownStyles": "markdown_styles",
    "body_pieces": "body",
    "clean_line": "sanitize",
    "clean_text": "sanitize",
    "html_to_text": "html",
    "make_markdown_parser": "markdown",
    "render_body": "body",
    "render_markdown": "markdown",
    "safe_block": "text",
    "safe_line": "text",
    "safe_text": "text",
}

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


__getattr__ = lazy_getattr(__name__, _HOMES, globals())
