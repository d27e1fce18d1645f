"""Render untrusted markdown to styled rich Text by walking markdown-it's token stream.

Rendering to HTML and back, or through Textual's Markdown widget, costs seconds for a long
thread; walking the tokens straight into one Text costs about as much as the parse.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, cast

from helpdesk_tui.content.markdown_blocks import BlockRenderer
from helpdesk_tui.content.sanitize import clean_text

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from rich.text import Text

    from helpdesk_tui.content.markdown_styles import MarkdownStyles


# Past this size a body is almost surely a pasted log or an attack: markdown-it spends up
# to 15 µs a character on bracket floods, so render_body shows such bodies as plain text.
MARKDOWN_SIZE_LIMIT = 100_000


def make_markdown_parser() -> MarkdownIt:
    """Return a CommonMark parser with tables and strikethrough, raw HTML shown as text."""
    from markdown_it import MarkdownIt  # here: content.body reads this module's limit without it

    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


# Building a parser costs ~0.4 ms; parse() keeps its state per call, so one
# instance can serve every caller and thread.
_shared_parser = functools.cache(make_markdown_parser)


def render_markdown(
    source: str, parser: MarkdownIt | None = None, *, styles: MarkdownStyles | None = None
) -> Text:
    """Return untrusted markdown as styled Text; raw HTML stays literal text."""
    from helpdesk_tui.content.markdown_styles import DEFAULT_STYLES

    parser = parser or _shared_parser()
    tokens = parser.parse(clean_text(source))
    return BlockRenderer(styles or DEFAULT_STYLES).render(tokens)


class _NoStyles:
    """Every style is None: text laid out for its characters alone records no style."""

    def __getattr__(self, name: str) -> None:
        return None


def render_markdown_plain(source: str, parser: MarkdownIt | None = None) -> str:
    """``render_markdown(source).plain``, without rich.text and rich.style (a script's ``show`` and
    search snippets print the text alone: ~10 ms of imports saved)."""
    parser = parser or _shared_parser()
    tokens = parser.parse(clean_text(source))
    return BlockRenderer(cast("MarkdownStyles", _NoStyles())).render_buffer(tokens).plain()

