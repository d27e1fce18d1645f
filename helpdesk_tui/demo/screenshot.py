"""The bytes of the demo's ``screenshot.png``: a small picture of a browser showing an error page.

The demo helpdesk has no server to download from, so its screenshot is drawn here, the same
bytes every time, and padded (in a private ancillary PNG chunk, which viewers skip) to the
size the demo's metadata announces, so "136 KB" in the thread is what lands in the cache.
"""

from __future__ import annotations

import struct
import zlib

WIDTH, HEIGHT = 480, 300
_PAD_CHUNK = b"hdPd"  # ancillary, private, safe to copy: ignored by every decoder

Colour = tuple[int, int, int]
# (left, top, right, bottom, colour), painted in order over a white page.
_SHAPES: tuple[tuple[int, int, int, int, Colour], ...] = (
    (0, 0, WIDTH, 28, (222, 225, 230)),  # the browser's tab strip
    (10, 8, 22, 20, (237, 106, 94)), (28, 8, 40, 20, (245, 191, 79)), (46, 8, 58, 20, (98, 197, 84)),
    (70, 6, 400, 22, (255, 255, 255)),  # the address bar
    (78, 11, 250, 17, (150, 150, 160)),
    (0, 28, WIDTH, 30, (200, 200, 205)),
    (40, 60, 440, 120, (198, 40, 40)),  # the error banner
    (60, 78, 300, 90, (255, 235, 235)), (60, 98, 380, 104, (255, 205, 205)),
    (40, 140, 380, 150, (90, 90, 100)), (40, 160, 420, 168, (160, 160, 170)),
    (40, 176, 400, 184, (160, 160, 170)), (40, 192, 300, 200, (160, 160, 170)),
    (40, 230, 160, 260, (33, 110, 200)),  # a "Try again" button
    (56, 241, 144, 249, (230, 240, 255)),
)


def _pixels() -> bytes:
    rows = [bytearray(b"\xff" * (WIDTH * 3)) for _ in range(HEIGHT)]
    for left, top, right, bottom, colour in _SHAPES:
        run = bytes(colour) * (right - left)
        for y in range(top, bottom):
            rows[y][left * 3:right * 3] = run
    return b"".join(b"\x00" + bytes(row) for row in rows)  # filter type 0 on every row


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def screenshot_png(size: int | None = None) -> bytes:
    """A valid PNG of the error page; ``size`` bytes long when that is at least the picture's own size."""
    head = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0))
    body = _chunk(b"IDAT", zlib.compress(_pixels(), 9))
    tail = _chunk(b"IEND", b"")
    bare = len(head) + len(body) + len(tail)
    if size is None or size < bare + 12:
        return head + body + tail
    padding = _chunk(_PAD_CHUNK, b"\x00" * (size - bare - 12))
    return head + body + padding + tail
