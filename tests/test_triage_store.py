"""Rotation triage in the cache (store/triage.py, store/triage_desk.py): real SQLite copies of
the demo workspace, and one end-to-end run against a real django-helpdesk server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from helpdesk_tui.compose.render import apply_template
from helpdesk_tui.compose.templates import load_templates
from helpdesk_tui.domain.triage import ESCALATION_TEMPLATE_ID, FEEDBACK_TAG, escalation_facts
from helpdesk_tui.domain.vocab import EventKind, MessageKind, Priority, Status
from helpdesk_tui.store import outbox, triage, triage_queue
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import transaction
from helpdesk_tui.store.triage_desk import TriageDesk
from helpdesk_tui.sync.backends.django_helpdesk import DjangoHelpdeskBackend, make_client
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.engine import SyncEngine
from helpdesk_tui.sync.http import RetryPolicy
from helpdesk_tui.sync.outbox_sender import drain_outbox

from tests.conftest import DEMO_NOW
from tests.server_django_helpdesk import django_helpdesk_server  # noqa: F401
from tests.backend_support import Only

LATER = DEMO_NOW + timedelta(minutes=3)
FIRST_IN_QUEUE = 10405  # breached for weeks: the most urgent unowned ticket of the demo workspace


@pytest.fixture
def cache(demo_db):
    c = Cache(demo_db, "demo")
    yield c
    c.close()


def desk(cache, *, agent="Aiko", sends_tags=True, **kw) -> TriageDesk:
    return TriageDesk(cache, agent, sends_tags=sends_tags, now=DEMO_NOW, **kw)


def number_of(cache, ticket_id: int) -> int:
    return cache.ticket(ticket_id).number


def sql(cache, query: str, *params):
    with cache.connection() as conn:
        return conn.execute(query, params).fetchall()


def queued(cache):
    return [i for i in cache.outbox_items() if i.state == outbox.QUEUED]


def waiting(cache) -> int:
    """How many tickets the queue must hold, counted straight from the table."""
    [(count,)] = sql(cache, "SELECT count(*) FROM tickets WHERE assignee IS NULL AND deleted_at IS NULL"
                            " AND status IN ('new', 'open', 'pending', 'on_hold')")
    return count


def feedback_marks(cache) -> list[tuple]:
    """The marks already in the cache (the demo workspace ships some), to compare against."""
    return sql(cache, "SELECT ticket_id, message_id, author FROM feedback_marks ORDER BY id")


def first_customer_line(cache, tid: int) -> str:
    """The first line of the customer's first message, read straight from the table."""
    [(body,)] = sql(cache, "SELECT message_body(body) FROM messages WHERE ticket_id = ? AND kind = 'customer'"
                           " ORDER BY created_at, id LIMIT 1", tid)
    return body.strip().splitlines()[0].rstrip()


# ----- the queue

def test_the_queue_is_every_active_unowned_ticket_in_sla_order(cache):
    ids = list(desk(cache).queue_ids())
    active = {"new", "open", "pending", "on_hold"}
    everything = sql(cache, "SELECT id, assignee, status, deleted_at, sla_key FROM tickets")
    expected = [tid for tid, assignee, status, deleted, key in sorted(everything, key=lambda r: (r[4], r[0]))
                if assignee is None and status in active and deleted is None]
    assert ids == expected and len(ids) == waiting(cache) >= 3
    assert number_of(cache, ids[0]) == FIRST_IN_QUEUE
    keys = [k for (k,) in (sql(cache, "SELECT sla_key FROM tickets WHERE id = ?", i)[0] for i in ids)]
    assert keys == sorted(keys)
    assert desk(cache).queue_count() == len(ids) and list(desk(cache).queue_ids(limit=3)) == ids[:3]


def test_the_queue_query_walks_the_assignee_index_in_order(cache):
    query, params = triage_queue.queue_sql()
    with cache.connection() as conn:
        plan = " | ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + query, params))
    assert "ix_tickets_assignee" in plan and "TEMP B-TREE" not in plan


def test_deleted_and_solved_tickets_are_not_in_the_queue(cache):
    d = desk(cache)
    before = d.queue_count()
    first, second = list(d.queue_ids(limit=2))
    with cache.connection() as conn, transaction(conn):
        conn.execute("UPDATE tickets SET deleted_at = 1, sla_key = sla_key + 50000000000 WHERE id = ?", (first,))
    d.set_status([second], Status.SOLVED, DEMO_NOW)
    assert first not in d.queue_ids() and second not in d.queue_ids() and d.queue_count() == before - 2 == waiting(cache)


