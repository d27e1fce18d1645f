"""A page applied in one batch (the engine's way) writes exactly the rows that applying it one
ticket at a time writes: same tickets, due times, events, messages, index, ids and counts."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from helpdesk_tui.domain.remote import ChangePage, RemoteMessage, RemoteOrganization, RemoteTicket, RemoteUser
from helpdesk_tui.domain.sla_policy import DEFAULT_POLICY, BusinessHours, SlaPolicy
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.store import sla_refresh, sync_apply
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import transaction

T0 = datetime(2026, 11, 2, 8, 30, 15, 250_000, tzinfo=UTC)  # microseconds: the cache keeps seconds
WHOLE = T0.replace(microsecond=0)  # as most helpdesks send times: the ticket is as it will be stored
OFFICE = SlaPolicy(DEFAULT_POLICY.targets, BusinessHours(time(9), time(17), frozenset(range(5)),
                                                         ZoneInfo("Europe/Rome")))


def _remote(n: int, *, status: Status, hours: float, thread: bool, first_response: bool = False,
            subject: str = "", start: datetime = T0) -> RemoteTicket:
    created = start + timedelta(hours=n * 7.5)
    messages = None
    if thread:
        messages = [RemoteMessage(f"m{n}-1", MessageKind.CUSTOMER, "Ann", f"help with {n}", created),
                    RemoteMessage(f"m{n}-2", MessageKind.PUBLIC_REPLY, "Bob", "on it",
                                  created + timedelta(minutes=40, microseconds=999_999)),
                    RemoteMessage(f"m{n}-3", MessageKind.INTERNAL_NOTE, "Bob", "note", created + timedelta(hours=1))]
    return RemoteTicket(
        remote_id=str(100 + n), number=100 + n, subject=subject or f"Printer {n} jams", status=status,
        priority=list(Priority)[n % 4], created_at=created, updated_at=created + timedelta(hours=hours),
        requester_remote_id=f"u{n % 3}", assignee="Bob" if n % 2 else None, tags=("printer", f"floor{n % 4}"),
        custom_fields={"seat": n}, status_raw=str(status), priority_raw="p",
        first_response_at=created + timedelta(hours=2) if first_response else None,
        solved_at=created + timedelta(hours=hours) if status == Status.SOLVED else None, messages=messages,
        raw={"id": 100 + n, "é": "ü"})


def _page(round_: int, start: datetime = T0) -> ChangePage:
    statuses = [Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED, Status.CLOSED]
    tickets = [_remote(n, status=statuses[(n + round_) % len(statuses)], hours=1 + n + round_ * 30,
                       thread=n % 3 != 0, first_response=n % 4 == 1, start=start) for n in range(12 + round_ * 3)]
    return ChangePage(tickets=tickets, users=_users(round_), organizations=_organizations(round_),
                      cursor=f"c{round_}", done=False)


def _users(round_: int) -> list[RemoteUser]:
    """The same people page after page, one of them changed, one new, one twice in a page, one
    a customer written here first (claimed by address), one without an address."""
    users = [RemoteUser(remote_id=f"u{i}", name=f"User {i}", email=f"u{i}@example.com",
                        organization_remote_id="o1" if i % 2 else None, raw={"id": i}) for i in range(3)]
    users[1].name = f"User 1, round {round_ // 2}"  # changes on the third page
    users.append(RemoteUser(remote_id="u9", name="Nobody", raw={"id": 9}))
    if round_ >= 1:
        users.append(RemoteUser(remote_id="u5", name="New", email="u5@example.com", organization_remote_id="o2"))
    if round_ == 1:  # twice, changed then as stored again: the later one stays
        users.insert(0, RemoteUser(remote_id="u0", name="User 0, renamed", email="u0@example.com"))
    return users


def _organizations(round_: int) -> list[RemoteOrganization]:
    return [RemoteOrganization(remote_id="o1", name="Acme", domain="acme.example"),
            RemoteOrganization(remote_id="o2", name="Beta", domain=f"beta{round_ % 2}.example", raw={"r": round_})]


def _dump(path: Path) -> list[tuple[str, list[tuple]]]:
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, tickets_fts, instance)")
    conn.execute("CREATE VIRTUAL TABLE temp.mvocab USING fts5vocab(main, messages_fts, instance)")
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                        "'%fts%' ORDER BY name")]
    out = [(name, sorted(conn.execute(f"SELECT * FROM {name}").fetchall(), key=repr)) for name in names]
    out += [(v, sorted(conn.execute(f"SELECT * FROM temp.{v}").fetchall())) for v in ("vocab", "mvocab")]
    conn.close()
    return out


def _apply(path: Path, batch: bool, policy: SlaPolicy, start: datetime,
           dumps: list | None = None) -> list[sync_apply.ApplyResult]:
    cache = Cache(path, "t")
    results = []
    with cache.connection() as conn:
        if policy != DEFAULT_POLICY:
            sla_refresh.install_policy(conn, policy)
        with transaction(conn):  # a customer written here for a new ticket: the pull claims it (u2)
            conn.execute("INSERT INTO customers (name, email) VALUES ('Local', 'U2@example.com')")
        for round_ in range(3):  # new tickets, then the same ones changed (and a few new), then again
            with transaction(conn):
                results.append(sync_apply.apply_page(conn, _page(round_, start), {}, stream="tickets",
                                                     now=T0 + timedelta(days=round_), batch=batch))
            if dumps is not None:  # each page's rows, not only the last one's
                dumps.append(_dump(path))
    cache.close()
    return results


@pytest.mark.parametrize("start", [T0, WHOLE], ids=["microseconds", "whole-seconds"])
@pytest.mark.parametrize("policy", [DEFAULT_POLICY, OFFICE], ids=["default-policy", "business-hours"])
def test_a_page_applied_in_one_batch_writes_what_one_by_one_writes(tmp_path, policy, start):
    one_dumps: list = []
    batch_dumps: list = []
    one_by_one = _apply(tmp_path / "one.sqlite", False, policy, start, one_dumps)
    batched = _apply(tmp_path / "batch.sqlite", True, policy, start, batch_dumps)
    assert len(batch_dumps) == 3 and batch_dumps == one_dumps
    assert [(r.new, r.updated, r.skipped, r.arrivals) for r in batched] == \
           [(r.new, r.updated, r.skipped, r.arrivals) for r in one_by_one]
    assert batched[0].new == 12 and batched[1].updated == 12 and batched[1].new == 3
    dumped = _dump(tmp_path / "batch.sqlite")
    assert dumped == _dump(tmp_path / "one.sqlite")
    tickets = dict(dumped)["tickets"]
    assert len(tickets) == 18 and any(row[17] is not None for row in tickets)  # due times were set
    customers = dict(dumped)["customers"]
    assert len(customers) == 5 and ("u2", "User 2") in {(row[1], row[2]) for row in customers}  # claimed
    assert {row[-1] for row in customers} == {int((T0 + timedelta(days=2)).timestamp()), None} - {None}


def test_a_bad_record_in_a_batch_raises_and_one_by_one_skips_only_it(tmp_path):
    page = _page(0)
    page.tickets[5].created_at = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)  # the SLA arithmetic overflows
    cache = Cache(tmp_path / "c.sqlite", "t")
    with cache.connection() as conn:
        with pytest.raises(sync_apply.MALFORMED), transaction(conn):
            sync_apply.apply_page(conn, page, {}, stream="tickets", now=T0, batch=True)
        assert conn.execute("SELECT count(*) FROM tickets").fetchone()[0] == 0
        with transaction(conn):
            result = sync_apply.apply_page(conn, page, {}, stream="tickets", now=T0)
        assert result.new == 11 and len(result.skipped) == 1 and result.skipped[0].startswith("ticket 105 ")
    cache.close()


def test_a_ticket_twice_in_a_page_is_applied_one_by_one_in_a_batch_too(tmp_path):
    page = _page(0)
    later = _remote(4, status=Status.SOLVED, hours=50, thread=True)
    page.tickets.append(later)  # the same ticket again, changed: the second reads the first
    results = []
    for name, batch in (("one", False), ("batch", True)):
        cache = Cache(tmp_path / f"{name}.sqlite", "t")
        with cache.connection() as conn, transaction(conn):
            results.append(sync_apply.apply_page(conn, page, {}, stream="tickets", now=T0, batch=batch))
        cache.close()
    assert (results[1].new, results[1].updated) == (results[0].new, results[0].updated) == (12, 1)
    assert _dump(tmp_path / "batch.sqlite") == _dump(tmp_path / "one.sqlite")


def test_records_encoded_ahead_are_stored_as_encoded_at_the_write(tmp_path):
    dumps = []
    for name, ahead in (("here", False), ("ahead", True)):
        cache = Cache(tmp_path / f"{name}.sqlite", "t")
        with cache.connection() as conn:
            for round_ in range(2):
                page = _page(round_)
                page.tickets[0].raw = {"id": 100, "big": 10 ** 30, "nan": float("nan"), "ü": "\ud800"}
                page.users[0].raw = {"fine": [1.5, None], "é": "\u2028"}
                texts = sync_apply.encode_ahead(page) if ahead else None
                with transaction(conn):
                    sync_apply.apply_page(conn, page, {}, stream="tickets", now=T0, batch=True, texts=texts)
        cache.close()
        dumps.append(_dump(tmp_path / f"{name}.sqlite"))
    assert dumps[0] == dumps[1]


def test_a_record_that_cannot_be_encoded_ahead_fails_at_the_write_as_before(tmp_path):
    page = _page(0)
    page.tickets[3].raw = {"set": {1}}  # not JSON
    texts = sync_apply.encode_ahead(page)
    cache = Cache(tmp_path / "c.sqlite", "t")
    with cache.connection() as conn:
        with pytest.raises(TypeError), transaction(conn):
            sync_apply.apply_page(conn, page, {}, stream="tickets", now=T0, batch=True, texts=texts)
        with transaction(conn):
            result = sync_apply.apply_page(conn, page, {}, stream="tickets", now=T0, texts=texts)
        assert result.new == 11 and result.skipped[0].startswith("ticket 103 ")
    cache.close()


def test_a_lone_surrogate_in_a_packed_message_skips_only_its_ticket(tmp_path):
    """Bodies are packed once the cache has a dictionary: the packer's encode meets the lone
    surrogate first (before SQLite's bind did), and the record is still skipped, not the page."""
    from helpdesk_tui.store import message_bodies

    cache = Cache(tmp_path / "c.sqlite", "t")
    with cache.connection() as conn:
        with transaction(conn):
            sync_apply.apply_page(conn, _page(0), {}, stream="tickets", now=T0)
        conn.execute("INSERT INTO message_dictionaries (id, zdict, created_at) VALUES (7, ?, 0)",
                     (message_bodies.train(["help with this\nBest regards"] * 5),))
        page = _page(1)
        page.tickets[4].messages[0].body = "before \ud800 after"
        with pytest.raises(sync_apply.MALFORMED), transaction(conn):
            sync_apply.apply_page(conn, page, {}, stream="tickets", now=T0, batch=True)
        with transaction(conn):
            result = sync_apply.apply_page(conn, page, {}, stream="tickets", now=T0)
        assert len(result.skipped) == 1 and result.skipped[0].startswith("ticket 104 "), result.skipped
        assert result.new + result.updated == len(page.tickets) - 1
        assert conn.execute("SELECT count(*) FROM messages WHERE typeof(body) = 'blob'").fetchone()[0] > 0
    cache.close()
