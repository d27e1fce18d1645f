"""After a mapped write landed, anything that goes wrong reading back or in a later step must
not look like a write that never happened: the outbox marks such an item failed, and a retry
would post the same reply twice. Only ``UnknownOutcome`` (the outbox looks before repeating),
a delivered result, or verify's own "accepted but did not make it" may come out."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from helpdesk_tui.domain.vocab import MessageKind, Status
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.commands import Reply
from tests.generic_write_rig import AGENT, REPLY_JSON, UPDATE_JSON, Rig, rig

VERIFIED_REPLY = "writes:\n" + REPLY_JSON + """
    verify:
      request: {path: "/tickets/{ticket.remote_id}"}
      fields: {status: ticket.status_id}
""" + UPDATE_JSON

TWO_STEP_REPLY = "writes:\n" + REPLY_JSON.replace("    new_id: message.id\n", """      - request:
          method: PUT
          path: "/tickets/{ticket.remote_id}"
          json: {ticket: {tags: [replied]}}
    new_id: steps.0.body.message.id
""") + UPDATE_JSON

REFUSALS = [
    httpx.Response(403, json={"error": "agents may not read this ticket"}),
    httpx.Response(404, json={"error": "gone"}),
    httpx.Response(200, content=b"<html>maintenance</html>", headers={"Content-Type": "text/html"}),
    httpx.Response(400, json={"error": "bad"}),
]


def now() -> datetime:
    return datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def hostile_after_write(r: Rig, answer: httpx.Response, *, method: str) -> None:
    """Once a POST landed, the next ``method`` request to the ticket is answered ``answer``."""
    real = r.fake.handle
    state = {"posted": False, "done": False}

    def handle(request: httpx.Request) -> httpx.Response:
        if state["posted"] and not state["done"] and request.method == method and \
                not request.url.path.endswith("/messages"):
            state["done"] = True
            r.fake.requests.append(request)
            return httpx.Response(answer.status_code, content=answer.content, headers=answer.headers)
        response = real(request)
        if request.method == "POST" and response.status_code < 300:
            state["posted"] = True
        return response

    r.client.transport = httpx.MockTransport(handle)
    r.client.close()


def replies(r: Rig, remote_id: str, body: str) -> int:
    return sum(1 for m in r.thread(remote_id) if m.kind == MessageKind.PUBLIC_REPLY and m.body == body)


@pytest.mark.parametrize("answer", REFUSALS, ids=["403", "404", "html", "400"])
def test_a_verify_read_that_fails_after_the_reply_landed_is_not_a_failed_send(answer: httpx.Response) -> None:
    r = rig(VERIFIED_REPLY)
    remote_id = r.fake.add_ticket()
    hostile_after_write(r, answer, method="GET")
    result = r.writer.push(Reply("r1", now(), "Fixed it.", status=Status.PENDING), remote_id, None, agent=AGENT)
    assert result.remote_id is not None  # delivered: the outbox marks it sent, never failed
    assert replies(r, remote_id, "Fixed it.") == 1


@pytest.mark.parametrize("answer", REFUSALS, ids=["403", "404", "html", "400"])
def test_a_later_step_refused_after_the_reply_landed_is_not_a_failed_send(answer: httpx.Response) -> None:
    r = rig(TWO_STEP_REPLY)
    remote_id = r.fake.add_ticket()
    hostile_after_write(r, answer, method="PUT")
    command = Reply("r1", now(), "Fixed it.")
    with pytest.raises(errors.UnknownOutcome):  # the outbox looks before any repeat
        r.writer.push(command, remote_id, None, agent=AGENT)
    assert replies(r, remote_id, "Fixed it.") == 1
    assert r.writer.find_delivered(command, remote_id) is not None  # the look finds it: marked sent, never resent


STATUS_FIRST_REPLY = "writes:\n" + REPLY_JSON.replace("    steps:\n", """    steps:
      - request:
          method: PUT
          path: "/tickets/{ticket.remote_id}"
          json: {ticket: {tags: [replying]}}
""") + UPDATE_JSON


@pytest.mark.parametrize("answer", REFUSALS[-1:], ids=["400"])
def test_a_refused_message_after_a_field_change_landed_is_a_failed_send_not_an_endless_look(
        answer: httpx.Response) -> None:
    """Only the message's own words make a later refusal "unknown": a field change that landed
    before a refused message is set again by a retry (the same value), and the item fails with
    the reason instead of being looked for, and resent, at every sync."""
    r = rig(STATUS_FIRST_REPLY)
    remote_id = r.fake.add_ticket()
    hostile_after_write_any(r, answer, method="POST")
    with pytest.raises(errors.SyncError) as caught:
        r.writer.push(Reply("r1", now(), "Fixed it."), remote_id, None, agent=AGENT)
    assert not isinstance(caught.value, errors.UnknownOutcome)
    assert replies(r, remote_id, "Fixed it.") == 0


def hostile_after_write_any(r: Rig, answer: httpx.Response, *, method: str) -> None:
    """Once any write landed, the next ``method`` request to the ticket is answered ``answer``."""
    real = r.fake.handle
    state = {"wrote": False, "done": False}

    def handle(request: httpx.Request) -> httpx.Response:
        if state["wrote"] and not state["done"] and request.method == method:
            state["done"] = True
            r.fake.requests.append(request)
            return httpx.Response(answer.status_code, content=answer.content, headers=answer.headers)
        response = real(request)
        if request.method in ("PUT", "POST") and response.status_code < 300:
            state["wrote"] = True
        return response

    r.client.transport = httpx.MockTransport(handle)
    r.client.close()
