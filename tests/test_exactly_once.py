"""Exactly-once delivery of the outbox, through a fault-injecting proxy, against real servers.

The backends (django-helpdesk and Request Tracker, both without idempotency keys) talk to
``tests/fault_proxy.py`` on loopback, which forwards to the real server started by the
session fixtures and, per plan, drops the connection after the server processed a write,
answers 500/502/503/429 before or after forwarding, or holds the answer past the client's
timeout. The outbox is drained with ``SyncEngine.push()`` (or, where said, ``sync()``: push
then pull, as the app does) round after round, each round later on the engine's clock than
``outbox.UNKNOWN_GRACE``, as periodic syncs would be; then the REAL SERVER is read directly,
bypassing the proxy: every reply, note and status change is there exactly once, in the order
queued, nothing else was added, and the local outbox shows every item ``sent`` with the
server's id.

Besides the fault plans: a look-up that itself fails, two messages with the same text, a
request the server applies long after the client gave up, status updates behind (or with)
an unknown outcome on a backend with version checks (RT), and the app SIGKILLed mid-send.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from helpdesk_tui.content import html_to_text
from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.vocab import MessageKind, Status
from helpdesk_tui.store import outbox, tickets
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import transaction
from helpdesk_tui.store.timeconv import to_epoch
from helpdesk_tui.sync.backends import django_helpdesk as dh
from helpdesk_tui.sync.backends import django_helpdesk_map as dhm
from helpdesk_tui.sync.backends import rt, rt_map
from helpdesk_tui.sync.backends import zendesk as zd
from helpdesk_tui.sync.backends import zendesk_records as zd_records
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.engine import SyncEngine
from helpdesk_tui.sync.http import RetryPolicy
from tests.fault_proxy import (
    PASS,
    FaultProxy,
    drop_after_upstream,
    drop_before_upstream,
    stall,
    stall_before_upstream,
    status,
)
from tests.fakes.zendesk import FakeZendesk
from tests.server_django_helpdesk import django_helpdesk_server  # noqa: F401
from tests.server_rt import rt_server  # noqa: F401
from tests.backend_support import Only

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 1.5  # the client's timeout (connect, read, write) in these tests
ATTEMPTS = 4  # the HttpClient's tries per request
ROUNDS = 20  # rounds before a scenario counts as stuck
STEP = timedelta(seconds=150)  # engine-clock time between two rounds (periodic syncs), > outbox.UNKNOWN_GRACE
RETRY0 = {"Retry-After": "0"}
ZENDESK_EMAIL = "agent@example.com"  # the fake's agent


def text_of(message) -> str:
    """A server message's words (Zendesk's thread is HTML), to compare with what was queued."""
    return (html_to_text(message.body) if message.body_format == "html" else message.body).strip()


# ==================================================================== backends under test


def build_backend(kind: str, url: str, token: str, *, timeout: float = TIMEOUT, attempts: int = ATTEMPTS):
    """The real backend through the real ``make_client``, with instant retries."""
    account = AccountSettings(name=kind, url=url, user=ZENDESK_EMAIL if kind.startswith("zendesk") else None,
                              token=token)
    policy = RetryPolicy(attempts=attempts, base_delay=0.0, max_delay=0.0, timeout=timeout)
    if kind == "zendesk-mapped":  # Zendesk as a mapping (sync/mappings/zendesk.yaml)
        from helpdesk_tui.sync.mappings import ZendeskMappedBackend

        return ZendeskMappedBackend(account, ZendeskMappedBackend.make_client(account, policy=policy,
                                                                              sleep=lambda s: None))
    if kind == "zendesk":
        client = zd.make_client(account, policy=policy, sleep=lambda s: None)
        return zd.ZendeskBackend(account, client, page_size=100)
    if kind == "django-helpdesk":
        client = dh.make_client(account, policy=policy, sleep=lambda s: None)
        return dh.DjangoHelpdeskBackend(account, client, page_size=100)
    client = rt.make_client(account, policy=policy, sleep=lambda s: None)
    return rt.RequestTrackerBackend(account, client, per_page=100)


@dataclass
class Target:
    """One real server, and how to look at it behind the proxy's back."""

    kind: str
    url: str
    token: str = field(repr=False)
    http: httpx.Client = field(repr=False)
    writes: tuple[tuple[str, str], ...]  # (method, path regex) of every write the backend makes
    reads: tuple[tuple[str, str], ...]  # the reads a lookup after an unknown outcome starts with
    fake: FakeZendesk | None = field(default=None, repr=False)  # the Zendesk fake, read behind the proxy's back

    def direct(self):
        return build_backend(self.kind, self.url, self.token, timeout=30)

    def new_ticket(self, subject: str) -> str:
        if self.fake is not None:
            return str(self.fake.add_ticket(subject, status="open"))
        if self.kind == "django-helpdesk":
            r = self.http.post("/tickets/", json={"queue": 1, "title": subject, "description": "Please help.",
                                                  "submitter_email": "once@example.com", "priority": 3})
        else:
            r = self.http.post("/ticket", json={"Queue": "General", "Subject": subject,
                                                "Requestor": "once@example.com", "Content": "Please help.",
                                                "ContentType": "text/plain"})
        assert r.status_code == 201, r.text[:300]
        return str(r.json()["id"])

    def status_changes(self, remote_id: str) -> list[Status]:
        """Every status the server recorded a change to, oldest first (our vocabulary)."""
        if self.fake is not None:
            return [zd_records.to_status(e["value"]) for a in self.fake.audits(int(remote_id))
                    for e in a["events"] if e.get("type") == "Change" and e.get("field_name") == "status"]
        if self.kind == "django-helpdesk":
            raw = self.http.get(f"/tickets/{remote_id}/").json()
            return [dhm.STATUS_MAP[f["new_status"]] for f in raw["followup_set"] if f.get("new_status")]
        r = self.http.get(f"/ticket/{remote_id}/history", params={"fields": "Type,Field,OldValue,NewValue",
                                                                   "per_page": 100})
        return [rt_map.status_from_rt(t["NewValue"]) for t in r.json()["items"]
                if t.get("Type") == "Status" or (t.get("Type") == "Set" and t.get("Field") == "Status")]

    def current_status(self, remote_id: str) -> Status:
        if self.fake is not None:
            return zd_records.to_status(self.fake.ticket(int(remote_id))["status"])
        if self.kind == "django-helpdesk":
            return dhm.STATUS_MAP[self.http.get(f"/tickets/{remote_id}/").json()["status"]]
        return rt_map.status_from_rt(self.http.get(f"/ticket/{remote_id}").json()["Status"])


