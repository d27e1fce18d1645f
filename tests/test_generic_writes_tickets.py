"""Mapped new tickets (found again by a marker, or sent again with an idempotency key), the
ticket's version (sent, refused as a conflict, read back) and ``verify`` (a change the
helpdesk accepted but did not make is not shown as sent)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.commands import NewTicket, Reply, Update
from helpdesk_tui.sync.contract import Capabilities
from helpdesk_tui.sync.generic.node import MappingError
from tests.generic_write_rig import AGENT, REPLY_JSON, UPDATE_JSON, rig


def now() -> datetime:
    return datetime.now(UTC)


NEW_TICKET = """
  new_ticket:
    steps:
      - request:
          method: POST
          path: /tickets
          json: {ticket: {subject: "{command.subject}", body: "{command.body}",
                          requester_email: "{command.requester_email}", external_id: "{command.id}",
                          priority_id: "{priority}"}}
    new_id: ticket.id
    number: ticket.id
    delivered:
      type: marker
      request: {path: /tickets, query: {external_id: "{command.id}"}}
      records: tickets
      where: external_id
      id: id
"""
MARKED = "writes:\n" + UPDATE_JSON + NEW_TICKET


def opened(item_id: str = "out-new-1", **kw) -> NewTicket:
    return NewTicket(item_id, now(), "Cannot log in", "Since this morning.", "kim@example.com", **kw)


def test_a_new_ticket_is_opened_with_its_marker_and_answers_its_id_and_number():
    r = rig(MARKED)
    result = r.writer.push(opened(priority=Priority.HIGH), "", None, agent=AGENT)
    [ticket] = r.fake.tickets.values()
    assert (result.remote_id, result.number) == (str(ticket.id), ticket.id)
    assert (ticket.external_id, ticket.priority_id, ticket.requester_email) == ("out-new-1", 3, "kim@example.com")


def test_a_new_ticket_whose_answer_was_lost_is_found_by_its_marker():
    r = rig(MARKED)
    r.fake.lose_answers(1)
    with pytest.raises(errors.UnknownOutcome):
        r.writer.push(opened(), "", None, agent=AGENT)
    [ticket] = r.fake.tickets.values()
    assert r.writer.find_delivered(opened(), "") == str(ticket.id)
    assert r.writer.find_delivered(opened("out-other"), "") is None


def test_a_new_ticket_without_an_id_in_the_answer_is_looked_up_by_its_marker():
    r = rig(MARKED.replace("    new_id: ticket.id\n    number: ticket.id\n", ""))
    result = r.writer.push(opened(), "", None, agent=AGENT)
    [ticket] = r.fake.tickets.values()
    assert result.remote_id == str(ticket.id)


def test_a_new_ticket_sent_again_with_its_idempotency_key_is_one_ticket():
    writes = """
writes:
  new_ticket:
    steps:
      - request:
          method: POST
          path: /tickets
          json: {ticket: {subject: "{command.subject}", body: "{command.body}",
                          requester_email: "{command.requester_email}"}}
    new_id: ticket.id
  delivered: {type: idempotency_header, header: Idempotency-Key}
"""
    r = rig(writes, capabilities=Capabilities(change_feed="timestamp", idempotency=True))
    r.fake.lose_answers(1)
    # The key lets the shared client repeat the request itself: the repeat is answered with the first ticket.
    result = r.writer.push(opened(), "", None, agent=AGENT)
    [ticket] = r.fake.tickets.values()
    assert result.remote_id == str(ticket.id)
    assert [w.headers["idempotency-key"] for w in r.fake.writes()] == ["out-new-1", "out-new-1"]


def test_idempotency_declared_without_a_key_on_every_write_is_a_mapping_mistake():
    with pytest.raises(MappingError, match="idempotency"):
        rig("writes:\n" + REPLY_JSON, capabilities=Capabilities(change_feed="timestamp", idempotency=True))


def test_a_new_ticket_field_the_mapping_does_not_send_is_refused():
    r = rig(MARKED)
    with pytest.raises(errors.NotSupported, match="group"):
        r.writer.push(opened(group="Billing"), "", None, agent=AGENT)
    with pytest.raises(errors.NotSupported, match="cc"):
        r.writer.push(opened(cc=("boss@example.com",)), "", None, agent=AGENT)
    assert r.fake.writes() == []


# ------------------------------------------------------------------------ version

VERSIONED = "writes:\n" + REPLY_JSON + UPDATE_JSON + """
  version:
    send: {header: If-Match}
    conflict: [412]
    read: {request: {path: "/tickets/{ticket.remote_id}"}, header: etag}
