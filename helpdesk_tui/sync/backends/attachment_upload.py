"""How each helpdesk takes the files of one message, in functions a push of any command
(a reply or note today, a new ticket later) can call.

- Request Tracker REST2: ``Attachments`` in the JSON body of correspond/comment (and of
  ``POST /ticket``), each ``{FileName, FileType, FileContent: base64}``; one request, so the
  files land with the message or not at all.
- django-helpdesk: the followup (``POST /followups/``) as ``multipart/form-data`` with one
  ``attachments`` part per file (its ``FollowUpSerializer`` takes a list of files).
- Zendesk: each file first through ``POST /api/v2/uploads?filename=`` (the bytes as the body,
  ``Content-Type`` the media type) which answers a token, then the comment names the tokens
  in ``uploads``. A token is remembered in the attachment's memo and used again while it is
  valid (Zendesk: 60 minutes), so a comment sent again after a lost answer does not upload,
  and attach, the file a second time.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Sequence
from typing import Any

from helpdesk_tui.sync import errors
from helpdesk_tui.sync.commands import Attachment
from helpdesk_tui.sync.http import HttpClient

ZENDESK_TOKEN_LIFE = 60 * 60  # seconds an upload token stays valid (developer.zendesk.com)
_TOKEN_MARGIN = 10 * 60  # a token this close to expiry is not trusted to outlive the comment
_MEMO_KEY = "zendesk"


def rt_attachments(files: Sequence[Attachment]) -> list[dict[str, str]]:
    """The ``Attachments`` list of an RT REST2 JSON body."""
    return [{"FileName": f.name, "FileType": f.media_type,
             "FileContent": base64.b64encode(f.content()).decode("ascii")} for f in files]


def multipart_files(files: Sequence[Attachment], field: str = "attachments") -> list[tuple[str, tuple[str, bytes, str]]]:
    """``files=`` for httpx: one ``field`` part per file (django-helpdesk's followup)."""
    return [(field, (f.name, f.content(), f.media_type)) for f in files]


def form_fields(data: dict[str, Any]) -> dict[str, str]:
    """A JSON-ish body as multipart text fields (booleans as DRF reads them)."""
    out: dict[str, str] = {}
    for key, value in data.items():
        if value is None:
            continue
        out[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out


def zendesk_tokens(client: HttpClient, files: Sequence[Attachment], *, now: float | None = None) -> list[str]:
    """Upload each file to Zendesk (or reuse the token it got before); the tokens, in order."""
    tokens = []
    for f in files:
        clock = time.time() if now is None else now
        kept = f.memo.recall(_MEMO_KEY) or {}
        if kept.get("token") and _still_valid(kept.get("expires"), clock):
            tokens.append(kept["token"])
            continue
        # An upload that nothing references is deleted by Zendesk when its token expires, so
        # repeating one whose answer was lost leaves no trace: it is safe to retry.
        response = client.request("POST", "/api/v2/uploads.json", params={"filename": f.name}, content=f.content(),
                                  headers={"Content-Type": f.media_type}, idempotent=True, expect=(200, 201))
        try:
            token = str(response.json()["upload"]["token"])
        except (ValueError, KeyError, TypeError):
            raise errors.BadResponse(f"Zendesk answered the upload of {f.name} without a token.") from None
        f.memo.remember(_MEMO_KEY, {"token": token, "expires": str(int(clock + ZENDESK_TOKEN_LIFE))})
        tokens.append(token)
    return tokens


def _still_valid(expires: str | None, now: float) -> bool:
    try:
        return float(expires or 0) - _TOKEN_MARGIN > now
    except ValueError:
        return False