@pytest.fixture(scope="module")
def zendesk_fake():
    with FakeZendesk(email=ZENDESK_EMAIL) as fake:
        yield fake


# The real servers' params carry the ``server`` mark (a fixture asked for by name at run time
# is not seen by conftest's marking).
@pytest.fixture(scope="module", params=["zendesk", "zendesk-mapped",
                                        pytest.param("django-helpdesk", marks=pytest.mark.server),
                                        pytest.param("rt", marks=pytest.mark.server)])
def target(request) -> Target:
    if request.param.startswith("zendesk"):
        fake = request.getfixturevalue("zendesk_fake")
        t = Target(request.param, fake.url, fake.token, httpx.Client(base_url=fake.url),
                   writes=(("PUT", r"/api/v2/tickets/\d+\.json$"),),
                   reads=(("GET", r"/api/v2/tickets/\d+/audits"),), fake=fake)
    elif request.param == "django-helpdesk":
        server = request.getfixturevalue("django_helpdesk_server")
        http = httpx.Client(base_url=server.api, headers={"Authorization": f"Token {server.token}"}, timeout=30)
        t = Target("django-helpdesk", server.url, server.token, http,
                   writes=(("POST", r"/followups/$"), ("PATCH", r"/tickets/\d+/$")),
                   reads=(("GET", r"/tickets/\d+/$"),))
    else:
        server = request.getfixturevalue("rt_server")
        t = Target("rt", server.url, server.token, server.client(),
                   writes=(("POST", r"/ticket/\d+/(correspond|comment)$"), ("PUT", r"/ticket/\d+$")),
                   reads=(("GET", r"/ticket/\d+$"),))
    yield t
    t.http.close()


# ==================================================================== one scenario's world


