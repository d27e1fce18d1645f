"""content.body_pieces: a body in pieces that read exactly like the whole, each cheap to make."""

from __future__ import annotations

import random
import time

from helpdesk_tui.content import body_pieces, html_to_text, render_body, render_markdown, safe_block
from helpdesk_tui.content.body import LONG_LINE, PIECE_CHARS, line_pieces

BLOCKS = ["# Heading", "para **bold** and `code`\nsecond line", "- a\n- b\n\n  more of b\n- c",
          "```\ncode\n\nstill code\n```", "| a | b |\n|---|---|\n| 1 | 2 |", "> quote\n>\n> more",
          "1. one\n2. two", "    indented\n\n    code", "* star item", "plain words " * 30]


def markdown_document(size: int, seed: int = 5) -> str:
    rng = random.Random(seed)
    blocks: list[str] = []
    while sum(len(b) + 2 for b in blocks) < size:
        blocks.append(rng.choice(BLOCKS))
    return "\n\n".join(blocks)


def test_long_markdown_in_pieces_reads_exactly_as_rendered_whole():
    source = markdown_document(90_000)
    pieces = list(body_pieces(source, "markdown"))
    assert len(pieces) > 4
    assert render_body(source, "markdown").plain == render_markdown(source).plain
    assert all(len(p.plain) < 2 * PIECE_CHARS for p in pieces)


def test_long_html_in_pieces_reads_exactly_as_converted_whole():
    rows = "".join(f"<p>Line {i} <b>bold</b> <a href='https://x.example/{i}'>link</a></p>\n" for i in range(20_000))
    source = f"<html><body><blockquote>{rows}</blockquote><ul><li>open item<a href='https://y.example'>y"
    pieces = list(body_pieces(source, "html"))
    assert len(pieces) > 20
    assert "\n".join(p.plain for p in pieces) == html_to_text(source)


def test_plain_text_pieces_end_at_line_breaks_and_lose_nothing():
    body = "\n".join(f"line {i} " + "x" * (i % 300) for i in range(30_000))
    pieces = [p.plain for p in body_pieces(body, "text")]
    assert "\n".join(pieces) == safe_block(body).plain == body
    assert max(len(p) for p in pieces) <= PIECE_CHARS


def test_one_enormous_line_is_cut_only_past_the_long_line_limit():
    line = "word " * (LONG_LINE // 5 + 1000)
    pieces = list(line_pieces([line], PIECE_CHARS))
    assert len(pieces) == 2 and "".join(pieces) == line.rstrip()
    assert list(line_pieces(["y" * 100_000], PIECE_CHARS)) == ["y" * 100_000]


def test_pieces_of_a_body_are_still_sanitized():
    body = ("\x1b]0;PWNED\x07 [bold]x[/] \u202eevil\n" * 5_000)
    for body_format in ("text", "markdown", "html"):
        text = render_body(body, body_format).plain
        assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
        assert "[bold]x[/]" in text


def test_a_five_megabyte_body_yields_its_first_piece_in_milliseconds():
    body = "\n".join(f"{i:07d} connection timeout retrying" for i in range(160_000))
    for body_format, source in (("text", body), ("markdown", body),
                                ("html", "<div>" + body.replace("\n", "<br>") + "</div>")):
        assert len(source) > 5_000_000
        started = time.perf_counter()
        first = next(body_pieces(source, body_format))
        assert time.perf_counter() - started < 0.5, body_format
        assert first.plain.startswith("0000000 connection")


def test_html_with_thousands_of_unclosed_links_is_linear():
    # Each unclosed link joined all the text after it: 10,000 took 7.6 s, 40,000 191 s.
    started = time.perf_counter()
    text = html_to_text("<a href=x>a" * 20_000)
    assert time.perf_counter() - started < 2.0
    assert text.startswith("a" * 100) and text.endswith("(x)")
