"""A new ticket whose create answer is lost, per backend, at the HTTP level (the conformance suite
covers the whole path through the cache; ``test_new_ticket_cli.py`` the command on a real RT).

- Zendesk: the repeat carries the same ``Idempotency-Key`` and the fake (as Zendesk documents)
  answers it with the first response: one ticket, and the backend learns its number.
- django-helpdesk without the marker field (an administrator never created it): the look-up
  falls back to the ticket's subject, customer and words, and finds the one ticket.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from helpdesk_tui.sync import errors
from helpdesk_tui.sync.backends import django_helpdesk as dh
from helpdesk_tui.sync.backends import zendesk as zd
from helpdesk_tui.sync.commands import NewTicket
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.http import RetryPolicy
from helpdesk_tui.sync.testing.fault_proxy import FaultProxy, drop_after_upstream
from tests.fakes.zendesk import FakeZendesk
from tests.server_django_helpdesk import DjangoHelpdeskServer, django_helpdesk_server  # noqa: F401

QUICK = RetryPolicy(attempts=3, base_delay=0.0, max_delay=0.0, timeout=20)


def command(word: str) -> NewTicket:
    return NewTicket(id=uuid.uuid4().hex, created_at=datetime.now(UTC), subject=f"Upgrade {word}",
                     body=f"Your upgrade is booked ({word}).", requester=f"{word}@example.com",
                     requester_name="Pat Doe", cc=(f"boss.{word}@example.com",))


def test_zendesk_repeats_the_create_with_its_idempotency_key_and_gets_the_first_answer():
    word = uuid.uuid4().hex[:10]
    wanted = command(word)
    with FakeZendesk() as fake, FaultProxy(fake.url) as proxy:
        proxy.add("POST", r"/api/v2/tickets(\.json)?$", drop_after_upstream())
        account = AccountSettings(name="zd", url=proxy.url, user=fake.email, token=fake.token)
        backend = zd.ZendeskBackend(account, zd.make_client(account, policy=QUICK, sleep=lambda s: None))
        pushed = backend.push(wanted, "", None)
        creates = [r for r in fake.requests if r.method == "POST" and r.path.startswith("/api/v2/tickets")]
        assert [r.headers.get("Idempotency-Key") for r in creates] == [wanted.id, wanted.id]
        mine = [t for t in fake.state.tickets.values() if word in str(t.get("subject"))]
        assert len(mine) == 1, "the repeat opened a second ticket"
        assert pushed.remote_id == str(mine[0]["id"]) and pushed.number == mine[0]["id"]
        assert mine[0]["external_id"] == wanted.id and len(mine[0]["email_cc_ids"]) == 1
        # Past Zendesk's 2 hours a look-up still finds it, by the external id.
        assert backend.find_delivered(wanted, "") == pushed.remote_id
        assert backend.find_delivered(command(word), "") is None


@pytest.mark.server
def test_django_helpdesk_without_the_marker_field_finds_the_ticket_by_its_words(
        django_helpdesk_server: DjangoHelpdeskServer, monkeypatch):  # noqa: F811
    monkeypatch.setattr(dh, "MARKER_FIELD", "custom_never_defined_here")  # the server ignores it
    word = uuid.uuid4().hex[:10]
    wanted = NewTicket(id=uuid.uuid4().hex, created_at=datetime.now(UTC), subject=f"Upgrade {word}",
                       body=f"Your upgrade is booked ({word}).", requester=f"{word}@example.com")
    with FaultProxy(django_helpdesk_server.url) as proxy:
        proxy.add("POST", r"/tickets/$", drop_after_upstream())
        account = AccountSettings(name="dh", url=proxy.url, user=None, token=django_helpdesk_server.token)
        backend = dh.DjangoHelpdeskBackend(account, dh.make_client(account, policy=QUICK, sleep=lambda s: None))
        with pytest.raises(errors.UnknownOutcome):
            backend.push(wanted, "", None)
        found = backend.find_delivered(wanted, "")
        assert found is not None and found.isdigit()
        assert proxy.count("POST", r"/tickets/$") == 1  # looked up, never sent again
        other = NewTicket(id=uuid.uuid4().hex, created_at=datetime.now(UTC), subject=f"Upgrade {word}",
                          body="Different words.", requester=f"{word}@example.com")
        assert backend.find_delivered(other, "") is None