class Clock:
    """The engine's clock: real time plus an offset that each push round moves on."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class Queued:
    item_id: str
    action: str
    body: str | None
    message_id: int | None
    new_status: Status | None


@dataclass
class Rig:
    target: Target
    proxy: FaultProxy
    cache: Cache
    backend: object
    engine: SyncEngine
    clock: Clock
    remote_id: str
    ticket_id: int
    queued: list[Queued] = field(default_factory=list)
    pull_too: bool = False  # each round a whole sync (push, then pull, as the app does), not only a push

    def reply(self, body: str, *, note: bool = False, new_status: Status | None = None) -> Queued:
        kind = MessageKind.INTERNAL_NOTE if note else MessageKind.PUBLIC_REPLY
        message_id, item_id = self.cache.queue_reply(ReplyPlan(self.ticket_id, kind, body, "agent",
                                                               new_status), self.clock())
        q = Queued(item_id, "note" if note else "reply", body, message_id, new_status)
        self.queued.append(q)
        return q

    def update(self, new_status: Status) -> Queued:
        """A status change without text: an "update" outbox row, as the triage keys queue it."""
        now = self.clock()
        item_id = uuid.uuid4().hex
        with self.cache.connection() as conn, transaction(conn):
            ticket = tickets.get_ticket(conn, self.ticket_id)
            payload = {"status": str(new_status), "ticket_remote_id": ticket.remote_id,
                       "ticket_version": ticket.version}
            conn.execute("INSERT INTO outbox (id, ticket_id, message_id, action, payload, state, attempts, "
                         "last_error, created_at, updated_at) VALUES (?, ?, NULL, 'update', ?, ?, 0, NULL, ?, ?)",
                         (item_id, self.ticket_id, json.dumps(payload), outbox.QUEUED, to_epoch(now), to_epoch(now)))
        q = Queued(item_id, "update", None, None, new_status)
        self.queued.append(q)
        return q

    def standard_items(self, tag: str) -> None:
        """A reply, a note, a reply that solves the ticket, and a bare status change reopening it."""
        self.reply(f"Reply one {tag}: we are looking into it.")
        self.reply(f"Note {tag}: customer is on the legacy plan.", note=True)
        self.reply(f"Reply two {tag}: fixed, closing.", new_status=Status.SOLVED)
        self.update(Status.OPEN)

    def drain(self, rounds: int = ROUNDS, *, step: timedelta = STEP, land_after: timedelta | None = None) -> int:
        """Push until every item is sent; returns the rounds it took.

        Each round is ``step`` later on the engine's clock. ``land_after``: requests the proxy
        holds are let go once the engine's clock has moved on that much (a request stuck in a
        slow proxy or worker queue for that long, in the engine's time)."""
        problems: list[str] = []
        for n in range(1, rounds + 1):
            if self.pull_too:
                report = self.engine.sync()  # what the app does: send, then bring in what changed
                result = report.pushed
                problems += [report.problem] if report.problem and report.problem not in result.problems else []
            else:
                result = self.engine.push()
            problems += result.problems
            if land_after is not None and self.clock.offset + step >= land_after:
                self.proxy.release()
                assert self.proxy.wait_idle()
            states = Counter(i.state for i in self.cache.outbox_items())
            if set(states) == {outbox.SENT}:
                return n
            if states[outbox.FAILED] or states[outbox.CONFLICT]:
                break
            self.clock.offset += step  # the next sync comes later
        items = [(i.action, i.state, i.last_error) for i in self.cache.outbox_items()]
        pytest.fail(f"the outbox did not drain on {self.target.kind}: {items}\nproblems: {problems}\n"
                    f"proxy log:\n{self.proxy.describe()}")

    # ---------------------------------------------------------------- the verdict

    def server_thread(self):
        return self.target.direct().fetch_thread(self.remote_id)

    def assert_exactly_once(self) -> None:
        """On the real server: each queued message once, each status change once and in the order
        queued; locally: every item sent, with the server's id."""
        self.proxy.wait_idle()
        thread = self.server_thread()
        log = f"\nproxy log:\n{self.proxy.describe()}"
        for q in self.queued:
            if q.body is None:
                continue
            kind = MessageKind.INTERNAL_NOTE if q.action == "note" else MessageKind.PUBLIC_REPLY
            copies = [m for m in thread if text_of(m) == q.body]
            assert len(copies) == 1, f"{q.action} {q.body!r} is on the server {len(copies)} times{log}"
            assert copies[0].kind == kind
        bodies = [q.body for q in self.queued if q.body is not None]
        on_server = [text_of(m) for m in thread if text_of(m) in bodies]
        assert on_server == bodies, f"the messages arrived out of order: {on_server}{log}"
        said = [m for m in thread if m.kind in (MessageKind.PUBLIC_REPLY, MessageKind.INTERNAL_NOTE)]
        assert len(said) == len(bodies), f"unexpected messages on the server: {[m.body[:40] for m in said]}{log}"
        if self.target.kind == "django-helpdesk":  # every item is one followup, after the opening one
            followups = self.target.http.get(f"/tickets/{self.remote_id}/").json()["followup_set"]
            assert len(followups) == 1 + len(self.queued), \
                f"{len(followups) - 1} followups for {len(self.queued)} items: " \
                f"{[(f['comment'][:30], f['new_status']) for f in followups]}{log}"
        changes = self.target.status_changes(self.remote_id)
        solved = [q for q in self.queued if q.new_status == Status.SOLVED]
        if solved:
            assert changes.count(Status.SOLVED) == len(solved), f"status changes on the server: {changes}{log}"
            after = changes[changes.index(Status.SOLVED) + 1:]
            reopen = [q for q in self.queued if q.action == "update" and q.new_status == Status.OPEN]
            assert after == [Status.OPEN] * len(reopen), f"status changes on the server: {changes}{log}"
        last = [q.new_status for q in self.queued if q.new_status is not None]
        if last:
            assert self.target.current_status(self.remote_id) == last[-1]
        # Locally: every item sent, every message carrying the id of its copy on the server.
        by_body = {text_of(m): m.remote_id for m in thread}
        items = {i.id: i for i in self.cache.outbox_items()}
        with self.cache.connection() as conn:
            remote_of = dict(conn.execute("SELECT id, remote_id FROM messages WHERE ticket_id = ?",
                                          (self.ticket_id,)).fetchall())
        for q in self.queued:
            assert items[q.item_id].state == outbox.SENT, (q, items[q.item_id].last_error)
            if q.message_id is not None:
                assert remote_of[q.message_id] == by_body[q.body], f"{q.action} {q.body!r}: local id " \
                    f"{remote_of[q.message_id]}, server id {by_body[q.body]}{log}"
        # A pull afterwards shows each message once in the cache too.
        self.proxy.clear()
        self.engine.pull()
        local = self.cache.thread(self.ticket_id)
        ids = [m.remote_id for m in local]
        assert None not in ids and len(ids) == len(set(ids)), [(m.remote_id, m.body[:30]) for m in local]
        for q in self.queued:
            if q.body is not None:
                assert sum(text_of(m) == q.body for m in local) == 1, q


