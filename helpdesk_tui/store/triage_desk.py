"""Triage as the UI and CLI see it: one agent's rotation over one account's cache.

``ActionDesk`` is what triage shares with the inbox's bulk actions: one action on several
tickets, each change through the outbox, logged so the last batch can be undone while it is
still queued. ``TriageDesk`` adds the rotation (its queue, tally and log). An inbox action is
logged with no rotation, so it never counts in a rotation's tally and triage's undo never
takes it back (nor the inbox's a triage action).

Each method borrows a connection from the ``Cache`` pool; each action on several tickets
is one transaction, so a batch is queued whole or not at all.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from datetime import datetime, timedelta

from helpdesk_tui.domain.models import InboxRow, Message
from helpdesk_tui.domain.triage import (
    ASSIGN, PRIORITY, STATUS, TAG, TAKE, Change, RotationSummary,
)
from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.store import outbox, triage, triage_queue
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import transaction


class ActionDesk:
    """One agent's actions on tickets of one account's cache, outside any rotation (the inbox)."""

    def __init__(self, cache: Cache, agent: str, *, sends_tags: bool, sends_groups: bool = True,
                 hold_seconds: int = 0) -> None:
        """``sends_tags``/``sends_groups``: the helpdesk keeps tags / can move a ticket to a group.
        ``hold_seconds``: the undo window (``[send] delay_seconds``) each action's outbox items
        wait out before any drainer sends them."""
        self.cache = cache
        self.hold_seconds = hold_seconds
        self.agent = agent
        self.sends_tags = sends_tags
        self.sends_groups = sends_groups

    @property
    def rotation_id(self) -> int | None:
        """The rotation the actions are logged in; None: none (the inbox)."""
        return None

    def people(self, configured: Iterable[str] = ()) -> list[str]:
        """The configured experts first, then everyone the cache has seen own a ticket."""
        with self.cache.connection() as conn:
            seen = triage_queue.known_assignees(conn)
        return list(dict.fromkeys([*configured, *seen]))

    def groups(self, configured: Iterable[str] = ()) -> list[str]:
        with self.cache.connection() as conn:
            seen = triage_queue.recent_groups(conn)
        return list(dict.fromkeys([*configured, *seen]))

    # acting: one transaction per key press, one outbox item per ticket
    def _each(self, ticket_ids: Iterable[int], change: Change, action: str, now: datetime) -> list[triage.ActionResult]:
        batch = triage.new_batch()
        results = []
        with self.cache.connection() as conn, transaction(conn):
            for ticket_id in ticket_ids:
                result = triage.queue_update(conn, ticket_id, change, self.agent, now, action=action,
                                             rotation_id=self.rotation_id, batch=batch, sends_tags=self.sends_tags)
                if result is not None:
                    results.append(result)
            self._hold(conn, results, now)
        return results

    def _hold(self, conn, results: list[triage.ActionResult], now: datetime) -> None:
        """Keep the action's items out of every drainer for the undo window (same transaction)."""
        if self.hold_seconds > 0:
            outbox.hold_items(conn, [i for r in results for i in r.outbox_ids], now + timedelta(seconds=self.hold_seconds))

    def take(self, ticket_ids: Iterable[int], now: datetime) -> list[triage.ActionResult]:
        return self._each(ticket_ids, Change(assignee=self.agent), TAKE, now)

    def assign(self, ticket_ids: Iterable[int], assignee: str, now: datetime) -> list[triage.ActionResult]:
        return self._each(ticket_ids, Change(assignee=assignee), ASSIGN, now)

    def set_priority(self, ticket_ids: Iterable[int], priority: Priority, now: datetime) -> list[triage.ActionResult]:
        return self._each(ticket_ids, Change(priority=priority), PRIORITY, now)

    def set_status(self, ticket_ids: Iterable[int], status: Status, now: datetime) -> list[triage.ActionResult]:
        return self._each(ticket_ids, Change(status=status), STATUS, now)

    def add_tag(self, ticket_ids: Iterable[int], tag: str, now: datetime) -> list[triage.ActionResult]:
        return self._each(ticket_ids, Change(add_tags=(tag,)), TAG, now)

    def mark_feedback(self, ticket_ids: Iterable[int], now: datetime, note: str = "") -> list[triage.ActionResult]:
        batch = triage.new_batch()
        with self.cache.connection() as conn, transaction(conn):
            results = [triage.mark_product_feedback(conn, tid, self.agent, now, rotation_id=self.rotation_id,
                                                    batch=batch, sends_tags=self.sends_tags, note=note)
                       for tid in ticket_ids]
            self._hold(conn, results, now)
            return results

    def escalate(self, ticket_ids: Iterable[int], notes: dict[int, str], now: datetime, *,
                 assignee: str | None = None, group: str | None = None,
                 status: str | None = None) -> list[triage.ActionResult]:
        """Escalate each ticket with its own note (``notes`` by ticket id); ``status``: the
        template's suggestion for tickets still new."""
        batch = triage.new_batch()
        with self.cache.connection() as conn, transaction(conn):
            results = [triage.escalate(conn, tid, note=notes[tid], agent=self.agent, now=now,
                                       rotation_id=self.rotation_id, batch=batch, assignee=assignee, group=group,
                                       status=status)
                       for tid in ticket_ids]
            self._hold(conn, results, now)
            return results

    def undo(self, now: datetime) -> triage.Undone:
        with self.cache.connection() as conn, transaction(conn):
            return triage.undo_last(conn, self.agent, self.rotation_id, now)


class TriageDesk(ActionDesk):
    def __init__(self, cache: Cache, agent: str, *, sends_tags: bool, now: datetime,
                 new_rotation: bool = False, sends_groups: bool = True, hold_seconds: int = 0) -> None:
        """``sends_tags``/``sends_groups``: the helpdesk keeps tags / can move a ticket to a group.
        ``hold_seconds``: the undo window (``[send] delay_seconds``) each action's outbox items
        wait out before any drainer sends them."""
        super().__init__(cache, agent, sends_tags=sends_tags, sends_groups=sends_groups, hold_seconds=hold_seconds)
        with cache.connection() as conn, transaction(conn):
            if new_rotation:
                self.rotation = triage.start_rotation(conn, agent, now)
            else:
                self.rotation = triage.current_rotation(conn, agent, now)

    def start_new_rotation(self, now: datetime) -> None:
        with self.cache.connection() as conn, transaction(conn):
            self.rotation = triage.start_rotation(conn, self.agent, now)

    # reading
    def queue_ids(self, limit: int | None = None) -> array:
        with self.cache.connection() as conn:
            return triage_queue.queue_ids(conn, limit=limit)

    def queue_count(self) -> int:
        with self.cache.connection() as conn:
            return triage_queue.queue_count(conn)

    def rows(self, ids) -> list[InboxRow]:
        with self.cache.connection() as conn:
            return triage_queue.queue_rows(conn, ids)

    def first_message(self, ticket_id: int) -> Message | None:
        with self.cache.connection() as conn:
            return triage_queue.first_customer_message(conn, ticket_id)

    def summary(self) -> RotationSummary:
        with self.cache.connection() as conn:
            return triage.rotation_summary(conn, self.rotation.id)

    def recent(self, limit: int = 10) -> list[triage.LoggedAction]:
        with self.cache.connection() as conn:
            return triage.recent_actions(conn, self.rotation.id, limit)

    @property
    def rotation_id(self) -> int | None:
        return self.rotation.id
