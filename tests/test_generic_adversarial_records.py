"""Wrong types from a hostile server, through the generic engine's ticket listing, threads and
people: each bad record is skipped and named (``ChangePage.skipped``), the good ones arrive,
and nothing raises anything but a ``SyncError`` sentence."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from helpdesk_tui.store.cache import Cache
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.generic.backend import GenericBackend
from helpdesk_tui.sync.engine import SyncEngine, SyncReport
from helpdesk_tui.sync.http import RetryPolicy

MAPPING = """
format: 1
label: Odd Desk
base_url: "{account.url}"
auth: {type: bearer, token: "{account.token}"}
tickets:
  request: {path: /tickets}
  records: tickets
  incremental: {type: updated_since, param: since, field: updated, lookback: 0}
  fields:
    remote_id: id
    number: id
    subject: title
    status: {path: state, map: {1: open, 2: pending, 3: solved}, default: open}
    priority: {path: prio, map: {low: low, high: high}, default: normal}
    created_at: {path: created, date: iso8601}
    updated_at: {path: updated, date: iso8601}
    requester: requester.id
    tags: tags
users:
  in_ticket: requester
  fields: {remote_id: id, name: name, email: email}
messages:
  - request: {path: "/tickets/{ticket.remote_id}/messages"}
    records: messages
    fields: {remote_id: id, body: body, created_at: {path: at, date: iso8601}, author: who.name}
