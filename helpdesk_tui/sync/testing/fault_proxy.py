"""A fault-injecting HTTP/1.1 reverse proxy on 127.0.0.1, for exactly-once tests (and the conformance suite).

It sits between the client under test and a real server and, per request, either passes it
through or does one of the things networks and servers do to writes::

    with FaultProxy("http://127.0.0.1:8000") as proxy:
        proxy.add("POST", r"/followups/$", drop_after_upstream(), status(500, forward=True))
        client = make_client(AccountSettings(url=proxy.url, ...))
        ...
        assert proxy.count("POST", r"/followups/$", forwarded=True) == 2

Faults (each a ``Fault``; a rule's list is applied to its 1st, 2nd, … matching request, and
requests after the list pass through):

- ``PASS``: forward and return the server's answer.
- ``drop_after_upstream()``: forward, let the server process it and answer, then close the
  client's connection without a byte of response (the request left; the outcome is unknown).
- ``drop_before_upstream()``: close the client's connection without forwarding (the server
  never saw it, but the client cannot tell).
- ``status(code, headers=…, forward=False)``: answer ``code`` without forwarding (the server
  never saw it: 429 and 503 from a gateway or a rate limiter), or with ``forward=True`` after
  the server processed it (a 500 from a server that applied the change all the same).
- ``stall(seconds)``: forward, let the server answer, then hold the answer ``seconds`` before
  sending it (longer than the client's timeout: a read timeout after the change was applied).
- ``stall_before_upstream(seconds)``: hold the request ``seconds``, then forward it (the client
  has given up by then; the server applies it late).

The client side speaks HTTP/1.1 with keep-alive (a dropped connection may be one the client
reused); each request gets a fresh upstream connection, so the upstream never sees a fault.
The ``Host`` header is passed through unchanged (links the server builds point back at the
proxy). Every request is logged (``entries()``, in order of arrival: method, target, fault,
upstream status, what the client got); ``wait_forwarded`` waits until the server has
answered a request (even one whose answer is held), ``release()`` ends the stalls held now,
``wait_idle()`` waits until no request is being handled. ``stop()`` (or leaving the ``with``)
ends held stalls, closes open client connections and joins the worker threads.
"""

from __future__ import annotations

import http.client
import re
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
                        "trailers", "transfer-encoding", "upgrade", "content-length", "proxy-connection"})


@dataclass(frozen=True)
class Fault:
    kind: str  # "pass", "drop_after_upstream", "drop_before_upstream", "status", "stall", "stall_before_upstream"
    code: int = 0
    headers: tuple[tuple[str, str], ...] = ()
    forward: bool = False
    seconds: float = 0.0

    def __str__(self) -> str:
        if self.kind == "status":
            return f"status {self.code}{' after upstream' if self.forward else ''}"
        if self.kind.startswith("stall"):
            return f"{self.kind} {self.seconds:g}s"
        return self.kind


PASS = Fault("pass")


def drop_after_upstream() -> Fault:
    return Fault("drop_after_upstream")


def drop_before_upstream() -> Fault:
    return Fault("drop_before_upstream")


def status(code: int, headers: Mapping[str, str] | None = None, *, forward: bool = False) -> Fault:
    return Fault("status", code=code, headers=tuple((headers or {}).items()), forward=forward)


def stall(seconds: float) -> Fault:
    return Fault("stall", seconds=seconds)


def stall_before_upstream(seconds: float) -> Fault:
    return Fault("stall_before_upstream", seconds=seconds)


@dataclass
class Rule:
    """Requests whose method is ``method`` (or any, for None) and whose path (query included)
    matches ``pattern`` (``re.search``): the n-th of them gets ``faults[n - first]``."""

    method: str | None
    pattern: re.Pattern[str]
    faults: tuple[Fault, ...]
    first: int = 1
    repeat: bool = False  # cycle through ``faults`` for ever
    seen: int = 0

    def matches(self, method: str, target: str) -> bool:
        return (self.method is None or self.method == method) and bool(self.pattern.search(target))

    def next_fault(self) -> Fault:
        self.seen += 1
        index = self.seen - self.first
        if index < 0:
            return PASS
        if self.repeat:
            return self.faults[index % len(self.faults)]
        return self.faults[index] if index < len(self.faults) else PASS