@pytest.fixture
def rig(target, tmp_path) -> Rig:
    remote_id = target.new_ticket(f"Exactly once {uuid.uuid4().hex[:8]}")
    with FaultProxy(target.url) as proxy:
        clock = Clock()
        backend = Only(build_backend(target.kind, proxy.url, target.token), {remote_id})
        cache = Cache(tmp_path / "acct.sqlite", target.kind)
        engine = SyncEngine(cache, backend, clock)
        engine.pull()
        with cache.connection() as conn:
            row = conn.execute("SELECT id FROM tickets WHERE remote_id = ?", (remote_id,)).fetchone()
        assert row, f"ticket {remote_id} did not sync"
        yield Rig(target, proxy, cache, backend, engine, clock, remote_id, row[0])
        cache.close()


# ==================================================================== fault plans


def on_writes(*faults, repeat: bool = True) -> Callable[[FaultProxy, Target], None]:
    """The same fault sequence on each kind of write (each counts its own requests)."""

    def plan(proxy: FaultProxy, target: Target) -> None:
        for method, pattern in target.writes:
            proxy.add(method, pattern, *faults, repeat=repeat)

    return plan


def run_of_faults(proxy: FaultProxy, target: Target) -> None:
    """A long run of mixed faults on the writes, and transient 5xx on the reads, then calm."""
    for method, pattern in target.writes:
        proxy.add(method, pattern, drop_after_upstream(), status(500, forward=True), status(503, RETRY0),
                  *[status(429, RETRY0)] * ATTEMPTS, stall(TIMEOUT + 0.5), drop_before_upstream(),
                  status(502, forward=True), status(500))
    proxy.add("GET", r".", status(500), PASS, status(502), PASS, PASS, repeat=True)  # retried within a request


