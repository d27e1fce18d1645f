"""Strip terminal control sequences and spoofing characters from untrusted remote text.

Policy, in the order it is applied:

1. ``bytes`` are decoded as UTF-8, invalid sequences become U+FFFD; lone surrogates in a
   ``str`` become U+FFFD as well.
2. Whole escape sequences go, payload included: CSI (``ESC [`` / U+009B), the string
   sequences OSC, DCS, SOS, PM and APC (``ESC ] P X ^ _`` / U+009D U+0090 U+0098 U+009E
   U+009F) up to BEL, ST (``ESC \\`` / U+009C), CAN or SUB, and two-character ``ESC x``
   sequences.  An unterminated string sequence loses only the rest of its line, so one
   stray byte in a pasted log cannot swallow a whole message.
3. ``\\r\\n``, lone ``\\r``, VT, FF, NEL (U+0085) and U+2028/U+2029 become ``\\n``.
4. Every other C0 control but ``\\n`` and ``\\t``, DEL and every C1 control is dropped.
   Dropping backspace and turning ``\\r`` into a line break defeats overstrike and
   "print, carriage-return, overprint" tricks: the agent sees both texts.
5. Invisible format characters (Unicode category Cf) are dropped: bidi embeddings,
   overrides and isolates (Trojan Source), LRM/RLM/ALM, zero-width space, word joiner,
   BOM, soft hyphen, and tag characters (invisible "ASCII smuggling"), plus the Hangul
   fillers that render as blank letters.  Kept on purpose: ZWNJ/ZWJ (Persian and Indic
   spelling, emoji sequences), the visible Arabic/Syriac number marks, and tag characters
   inside an emoji subdivision flag such as England's.  Plain RTL letters are untouched.
6. Tabs are expanded to 4-column stops (``clean_text``) or collapse with newlines into one
   space (``clean_line``).
"""

import functools
import re
from types import MappingProxyType

_TAB_SIZE = 4

_INTRODUCERS = "\x1b\x90\x98\x9b\x9d\x9e\x9f"

# String sequences end at BEL (xterm's OSC form), ST, or are aborted by CAN/SUB (ECMA-48).
# Possessive quantifiers keep a long unterminated payload linear to scan; the leading
# lookahead lets sre skip ahead to an introducer instead of trying every branch everywhere.
_SEQUENCE = re.compile(
    r"(?=[\x1b\x90\x98\x9b\x9d\x9e\x9f])(?:"
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])"
    r"(?:[^\x07\x18\x1a\x1b\x9c]*+(?:\x07|\x1b\\|[\x9c\x18\x1a])|[^\x07\x18\x1a\x1b\x9c\n]*+)"
    r"|(?:\x1b\[|\x9b)[\x30-\x3f]*+[\x20-\x2f]*+[\x40-\x7e]?"
    r"|\x1b[\x20-\x2f]*+[\x30-\x7e]"
    r")"
)

# An emoji subdivision flag is U+1F3F4, tag letters, then CANCEL TAG; all other tags go.
_TAG = re.compile(r"(\U0001F3F4[\U000E0020-\U000E007E]{1,16}\U000E007F)|[\U000E0000-\U000E007F]")

_LINE_BREAKS = "\x0b\x0c\x85\u2028\u2029"

# (first, last) code point ranges that are dropped outright.
_DROPPED_RANGES = (
    (0x00, 0x08),
    (0x0E, 0x1F),  # \t \n \v \f \r are handled separately
    (0x7F, 0x84),
    (0x86, 0x9F),  # U+0085 NEL is a line break
    (0x00AD, 0x00AD),  # soft hyphen
    (0x061C, 0x061C),  # Arabic letter mark
    (0x180E, 0x180E),  # Mongolian vowel separator
    (0x200B, 0x200B),  # zero-width space
    (0x200E, 0x200F),  # LRM, RLM
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x2064),  # word joiner, invisible operators
    (0x2066, 0x206F),  # bidi isolates, deprecated format characters
    (0x3164, 0x3164),  # Hangul filler: a blank "letter"
    (0xFEFF, 0xFEFF),  # BOM / zero-width no-break space
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xFFF9, 0xFFFB),  # interlinear annotation controls
    (0x13430, 0x1343F),  # Egyptian hieroglyph format controls
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical symbol format controls
)


def _build_table() -> dict[int, str | None]:
    """Return the str.translate table for per-character clean-up."""
    table: dict[int, str | None] = {}
    for first, last in _DROPPED_RANGES:
        table.update(dict.fromkeys(range(first, last + 1)))
    table.update(dict.fromkeys(map(ord, _LINE_BREAKS + "\r"), "\n"))
    table.update(dict.fromkeys(range(0xD800, 0xE000), "\ufffd"))
    return table


