"""The generic engine's writes: reply, note and update as a mapping describes them, against the
Deskly fake (tests/fakes/write_desk.py) through the shared HttpClient."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.commands import NewTicket, Note, Reply, Update
from helpdesk_tui.sync.contract import PushResult
from helpdesk_tui.sync.generic.node import MappingError
from tests.generic_write_rig import AGENT, BASE64, NOTE_JSON, REPLY_JSON, UPDATE_JSON, WRITES, rig


def now() -> datetime:
    return datetime.now(UTC)


def body_of(request) -> dict:
    return json.loads(request.content)


def test_a_reply_is_posted_as_the_mapping_writes_it_and_its_id_read_from_the_answer():
    r = rig()
    remote_id = r.fake.add_ticket()
    result = r.writer.push(Reply("out-1", now(), "We replaced the printer."), remote_id, None, agent=AGENT)
    [sent] = r.fake.writes()
    assert (sent.method, sent.url.path) == ("POST", f"/api/tickets/{remote_id}/messages")
    # Keys whose placeholder has no value are left out: no status, no files.
    assert body_of(sent) == {"message": {"body": "We replaced the printer.", "private": False}}
    [mine] = [m for m in r.thread(remote_id) if m.kind == MessageKind.PUBLIC_REPLY]
    assert result == PushResult(remote_id=mine.remote_id)


def test_a_note_without_an_id_in_the_answer_is_found_by_reading_the_thread_back():
    r = rig()
    remote_id = r.fake.add_ticket()
    result = r.writer.push(Note("out-2", now(), "Customer is on the legacy plan."), remote_id, None, agent=AGENT)
    [mine] = [m for m in r.thread(remote_id) if m.kind == MessageKind.INTERNAL_NOTE]
    assert result.remote_id == mine.remote_id
    assert body_of(r.fake.writes()[0])["message"]["private"] is True


def test_a_reply_with_a_status_sends_the_helpdesks_status_id():
    r = rig()
    remote_id = r.fake.add_ticket()
    r.writer.push(Reply("out-3", now(), "Solved, closing.", status=Status.PENDING), remote_id, None, agent=AGENT)
    assert body_of(r.fake.writes()[0])["message"]["status_id"] == 3
    assert r.fake.tickets[int(remote_id)].status_id == 3


def test_an_update_sends_the_helpdesks_values_and_names_become_ids_through_lookups():
    r = rig()
    remote_id = r.fake.add_ticket()
    command = Update("out-4", now(), status=Status.SOLVED, priority=Priority.URGENT, assignee="Bo Backup",
                     group="Network", tags=("vip", "printer"))
    assert r.writer.push(command, remote_id, None, agent=AGENT) == PushResult()
    [sent] = r.fake.writes()
    assert (sent.method, body_of(sent)) == ("PUT", {"ticket": {"status_id": 4, "priority_id": 4, "assigned_to_id": 8,
                                                               "group_id": 21, "tags": ["vip", "printer"]}})
    ticket = r.fake.tickets[int(remote_id)]
    assert (ticket.status_id, ticket.assigned_to_id, ticket.group_id) == (4, 8, 21)


def test_an_update_sends_only_what_changed_and_a_cleared_assignee_as_null():
    r = rig()
    remote_id = r.fake.add_ticket()
    r.fake.tickets[int(remote_id)].assigned_to_id = 7
    r.writer.push(Update("out-5", now(), assignee=None), remote_id, None, agent=AGENT)
    assert body_of(r.fake.writes()[0]) == {"ticket": {"assigned_to_id": None}}
    assert r.fake.tickets[int(remote_id)].assigned_to_id is None


def test_an_update_that_changes_nothing_the_helpdesk_keeps_sends_nothing():
    r = rig()
    remote_id = r.fake.add_ticket()
    assert r.writer.push(Update("out-6", now(), next_checkpoint=now()), remote_id, "v9", agent=AGENT) \
        == PushResult(version="v9")
    assert r.fake.writes() == []


@pytest.mark.parametrize(("command", "says"), [
    (Update("u", datetime.now(UTC), assignee="Nobody Known"), "no assignee named 'Nobody Known'"),
    (Update("u", datetime.now(UTC), group=None), "cannot clear the group"),
    (Update("u", datetime.now(UTC), status=Status.ON_HOLD), "no status 'on_hold'"),
])
def test_a_value_the_helpdesk_cannot_take_is_refused_before_anything_is_sent(command, says):
    r = rig()
    remote_id = r.fake.add_ticket()
    with pytest.raises(errors.NotSupported, match=says):
        r.writer.push(command, remote_id, None, agent=AGENT)
    assert r.fake.writes() == []


def test_an_unknown_name_lists_some_the_helpdesk_knows():
    r = rig()
    with pytest.raises(errors.NotSupported) as caught:
        r.writer.push(Update("u", now(), assignee="Zed"), r.fake.add_ticket(), None, agent=AGENT)
    assert "Ana Agent" in str(caught.value) and "Bo Backup" in str(caught.value)


def test_a_field_no_step_sends_is_refused_not_dropped():
    writes = "writes:\n" + REPLY_JSON + """
  update:
    steps:
      - request: {method: PUT, path: "/tickets/{ticket.remote_id}", json: {ticket: {status_id: "{status}"}}}
    values:
      status: {new: 1, open: 2, pending: 3, solved: 4, closed: 5}
