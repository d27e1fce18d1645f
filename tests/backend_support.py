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

    @property
    def status(self):
        return self._backend.status

    @status.setter
    def status(self, value) -> None:
        self._backend.status = value  # the engine's sync status reaches the backend that uses it

    def __getattr__(self, name):
        return getattr(self._backend, name)