PLANS = {
    # the server applies every write, the client never learns it: each item is confirmed by a look-up
    "drop-after-upstream": on_writes(drop_after_upstream()),
    "500-after-upstream": on_writes(status(500, forward=True)),
    # the server never sees every other write, the client cannot tell: looked up, not found, sent again
    "500-before-upstream": on_writes(status(500), PASS),
    "drop-before-upstream": on_writes(drop_before_upstream(), PASS),
    # rate limits: retried within the request, or the item waits for the next round
    "429-then-success": on_writes(status(429, RETRY0), status(429, RETRY0), PASS),
    "429-until-retries-run-out": on_writes(*[status(429, RETRY0)] * ATTEMPTS, PASS),
    # the server applies it and answers too late (the first write of each kind)
    "stall-past-timeout": on_writes(stall(TIMEOUT + 0.5), repeat=False),
    "run-of-faults-then-success": run_of_faults,
    # the same, each round a whole sync: our messages come back in pulls before they are looked up
    "run-of-faults-with-pulls": run_of_faults,
}


@pytest.mark.parametrize("plan", list(PLANS))
def test_each_item_reaches_the_server_exactly_once(rig, plan):
    rig.standard_items(uuid.uuid4().hex[:6])
    PLANS[plan](rig.proxy, rig.target)
    rig.pull_too = plan.endswith("with-pulls")
    rig.drain()
    assert rig.proxy.wait_idle()
    assert [e for e in rig.proxy.entries() if e.fault != "pass"], "the plan never fired"
    rig.assert_exactly_once()


def test_no_faults_one_request_per_item(rig):
    rig.standard_items(uuid.uuid4().hex[:6])
    assert rig.drain() == 1
    rig.assert_exactly_once()
    writes = sum(rig.proxy.count(m, p) for m, p in rig.target.writes)
    assert writes == 4


# ==================================================================== the look-up itself fails


def test_unknown_outcome_whose_lookup_fails_is_not_sent_blindly(rig):
    rig.reply(f"Lookup fails {uuid.uuid4().hex[:6]}: here is the fix.")
    method, pattern = rig.target.writes[0]
    rig.proxy.add(method, pattern, drop_after_upstream())  # delivered, no answer: unknown outcome
    for read_method, read_pattern in rig.target.reads:  # the look-up then meets a failing server
        rig.proxy.add(read_method, read_pattern, *[status(503, RETRY0)] * ATTEMPTS)
    rig.drain()
    rig.assert_exactly_once()


# ==================================================================== updates and versions


def test_an_update_behind_a_reply_confirmed_by_lookup(rig):
    """The reply's answer is lost, a look-up confirms it; the update queued behind it goes out
    after it and does not conflict with our own reply (RT checks versions)."""
    rig.reply(f"Confirmed by lookup {uuid.uuid4().hex[:6]}: done.")
    rig.update(Status.SOLVED)
    method, pattern = rig.target.writes[0]
    rig.proxy.add(method, pattern, drop_after_upstream())
    time.sleep(1.1)  # RT versions are whole seconds: our reply must move LastUpdated
    rig.drain()
    rig.assert_exactly_once()


def test_an_update_whose_outcome_is_unknown(rig):
    """The update was applied but its answer lost: it ends sent, applied once (not a conflict
    with our own change)."""
    rig.update(Status.SOLVED)
    for method, pattern in rig.target.writes:
        rig.proxy.add(method, pattern, drop_after_upstream())
    time.sleep(1.1)  # RT versions are whole seconds: our update must move LastUpdated
    rig.drain()
    rig.assert_exactly_once()
    assert rig.target.status_changes(rig.remote_id).count(Status.SOLVED) == 1


def test_later_items_wait_behind_an_unknown_outcome(rig):
    """The solving reply's answer is lost; until it has been looked up, the status change queued
    after it must not go out (it would be applied first, or conflict with our own reply)."""
    rig.reply(f"Unknown first {uuid.uuid4().hex[:6]}: closing.", new_status=Status.SOLVED)
    rig.update(Status.OPEN)
    method, pattern = rig.target.writes[0]
    rig.proxy.add(method, pattern, status(500))  # never reached the server; the client cannot tell
    rig.drain(step=timedelta(seconds=20))  # syncs come quicker than any grace period
    rig.assert_exactly_once()