"""
    r = rig(writes)
    remote_id = r.fake.add_ticket()
    with pytest.raises(errors.NotSupported, match="cannot set the priority"):
        r.writer.push(Update("u", now(), status=Status.SOLVED, priority=Priority.HIGH), remote_id, None, agent=AGENT)
    with pytest.raises(errors.NotSupported, match="cannot set the tags"):
        r.writer.push(Update("u", now(), tags=()), remote_id, None, agent=AGENT)
    assert r.fake.writes() == []


def test_a_command_the_mapping_has_no_operation_for_is_not_supported():
    r = rig("writes:\n" + REPLY_JSON)
    remote_id = r.fake.add_ticket()
    with pytest.raises(errors.NotSupported, match="internal note"):
        r.writer.push(Note("n", now(), "hm"), remote_id, None, agent=AGENT)
    with pytest.raises(errors.NotSupported, match="new ticket"):
        r.writer.push(NewTicket("t", now(), "S", "B", "c@example.com"), "", None, agent=AGENT)
    with pytest.raises(errors.NotSupported):
        rig("format: 1").writer.push(Reply("r", now(), "x"), remote_id, None, agent=AGENT)
    assert r.fake.writes() == []


def test_a_reply_whose_endpoint_takes_no_status_changes_it_with_the_update_first():
    writes = "writes:\n" + NOTE_JSON + UPDATE_JSON + """
  reply:
    steps:
      - request: {method: POST, path: "/tickets/{ticket.remote_id}/messages",
                  json: {message: {body: "{command.body}", private: false}}}
    new_id: message.id
"""
    r = rig(writes)
    remote_id = r.fake.add_ticket()
    r.writer.push(Reply("r", now(), "Done.", status=Status.SOLVED), remote_id, None, agent=AGENT)
    # The status first: if the reply's answer is lost, a found reply never hides a missing status change.
    assert [(w.method, body_of(w)) for w in r.fake.writes()] == [
        ("PUT", {"ticket": {"status_id": 4}}), ("POST", {"message": {"body": "Done.", "private": False}})]


def test_a_reply_with_a_status_nothing_can_send_is_refused():
    writes = "writes:\n" + """
  reply:
    steps:
      - request: {method: POST, path: "/tickets/{ticket.remote_id}/messages",
                  json: {message: {body: "{command.body}", private: false}}}
"""
    r = rig(writes)
    remote_id = r.fake.add_ticket()
    with pytest.raises(errors.NotSupported, match="status"):
        r.writer.push(Reply("r", now(), "Done.", status=Status.SOLVED), remote_id, None, agent=AGENT)
    assert r.fake.writes() == []


def test_steps_run_in_order_when_their_condition_has_a_value_and_read_earlier_answers():
    writes = """
writes:
  reply:
    steps:
      - request: {method: GET, path: "/tickets/{ticket.remote_id}"}
      - request: {method: PUT, path: "/tickets/{ticket.remote_id}", headers: {If-Match: "{steps.0.headers.etag}"},
                  json: {ticket: {status_id: "{status}"}}}
        when: "{status}"
      - request: {method: POST, path: "/tickets/{ticket.remote_id}/messages",
                  json: {message: {body: "{command.body} (v{steps.0.body.ticket.lock_version})", private: false}}}
    new_id: {header: Location, pattern: "/messages/(\\\\d+)$"}
    values:
      status: {solved: 4}
