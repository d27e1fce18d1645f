"""The demo workspace's helpdesk: it lives in the cache itself and accepts everything.

It lets a user try the whole path — queue, send, sent — without a server.
"""

from __future__ import annotations

from helpdesk_tui.domain.models import OutboxItem
from helpdesk_tui.sync.backends.base import Delivered


class DemoBackend:
    name = "demo"

    def deliver(self, item: OutboxItem) -> Delivered:
        return Delivered(remote_id=f"demo-{item.id}")
