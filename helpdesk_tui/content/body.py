"""A message body as display Text, whole (render_body) or a piece at a time (body_pieces).

A 5 MB body rendered in one go froze the thread for 12 s (rich wraps a many-line Text in
more than linear time, and HTML or markdown conversion costs about a microsecond a byte).
Pieces of a few thousand characters, each ending at a line break, cost a few milliseconds
each: the thread shows the first screenful at once and lays out the rest in the background.
A body small enough to render at once is one piece; render_body joins the pieces, so the
thread, the CLI and every other view show a body the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, TypeVar

from helpdesk_tui.content.file_names import display_name
from helpdesk_tui.content.markdown import MARKDOWN_SIZE_LIMIT, render_markdown, render_markdown_plain
from helpdesk_tui.content.sanitize import clean_line, clean_text

# markdown-it, rich.text and logging are imported by what uses them: a script's `show` and
# search snippets want the text alone (plain_body), `attachment list` wants human_size.
if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from rich.text import Text

    from helpdesk_tui.content.markdown_styles import MarkdownStyles

PIECE_CHARS = 16_000  # source characters per piece: a few ms to render and to wrap
# Markdown with no safe split point for this long is shown as plain text: a bracket flood
# costs markdown-it about 15 µs a character.
MARKDOWN_GROUP_LIMIT = 24_000
LONG_LINE = 250_000  # characters in one line before it is cut into pieces

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
# A line that starts a block of its own after a blank line: not indented (it could belong
# to a list item) and not a list item (it could continue the list above).
_BLOCK_START = re.compile(r"(?![-*+] |[-*+]$|\d{1,9}[.)]( |$))\S")

_Piece = TypeVar("_Piece")


def render_body(
    body: str,
    body_format: str,
    *,
    parser: MarkdownIt | None = None,
    styles: MarkdownStyles | None = None,
) -> Text:
    """Return a message body as display Text: format "markdown", "html" or "text"."""
    from rich.text import Text

    return Text("\n").join(body_pieces(body, body_format, parser=parser, styles=styles))


def plain_body(body: str, body_format: str) -> str:
    """``render_body(body, body_format).plain``, without rich (what a script's ``show`` prints
    and what a search snippet is cut from)."""
    return "\n".join(_pieces(body, body_format, PIECE_CHARS, _plain_markdown, clean_text, _after_blank_line))


def body_pieces(
    body: str,
    body_format: str,
    *,
    parser: MarkdownIt | None = None,
    styles: MarkdownStyles | None = None,
    piece_chars: int = PIECE_CHARS,
) -> Iterator[Text]:
    """Yield a body's display Text in pieces; each piece but the first starts a new line."""
    from rich.text import Text

    from helpdesk_tui.content.text import safe_block

    def markdown(source: str) -> Text:
        return _markdown(source, parser, styles)

    def apart(text: Text) -> Text:
        return Text("\n").append_text(text)

    return _pieces(body, body_format, piece_chars, markdown, safe_block, apart)


def _pieces(body: str, body_format: str, piece_chars: int, markdown: Callable[[str], _Piece],
            block: Callable[[str], _Piece], apart: Callable[[_Piece], _Piece]) -> Iterator[_Piece]:
    """The pieces of a body, each made by ``markdown`` (a markdown source) or ``block`` (plain
    text); ``apart`` puts a blank line before a markdown group that follows another."""
    kind = (body_format or "").strip().lower()
    if kind in ("markdown", "md", "text/markdown") and len(body) <= MARKDOWN_SIZE_LIMIT:
        if len(body) <= piece_chars:
            yield markdown(body)
            return
        for number, (group, as_markdown) in enumerate(_markdown_groups(body, piece_chars)):
            if not as_markdown:
                yield from (block(piece) for piece in line_pieces(iter((group,)), piece_chars))
                continue
            text = markdown(group)
            if number:  # blocks are set apart by a blank line, as render_markdown does
                text = apart(text)
            yield text
        return
    if kind in ("html", "text/html"):
        # Imported here: the HTML parser (~2 ms) is for HTML bodies, not for every markdown thread or snippet.
        from helpdesk_tui.content.html import HtmlTextStream, html_to_text

        if len(body) <= piece_chars:
            yield block(html_to_text(body))
            return
        for number, piece in enumerate(line_pieces(HtmlTextStream(body, piece_chars), piece_chars)):
            yield block(piece.lstrip("\n") if number == 0 else piece)
        return
    # Unknown formats fall back to plain text, the one rendering that cannot mislead.
    for piece in line_pieces(iter((body,)), piece_chars):
        yield block(piece)


