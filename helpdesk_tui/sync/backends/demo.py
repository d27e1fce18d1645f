"""The demo backend: the backend contract over a helpdesk that lives in this process.

``DemoBackend()`` is the demo workspace's helpdesk: the workspace's tickets live in the cache
itself, so a pull brings nothing and every reply, note and update is accepted (once per
outbox id): a user tries the whole path — queue, send, sent — without a server.

``DemoBackend(helpdesk=DemoHelpdesk())`` is the same backend over a helpdesk of its own
(``demo_helpdesk.py``): tickets, threads, a change feed, versions and deletions, which is
how the conformance suite (``helpdesk_tui.sync.testing``) runs it like any other backend.
"""

from __future__ import annotations

from typing import ClassVar

from helpdesk_tui.domain.models import OutboxItem
from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.sync.backends.base import (
    AccountSettings, Backend, Capabilities, ChangePage, PushResult, RemoteMessage, RemoteTicket,
)
from helpdesk_tui.sync.backends.demo_helpdesk import DemoHelpdesk, Write
from helpdesk_tui.sync.errors import NotSupported

PAGE_SIZE = 100
_FIELDS = ("status", "priority", "assignee", "group", "tags")


def make_client(account: AccountSettings, **options: object) -> None:
    """The demo talks to no server: it has no HTTP client."""
    return None


class DemoBackend(Backend):
    name = "demo"
    label = "demo workspace"
    # The helpdesk keeps tags and groups, honours the outbox id as an idempotency key, checks
    # versions on updates and reports deletions in its feed (a sequence number as the cursor).
    capabilities: ClassVar[Capabilities] = Capabilities(
        change_feed="cursor", deletions=True, idempotency=True, concurrency="version", tags=True, groups=True)

    def __init__(self, account: AccountSettings | None = None, client: object = None, *,
                 helpdesk: DemoHelpdesk | None = None, page_size: int = PAGE_SIZE) -> None:
        super().__init__(account or AccountSettings(name="demo", url="", user=None, token=""), client)
        self.helpdesk = helpdesk if helpdesk is not None else DemoHelpdesk(adopts_unknown=True)
        self.page_size = page_size

    def check(self) -> str:
        return "The demo workspace needs no server."

    def pull(self, cursor: str | None) -> ChangePage:
        after = int(cursor) if cursor else 0
        tickets, deleted, last, done = self.helpdesk.changes_after(after, self.page_size)
        return ChangePage(tickets=tickets, users=self.helpdesk.users_of(tickets), deleted_ticket_ids=deleted,
                          cursor=str(last) if last else cursor, done=done)

    def fetch_thread(self, ticket: RemoteTicket | str) -> list[RemoteMessage]:
        return self.helpdesk.thread(ticket if isinstance(ticket, str) else ticket.remote_id)

    def push(self, item: OutboxItem, ticket_remote_id: str, version: str | None) -> PushResult:
        applied = self.helpdesk.apply(_write(item, ticket_remote_id, version))
        return PushResult(remote_id=applied.message_id, version=applied.version)

    def find_delivered(self, item: OutboxItem, ticket_remote_id: str) -> str | None:
        applied = self.helpdesk.delivered(item.id)
        return applied.message_id if applied is not None else None

    def current_version(self, ticket_remote_id: str) -> str | None:
        return self.helpdesk.version(ticket_remote_id)


def _write(item: OutboxItem, ticket_remote_id: str, version: str | None) -> Write:
    """An outbox item as one write to the demo helpdesk, keyed by the item's id."""
    payload = item.payload
    if item.action not in ("reply", "note", "update"):
        raise NotSupported(f"The demo workspace cannot '{item.action}' a ticket.")
    fields: dict[str, object] = {}
    if payload.get("status"):
        fields["status"] = Status(str(payload["status"]))
    if item.action == "update":
        if payload.get("priority"):
            fields["priority"] = Priority(str(payload["priority"]))
        if "assignee" in payload:
            fields["assignee"] = str(payload["assignee"]) if payload["assignee"] else None
        if payload.get("group"):
            fields["group"] = str(payload["group"])
        tags = payload.get("tags")
        if isinstance(tags, list | tuple):
            fields["tags"] = tuple(str(tag) for tag in tags)
    body = None if item.action == "update" else str(payload.get("body") or "")
    # Like RT, only a bare update is checked against the version: a reply is never refused.
    return Write(key=item.id, remote_id=ticket_remote_id, body=body, public=item.action == "reply",
                 fields=fields, version=version if item.action == "update" else None)