"""
    r = rig(writes)
    remote_id = r.fake.add_ticket()
    plain = r.writer.push(Reply("a", now(), "One"), remote_id, None, agent=AGENT)
    assert [w.method for w in r.fake.writes()] == ["POST"]  # the PUT's condition had no value
    with_status = r.writer.push(Reply("b", now(), "Two", status=Status.SOLVED), remote_id, None, agent=AGENT)
    put = r.fake.writes()[1]
    assert (put.method, put.headers["if-match"]) == ("PUT", '"2"')
    bodies = [m.body for m in r.thread(remote_id)]
    assert bodies[-2:] == ["One (v1)", "Two (v2)"]  # the version read before the PUT
    assert [plain.remote_id, with_status.remote_id] == [m.remote_id for m in r.thread(remote_id)[-2:]]


def test_a_writes_5xx_is_an_unknown_outcome_and_is_not_repeated():
    r = rig()
    remote_id = r.fake.add_ticket()
    r.fake.refuse_next(502)
    with pytest.raises(errors.UnknownOutcome):
        r.writer.push(Reply("r", now(), "Hello"), remote_id, None, agent=AGENT)
    r.fake.refuse_next(503)
    with pytest.raises(errors.UnknownOutcome):
        r.writer.push(Update("u", now(), status=Status.SOLVED), remote_id, None, agent=AGENT)
    assert len(r.fake.writes()) == 2  # one try each: the PUT with a body is not retried blindly


def test_a_lost_answer_is_an_unknown_outcome_for_post_and_put():
    r = rig()
    remote_id = r.fake.add_ticket()
    r.fake.lose_answers(2)
    with pytest.raises(errors.UnknownOutcome):
        r.writer.push(Reply("r", now(), "Hello"), remote_id, None, agent=AGENT)
    with pytest.raises(errors.UnknownOutcome):
        r.writer.push(Update("u", now(), priority=Priority.HIGH), remote_id, None, agent=AGENT)
    assert len(r.fake.writes()) == 2


def test_status_words_in_the_values_table_are_checked_when_the_mapping_is_loaded():
    from helpdesk_tui.sync.generic.node import MappingError
    bad = "writes:\n" + UPDATE_JSON.replace("closed: 5", "closd: 5") + BASE64
    with pytest.raises(MappingError, match=r"line \d+, key 'writes.update.values.status.closd'"):
        rig(bad)


def test_the_full_section_loads():
    assert set(rig(WRITES).writer.spec.operations) == {"reply", "note", "update"}


def test_a_short_reply_kept_as_html_by_the_helpdesk_is_found_by_its_text():
    from dataclasses import replace

    from helpdesk_tui.sync.generic.writes import find_in_thread
    r = rig()
    remote_id = r.fake.add_ticket()
    r.writer.push(Reply("r", now(), "Ok & thanks"), remote_id, None, agent=AGENT)
    thread = [replace(m, body=f"<p>{m.body.replace('&', '&amp;')}</p>", body_format="html") for m in r.thread(remote_id)]
    found = find_in_thread(thread, Reply("r", now(), "Ok & thanks"))
    assert found == thread[-1].remote_id
    assert find_in_thread([replace(thread[-1], body_format="text")], Reply("r", now(), "Ok & thanks")) is None


def test_a_patch_with_a_body_meeting_a_5xx_is_tried_once_and_is_an_unknown_outcome():
    r = rig("writes:\n" + UPDATE_JSON.replace("method: PUT", "method: PATCH"))
    remote_id = r.fake.add_ticket()
    r.fake.refuse_next(500)
    with pytest.raises(errors.UnknownOutcome):
        r.writer.push(Update("u", now(), priority=Priority.LOW), remote_id, None, agent=AGENT)
    assert [w.method for w in r.fake.writes()] == ["PATCH"]


def test_a_priority_may_go_through_a_lookup_and_a_status_through_a_map_with_none():
    from tests.generic_write_rig import LOOKUPS, DictLookup
    LOOKUPS["priorities"] = DictLookup({1: "low", 2: "normal", 3: "high", 4: "urgent"})
    try:
        writes = "writes:\n" + UPDATE_JSON.replace(
            "priority: {low: 1, normal: 2, high: 3, urgent: 4}", "priority: {lookup: priorities}")
        r = rig(writes)
        remote_id = r.fake.add_ticket()
        r.writer.push(Update("u", now(), priority=Priority.HIGH), remote_id, None, agent=AGENT)
        assert body_of(r.fake.writes()[0]) == {"ticket": {"priority_id": 3}}
    finally:
        del LOOKUPS["priorities"]


MULTI_STEP = """
writes:
  reply:
    steps:
      - request: {method: POST, path: "/tickets/{ticket.remote_id}/messages",
                  json: {message: {body: "{command.body}", private: false}}}
      - request: {method: GET, path: "/tickets/{ticket.remote_id}"}
      - request: {method: PUT, path: "/tickets/{ticket.remote_id}", json: {ticket: {tags: ["replied"]}}}
    new_id: {path: message.id, step: 0}