"""
ETAG = Capabilities(change_feed="timestamp", concurrency="etag")


def test_the_version_goes_in_the_header_and_the_new_one_is_read_after_the_write():
    r = rig(VERSIONED, capabilities=ETAG)
    remote_id = r.fake.add_ticket()
    version = r.writer.current_version(remote_id)
    assert version == '"1"'
    result = r.writer.push(Update("u1", now(), priority=Priority.HIGH), remote_id, version, agent=AGENT)
    assert r.fake.writes()[0].headers["if-match"] == '"1"'
    assert result.version == '"2"'
    # The next write with the version we got back is not taken for a conflict with our own change.
    r.writer.push(Update("u2", now(), status=Status.SOLVED), remote_id, result.version, agent=AGENT)
    assert r.fake.tickets[int(remote_id)].status_id == 4


def test_a_change_on_the_server_since_it_was_read_is_a_conflict_and_nothing_is_applied():
    r = rig(VERSIONED, capabilities=ETAG)
    remote_id = r.fake.add_ticket()
    version = r.writer.current_version(remote_id)
    r.fake.bump(remote_id)
    with pytest.raises(errors.Conflict):
        r.writer.push(Update("u1", now(), priority=Priority.URGENT), remote_id, version, agent=AGENT)
    assert r.fake.tickets[int(remote_id)].priority_id == 2


def test_a_helpdesk_without_concurrency_control_gets_no_version():
    r = rig(VERSIONED)  # capabilities.concurrency none
    remote_id = r.fake.add_ticket()
    r.writer.push(Update("u1", now(), priority=Priority.HIGH), remote_id, '"1"', agent=AGENT)
    assert "if-match" not in r.fake.writes()[0].headers


def test_the_version_may_go_in_the_json_body():
    r = rig(VERSIONED.replace("send: {header: If-Match}", "send: {json: ticket.lock_version}"), capabilities=ETAG)
    remote_id = r.fake.add_ticket()
    r.writer.push(Update("u1", now(), priority=Priority.HIGH), remote_id, "1", agent=AGENT)
    assert json.loads(r.fake.writes()[0].content) == {"ticket": {"priority_id": 3, "lock_version": "1"}}


# ------------------------------------------------------------------------ verify

VERIFIED = "writes:\n" + REPLY_JSON + UPDATE_JSON + """
    verify:
      request: {path: "/tickets/{ticket.remote_id}"}
      fields: {status: ticket.status_id, priority: ticket.priority_id, assignee: ticket.assigned_to_id}
