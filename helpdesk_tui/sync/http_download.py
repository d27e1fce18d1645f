"""Streaming one file's bytes from a helpdesk into a file object, with progress.

``read_answer`` holds a whole answer in memory under a 50 MB cap: right for JSON, wrong for
a 50 MB log. A download is written to the caller's file as it arrives, checked against its
own cap and a deadline that grows with the size expected (a trickling server is still cut
off), and reports ``(bytes done, total)`` after each chunk.

Redirects are followed here, by hand (the client never follows them): a helpdesk's file
URL often answers with a redirect to a storage host, and the account's credentials go only
to the account's own origin (scheme, host and port), never to the place a redirect or a
stranger's URL points at.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import IO

import httpx

from helpdesk_tui.sync.http_answer import TooBig, TooSlow

Progress = Callable[[int, int], None]
MAX_REDIRECTS = 5
CHUNK = 256 * 1024
SLOWEST = 32 * 1024  # bytes per second a download may average before its deadline runs out


def same_origin(url: httpx.URL, base: httpx.URL) -> bool:
    return (url.scheme, url.host, url.port) == (base.scheme, base.host, base.port)


def stream_to(client: httpx.Client, base: httpx.URL, url: str, sink: IO[bytes], *, deadline: float, max_bytes: int,
              expected: int | None, progress: Progress | None) -> httpx.Response:
    """GET ``url`` (a path under ``base`` or an absolute URL) into ``sink``; the final response
    (closed; its body read only when it is not a 200)."""
    ends = time.monotonic() + deadline + (expected or 0) / SLOWEST
    request = client.build_request("GET", url, headers={"Accept": "*/*"})
    for _ in range(MAX_REDIRECTS + 1):
        # The account's auth for its own origin only; None sends no credentials at all.
        if same_origin(request.url, base):
            response = client.send(request, stream=True)
        else:
            # A bare request: the client's default headers may carry a key too (a mapping's
            # ``headers: {X-Api-Key: …}``), and its cookies are the account's session.
            request = httpx.Request("GET", request.url, headers={"Accept": "*/*"})
            response = client.send(request, stream=True, auth=None)
        if response.is_redirect and "location" in response.headers:
            target = request.url.join(response.headers["location"])
            response.close()
            if target.scheme not in ("http", "https"):
                break
            request = client.build_request("GET", target, headers={"Accept": "*/*"})
            continue
        try:
            if response.status_code != 200:
                response.read()
                return response
            total = _total(response, expected)
            done = 0
            for chunk in response.iter_bytes(CHUNK):
                done += len(chunk)
                if done > max_bytes:
                    raise TooBig
                if time.monotonic() > ends:
                    raise TooSlow
                sink.write(chunk)
                if progress is not None:
                    progress(done, max(total, done))
            return response
        finally:
            response.close()
    raise httpx.TooManyRedirects("too many redirects", request=request)


def _total(response: httpx.Response, expected: int | None) -> int:
    """What the progress counts towards: the answer's length when it says (and is not
    compressed, where the length is of other bytes), else the size the helpdesk listed."""
    length = response.headers.get("content-length", "")
    if length.isdigit() and not response.headers.get("content-encoding"):
        return int(length)
    return expected or 0