# ----- one key, one outbox item per ticket

def test_taking_assigns_to_me_queues_one_update_and_leaves_the_queue(cache):
    d = desk(cache)
    tid = d.queue_ids()[0]
    [result] = d.take([tid], LATER)
    assert result.left_queue and result.number == FIRST_IN_QUEUE
    assert cache.ticket(tid).assignee == "Aiko"
    [item] = queued(cache)
    assert (item.id, item.ticket_id, item.action) == (result.outbox_ids[0], tid, "update")
    assert item.payload == {"assignee": "Aiko", "public": False, "ticket_remote_id": str(tid), "ticket_version": None}
    assert [e.kind for e in cache.timeline(tid) if e.at == LATER] == [EventKind.ASSIGNED]
    assert tid not in d.queue_ids()
    assert sql(cache, "SELECT action, outbox_id, agent FROM triage_actions") == [("take", item.id, "Aiko")]


@pytest.mark.parametrize("act, field, value", [
    (lambda d, ids: d.set_priority(ids, Priority.LOW, LATER), "priority", "low"),
    (lambda d, ids: d.set_status(ids, Status.PENDING, LATER), "status", "pending"),
    (lambda d, ids: d.assign(ids, "Dana", LATER), "assignee", "Dana"),
])
def test_each_key_changes_the_cache_and_queues_exactly_one_item(cache, act, field, value):
    d = desk(cache)
    tid = d.queue_ids()[1]
    [result] = act(d, [tid])
    ticket = cache.ticket(tid)
    assert str(getattr(ticket, field)) == value
    [item] = queued(cache)
    assert item.payload[field] == value and item.ticket_id == tid and result.outbox_ids == (item.id,)


def test_a_change_the_ticket_already_has_queues_nothing(cache):
    d = desk(cache)
    for tid in d.queue_ids()[:3]:  # each one set to the priority it already has
        assert d.set_priority([tid], cache.ticket(tid).priority, LATER) == []
    assert cache.outbox_items() == [] and d.summary().tickets == 0


def test_one_key_on_several_marked_tickets_queues_one_item_per_ticket(cache):
    d = desk(cache)
    ids = [i for i in d.queue_ids() if cache.ticket(i).priority != Priority.LOW][:3]
    results = d.set_priority(ids, Priority.LOW, LATER)
    assert [r.ticket_id for r in results] == ids
    items = queued(cache)
    assert sorted(i.ticket_id for i in items) == sorted(ids) and len(items) == 3
    assert {i.payload["priority"] for i in items} == {"low"}
    batches = {json.loads(d)["batch"] for (d,) in sql(cache, "SELECT detail FROM triage_actions")}
    assert len(batches) == 1


# ----- undo

def test_undo_while_queued_restores_the_tickets_and_removes_their_items(cache):
    d = desk(cache)
    ids = list(d.queue_ids()[:3])
    before = {i: cache.ticket(i) for i in ids}
    events_before = {i: len(cache.timeline(i)) for i in ids}
    d.take(ids[:1], LATER)
    d.set_status(ids, Status.PENDING, LATER)
    assert len(queued(cache)) == 4
    undone = d.undo(LATER)
    assert undone.action == "status" and undone.outbox_removed == 3 and sorted(undone.ticket_ids) == sorted(ids)
    assert [i.payload for i in queued(cache)] == [{"assignee": "Aiko", "public": False,
                                                  "ticket_remote_id": str(ids[0]), "ticket_version": None}]
    for tid in ids:
        assert cache.ticket(tid).status == before[tid].status
    assert len(cache.timeline(ids[1])) == events_before[ids[1]]
    d.undo(LATER)
    assert cache.outbox_items() == [] and cache.ticket(ids[0]).assignee is None
    assert list(d.queue_ids()[:3]) == ids
    assert d.summary().tickets == 0
    with pytest.raises(triage.TriageError, match="^Nothing to undo in this rotation.$"):
        d.undo(LATER)


def test_undo_after_the_item_was_sent_refuses_and_changes_nothing(cache):
    d = desk(cache)
    tid = d.queue_ids()[0]
    [result] = d.set_priority([tid], Priority.LOW, LATER)
    with cache.connection() as conn, transaction(conn):
        outbox.mark(conn, result.outbox_ids[0], outbox.SENT, LATER)
    with pytest.raises(triage.TriageError) as refused:
        d.undo(LATER)
    assert str(refused.value) == (f"Too late to undo: the change to #{FIRST_IN_QUEUE} has already left the outbox "
                                  "(sent); make the opposite change instead.")
    assert cache.ticket(tid).priority == Priority.LOW
    assert [i.state for i in cache.outbox_items()] == ["sent"]
    assert d.summary().by_action == {"priority": 1}


