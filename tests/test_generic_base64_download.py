"""An attachment served as base64 inside JSON (``download: {base64: PATH}`` under a message
part's attachments) downloads as its bytes, checked against the listed size."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import httpx
import pytest

from helpdesk_tui.sync import errors
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.generic.backend import GenericBackend
from helpdesk_tui.sync.http import RetryPolicy

DATA = bytes(range(256)) * 40
MAPPING = """\
format: 1
label: Files
base_url: "{account.url}"
auth: {type: none}
tickets:
  request: {path: /tickets}
  records: tickets
  fields: {remote_id: id, number: id, subject: subject, created_at: at, updated_at: at}
messages:
  - request: {path: "/tickets/{ticket.remote_id}/messages"}
    records: messages
    fields:
      remote_id: id
      body: text
      created_at: at
      attachments:
        records: files
        fields: {remote_id: id, name: name, size: size, url: link}
        DOWNLOAD
"""


def handler(size: int) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/tickets/1/messages":
            return httpx.Response(200, json={"messages": [{
                "id": 5, "text": "see the file", "at": "2026-12-07T13:00:00Z",
                "files": [{"id": 9, "name": "dump.bin", "size": size, "link": "/files/9/data"}]}]})
        if request.url.path == "/files/9/data":
            return httpx.Response(200, content=json.dumps({"content": {"bytes": base64.b64encode(DATA).decode()}}))
        return httpx.Response(404, json={})
    return httpx.MockTransport(answer)


def backend(tmp_path: Path, download: str, size: int = len(DATA)) -> GenericBackend:
    path = tmp_path / "files.yaml"
    path.write_text(MAPPING.replace("DOWNLOAD", download), encoding="utf-8")
    account = AccountSettings(name="files", url="https://files.example.com", user=None, token="t",
                              options={"mapping": str(path)})
    client = GenericBackend.make_client(account, transport=handler(size), sleep=lambda s: None,
                                        policy=RetryPolicy(attempts=1, base_delay=0.0, max_delay=0.0, timeout=5))
    return GenericBackend(account, client)


def test_the_bytes_are_decoded_from_the_json_answer(tmp_path: Path) -> None:
    desk = backend(tmp_path, "download: {base64: content.bytes}")
    [message] = desk.fetch_thread("1")
    [meta] = message.attachments
    sink, heard = io.BytesIO(), []
    desk.download_attachment(meta, sink, lambda done, total: heard.append((done, total)))
    assert sink.getvalue() == DATA and heard[-1] == (len(DATA), len(DATA))


def test_without_download_the_answer_is_taken_as_the_file(tmp_path: Path) -> None:
    desk = backend(tmp_path, "", size=0)
    [message] = desk.fetch_thread("1")
    sink = io.BytesIO()
    desk.download_attachment(message.attachments[0], sink)
    assert sink.getvalue().startswith(b'{"content"')


def test_bytes_that_do_not_match_the_listed_size_are_refused(tmp_path: Path) -> None:
    desk = backend(tmp_path, "download: {base64: content.bytes}", size=len(DATA) + 1)
    [message] = desk.fetch_thread("1")
    with pytest.raises(errors.BadResponse):
        desk.download_attachment(message.attachments[0], io.BytesIO())


def test_an_unknown_download_key_is_named(tmp_path: Path) -> None:
    with pytest.raises(errors.BadResponse, match=r"line 19, key '.*attachments\.download\.raw'"):
        backend(tmp_path, "download: {raw: content}")
