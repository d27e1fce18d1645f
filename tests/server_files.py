"""Attachment bytes as each test server stores them, read behind the backend's back (for the
tests that compare what arrived with what was attached, sha256 against sha256)."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx


def rt_bytes(http: httpx.Client, attachment_id: str) -> bytes:
    """``GET /attachment/N`` (REST2 base64-encodes the content there)."""
    response = http.get(f"/attachment/{attachment_id}", params={"fields": "Content"})
    assert response.status_code == 200, (response.status_code, response.text[:200])
    return base64.b64decode(response.json()["Content"])


def django_helpdesk_bytes(project: Path, file_url: str) -> bytes:
    """The followup attachment's file under the server's MEDIA_ROOT: the test server's URL
    configuration serves no media (a production site serves it from its web server), so the
    file the server wrote is read where it wrote it."""
    path = unquote(urlsplit(file_url).path)
    assert path.startswith("/media/"), file_url
    stored = project / "media" / path.removeprefix("/media/")
    assert stored.is_file(), f"django-helpdesk stored no file at {stored}"
    return stored.read_bytes()


def zendesk_bytes(content_url: str) -> bytes:
    """``GET content_url``, as an agent's browser would (Zendesk redirects to its file store)."""
    response = httpx.get(content_url, follow_redirects=True, timeout=30)
    assert response.status_code == 200, (response.status_code, response.text[:200])
    return response.content