def test_undo_refuses_while_an_item_is_being_sent(cache):
    d = desk(cache)
    tid = d.queue_ids()[0]
    d.take([tid], LATER)
    with cache.connection() as conn, transaction(conn):
        assert outbox.claim(conn, cache.outbox_items()[0], LATER)
    with pytest.raises(triage.TriageError, match=r"already left the outbox \(sending\)"):
        d.undo(LATER)
    assert cache.ticket(tid).assignee == "Aiko"


def test_undo_leaves_a_field_the_helpdesk_changed_since(cache):
    d = desk(cache)
    tid = d.queue_ids()[0]
    d.set_priority([tid], Priority.LOW, LATER)
    with cache.connection() as conn, transaction(conn):  # a sync brought another agent's change
        conn.execute("UPDATE tickets SET priority = 'normal' WHERE id = ?", (tid,))
    undone = d.undo(LATER)
    assert undone.kept == [f"#{FIRST_IN_QUEUE} priority"]
    assert cache.ticket(tid).priority == Priority.NORMAL and cache.outbox_items() == []


# ----- escalation

def escalation_note(cache, tid: int, to: str) -> str:
    template = next(t for t in load_templates(None).templates if t.id == ESCALATION_TEMPLATE_ID)
    ticket = cache.ticket(tid)
    summary = cache.customer_summary(ticket.requester_id)
    facts = escalation_facts(ticket, cache.thread(tid), to=to, customer=summary.customer.name,
                             organization=summary.organization.name if summary.organization else "", now=DEMO_NOW)
    return apply_template(template, ticket=ticket, customer=summary.customer, organization=summary.organization,
                          agent_name="Aiko", now=DEMO_NOW, tz=UTC, extra=facts.template_values()).text


def test_escalation_queues_an_internal_note_with_the_template_then_the_assignment(cache):
    d = desk(cache)
    tid = next(i for i in d.queue_ids() if "'" in cache.ticket(i).subject)  # the template must not escape it
    [(number, subject, priority, customer)] = sql(
        cache, "SELECT t.number, t.subject, t.priority, c.name FROM tickets t JOIN customers c ON c.id = t.requester_id"
               " WHERE t.id = ?", tid)
    note = escalation_note(cache, tid, "Dana")
    assert note.startswith(f"**Escalated to Dana** by Aiko: ticket #{number}, \"{subject}\"\n")
    assert f"\n> {first_customer_line(cache, tid)}\n" in note
    assert f"Priority {priority} for {customer}" in note
    note = note.replace("[[", "").replace("]]", "").strip()
    [result] = d.escalate([tid], {tid: note}, LATER, assignee="Dana", status="open")
    note_item, update_item = cache.outbox_items()
    assert result.outbox_ids == (note_item.id, update_item.id) and result.left_queue
    assert (note_item.action, note_item.payload["public"], note_item.payload["body"]) == ("note", False, note + "\n")
    assert update_item.action == "update"
    assert (update_item.payload["assignee"], update_item.payload["status"]) == ("Dana", "open")
    message = cache.thread(tid)[-1]
    assert (message.kind, message.body, message.delivery) == (MessageKind.INTERNAL_NOTE, note + "\n", "queued")
    ticket = cache.ticket(tid)
    assert (ticket.assignee, ticket.status) == ("Dana", Status.OPEN)
    assert tid not in d.queue_ids()
    assert d.summary().by_action == {"escalate": 1}


def test_escalating_keeps_a_reply_draft_being_written_on_the_ticket(cache):
    from helpdesk_tui.domain.models import Draft

    d = desk(cache)
    tid = d.queue_ids()[0]
    cache.save_draft(Draft(tid, MessageKind.PUBLIC_REPLY, "Dear customer, half written", DEMO_NOW, DEMO_NOW))
    d.escalate([tid], {tid: "Checked the certificate: expired."}, LATER, assignee="Dana")
    assert cache.draft(tid).body == "Dear customer, half written"