def test_a_pull_between_the_unknown_outcome_and_the_look_up(rig):
    """What ``sync()`` does: push (the answers are lost), then pull, which brings our own
    messages and status changes back before the look-up runs."""
    rig.reply(f"Pulled back {uuid.uuid4().hex[:6]}: before the look-up.")
    rig.update(Status.SOLVED)
    for method, pattern in rig.target.writes:
        rig.proxy.add(method, pattern, drop_after_upstream(), repeat=True)
    rig.pull_too = True
    rig.drain()
    rig.assert_exactly_once()


# ==================================================================== texts that repeat


def test_two_notes_with_the_same_text_both_arrive(rig):
    body = f"Same text {uuid.uuid4().hex[:6]}: checked, nothing found."
    rig.reply(body, note=True)
    rig.reply(body, note=True)
    method, pattern = rig.target.writes[0]
    rig.proxy.add(method, pattern, PASS, status(500))  # the second never reaches the server
    rig.drain()
    thread = rig.server_thread()
    assert sum(text_of(m) == body for m in thread) == 2, rig.proxy.describe()
    with rig.cache.connection() as conn:
        ids = [r[0] for r in conn.execute("SELECT remote_id FROM messages WHERE ticket_id = ? AND body = ?",
                                          (rig.ticket_id, body))]
    assert len(ids) == 2 and len(set(ids)) == 2, ids


def test_the_same_status_change_twice(rig):
    """Solved, reopened, solved again within minutes; the last one never reaches the server. The
    first "solved" on the server is not the last one's."""
    rig.update(Status.SOLVED)
    rig.update(Status.OPEN)
    rig.update(Status.SOLVED)
    for method, pattern in rig.target.writes:
        rig.proxy.add(method, pattern, PASS, PASS, status(500))
    rig.drain()
    assert rig.proxy.wait_idle()
    changes = rig.target.status_changes(rig.remote_id)
    assert changes[-3:] == [Status.SOLVED, Status.OPEN, Status.SOLVED] and changes.count(Status.SOLVED) == 2, \
        f"status changes on the server: {changes}\n{rig.proxy.describe()}"
    assert rig.target.current_status(rig.remote_id) == Status.SOLVED


# ==================================================================== a request the server applies late


def test_a_request_applied_after_the_client_gave_up(rig):
    """The request is held (a slow proxy or worker queue) past the client's timeout and lands a
    minute later: a look-up before then would not find it and send it again."""
    rig.reply(f"Late {uuid.uuid4().hex[:6]}: applied after the timeout.")
    method, pattern = rig.target.writes[0]
    rig.proxy.add(method, pattern, stall_before_upstream(120))  # let go by drain(land_after=…)
    rig.drain(step=timedelta(seconds=30), land_after=timedelta(seconds=60))
    rig.assert_exactly_once()


# ==================================================================== pulls between the unknown outcome and the look-up

# Steps of one order: U the reply is sent and its answer never comes (W: the server has
# applied it and the answer is held; w: the request itself is held and not applied yet);
# A the held request lands (late applied write); P a pull within the grace period (what a
# sync does while the item waits); L a whole sync after the grace period (the look-up, then
# the pull). A write that lands only after the look-up is beyond any client without
# idempotency keys: the grace period exists so that it does not happen.
ORDERS = {
    "applied, look-up": "W L",
    "applied, pull, look-up": "W P L",  # the stall-then-pull: it sent the reply twice
    "applied, pull, pull, look-up": "W P P L",
    "late: pull, lands, look-up": "w P A L",
    "late: lands, pull, look-up": "w A P L",
    "late: pull, lands, pull, look-up": "w P A P L",
    "late: lands, look-up": "w A L",
}


@pytest.mark.parametrize("order", list(ORDERS))
def test_unknown_outcome_then_pulls_then_the_look_up_leaves_one_copy(rig, order):
    """Every order of "answer lost", "server applies it", "a pull brings it back" and "the
    look-up" ends with one copy on the server and one in the cache; the update queued behind the
    reply goes out after it."""
    tag = uuid.uuid4().hex[:6]
    rig.reply(f"Held {tag}: the fix is deployed.")
    rig.update(Status.SOLVED)
    method, pattern = rig.target.writes[0]
    for step in ORDERS[order].split():
        if step in "Ww":
            rig.proxy.add(method, pattern, stall(TIMEOUT + 1.5) if step == "W" else stall_before_upstream(120))
            result = rig.engine.push()
            assert result.sent == 0 and [i.state for i in rig.cache.outbox_items()][-2:] == [
                outbox.UNKNOWN, outbox.QUEUED], (result, rig.proxy.describe())
            if step == "W":
                assert rig.proxy.wait_forwarded(method, pattern)
        elif step == "A":
            rig.proxy.release()
            assert rig.proxy.wait_idle()
        elif step == "P":
            rig.clock.offset += timedelta(seconds=20)  # still within the grace period
            rig.engine.sync()
            assert rig.cache.outbox_items()[-2].state == outbox.UNKNOWN
        else:
            rig.clock.offset += STEP
            rig.pull_too = True
            rig.drain()
    rig.assert_exactly_once()


