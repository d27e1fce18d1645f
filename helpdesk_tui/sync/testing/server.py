"""What the conformance suite needs from the server behind a backend: ``ServerActions``.

A suite cannot know how each helpdesk is scripted (a REST call, a Django shell, a Perl
one-liner, an in-process fake), so a backend's test module implements these few actions
and the suite does the rest through the app's own paths (the cache, the outbox, the engine).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from helpdesk_tui.domain.remote import ChangePage, RemoteMessage
from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.sync.contract import Backend, SyncStatus
from helpdesk_tui.sync.errors import NotSupported
from helpdesk_tui.sync.testing.fault_proxy import FaultProxy, drop_after_upstream


@dataclass(frozen=True)
class ServerTicket:
    """A ticket's fields as the server has them now, in our vocabulary."""

    status: Status
    priority: Priority
    assignee: str | None  # as the backend shows it (the name an update sends)


class ServerActions(ABC):
    """The server side of one backend's conformance run; implement it in the backend's test module.

    ``url`` and ``writes`` let the suite put a fault proxy between the backend and an HTTP
    server (``answers_lost``); a backend without HTTP overrides ``answers_lost`` instead.
    """

    url: str | None = None  # the server's base address (http://127.0.0.1:PORT), the proxy's upstream
    writes: tuple[tuple[str, str], ...] = ()  # (method, path regex) of every request that writes a reply
    assignee: str = ""  # an agent the server can assign tickets to, named as the backend shows it

    @abstractmethod
    def backend(self, url: str | None = None) -> Backend:
        """A backend for the account under test, against the server (or ``url``: a proxy in
        front of it). Build it the way the app does (the module's ``make_client``) with a short
        retry policy: the suite's faults need not wait for backoff."""

    @abstractmethod
    def create_ticket(self, subject: str, body: str) -> str:
        """A customer writes in with ``subject`` and ``body``; the new ticket's remote id."""

    @abstractmethod
    def customer_writes(self, remote_id: str, body: str) -> None:
        """The ticket's customer answers on it (an e-mail in real life)."""

    @abstractmethod
    def agent_writes(self, remote_id: str, body: str, *, public: bool) -> None:
        """Another agent replies (``public``) or leaves an internal note, outside this app."""

    @abstractmethod
    def change_subject(self, remote_id: str, subject: str) -> None:
        """Someone edits the ticket elsewhere (what moves its version on a helpdesk with versions)."""

    def delete_ticket(self, remote_id: str) -> None:
        """Delete the ticket on the server (backends that declare ``deletions``)."""
        raise NotSupported("This server cannot delete tickets.")

    def create_ticket_with_file(self, subject: str, body: str, file_name: str, data: bytes, media_type: str) -> str:
        """A customer writes in with one file attached; the new ticket's remote id (backends
        that download attachments: ``Backend.download_attachment``)."""
        raise NotSupported("This server cannot take a customer's attachment.")

    @abstractmethod
    def ticket(self, remote_id: str) -> ServerTicket:
        """The ticket's status, priority and assignee as the server has them now."""

    def thread(self, remote_id: str) -> list[RemoteMessage]:
        """The ticket's thread as the server has it now (read straight from it, no proxy)."""
        return self.backend().fetch_thread(remote_id)

    def attachment_bytes(self, remote_id: str, message: RemoteMessage, n: int) -> bytes:
        """The bytes of ``message``'s ``n``-th attachment (from 1, in ``message.attachments``'
        order) as the server stores them, read behind the backend's back (backends whose
        capabilities declare attachments)."""
        raise NotSupported("This server cannot hand out attachment bytes.")
    def tickets_titled(self, text: str) -> list[str]:
        """The remote ids of every ticket on the server whose subject contains ``text`` (read
        through a fresh backend's pull from scratch; override it where the server can search)."""
        backend, cursor, found = self.backend(), None, []
        for _ in range(10_000):
            page = backend.pull(cursor)
            found += [t.remote_id for t in page.tickets if text in t.subject]
            cursor = page.cursor
            if page.done:
                break
        return sorted(set(found))

    @contextmanager
    def answers_lost(self) -> Iterator[Backend]:
        """A backend whose next write reaches the server and is applied, but whose answer never
        comes back (the outcome is unknown to the client); later requests pass.

        The default puts ``FaultProxy`` in front of ``url`` and drops the answer to the first
        request matching each of ``writes``."""
        if not self.url or not self.writes:
            raise NotSupported("Give ServerActions a url and its writes, or override answers_lost.")
        with FaultProxy(self.url) as proxy:
            for method, pattern in self.writes:
                proxy.add(method, pattern, drop_after_upstream())
            yield self.backend(proxy.url)
            proxy.wait_idle()


class Scoped:
    """The backend under test, pulling only the tickets the suite made: a shared server holds
    every other test's tickets too. Everything else is the backend's own (delegated)."""

    def __init__(self, backend: Backend, wanted: set[str]) -> None:
        self.inner = backend
        self.wanted = wanted
        self.subjects: set[str] = set()  # tickets opened by the suite: pulled by a word of their subject
        self.name, self.label, self.capabilities = backend.name, backend.label, backend.capabilities
        self.pulled: list[list[str]] = []  # the remote ids of each page, in order

    def pull(self, cursor: str | None) -> ChangePage:
        page = self.inner.pull(cursor)
        self.wanted.update(t.remote_id for t in page.tickets if any(word in t.subject for word in self.subjects))
        page.tickets = [t for t in page.tickets if t.remote_id in self.wanted]
        page.deleted_ticket_ids = [r for r in page.deleted_ticket_ids if r in self.wanted]
        self.pulled.append([t.remote_id for t in page.tickets])
        return page

    @property
    def status(self) -> SyncStatus:
        return self.inner.status

    @status.setter
    def status(self, value: SyncStatus) -> None:
        self.inner.status = value  # the engine's sync status (kept in the cache) reaches the backend

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
