"""`show` and `search` printed through a pipe write the text without rich, byte for byte what rich wrote.

A script reading ``show`` or ``search`` through a pipe gets each Text's characters and a line break:
rich prints no styles where stdout is not a terminal. The plain path (``plain_body``,
``output._write_plain``) writes that without importing rich.text and rich.console. These tests
compare it with the rich path on hostile text (escapes, markup, bidi, CJK, RTL, tabs, every markdown
construct the renderer knows, bodies long enough to be split into pieces), and check that a terminal,
FORCE_COLOR or TTY_COMPATIBLE=1 still goes through rich.
"""

from __future__ import annotations

import io
import random
import sys
from datetime import UTC, datetime

import pytest

from helpdesk_tui.cli import output as cli_output
from helpdesk_tui.content.body import PIECE_CHARS, plain_body, render_body
from helpdesk_tui.domain.models import Customer, Message, Organization, Ticket
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.store.attachments import AttachmentInfo
from helpdesk_tui.store.customers import CustomerSummary
from helpdesk_tui.store.search import SearchHit
from tests.test_cli_output import capture

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)

HOSTILE = [
    "\x1b]0;PWNED\x07\x1b[2J cleared \x1b[31mred\x1b[0m",
    "8-bit \x9b31mred\x9b0m \x9d0;title\x9c \x90dcs\x9c \x85 next",
    "invoice_\u202efdp.exe \u2066iso\u2069 \u200bzero\ufeffwidth \u2028line \u2029para",
    "[/] [bold red]markup[/] [@click=app.quit]click[/] [link=https://evil.example]x[/link]",
    "lone \ud800 surrogate \udfff",
    "返金について 京都の田中さん、ご確認ください。",
    "שלום, ראיתי שני חיובים זהים. مرحبا بالعالم",
    "family 👩\u200d👩\u200d👧 \U000e0041tag 🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
    "DEL\x7f BEL\x07 BS\x08 NUL\x00 VT\x0b FF\x0c CR\r end",
    "tab\there\t\tand\tthere",
    "\\*not emphasis\\* &amp; &#x202e; &#13; &lt;b&gt; &copy;",
]

MARKDOWN = [
    "# Heading\n\nSome **bold** and *em* and ~~gone~~ and `code`.",
    "Setext\n===\n\nAnd\n---\n\n***\n\n___",
    "- one\n- two\n  - nested\n    - deeper\n- three\n\n1. first\n2. second\n\n10) ten\n11) eleven",
    "- loose\n\n- list\n\n  with paragraph",
    "> quote\n> > nested quote\n>\n> - item in quote",
    "```python\nprint('hi')\n\tindented\n```\n\n    indented code\n\n~~~\ntilde\n~~~",
    "| a | b |\n|:-|-:|\n| 返金 | x |\n| long cell here | ✓ |\n\n| c |\n|:-:|\n| centered |",
    "[label](https://example.com) [https://example.com](https://example.com) "
    "[paypal.com](https://evil.example/login) <https://auto.example> <mail@example.com>",
    "![alt text](https://img.example/a.png) ![](https://img.example/b.png)",
    "[ref][1]\n\n[1]: https://ref.example \"title\"",
    "[javascript](javascript:alert(1)) [data](data:text/html,x)",
    "line one  \nhard break\\\nbackslash break\nsoft break",
    "<b>raw html</b> <script>alert(1)</script>\n\n<div>\nblock\n</div>",
    "* [ ] task\n* [x] done",
    "-\n\n1.\n\n>",
    "   \n\n\n   text with spaces   \n\n",
    "",
]


