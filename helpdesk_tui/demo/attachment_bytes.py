"""The bytes of the demo workspace's attachments, made on demand.

The demo lists a ``screenshot.png`` of a given size under some customer messages; it has no
server to fetch it from, so its backend makes the file: a real PNG (a small picture a viewer
opens) padded with a private ancillary chunk to exactly the listed size, the same bytes for
the same name and size every time.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WIDTH, HEIGHT = 160, 100


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _picture(seed: bytes) -> tuple[bytes, bytes]:
    """IHDR and IDAT of a small RGB picture: a gradient tinted by ``seed``."""
    tint = seed[:3]
    rows = []
    for y in range(HEIGHT):
        row = bytearray([0])  # filter: none
        for x in range(WIDTH):
            row += bytes(((x * 255 // WIDTH) ^ tint[0], (y * 255 // HEIGHT) ^ tint[1], tint[2]))
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)
    return _chunk(b"IHDR", header), _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))


def demo_png(name: str, size: int) -> bytes:
    """A valid PNG of exactly ``size`` bytes (or its smallest form when ``size`` is less)."""
    seed = hashlib.sha256(f"{name}\0{size}".encode()).digest()
    header, data = _picture(seed)
    end = _chunk(b"IEND", b"")
    bare = _SIGNATURE + header + data + end
    room = size - len(bare) - 12  # a chunk costs 12 bytes beside its data
    if room < 0:
        return bare
    filler = (seed * (room // len(seed) + 1))[:room]
    return _SIGNATURE + header + data + _chunk(b"deMo", filler) + end  # lower case first letter: ancillary


def demo_file(name: str, media_type: str, size: int) -> bytes:
    """What a demo attachment holds: a PNG for pictures, else a text of the listed size."""
    if media_type == "image/png" or name.lower().endswith(".png"):
        return demo_png(name, size)
    line = f"demo attachment {name}\n".encode()
    return (line * (size // len(line) + 1))[:size]
