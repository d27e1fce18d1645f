"""The sync-side CLI commands: sync, reply, outbox."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from helpdesk_tui.cli.context import Context
from helpdesk_tui.cli.json import dumps
from helpdesk_tui.content import clean_line
from helpdesk_tui.errors import UserError
from helpdesk_tui.services import attaching
from helpdesk_tui.services import outbox as box
from helpdesk_tui.services import sync as syncing
from helpdesk_tui.services.workspace import find_ticket


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
    show, tty = _progress_printer()
    outcome = syncing.sync_workspace(ctx, show)
    if tty:
        print(file=sys.stderr)
    report = outcome.report
    pushed = report.pushed
    if report.problem and not syncing.anything_happened(report):
        raise UserError(report.problem)  # "0 new … sent 0" before the error would only mislead
    print(f"{ctx.account}: {report.new} new, {report.updated} updated, {report.deleted} deleted; "
          f"sent {pushed.sent}, waiting {pushed.waiting}, failed {pushed.failed}, conflicts {pushed.conflicts}.")
    if outcome.offers_kb or outcome.offers_templates:
        parts = [f"{label} {r.new} new, {r.updated} updated, {r.removed} removed"
                 for label, r, offered in (("articles", report.articles, outcome.offers_kb),
                                           ("templates", report.templates, outcome.offers_templates)) if offered]
        print(f"{ctx.account}: {'; '.join(parts)}.")
    for note in report.notes:
        print(f"helpdesk-tui: {note}", file=sys.stderr)
    skipped = report.skipped_line()
    if skipped:
        print(f"helpdesk-tui: {skipped}", file=sys.stderr)
    if report.problem:
        raise UserError(report.problem)
    return 0


def reply(ctx: Context, reference: str, *, file: str, note: bool, status: str | None,
          next_update: str | None, send: bool, delay: int = 0, attach: list[str] | None = None) -> int:
    try:
        body = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"Cannot read {file}: {getattr(exc, 'strerror', None) or exc}.") from None
    now = datetime.now(UTC)
    checked = box.check_reply(body, note=note, status=status, next_update=next_update, delay=delay, now=now)
    agent = ctx.settings.agent.name
    with ctx.cache() as cache:
        ticket = find_ticket(cache, reference)
        # Copied only now that the reply and its ticket are known good: a refusal leaves nothing.
        checked = box.with_attachments(checked, attaching.attach_all(ctx, attach or []))
        try:
            if delay:
                held = box.hold_reply(cache, ticket, checked, agent, now)
            else:
                item_id = box.queue_reply(cache, ticket, checked, agent, now)
        except BaseException:
            attaching.discard(cache.path, checked.attachments)
            raise
        if delay:
            if not _wait_out(cache, held, checked.what, delay, ticket.number, send=send):
                attaching.discard(cache.path, checked.attachments)  # taken back: nothing will send them
                return 0
        else:
            files = f" with {len(checked.attachments)} attached" if checked.attachments else ""
            print(f"Queued {checked.what} {item_id[:8]} on #{ticket.number}{files}.")
        if send:
            result = syncing.send_outbox(cache, ctx.backend())
            if result.sent:
                print(f"Sent {result.sent}.")
            for problem in result.problems:
                print(f"helpdesk-tui: {problem} It stays in the outbox.", file=sys.stderr)
            if result.problems:
                return 1  # queued, but not sent: a script must be able to tell
    return 0


def _wait_out(cache, held: box.Held, what: str, delay: int, number: int, *, send: bool) -> bool:
    """When ``send``, wait the held reply's undo window out here, ctrl+c taking it back; False
    when it was taken back. Without ``send`` the first sync after the window sends it."""
    if not send:
        print(f"Held {what} {held.item_id[:8]} on #{number}: the first sync after "
              f"{held.until.astimezone():%H:%M:%S} sends it.")
        return True
    try:  # from the moment it is said: ctrl+c right after the line must take it back too
        print(f"Held {what} {held.item_id[:8]} on #{number}: it goes out in {delay} s (ctrl+c takes it back).",
              flush=True)
        while (left := (held.until - datetime.now(UTC)).total_seconds()) > 0:
            time.sleep(min(left, 0.5))
    except KeyboardInterrupt:
        if box.take_back(cache, held.item_id):
            print(f"Taken back: the {what} was not sent.")
            return False
        print(f"Too late to take it back: the {what} had already gone to the outbox.", file=sys.stderr)
    return True


def outbox(ctx: Context, *, retry: str | None, drop: str | None, as_json: bool) -> int:
    with ctx.cache() as cache:
        if retry:
            item = box.retry(cache, retry, datetime.now(UTC))
        elif drop:
            item = box.drop(cache, drop)
        else:
            entries = box.waiting_items(cache)
    if retry or drop:
        print(f"{'Queued again' if retry else 'Dropped'}: {item.id[:8]}.")
        return 0
    for entry in entries:
        item = entry.item
        if as_json:
            print(dumps({"id": item.id, "ticket": entry.number, "action": item.action,
                         "state": item.state, "attempts": item.attempts, "error": item.last_error,
                         "created_at": item.created_at}))
        else:
            error = f"  {clean_line(item.last_error)}" if item.last_error else ""
            number = f"#{entry.number}" if entry.number is not None else \
                ("queued" if item.action == "new_ticket" else "#?")
            print(f"{item.id[:8]}  {number:<8} {item.action:<6} {item.state:<9} "
                  f"tries {item.attempts}{error}")
    if not entries and not as_json:
        print("The outbox is empty: everything was sent.")
    return 0
