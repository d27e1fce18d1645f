"""What a backend remembers about an attachment it already uploaded for one outbox item.

Zendesk takes a file in two steps (upload, then a comment naming the upload's token). When
the comment's answer is lost, the item is sent again later, perhaps by another process: the
token obtained the first time is used again, so the file is not uploaded (and attached) twice.
The memo is a small JSON file beside the attachment's private snapshot (``store/outbox_files``);
a backend never touches SQLite.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


class UploadMemo:
    """Values a backend keeps per attachment (``"zendesk"`` → its upload token and expiry)."""

    def recall(self, key: str) -> dict[str, str] | None:
        return None

    def remember(self, key: str, value: dict[str, str]) -> None:
        """Keep ``value`` under ``key`` (the default forgets it: an attachment read from a path
        the agent gave, with no snapshot to keep it beside)."""


class MemoryMemo(UploadMemo):
    def __init__(self) -> None:
        self.values: dict[str, dict[str, str]] = {}

    def recall(self, key: str) -> dict[str, str] | None:
        return self.values.get(key)

    def remember(self, key: str, value: dict[str, str]) -> None:
        self.values[key] = dict(value)


class FileMemo(UploadMemo):
    """The memo kept in ``path`` (written whole through a temporary file, so a crash leaves
    the old memo or the new one, never half of one)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def recall(self, key: str) -> dict[str, str] | None:
        value = self._read().get(key)
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else None

    def remember(self, key: str, value: dict[str, str]) -> None:
        data = self._read()
        data[key] = dict(value)
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except OSError:
            pass  # without the memo a resend uploads again: an unused upload expires on its own