"""


def test_a_failure_after_part_of_a_write_landed_is_an_unknown_outcome_not_a_try_again():
    r = rig(MULTI_STEP)
    remote_id = r.fake.add_ticket()
    r.fake.refuse_reads(10)  # every try of the GET between the two writes meets a 503
    with pytest.raises(errors.UnknownOutcome, match="Part of the reply reached Deskly"):
        r.writer.push(Reply("r", now(), "Half way."), remote_id, None, agent=AGENT)



def test_a_failure_before_anything_was_written_stays_a_plain_try_again_later():
    r = rig(MULTI_STEP.replace("    steps:\n", "    steps:\n      - request: {method: GET, path: /tickets/1}\n")
            .replace("step: 0", "step: 1"))
    remote_id = r.fake.add_ticket()
    r.fake.refuse_reads(10)
    with pytest.raises(errors.ServerError):
        r.writer.push(Reply("r", now(), "Not yet."), remote_id, None, agent=AGENT)
    assert r.fake.writes() == []


def test_steps_name_the_step_whose_answer_holds_the_new_id():
    r = rig(MULTI_STEP)
    remote_id = r.fake.add_ticket()
    result = r.writer.push(Reply("r", now(), "Three steps."), remote_id, None, agent=AGENT)
    [mine] = [m for m in r.thread(remote_id) if m.body == "Three steps."]
    assert result.remote_id == mine.remote_id and r.fake.tickets[int(remote_id)].tags == ["replied"]


def test_a_read_after_the_write_landed_that_fails_leaves_the_id_unknown_not_the_write():
    r = rig()
    remote_id = r.fake.add_ticket()
    r.fake.refuse_reads(10)  # the thread cannot be read back
    result = r.writer.push(Note("n", now(), "Landed."), remote_id, None, agent=AGENT)
    assert result.remote_id is None
    r.fake.refuse_reads(0)
    assert [m.body for m in r.thread(remote_id)][-1] == "Landed."  # delivered once, no error raised


def test_a_verification_that_cannot_read_is_an_unknown_outcome():
    writes = "writes:\n" + UPDATE_JSON + """
    verify:
      request: {path: "/tickets/{ticket.remote_id}"}
      fields: {status: ticket.status_id}
"""
    r = rig(writes)
    remote_id = r.fake.add_ticket()
    r.fake.refuse_reads(10)
    with pytest.raises(errors.UnknownOutcome, match="could not be re-read"):
        r.writer.push(Update("u", now(), status=Status.SOLVED), remote_id, None, agent=AGENT)


def test_a_thread_with_stamps_without_a_zone_is_searched_as_utc():
    from dataclasses import replace

    from helpdesk_tui.sync.generic.writes import find_in_thread
    r = rig()
    remote_id = r.fake.add_ticket()
    r.writer.push(Reply("r", now(), "Zone-less."), remote_id, None, agent=AGENT)
    thread = [replace(m, created_at=m.created_at.replace(tzinfo=None)) for m in r.thread(remote_id)]
    assert find_in_thread(thread, Reply("r", now(), "Zone-less.")) == thread[-1].remote_id


def test_a_read_step_with_check_version_refuses_a_ticket_changed_since_the_sync():
    """Roundup's shape: the listing's version is a stamp, but a write wants the ETag of a fresh
    GET: the GET's answer is compared with our version first (a change since: Conflict, nothing
    written); without a version known there is nothing to compare."""
    writes = """
writes:
  update:
    steps:
      - request: {method: GET, path: "/tickets/{ticket.remote_id}"}
        check_version: ticket.lock_version
      - request: {method: PUT, path: "/tickets/{ticket.remote_id}", headers: {If-Match: "{steps.0.headers.etag}"},
                  json: {ticket: {status_id: "{status}"}}}
    values:
      status: {solved: 4, open: 2}
"""
    r = rig(writes)
    remote_id = r.fake.add_ticket()
    r.writer.push(Update("u1", now(), status=Status.SOLVED), remote_id, "1", agent=AGENT)
    assert [w.method for w in r.fake.writes()] == ["PUT"]
    with pytest.raises(errors.Conflict):  # our version 1 is older than the ticket's 2 now
        r.writer.push(Update("u2", now(), status=Status.OPEN), remote_id, "1", agent=AGENT)
    assert len(r.fake.writes()) == 1
    r.writer.push(Update("u3", now(), status=Status.OPEN), remote_id, None, agent=AGENT)  # no version: no check
    assert len(r.fake.writes()) == 2


def test_check_version_belongs_on_a_read():
    writes = """
writes:
  update:
    steps:
      - request: {method: PUT, path: "/tickets/{ticket.remote_id}", json: {ticket: {status_id: "{status}"}}}
        check_version: ticket.lock_version
    values:
      status: {solved: 4}
"""
    with pytest.raises(MappingError, match="check_version"):
        rig(writes)