def bodies() -> list[str]:
    found = HOSTILE + MARKDOWN + [a + "\n\n" + b for a in HOSTILE for b in MARKDOWN[:4]]
    rng = random.Random(13)
    pieces = HOSTILE + MARKDOWN + ["\n", "\n\n", " ", "*", "_", "`", "[", "](", ")", "|", "> ", "- ", "1. "]
    found += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(150)]
    # Long enough to be laid out in pieces and groups (and a group too long for markdown).
    found.append("\n\n".join(MARKDOWN * 60))
    found.append(("word " * 30 + "\n") * (PIECE_CHARS // 50))
    found.append("```\n" + "x\n" * 30_000 + "```\n\npara")
    found.append("[" * 30_000)
    return found


@pytest.mark.parametrize("body_format", ["markdown", "html", "text", "text/markdown", "", "weird"])
def test_plain_body_is_the_rendered_text(body_format):
    for body in bodies():
        assert plain_body(body, body_format) == render_body(body, body_format).plain, (body_format, body[:200])


def test_plain_body_of_html_is_the_rendered_text():
    for body in ["<p>Hello <b>world</b></p><ul><li>one</li><li>two</li></ul>",
                 "<table><tr><td>a</td><td>返金</td></tr></table><script>x</script>\x1b[2J",
                 "<p>" + "long line " * 5000 + "</p>" * 3]:
        assert plain_body(body, "html") == render_body(body, "html").plain


def both_ways(monkeypatch, function, *args, **kwargs) -> tuple[bytes, bytes]:
    """(what the plain path writes, what rich writes) to a pipe-like stdout."""
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    plain = capture(function, *args, **kwargs)
    monkeypatch.setattr(cli_output, "_prints_text_alone", lambda: False)
    with_rich = capture(function, *args, **kwargs)
    monkeypatch.undo()
    return plain, with_rich


def a_ticket(subject: str, tags: tuple[str, ...], assignee: str | None) -> Ticket:
    return Ticket(number=10042, subject=subject, status=Status.OPEN, priority=Priority.HIGH, requester_id=1,
                  created_at=NOW, updated_at=NOW, assignee=assignee, tags=tags, id=7)


@pytest.mark.parametrize("text", HOSTILE)
def test_show_through_a_pipe_writes_what_rich_wrote(monkeypatch, text):
    ticket = a_ticket(text, (text, "billing"), text)
    messages = [Message(ticket_id=7, kind=MessageKind.CUSTOMER, author=text, body=body, created_at=NOW, id=i,
                        body_format=fmt)
                for i, (body, fmt) in enumerate([(text, "markdown"), (MARKDOWN[2] + "\n\n" + text, "markdown"),
                                                 (f"<p>{text}</p>", "html"), (text, "text"), ("", "markdown")])]
    customer = CustomerSummary(Customer(name=text, email=f"{text}@example.com"), Organization(name=text), 3, 1, [])
    # A name read from the cache is valid UTF-8 (sqlite3 decodes it): no lone surrogate, which
    # display_name leaves as it is and neither path could write.
    name = text.encode("utf-8", "replace").decode("utf-8")
    files = {1: [AttachmentInfo("1-0", 1, name, text, 1234, True), AttachmentInfo("1-1", 1, "a.pdf", "", None, False)]}
    for who in (customer, None):
        plain, with_rich = both_ways(monkeypatch, cli_output.print_ticket, ticket, messages, [], who, NOW,
                                     as_json=False, attachments=files)
        assert plain == with_rich


def test_show_of_every_test_body_through_a_pipe_writes_what_rich_wrote(monkeypatch):
    messages = [Message(ticket_id=7, kind=MessageKind.PUBLIC_REPLY, author="Ana", body=body, created_at=NOW, id=i)
                for i, body in enumerate(bodies())]
    plain, with_rich = both_ways(monkeypatch, cli_output.print_ticket, a_ticket("Subject", (), None), messages, [],
                                 None, NOW, as_json=False)
    assert plain == with_rich
    assert len(plain) > 100_000


def test_search_through_a_pipe_writes_what_rich_wrote(monkeypatch):
    hits = [SearchHit(kind, 1, number, title, snippet, (), 1.5, NOW)
            for kind, number in (("ticket", 10001), ("message", 10002), ("article", None))
            for title in HOSTILE for snippet in HOSTILE[:4]]
    plain, with_rich = both_ways(monkeypatch, cli_output.print_hits, hits, as_json=False)
    assert plain == with_rich
    assert capture(cli_output.print_hits, [], as_json=False) == b""


def test_a_terminal_or_forced_colour_still_goes_through_rich(monkeypatch):
    """The check can fail: with FORCE_COLOR rich writes styles, so the plain path must not be taken."""
    hits = [SearchHit("ticket", 1, 10001, "Title", "snippet", (), 1.0, NOW)]
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert not cli_output._prints_text_alone()
    assert b"\x1b[" in capture(cli_output.print_hits, hits, as_json=False)
    monkeypatch.delenv("FORCE_COLOR")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    assert not cli_output._prints_text_alone()
    monkeypatch.delenv("TTY_COMPATIBLE")
    assert cli_output._prints_text_alone()  # pytest's stdout here is not a terminal

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdout", Terminal())
    assert not cli_output._prints_text_alone()