"""
GOOD = {"id": 1, "title": "fine", "state": 1, "prio": "low", "created": "2026-03-01T09:00:00Z",
        "updated": "2026-03-01T09:00:00Z", "requester": {"id": 5, "name": "Ann", "email": "a@example.com"},
        "tags": ["a"]}


def odd(**changes: Any) -> dict[str, Any]:
    return {**GOOD, **changes}


HOSTILE: list[Any] = [
    "a string, not a record",
    None,
    42,
    [1, 2],
    {},
    odd(id=None),
    odd(id={"nested": True}),
    odd(id=2.0),                           # a float id
    odd(id=True),
    odd(id=3, title=None),
    odd(id=4, title={"a": 1}),
    odd(id=5, state=99),                   # not in the map: the default
    odd(id=6, state=None, prio=[1]),
    odd(id=7, created="yesterday"),
    odd(id=8, created="2026-13-45T99:00:00Z"),
    odd(id=9, created=10**30),
    odd(id=10, created=-1e308),
    odd(id=11, updated=None),
    odd(id=12, tags=None),
    odd(id=13, tags="one,two"),
    odd(id=14, tags=[None, 1, {"x": 1}, ["y"]]),
    odd(id=15, tags={"a": 1}),
    odd(id=16, requester=5),               # a number where a table is
    odd(id=17, requester=None),
    odd(id=18, requester=["x"]),
    odd(id=19, requester={"id": None}),
    odd(id=20, requester={"id": {"deep": 1}, "name": 7}),
    odd(id=21),
    odd(id=21, title="duplicate id in the same page"),
    odd(id="22\x1b[31m\n", title="escape codes in the id"),
    odd(id=10**40),
    odd(id=-1),
    odd(id="NaN"),
    odd(id=23, created="2026-03-01T09:00:00+25:00"),
    odd(id=24, created="0000-00-00 00:00:00"),
    odd(id=25, title="x" * 100_000),
]


def backend(tmp_path: Path, handler, text: str = MAPPING) -> GenericBackend:
    path = tmp_path / "odd.yaml"
    path.write_text(text, encoding="utf-8")
    account = AccountSettings(name="odd", url="https://desk.example.com", user=None, token="t",
                              options={"mapping": str(path)})
    client = GenericBackend.make_client(account, transport=httpx.MockTransport(handler),
                                        policy=RetryPolicy(attempts=1, base_delay=0.0, max_delay=0.0, timeout=5))
    return GenericBackend(account, client)


def test_every_odd_record_is_read_or_skipped_never_a_traceback(tmp_path: Path) -> None:
    mapped = backend(tmp_path, lambda r: httpx.Response(200, json={"tickets": [GOOD, *HOSTILE]}))
    page = mapped.pull(None)
    ids = [t.remote_id for t in page.tickets]
    assert "1" in ids
    assert len(page.tickets) + len(page.skipped) >= 1
    for sentence in page.skipped:
        assert "\x1b" not in sentence and "\n" not in sentence and len(sentence) < 400
    for ticket in page.tickets:
        assert ticket.status is not None and ticket.created_at is not None
        assert all(isinstance(tag, str) for tag in ticket.tags)
        assert "\x1b" not in ticket.remote_id


@pytest.mark.parametrize("body", [
    None, "text", 7, [], {"tickets": None}, {"tickets": 5}, {"tickets": "x"}, {"tickets": {"id": "x"}},
    [[[[[[[[[[]]]]]]]]]],
])
def test_a_page_of_the_wrong_shape_is_a_sentence(tmp_path: Path, body: Any) -> None:
    mapped = backend(tmp_path, lambda r: httpx.Response(200, json=body))
    try:
        mapped.pull(None)
    except errors.SyncError as error:
        assert "\n" not in str(error)


@pytest.mark.parametrize("messages", [
    None, "x", 5, {"id": 1}, [None, "x", 5, {"id": 1}, {"id": 2, "body": None, "at": "2026-03-01T09:00:00Z"},
                              {"id": 3, "body": "ok", "at": "2026-03-01T09:00:00Z", "who": "not a table"}]])
def test_odd_messages_are_a_skipped_ticket_in_a_whole_sync(tmp_path: Path, messages: Any) -> None:
    """A thread with an unreadable message leaves its ticket out, named (by design: never a
    thread with a hole); the other tickets and the sync go on."""
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/1/messages"):
            return httpx.Response(200, json={"messages": messages})
        if request.url.path.endswith("/messages"):
            return httpx.Response(200, json={"messages": [{"id": 9, "body": "hi", "at": "2026-03-01T09:00:00Z"}]})
        return httpx.Response(200, json={"tickets": [GOOD, odd(id=2)]})

    report = sync(tmp_path, handler)
    assert report.problem is None
    assert report.pulled.tickets >= 1


def sync(tmp_path: Path, handler, text: str = MAPPING) -> SyncReport:
    cache = Cache(tmp_path / "odd.sqlite", "odd")
    return SyncEngine(cache, backend(tmp_path, handler, text), lambda: datetime.now(UTC)).sync()


def test_a_whole_sync_of_the_hostile_page_stores_the_good_records(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/messages"):
            return httpx.Response(200, json={"messages": [{"id": 9, "body": "hi", "at": "2026-03-01T09:00:00Z"}]})
        return httpx.Response(200, json={"tickets": [GOOD, *HOSTILE]})

    report = sync(tmp_path, handler)
    assert report.problem is None, report.problem
    assert report.new >= 1 and report.skipped


def test_a_page_of_a_million_bad_records_is_a_bounded_report(tmp_path: Path) -> None:
    """Each skipped record is a sentence in the report and a line in the sync log: a page of
    a million non-records (2 MB of JSON) must not become a million lines, every sync."""
    body = ('{"tickets":[' + ",".join(["1"] * 1_000_000) + "]}").encode()
    report = sync(tmp_path, lambda r: httpx.Response(200, content=body, headers={"Content-Type": "application/json"}))
    assert report.problem is None
    assert 1 <= len(report.skipped) <= 101
    assert "1,000,000" in " ".join(report.skipped)
    assert report.log is not None and report.log.stat().st_size < 100_000


def test_the_sync_log_does_not_grow_without_end(tmp_path: Path) -> None:
    """A feed that keeps sending bad records appends to the account's sync log each sync: past
    its bound the log starts again (the previous one kept beside it), never filling the disk."""
    log = tmp_path / "odd.sync.log"
    log.write_text("an old line\n" * 200_000, encoding="utf-8")  # 2.4 MB from syncs before
    report = sync(tmp_path, lambda r: httpx.Response(200, json={"tickets": [GOOD, "not a record"]}))
    assert report.skipped and report.log == log
    assert log.stat().st_size < 100_000
    assert "not an object" in log.read_text(encoding="utf-8")
    kept = tmp_path / "odd.sync.log.1"
    assert kept.exists() and kept.stat().st_size >= 2_000_000


def test_a_ticket_id_that_cannot_go_in_a_url_skips_that_ticket_not_every_sync(tmp_path: Path) -> None:
    """Its thread's path (``/tickets/{ticket.remote_id}/messages``) cannot be sent: that ticket
    is left out and named; the others are synced (else each sync stops at the same page)."""
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/messages"):
            return httpx.Response(200, json={"messages": [{"id": 9, "body": "hi", "at": "2026-03-01T09:00:00Z"}]})
        return httpx.Response(200, json={"tickets": [odd(num=1), odd(id="7\x00x", num=2)]})

    report = sync(tmp_path, handler, MAPPING.replace("    number: id\n", "    number: num\n"))
    assert report.problem is None, report.problem
    assert report.new == 1 and len(report.skipped) == 1 and "\x00" not in report.skipped[0]
