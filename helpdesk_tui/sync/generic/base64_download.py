"""An attachment whose file URL answers JSON with the bytes base64-encoded inside (Help Scout's
``GET …/attachments/{id}/data`` → ``{"data": "…"}``), not the raw file.

A mapping says so under a message part's attachments: ``download: {base64: data}`` (the path of
the encoded bytes in the answer); the attachment's metadata then carries that path
(``base64_at``), so ``download_attachment`` knows how to read the bytes it fetches.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from typing import IO, Any

from helpdesk_tui.sync import errors
from helpdesk_tui.sync.backends.attachment_fetch import file_url, listed_size
from helpdesk_tui.sync.generic.paths import compile_path
from helpdesk_tui.sync.http import HttpClient

KEY = "base64_at"  # the metadata key that holds the path


def download_base64(client: HttpClient, meta: Mapping[str, Any], site: str, label: str, sink: IO[bytes],
                    progress: Callable[[int, int], None] | None) -> None:
    """Fetch the JSON at the attachment's ``url`` and write the decoded bytes into ``sink``."""
    answer = client.get_json(file_url(meta, "url", site, label))
    encoded = compile_path(str(meta[KEY]))(answer)
    try:
        data = base64.b64decode(encoded if isinstance(encoded, str) else "", validate=True)
    except (binascii.Error, ValueError):
        data = b""
    expected = listed_size(meta)
    if not isinstance(encoded, str) or (expected is not None and len(data) != expected):
        raise errors.BadResponse(f"{label} sent an attachment this app cannot read: sync the ticket again.")
    sink.write(data)
    if progress is not None:
        progress(len(data), len(data))
