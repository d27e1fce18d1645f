"""Uploads and attachments of the fake Zendesk, as developer.zendesk.com describes them.

- ``POST /api/v2/uploads?filename=NAME[&token=TOKEN]``: the file's bytes as the body, its type
  in ``Content-Type``; answers 201 ``{"upload": {"token", "expires_at", "attachments": [...],
  "attachment": {...}}}``. ``token`` adds the file to an upload already begun. ``filename`` is
  required.
- A token is valid for 60 minutes; a comment names tokens in ``uploads`` and gets their
  attachments (``id``, ``file_name``, ``content_url``, ``content_type``, ``size``, ``inline``,
  ``deleted``). A token that is unknown or expired is refused (422) before anything changes.
- ``GET content_url`` answers the bytes (Zendesk redirects to its file store; served here).
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.zendesk_base import ApiError, invalid, iso

TOKEN_LIFE = 60 * 60


@dataclass
class Upload:
    token: str
    expires: int
    attachments: list[dict[str, Any]] = field(default_factory=list)


class Uploads:
    def __init__(self, ids: itertools.count, files: dict[str, tuple[bytes, str]]) -> None:
        self._ids = ids
        self.by_token: dict[str, Upload] = {}
        self.files = files  # content token → (bytes, content type): the fake's one file store
        self.base_url = "http://127.0.0.1"

    def upload(self, filename: str, content_type: str, data: bytes, now: int, token: str | None) -> dict[str, Any]:
        if not filename:
            raise ApiError(400, {"error": "InvalidValue", "description": "filename is required"})
        upload = self.by_token.get(token or "")
        if token and (upload is None or upload.expires <= now):
            raise ApiError(404, {"error": "RecordNotFound", "description": "Not found"})
        if upload is None:
            upload = self.by_token.setdefault(secrets.token_hex(8), Upload("", now + TOKEN_LIFE))
            upload.token = next(t for t, u in self.by_token.items() if u is upload)
        content_token = secrets.token_hex(12)
        self.files[content_token] = (data, content_type or "application/binary")
        attachment = {
            "id": next(self._ids), "file_name": filename, "content_type": content_type or "application/binary",
            "content_url": f"{self.base_url}/attachments/token/{content_token}/?name={filename}",
            "mapped_content_url": f"{self.base_url}/attachments/token/{content_token}/?name={filename}",
            "size": len(data), "inline": False, "deleted": False, "malware_scan_result": "malware_not_found",
            "thumbnails": [],
        }
        upload.attachments.append(attachment)
        return {"upload": {"token": upload.token, "expires_at": iso(upload.expires),
                           "attachments": list(upload.attachments), "attachment": attachment}}

    def check(self, tokens: Any, now: int) -> None:
        """Refuse a comment naming a token that is not a valid upload (before anything changes)."""
        if tokens is None:
            return
        if not isinstance(tokens, list):
            raise invalid("uploads", "Uploads must be a list of tokens")
        for token in tokens:
            upload = self.by_token.get(str(token))
            if upload is None or upload.expires <= now:
                raise invalid("uploads", f"Upload token {token} is invalid or has expired")

    def attachments_of(self, tokens: Any) -> list[dict[str, Any]]:
        """The attachments a comment gets from its ``uploads`` (checked with ``check`` first)."""
        out: list[dict[str, Any]] = []
        for token in tokens or ():
            out.extend(dict(a) for a in self.by_token[str(token)].attachments)
        return out

    def content(self, content_token: str) -> bytes:
        if content_token not in self.files:
            raise ApiError(404, {"error": "RecordNotFound", "description": "Not found"})
        return self.files[content_token][0]
