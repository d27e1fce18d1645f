"""Property-style checks: random Unicode and random bytes never crash or leak controls."""

import random
import unicodedata

import pytest

from helpdesk_tui.content import clean_line, clean_text, html_to_text, render_markdown

# Format characters that real text needs (see sanitize.py for why each stays).
KEPT_FORMAT_CHARACTERS = frozenset(
    map(chr, (0x200C, 0x200D, *range(0x0600, 0x0606), 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2))
) | {"\U000110bd", "\U000110cd"}
# Fragments that make random text more dangerous than uniform code points would.
NASTY = [
    "\x1b", "\x1b[", "\x1b]", "\x1bP", "\x1b\\", "\x07", "\x9b", "\x9c", "\x9d", "\x90",
    "\r", "\r\n", "\n", "\t", "\b", "\x00", "\u202e", "\u2066", "\u200b", "\ufeff",
    "\ud800", "\udfff", "\U0001f3f4", "\U000e0067", "\U000e007f", "[", "]", "*", "`", "<",
    "&#x202e;", "&#27;", "&#13;",
]  # fmt: skip


def random_text(rng: random.Random) -> str:
    pieces = []
    for _ in range(rng.randint(0, 40)):
        roll = rng.random()
        if roll < 0.4:
            pieces.append(rng.choice(NASTY))
        elif roll < 0.7:
            pieces.append(chr(rng.randint(0, 0x2FFF)))  # dense in controls and scripts
        else:
            pieces.append(chr(rng.randint(0, 0x10FFFF)))  # includes lone surrogates
    return "".join(pieces)


def offending(text: str) -> list[str]:
    """Return code points no output may contain."""
    found = []
    for index, char in enumerate(text):
        category = unicodedata.category(char)
        if char == "\U000e007f" or "\U000e0020" <= char <= "\U000e007e":
            allowed = "\U0001f3f4" in text[:index]  # only inside an emoji flag
        elif category == "Cf":
            allowed = char in KEPT_FORMAT_CHARACTERS
        else:
            allowed = char == "\n" or category not in ("Cc", "Cs", "Zl", "Zp")
        if not allowed:
            found.append(hex(ord(char)))
    return found


@pytest.mark.parametrize("seed", range(4))
def test_clean_text_of_random_unicode_never_raises_and_leaks_nothing(seed):
    rng = random.Random(seed)
    for _ in range(1000):
        value = random_text(rng)
        cleaned = clean_text(value)
        assert offending(cleaned) == [], repr(value)
        assert clean_text(cleaned) == cleaned, repr(value)  # cleaning is idempotent


@pytest.mark.parametrize("seed", range(2))
def test_clean_text_of_random_bytes_never_raises_and_leaks_nothing(seed):
    rng = random.Random(seed)
    for _ in range(1000):
        value = rng.randbytes(rng.randint(0, 64))
        assert offending(clean_text(value)) == [], value


@pytest.mark.parametrize("seed", range(2))
def test_clean_line_of_random_unicode_is_one_stripped_line(seed):
    rng = random.Random(seed)
    for _ in range(1000):
        line = clean_line(random_text(rng))
        assert "\n" not in line and "\t" not in line
        assert line == line.strip()
        assert offending(line) == []


@pytest.mark.parametrize("seed", range(2))
def test_markdown_and_html_of_random_unicode_never_raise_and_leak_nothing(seed):
    rng = random.Random(seed)
    for _ in range(500):
        value = random_text(rng)
        assert offending(render_markdown(value).plain) == [], repr(value)
        assert offending(html_to_text(value)) == [], repr(value)