def test_killed_while_the_answer_is_held_then_a_pull_then_the_look_up(rig):
    """kill -9 of the app while the server's answer is held; the restarted app syncs (its pull
    brings the reply back) before the item is stale enough to look up: still one copy."""
    rig.reply(f"Killed {uuid.uuid4().hex[:6]}: we rebooted the router.")
    method, pattern = rig.target.writes[0]
    rig.proxy.add(method, pattern, stall(60))
    _run_worker(rig, "none", timedelta(0), kill_when=lambda: rig.proxy.wait_forwarded(method, pattern))
    rig.proxy.release()
    assert rig.proxy.wait_idle()
    assert [i.state for i in rig.cache.outbox_items()] == [outbox.SENDING]
    rig.clock.offset = timedelta(seconds=60)  # the restarted app's first sync: the item may still be in flight
    rig.engine.sync()
    assert [i.state for i in rig.cache.outbox_items()] == [outbox.SENDING]
    rig.clock.offset = timedelta(seconds=outbox.STALE_SENDING + 60)
    rig.pull_too = True
    rig.drain()
    rig.assert_exactly_once()


# ==================================================================== the app killed mid-send


def _send_worker(config_json: str) -> None:
    """Runs in a subprocess: drain the outbox (its clock ``offset`` seconds ahead), SIGKILL-ing
    itself as told."""
    config = json.loads(config_json)
    backend = Only(build_backend(config["kind"], config["url"], config["token"], timeout=60),
                   {config["remote_id"]})
    real_push = backend._backend.push

    def push(item, ticket_remote_id, version):
        if config["kill"] == "before-send":
            os.kill(os.getpid(), signal.SIGKILL)
        result = real_push(item, ticket_remote_id, version)
        if config["kill"] == "after-applied":
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    backend._backend.push = push
    offset = timedelta(seconds=config["offset"])
    SyncEngine(Cache(config["cache"], config["kind"]), backend, lambda: datetime.now(UTC) + offset).push()


def _run_worker(rig: Rig, kill: str, offset: timedelta, *, kill_when: Callable[[], bool] | None = None) -> None:
    config = {"kind": rig.target.kind, "url": rig.proxy.url, "token": rig.target.token,
              "remote_id": rig.remote_id, "cache": str(rig.cache.path), "kill": kill,
              "offset": offset.total_seconds()}
    code = "import sys; from tests.test_exactly_once import _send_worker; _send_worker(sys.argv[1])"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", code, json.dumps(config)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if kill_when is not None and kill_when():
        proc.send_signal(signal.SIGKILL)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    assert proc.returncode == -signal.SIGKILL, f"the worker was not killed ({proc.returncode}): {err[-2000:]!r}\n" \
        f"{rig.proxy.describe()}"


