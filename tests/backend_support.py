"""Helpers for tests that run against the shared real servers."""

from __future__ import annotations


class Only:
    """A backend that pulls only some tickets: the servers hold every other test's tickets too."""

    def __init__(self, backend, wanted: set[str]) -> None:
        self._backend = backend
        self._wanted = wanted

    def pull(self, cursor):
        page = self._backend.pull(cursor)
        page.tickets = [t for t in page.tickets if t.remote_id in self._wanted]
        page.deleted_ticket_ids = [r for r in page.deleted_ticket_ids if r in self._wanted]
        return page

    def __getattr__(self, name):
        return getattr(self._backend, name)
