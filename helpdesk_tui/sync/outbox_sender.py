"""Draining the outbox: each item is sent once, in order, and its state recorded.

An item is marked ``sending`` (committed) before the request leaves, so a crash
mid-send leaves evidence: such an item is not blindly sent again by backends without
idempotency (the sync work adds the look-before-resend step for those).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from helpdesk_tui.store import outbox
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import transaction
from helpdesk_tui.sync.backends.base import Backend, DeliveryError


@dataclass
class DrainResult:
    sent: int = 0
    failed: int = 0
    waiting: int = 0  # left queued because the helpdesk did not answer


def drain_outbox(cache: Cache, backend: Backend, now: Callable[[], datetime]) -> DrainResult:
    result = DrainResult()
    with cache.connection() as conn:
        items = outbox.pending(conn)
    for item in items:
        with cache.connection() as conn, transaction(conn):
            outbox.mark(conn, item.id, outbox.SENDING, now(), attempt=True)
        try:
            delivered = backend.deliver(item)
        except DeliveryError as exc:
            state = outbox.QUEUED if exc.retry else outbox.FAILED
            with cache.connection() as conn, transaction(conn):
                outbox.mark(conn, item.id, state, now(), error=str(exc))
            if exc.retry:
                result.waiting += 1
                break  # keep the order: later items wait for this one
            result.failed += 1
            continue
        with cache.connection() as conn, transaction(conn):
            outbox.mark(conn, item.id, outbox.SENT, now(), remote_id=delivered.remote_id)
        result.sent += 1
    return result
