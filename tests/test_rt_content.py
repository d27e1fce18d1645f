"""RT's attachment JSON (base64 ``Content``) decoded block by block: the same bytes as json.load
would give, whatever the block size, and False (never a wrong file) for what it cannot read."""

from __future__ import annotations

import base64
import io
import json
import os

import pytest

from helpdesk_tui.sync.backends import rt_content


def rt_base64(data: bytes) -> str:
    """As RT's Perl MIME::Base64 writes it: lines of 76 characters, each ending in a newline."""
    text = base64.b64encode(data).decode()
    return "".join(text[i:i + 76] + "\n" for i in range(0, len(text), 76))


@pytest.mark.parametrize("size", [0, 1, 2, 3, 57, 1000, 300_007])
@pytest.mark.parametrize("block", [5, 64, 4096, 1 << 20])
@pytest.mark.parametrize("escaped_slashes", [False, True])
def test_the_content_decodes_to_the_same_bytes(monkeypatch, size, block, escaped_slashes):
    monkeypatch.setattr(rt_content, "BLOCK", block)
    data = os.urandom(size)
    # A file name that looks like the key must not be taken for it.
    text = json.dumps({"Filename": 'x", "Content": "QUJD', "Content": rt_base64(data), "ContentType": "a/b"})
    if escaped_slashes:
        text = text.replace("/", "\\/")
    sink = io.BytesIO()
    assert rt_content.stream_content(io.BytesIO(text.encode()), sink)
    assert sink.getvalue() == data


@pytest.mark.parametrize("answer", [
    b'{"Content": null}', b'{"id": 3}', b'{"Content": "QUJD\\u0041"}', b'{"Content": "QUJDRA', b'{"Content": "QUJDR"}',
])
def test_what_it_cannot_read_is_false_and_leaves_the_sink_empty(answer):
    sink = io.BytesIO()
    assert not rt_content.stream_content(io.BytesIO(answer), sink)
    assert sink.getvalue() == b""