def _markdown(source: str, parser: MarkdownIt | None, styles: MarkdownStyles | None) -> Text:
    try:
        return render_markdown(source, parser, styles=styles)
    except Exception:  # a renderer bug must not hide the customer's message
        _log_failure()
        from helpdesk_tui.content.text import safe_block

        return safe_block(source)


def _plain_markdown(source: str) -> str:
    try:
        return render_markdown_plain(source)
    except Exception:  # as _markdown: the body as plain text
        _log_failure()
        return clean_text(source)


def _after_blank_line(text: str) -> str:
    return "\n" + text


def _log_failure() -> None:
    import logging

    logging.getLogger(__name__).exception("markdown rendering failed; showing the body as plain text")


def line_pieces(chunks: Iterable[str], piece_chars: int) -> Iterator[str]:
    """Regroup text chunks into pieces of about ``piece_chars`` that end at a line break.

    The line break itself is dropped (the next piece starts a new line). A line longer
    than a piece is a piece of its own; only one longer than LONG_LINE (rich wraps such a
    line in linear time, but nobody reads it) is cut, at its last space before the limit.
    """
    long_line = max(piece_chars, LONG_LINE)
    pending, at = "", 0
    for chunk in chunks:
        pending, at = pending[at:] + chunk, 0
        while len(pending) - at > piece_chars:
            cut = pending.rfind("\n", at, at + piece_chars + 1)
            if cut < 0:
                cut = pending.find("\n", at + piece_chars, at + long_line + 1)
            if cut >= 0:
                yield pending[at:cut]
                at = cut + 1
            elif len(pending) - at > long_line:
                cut = pending.rfind(" ", at + long_line // 2, at + long_line)
                cut = cut + 1 if cut >= 0 else at + long_line
                yield pending[at:cut]
                at = cut
            else:
                break  # a long line: wait for the rest of it
    rest = pending[at:].rstrip()
    if rest:
        yield rest


def _markdown_groups(body: str, piece_chars: int) -> Iterator[tuple[str, bool]]:
    """Split markdown at blank lines that start a top-level block, outside code fences.

    Yields (source, render as markdown?). Reference-style links defined in another group
    stay literal text: a price paid only by bodies longer than a piece.
    """
    group: list[str] = []
    size = 0
    fence = ""  # the open code fence's marker
    blank_before = False
    for line in body.split("\n"):
        top_level = _BLOCK_START.match(line) is not None
        if not fence and blank_before and top_level and size >= piece_chars:
            yield _group(group)
            group, size = [], 0
        group.append(line)
        size += len(line) + 1
        blank_before = not line.strip()
        match = _FENCE.match(line)
        if match:
            marker = match.group(1)
            if not fence:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence) and line.strip() == marker:
                fence = ""
    if group:
        yield _group(group)


def _group(lines: list[str]) -> tuple[str, bool]:
    source = "\n".join(lines).strip("\n")
    return source, len(source) <= MARKDOWN_GROUP_LIMIT


def human_size(size: int | None) -> str:
    """Bytes the way people say them (decimal units, as the composer's limits are worded)."""
    if size is None or size < 0:
        return "size unknown"
    if size < 1000:
        return f"{size} bytes" if size != 1 else "1 byte"
    # Cut, not rounded: 136,646 bytes is "136 KB", never more than the file holds.
    if size < 1_000_000:
        return f"{size // 1000} KB"
    unit, scale = ("MB", 1_000_000) if size < 1_000_000_000 else ("GB", 1_000_000_000)
    tenths = size * 10 // scale
    return f"{tenths // 10} {unit}" if tenths >= 100 else f"{tenths // 10}.{tenths % 10} {unit}"


def attachment_parts(name: str, media_type: str, size: int | None, cached: bool) -> list[tuple[str, str]]:
    """One attachment under a message as (text, style) parts: its display-safe name, type, size and
    whether its bytes are here. Every part from the helpdesk goes through the same cleaning as a subject."""
    return [("↳ ", ""), (display_name(name), "bold"),
            (f" · {clean_line(media_type) or 'unknown type'} · {human_size(size)} · ", ""),
            ("in cache" if cached else "not downloaded", "italic")]


def attachment_line(name: str, media_type: str, size: int | None, cached: bool) -> Text:
    """``attachment_parts`` as one Text."""
    from rich.text import Text

    line = Text()
    for part, style in attachment_parts(name, media_type, size, cached):
        line.append(part, style)
    return line
