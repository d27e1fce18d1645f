"""Hostile text for the conformance suite: what a stranger may type into a subject or a body.

Control characters, terminal escape sequences (colour, clear screen, set the window title),
Rich markup that would run an action if parsed, right-to-left and CJK scripts, and a body far
larger than a screen. A backend must hand all of it to the cache as data; the content layer
makes it safe to show.
"""

from __future__ import annotations

import re

# The readable words of the samples: each must arrive in the cache as written.
WORDS = ("東京の請求書", "שלום עולם", "مرحبا", "[bold red]", "[/]", "[@click=app.quit]", "{{ customer.name }}")

HOSTILE_SUBJECT = ("東京の請求書 \x1b[31mred\x1b[0m שלום עולם [bold red]boom[/] \x07\x1b]0;PWNED\x07 "
                   "[@click=app.quit]quit[/] مرحبا {{ customer.name }}")
HOSTILE_BODY = ("Hello \x1b[2J\x1b[H cleared?\n"
                "[bold red]not bold[/] and [@click=app.quit]not a link[/]\n"
                "שלום עולם — مرحبا — 東京の請求書 \u202eevil\u202c\n"
                "a bell \x07, a backspace \x08, a NUL-free C1 \u009b31m and {{ customer.name }}\n")
HUGE_LINE = "All work and no play makes a long ticket. "
HUGE_BODY_CHARS = 150_000


def huge_body() -> str:
    """A body of about ``HUGE_BODY_CHARS`` characters in lines, starting and ending with a marker."""
    lines = [f"{i:05d} {HUGE_LINE}" for i in range(HUGE_BODY_CHARS // (len(HUGE_LINE) + 6))]
    return "HUGE-START\n" + "\n".join(lines) + "\nHUGE-END"


# What must never reach a terminal: ESC, the other C0 controls but newline and tab, DEL, C1.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Markup escaped into the stored text (``\[bold]``) would show the backslash to the agent.
_ESCAPED_MARKUP = re.compile(r"\\\[")


def unsafe_characters(text: str) -> list[str]:
    """The control characters left in ``text`` (empty: safe for a terminal)."""
    return sorted({repr(c) for c in _UNSAFE.findall(text)})


def escaped_markup(text: str) -> bool:
    return bool(_ESCAPED_MARKUP.search(text))


def missing_words(text: str) -> list[str]:
    """The readable words of the samples that ``text`` (whitespace ignored) does not hold."""
    flat = " ".join(text.split())
    return [w for w in WORDS if w not in flat]