def test_the_app_killed_mid_send_resumes_without_duplicates_or_losses(rig):
    """Killed after the server applied an item, before a request left, and with a request in
    flight; each restart comes after STALE_SENDING, so what the last one left is looked up."""
    rig.standard_items(uuid.uuid4().hex[:6])
    write_method, write_pattern = rig.target.writes[0]
    later = timedelta(seconds=outbox.STALE_SENDING + 60)
    # 1. The reply is applied and answered; the process dies before it records that.
    _run_worker(rig, "after-applied", 0 * later)
    assert [i.state for i in rig.cache.outbox_items()][:2] == [outbox.SENDING, outbox.QUEUED]
    # 2. The next run finds the reply by looking; it claims the note and dies before the request leaves.
    _run_worker(rig, "before-send", 1 * later)
    assert [i.state for i in rig.cache.outbox_items()][:3] == [outbox.SENT, outbox.SENDING, outbox.QUEUED]
    # 3. The next run looks for the note, does not find it, sends it; the server applies it and
    #    answers, the answer is held, and the process is killed while it waits.
    answered = rig.proxy.count(write_method, write_pattern, forwarded=True)
    rig.proxy.add(write_method, write_pattern, stall(60))
    _run_worker(rig, "none", 2 * later, kill_when=lambda: rig.proxy.wait_forwarded(
        write_method, write_pattern, n=answered + 1))
    rig.proxy.release()  # the held answer goes to a dead process
    assert rig.proxy.wait_idle()
    rig.proxy.clear()
    states = [i.state for i in rig.cache.outbox_items()]
    assert states == [outbox.SENT, outbox.SENDING, outbox.QUEUED, outbox.QUEUED], states
    # 4. A last run: the note is found, the solving reply and the status change are sent.
    before = sum(rig.proxy.count(m, p) for m, p in rig.target.writes)
    rig.clock.offset = 3 * later
    rig.drain()
    rig.assert_exactly_once()
    sent_now = sum(rig.proxy.count(m, p) for m, p in rig.target.writes) - before
    assert sent_now == 2, f"only the solving reply and the update were still to send:\n{rig.proxy.describe()}"


def test_later_items_wait_behind_one_that_may_be_in_flight(rig):
    """A reply left "sending" by a process that died a minute ago (or another drainer sending it
    now): the status change queued after it must not overtake it."""
    q = rig.reply(f"Closing {uuid.uuid4().hex[:6]}: solved.", new_status=Status.SOLVED)
    rig.update(Status.OPEN)
    with rig.cache.connection() as conn, transaction(conn):
        outbox.mark(conn, q.item_id, outbox.SENDING, rig.clock() - timedelta(seconds=60), attempt=True)
    seen = len(rig.proxy.entries())
    rig.engine.push()
    assert len(rig.proxy.entries()) == seen, \
        f"the reply was looked up, or an item went out ahead of it:\n{rig.proxy.describe()}"
    rig.clock.offset = timedelta(seconds=outbox.STALE_SENDING)
    rig.drain()
    rig.assert_exactly_once()


# ==================================================================== the proxy itself


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hits: list[str] = []

    def log_message(self, *args):
        pass

    def _any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        _Echo.hits.append(f"{self.command} {self.path} {body.decode()}")
        data = json.dumps({"path": self.path, "host": self.headers["Host"]}).encode()
        self.send_response(201 if self.command == "POST" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _any


@pytest.fixture
def echo():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Echo.hits = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_proxy_does_what_the_plan_says(echo):
    with FaultProxy(echo) as proxy:
        proxy.add("POST", r"^/w", drop_after_upstream(), status(500, forward=True), status(429, RETRY0),
                  stall(0.8), drop_before_upstream(), status(503))
        proxy.nth("GET", r"^/r", 2, status(502))
        with httpx.Client(base_url=proxy.url, timeout=0.5) as client:
            outcomes = []
            for n in range(7):
                try:
                    r = client.post("/w", json={"n": n})
                    outcomes.append((r.status_code, r.headers.get("retry-after")))
                except httpx.HTTPError as exc:
                    outcomes.append(type(exc).__name__)
            reads = [client.get("/r").status_code for _ in range(3)]
            assert client.get("/host").json()["host"] == proxy.url.removeprefix("http://")  # Host kept
        assert outcomes == ["RemoteProtocolError", (500, None), (429, "0"), "ReadTimeout", "RemoteProtocolError",
                            (503, None), (201, None)]
        assert reads == [200, 502, 200]
        assert proxy.wait_idle()
        # The server saw: the drop, the 500-after, the stall, and the last one; not 429/drop-before/503.
        assert [h.split()[-1] for h in _Echo.hits if h.startswith("POST")] == [
            '{"n":0}', '{"n":1}', '{"n":3}', '{"n":6}']
        assert proxy.count("POST", r"^/w", forwarded=True) == 4 and proxy.count("POST") == 7
        assert [e.fault for e in proxy.entries("POST")] == [
            "drop_after_upstream", "status 500 after upstream", "status 429", "stall 0.8s",
            "drop_before_upstream", "status 503", "pass"]
    started = time.monotonic()
    with FaultProxy(echo) as proxy:  # stop() ends a held stall at once
        proxy.add("GET", r".", stall(30))
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(proxy.url + "/x", timeout=0.5)
        assert proxy.wait_forwarded("GET", r"/x")
    assert time.monotonic() - started < 5
