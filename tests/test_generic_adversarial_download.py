"""A file URL at another host gets none of the account's credentials, not even a key the
mapping sends in its own ``headers:`` (rather than ``auth:``), nor the client's cookies."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.test_generic_adversarial_origin import TOKEN, backend, mapping


def test_a_download_does_not_carry_a_token_from_the_mappings_own_headers(tmp_path: Path) -> None:
    """Some APIs take the key in a header the mapping writes under ``headers:`` (not ``auth:``);
    a file URL at another host must not get it either."""
    text = mapping("bearer", "").replace("tickets:\n", 'headers: {X-Desk-Key: "{account.token}"}\ntickets:\n', 1)
    got: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host != "desk.example.com" and TOKEN in repr(dict(request.headers)):
            got.append(str(request.url))
        return httpx.Response(200, content=b"file")

    mapped = backend(tmp_path, text, handler)
    sink = (tmp_path / "f").open("w+b")
    with sink:
        mapped.download_attachment({"url": "https://files.example.org/a.txt", "size": 4}, sink)
    assert got == []
