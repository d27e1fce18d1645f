"""Draining the outbox: each item is sent exactly once, in order, its state recorded.

Before a request leaves, the item is claimed (marked ``sending`` by one UPDATE that only
one drainer can win) and committed. An item found in ``sending`` for longer than a
request can take (the app died mid-request) or ``unknown`` (no answer came back) may
already be on the server. It is never blindly sent again: a backend that honours idempotency
keys gets the same key again (the server deduplicates); any other backend first reads
the ticket back and looks for the message (``find_delivered``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from helpdesk_tui.domain.models import OutboxItem
from helpdesk_tui.store import new_tickets, outbox, outbox_files, sync_apply, tickets
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import transaction
from helpdesk_tui.store.held import release_due
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.commands import NEW_TICKET, command_from
from helpdesk_tui.sync.contract import Backend, Concurrency

log = logging.getLogger(__name__)


@dataclass
class DrainResult:
    sent: int = 0
    failed: int = 0
    conflicts: int = 0
    waiting: int = 0  # left for later: the helpdesk did not answer, or the outcome is unknown
    offline: bool = False
    auth_failed: bool = False  # the helpdesk answered and refused the credentials
    problems: list[str] = field(default_factory=list)  # one sentence each, for the UI and CLI


def drain_outbox(cache: Cache, backend: Backend, now: Callable[[], datetime]) -> DrainResult:
    """Send what is due, in order; stops at the first sign of being offline or refused."""
    result = DrainResult()
    # Sends whose undo window has ended become queued here, in whichever process drains
    # first; those still in their window are neither released nor pending.
    with cache.connection() as conn, transaction(conn):
        release_due(conn, now())
    with cache.connection() as conn:
        items = outbox.pending(conn, now())
        held = outbox.tickets_in_flight(conn, now())
    for item in items:
        if item.ticket_id in held and item.state == outbox.QUEUED:
            result.waiting += 1  # behind an item of the same ticket that may still land
            continue
        if not _send_one(cache, backend, item, now, result):
            break  # offline or rate-limited: later items keep their order behind this one
    return result


def _send_one(cache: Cache, backend: Backend, item: OutboxItem, now: Callable[[], datetime],
              result: DrainResult) -> bool:
    """Returns False when draining should stop for now."""
    with cache.connection() as conn:
        ticket = tickets.get_ticket(conn, item.ticket_id)
    if item.action == NEW_TICKET and ticket is not None:
        return _send_new_ticket(cache, backend, item, now, result)
    remote_ticket = ticket.remote_id if ticket else None
    if ticket is None or remote_ticket is None:
        _mark(cache, item, outbox.FAILED, now, "The ticket is not known to the helpdesk (it was never synced).")
        result.failed += 1
        return True
    try:
        command = command_from(item)
    except errors.NotSupported as exc:
        _mark(cache, item, outbox.FAILED, now, str(exc))
        result.failed += 1
        result.problems.append(str(exc))
        return True
    maybe_delivered = item.state in (outbox.SENDING, outbox.UNKNOWN)
    with cache.connection() as conn, transaction(conn):
        claimed = outbox.claim(conn, item, now())
    if not claimed:
        return True  # someone else is sending it
    _logged(item, item.state, outbox.SENDING)
    item.state = outbox.SENDING
    # A backend without concurrency control cannot use the version: it is not sent.
    checks_version = backend.capabilities.concurrency is not Concurrency.NONE
    version = ticket.version if checks_version else None
    if maybe_delivered and not backend.capabilities.idempotency:
        try:
            found = backend.find_delivered(command, remote_ticket)
            if found is not None and _belongs_to_another(cache, item, found):
                found = None  # an earlier message with the same words, not this one
            if found is not None:
                _mark(cache, item, outbox.SENT, now, remote_id=found,
                      version=_current_version(backend, remote_ticket))
                result.sent += 1
                return True
            # Not there: send it again, against the ticket as it is now (our own earlier
            # changes moved its version).
            if checks_version:
                version = _current_version(backend, remote_ticket) or version
        except errors.SyncError as exc:
            # Could not look: it stays unknown. Sending blindly could deliver it twice.
            return _look_up_failed(cache, item, now, exc, result)
    try:
        pushed = backend.push(command, remote_ticket, version)
    except errors.SyncError as exc:
        return _push_failed(cache, item, now, exc, result)
    _mark(cache, item, outbox.SENT, now, remote_id=pushed.remote_id, version=pushed.version)
    result.sent += 1
    return True


def _send_new_ticket(cache: Cache, backend: Backend, item: OutboxItem, now: Callable[[], datetime],
                     result: DrainResult) -> bool:
    """A new ticket: there is no ticket on the server to send to yet, so it goes to ``push`` with
    no remote id; an unknown outcome is looked up by the item's marker (or, on a backend with
    idempotency keys, sent again with the same key); what comes back replaces the provisional row."""
    try:
        command = command_from(item)
    except errors.NotSupported as exc:
        _mark(cache, item, outbox.FAILED, now, str(exc))
        result.failed += 1
        result.problems.append(str(exc))
        return True
    # Tried before (an answer lost, a 5xx, a retry that gave up): the ticket may exist. A second
    # ticket is worse than a look-up, so it is looked for before any repeat.
    maybe_delivered = item.state in (outbox.SENDING, outbox.UNKNOWN) or item.attempts > 0
    with cache.connection() as conn, transaction(conn):
        claimed = outbox.claim(conn, item, now())
    if not claimed:
        return True
    _logged(item, item.state, outbox.SENDING)
    item.state = outbox.SENDING
    if maybe_delivered and not backend.capabilities.idempotency:
        try:
            found = backend.find_delivered(command, "")
        except errors.SyncError as exc:
            return _look_up_failed(cache, item, now, exc, result)
        if found is not None:
            _bind_new_ticket(cache, item, now, found, None, None)
            result.sent += 1
            return True
    try:
        pushed = backend.push(command, "", None)
    except errors.SyncError as exc:  # (never a Conflict: a new ticket has no version to clash)
        return _push_failed(cache, item, now, exc, result)
    if pushed.remote_id is None:
        # Created, but we cannot tell which ticket it is: the look-up by marker will say.
        _mark(cache, item, outbox.UNKNOWN, now, "The helpdesk created the ticket but did not say its number.")
        result.waiting += 1
        return False
    _bind_new_ticket(cache, item, now, pushed.remote_id, pushed.number, pushed.version)
    result.sent += 1
    return True


def _look_up_failed(cache: Cache, item: OutboxItem, now: Callable[[], datetime], exc: errors.SyncError,
                    result: DrainResult) -> bool:
    """The look-up after an unknown outcome could not be made: the item stays unknown (sending
    blindly could deliver it twice). False: stop the drain."""
    _mark(cache, item, outbox.UNKNOWN, now, str(exc))
    result.waiting += 1
    result.offline = isinstance(exc, errors.Unreachable)
    result.problems.append(str(exc))
    return False


def _push_failed(cache: Cache, item: OutboxItem, now: Callable[[], datetime], exc: errors.SyncError,
                 result: DrainResult) -> bool:
    """What a failed push leaves the item as; True: go on with the next item, False: stop the drain."""
    state = outbox.FAILED
    go_on = True
    if isinstance(exc, errors.UnknownOutcome):
        state, go_on = outbox.UNKNOWN, False
        result.waiting += 1
    elif isinstance(exc, errors.Conflict):
        state = outbox.CONFLICT
        result.conflicts += 1
    elif isinstance(exc, (errors.Unreachable, errors.RateLimited, errors.ServerError)):
        # Nothing reached the server (or it refused before acting): send it as new next time.
        state, go_on = outbox.QUEUED, False
        result.waiting += 1
        result.offline = isinstance(exc, errors.Unreachable)
    elif isinstance(exc, (errors.AuthFailed, errors.Forbidden, errors.TLSFailure)):
        # The same will happen to every item: stop and tell the agent.
        state, go_on = outbox.QUEUED, False
        result.waiting += 1
        result.auth_failed = isinstance(exc, errors.AuthFailed)
    else:
        result.failed += 1
    _mark(cache, item, state, now, str(exc))
    result.problems.append(str(exc))
    return go_on


def _bind_new_ticket(cache: Cache, item: OutboxItem, now: Callable[[], datetime], remote_id: str,
                     number: int | None, version: str | None) -> None:
    """Sent: the provisional row becomes the helpdesk's ticket (or folds into the copy a pull
    brought), in one transaction with the item's state."""
    if number is None and remote_id.isdigit():
        number = int(remote_id)  # every built-in helpdesk numbers its tickets by their id
    with cache.connection() as conn, transaction(conn):
        new_tickets.bind_new_ticket(conn, item.ticket_id, remote_id, number, version)
        # The remote id is the ticket's, not its first message's: ``outbox.mark`` would put it on the message.
        outbox.mark(conn, item.id, outbox.SENT, now())
        conn.execute("UPDATE outbox SET remote_id = ? WHERE id = ?", (remote_id, item.id))
        row = conn.execute("SELECT message_id FROM outbox WHERE id = ?", (item.id,)).fetchone()
    # Delivered: the files' copies become the first message's bytes in the cache (or go, when
    # the provisional message folded into the server's copy pulled meanwhile).
    files = item.payload.get("attachments")
    outbox_files.keep_as_downloaded(cache.path, row[0] if row else None, files if isinstance(files, list) else ())
    _logged(item, item.state, outbox.SENT)
    item.state = outbox.SENT


