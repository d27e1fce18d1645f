"""The demo workspace's helpdesk: it lives in the cache itself and accepts everything.

It lets a user try the whole path — queue, send, sent — without a server. It follows the
backend contract where the outbox sender uses it (``capabilities``, ``push``).
"""

from __future__ import annotations

from helpdesk_tui.sync.contract import Backend, Capabilities, ChangePage, Command, PushResult, RemoteMessage, RemoteTicket


class DemoBackend(Backend):
    name = "demo"
    label = "demo workspace"
    # The demo's helpdesk is the cache itself: a tag or a group set here is already where it lives.
    capabilities = Capabilities(change_feed="cursor", idempotency=True, tags=True, groups=True)

    def __init__(self) -> None:  # no account, no HTTP client: nothing leaves this machine
        super().__init__(None, None)  # type: ignore[arg-type]

    def check(self) -> str:
        return "The demo workspace needs no server."

    def pull(self, cursor: str | None) -> ChangePage:
        return ChangePage(cursor=cursor, done=True)

    def fetch_thread(self, ticket: RemoteTicket | str) -> list[RemoteMessage]:
        return []  # the threads are in the cache already

    def push(self, command: Command, ticket_remote_id: str, version: str | None) -> PushResult:
        return PushResult(remote_id=f"demo-{command.id}")

    def find_delivered(self, command: Command, ticket_remote_id: str) -> str | None:
        return None