def test_escalation_to_a_group_leaves_the_queue_and_undo_takes_back_note_and_update(cache):
    d = desk(cache)
    tid = d.queue_ids()[0]
    before, group = d.queue_count(), cache.ticket(tid).group
    thread_before = len(cache.thread(tid))
    d.escalate([tid], {tid: "Zebracorn checked: the cert expired on Aug 21."}, LATER, group="Tier 2")
    assert cache.ticket(tid).group == "Tier 2" and cache.ticket(tid).assignee is None
    assert group != "Tier 2"
    assert tid not in d.queue_ids() and d.queue_count() == before - 1
    assert [h.ticket_id for h in cache.search("zebracorn", kinds=("message",))] == [tid]
    undone = d.undo(LATER)
    assert undone.outbox_removed == 2 and cache.outbox_items() == []
    assert len(cache.thread(tid)) == thread_before
    assert cache.search("zebracorn", kinds=("message",)) == []
    assert cache.ticket(tid).group == group
    assert tid in d.queue_ids() and d.queue_count() == before
    assert not [e for e in cache.timeline(tid) if e.at == LATER]


def test_escalation_needs_someone_and_a_note(cache):
    d = desk(cache)
    tid = d.queue_ids()[0]
    with pytest.raises(triage.TriageError, match="^Say who takes the ticket over"):
        d.escalate([tid], {tid: "note"}, LATER)
    with pytest.raises(triage.TriageError, match="^The escalation note is empty"):
        d.escalate([tid], {tid: "  "}, LATER, assignee="Dana")
    assert cache.outbox_items() == [] and len(sql(cache, "SELECT * FROM triage_actions")) == 0


# ----- product feedback and tags

def test_product_feedback_marks_the_latest_customer_message_and_tags_through_the_outbox(cache):
    d = desk(cache)
    before = feedback_marks(cache)
    tid = next(i for i in d.queue_ids() if i not in {m[0] for m in before})  # not marked yet
    latest = max((m for m in cache.thread(tid) if m.kind == MessageKind.CUSTOMER), key=lambda m: (m.created_at, m.id))
    assert FEEDBACK_TAG not in cache.ticket(tid).tags
    [result] = d.mark_feedback([tid], LATER)
    assert feedback_marks(cache) == [*before, (tid, latest.id, "Aiko")]
    assert FEEDBACK_TAG in cache.ticket(tid).tags
    [item] = queued(cache)
    assert item.payload["tags"] == [*cache.ticket(tid).tags] and result.local_only == ()
    d.undo(LATER)
    assert feedback_marks(cache) == before
    assert FEEDBACK_TAG not in cache.ticket(tid).tags and cache.outbox_items() == []


def test_undoing_a_second_mark_puts_back_the_note_it_overwrote(cache):
    d = desk(cache)
    tid = d.queue_ids()[0]
    first = desk(cache, agent="Dana")
    first.mark_feedback([tid], LATER, note="wants per-folder restore")
    before = sql(cache, "SELECT id, note, author, marked_at FROM feedback_marks WHERE ticket_id = ?", tid)
    d.mark_feedback([tid], LATER + timedelta(minutes=5), note="something else")
    assert sql(cache, "SELECT note, author FROM feedback_marks WHERE ticket_id = ?", tid) == [("something else", "Aiko")]
    d.undo(LATER + timedelta(minutes=6))
    assert sql(cache, "SELECT id, note, author, marked_at FROM feedback_marks WHERE ticket_id = ?", tid) == before


def test_without_tags_on_the_helpdesk_a_tag_stays_local_and_nothing_is_queued(cache):
    d = desk(cache, sends_tags=False)
    tid = d.queue_ids()[0]
    before = feedback_marks(cache)
    [result] = d.add_tag([tid], "vip", LATER)
    assert result.local_only == ("tags",) and result.outbox_ids == ()
    assert "vip" in cache.ticket(tid).tags and cache.outbox_items() == []
    other = next(i for i in d.queue_ids() if i != tid and i not in {m[0] for m in before})  # no mark yet
    [feedback] = d.mark_feedback([other], LATER)
    assert feedback.local_only == ("tags",) and cache.outbox_items() == []
    assert [m[0] for m in feedback_marks(cache)] == [*(m[0] for m in before), other]
    assert d.summary().by_action == {"tag": 1, "feedback": 1}


# ----- rotations

def test_a_rotation_starts_by_itself_and_a_new_one_on_request(cache):
    first = desk(cache).rotation
    assert desk(cache).rotation == first  # the open one is reused
    assert desk(cache, agent="Dana").rotation.id != first.id  # each agent has their own
    d = desk(cache)
    d.take(d.queue_ids()[:1], LATER)
    newer = desk(cache, new_rotation=True)
    assert newer.rotation.id != first.id and newer.summary().tickets == 0
    assert sql(cache, "SELECT ended_at IS NOT NULL FROM rotations WHERE id = ?", first.id) == [(1,)]
    with pytest.raises(triage.TriageError):
        newer.undo(LATER)  # the last rotation's actions are not this one's to undo