def _belongs_to_another(cache: Cache, item: OutboxItem, remote_id: str) -> bool:
    """What the look-up found is already the result of another item (an earlier identical
    update), or, for a reply or note, another message we wrote here with the same words.

    The server's copy of this very message, pulled in by a sync that ran between the unknown
    outcome and this look-up, is not "another": it is merged into ours (``bind_delivered``).
    """
    with cache.connection() as conn, transaction(conn):
        other_item = conn.execute("SELECT 1 FROM outbox WHERE ticket_id = ? AND remote_id = ? AND id != ?",
                                  (item.ticket_id, remote_id, item.id)).fetchone()
        if other_item is not None:
            return True
        if item.message_id is None:
            return False  # an update: what it left on the server may have been pulled in already
        return not sync_apply.bind_delivered(conn, item.ticket_id, item.message_id, remote_id)


def _current_version(backend: Backend, ticket_remote_id: str) -> str | None:
    if backend.capabilities.concurrency is Concurrency.NONE:
        return None  # nothing to keep: the backend sends no version
    try:
        return backend.current_version(ticket_remote_id)
    except errors.SyncError:
        return None


def _mark(cache: Cache, item: OutboxItem, state: str, now: Callable[[], datetime], error: str | None = None, *,
          remote_id: str | None = None, attempt: bool = False, version: str | None = None) -> None:
    with cache.connection() as conn, transaction(conn):
        outbox.mark(conn, item.id, state, now(), error=error, remote_id=remote_id, attempt=attempt)
        if version is not None:
            tickets.set_version(conn, item.ticket_id, version)
    if state == outbox.SENT:
        # Delivered: the private copies become the sent message's bytes in the cache.
        files = item.payload.get("attachments")
        outbox_files.keep_as_downloaded(cache.path, item.message_id, files if isinstance(files, list) else ())
    _logged(item, item.state, state, error)
    item.state = state


def _logged(item: OutboxItem, before: str, after: str, error: str | None = None) -> None:
    """One outbox transition in the log (the error is a SyncError's sentence: no secrets)."""
    log.info("outbox %s %s: %s -> %s%s", item.id, item.action, before, after, f" ({error})" if error else "")


