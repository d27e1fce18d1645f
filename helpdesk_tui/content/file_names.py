"""A stranger's file name made safe: to show (display_name) and, later, to save (safe_save_name).

A file name from a helpdesk is untrusted text like a body: it can carry terminal escapes,
bidi overrides that make ``invoice\\u202egpj.exe`` read as ``invoiceexe.jpg``, path
separators that point outside a folder, names Windows reserves, or 300 characters that push
everything else off the line.
"""

from __future__ import annotations

import re
import unicodedata

from rich.cells import cell_len

# Bidi embeddings/overrides/isolates and marks: they reorder what the eye sees.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# Invisible characters that can hide a part of a name (a zero-width space before ".exe").
_INVISIBLE = frozenset("\u200b\u2060\ufeff")
_SEPARATORS = {"/": "\u2215", "\\": "\u29f5"}  # division slash, reverse solidus operator: no directories
DISPLAY_LIMIT = 80  # terminal cells of a name shown before its middle is cut
SAVE_LIMIT_BYTES = 200  # below the usual 255-byte limit, leaving room for " (2)" and the like
NO_NAME = "(no name)"
SAVE_FALLBACK = "attachment"

# Extensions that look like a document; one of them before the real extension is a disguise.
_DOCUMENT_LOOKS = frozenset({"pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "jpg", "jpeg", "png",
                             "gif", "webp", "csv", "odt", "ods", "zip", "mp3", "mp4", "mov", "html", "htm"})
_WINDOWS_RESERVED = frozenset({"con", "prn", "aux", "nul", "conin$", "conout$",
                               *(f"com{i}" for i in "123456789¹²³"), *(f"lpt{i}" for i in "123456789¹²³")})
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"|?*/\\]')
_SPACES_BEFORE_EXTENSION = re.compile(r"\s{3,}\.[^.\s]+$")


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc"


def extension(name: str) -> str:
    """The real extension (what the system goes by): the text after the last dot, lower case."""
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem.strip(". ") and ext and " " not in ext else ""


def _disguised(raw: str, shown: str) -> bool:
    """Does the name look like it ends otherwise than it does?"""
    ext = extension(shown)
    if not ext:
        return False
    if any(ch in BIDI_CONTROLS or ch in _INVISIBLE for ch in raw):
        return True
    if _SPACES_BEFORE_EXTENSION.search(shown):
        return True
    inner = extension(shown[: -len(ext) - 1])
    return inner in _DOCUMENT_LOOKS and ext not in _DOCUMENT_LOOKS


def _cut_middle(name: str, limit: int) -> str:
    """At most ``limit`` terminal cells (a CJK character takes two), the middle replaced by "…",
    the extension kept."""
    if cell_len(name) <= limit:
        return name
    ext = extension(name)
    tail_cells = min(max(len(ext) + 1 + 6, limit // 3) if ext else limit // 3, limit - 2)
    head_cells = limit - 1 - tail_cells
    head, used = [], 0
    for ch in name:
        used += cell_len(ch)
        if used > head_cells:
            break
        head.append(ch)
    tail, used = [], 0
    for ch in reversed(name):
        used += cell_len(ch)
        if used > tail_cells:
            break
        tail.append(ch)
    return "".join(head) + "…" + "".join(reversed(tail))


def display_name(name: str, *, limit: int = DISPLAY_LIMIT) -> str:
    """``name`` as one safe line of text: no control or bidi characters, separators shown as
    characters, a long name cut in the middle with its extension kept, and a name whose real
    extension differs from how it looks marked with it ("invoice.pdf.exe (really .exe)")."""
    raw = str(name)
    chars = []
    for ch in unicodedata.normalize("NFC", raw):
        if ch in BIDI_CONTROLS or ch in _INVISIBLE:
            continue
        if _is_control(ch):
            chars.append("\ufffd")  # something was there: show that, not what it did
        else:
            chars.append(_SEPARATORS.get(ch, ch))
    shown = "".join(chars).strip()
    if not shown:
        return NO_NAME
    mark = f" (really .{extension(shown)})" if _disguised(raw, shown) else ""
    return _cut_middle(shown, max(12, limit - len(mark))) + mark


def safe_save_name(name: str) -> str:
    """A file name to save ``name`` under in a chosen folder: one component (no separators, no
    ``..``, not absolute), no control or bidi characters, no leading dots or dashes (no hidden
    file, no option), none of the names Windows reserves, at most SAVE_LIMIT_BYTES in UTF-8."""
    text = unicodedata.normalize("NFC", str(name))
    text = "".join("_" if _is_control(ch) else ch for ch in text if ch not in BIDI_CONTROLS and ch not in _INVISIBLE)
    text = _WINDOWS_FORBIDDEN.sub("_", text)
    text = re.sub(r"\s+", " ", text)
    text = text.lstrip(" .-_").rstrip(" .")  # Windows drops trailing dots and spaces
    if not text:
        return SAVE_FALLBACK
    stem = text.split(".", 1)[0].rstrip(" ").lower()
    if stem in _WINDOWS_RESERVED:
        text = "_" + text
    return _cap_bytes(text, SAVE_LIMIT_BYTES)


def _cap_bytes(name: str, limit: int) -> str:
    """``name`` cut to ``limit`` UTF-8 bytes, from the end of its stem so the extension stays."""
    if len(name.encode("utf-8")) <= limit:
        return name
    ext = extension(name)
    suffix = f".{ext}" if ext and len(ext) <= 16 else ""
    stem = name[: len(name) - len(suffix)] if suffix else name
    room = limit - len(suffix.encode("utf-8"))
    cut = stem.encode("utf-8")[:room].decode("utf-8", errors="ignore").rstrip(" .")
    return (cut or SAVE_FALLBACK) + suffix
