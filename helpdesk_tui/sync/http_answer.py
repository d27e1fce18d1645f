"""Reading one HTTP answer within an overall deadline and a size cap.

httpx's timeouts are per read: a server that trickles a byte every few seconds never trips
them, and nothing stops an answer of hundreds of megabytes. ``read_answer`` sends the request
and reads the answer in full, or raises ``TooSlow`` / ``TooBig`` (``HttpClient`` turns them
into one sentence).
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import httpx

from helpdesk_tui.sync.deadlines import DEADLINES


class TooSlow(Exception):
    """The whole request took longer than its deadline."""


class TooBig(Exception):
    """The answer is larger than the cap."""


def read_answer(client: httpx.Client, method: str, path: str, *, deadline: float, max_body: int,
                **kwargs: Any) -> httpx.Response:
    """One request, its answer read in full within the deadline and the size cap.

    The per-read ``timeout`` cannot stop a server that trickles: the body is read in chunks,
    each checked against the deadline and the cap, and a watchdog shuts the socket down at
    the deadline so a read blocked in the headers returns too. (The watchdog knows the
    sockets of connections opened for this request; on a reused keep-alive connection a
    trickled header is not cut short, a trickled body is.)
    """
    ends = time.monotonic() + deadline
    sockets: list[Any] = []

    def trace(event: str, info: dict[str, Any]) -> None:
        if event == "connection.connect_tcp.complete":
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if sock is not None:
                sockets.append(sock)

    expired = threading.Event()

    def cut() -> None:
        expired.set()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    watchdog = DEADLINES.arm(deadline, cut)
    try:
        extensions = {**kwargs.pop("extensions", {}), "trace": trace}
        request = client.build_request(method, path, extensions=extensions, **kwargs)
        try:
            response = client.send(request, stream=True)
        except httpx.TransportError:
            if expired.is_set():
                raise TooSlow from None
            raise
        try:
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > max_body:
                    raise TooBig
                if time.monotonic() > ends:
                    raise TooSlow
        except httpx.TransportError:
            if expired.is_set():
                raise TooSlow from None
            raise
        finally:
            response.close()
        response._content = bytes(body)  # read: .json() and .text use it as if read by httpx
        return response
    finally:
        DEADLINES.disarm(watchdog)

