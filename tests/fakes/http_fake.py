"""What every fake helpdesk shares: a real HTTP server on 127.0.0.1 in a thread of its own, the
request handler that hands each request to the fake, the request log and the queued faults.

A fake subclasses ``FakeHttpServer`` and keeps its own routes, state, answers and rate limits:

    class FakeDesk(FakeHttpServer):
        thread_name = "fake-desk"

        def serve(self, handler: BaseHTTPRequestHandler) -> None:
            request = read_request(handler)
            ...

    with FakeDesk() as fake:
        ... httpx.get(fake.url + "/api/...") ...
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Protocol, Self, TypeVar
from urllib.parse import parse_qsl, urlsplit


class FakeHttpServer:
    """The life cycle: ``start``/``stop`` or ``with``; ``url`` once started."""

    thread_name: ClassVar[str] = "fake-helpdesk"
    # The HTTP methods the fake answers; any other gets http.server's own 501.
    methods: ClassVar[tuple[str, ...]] = ("GET", "POST", "PUT", "DELETE")
    _server: ThreadingHTTPServer | None = None

    def start(self) -> Self:
        handler = type("Handler", (FakeHandler,), {f"do_{method}": FakeHandler.hand_over for method in self.methods})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        server.block_on_close = False
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        self.started()
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, name=self.thread_name,
                         daemon=True).start()
        return self

    def started(self) -> None:
        """Called once the port is known, before the first request: set the fake's own base URLs here."""

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the fake first"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        """Read the request from ``handler`` and answer it (or close the connection)."""
        raise NotImplementedError


class FakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real services and httpx expect
    # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm holds each
    # answer on a kept-alive connection until the client's delayed ACK (~40 ms on Linux), and a
    # benchmark would measure that wait, not the client.
    disable_nagle_algorithm = True

    def hand_over(self) -> None:
        self.server.fake.serve(self)  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet in tests
        pass


@dataclass
class Incoming:
    """One request as read off the wire: ``headers`` are the ones to log (the secret redacted)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


def read_request(handler: BaseHTTPRequestHandler, *, secret: str = "authorization",
                 join_lists: bool = False) -> Incoming:
    """The request's method, path, query, body, and its headers with ``secret`` redacted.

    ``join_lists``: a repeated list parameter (``role[]=agent&role[]=admin``) is kept comma-joined;
    otherwise the last value of a repeated parameter wins."""
    parts = urlsplit(handler.path)
    query: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if join_lists and key.endswith("[]") and key in query else value
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length) if length else b""
    headers = {k: ("<redacted>" if k.lower() == secret else v) for k, v in handler.headers.items()}
    return Incoming(handler.command, parts.path, query, headers, body)


@dataclass
class LoggedRequest(Incoming):
    """A request in a fake's log (``requests``); ``status`` None: no answer was sent (dropped)."""

    status: int | None = None

    @classmethod
    def of(cls, request: Incoming) -> Self:
        return cls(request.method, request.path, request.query, request.headers, request.body)

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


Logged = TypeVar("Logged", bound=LoggedRequest)


def requests_to(log: Sequence[Logged], path_pattern: str, method: str | None = None) -> list[Logged]:
    """The logged requests whose path ``path_pattern`` is found in (and of ``method``, if given)."""
    return [r for r in list(log) if re.search(path_pattern, r.path) and method in (None, r.method)]


class Matching:
    """A fault's filter: ``method`` (None: any) and ``path`` (a regular expression searched in the
    request's path; None: any). A fault dataclass mixes it in beside its own fields."""

    method: str | None
    path: str | None
    times: int

    def matches(self, method: str, path: str) -> bool:
        return self.method in (None, method) and (self.path is None or bool(re.search(self.path, path)))


F = TypeVar("F", bound=Matching)


@dataclass
class Fault(Matching):
    """A fault queued for the next ``times`` matching requests: held ``delay`` seconds, the
    connection dropped, or answered ``status`` with ``headers`` and ``body``; ``after``: the
    request is applied first and then its answer is held, lost or replaced."""

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float = 0.0
    drop: bool = False
    after: bool = False
    method: str | None = None
    path: str | None = None
    times: int = 1


class Faults:
    """``fail``, ``delay`` and ``drop`` for a fake that keeps its queue in ``_faults``; a fake
    names the error body it answers (``injected_body``) and may queue a richer ``fault_type``."""

    lock: threading.RLock
    _faults: list[Any]
    fault_type: ClassVar[type[Fault]] = Fault

    def injected_body(self, status: int) -> Any:
        return {"message": f"injected {status}"}

    def inject(self, fault: Fault) -> Fault:
        with self.lock:
            self._faults.append(fault)
        return fault

    def fail(self, status: int, *, times: int = 1, headers: dict[str, str] | None = None, body: Any = None,
             method: str | None = None, path: str | None = None, after: bool = False) -> Fault:
        """The next ``times`` matching requests answer ``status`` (after=True: applied first)."""
        body = body if body is not None else self.injected_body(status)
        return self.inject(self.fault_type(status=status, headers=dict(headers or {}), body=body, times=times,
                                           method=method, path=path, after=after))

    def delay(self, seconds: float, *, times: int = 1, after: bool = False, method: str | None = None,
              path: str | None = None) -> Fault:
        """Hold the next matching requests ``seconds`` (after=True: apply first, then hold the answer)."""
        return self.inject(self.fault_type(delay=seconds, after=after, times=times, method=method, path=path))

    def drop(self, *, times: int = 1, after: bool = True, method: str | None = None,
             path: str | None = None) -> Fault:
        """Close the connection without answering (after=True: the request was applied first)."""
        return self.inject(self.fault_type(drop=True, after=after, times=times, method=method, path=path))


def hold_or_drop(fault: Fault, handler: BaseHTTPRequestHandler) -> bool:
    """Hold the answer for the fault's delay; True when the fault drops the connection instead."""
    if fault.delay:
        time.sleep(fault.delay)
    if fault.drop:
        handler.close_connection = True
        return True
    return False


def write_answer(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], data: bytes) -> None:
    """Send the status, ``headers`` and ``Content-Length``, then ``data``; a client that gave up
    (a timeout test) closes the connection, with nothing to answer."""
    try:
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
        handler.wfile.flush()
    except OSError:
        handler.close_connection = True


def take_fault(faults: list[F], method: str, path: str) -> F | None:
    """The first queued fault for this request, counted down (and dropped from the queue when spent)."""
    for fault in faults:
        if fault.matches(method, path):
            fault.times -= 1
            if fault.times <= 0:
                faults.remove(fault)
            return fault
    return None


class _Stateful(Protocol):
    lock: threading.RLock
    state: Any


def under_lock(name: str, state_class: type) -> Callable[..., Any]:
    """A fake's method that calls its state's ``name`` under the fake's lock (seeding from a test
    while the server thread answers), with the state method's docstring."""

    def call(self: _Stateful, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            return getattr(self.state, name)(*args, **kwargs)

    call.__name__ = name
    call.__doc__ = getattr(state_class, name).__doc__
    return call


__all__ = ["FakeHandler", "FakeHttpServer", "Fault", "Faults", "Incoming", "LoggedRequest", "Matching", "hold_or_drop",
           "read_request", "requests_to", "take_fault", "under_lock", "write_answer"]
