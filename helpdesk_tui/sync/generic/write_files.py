"""The files of one write, readied the way the mapping says they travel.

- ``multipart``: one file part per file beside the step's form fields, in the same request.
- ``base64``: ``{attachments}``, one ``item`` per file with ``{file.data|base64}``, inside the
  step's JSON: the files land with the message or not at all.
- ``upload_token``: each file first to ``upload`` (its bytes as the body, a multipart part
  named ``field``, or ``{file.data|base64}`` in a JSON body), which answers a token; then
  ``{uploads}`` names the tokens. A token is kept in the attachment's memo and used again
  while ``token_life`` says it is valid, so a message sent again after a lost answer does not
  upload (and attach) the same file twice.

Everything here happens before the message's own request: a file that cannot be read, or an
upload refused, stops the write with nothing of the message sent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from helpdesk_tui.sync import errors
from helpdesk_tui.sync.commands import Attachment
from helpdesk_tui.sync.generic.requests import FilePart, Requester
from helpdesk_tui.sync.generic.writes_spec import Attachments

# A kept token this close to the end of its life is not trusted to outlive the message.
_MARGIN_SHARE = 6


@dataclass
class ReadyFiles:
    """What the steps get: ``context`` (``attachments`` / ``uploads`` lists, None without
    files) and ``parts`` for a multipart body."""

    context: dict[str, Any] = field(default_factory=lambda: {"attachments": None, "uploads": None})
    parts: list[FilePart] = field(default_factory=list)


def file_context(attachment: Attachment, *, data: bool) -> dict[str, Any]:
    """``{file.name}``, ``{file.media_type}``, ``{file.size}`` (and ``{file.data}``, the bytes)."""
    context: dict[str, Any] = {"name": attachment.name, "media_type": attachment.media_type,
                               "size": attachment.size}
    if data:
        context["data"] = attachment.content()
    return context


def ready_files(spec: Attachments, files: Sequence[Attachment], requester: Requester, extra: Mapping[str, Any], *,
                memo_key: str, label: str, clock: Callable[[], float] = time.time) -> ReadyFiles:
    """The files of a write in the mapping's way (``extra``: the write's context so far)."""
    ready = ReadyFiles()
    if not files:
        return ready
    if spec.type == "multipart":
        ready.parts = [(spec.field, (f.name, f.content(), f.media_type)) for f in files]
    elif spec.type == "base64" and spec.item is not None:
        ready.context["attachments"] = [spec.item.render({**extra, "file": file_context(f, data=True)})
                                        for f in files]
    elif spec.type == "upload_token" and spec.item is not None:
        items = []
        for f in files:
            token = _token(spec, f, requester, extra, memo_key=memo_key, label=label, clock=clock)
            items.append(spec.item.render({**extra, "file": file_context(f, data=False), "token": token}))
        ready.context["uploads"] = items
    else:
        raise errors.NotSupported(f"{label} takes no attachments: send the message without the files.")
    return ready


def _token(spec: Attachments, attachment: Attachment, requester: Requester, extra: Mapping[str, Any], *,
           memo_key: str, label: str, clock: Callable[[], float]) -> Any:
    now = clock()
    kept = attachment.memo.recall(memo_key) or {}
    if kept.get("token") and _still_valid(kept.get("expires"), now, spec.token_life):
        return kept["token"]
    assert spec.upload is not None and spec.token is not None  # parse_writes gives both
    # An upload nothing names yet is harmless when repeated (the helpdesk drops unused ones):
    # it may be retried like a read.
    kind = spec.upload.body_kind
    if kind is None:  # the bytes are the body
        headers = {} if spec.upload.content_type else {"Content-Type": "application/octet-stream"}
        answer = requester.send(spec.upload, {**extra, "file": file_context(attachment, data=False)},
                                body_override=attachment.content(), idempotent=True, extra_headers=headers)
    elif kind == "multipart":  # a file part beside the upload's own fields
        part: FilePart = (spec.field, (attachment.name, attachment.content(), attachment.media_type))
        answer = requester.send(spec.upload, {**extra, "file": file_context(attachment, data=False)},
                                files=[part], idempotent=True)
    else:  # JSON or a form carrying {file.data|base64}
        answer = requester.send(spec.upload, {**extra, "file": file_context(attachment, data=True)}, idempotent=True)
    token = spec.token(answer.body)
    if token is None or token == "":
        raise errors.BadResponse(f"{label} answered the upload of {attachment.name} without a token: check "
                                 "writes.attachments.upload.token in the mapping.")
    attachment.memo.remember(memo_key, {"token": str(token), "expires": str(int(now + spec.token_life))})
    return token


def _still_valid(expires: str | None, now: float, life: int) -> bool:
    try:
        return float(expires or 0) - life / _MARGIN_SHARE > now
    except ValueError:
        return False
