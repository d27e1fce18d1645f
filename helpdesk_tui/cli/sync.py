"""The sync-side CLI commands: sync, reply, outbox."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from helpdesk_tui.cli.context import Context, backend_for, find_ticket_or_fail
from helpdesk_tui.cli.json import dumps
from helpdesk_tui.errors import UserError

_log = logging.getLogger(__name__)


def _progress_printer():
    tty = sys.stderr.isatty()

    def show(progress) -> None:
        total = f"/{progress.total_hint:,}" if progress.total_hint else ""
        line = f"sync: {progress.tickets:,}{total} tickets in {progress.pages} pages"
        if progress.stream != "tickets":
            line += f", {progress.articles:,} articles, {progress.templates:,} templates"
        if tty:
            print(f"\r{line}", end="", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)

    return show, tty


def sync(ctx: Context) -> int:
    from helpdesk_tui.sync.engine import SyncEngine

    backend = backend_for(ctx)
    cache = ctx.open_cache(create=True)
    show, tty = _progress_printer()
    try:
        report = SyncEngine(cache, backend, lambda: datetime.now(UTC)).sync(show)
    finally:
        cache.close()
    _log.info("sync of %s: %d new, %d updated, %d deleted; sent %d, failed %d%s", ctx.account, report.new,
              report.updated, report.deleted, report.pushed.sent, report.pushed.failed,
              f"; problem: {report.problem}" if report.problem else "")
    if tty:
        print(file=sys.stderr)
    pushed = report.pushed
    if report.problem and not _anything_happened(report):
        raise UserError(report.problem)  # "0 new … sent 0" before the error would only mislead
    print(f"{ctx.account}: {report.new} new, {report.updated} updated, {report.deleted} deleted; "
          f"sent {pushed.sent}, waiting {pushed.waiting}, failed {pushed.failed}, conflicts {pushed.conflicts}.")
    capabilities = backend.capabilities
    if capabilities.kb or capabilities.templates:
        parts = [f"{label} {r.new} new, {r.updated} updated, {r.removed} removed"
                 for label, r, offered in (("articles", report.articles, capabilities.kb),
                                           ("templates", report.templates, capabilities.templates)) if offered]
        print(f"{ctx.account}: {'; '.join(parts)}.")
    for note in report.notes:
        print(f"helpdesk-tui: {note}", file=sys.stderr)
    skipped = report.skipped_line()
    if skipped:
        print(f"helpdesk-tui: {skipped}", file=sys.stderr)
    if report.problem:
        raise UserError(report.problem)
    return 0


def _anything_happened(report) -> bool:
    """Whether the summary line says anything: a change pulled, an item sent or refused."""
    pushed = report.pushed
    extras = [n for r in (report.articles, report.templates) for n in (r.new, r.updated, r.removed)]
    return bool(report.new or report.updated or report.deleted or pushed.sent or pushed.failed
                or pushed.conflicts or report.skipped or any(extras))


def reply(ctx: Context, reference: str, *, file: str, note: bool, status: str | None,
          next_update: str | None, send: bool, delay: int = 0) -> int:
    from helpdesk_tui.domain.checkpoint import CheckpointError, parse_checkpoint
    from helpdesk_tui.domain.reply import ReplyPlan
    from helpdesk_tui.domain.vocab import MessageKind, Status

    try:
        body = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"Cannot read {file}: {getattr(exc, 'strerror', None) or exc}.") from None
    if not body.strip():
        raise UserError("The reply is empty: write something in the file first.", 2)
    new_status = None
    if status:
        try:
            new_status = Status(status.replace("-", "_").replace(" ", "_"))
        except ValueError:
            raise UserError(f"Unknown status '{status}': use one of "
                            f"{', '.join(s.value for s in Status)}.", 2) from None
    now = datetime.now(UTC)
    checkpoint = None
    if next_update:
        try:
            checkpoint = parse_checkpoint(next_update, now, now.astimezone().tzinfo or UTC)
        except CheckpointError as exc:
            raise UserError(str(exc), 2) from None
    from helpdesk_tui.config.settings import MAX_SEND_DELAY

    if not 0 <= delay <= MAX_SEND_DELAY:
        raise UserError(f"--delay must be between 0 and {MAX_SEND_DELAY} seconds.", 2)
    cache = ctx.open_cache()
    try:
        ticket = find_ticket_or_fail(ctx, cache, reference)
        kind = MessageKind.INTERNAL_NOTE if note else MessageKind.PUBLIC_REPLY
        from helpdesk_tui.store.write_errors import WriteFailed

        plan = ReplyPlan(ticket.id, kind, body, ctx.settings.agent.name, new_status, checkpoint)
        try:
            if delay:
                if not _hold_then_wait(cache, plan, now, delay, ticket.number, send=send):
                    return 0
            else:
                # The text comes from a file, not from the draft the agent may keep for this
                # ticket in the app: that draft stays.
                _, item_id = cache.queue_reply(plan, now, keep_draft=True)
                print(f"Queued {'note' if note else 'reply'} {item_id[:8]} on #{ticket.number}.")
        except WriteFailed as exc:
            from helpdesk_tui.store.failures import explain

            # The same sentence every other command gives for this cache failure.
            raise UserError(f"The {'note' if note else 'reply'} was not queued and nothing was sent. "
                            f"{explain(exc.__cause__ or exc, cache.path)}") from None
        if send:
            from helpdesk_tui.sync.engine import SyncEngine

            result = SyncEngine(cache, backend_for(ctx), lambda: datetime.now(UTC)).push()
            if result.sent:
                print(f"Sent {result.sent}.")
            for problem in result.problems:
                print(f"helpdesk-tui: {problem} It stays in the outbox.", file=sys.stderr)
            if result.problems:
                return 1  # queued, but not sent: a script must be able to tell
    finally:
        cache.close()
    return 0


def _hold_then_wait(cache, plan, now: datetime, delay: int, number: int, *, send: bool) -> bool:
    """Hold the reply ``delay`` seconds (store.held); when ``send``, wait them out here, ctrl+c
    taking it back. False when it was taken back. The agent's draft of the ticket is untouched."""
    import time
    from datetime import timedelta

    from helpdesk_tui.domain.vocab import MessageKind

    what = "note" if plan.kind == MessageKind.INTERNAL_NOTE else "reply"
    until = now + timedelta(seconds=delay)
    item_id = cache.hold_reply(plan, now, until)
    # The cache keeps whole seconds, rounded up: wait for its moment, not ours.
    until = next((h.send_at for h in cache.held_sends() if h.item_id == item_id), until)
    if not send:
        print(f"Held {what} {item_id[:8]} on #{number}: the first sync after "
              f"{until.astimezone():%H:%M:%S} sends it.")
        return True
    try:  # from the moment it is said: ctrl+c right after the line must take it back too
        print(f"Held {what} {item_id[:8]} on #{number}: it goes out in {delay} s (ctrl+c takes it back).",
              flush=True)
        while (left := (until - datetime.now(UTC)).total_seconds()) > 0:
            time.sleep(min(left, 0.5))
    except KeyboardInterrupt:
        if cache.cancel_held(item_id):
            print(f"Taken back: the {what} was not sent.")
            return False
        print(f"Too late to take it back: the {what} had already gone to the outbox.", file=sys.stderr)
    return True


