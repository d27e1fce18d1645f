"""Lay out markdown-it block tokens: paragraphs, headings, lists, quotes, code, tables."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from rich.cells import cell_len

from helpdesk_tui.content.markdown_inline import render_inline
from helpdesk_tui.content.sanitize import clean_text
from helpdesk_tui.content.styled import StyledBuffer

if TYPE_CHECKING:  # types only: the plain-text path (render_buffer) imports neither rich.style nor rich.text
    from markdown_it.token import Token
    from rich.style import Style
    from rich.text import Text

    from helpdesk_tui.content.markdown_styles import MarkdownStyles

_QUOTE_BAR = "▌ "
_BULLETS = ("• ", "◦ ", "▪ ")
_CODE_INDENT = "  "
_RULE = "─" * 40
_CELL_SEPARATOR = " │ "
_HEADER_JOINT = "─┼─"


class _Container:
    """A block that prefixes its lines: a quote's bar or a list item's bullet and indent."""

    __slots__ = ("first", "rest", "style", "started")

    def __init__(self, first: str, rest: str, style: Style | None = None) -> None:
        self.first, self.rest, self.style, self.started = first, rest, style, False


class _List:
    __slots__ = ("ordered", "tight", "number", "width", "delimiter")

    def __init__(
        self, ordered: bool, tight: bool, number: int, width: int, delimiter: str
    ) -> None:
        self.ordered, self.tight, self.number = ordered, tight, number
        self.width, self.delimiter = width, delimiter


class BlockRenderer:
    """Walks block tokens, laying out blocks with their container prefixes."""

    def __init__(self, styles: MarkdownStyles) -> None:
        self.styles = styles
        self.out = StyledBuffer()
        self.containers: list[_Container] = []
        self.lists: list[_List] = []
        self.block_start = 0
        self.min_separation = 0

    def render(self, tokens: Sequence[Token]) -> Text:
        return self.render_buffer(tokens).to_text()

    def render_buffer(self, tokens: Sequence[Token]) -> StyledBuffer:
        """The laid-out text and its styles (``.plain()`` is the text alone)."""
        lists = _survey_lists(tokens)
        index = 0
        while index < len(tokens):
            token = tokens[index]
            kind = token.type
            if kind == "inline":
                render_inline(token.children or (), self.out, self.newline, self.styles)
            elif kind == "paragraph_open":
                # markdown-it hides the paragraphs of tight lists: one item per line.
                self.start_block(1 if token.hidden else 2)
            elif kind == "heading_open":
                self.start_block(2)
            elif kind == "heading_close":
                style = self.styles.h1 if token.tag == "h1" else self.styles.heading
                self.out.style_since(self.block_start, style)
            elif kind in ("bullet_list_open", "ordered_list_open"):
                self.open_list(token, *lists.get(index, (1, True)))
            elif kind in ("bullet_list_close", "ordered_list_close"):
                if self.lists:
                    self.lists.pop()
            elif kind == "list_item_open":
                self.open_item()
            elif kind in ("list_item_close", "blockquote_close"):
                self.close_container()
            elif kind == "blockquote_open":
                self.containers.append(_Container(_QUOTE_BAR, _QUOTE_BAR, self.styles.quote_bar))
            elif kind in ("fence", "code_block"):
                self.write_lines(token.content, _CODE_INDENT, self.styles.code_block)
            elif kind == "html_block":  # only reachable with a caller's html=True parser
                self.write_lines(token.content, "", None)
            elif kind == "hr":
                self.start_block(2)
                self.out.write(_RULE, self.styles.rule)
            elif kind == "table_open":
                index = self.write_table(tokens, index)
                continue
            index += 1
        return self.out

    # -- layout -------------------------------------------------------------------------

    def start_block(self, separation: int) -> None:
        """Begin a block on a new line, after a blank line if separation is 2."""
        separation, self.min_separation = max(separation, self.min_separation), 0
        if self.out.length:
            self.out.write("\n")
            if separation > 1:
                self.write_prefix(blank=True)
                self.out.write("\n")
        self.write_prefix()
        self.block_start = self.out.length

    def newline(self) -> None:
        """Break the line inside a block, continuing its container prefixes."""
        self.out.write("\n")
        self.write_prefix()

    def write_prefix(self, blank: bool = False) -> None:
        pieces = []
        for container in self.containers:
            if container.started:
                pieces.append((container.rest, container.style))
            elif not blank:  # a blank line before a block's first line is not inside it
                pieces.append((container.first, container.style))
                container.started = True
        if blank:  # no trailing spaces on a blank line, but keep the quote bars
            while pieces and not pieces[-1][0].strip():
                pieces.pop()
            if pieces:
                pieces[-1] = (pieces[-1][0].rstrip(), pieces[-1][1])
        for text, style in pieces:
            self.out.write(text, style)

    def close_container(self) -> None:
        if not self.containers:
            return
        if not self.containers[-1].started:  # an empty list item still shows its bullet
            self.start_block(1 if not self.lists or self.lists[-1].tight else 2)
        self.containers.pop()

    def open_list(self, token: Token, item_count: int, tight: bool) -> None:
        if not self.lists:  # a list nested in an item hugs it; any other stands apart
            self.min_separation = 2
        ordered = token.type == "ordered_list_open"
        start = _to_int(token.attrGet("start"), 1) if ordered else 1
        width = len(str(start + item_count - 1)) if ordered else 0
        self.lists.append(_List(ordered, tight, start, width, token.markup or "."))

    def open_item(self) -> None:
        if not self.lists:  # defensive: markdown-it always opens a list first
            self.lists.append(_List(False, True, 1, 0, "-"))
        current = self.lists[-1]
        if current.ordered:
            marker = f"{current.number:>{current.width}}{current.delimiter} "
            current.number += 1
        else:
            depth = sum(1 for each in self.lists if not each.ordered) - 1
            marker = _BULLETS[depth % len(_BULLETS)]
        self.containers.append(_Container(marker, " " * cell_len(marker)))

    def write_lines(self, content: str, indent: str, style: Style | None) -> None:
        self.start_block(2)
        for number, line in enumerate(clean_text(content).rstrip("\n").split("\n")):
            if number:
                self.newline()
            if line:
                self.out.write(indent)
                self.out.write(line, style)

    def write_table(self, tokens: Sequence[Token], index: int) -> int:
        """Write the table starting at tokens[index]; return the index after it."""
        rows: list[tuple[bool, list[tuple[StyledBuffer, str]]]] = []
        cells: list[tuple[StyledBuffer, str]] = []
        cell, align, in_head = StyledBuffer(), "left", False
        index += 1
        while index < len(tokens) and tokens[index].type != "table_close":
            token = tokens[index]
            kind = token.type
            if kind in ("thead_open", "thead_close"):
                in_head = kind == "thead_open"
            elif kind == "tr_open":
                cells = []
            elif kind in ("th_open", "td_open"):
                cell, align = StyledBuffer(), _alignment(token.attrGet("style"))
            elif kind == "inline":
                render_inline(token.children or (), cell, partial(cell.write, " "), self.styles)
            elif kind in ("th_close", "td_close"):
                cells.append((cell, align))
            elif kind == "tr_close":
                rows.append((in_head, cells))
            index += 1
        self.layout_table(rows)
        return index + 1

    def layout_table(self, rows: list[tuple[bool, list[tuple[StyledBuffer, str]]]]) -> None:
        if not rows:
            return
        columns = max(len(cells) for _, cells in rows)
        widths = [0] * columns
        for _, cells in rows:
            for column, (cell, _) in enumerate(cells):
                widths[column] = max(widths[column], cell.width())
        self.start_block(2)
        border = self.styles.table_border
        for number, (is_header, cells) in enumerate(rows):
            if number:
                self.newline()
            for column, width in enumerate(widths):
                if column:
                    self.out.write(_CELL_SEPARATOR, border)
                cell, align = cells[column] if column < len(cells) else (StyledBuffer(), "left")
                spare = width - cell.width()
                left = spare if align == "right" else spare // 2 if align == "center" else 0
                self.out.write(" " * left)
                start = self.out.length
                self.out.extend(cell)
                if is_header:
                    self.out.style_since(start, self.styles.table_header)
                if column < columns - 1:
                    self.out.write(" " * (spare - left))
            if is_header and (number + 1 >= len(rows) or not rows[number + 1][0]):
                self.newline()
                self.out.write(_HEADER_JOINT.join("─" * width for width in widths), border)


def _survey_lists(tokens: Sequence[Token]) -> dict[int, tuple[int, bool]]:
    """Map the index of each list's opening token to (number of items, is tight)."""
    surveys: dict[int, tuple[int, bool]] = {}
    open_lists: list[int] = []
    for index, token in enumerate(tokens):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            open_lists.append(index)
            surveys[index] = (0, True)
        elif kind in ("bullet_list_close", "ordered_list_close") and open_lists:
            open_lists.pop()
        elif kind == "list_item_open" and open_lists:
            count, tight = surveys[open_lists[-1]]
            surveys[open_lists[-1]] = (count + 1, tight)
        elif kind == "paragraph_open" and open_lists:
            owner = open_lists[-1]
            if token.level == tokens[owner].level + 2:  # a paragraph directly in an item
                surveys[owner] = (surveys[owner][0], token.hidden)
    return surveys


def _alignment(style: object) -> str:
    text = str(style or "")
    for align in ("right", "center"):
        if f"text-align:{align}" in text:
            return align
    return "left"


def _to_int(value: str | int | float | None, default: int) -> int:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        return default
