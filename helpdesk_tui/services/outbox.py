"""Replies and notes on their way out: the checks before queueing, queueing or holding them,
the undo window, and the outbox's items (list, retry, drop)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from helpdesk_tui.domain.models import OutboxItem, Ticket
from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.vocab import MessageKind, Status
from helpdesk_tui.services.errors import InvalidRequest, ServiceError
from helpdesk_tui.services.workspace import local_id
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.write_errors import WriteFailed

FINISHED = ("sent", "dropped")  # states that have left the outbox for good


@dataclass(frozen=True)
class CheckedReply:
    """A reply or note whose text, status and promised update have passed the checks."""

    kind: MessageKind
    body: str
    new_status: Status | None
    checkpoint: datetime | None
    delay: int  # seconds held before it may be sent (the undo window); 0: queued at once
    attachments: tuple[dict[str, object], ...] = ()  # private copies (services.attaching)

    @property
    def what(self) -> str:
        return "note" if self.kind == MessageKind.INTERNAL_NOTE else "reply"

    def plan(self, ticket: Ticket, author: str) -> ReplyPlan:
        return ReplyPlan(local_id(ticket), self.kind, self.body, author, self.new_status, self.checkpoint,
                         self.attachments)


def check_reply(body: str, *, note: bool, status: str | None, next_update: str | None, delay: int,
                now: datetime) -> CheckedReply:
    """The reply as it will be queued, or ``InvalidRequest`` naming the first thing wrong."""
    from helpdesk_tui.config.settings import MAX_SEND_DELAY
    from helpdesk_tui.domain.checkpoint import CheckpointError, parse_checkpoint

    if not body.strip():
        raise InvalidRequest("The reply is empty: write something in the file first.")
    new_status = None
    if status:
        try:
            new_status = Status(status.replace("-", "_").replace(" ", "_"))
        except ValueError:
            raise InvalidRequest(f"Unknown status '{status}': use one of "
                                 f"{', '.join(s.value for s in Status)}.") from None
    checkpoint = None
    if next_update:
        try:
            checkpoint = parse_checkpoint(next_update, now, now.astimezone().tzinfo or UTC)
        except CheckpointError as exc:
            raise InvalidRequest(str(exc)) from None
    if not 0 <= delay <= MAX_SEND_DELAY:
        raise InvalidRequest(f"--delay must be between 0 and {MAX_SEND_DELAY} seconds.")
    kind = MessageKind.INTERNAL_NOTE if note else MessageKind.PUBLIC_REPLY
    return CheckedReply(kind, body, new_status, checkpoint, delay)


def with_attachments(reply: CheckedReply, attachments: tuple[dict[str, object], ...]) -> CheckedReply:
    """The same reply carrying ``attachments`` (copied and checked by ``services.attaching``)."""
    return dataclasses.replace(reply, attachments=attachments)


def _not_queued(reply: CheckedReply, cache: Cache, exc: WriteFailed) -> ServiceError:
    from helpdesk_tui.store.failures import explain

    # The same sentence every other command gives for this cache failure.
    return ServiceError(f"The {reply.what} was not queued and nothing was sent. "
                        f"{explain(exc.__cause__ or exc, cache.path)}")


def queue_reply(cache: Cache, ticket: Ticket, reply: CheckedReply, author: str, now: datetime) -> str:
    """Queue the reply for the next drain; its outbox id. The ticket's draft in the app stays:
    this text did not come from it."""
    try:
        _, item_id = cache.queue_reply(reply.plan(ticket, author), now, keep_draft=True)
    except WriteFailed as exc:
        raise _not_queued(reply, cache, exc) from None
    return item_id


@dataclass(frozen=True)
class Held:
    item_id: str
    until: datetime  # when the undo window ends, as the cache keeps it


def hold_reply(cache: Cache, ticket: Ticket, reply: CheckedReply, author: str, now: datetime) -> Held:
    """Hold the reply ``reply.delay`` seconds (the undo window); the ticket's draft is untouched."""
    until = now + timedelta(seconds=reply.delay)
    try:
        item_id = cache.hold_reply(reply.plan(ticket, author), now, until)
    except WriteFailed as exc:
        raise _not_queued(reply, cache, exc) from None
    # The cache keeps whole seconds, rounded up: its moment, not ours, is when it can go.
    until = next((h.send_at for h in cache.held_sends() if h.item_id == item_id), until)
    return Held(item_id, until)


def take_back(cache: Cache, item_id: str) -> bool:
    """Cancel a held send; False when its undo window had already ended (it is in the outbox)."""
    return cache.cancel_held(item_id)


@dataclass(frozen=True)
class OutboxEntry:
    item: OutboxItem
    number: int | None  # the ticket's number; None if the ticket is gone from the cache


def waiting_items(cache: Cache) -> list[OutboxEntry]:
    """The items not sent or dropped yet: queued, held, failed or in conflict."""
    items = [i for i in cache.outbox_items() if i.state not in FINISHED]
    # A new ticket still queued has no number yet (None, like a ticket gone from the cache).
    numbers = {i.ticket_id: t.number for i in items if (t := cache.ticket(i.ticket_id)) and t.number > 0}
    return [OutboxEntry(i, numbers.get(i.ticket_id)) for i in items]


def _one(cache: Cache, prefix: str) -> OutboxItem:
    from helpdesk_tui.store import outbox as box

    with cache.connection() as conn:
        matches = box.find(conn, prefix)
    if len(matches) != 1:
        raise InvalidRequest(f"{'No' if not matches else 'More than one'} outbox item starts with "
                             f"'{prefix}': 'helpdesk-tui outbox' lists them.")
    return matches[0]


def _change(cache: Cache, prefix: str, now: datetime | None) -> OutboxItem:
    from helpdesk_tui.store import outbox as box
    from helpdesk_tui.store.db import transaction

    item = _one(cache, prefix)
    with cache.connection() as conn, transaction(conn):
        done = box.retry(conn, item.id, now) if now is not None else box.drop(conn, item.id)
    if not done:
        raise InvalidRequest(f"Item {prefix} is {item.state}: only failed or conflicting items "
                             "can be retried or dropped.")
    return item


def retry(cache: Cache, prefix: str, now: datetime) -> OutboxItem:
    """Queue again the failed or conflicting item whose id starts with ``prefix``."""
    return _change(cache, prefix, now)


def drop(cache: Cache, prefix: str) -> OutboxItem:
    """Give up on the failed or conflicting item whose id starts with ``prefix``; the private
    copies of its attachments go with it."""
    from helpdesk_tui.services.attaching import discard

    item = _change(cache, prefix, None)
    attachments = item.payload.get("attachments")
    discard(cache.path, attachments if isinstance(attachments, list) else ())
    return item