def outbox(ctx: Context, *, retry: str | None, drop: str | None, as_json: bool) -> int:
    from helpdesk_tui.content import clean_line
    from helpdesk_tui.store import outbox as box
    from helpdesk_tui.store.db import transaction

    cache = ctx.open_cache()
    try:
        with cache.connection() as conn:
            if retry or drop:
                prefix = retry or drop
                matches = box.find(conn, prefix)
                if len(matches) != 1:
                    raise UserError(f"{'No' if not matches else 'More than one'} outbox item starts with "
                                    f"'{prefix}': 'helpdesk-tui outbox' lists them.", 2)
                with transaction(conn):
                    if retry:
                        done = box.retry(conn, matches[0].id, datetime.now(UTC))
                    else:
                        done = box.drop(conn, matches[0].id)
                if not done:
                    raise UserError(f"Item {prefix} is {matches[0].state}: only failed or conflicting items "
                                    "can be retried or dropped.", 2)
                print(f"{'Queued again' if retry else 'Dropped'}: {matches[0].id[:8]}.")
                return 0
            items = [i for i in box.all_items(conn) if i.state not in ("sent", "dropped")]
            numbers = {i.ticket_id: t.number for i in items if (t := cache.ticket(i.ticket_id))}
    finally:
        cache.close()
    for item in items:
        if as_json:
            print(dumps({"id": item.id, "ticket": numbers.get(item.ticket_id), "action": item.action,
                         "state": item.state, "attempts": item.attempts, "error": item.last_error,
                         "created_at": item.created_at}))
        else:
            error = f"  {clean_line(item.last_error)}" if item.last_error else ""
            print(f"{item.id[:8]}  #{numbers.get(item.ticket_id, '?'):<7} {item.action:<6} {item.state:<9} "
                  f"tries {item.attempts}{error}")
    if not items and not as_json:
        print("The outbox is empty: everything was sent.")
    return 0
