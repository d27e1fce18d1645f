"""Downloading an attachment from the metadata a backend kept for it: the shared pieces."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import IO, Any

import httpx

from helpdesk_tui.sync.errors import NotFound
from helpdesk_tui.sync.http import HttpClient


def listed_size(meta: Mapping[str, Any]) -> int | None:
    """The size the helpdesk listed (what the progress counts towards), None if it did not say."""
    size = meta.get("size")
    return size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None


def file_url(meta: Mapping[str, Any], key: str, site: str, label: str) -> str:
    """The file's address from ``meta[key]``, made absolute against the helpdesk's ``site``
    (a relative one is resolved there, never under the API's path)."""
    raw = meta.get(key)
    if not isinstance(raw, str) or not raw.strip():
        raise NotFound(f"{label} gave no address for this attachment: sync the ticket again.")
    url = httpx.URL(site).join(raw.strip())
    if url.scheme not in ("http", "https"):
        raise NotFound(f"{label} gave an address for this attachment that is not on the web.")
    return str(url)


def download_url(client: HttpClient, meta: Mapping[str, Any], key: str, site: str, label: str, sink: IO[bytes],
                 progress: Callable[[int, int], None] | None) -> None:
    """The bytes at the attachment's file URL into ``sink``."""
    client.download(file_url(meta, key, site, label), sink, expected=listed_size(meta), progress=progress)