def test_the_rotation_summary_counts_tickets_and_actions_without_undone_ones(cache):
    d = desk(cache)
    ids = list(d.queue_ids())
    d.take(ids[:2], LATER)
    d.set_priority(ids[2:5], Priority.LOW, LATER)
    d.add_tag(ids[2:3], "vip", LATER)
    d.escalate([ids[5]], {ids[5]: "Checked DNS."}, LATER, assignee="Dana")
    d.assign([ids[6]], "Kenji", LATER)
    d.undo(LATER)  # the assignment
    summary = d.summary()
    assert summary.by_action == {"take": 2, "priority": 3, "tag": 1, "escalate": 1}
    assert summary.tickets == 6
    recent = d.recent(limit=3)
    assert [(r.action, r.undone) for r in recent] == [("assign", True), ("escalate", False), ("tag", False)]
    assert [r.what for r in recent] == ["assigned to Kenji", "escalated to Dana", "tagged vip"]


def test_people_and_groups_offer_the_configured_ones_first_then_the_cache(cache):
    d = desk(cache)
    assert d.people(("Zoe", "dana")) == ["Zoe", "dana", "Aiko Tanaka", "giulia", "kenji", "marco", "noa", "priya",
                                         "sam", "yuki"]
    assert d.groups(("Tier 2",)) == ["Tier 2", "Accounts", "Billing", "Domains", "Email", "Technical"]


# ----- end to end: triage updates delivered to a real django-helpdesk

def test_triage_actions_reach_a_real_django_helpdesk_exactly_once(django_helpdesk_server, tmp_path):  # noqa: F811
    server = django_helpdesk_server
    api = httpx.Client(base_url=server.api, headers={"Authorization": f"Token {server.token}"}, timeout=30)
    made = [api.post("/tickets/", json={"queue": 1, "title": title, "description": "It broke.",
                                        "submitter_email": "triage@example.com", "priority": 3}).json()["id"]
            for title in ("Triage: take me", "Triage: escalate me")]
    account = AccountSettings(name="dh", url=server.url, user=None, token=server.token)
    backend = DjangoHelpdeskBackend(account, make_client(account, policy=RetryPolicy(attempts=2, base_delay=0.01,
                                                                                      max_delay=0.05, timeout=20)))
    cache = Cache(tmp_path / "dh.sqlite", "dh")
    clock = lambda: datetime.now(UTC)  # noqa: E731
    SyncEngine(cache, Only(backend, {str(i) for i in made}), clock).pull()
    # Django-helpdesk assigns by user: "user 1" is the server's admin.
    d = TriageDesk(cache, "user 1", sends_tags=False, now=clock())
    local = {cache.find_ticket(str(remote)).remote_id: cache.find_ticket(str(remote)).id for remote in made}
    take_me, escalate_me = local[str(made[0])], local[str(made[1])]
    assert set(d.queue_ids()) == {take_me, escalate_me}
    d.take([take_me], clock())
    d.set_priority([take_me, escalate_me], Priority.URGENT, clock())
    d.add_tag([take_me], "vip", clock())  # django-helpdesk has no tags: kept here, never sent
    d.escalate([escalate_me], {escalate_me: "Checked the mail logs: nothing arrives. Ruled out DNS."}, clock(),
               assignee="user 1")
    assert len(queued(cache)) == 5
    result = drain_outbox(cache, backend, clock)
    assert (result.sent, result.failed, result.problems) == (5, 0, [])
    assert drain_outbox(cache, backend, clock).sent == 0  # nothing twice
    taken, escalated = (api.get(f"/tickets/{i}/").json() for i in made)
    assert (taken["assigned_to"], taken["priority"]) == (1, 1)
    assert (escalated["assigned_to"], escalated["priority"]) == (1, 1)
    notes = [f for f in escalated["followup_set"] if "Checked the mail logs" in (f.get("comment") or "")]
    assert len(notes) == 1 and notes[0]["public"] is False
    assert not any("Checked the mail logs" in (f.get("comment") or "") for f in taken["followup_set"])
    with pytest.raises(triage.TriageError, match="already left the outbox"):
        d.undo(clock())
    cache.close()
    api.close()