@dataclass(frozen=True)
class Entry:
    """One request as the proxy handled it."""

    seq: int  # order of arrival (the log lists requests in this order)
    method: str
    target: str
    fault: str
    forwarded: bool  # the upstream server received it
    upstream_status: int | None  # what the server answered (None: not forwarded or no answer)
    client_status: int | None  # what the client was sent (None: dropped or gone)
    at: float = field(default=0.0, compare=False)

    def __str__(self) -> str:
        return (f"#{self.seq} {self.method} {self.target} [{self.fault}] upstream={self.upstream_status} "
                f"client={self.client_status}")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() shuts the client connections down itself
    allow_reuse_address = True
    proxy: FaultProxy


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass  # the proxy keeps its own log

    def setup(self) -> None:
        super().setup()
        self.server.proxy._opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        self.server.proxy._closed(self.connection)

    def _body(self) -> bytes | None:
        length = self.headers.get("Content-Length")
        if length is not None:
            return self.rfile.read(int(length))
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return None

    def _handle(self) -> None:
        proxy = self.server.proxy
        method, target = self.command, self.path
        body = self._body()
        if self.headers.get("Connection", "").lower() == "close":
            self.close_connection = True
        seq, fault = proxy._fault_for(method, target)
        forwarded, upstream, answer = False, None, None
        try:
            if fault.kind == "drop_before_upstream":
                self._drop()
                return
            if fault.kind == "status" and not fault.forward:
                self._send(fault.code, [*fault.headers, ("Content-Type", "application/json")],
                           b'{"detail": "injected by fault_proxy"}')
                answer = fault.code
                return
            if fault.kind == "stall_before_upstream":
                proxy._hold(fault.seconds)
            forwarded = True
            upstream_status, headers, data = proxy._forward(method, target, self.headers, body)
            upstream = upstream_status
            proxy._answered(method, target)
            if fault.kind == "drop_after_upstream":
                self._drop()
                return
            if fault.kind == "status":
                self._send(fault.code, [*fault.headers, ("Content-Type", "application/json")],
                           b'{"detail": "injected by fault_proxy after the server answered"}')
                answer = fault.code
                return
            if fault.kind == "stall":
                proxy._hold(fault.seconds)
            self._send(upstream_status, headers, data)
            answer = upstream_status
        except OSError:
            self.close_connection = True  # the client went away (a stall outlived its timeout)
        finally:
            proxy._record(Entry(seq, method, target, str(fault), forwarded, upstream, answer, time.monotonic()))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    def _send(self, code: int, headers: Iterable[tuple[str, str]], data: bytes) -> None:
        self.send_response_only(code)  # no Date/Server of our own: the upstream's Date is what counts
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)) if self.command != "HEAD" else "0")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.wfile.flush()

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class FaultProxy:
    """The proxy; ``url`` is what the client under test is pointed at."""

    def __init__(self, upstream: str, *, upstream_timeout: float = 60.0) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"FaultProxy forwards to http:// only, not {upstream!r}")
        self.upstream_host = parts.hostname
        self.upstream_port = parts.port or 80
        self.upstream_timeout = upstream_timeout
        self.rules: list[Rule] = []
        self.log: list[Entry] = []
        self._lock = threading.Lock()
        self._release = threading.Event()  # set: the stalls held now end
        self._stopped = False
        self._connections: set[socket.socket] = set()
        self._inflight = 0
        self._seq = 0
        self._upstream: list[tuple[str, str]] = []  # requests the server has answered, in order
        self._idle = threading.Condition(self._lock)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # ---------------------------------------------------------------- the plan

    def add(self, method: str | None, pattern: str, *faults: Fault, first: int = 1, repeat: bool = False) -> Rule:
        """Faults for the ``first``-th, next, … requests matching; later ones pass through."""
        if not faults:
            raise ValueError("a rule needs at least one fault")
        rule = Rule(method.upper() if method else None, re.compile(pattern), tuple(faults), first, repeat)
        with self._lock:
            self.rules.append(rule)
        return rule

    def nth(self, method: str | None, pattern: str, n: int, fault: Fault) -> Rule:
        """``fault`` for the n-th matching request only."""
        return self.add(method, pattern, fault, first=n)

    def release(self) -> None:
        """End the stalls being held now (later stalls are held again)."""
        with self._lock:
            released, self._release = self._release, threading.Event()
        released.set()

    def _hold(self, seconds: float) -> None:
        with self._lock:
            if self._stopped:
                return
            event = self._release
        event.wait(seconds)

    def clear(self) -> None:
        """Forget the rules (the log stays)."""
        with self._lock:
            self.rules.clear()

    def _fault_for(self, method: str, target: str) -> tuple[int, Fault]:
        with self._lock:
            self._inflight += 1
            self._seq += 1
            chosen = PASS
            for rule in self.rules:
                if rule.matches(method, target):
                    fault = rule.next_fault()  # every matching rule counts the request
                    if chosen is PASS:
                        chosen = fault
            return self._seq, chosen

    # ---------------------------------------------------------------- the log

    def _record(self, entry: Entry) -> None:
        with self._lock:
            self.log.append(entry)
            self._inflight -= 1
            self._idle.notify_all()

    def entries(self, method: str | None = None, pattern: str = "") -> list[Entry]:
        with self._lock:
            log = sorted(self.log, key=lambda e: e.seq)
        rx = re.compile(pattern)
        return [e for e in log if (method is None or e.method == method.upper()) and rx.search(e.target)]

    def count(self, method: str | None = None, pattern: str = "", *, forwarded: bool | None = None) -> int:
        return sum(1 for e in self.entries(method, pattern) if forwarded is None or e.forwarded == forwarded)

    def wait_forwarded(self, method: str | None, pattern: str, n: int = 1, timeout: float = 30.0) -> bool:
        """Wait until ``n`` matching requests have been answered by the server (even if the
        answer is still being held back from the client, or is about to be dropped)."""
        rx = re.compile(pattern)

        def done() -> bool:
            return sum(1 for m, t in self._upstream if (method is None or m == method.upper())
                       and rx.search(t)) >= n

        with self._idle:
            return self._idle.wait_for(done, timeout)

    def _answered(self, method: str, target: str) -> None:
        with self._lock:
            self._upstream.append((method, target))
            self._idle.notify_all()

    def describe(self) -> str:
        return "\n".join(str(e) for e in self.entries())

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until no request is being handled (a held stall has been forwarded and logged)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._inflight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    # ---------------------------------------------------------------- upstream

    def _forward(self, method: str, target: str, headers, body: bytes | None) -> tuple[int, list, bytes]:
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=self.upstream_timeout)
        try:
            out = {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}
            out["Connection"] = "close"
            conn.request(method, target, body=body, headers=out)
            response = conn.getresponse()
            data = response.read()
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
            return response.status, kept, data
        finally:
            conn.close()

    # ---------------------------------------------------------------- life

    def _opened(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections.add(sock)

    def _closed(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections.discard(sock)

    def start(self) -> FaultProxy:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"fault-proxy-{self.url}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
        self.release()  # held stalls end now
        self._server.shutdown()
        with self._lock:
            open_now = list(self._connections)
        for sock in open_now:  # keep-alive connections the client has not closed
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
