"""HttpClient.download: streamed into a file with progress, retried from the start, redirects
followed with credentials only for the account's own origin, a cap on size."""

from __future__ import annotations

import io

import httpx
import pytest

from helpdesk_tui.sync import errors
from helpdesk_tui.sync.auth import TokenAuth
from helpdesk_tui.sync.http import HttpClient, RetryPolicy

DATA = bytes(range(256)) * 4096  # 1 MiB


def client(handler, **kw) -> tuple[HttpClient, list[float]]:
    waits: list[float] = []
    c = HttpClient("https://help.example/api", auth=TokenAuth("s3cret"), transport=httpx.MockTransport(handler),
                   sleep=waits.append, policy=RetryPolicy(attempts=3, base_delay=0.1), **kw)
    return c, waits


def test_the_bytes_stream_into_the_file_with_progress_towards_the_length():
    c, _ = client(lambda request: httpx.Response(200, content=DATA))
    sink, heard = io.BytesIO(), []
    assert c.download("/files/1", sink, progress=lambda d, t: heard.append((d, t))) == len(DATA)
    assert sink.getvalue() == DATA
    assert heard[-1] == (len(DATA), len(DATA)) and len(heard) > 1
    assert [d for d, _ in heard] == sorted(d for d, _ in heard)


def test_a_503_then_a_whole_answer_keeps_only_the_whole_answer():
    answers = iter([httpx.Response(503), httpx.Response(200, content=DATA)])
    c, waits = client(lambda request: next(answers))
    sink = io.BytesIO(b"left over from before")
    c.download("/files/1", sink)
    assert sink.getvalue() == DATA and len(waits) == 1


def test_credentials_go_to_the_accounts_origin_and_never_where_a_redirect_points():
    seen: list[tuple[str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((str(request.url), request.headers.get("authorization")))
        if request.url.host == "help.example" and request.url.path == "/attachments/token/abc/":
            return httpx.Response(302, headers={"Location": "https://storage.example/blob/abc?sig=1"})
        if request.url.host == "storage.example":
            return httpx.Response(200, content=b"file")
        return httpx.Response(404)

    c, _ = client(handler, headers={"Authorization": "Bearer also-secret"})
    sink = io.BytesIO()
    c.download("https://help.example/attachments/token/abc/?name=a.png", sink)
    assert sink.getvalue() == b"file"
    assert seen[0] == ("https://help.example/attachments/token/abc/?name=a.png", "Bearer s3cret")
    assert seen[1] == ("https://storage.example/blob/abc?sig=1", None)


def test_a_stranger_url_on_another_origin_gets_no_credentials_not_even_over_plain_http():
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return httpx.Response(200, content=b"x")

    c, _ = client(handler)
    c.download("http://help.example/file", io.BytesIO())  # same host, but not https: another origin
    c.download("https://evil.example/file", io.BytesIO())
    assert seen == [None, None]


def test_a_redirect_loop_and_a_file_over_the_cap_are_one_sentence_each():
    c, _ = client(lambda request: httpx.Response(302, headers={"Location": "/again"}))
    with pytest.raises(errors.BadResponse, match="redirected a download too many times"):
        c.download("/loop", io.BytesIO())
    c, _ = client(lambda request: httpx.Response(200, content=DATA))
    with pytest.raises(errors.BadResponse, match=r"larger than 0 MB"):
        c.download("/big", io.BytesIO(), max_bytes=1000)


def test_a_missing_file_is_not_found_and_offline_is_unreachable():
    c, _ = client(lambda request: httpx.Response(404))
    with pytest.raises(errors.NotFound):
        c.download("/gone", io.BytesIO())

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    c, _ = client(refuse)
    with pytest.raises(errors.Unreachable):
        c.download("/files/1", io.BytesIO())
