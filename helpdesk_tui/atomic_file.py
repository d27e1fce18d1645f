"""Replacing a file in one step: a crash or a full disk leaves the old file or the new one, never half.

The one helper behind every file we write whole (the settings file, the app's state, a
report given ``--output``). It imports nothing of ours, so any layer may use it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomic(path: Path, text: str, *, mode: int = 0o600,
                 check: Callable[[Path], None] | None = None) -> None:
    """Write ``text`` (UTF-8, newlines as given) to ``path`` through a temporary file renamed over it.

    The temporary file sits in the same directory (so ``os.replace`` is atomic), is flushed to
    disk first and gets ``mode``; ``check(temporary)`` may refuse it by raising, which leaves
    ``path`` as it was. The temporary file never outlives a failure. Raises ``OSError``.
    """
    # mkstemp creates the file with mode 0600: nothing can read it before the chmod below.
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        if check is not None:
            check(temp)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