"""


def test_a_change_the_helpdesk_silently_ignored_is_refused_so_it_does_not_show_as_sent():
    r = rig(VERIFIED)
    remote_id = r.fake.add_ticket()
    r.fake.forbidden_status = 5  # its workflow answers 200 and keeps the status
    with pytest.raises(errors.NotSupported, match="did not make it"):
        r.writer.push(Update("u1", now(), status=Status.CLOSED), remote_id, None, agent=AGENT)


def test_a_change_the_helpdesk_made_passes_its_verification():
    r = rig(VERIFIED)
    remote_id = r.fake.add_ticket()
    r.writer.push(Update("u1", now(), status=Status.SOLVED, assignee="Ana Agent"), remote_id, None, agent=AGENT)
    r.writer.push(Update("u2", now(), assignee=None), remote_id, None, agent=AGENT)
    assert r.fake.tickets[int(remote_id)].assigned_to_id is None
    assert [w.method for w in r.fake.requests if w.url.path.endswith(remote_id)] == ["PUT", "GET", "PUT", "GET"]


def test_a_reply_never_looks_for_an_update_marker():
    r = rig(MARKED + REPLY_JSON)
    remote_id = r.fake.add_ticket()
    r.writer.push(Reply("r", now(), "Hello"), remote_id, None, agent=AGENT)
    assert r.writer.find_delivered(Update("u", now(), status=Status.OPEN), remote_id) is None


def test_an_update_that_writes_its_marker_is_looked_for_by_it():
    """An update needs no marker (sent again, it sets the same values); one whose steps write it
    is found by it, so a helpdesk that keeps losing the answers still confirms it."""
    writes = """
writes:
  update:
    steps:
      - request:
          method: PUT
          path: "/tickets/{ticket.remote_id}"
          json: {ticket: {status_id: "{status}", tags: ["{command.id}"]}}
    values:
      status: {new: 1, open: 2, pending: 3, solved: 4, closed: 5}
  delivered:
    type: marker
    request: {path: "/tickets/{ticket.remote_id}"}
    records: ticket
    where: tags
    id: id
"""
    r = rig(writes)
    remote_id = r.fake.add_ticket()
    r.fake.lose_answers(1)
    with pytest.raises(errors.UnknownOutcome):
        r.writer.push(Update("u-lost", now(), status=Status.SOLVED), remote_id, None, agent=AGENT)
    assert r.writer.find_delivered(Update("u-lost", now(), status=Status.SOLVED), remote_id) == remote_id
    assert r.writer.find_delivered(Update("u-other", now(), status=Status.SOLVED), remote_id) is None


def test_a_marker_may_come_with_an_idempotency_key_the_client_then_repeats_the_create_itself():
    r = rig(MARKED.replace("      type: marker\n", "      type: marker\n      header: Idempotency-Key\n"))
    r.fake.lose_answers(1)
    result = r.writer.push(opened(), "", None, agent=AGENT)
    [ticket] = r.fake.tickets.values()
    assert result.remote_id == str(ticket.id) and len(r.fake.writes()) == 2
    assert r.writer.find_delivered(opened(), "") == str(ticket.id)


def test_an_idempotency_header_on_a_thread_lookup_is_a_mapping_mistake():
    with pytest.raises(MappingError, match="idempotency key's header"):
        rig("writes:\n  delivered: {type: thread, header: Idempotency-Key}\n")


def test_a_marker_found_on_a_message_leads_to_its_ticket_in_a_second_hop():
    writes = """
writes:
  new_ticket:
    steps:
      - request:
          method: POST
          path: /tickets
          json: {ticket: {subject: "{command.subject}", body: "{command.body} [ref {command.id}]",
                          requester_email: "{command.requester_email}"}}
    delivered:
      type: marker
      request: {path: /messages, query: {contains: "[ref {command.id}]"}}
      records: messages
      where: body
      id: id
      then: {request: {path: "/messages/{found}"}, id: message.ticket_id}
"""
    r = rig(writes)
    r.fake.lose_answers(1)
    with pytest.raises(errors.UnknownOutcome):
        r.writer.push(opened(), "", None, agent=AGENT)
    [ticket] = r.fake.tickets.values()
    assert r.writer.find_delivered(opened(), "") == str(ticket.id)
    assert r.writer.find_delivered(opened("out-never-sent"), "") is None


def test_the_version_guards_changes_not_the_post_that_creates_a_message():
    r = rig(VERSIONED, capabilities=ETAG)
    remote_id = r.fake.add_ticket()
    r.writer.push(Reply("r", now(), "Hello"), remote_id, '"1"', agent=AGENT)
    assert "if-match" not in r.fake.writes()[0].headers
