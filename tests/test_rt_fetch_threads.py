"""Batched thread reading of the Request Tracker backend (``fetch_threads``) against a real RT 5
(see server_rt.py): the same messages as ``fetch_thread`` per ticket, in far fewer requests."""

from __future__ import annotations

import base64
import dataclasses
import time
from collections import Counter
from datetime import UTC, datetime

import httpx
import pytest

from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.backends.rt import RequestTrackerBackend, make_client
from helpdesk_tui.sync.engine import SyncEngine
from helpdesk_tui.sync.http import RetryPolicy
from tests.server_rt import RtApi as Api
from tests.server_rt import rt_server  # noqa: F401

pytestmark = pytest.mark.server  # every test here talks to the real RT

FAST = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.05, timeout=20)


class CountingTransport(httpx.BaseTransport):
    """The real HTTP transport, counting requests by (method, first path segment after /REST/2.0)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.calls: Counter[tuple[str, str]] = Counter()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.split("/REST/2.0", 1)[-1]
        kind = "history" if path.endswith("/history") else path.strip("/").split("/")[0]
        self.calls[(request.method, kind)] += 1
        return self.inner.handle_request(request)

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def close(self) -> None:
        self.inner.close()


def counted_backend(server) -> tuple[RequestTrackerBackend, CountingTransport]:
    transport = CountingTransport()
    account = AccountSettings(name="rt", url=server.url, user=None, token=server.token)
    return RequestTrackerBackend(account, make_client(account, policy=FAST, transport=transport)), transport


def attachment(name: str, data: bytes) -> dict:
    return {"FileName": name, "FileType": "text/plain", "FileContent": base64.b64encode(data).decode()}


@pytest.fixture(scope="module")
def world(rt_server) -> dict[str, str]:  # noqa: F811
    """Tickets with mixed threads: bare, replied, noted, HTML + files, status changes, a merge."""
    api = Api(rt_server)
    t = {
        "bare": api.ticket("Bare", "ann@example.com", "Just one line."),
        "replied": api.ticket("Replied", "bob@example.com", "Printer jams.\nOn every page."),
        "noted": api.ticket("Noted", "cai@example.com", "Mail bounces."),
        "rich": api.ticket("Rich", "dee@example.com", "<p>Hello <b>there</b></p>", ContentType="text/html",
                           Attachments=[attachment("log.txt", b"line1\nline2\n"),
                                        attachment("trace.txt", b"x" * 300)]),
        "busy": api.ticket("Busy", "eve@example.com", "Everything is slow."),
        "target": api.ticket("Merge target", "fay@example.com", "Wifi is down (1st report)."),
        "merged": api.ticket("Merged away", "fay@example.com", "Wifi is down (2nd report)."),
    }
    api.call("POST", f"/ticket/{t['replied']}/correspond",
             json={"Content": "Hello Bob,\n\nwhich model?\n", "ContentType": "text/plain", "Status": "stalled"})
    api.call("POST", f"/ticket/{t['noted']}/comment", json={"Content": "SPF record again.", "ContentType": "text/plain"})
    for i in range(3):
        api.call("POST", f"/ticket/{t['busy']}/correspond",
                 json={"Content": f"Reply {i}", "ContentType": "text/plain",
                       "Attachments": [attachment(f"shot-{i}.txt", b"%d" % i)] if i == 1 else []})
        api.call("POST", f"/ticket/{t['busy']}/comment", json={"Content": f"Note {i}", "ContentType": "text/plain"})
    api.call("PUT", f"/ticket/{t['busy']}", json={"Status": "resolved"})
    api.call("POST", f"/ticket/{t['merged']}/comment", json={"Content": "Same as the other one.",
                                                             "ContentType": "text/plain"})
    api.call("PUT", f"/ticket/{t['merged']}", json={"MergeInto": int(t["target"])})
    time.sleep(2.1)  # pull only takes seconds that are over on the server
    return t


def pulled(backend: RequestTrackerBackend, numbers: set[str]) -> list:
    """Our tickets as the feed delivers them (with their requestors in ``raw``)."""
    tickets, cursor = [], None
    for _ in range(100):
        page = backend.pull(cursor)
        tickets += [t for t in page.tickets if t.remote_id in numbers]
        cursor = page.cursor
        if page.done:
            return tickets
    raise AssertionError("the feed did not finish")


def test_fetch_threads_equals_fetch_thread_in_fewer_requests(rt_server, world):  # noqa: F811
    backend, transport = counted_backend(rt_server)
    tickets = pulled(backend, set(world.values()))
    assert sorted(t.remote_id for t in tickets) == sorted(v for k, v in world.items() if k != "merged")

    transport.calls.clear()
    one_by_one = {t.remote_id: backend.fetch_thread(t) for t in tickets}
    singles = transport.total
    transport.calls.clear()
    batched = backend.fetch_threads(tickets)
    together = transport.total

    assert batched == one_by_one  # same ids, kinds, authors, bodies, times, attachments, raw items
    assert list(batched) == [t.remote_id for t in tickets]
    # per ticket: its history, the parts of its messages, their body texts
    assert singles == 3 * len(tickets)
    # for all: the merge lookup, one transaction search, the parts, the body texts
    assert together == 4
    assert transport.calls == Counter({("GET", "tickets"): 1, ("POST", "transactions"): 1,
                                       ("POST", "attachments"): 2})

    # the threads are the real ones, not two equal empty answers
    said = {k: [(m.kind, m.body) for m in batched[world[k]] if m.kind != MessageKind.SYSTEM] for k in world
            if k != "merged"}
    assert said["bare"] == [(MessageKind.CUSTOMER, "Just one line.")]
    assert said["replied"] == [(MessageKind.CUSTOMER, "Printer jams.\nOn every page."),
                               (MessageKind.PUBLIC_REPLY, "Hello Bob,\n\nwhich model?\n")]
    assert said["noted"] == [(MessageKind.CUSTOMER, "Mail bounces."), (MessageKind.INTERNAL_NOTE, "SPF record again.")]
    assert [(a["name"], a["size"]) for a in batched[world["rich"]][0].attachments] == [("log.txt", 12),
                                                                                      ("trace.txt", 300)]
    assert batched[world["rich"]][0].body_format == "html"
    busy = batched[world["busy"]]
    assert [m.body for m in busy if m.kind in (MessageKind.PUBLIC_REPLY, MessageKind.INTERNAL_NOTE)] == [
        "Reply 0", "Note 0", "Reply 1", "Note 1", "Reply 2", "Note 2"]
    assert [a["name"] for m in busy for a in m.attachments] == ["shot-1.txt"]
    assert any(m.kind == MessageKind.SYSTEM and "resolved" in m.body for m in busy)
    # RT's history of a merge target holds the merged ticket's transactions too
    assert [b for _, b in said["target"]] == ["Wifi is down (1st report).", "Wifi is down (2nd report).",
                                              "Same as the other one."]


def test_fetch_threads_by_merged_away_number_and_empty(rt_server, world):  # noqa: F811
    backend, transport = counted_backend(rt_server)
    tickets = pulled(backend, {world["target"], world["bare"]})
    target = next(t for t in tickets if t.remote_id == world["target"])
    # asked for by the merged-away number, RT answers with the target's history: so do we
    alias = dataclasses.replace(target, remote_id=world["merged"], number=int(world["merged"]))
    threads = backend.fetch_threads([alias, *tickets])
    assert threads[world["merged"]] == backend.fetch_thread(alias) == threads[world["target"]]
    assert len(threads[world["target"]]) >= 3
    assert threads[world["bare"]] == backend.fetch_thread(world["bare"])
    transport.calls.clear()
    assert backend.fetch_threads([]) == {}
    assert transport.total == 0


def test_initial_sync_reads_threads_per_page_not_per_ticket(rt_server, world, tmp_path):  # noqa: F811
    backend, transport = counted_backend(rt_server)
    backend.per_page = 3  # several pages, each with its own batched thread read
    cache = Cache(tmp_path / "rt.sqlite", "rt")
    seen: list[int] = []
    report = SyncEngine(cache, backend, lambda: datetime.now(UTC)).pull(lambda p: seen.append(p.tickets))
    pages_with_tickets = sum(1 for before, after in zip([0, *seen], seen, strict=False) if after > before)
    assert report.pulled.tickets >= len(world) - 1 and pages_with_tickets >= 2
    assert transport.calls[("GET", "history")] == 0
    assert transport.calls[("POST", "transactions")] == pages_with_tickets
    with cache.connection() as conn:
        bodies = {b for (b,) in conn.execute("SELECT body FROM messages")}
    assert {"Reply 2", "Note 2", "Same as the other one.", "SPF record again."} <= bodies
    cache.close()
