"""The attachment bytes folder on disk: which files were used last, and keeping it under its cap.

Recency is each file's modification time, set to now whenever the file is used (downloaded,
opened, saved). Not atime: most systems mount with relatime or noatime, so reads do not move
it. Not a table in the cache: the folder alone is then the whole truth about what is cached
(no row to fall out of step with a file deleted by hand, no schema change), and the bytes
are never rewritten after their download, so their mtime has no other use.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PARTIAL_PREFIX = ".partial-"  # a download under way: never counted, never listed as cached
STALE_PARTIAL = 24 * 3600  # seconds after which a partial file is a crash's leftover


def touch(path: Path) -> None:
    """Mark ``path`` as just used."""
    try:
        os.utime(path)
    except OSError:
        pass  # a read-only folder: the file still opens, only its place in the order is old


def _files(folder: Path) -> list[tuple[float, int, Path]]:
    out = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    now = time.time()
    for entry in entries:
        try:
            stat = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if entry.name.startswith(PARTIAL_PREFIX):
            if now - stat.st_mtime > STALE_PARTIAL:
                Path(entry.path).unlink(missing_ok=True)
            continue
        if entry.is_file(follow_symlinks=False):
            out.append((stat.st_mtime, stat.st_size, Path(entry.path)))
    return out


def used_bytes(folder: Path) -> int:
    return sum(size for _, size, _ in _files(folder))


def evict(folder: Path, cap_bytes: int, keep: Path | None = None) -> list[Path]:
    """Remove the least recently used files until the folder holds at most ``cap_bytes``; never
    ``keep`` (the file just downloaded: one larger than the cap stays, the agent asked for it).
    Returns the files removed."""
    files = sorted(_files(folder))
    total = sum(size for _, size, _ in files)
    removed = []
    for _, size, path in files:
        if total <= cap_bytes:
            break
        if keep is not None and path == keep:
            continue
        try:
            path.unlink()
        except OSError:
            continue
        total -= size
        removed.append(path)
    return removed
