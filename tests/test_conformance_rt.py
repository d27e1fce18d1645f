"""The Request Tracker backend passes the conformance suite against a real RT 5 on loopback.

A customer's answer cannot come through REST2 as the customer (the requestor has no
password and no rights), so it is written with RT's own Perl API as that user, the way
RT's mail gateway would record an e-mail from them.
"""

from __future__ import annotations

import base64
import itertools
import os
import subprocess
import time

import pytest

from helpdesk_tui.domain.remote import RemoteMessage
from helpdesk_tui.sync.backends import rt, rt_map
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.http import RetryPolicy
from helpdesk_tui.sync.testing import BackendTests, ServerActions, ServerTicket
from tests.server_files import rt_bytes
from tests.server_rt import RtApi, RtServer, rt_server  # noqa: F401

pytestmark = pytest.mark.server

QUICK = RetryPolicy(attempts=3, base_delay=0.0, max_delay=0.0, timeout=20)
RT_LIB = "/usr/share/request-tracker5/lib"
_customers = itertools.count(1)

# Correspond as the ticket's requestor (the Everyone group gets the rights a customer
# writing by mail needs, once).
CUSTOMER_WRITES = r"""
use strict; use RT; RT::LoadConfig(); RT::Init();
my ($number, $email, $content) = map { Encode::decode("UTF-8", $_) } @ARGV;
my $everyone = RT::Group->new(RT->SystemUser); $everyone->LoadSystemInternalGroup("Everyone");
for my $right (qw(ShowTicket ReplyToTicket)) {
  $everyone->PrincipalObj->GrantRight(Right => $right, Object => RT->System)
    unless $everyone->PrincipalObj->HasRight(Right => $right, Object => RT->System);
}
my $user = RT::User->new(RT->SystemUser); $user->LoadByEmail($email) or die "no user $email";
my $ticket = RT::Ticket->new(RT::CurrentUser->new($user->id)); $ticket->Load($number) or die "no ticket";
my $mime = MIME::Entity->build(Type => "text/plain", Charset => "UTF-8", Data => [Encode::encode("UTF-8", $content)]);
my ($ok, $msg) = $ticket->Correspond(MIMEObj => $mime); die "$msg\n" unless $ok;
"""


class RtActions(ServerActions):
    writes = (("POST", r"/ticket/\d+/(correspond|comment)$"), ("PUT", r"/ticket/\d+$"), ("POST", r"/ticket$"))
    assignee = "root"

    def __init__(self, server: RtServer) -> None:
        self.rt = server
        self.url = server.url
        self.api = RtApi(server)
        self.requestors: dict[str, str] = {}

    def attachment_bytes(self, remote_id: str, message: RemoteMessage, n: int) -> bytes:
        return rt_bytes(self.api.http, str(message.attachments[n - 1]["remote_id"]))

    def backend(self, url: str | None = None) -> rt.RequestTrackerBackend:
        account = AccountSettings(name="rt", url=url or self.rt.url, user=None, token=self.rt.token)
        return rt.RequestTrackerBackend(account, rt.make_client(account, policy=QUICK, sleep=lambda s: None),
                                        per_page=100)

    def create_ticket(self, subject: str, body: str) -> str:
        email = f"customer{next(_customers)}.{os.getpid()}@example.com"
        number = self.api.ticket(subject, email, body)
        self.requestors[number] = email
        return number

    def create_ticket_with_file(self, subject: str, body: str, file_name: str, data: bytes, media_type: str) -> str:
        email = f"customer{next(_customers)}.{os.getpid()}@example.com"
        number = self.api.ticket(subject, email, body, Attachments=[
            {"FileName": file_name, "FileType": media_type, "FileContent": base64.b64encode(data).decode()}])
        self.requestors[number] = email
        return number

    def customer_writes(self, remote_id: str, body: str) -> None:
        env = {**os.environ, "RT_SITE_CONFIG": str(self.rt.root / "rt5" / "RT_SiteConfig.pm"),
               "RT_SITE_CONFIG_DIR": str(self.rt.root / "rt5" / "RT_SiteConfig.d")}
        done = subprocess.run(["perl", f"-I{RT_LIB}", "-e", CUSTOMER_WRITES, remote_id, self.requestors[remote_id],
                               body], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]

    def agent_writes(self, remote_id: str, body: str, *, public: bool) -> None:
        # root's own API token: another agent as far as the backend under test can tell.
        self.api.call("POST", f"/ticket/{remote_id}/{'correspond' if public else 'comment'}",
                      json={"Content": body, "ContentType": "text/plain"})

    def change_subject(self, remote_id: str, subject: str) -> None:
        # RT's version is LastUpdated, in whole seconds: an edit within the second of the last
        # sync could not be told from it (RT's limit, not the backend's), so the edit comes later.
        time.sleep(1.1)
        self.api.call("PUT", f"/ticket/{remote_id}", json={"Subject": subject})

    def ticket(self, remote_id: str) -> ServerTicket:
        raw = self.api.get(remote_id)
        owner = raw["Owner"]["id"] if isinstance(raw.get("Owner"), dict) else raw.get("Owner")
        return ServerTicket(rt_map.status_from_rt(raw["Status"]), rt_map.priority_from_rt(raw["Priority"]),
                            None if owner in ("", rt_map.NOBODY) else owner)


class TestRequestTrackerBackend(BackendTests):
    @pytest.fixture
    def server(self, rt_server: RtServer) -> ServerActions:  # noqa: F811
        return RtActions(rt_server)