_TABLE = MappingProxyType(_build_table())


def _ranges_of(codes: set[int]) -> str:
    """Return regex class ranges covering exactly the code points in codes."""
    parts: list[str] = []
    ordered = sorted(codes)
    start = previous = ordered[0]
    for code in [*ordered[1:], -1]:
        if code != previous + 1:
            parts.append(re.escape(chr(start)) + ("-" + re.escape(chr(previous)) if previous > start else ""))
            start = code
        previous = code
    return "".join(parts)


def _ranges_outside(codes: set[int]) -> str:
    """Return regex class ranges covering every code point not in codes."""
    parts, start = [], 0
    for code in sorted(codes) + [0x110000]:
        if code > start:
            parts.append(re.escape(chr(start)) + "-" + re.escape(chr(code - 1)))
        start = code + 1
    return "".join(parts)


_WORK_CODES = set(_TABLE) | {ord("\t")} | set(range(0xE0000, 0xE0080))
_WORK_CLASS = "[^" + _ranges_outside(_WORK_CODES) + "]"
# The same characters as a positive class: sre compiles it in ~0.5 ms where the form above
# takes ~12 ms, but scans about 4 times slower (~30 ns a character against ~7).
_SHORT_WORK_CLASS = "[" + _ranges_of(_WORK_CODES) + "]"
# Non-ASCII characters a process scans with the positive class before it compiles the fast
# one: ~23 ms of slower scanning, about what compiling the fast one costs. A command cleaning a
# page of subjects and names pays 1 ms of compiling instead of 24; printing a whole inbox, or
# the app, or one long body switches to the fast scan (results are the same either way).
_SHORT_SCAN_BUDGET = 1_000_000
_short_scan_left = _SHORT_SCAN_BUDGET
_ASCII_WORK_CLASS = "[\x00-\x09\x0b-\x1f\x7f]"
# Searching for one character keeps sre's fast charset scan, which "+" would disable; the
# class is spelled "not outside the set" because sre scans that form several times faster
# than the positive class once astral ranges are in it.  ASCII text needs only five ranges.
_ASCII_WORK = re.compile(_ASCII_WORK_CLASS)
# Substitution works on runs so that a flood of NULs costs one call, not one per byte.
_ASCII_WORK_RUN = re.compile(_ASCII_WORK_CLASS + "+")


@functools.cache
def _work_patterns(short: bool) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(one character, a run) of the full class, compiled when first needed (ASCII text, most
    of a script's output, needs only the five ranges above): ``short`` the positive class, else
    the "not outside" form, which sre spells out code point by code point (~12 ms to compile,
    twice), for its fast scan. The two are the same characters: tests/test_content_sanitize.py
    compares them over every code point."""
    work_class = _SHORT_WORK_CLASS if short else _WORK_CLASS
    return re.compile(work_class), re.compile(work_class + "+")


def _non_ascii_patterns(length: int) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The positive class while the process has scanned little non-ASCII text, then the fast one.
    (Threads may race on the count: either class gives the same result.)"""
    global _short_scan_left
    if length <= _short_scan_left:
        _short_scan_left -= length
        return _work_patterns(True)
    _short_scan_left = 0
    return _work_patterns(False)
_TAG_CHAR = re.compile("[\U000E0000-\U000E007F]")

_LINE_WHITESPACE = re.compile(r"[ \t\n]*[\t\n][ \t\n]*")


def _to_str(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    # Remote JSON sometimes sends numbers where strings are expected.
    return str(value)


def _translate_run(match: re.Match[str]) -> str:
    return match.group().translate(_TABLE)


def _clean(text: str, expand_tabs: bool) -> str:
    ascii_only = text.isascii()
    work, work_run = (_ASCII_WORK, _ASCII_WORK_RUN) if ascii_only else _non_ascii_patterns(len(text))
    if not work.search(text):
        return text
    # Scanning for one introducer at a time is memchr-fast; the alternation is not.
    if any(intro in text for intro in _INTRODUCERS):
        text = _SEQUENCE.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if not ascii_only and _TAG_CHAR.search(text):
        text = _TAG.sub(lambda match: match.group(1) or "", text)
    text = work_run.sub(_translate_run, text)
    if expand_tabs and "\t" in text:
        text = text.expandtabs(_TAB_SIZE)
    return text


def clean_text(value: str | bytes | None) -> str:
    """Return multi-line untrusted text with control sequences and spoofing characters removed."""
    return _clean(_to_str(value), expand_tabs=True)


def clean_line(value: str | bytes | None) -> str:
    """Return untrusted text as one stripped line, each run of newlines and tabs one space."""
    text = _clean(_to_str(value), expand_tabs=False)
    if "\n" in text or "\t" in text:
        text = _LINE_WHITESPACE.sub(" ", text)
    return text.strip()
