"""Rotation triage rules (domain/triage.py): pure functions, a fixed clock."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from helpdesk_tui.domain.triage import (
    ESCALATE, PRIORITY, TAKE, Change, apply_change, belongs_in_queue, changed_fields, describe_summary,
    escalation_facts, escalation_status, normalise_tag, plain_escalation_note, priority_for_key, restore,
    summarize, update_payload,
)
from helpdesk_tui.domain.vocab import EventKind, MessageKind, Priority, Status

from tests.factories import NOW, Builder

b = Builder()
LATER = NOW + timedelta(minutes=5)


def new_ticket(**kw):
    kw.setdefault("status", Status.NEW)
    return b.ticket("Site down", remote_id="R-1", version="v7", **kw)


def test_keys_one_to_four_are_urgent_high_normal_low():
    assert [priority_for_key(k) for k in "1234"] == [Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW]
    assert priority_for_key("5") is None and priority_for_key("x") is None


def test_taking_sets_the_assignee_and_adds_an_assigned_event():
    ticket = new_ticket()
    updated, events = apply_change(ticket, Change(assignee="Aiko"), "Aiko", LATER)
    assert updated.assignee == "Aiko" and updated.updated_at == LATER
    assert [(e.kind, e.actor, e.detail) for e in events] == [(EventKind.ASSIGNED, "Aiko", "Aiko")]
    assert ticket.assignee is None  # the input is not changed


def test_status_and_priority_changes_are_on_the_timeline_and_solving_stops_the_clock():
    ticket = new_ticket(priority=Priority.NORMAL)
    updated, events = apply_change(ticket, Change(status=Status.SOLVED, priority=Priority.URGENT), "Aiko", LATER)
    assert (updated.status, updated.priority, updated.solved_at) == (Status.SOLVED, Priority.URGENT, LATER)
    assert [(e.kind, e.detail) for e in events] == [(EventKind.STATUS_CHANGED, "new → solved"),
                                                    (EventKind.PRIORITY_CHANGED, "normal → urgent")]


def test_a_change_to_what_the_ticket_already_has_changes_nothing():
    ticket = new_ticket(priority=Priority.HIGH, tags=("billing",))
    updated, events = apply_change(ticket, Change(priority=Priority.HIGH, add_tags=("billing",)), "Aiko", LATER)
    assert updated == ticket and events == []
    assert changed_fields(ticket, updated) == {}
    assert update_payload(ticket, updated, sends_tags=True) == {}


def test_tags_are_added_once_each_after_the_existing_ones():
    ticket = new_ticket(tags=("billing",))
    updated, events = apply_change(ticket, Change(add_tags=("vip", "billing", "vip")), "Aiko", LATER)
    assert updated.tags == ("billing", "vip") and events == []


def test_the_update_payload_holds_only_what_changed_and_tags_only_for_a_helpdesk_with_tags():
    ticket = new_ticket()
    updated, _ = apply_change(ticket, Change(priority=Priority.URGENT, add_tags=("vip",)), "Aiko", LATER)
    assert update_payload(ticket, updated, sends_tags=True) == {
        "priority": "urgent", "tags": ["vip"], "public": False, "ticket_remote_id": "R-1", "ticket_version": "v7"}
    assert update_payload(ticket, updated, sends_tags=False) == {
        "priority": "urgent", "public": False, "ticket_remote_id": "R-1", "ticket_version": "v7"}
    tagged, _ = apply_change(ticket, Change(add_tags=("vip",)), "Aiko", LATER)
    assert update_payload(ticket, tagged, sends_tags=False) == {}  # nothing to send: the tag stays local


def test_restore_puts_back_what_the_action_changed():
    ticket = new_ticket(priority=Priority.NORMAL)
    updated, _ = apply_change(ticket, Change(status=Status.SOLVED, priority=Priority.URGENT, assignee="Aiko",
                                             add_tags=("vip",)), "Aiko", LATER)
    back, kept = restore(updated, changed_fields(ticket, updated), LATER)
    assert kept == []
    assert (back.status, back.priority, back.assignee, back.tags, back.solved_at) == (
        Status.NEW, Priority.NORMAL, None, (), None)


def test_restore_leaves_a_field_that_changed_again_since():
    ticket = new_ticket(priority=Priority.NORMAL)
    updated, _ = apply_change(ticket, Change(priority=Priority.URGENT, assignee="Aiko"), "Aiko", LATER)
    changes = changed_fields(ticket, updated)
    synced = dataclasses.replace(updated, priority=Priority.LOW)  # someone changed it on the server meanwhile
    back, kept = restore(synced, changes, LATER)
    assert kept == ["priority"]
    assert back.priority == Priority.LOW and back.assignee is None


def test_the_queue_holds_active_unowned_undeleted_tickets():
    assert belongs_in_queue(new_ticket())
    assert belongs_in_queue(new_ticket(status=Status.OPEN))
    assert not belongs_in_queue(new_ticket(assignee="Aiko"))
    assert not belongs_in_queue(new_ticket(status=Status.SOLVED))
    assert not belongs_in_queue(new_ticket(deleted_at=NOW))


def test_tags_are_normalised_the_way_helpdesks_store_them():
    assert normalise_tag("  Billing Dispute ") == "billing-dispute"
    assert normalise_tag("Über/Größe") == "über-größe"
    assert normalise_tag("[b]x[/b]") == "b-x-b"
    assert normalise_tag(" !!! ") is None and normalise_tag("") is None
    assert len(normalise_tag("x" * 500)) == 80


def test_escalation_facts_quote_the_customer_list_what_agents_wrote_and_state_the_stakes():
    ticket = new_ticket(priority=Priority.HIGH, first_response_due_at=NOW + timedelta(minutes=4))
    thread = [
        b.message(ticket, "The site is down.\n\n\n\n```\n502 Bad Gateway\n```", at=NOW - timedelta(hours=1)),
        b.message(ticket, "Checked nginx: it is up.\nUpstream refuses.", MessageKind.INTERNAL_NOTE,
                  at=NOW - timedelta(minutes=30)),
        b.message(ticket, "Still down!", at=NOW - timedelta(minutes=10)),
    ]
    facts = escalation_facts(ticket, thread, to="Dana", customer="Aiko Tanaka", organization="ACME", now=NOW)
    assert facts.reported == "> The site is down.\n>\n> ```\n> 502 Bad Gateway\n> ```"
    assert facts.checked == "- 2026-11-20 09:00 someone (note): Checked nginx: it is up. Upstream refuses."
    assert facts.impact == "Priority high for Aiko Tanaka, ACME; first reply due in 4m."
    assert facts.template_values() == {"escalation.to": "Dana", "escalation.reported": facts.reported,
                                       "escalation.checked": facts.checked, "escalation.impact": facts.impact}


def test_escalation_facts_leave_to_the_agent_what_the_cache_does_not_know():
    ticket = new_ticket()
    facts = escalation_facts(ticket, [], to="Tier 2", customer="", organization="", now=NOW)
    assert facts.reported == "" and facts.checked == ""
    assert set(facts.template_values()) == {"escalation.to", "escalation.impact"}
    note = plain_escalation_note(facts, ticket, "Aiko")
    assert note.startswith(f"Escalated to Tier 2 by Aiko: #{ticket.number} Site down")
    assert "[[causes already excluded, and how]]" in note


def test_a_long_customer_message_is_quoted_up_to_a_line_end():
    ticket = new_ticket()
    body = "\n".join(f"line {n} " + "x" * 60 for n in range(40))
    facts = escalation_facts(ticket, [b.message(ticket, body)], to="Dana", customer="", organization="", now=NOW)
    assert len(facts.reported) < 700
    assert facts.reported.endswith("\n> …")
    assert all(line.startswith(">") for line in facts.reported.splitlines())


def test_escalation_opens_a_new_ticket_but_leaves_a_waiting_one_alone():
    assert escalation_status(new_ticket(), "open") == Status.OPEN
    assert escalation_status(new_ticket(status=Status.PENDING), "open") is None
    assert escalation_status(new_ticket(), None) is None


def test_the_rotation_tally_counts_tickets_once_and_actions_each():
    summary = summarize([(1, TAKE), (2, TAKE), (2, PRIORITY), (3, ESCALATE), (1, PRIORITY)])
    assert summary.tickets == 3 and summary.actions == 5
    assert summary.by_action == {TAKE: 2, PRIORITY: 2, ESCALATE: 1}
    assert describe_summary(summary) == "3 handled — took 2, prioritised 2, escalated 1"
    assert describe_summary(summarize([])) == "nothing handled yet"
