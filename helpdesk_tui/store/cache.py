"""One account's cache as the UI and CLI see it: a facade over the store modules.

Connections are lent from a small pool, one per piece of work, so a worker thread can
query while the UI thread renders (WAL lets readers and the writer work at once) and
short-lived worker threads do not each leave a connection behind.
"""

from __future__ import annotations

import sqlite3
import threading
from array import array
from datetime import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from helpdesk_tui.domain.models import Article, CustomerNote, Draft, Event, InboxRow, Message, OutboxItem, Ticket
from helpdesk_tui.store import drafts, tickets
from helpdesk_tui.store.db import open_database, transaction

# The KB, synced templates and the outbox are imported by the methods that use them: a
# script's `helpdesk-tui list` or `show` reads none of them (~13 ms of imports: uuid, the
# sync writer, the text cleaners). Customers and search likewise (~2 ms of dataclasses and
# regexes that `list` never uses). The inbox queries (store.inbox and its planners, ~2% of
# `show`'s instructions) are imported by the inbox methods: `show` and `search` never list.
if TYPE_CHECKING:
    from helpdesk_tui.store import customers, inbox
    from helpdesk_tui.store.search import SearchHit
    from helpdesk_tui.domain.reply import ReplyPlan
    from helpdesk_tui.store import sync_kb


