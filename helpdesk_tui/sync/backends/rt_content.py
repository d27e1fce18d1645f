"""An RT attachment record's ``Content`` (base64 inside JSON) decoded as it is read.

``GET /attachment/N`` answers one JSON object whose ``Content`` is the file base64-encoded: a
50 MB log is a 67 MB string. ``json.load`` would hold the text, the string and the bytes at
once (hundreds of MB); this reads the answer from its temporary file a block at a time, finds
the top-level ``"Content": "`` and decodes the base64 into the sink as it goes. What it does
not recognise (another encoding of the JSON, an escape base64 never needs) makes it answer
False, and the caller falls back to ``json.load``: never a wrong file, at worst more memory.
"""

from __future__ import annotations

import binascii
import re
from typing import IO

BLOCK = 1024 * 1024
# The key itself: a quote not escaped, so "Content" inside another string (\"Content\") is not it.
_KEY = re.compile(rb'(?<!\\)"Content"\s*:\s*"')
_UNICODE_LINE_ESCAPES = re.compile(rb"\\u000[aAdD]")  # another encoder's way to write RT's line breaks
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="


def stream_content(answer: IO[bytes], sink: IO[bytes]) -> bool:
    """Decode the record's ``Content`` from ``answer`` (at its start) into ``sink``; True when
    done, False when the answer is not in the form this reads (``sink`` is then emptied)."""
    start = sink.tell()
    if not _decode(answer, sink):
        sink.seek(start)
        sink.truncate()
        return False
    return True


def _find_key(answer: IO[bytes]) -> bytes | None:
    """Read up to the key; what follows its opening quote (in the block it was found in)."""
    tail = b""
    while block := answer.read(BLOCK):
        data = tail + block
        found = _KEY.search(data)
        if found:
            return data[found.end():]
        tail = data[-64:]  # the key may straddle two blocks
    return None


def _decode(answer: IO[bytes], sink: IO[bytes]) -> bool:
    data = _find_key(answer)
    if data is None:
        return False
    carry, pending = b"", b""
    while True:
        data = carry + data
        end = data.find(b'"')
        piece = data if end < 0 else data[:end]
        carry = b""
        if end < 0:
            cut = piece.rfind(b"\\")
            if cut >= 0 and len(piece) - cut < 6:  # an escape cut in two by the block's end
                carry, piece = piece[cut:], piece[:cut]
        # RT wraps base64 in lines, which JSON writes as \n; plain replaces are the fast path.
        cleaned = piece.replace(b"\\n", b"")
        if b"\\" in cleaned:
            cleaned = _UNICODE_LINE_ESCAPES.sub(b"", cleaned.replace(b"\\r", b"").replace(b"\\/", b"/"))
        if cleaned.translate(None, _ALPHABET):  # anything left is not base64
            return False
        pending += cleaned
        whole = len(pending) - len(pending) % 4
        try:
            sink.write(binascii.a2b_base64(pending[:whole]))
        except binascii.Error:
            return False
        pending = pending[whole:]
        if end >= 0:
            return not pending  # base64 ends on a group of four (padded)
        data = answer.read(BLOCK)
        if not data:
            return False  # the string never ended
