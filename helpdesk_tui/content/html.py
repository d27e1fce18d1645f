"""Turn untrusted HTML (email bodies, rich-editor comments) into plain display text."""

import html
import logging
import re
from collections.abc import Iterator
from html.parser import HTMLParser

from helpdesk_tui.content.links import label_shows_target
from helpdesk_tui.content.sanitize import clean_text

_log = logging.getLogger(__name__)

# Content of these is never meant to be read (code, styling, metadata, inert templates).
_DROPPED = frozenset({"script", "style", "template", "title", "head"})
# Paragraph-like blocks get a blank line around them, the others a line break.
_PARAGRAPHS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "table", "dl"}
)
_BLOCKS = _PARAGRAPHS | frozenset(
    {
        "address", "article", "aside", "caption", "dd", "details", "dialog", "div", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup", "legend",
        "li", "main", "nav", "section", "summary", "tbody", "tfoot", "thead", "tr",
    }
)  # fmt: skip
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)

# HTML whitespace; NBSP is folded in too, because mail clients pad with runs of &nbsp;.
_WHITESPACE = re.compile(r"[ \t\n\r\f\xa0]+")
_QUOTE = "> "
_INDENT = "  "
_CELL_SEPARATOR = " | "
_RULE = "---"


class _TextConverter(HTMLParser):
    """Collects display text from parser events, laying out blocks, lists and quotes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._out: list[str] = []
        self._newlines = 0  # newlines at the end of _out
        self._wanted_newlines = 0  # line breaks owed before the next text
        self._space = False  # collapsed whitespace owed before the next text
        self._dropped: list[str] = []  # open elements whose content is not shown
        self._pre = 0
        self._quote = 0
        self._quote_written = 0  # quote depth of the last line written
        self._lists: list[list[int]] = []  # [is_ordered, next_number] per open list
        self._marker = ""  # list bullet waiting for the item's first text
        self._links: list[tuple[int, str]] = []  # (index into _out, href) per open <a>
        self._row_cells = 0
        self._cell_separator = False
        self._pre_started = False

    # -- layout -----------------------------------------------------------------------

    def _break(self, newlines: int) -> None:
        self._wanted_newlines = max(self._wanted_newlines, newlines)

    def _line_prefix(self) -> str:
        depth = len(self._lists)
        if self._marker:
            marker, self._marker = self._marker, ""
            indent = _INDENT * (depth - 1) + marker
        else:
            indent = _INDENT * depth
        return _QUOTE * self._quote + indent

    def _newline(self) -> None:
        if self._newlines:  # a blank line keeps the quote bar of the block it sits in
            self._out.append(_QUOTE.rstrip() * min(self._quote, self._quote_written))
        self._out.append("\n")
        self._newlines += 1

    def _write(self, text: str, *, keep_space: bool = False) -> None:
        """Append text, first settling owed line breaks, the line prefix and spaces."""
        if self._out:
            while self._newlines < self._wanted_newlines:
                self._newline()
        self._wanted_newlines = 0
        if not self._out or self._newlines:
            self._out.append(self._line_prefix())
            self._quote_written = self._quote
        elif self._cell_separator:
            self._out.append(_CELL_SEPARATOR)
        elif self._space and not keep_space:
            self._out.append(" ")
        self._space = self._cell_separator = False
        self._out.append(text)
        self._newlines = 0

    # -- parser events ----------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED:
            self._dropped.append(tag)
            return
        if tag == "body":  # browsers close an unterminated <head> here
            self._dropped.clear()
        if self._dropped:
            return
        if tag in _BLOCKS:
            self._break(self._block_spacing(tag))
        if tag == "br":
            if self._out:
                self._newline()
                self._space = False
        elif tag == "li":
            self._start_item()
        elif tag in ("ul", "ol"):
            self._lists.append([tag == "ol", _start_number(dict(attrs))])
        elif tag == "blockquote":
            self._quote += 1
        elif tag == "pre":
            self._pre += 1
            self._pre_started = True
        elif tag == "hr":
            self._break(1)
            self._write(_RULE)
            self._break(1)
        elif tag == "tr":
            self._row_cells = 0
        elif tag in ("td", "th"):
            # Shown only if the cell has text, so layout tables do not sprout bars.
            self._cell_separator = self._row_cells > 0
            self._row_cells += 1
        elif tag == "a":
            self._links.append((len(self._out), dict(attrs).get("href") or ""))
        elif tag == "img":
            alt = _WHITESPACE.sub(" ", dict(attrs).get("alt") or "").strip()
            if alt:
                self._write(alt)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # "<p/>" is the empty element its XHTML author meant; a void tag gets no end tag,
        # because a stray "</br>" is read as a second break.
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED:
            if tag in self._dropped:
                del self._dropped[self._dropped.index(tag) :]
            return
        if self._dropped:
            return
        if tag in ("ul", "ol") and self._lists:
            self._lists.pop()
        if tag in _BLOCKS:
            self._break(self._block_spacing(tag))
        if tag == "br":  # browsers read a stray </br> as <br>
            self.handle_starttag(tag, [])
        elif tag == "li":
            self._flush_marker()
        elif tag == "blockquote" and self._quote:
            self._quote -= 1
        elif tag == "pre" and self._pre:
            self._pre -= 1
        elif tag == "a" and self._links:
            self._end_link(*self._links.pop())

    def handle_data(self, data: str) -> None:
        if self._dropped or not data:
            return
        if self._pre:
            data = data.replace("\r\n", "\n").replace("\r", "\n")
            if self._pre_started and data.startswith("\n"):  # HTML ignores this one
                data = data[1:]
            self._pre_started = False
            self._write_preformatted(data)
            return
        text = _WHITESPACE.sub(" ", data)
        if text.startswith(" "):
            self._space = True
        text = text.strip(" ")
        if text:
            self._write(text)
            self._space = data[-1] in " \t\n\r\f\xa0"

    def parse_marked_section(self, i: int, report: int = 1) -> int:
        # The stdlib raises on "<![foo ...]>"; browsers treat it as a bogus comment.
        end = self.rawdata.find(">", i + 3)
        return -1 if end < 0 else end + 1

    # -- helpers --------------------------------------------------------------------

    def _block_spacing(self, tag: str) -> int:
        if tag in ("ul", "ol") and self._lists:  # a nested list hugs its item
            return 1
        return 2 if tag in _PARAGRAPHS else 1

    def _start_item(self) -> None:
        self._flush_marker()
        if self._lists and self._lists[-1][0]:
            number = self._lists[-1][1]
            self._lists[-1][1] += 1
            self._marker = f"{number}. "
        else:
            self._marker = "- "

    def _flush_marker(self) -> None:
        if self._marker:  # an item that held no text still shows its bullet
            self._write("")
            self._break(1)

    def _write_preformatted(self, data: str) -> None:
        for number, line in enumerate(data.split("\n")):
            if number:
                self._newline()
            if line:
                self._write(line, keep_space=True)

    def _end_link(self, start: int, href: str) -> None:
        href = _WHITESPACE.sub("", href)
        if not href or href.startswith("#"):
            return
        label = self._link_label(start, len(href))
        if label_shows_target(label, href):
            return
        self._space = bool(label)
        self._write(f"({href})" if label else href)

    def _link_label(self, start: int, href_length: int) -> str:
        """The link's text so far, or as much of it as shows it is not just its URL.

        Joining everything since the link opened made unclosed links quadratic: 10,000
        "<a href=x>a" took 7.6 s. A label much longer than the URL cannot be the URL.
        """
        limit = 2 * href_length + 64
        pieces: list[str] = []
        size = 0
        for index in range(start, min(start + limit, len(self._out))):
            piece = self._out[index]
            pieces.append(piece)
            size += len(piece)
            if size > limit:
                break
        label = _WHITESPACE.sub(" ", "".join(pieces)).strip()
        if (size > limit or start + limit < len(self._out)) and not label:
            return "…"  # too long to be the URL; what it holds does not matter
        return label

    def finish(self) -> None:
        """Close the links left open at the end of the document (after close())."""
        while self._links:
            self._end_link(*self._links.pop())

    def text(self) -> str:
        """Return the collected text; call after close()."""
        self.finish()
        return "".join(self._out)


def _start_number(attrs: dict[str, str | None]) -> int:
    try:
        return int(attrs.get("start") or 1)
    except ValueError:
        return 1


def _strip_tags_crudely(source: str) -> str:
    """Fallback for input the stdlib parser chokes on: drop code, then tags, keep text."""
    source = re.sub(r"(?is)<(script|style|head|template|title)\b.*?(</\1\s*>|\Z)", " ", source)
    source = re.sub(r"(?i)<(br|/p|/div|/li|/tr|/h\d)\b[^>]*>", "\n", source)
    source = html.unescape(re.sub(r"<[^>]*>", " ", source))
    lines = (_WHITESPACE.sub(" ", line).strip() for line in source.split("\n"))
    return "\n".join(line for line in lines if line)


def html_to_text(source: str) -> str:
    """Return the readable, cleaned text of an HTML fragment or document; never raises.

    The result is a plain str: show it through safe_block() (or render_body), never as
    markup, or a "[@click=...]" in the email would become live.
    """
    converter = _TextConverter()
    try:
        converter.feed(source)
        converter.close()
        text = converter.text()
    except Exception:  # the stdlib parser has raised on odd markup before; stay readable
        _log.exception("HTML parsing failed; showing the text with its tags stripped")
        text = _strip_tags_crudely(source)
    return clean_text(text).strip("\n").rstrip()


class HtmlTextStream:
    """``html_to_text`` a chunk of source at a time: iterate for the text as it is parsed.

    The pieces joined are the text html_to_text returns, give or take leading and
    trailing line breaks; a 5 MB email costs a few seconds in all, a few ms a piece.
    """

    def __init__(self, source: str, chunk_chars: int) -> None:
        self._source = source
        self._chunk = max(1, chunk_chars)

    def __iter__(self) -> Iterator[str]:
        converter = _TextConverter()
        emitted = 0
        start = 0
        try:
            for start in range(0, len(self._source), self._chunk):
                converter.feed(self._source[start : start + self._chunk])
                if len(converter._out) > emitted:
                    piece, emitted = "".join(converter._out[emitted:]), len(converter._out)
                    yield clean_text(piece)
            converter.close()
            converter.finish()
        except Exception:  # as in html_to_text: stay readable, the rest without tags
            _log.exception("HTML parsing failed part way; the rest has its tags stripped")
            yield "\n" + _strip_tags_crudely(self._source[start:])
            return
        yield clean_text("".join(converter._out[emitted:]))
