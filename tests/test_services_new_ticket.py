"""services.new_ticket and store.new_tickets: the checks, templates, the provisional row, and what
replaces it (the push result, a pull's copy adopted, or a pulled copy merged): never two rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from helpdesk_tui.compose.templates import parse_template
from helpdesk_tui.domain.new_ticket import is_provisional, ticket_label, valid_email
from helpdesk_tui.domain.remote import ChangePage, RemoteMessage, RemoteTicket, RemoteUser
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.services import new_ticket as opening
from helpdesk_tui.services.errors import InvalidRequest
from helpdesk_tui.services.sync import send_outbox
from helpdesk_tui.services.workspace import Workspace
from helpdesk_tui.store import new_tickets, outbox, sync_apply
from helpdesk_tui.store.db import transaction
from helpdesk_tui.sync.backends.demo import DemoBackend
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.backends.demo_helpdesk import Applied, DemoHelpdesk
from helpdesk_tui.sync.commands import NewTicket, command_from
from tests.factories import NOW

AGENT = "Dana Agent"


@pytest.fixture
def workspace(demo_home) -> Workspace:
    return Workspace.load(str(demo_home), None)


@pytest.fixture
def cache(workspace):
    with workspace.cache() as cache:
        yield cache


def a_customer(cache) -> tuple[str, str]:
    with cache.connection() as conn:
        return conn.execute("SELECT name, email FROM customers WHERE email != '' ORDER BY id LIMIT 1").fetchone()


def plan(cache, **overrides):
    fields = {"to": "new.person@example.com", "subject": "Welcome", "body": "Hello there.", "author": AGENT}
    return opening.check_new_ticket(cache, **{**fields, **overrides})


def test_labels_and_addresses():
    assert ticket_label(10042) == "#10042" and ticket_label(0) == ticket_label(-3) == "queued"
    assert is_provisional(-1) and not is_provisional(1)
    assert valid_email("a.b+c@example.co.uk") and not valid_email("a@b") and not valid_email("a b@example.com")


def test_a_customer_is_found_by_email_or_name_and_a_new_one_needs_a_valid_address(cache):
    name, email = a_customer(cache)
    assert opening.find_recipient(cache, email.upper()) == opening.Recipient(email, name, True)
    assert opening.find_recipient(cache, name.lower()) == opening.Recipient(email, name, True)
    assert opening.find_recipient(cache, "nobody.yet@example.com") == opening.Recipient(
        "nobody.yet@example.com", "", False)
    with pytest.raises(InvalidRequest, match=r"^'x@y' is not a valid e-mail address: write it as name@example.com\.$"):
        opening.find_recipient(cache, "x@y")
    with pytest.raises(InvalidRequest, match="No customer named 'Zed Nobody' is in the cache"):
        opening.find_recipient(cache, "Zed Nobody")


def test_the_checks_name_the_first_thing_wrong_in_one_sentence(cache):
    checked = plan(cache, cc=("x@example.com", "X@example.com", "new.person@example.com"), status="pending",
                   priority="HIGH", assignee="  ")
    assert (checked.cc, checked.status, checked.priority, checked.assignee) == (("x@example.com",), Status.PENDING,
                                                                                Priority.HIGH, None)
    for overrides, words in [({"subject": " "}, "needs a subject"), ({"body": "\n"}, "message is empty"),
                             ({"priority": "asap"}, "Unknown priority 'asap'"),
                             ({"subject": "x" * 300}, "keep it under"), ({"cc": ("nope",)}, "The Cc 'nope'"),
                             ({"body": "Hi {{ customer.first_name }}"}, "still has the placeholder"),
                             ({"body": "Steps: [[what you checked]]"}, "unfilled section")]:
        with pytest.raises(InvalidRequest, match=words):
            plan(cache, **overrides)


def test_a_template_is_written_for_the_new_customer_and_a_number_it_needs_blocks_it(cache):
    hello = parse_template("---\nname: Hello\nlanguage: en\n---\nHi {{ customer.first_name | default('there') }}, "
                           "{{ agent.name }} here.", "test", id="en/hello")
    numbered = parse_template("---\nname: Numbered\nlanguage: en\n---\nYour ticket #{{ ticket.number }}.", "test",
                              id="en/numbered")
    name, email = a_customer(cache)
    text = opening.render_template([hello], "en/hello", cache, to=email, subject="S", agent_name=AGENT, now=NOW)
    assert text.strip() == f"Hi {name.split()[0]}, {AGENT} here."
    body = opening.compose_body([hello], "en/hello", "More below.", cache, to="new@example.com", subject="S",
                                agent_name=AGENT, now=NOW)
    assert body == f"Hi new, {AGENT} here.\n\nMore below."
    with pytest.raises(InvalidRequest, match="needs ticket.number, which a new ticket does not have yet"):
        opening.render_template([numbered], "en/numbered", cache, to=email, subject="S", agent_name=AGENT, now=NOW)


def test_queueing_writes_the_provisional_row_its_message_and_the_outbox_item_together(cache):
    before = cache.inbox_count(_all())
    queued = opening.queue_new_ticket(cache, plan(cache, cc=("cc@example.com",), priority="urgent",
                                                  assignee="Dana"), NOW)
    ticket = cache.ticket(queued.ticket_id)
    assert ticket is not None and is_provisional(ticket.number) and ticket.remote_id is None
    assert (ticket.subject, ticket.priority, ticket.assignee) == ("Welcome", Priority.URGENT, "Dana")
    assert cache.inbox_count(_all()) == before + 1
    [message] = cache.thread(queued.ticket_id)
    assert (message.kind, message.body, message.delivery) == (MessageKind.PUBLIC_REPLY, "Hello there.", "queued")
    [item] = [i for i in cache.outbox_items() if i.id == queued.item_id]
    command = command_from(item)
    assert isinstance(command, NewTicket)
    assert (command.requester, command.cc, command.priority, command.assignee) == (
        "new.person@example.com", ("cc@example.com",), Priority.URGENT, "Dana")
    second = opening.queue_new_ticket(cache, plan(cache, subject="Another"), NOW)
    assert cache.ticket(second.ticket_id).number < ticket.number  # each its own, none a real number
    assert cache.find_customer("new.person@example.com") is not None  # the new customer is in the cache


def _all():
    from helpdesk_tui.store.inbox import InboxQuery

    return InboxQuery()


def test_delivery_gives_the_row_the_helpdesks_number_and_the_pull_keeps_one_row(cache):
    helpdesk = DemoHelpdesk(adopts_unknown=True)  # as in the demo workspace: numbers clear of the cache's
    queued = opening.queue_new_ticket(cache, plan(cache), NOW)
    result = send_outbox(cache, DemoBackend(helpdesk=helpdesk), lambda: NOW)
    assert result.sent == 1, result.problems
    ticket = cache.ticket(queued.ticket_id)
    assert ticket is not None and ticket.remote_id is not None and ticket.number == int(ticket.remote_id)
    assert opening.delivered_number(cache, queued.ticket_id, queued.item_id) == ticket.number
    page = ChangePage(tickets=[helpdesk.ticket(ticket.remote_id).record()],
                      users=helpdesk.users_of([helpdesk.ticket(ticket.remote_id).record()]), cursor="9")
    with cache.connection() as conn, transaction(conn):
        sync_apply.apply_page(conn, page, {}, stream="tickets", now=NOW)
    with cache.connection() as conn:
        rows = conn.execute("SELECT id FROM tickets WHERE subject = 'Welcome'").fetchall()
    assert rows == [(queued.ticket_id,)]
    assert [m.body for m in cache.thread(queued.ticket_id)] == ["Hello there."]  # adopted, not doubled


def _server_copy(number: int, subject: str, body: str, email: str) -> ChangePage:
    user = RemoteUser(remote_id=f"u-{email}", name="New Person", email=email)
    ticket = RemoteTicket(remote_id=str(number), number=number, subject=subject, status=Status.OPEN,
                          priority=Priority.NORMAL, created_at=NOW, updated_at=NOW, requester_remote_id=user.remote_id,
                          messages=[RemoteMessage(remote_id=f"m{number}", kind=MessageKind.CUSTOMER, author="x",
                                                  body=body, created_at=NOW)])
    return ChangePage(tickets=[ticket], users=[user], cursor="1")


def test_a_pull_while_the_outcome_is_unknown_adopts_the_provisional_row(cache):
    queued = opening.queue_new_ticket(cache, plan(cache), NOW)
    with cache.connection() as conn, transaction(conn):
        outbox.mark(conn, queued.item_id, outbox.UNKNOWN, NOW)
        sync_apply.apply_page(conn, _server_copy(777001, "Welcome", "Hello there.", "new.person@example.com"), {},
                              stream="tickets", now=NOW)
    ticket = cache.ticket(queued.ticket_id)
    assert ticket is not None and (ticket.number, ticket.remote_id) == (777001, "777001")
    [message] = cache.thread(queued.ticket_id)
    assert message.remote_id == "m777001"  # the server files it as the customer's opening: still ours, once
    with cache.connection() as conn:
        customers = conn.execute("SELECT id, remote_id FROM customers WHERE email = 'new.person@example.com'").fetchall()
    assert [c[1] for c in customers] == ["u-new.person@example.com"]  # the customer written here, now synced
    assert ticket.requester_id == customers[0][0]


def test_a_look_alike_on_the_server_is_not_adopted_while_ours_is_still_queued(cache):
    queued = opening.queue_new_ticket(cache, plan(cache), NOW)
    with cache.connection() as conn, transaction(conn):
        sync_apply.apply_page(conn, _server_copy(777002, "Welcome", "Hello there.", "new.person@example.com"), {},
                              stream="tickets", now=NOW)
    assert is_provisional(cache.ticket(queued.ticket_id).number)  # never sent: that one is someone else's


def test_a_pulled_copy_that_got_its_own_row_is_merged_when_the_look_up_names_it(cache):
    queued = opening.queue_new_ticket(cache, plan(cache), NOW)
    with cache.connection() as conn, transaction(conn):
        # Queued, so not adopted: the server's copy (renamed there already) gets a row of its own.
        sync_apply.apply_page(conn, _server_copy(777003, "Welcome (edited)", "Hello there.",
                                                 "new.person@example.com"), {}, stream="tickets", now=NOW)
        kept = new_tickets.bind_new_ticket(conn, queued.ticket_id, "777003", 777003, None)
    assert kept != queued.ticket_id and cache.ticket(queued.ticket_id) is None
    [item] = [i for i in cache.outbox_items() if i.id == queued.item_id]
    assert item.ticket_id == kept
    with cache.connection() as conn:
        assert conn.execute("SELECT count(*) FROM tickets WHERE remote_id = '777003' OR number <= 0").fetchone() == (1,)
    assert [m.remote_id for m in cache.thread(kept)] == ["m777003"]


def test_an_unknown_outcome_then_the_look_up_on_the_demo_leaves_one_ticket(cache):
    helpdesk = DemoHelpdesk(adopts_unknown=True)
    queued = opening.queue_new_ticket(cache, plan(cache), NOW)
    helpdesk.lose_answers = 1
    first = send_outbox(cache, DemoBackend(helpdesk=helpdesk), lambda: NOW)
    assert (first.sent, first.waiting) == (0, 1)
    later = NOW + timedelta(seconds=outbox.UNKNOWN_GRACE + 5)
    second = send_outbox(cache, DemoBackend(helpdesk=helpdesk), lambda: later)
    assert second.sent == 1
    assert len([t for t in helpdesk.tickets.values() if t.subject == "Welcome"]) == 1
    assert not is_provisional(cache.ticket(queued.ticket_id).number)


class KeylessHelpdesk(DemoHelpdesk):
    """Opens a ticket for every request (no idempotency), remembering the last one per key for look-ups."""

    def open_ticket(self, key: str, *args: object, **kwargs: object) -> Applied:
        applied = super().open_ticket(f"{len(self.tickets):x}{key}", *args, **kwargs)  # type: ignore[arg-type]
        self.applied[key] = applied
        return applied


class FailsAfterActing(DemoBackend):
    """A helpdesk without idempotency keys that answers the first create 500 after creating it."""

    capabilities = replace(DemoBackend.capabilities, idempotency=False)

    def __init__(self, helpdesk: DemoHelpdesk) -> None:
        super().__init__(helpdesk=helpdesk)
        self.pushes = 0

    def push(self, command, ticket_remote_id, version):
        self.pushes += 1
        result = super().push(command, ticket_remote_id, version)
        if self.pushes == 1:
            raise errors.ServerError("The helpdesk answered 500 (it had opened the ticket).")
        return result


def test_a_create_refused_after_the_server_acted_is_looked_up_before_it_is_sent_again(cache):
    helpdesk = KeylessHelpdesk(adopts_unknown=True)
    backend = FailsAfterActing(helpdesk)
    queued = opening.queue_new_ticket(cache, plan(cache), NOW)
    first = send_outbox(cache, backend, lambda: NOW)
    assert (first.sent, first.waiting) == (0, 1)
    second = send_outbox(cache, backend, lambda: NOW + timedelta(minutes=1))
    assert second.sent == 1 and backend.pushes == 1, "sent again without looking"
    assert len([t for t in helpdesk.tickets.values() if t.subject == "Welcome"]) == 1
    assert not is_provisional(cache.ticket(queued.ticket_id).number)


def test_files_attached_to_a_new_ticket_ride_on_its_first_message_and_its_outbox_item(workspace, cache, tmp_path):
    from helpdesk_tui.store import outbox_files

    shot = tmp_path / "screen.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    checked = opening.with_files(workspace, plan(cache), [str(shot)])
    queued = opening.queue_new_ticket(cache, checked, NOW)
    [message] = cache.thread(queued.ticket_id)
    assert [m["name"] for m in message.attachments] == ["screen.png"]
    [item] = [i for i in cache.outbox_items() if i.id == queued.item_id]
    command = command_from(item)
    assert isinstance(command, NewTicket)
    [file] = command.attachments
    shot.unlink()  # the copy is what goes out
    assert (file.name, file.media_type, file.content()) == ("screen.png", "image/png",
                                                            b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    assert len(list(outbox_files.outbox_folder(cache.path).glob("*"))) == 1


def test_a_file_beyond_the_limit_leaves_no_copy_and_a_failed_queue_keeps_them_for_another_try(
        workspace, cache, tmp_path, monkeypatch):
    from helpdesk_tui.services.errors import ServiceError
    from helpdesk_tui.store import outbox_files
    from helpdesk_tui.store.write_errors import WriteFailed

    fine, big = tmp_path / "fine.txt", tmp_path / "big.bin"
    fine.write_text("ok", encoding="utf-8")
    with open(big, "wb") as f:
        f.truncate(26 * 1000 * 1000)  # the demo takes 25 MB a file
    with pytest.raises(InvalidRequest, match="more than the 25.0 MB"):
        opening.with_files(workspace, plan(cache), [str(fine), str(big)])
    folder = outbox_files.outbox_folder(cache.path)
    assert not any(folder.glob("*"))
    checked = opening.with_files(workspace, plan(cache), [str(fine)])

    def full(*_args, **_kw):
        raise WriteFailed("database or disk is full")

    monkeypatch.setattr(cache, "queue_new_ticket", full)
    with pytest.raises(ServiceError, match="nothing was sent"):
        opening.queue_new_ticket(cache, checked, NOW)
    # the form still lists the file: its copy must be there when the agent tries again
    assert [m["path"] for m in checked.attachments] == [str(p) for p in folder.glob("*")]
