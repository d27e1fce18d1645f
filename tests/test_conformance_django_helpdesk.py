"""The django-helpdesk backend passes the conformance suite against a real django-helpdesk 2.6.1.

A customer's answer (an e-mail in real life: a followup without a user) is written through
``manage.py shell``, as the server's mail import would; everything else through its API.
"""

from __future__ import annotations

import itertools
import os

import httpx
import pytest

from helpdesk_tui.domain.remote import RemoteMessage
from helpdesk_tui.domain.vocab import Priority
from helpdesk_tui.sync.backends import django_helpdesk as dh
from helpdesk_tui.sync.backends import django_helpdesk_map as dhm
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.http import RetryPolicy
from helpdesk_tui.sync.testing import BackendTests, ServerActions, ServerTicket
from tests.server_files import django_helpdesk_bytes
from tests.server_django_helpdesk import DjangoHelpdeskServer, django_helpdesk_server  # noqa: F401

pytestmark = pytest.mark.server

QUICK = RetryPolicy(attempts=3, base_delay=0.0, max_delay=0.0, timeout=20)
_customers = itertools.count(1)


class DjangoHelpdeskActions(ServerActions):
    writes = (("POST", r"/followups/$"), ("PATCH", r"/tickets/\d+/$"), ("POST", r"/tickets/$"))
    assignee = "user 1"  # the admin, as the backend names a user it has no name for

    def __init__(self, server: DjangoHelpdeskServer) -> None:
        self.dh = server
        self.url = server.url
        self.http = httpx.Client(base_url=server.api, headers={"Authorization": f"Token {server.token}"},
                                 timeout=30)

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, **kw: object) -> object:
        response = self.http.request(method, path, **kw)  # type: ignore[arg-type]
        assert response.status_code < 300, (method, path, response.status_code, response.text[:300])
        return response.json() if response.content else None

    def attachment_bytes(self, remote_id: str, message: RemoteMessage, n: int) -> bytes:
        return django_helpdesk_bytes(self.dh.project, str(message.attachments[n - 1]["url"]))

    def backend(self, url: str | None = None) -> dh.DjangoHelpdeskBackend:
        account = AccountSettings(name="dh", url=url or self.dh.url, user=None, token=self.dh.token)
        return dh.DjangoHelpdeskBackend(account, dh.make_client(account, policy=QUICK, sleep=lambda s: None),
                                        page_size=100)

    def create_ticket(self, subject: str, body: str) -> str:
        email = f"customer{next(_customers)}.{os.getpid()}@example.com"
        made = self.call("POST", "/tickets/", json={"queue": 1, "title": subject, "description": body,
                                                     "submitter_email": email, "priority": 3})
        assert isinstance(made, dict)
        return str(made["id"])

    def create_ticket_with_file(self, subject: str, body: str, file_name: str, data: bytes, media_type: str) -> str:
        email = f"customer{next(_customers)}.{os.getpid()}@example.com"
        made = self.call("POST", "/tickets/", data={"queue": 1, "title": subject, "description": body,
                                                     "submitter_email": email, "priority": 3},
                         files={"attachment": (file_name, data, media_type)})
        assert isinstance(made, dict)
        return str(made["id"])

    def customer_writes(self, remote_id: str, body: str) -> None:
        self.dh.shell("from django.utils import timezone\nfrom helpdesk.models import FollowUp, Ticket\n"
                      f"FollowUp.objects.create(ticket=Ticket.objects.get(id={int(remote_id)}), "
                      f"title='E-Mail Received', comment={body!r}, public=True, user=None, date=timezone.now())")

    def agent_writes(self, remote_id: str, body: str, *, public: bool) -> None:
        self.call("POST", "/followups/", json={"ticket": int(remote_id), "comment": body, "public": public})

    def change_subject(self, remote_id: str, subject: str) -> None:
        self.call("PATCH", f"/tickets/{remote_id}/", json={"title": subject})

    def delete_ticket(self, remote_id: str) -> None:
        self.call("DELETE", f"/tickets/{remote_id}/")

    def ticket(self, remote_id: str) -> ServerTicket:
        raw = self.call("GET", f"/tickets/{remote_id}/")
        assert isinstance(raw, dict)
        owner = raw.get("assigned_to")
        return ServerTicket(dhm.STATUS_MAP[raw["status"]], dhm.PRIORITY_MAP.get(raw["priority"], Priority.NORMAL),
                            dhm.Names().user(owner))


# The staff-only custom field a new ticket's marker goes in (see DjangoHelpdeskBackend._create).
MARKER_FIELD = """
from helpdesk.models import CustomField
CustomField.objects.get_or_create(name="helpdesk_tui_outbox", defaults=dict(
    label="helpdesk-tui outbox id", data_type="varchar", max_length=64, required=False, staff_only=True))
"""


@pytest.fixture
def marked_server(django_helpdesk_server: DjangoHelpdeskServer) -> DjangoHelpdeskServer:  # noqa: F811
    django_helpdesk_server.shell(MARKER_FIELD)
    return django_helpdesk_server


class TestDjangoHelpdeskBackend(BackendTests):
    @pytest.fixture
    def server(self, marked_server: DjangoHelpdeskServer):
        actions = DjangoHelpdeskActions(marked_server)
        yield actions
        actions.close()
