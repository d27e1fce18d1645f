"""Helpers for backend tests: reading a backend's whole change feed, and a backend that sees only
some tickets (the shared real servers hold every other test's tickets too)."""

from __future__ import annotations

from typing import Any

from helpdesk_tui.sync.contract import ChangePage


def pull_all(backend: Any, cursor: str | None = None, *, most: int = 1_000) -> tuple[list[ChangePage], str | None]:
    """Every page of ``backend.pull`` from ``cursor`` until one says it is done; the pages and the
    cursor to go on from. A feed that has not ended after ``most`` pages fails the test."""
    pages = []
    for _ in range(most):
        page = backend.pull(cursor)
        pages.append(page)
        cursor = page.cursor
        if page.done:
            return pages, cursor
    raise AssertionError("the pull never finished")


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
