"""The demo backend: the backend contract over a helpdesk that lives in this process.

``DemoBackend()`` is the demo workspace's helpdesk: the workspace's tickets live in the cache
itself, so a pull brings nothing and every reply, note and update is accepted (once per
outbox id): a user tries the whole path — queue, send, sent — without a server.

``DemoBackend(helpdesk=DemoHelpdesk())`` is the same backend over a helpdesk of its own
(``demo_helpdesk.py``): tickets, threads, a change feed, versions and deletions, which is
how the conformance suite (``helpdesk_tui.sync.testing``) runs it like any other backend.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import IO, Any, ClassVar

from helpdesk_tui.demo.attachment_bytes import demo_file
from helpdesk_tui.domain.attachment_limits import MB, AttachmentLimits
from helpdesk_tui.sync.backends.demo_helpdesk import DemoHelpdesk, Write
from helpdesk_tui.sync.contract import (
    KEEP, AccountSettings, Backend, Capabilities, ChangeFeed, ChangePage, Command, Concurrency, Note, PushResult, RemoteMessage,
    NewTicket, RemoteTicket, Reply, Update,
)
from helpdesk_tui.config.settings import DEMO_AGENT
from helpdesk_tui.sync.errors import NotSupported

PAGE_SIZE = 100
_CHUNK = 64 * 1024
_FIELDS = ("status", "priority", "assignee", "group", "tags")


def make_client(account: AccountSettings, **options: object) -> None:
    """The demo talks to no server: it has no HTTP client."""
    return None


class DemoBackend(Backend):
    name = "demo"
    label = "demo workspace"
    # The helpdesk keeps tags and groups, honours the outbox id as an idempotency key, checks
    # versions on updates and reports deletions in its feed (a sequence number as the cursor).
    # Attachments: any type, up to 25 MB each and 10 a message (numbers of our own choosing, so the
    # demo shows what a helpdesk's limits look like).
    capabilities: ClassVar[Capabilities] = Capabilities(
        change_feed=ChangeFeed.CURSOR, deletions=True, idempotency=True, concurrency=Concurrency.VERSION, tags=True,
        groups=True, attachments=AttachmentLimits(max_bytes=25 * MB, max_count=10, source="the demo's own"))

    def __init__(self, account: AccountSettings | None = None, client: Any = None, *,
                 helpdesk: DemoHelpdesk | None = None, page_size: int = PAGE_SIZE) -> None:
        super().__init__(account or AccountSettings(name="demo", url="", user=None, token=""), client)
        self.helpdesk = helpdesk if helpdesk is not None else DemoHelpdesk(adopts_unknown=True)
        self.page_size = page_size

    def check(self) -> str:
        self.identity = DEMO_AGENT  # the demo's tickets are assigned to this agent (demo/generate.py)
        return "The demo workspace needs no server."

    def pull(self, cursor: str | None) -> ChangePage:
        after = int(cursor) if cursor else 0
        tickets, deleted, last, done = self.helpdesk.changes_after(after, self.page_size)
        return ChangePage(tickets=tickets, users=self.helpdesk.users_of(tickets), deleted_ticket_ids=deleted,
                          cursor=str(last) if last else cursor, done=done)

    def fetch_ticket(self, number: int) -> ChangePage | None:
        found = self.helpdesk.numbered(number)
        if found is None:
            return None
        ticket, customer = found
        return ChangePage(tickets=[ticket], users=[customer])

    def fetch_thread(self, ticket: RemoteTicket | str) -> list[RemoteMessage]:
        return self.helpdesk.thread(ticket if isinstance(ticket, str) else ticket.remote_id)

    def push(self, command: Command, ticket_remote_id: str, version: str | None) -> PushResult:
        if isinstance(command, NewTicket):
            fields: dict[str, object] = {k: v for k, v in (("status", command.status), ("priority", command.priority),
                                                           ("assignee", command.assignee), ("group", command.group))
                                         if v}
            if command.tags:
                fields["tags"] = command.tags
            opened = self.helpdesk.open_ticket(command.id, command.subject, command.body, email=command.requester,
                                               name=command.requester_name, fields=fields,
                                               files=tuple((f.name, f.media_type, f.content())
                                                           for f in command.attachments))
            assert opened.message_id is not None
            return PushResult(remote_id=opened.message_id, version=opened.version, number=int(opened.message_id))
        applied = self.helpdesk.apply(_write(command, ticket_remote_id, version))
        return PushResult(remote_id=applied.message_id, version=applied.version)

    def find_delivered(self, command: Command, ticket_remote_id: str) -> str | None:
        applied = self.helpdesk.delivered(command.id)
        return applied.message_id if applied is not None else None

    def current_version(self, ticket_remote_id: str) -> str | None:
        return self.helpdesk.version(ticket_remote_id)

    def download_attachment(self, meta: Mapping[str, Any], sink: IO[bytes],
                            progress: Callable[[int, int], None] | None = None) -> None:
        """The helpdesk's own bytes for a file it keeps (``key``); the demo workspace's files
        (listed by the generator, kept nowhere) are made from their name and size."""
        key = meta.get("key")
        if isinstance(key, str) and key:
            data = self.helpdesk.file(key)
        else:
            size = meta.get("size")
            data = demo_file(str(meta.get("filename") or meta.get("name") or ""), str(meta.get("content_type") or ""),
                             size if isinstance(size, int) and size >= 0 else 0)
        for start in range(0, len(data), _CHUNK):
            sink.write(data[start:start + _CHUNK])
            if progress is not None:
                progress(min(start + _CHUNK, len(data)), len(data))


def _write(command: Command, ticket_remote_id: str, version: str | None) -> Write:
    """A command as one write to the demo helpdesk, keyed by the command's id."""
    if not isinstance(command, (Reply, Note, Update)):
        raise NotSupported(f"The demo workspace cannot take a {type(command).__name__}.")
    fields: dict[str, object] = {}
    if command.status:
        fields["status"] = command.status
    if isinstance(command, Update):
        if command.priority:
            fields["priority"] = command.priority
        if command.assignee is not KEEP:
            fields["assignee"] = command.assignee or None
        if command.group is not KEEP and command.group:
            fields["group"] = command.group
        if command.tags is not KEEP:
            fields["tags"] = command.tags
    body = None if isinstance(command, Update) else command.body
    files = () if isinstance(command, Update) else tuple((f.name, f.media_type, f.content()) for f in command.attachments)
    # Like RT, only a bare update is checked against the version: a reply is never refused.
    return Write(key=command.id, remote_id=ticket_remote_id, body=body, public=isinstance(command, Reply),
                 fields=fields, version=version if isinstance(command, Update) else None, files=files)