class Cache:
    def __init__(self, path: Path | str, account: str) -> None:
        self.path = Path(path)
        self.account = account
        self._idle: list[sqlite3.Connection] = []
        self._busy: set[sqlite3.Connection] = set()
        self._lock = threading.Lock()
        with self.connection():  # open (and migrate) now, so errors surface here
            pass

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """Borrow a connection for one piece of work; any thread may borrow."""
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = open_database(self.path)
        with self._lock:
            self._busy.add(conn)
        try:
            yield conn
        finally:
            with self._lock:
                self._busy.discard(conn)
                self._idle.append(conn)

    def ensure_sla_policy(self, policy, progress=None) -> int:
        """Make ``policy`` (a domain.sla_policy.SlaPolicy) the one in force; returns how many
        tickets were recomputed (0 when it already was)."""
        from helpdesk_tui.store import sla_refresh

        with self.connection() as conn:
            if not sla_refresh.needs_install(conn, policy):
                return 0
            return sla_refresh.install_policy(conn, policy, progress)

    def close(self) -> None:
        with self._lock:
            for conn in self._idle:
                conn.close()
            self._idle.clear()

    def interrupt(self) -> None:
        """Abandon queries running in other threads (a newer query replaces them)."""
        with self._lock:
            for conn in self._busy:
                conn.interrupt()

    # inbox
    def inbox_ids(self, query: inbox.InboxQuery, limit: int | None = None) -> array:
        from helpdesk_tui.store import inbox

        with self.connection() as conn:
            return inbox.ordered_ids(conn, query, limit=limit)

    def inbox_rows(self, ids) -> list[InboxRow]:
        from helpdesk_tui.store import inbox

        with self.connection() as conn:
            return inbox.fetch_rows(conn, ids)

    def inbox_count(self, query: inbox.InboxQuery) -> int:
        from helpdesk_tui.store import inbox

        with self.connection() as conn:
            return inbox.count(conn, query)

    # tickets
    def ticket(self, ticket_id: int) -> Ticket | None:
        with self.connection() as conn:
            return tickets.get_ticket(conn, ticket_id)

    def find_ticket(self, reference: str) -> Ticket | None:
        with self.connection() as conn:
            return tickets.find_ticket(conn, reference)

    def thread(self, ticket_id: int) -> list[Message]:
        with self.connection() as conn:
            return tickets.thread(conn, ticket_id)

    def message_body(self, message_id: int) -> tuple[str, str] | None:
        with self.connection() as conn:
            return tickets.message_body(conn, message_id)

    def timeline(self, ticket_id: int) -> list[Event]:
        with self.connection() as conn:
            return tickets.timeline(conn, ticket_id)

    # customers
    def customer_summary(self, customer_id: int) -> customers.CustomerSummary | None:
        from helpdesk_tui.store import customers

        with self.connection() as conn:
            return customers.summary(conn, customer_id)

    def customer_history(self, customer_id: int, exclude: int | None = None) -> list[customers.HistoryItem]:
        from helpdesk_tui.store import customers

        with self.connection() as conn:
            return customers.history(conn, customer_id, exclude=exclude)

    def add_customer_note(self, customer_id: int, body: str, author: str, now: datetime) -> CustomerNote:
        from helpdesk_tui.store import customers

        with self.connection() as conn, transaction(conn):
            return customers.add_note(conn, customer_id, body, author, now)

    def update_customer_note(self, note_id: int, body: str, now: datetime) -> None:
        from helpdesk_tui.store import customers

        with self.connection() as conn, transaction(conn):
            customers.update_note(conn, note_id, body, now)

    def delete_customer_note(self, note_id: int) -> None:
        from helpdesk_tui.store import customers

        with self.connection() as conn, transaction(conn):
            customers.delete_note(conn, note_id)

    # search
    def search(self, query: str, *, limit: int = 20, kinds=("ticket", "message", "article")) -> list[SearchHit]:
        from helpdesk_tui.store import search

        with self.connection() as conn:
            return search.search(conn, query, limit=limit, kinds=kinds)

    # knowledge base
    def article(self, article_id: int) -> Article | None:
        from helpdesk_tui.store import kb

        with self.connection() as conn:
            return kb.get_article(conn, article_id)

    def search_articles(self, query: str, limit: int = 20) -> list[SearchHit]:
        from helpdesk_tui.store import kb

        with self.connection() as conn:
            return kb.search_articles(conn, query, limit=limit)

    def search_past_replies(self, query: str, limit: int = 10) -> list[SearchHit]:
        from helpdesk_tui.store import kb

        with self.connection() as conn:
            return kb.search_past_replies(conn, query, limit=limit)

    def suggest_articles(self, text: str, limit: int = 8) -> list[SearchHit]:
        from helpdesk_tui.store import kb

        with self.connection() as conn:
            return kb.suggest_articles(conn, text, limit=limit)

    def synced_templates(self) -> list[sync_kb.SyncedTemplate]:
        """Reply templates synced from the helpdesk (Zendesk macros…)."""
        from helpdesk_tui.store import sync_kb

        with self.connection() as conn:
            return sync_kb.synced_templates(conn)

    # drafts and the outbox
    def draft(self, ticket_id: int) -> Draft | None:
        with self.connection() as conn:
            return drafts.get_draft(conn, ticket_id)

    def save_draft(self, draft: Draft, *, wait: float | None = None) -> None:
        """Save ``draft``; raises WriteFailed (the text stays the caller's) when the cache
        cannot be written. ``wait``: seconds to wait for another writer (default 10)."""
        from helpdesk_tui.store.write_errors import WRITE_ERRORS, WriteFailed, describe_write_error

        with self.connection() as conn:
            if wait is not None:
                conn.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
            try:
                with transaction(conn):
                    drafts.save_draft(conn, draft)
            except WRITE_ERRORS as exc:
                raise WriteFailed(describe_write_error(exc)) from exc
            finally:
                if wait is not None:
                    conn.execute("PRAGMA busy_timeout = 10000")

    def mark_draft_seen(self, ticket_id: int, message_id: int) -> None:
        with self.connection() as conn, transaction(conn):
            drafts.mark_seen(conn, ticket_id, message_id)

    def discard_draft(self, ticket_id: int) -> None:
        """Delete the ticket's draft; raises WriteFailed when the cache cannot be written."""
        from helpdesk_tui.store.write_errors import WRITE_ERRORS, WriteFailed, describe_write_error

        try:
            with self.connection() as conn, transaction(conn):
                drafts.delete_draft(conn, ticket_id)
        except WRITE_ERRORS as exc:
            raise WriteFailed(describe_write_error(exc)) from exc

    def queue_reply(self, plan: ReplyPlan, now: datetime, *, keep_draft: bool = False) -> tuple[int, str]:
        """Queue a reply or note (see store.outbox.queue_reply). ``keep_draft``: the text did
        not come from the ticket's draft (the CLI), so the draft the agent keeps stays."""
        from helpdesk_tui.store import outbox
        from helpdesk_tui.store.write_errors import WRITE_ERRORS, WriteFailed, describe_write_error

        try:
            with self.connection() as conn, transaction(conn):
                return outbox.queue_reply(conn, plan, now, keep_draft=keep_draft)
        except WRITE_ERRORS as exc:
            raise WriteFailed(describe_write_error(exc)) from exc

    def queue_new_ticket(self, plan, now: datetime) -> tuple[int, str]:
        """Open a ticket for a customer (store.new_tickets): (provisional ticket id, outbox id)."""
        from helpdesk_tui.store import new_tickets
        from helpdesk_tui.store.write_errors import WRITE_ERRORS, WriteFailed, describe_write_error

        try:
            with self.connection() as conn, transaction(conn):
                return new_tickets.queue_new_ticket(conn, plan, now)
        except WRITE_ERRORS as exc:
            raise WriteFailed(describe_write_error(exc)) from exc

    def find_customer(self, who: str):
        """A customer of the cache by e-mail or (unique) name, or None."""
        from helpdesk_tui.store import new_tickets

        with self.connection() as conn:
            return new_tickets.find_customer(conn, who)

    # held sends: the undo window (store.held)
    def hold_reply(self, plan: ReplyPlan, now: datetime, until: datetime, *, draft: Draft | None = None) -> str:
        """Hold a reply until ``until`` (the undo window); ``draft`` is kept in it for undo."""
        from helpdesk_tui.store import held

        with self.connection() as conn, transaction(conn):
            return held.hold_reply(conn, plan, now, until, draft=draft)

    def held_sends(self) -> list:
        """Sends in their undo window (store.held.HeldSend), the soonest first."""
        from helpdesk_tui.store import held

        with self.connection() as conn:
            return held.held_sends(conn)

    def next_hold_wake(self, after: datetime | None = None) -> datetime | None:
        """When the next undo window ends (store.held.next_wake)."""
        from helpdesk_tui.store import held

        with self.connection() as conn:
            return held.next_wake(conn, after)

    def release_due(self, now: datetime) -> list[str]:
        """Queue the held sends whose undo window has ended (with their local effects)."""
        from helpdesk_tui.store import held

        with self.connection() as conn, transaction(conn):
            return held.release_due(conn, now)

    def take_back(self, ticket_id: int, now: datetime) -> Draft | None:
        """Undo the ticket's held send: the draft it was, or None when it is too late.
        Raises store.held.HoldError when the ticket has a new draft."""
        from helpdesk_tui.store import held

        with self.connection() as conn, transaction(conn):
            return held.take_back(conn, ticket_id, now)

    def cancel_held(self, item_id: str) -> bool:
        from helpdesk_tui.store import held

        with self.connection() as conn, transaction(conn):
            return held.cancel(conn, item_id)

    def outbox_items(self) -> list[OutboxItem]:
        from helpdesk_tui.store import outbox

        with self.connection() as conn:
            return outbox.all_items(conn)

    def outbox_counts(self) -> dict[str, int]:
        from helpdesk_tui.store import outbox

        with self.connection() as conn:
            return outbox.counts(conn)

    # promised updates and product feedback (issue 5)
    def promises_due(self, now: datetime, within, assignees) -> list:
        """Promised updates overdue or due within ``within`` on tickets of ``assignees`` (None: unassigned)."""
        from helpdesk_tui.store import checkpoints

        with self.connection() as conn:
            return checkpoints.due_soon(conn, now, within, assignees=assignees)

    def mark_feedback(self, ticket_id: int, now: datetime, *, note: str = "", author: str = "") -> int:
        """Mark the ticket's latest customer message as product feedback; returns the mark's id."""
        from helpdesk_tui.store import feedback

        with self.connection() as conn, transaction(conn):
            return feedback.mark_feedback(conn, ticket_id, now, note=note, author=author)

    # satisfaction ratings (issue 5)
    def ticket_ratings(self, ticket_id: int) -> list:
        """The ticket's ratings (store.ratings.Rating), helpdesk and local, oldest first."""
        from helpdesk_tui.store import ratings

        with self.connection() as conn:
            return ratings.ticket_ratings(conn, ticket_id)

    def record_rating(self, ticket_id: int, score: str, now: datetime, *, comment: str = "") -> int:
        """Record (or replace) the rating the customer gave the agent here; returns its id.
        Raises store.ratings.RatingError for a score other than good or bad."""
        from helpdesk_tui.store import ratings

        with self.connection() as conn, transaction(conn):
            return ratings.record_local_rating(conn, ticket_id, score, now, comment=comment)
