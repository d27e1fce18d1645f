"""Write markdown-it inline tokens (text, emphasis, code, links, images) as styled text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from helpdesk_tui.content.links import label_shows_target
from helpdesk_tui.content.sanitize import clean_line, clean_text
from helpdesk_tui.content.styled import StyledBuffer

if TYPE_CHECKING:  # types only: the plain-text path imports neither rich.style nor the Token class
    from markdown_it.token import Token
    from rich.style import Style

    from helpdesk_tui.content.markdown_styles import MarkdownStyles


def render_inline(
    children: Sequence[Token],
    out: StyledBuffer,
    newline: Callable[[], None],
    styles: MarkdownStyles,
) -> None:
    """Write inline tokens (text, emphasis, code, links, images) into out."""
    opened: list[tuple[int, Style]] = []
    links: list[tuple[int, int, Token]] = []
    for token in children:
        kind = token.type
        if kind == "text":
            # Entities were decoded after the source was cleaned: "&#x202e;" is an RLO,
            # "&#13;" a line break that would escape the line prefix.
            out.write(clean_text(token.content).replace("\n", " "))
        elif kind in ("softbreak", "hardbreak"):
            # Keep the writer's line breaks: addresses and signatures stay readable.
            newline()
        elif kind == "code_inline":
            out.write(clean_text(token.content), styles.code)
        elif kind == "em_open":
            opened.append((out.length, styles.emphasis))
        elif kind == "strong_open":
            opened.append((out.length, styles.strong))
        elif kind == "s_open":
            opened.append((out.length, styles.strikethrough))
        elif kind in ("em_close", "strong_close", "s_close"):
            if opened:
                out.style_since(*opened.pop())
        elif kind == "link_open":
            links.append((out.length, out.part_count(), token))
        elif kind == "link_close":
            if links:
                _close_link(out, *links.pop(), styles)
        elif kind == "image":
            alt = clean_line("".join(child.content for child in token.children or ()))
            out.write(alt or "image", styles.image)
            source = clean_line(str(token.attrGet("src") or ""))
            if source:
                out.write(" ")
                out.write(f"<{source}>", styles.link_url)
        else:  # html_inline with a caller's html=True parser, or a plugin's token
            out.write(clean_text(token.content))


def _close_link(
    out: StyledBuffer, start: int, part_mark: int, token: Token, styles: MarkdownStyles
) -> None:
    out.style_since(start, styles.link)
    href = clean_line(str(token.attrGet("href") or ""))
    label = out.plain_since(part_mark)
    if href and token.markup != "autolink" and not label_shows_target(label, href):
        out.write(" ")
        out.write(f"<{href}>", styles.link_url)
